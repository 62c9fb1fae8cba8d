"""The pure decisions behind fetching: pacing, Retry-After, retry choice, robots meaning, addresses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from harvester.fetch.addresses import AddressGuard, is_public_address, proxy_for
from harvester.fetch.politeness import FakeClock, Politeness
from harvester.fetch.result import FetchResult
from harvester.fetch.retry import RetryPolicy, is_retryable, parse_retry_after
from harvester.fetch.robots import policy_from_fetch

# -- politeness ------------------------------------------------------------------------------


async def _starts(pol: Politeness, plan: list[tuple[str, float]]) -> dict[str, list[float]]:
    """Run one task per (host, hold seconds); return each host's start times on the fake clock."""
    starts: dict[str, list[float]] = {}

    async def one(host: str, hold: float) -> None:
        async with pol.slot(host) as state:
            # The time the slot was granted: reading the clock here instead would add a loaded
            # machine's scheduling delay to one start and not the next, so a pause of exactly
            # the interval could measure as less.
            starts.setdefault(host, []).append(state.last_start)
            await pol.clock.sleep(hold)

    await asyncio.gather(*(one(h, hold) for h, hold in plan))
    return starts


def test_interval_between_starts_per_host():
    pol = Politeness(delay=2.0, host_concurrency=1, concurrency=8, clock=FakeClock(0.0))
    starts = asyncio.run(_starts(pol, [("a", 0.0)] * 4 + [("b", 0.0)] * 2))
    assert starts["a"] == [0.0, 2.0, 4.0, 6.0]
    assert starts["b"] == [0.0, 2.0]  # b was not held up by a


def test_push_and_raise_interval_only_slow_a_host_down():
    pol = Politeness(delay=0.05, host_concurrency=1, concurrency=8)
    pol.raise_interval("a", 0.01)  # a smaller Crawl-delay does not speed us up
    assert pol.host("a").interval == 0.05
    pol.raise_interval("a", 0.15)
    t0 = pol.clock.now()
    pol.push("a", 0.3)
    starts = asyncio.run(_starts(pol, [("a", 0.0)] * 2 + [("b", 0.0)]))
    a = [t - t0 for t in starts["a"]]
    # Lower bounds are the rule; the upper ones only catch a gross over-wait (a loaded CI machine
    # can be late by tens of milliseconds, which used to fail tighter bounds).
    assert 0.3 - 1e-9 <= a[0] < 1.0 and 0.15 - 1e-9 <= a[1] - a[0] < 0.75
    assert starts["b"][0] < starts["a"][0]  # b was not held up by a's pause


def test_global_concurrency_caps_requests_in_flight():
    clock = FakeClock(0.0)
    pol = Politeness(delay=0.0, host_concurrency=1, concurrency=2, clock=clock)
    in_flight, peak = 0, 0

    async def one(host: str) -> None:
        nonlocal in_flight, peak
        async with pol.slot(host):
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.001)
            in_flight -= 1

    async def go() -> None:
        await asyncio.gather(*(one(f"h{i}") for i in range(10)))

    asyncio.run(go())
    assert peak == 2


def test_host_concurrency_allows_parallel_requests_to_one_host():
    pol = Politeness(delay=0.0, host_concurrency=3, concurrency=32)
    peak = 0

    async def one() -> None:
        nonlocal peak
        async with pol.slot("a") as state:
            peak = max(peak, state.active)
            await asyncio.sleep(0.01)

    async def go() -> None:
        await asyncio.gather(*(one() for _ in range(9)))

    asyncio.run(go())
    assert peak == 3


class _LoopClock:
    """The running loop's own clock, so a virtual-time loop drives the politeness waits."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _run_in_virtual_time(coro):
    """Run `coro` on an event loop whose clock jumps to the next timer instead of waiting for it.

    Returns (result, virtual seconds elapsed). The loop never blocks: when nothing is ready, the
    selector "waits" by moving the virtual clock forward by the timeout asyncio asked for, so the
    schedule is the one the code makes, whatever else the machine is doing."""
    loop = asyncio.new_event_loop()
    now = [0.0]
    select = loop._selector.select  # noqa: SLF001 - the one seam asyncio has for "wait until"

    def virtual_select(timeout=None):
        if timeout:
            now[0] += timeout
        return select(0)

    loop.time = lambda: now[0]
    loop._selector.select = virtual_select  # noqa: SLF001
    try:
        result = loop.run_until_complete(coro)
    finally:
        loop.close()
    return result, now[0]


def test_many_hosts_are_paced_without_blocking_each_other():
    """200 hosts x 10 requests, 0.05 s apart per host: 9 intervals (0.45 s), not 2,000 (100 s).

    Virtual time, so a loaded machine cannot fail it: a design where a waiting host held a global
    slot would take 2,000 / 32 x 0.05 = 3.1 s here, a serial one 100 s."""
    pol = Politeness(delay=0.05, host_concurrency=1, concurrency=32, clock=_LoopClock())
    starts, elapsed = _run_in_virtual_time(_starts(pol, [(f"h{i}", 0.0) for i in range(200)] * 10))
    assert all(len(s) == 10 for s in starts.values())
    assert all(b - a >= 0.05 - 1e-9 for s in starts.values() for a, b in zip(s, s[1:], strict=False))
    assert elapsed == pytest.approx(0.45, abs=1e-6), elapsed


def test_hosts_told_to_wait_hold_no_slot_while_they_wait():
    """40 hosts under a 10 s Retry-After and 32 global slots: the other 160 hosts go on at their
    own pace. Waiting while holding a global slot would stall them all for the 10 s."""
    pol = Politeness(delay=0.05, host_concurrency=1, concurrency=32, clock=_LoopClock())
    waiting = [f"w{i}" for i in range(40)]
    free = [f"h{i}" for i in range(160)]

    async def go() -> dict[str, list[float]]:
        for host in waiting:
            pol.push(host, 10.0)
        return await _starts(pol, [(h, 0.0) for h in waiting] * 2 + [(h, 0.0) for h in free] * 10)

    starts, elapsed = _run_in_virtual_time(go())
    assert max(s[-1] for h, s in starts.items() if h in free) == pytest.approx(0.45, abs=1e-6)
    assert min(s[0] for h, s in starts.items() if h in waiting) == pytest.approx(10.0, abs=1e-6)
    assert elapsed == pytest.approx(10.05, abs=1e-6)


# -- retry -----------------------------------------------------------------------------------


def test_parse_retry_after():
    now = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Wed, 25 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Wed, 25 Nov 2026 11:00:00 GMT", now) == 0.0  # in the past: no wait
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("", now) is None and parse_retry_after(None, now) is None


@pytest.mark.parametrize(("status", "error", "retry"), [
    (429, None, True), (500, "http-500", True), (502, "http-502", True), (503, "http-503", True),
    (504, "http-504", True), (404, "http-404", False), (403, "http-403", False), (501, "http-501", False),
    (None, "read-timeout", True), (None, "connect-timeout", True), (None, "connect-error", True),
    (None, "dns", False), (None, "content-type", False), (200, None, False),
])
def test_what_is_retried(status, error, retry):
    assert is_retryable(FetchResult("u", "u", status=status, error=error)) is retry


def test_retry_policy_runs_attempts_and_counts_them():
    replies = iter([FetchResult("u", "u", status=503, error="http-503"),
                    FetchResult("u", "u", status=503, error="http-503", headers={"retry-after": "4"}),
                    FetchResult("u", "u", status=200)])
    paused: list[tuple[str, float]] = []

    async def pause(key: str, seconds: float) -> None:
        paused.append((key, seconds))

    async def attempt() -> FetchResult:
        return next(replies)

    result = asyncio.run(RetryPolicy(5, 60.0, pause).run("example.org", attempt))
    assert result.status == 200 and result.attempts == 3
    assert paused[0][0] == "example.org" and 1.0 <= paused[0][1] <= 2.0
    assert paused[1] == ("example.org", 4.0)


# -- robots meaning --------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "error", "blocked"), [
    (404, "http-404", None), (401, "http-401", None), (403, "http-403", None), (410, "http-410", None),
    (500, "http-500", "robots-unavailable"), (503, "http-503", "robots-unavailable"),
    (None, "read-timeout", "robots-unavailable"), (None, "connect-error", "robots-unavailable"),
    (None, "dns", "dns"), (None, "too-many-redirects", None),
])
def test_robots_fetch_outcome_meaning(status, error, blocked):
    policy = policy_from_fetch(FetchResult("r", "r", status=status, error=error))
    assert policy.blocked == blocked
    assert policy.allowed("https://example.org/anything") is (blocked is None)


def test_robots_parse_limit_and_crawl_delay():
    body = b"User-agent: *\nCrawl-delay: 2.5\nDisallow: /a\n" + b"#" * (600 * 1024) + b"\nDisallow: /b\n"
    policy = policy_from_fetch(FetchResult("r", "r", status=200, body=body))
    assert policy.crawl_delay == 2.5
    assert not policy.allowed("https://x.example/a")
    assert policy.allowed("https://x.example/b")  # beyond 500 KiB: not parsed


# -- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(("address", "public"), [
    ("93.184.215.14", True), ("2a00:1450:4009:81f::200e", True),
    ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.0.1", False), ("127.0.0.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
    ("::1", False), ("fe80::1", False), ("fc00::1", False), ("::ffff:10.0.0.1", False), ("240.0.0.1", False),
])
def test_is_public_address(address, public):
    assert is_public_address(address) is public


def test_proxied_names_skip_the_lookup_but_literals_are_still_refused(monkeypatch):
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.uni.example:3128")
    looked_up: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        looked_up.append(host)
        raise OSError("local DNS knows no public names")

    guard = AddressGuard(resolver=resolver)

    async def go():
        return (await guard.check("https", "www.watershed.co.uk", 443),
                await guard.check("https", "192.168.1.1", 443),
                await guard.check("https", "localhost", 443),
                await guard.check("http", "intranet.example", 80))

    assert proxy_for("https", "www.watershed.co.uk") == "http://proxy.uni.example:3128"
    assert asyncio.run(go()) == (None, "private-address", "private-address", "dns")
    assert looked_up == ["intranet.example"]  # plain http has no proxy here: looked up locally


def test_address_checks_are_cached_per_host():
    calls: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["93.184.215.14"]

    guard = AddressGuard(resolver=resolver, trust_env=False)

    async def go():
        return [await guard.check("https", "example.org", 443) for _ in range(3)]

    assert asyncio.run(go()) == [None, None, None]
    assert calls == ["example.org"]
