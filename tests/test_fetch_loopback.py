"""PoliteClient against real HTTP servers on 127.0.0.1 (several ports = several hosts).

Politeness is measured from the servers' own request logs, and a control run with delay 0 shows
the interval assertion would fail if pacing were broken.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from loopback import LoopbackServer, Reply, gaps, loopback_hosts

from harvester.config import Config
from harvester.fetch.client import PoliteClient

pytestmark = pytest.mark.integration

DELAY = 0.2
PAGES = 5
# Timestamps are taken by the server thread when the request line arrives: on an idle machine it
# reads within a few milliseconds of the send, on a loaded CI runner a thread may wake tens of
# milliseconds late. The control run (delay 0) sees gaps of a few milliseconds, far below this.
TOLERANCE = 0.05


def config(**kw) -> Config:
    return Config(**{"delay": DELAY, "retries": 3, "timeout": 5.0, **kw})


def serve_site(server: LoopbackServer, robots: str = "User-agent: *\nAllow: /\n") -> None:
    server.route("/robots.txt", body=robots, content_type="text/plain")
    server.handler(lambda req: Reply(body=f"<html><body>page {req.path}</body></html>"))


async def crawl(hosts: list[LoopbackServer], cfg: Config, paths: list[str]) -> tuple[list, float]:
    started = time.monotonic()
    async with PoliteClient(cfg, allow_private=True) as client:
        results = await asyncio.gather(*(client.fetch(h.url(p)) for h in hosts for p in paths))
    return results, time.monotonic() - started


def test_minimum_interval_per_host_holds_while_hosts_run_in_parallel():
    with loopback_hosts(3) as hosts:
        for h in hosts:
            serve_site(h)
        paths = [f"/p{i}" for i in range(PAGES)]
        results, elapsed = asyncio.run(crawl(hosts, config(), paths))
        assert all(r.ok for r in results)
        for h in hosts:
            assert len(h.requests()) == PAGES + 1  # robots.txt + pages
            host_gaps = gaps(h.times())
            assert min(host_gaps) >= DELAY - TOLERANCE, host_gaps
        # In parallel: about (PAGES + 1) intervals in all, far from 3 hosts one after another.
        serial = len(hosts) * PAGES * DELAY
        assert elapsed < serial * 0.75, (elapsed, serial)


def test_control_run_without_delay_breaks_the_interval():
    """The same measurement with pacing off sees requests closer than DELAY: the test can fail."""
    with loopback_hosts(2) as hosts:
        for h in hosts:
            serve_site(h)
        results, _ = asyncio.run(crawl(hosts, config(delay=0.0, host_concurrency=4),
                                       [f"/p{i}" for i in range(PAGES)]))
        assert all(r.ok for r in results)
        assert any(min(gaps(h.times())) < DELAY - TOLERANCE for h in hosts)


def test_host_concurrency_and_interval_together():
    with LoopbackServer() as host:
        serve_site(host)
        host.handler(lambda req: Reply(body="<html>slow</html>", delay=0.3))
        cfg = config(delay=0.1, host_concurrency=2)
        results, _ = asyncio.run(crawl([host], cfg, [f"/p{i}" for i in range(6)]))
        assert all(r.ok for r in results)
        assert min(gaps(host.times())) >= 0.1 - TOLERANCE


def test_429_with_retry_after_is_waited_out():
    with LoopbackServer() as host:
        serve_site(host)
        host.route("/busy", Reply(429, b"slow down", {"Retry-After": "1"}), Reply(200, b"<html>ok</html>"))
        results, _ = asyncio.run(crawl([host], config(delay=0.05), ["/busy"]))
        assert results[0].ok and results[0].attempts == 2
        busy = host.times("/busy")
        assert len(busy) == 2 and busy[1] - busy[0] >= 1.0 - TOLERANCE


def test_no_disallowed_path_is_ever_requested():
    with loopback_hosts(2) as hosts:
        for h in hosts:
            serve_site(h, "User-agent: *\nDisallow: /private\nDisallow: /*.pdf$\n\n"
                          "User-agent: harvester\nDisallow: /private\nDisallow: /members\n")
            h.route("/jump", status=302, headers={"Location": "/private/inner"})
        paths = ["/", "/about", "/private", "/private/staff", "/members/list", "/jump", "/report.pdf"]
        results, _ = asyncio.run(crawl(hosts, config(delay=0.01), paths))
        by_path = dict(zip(paths, results[: len(paths)], strict=True))
        assert by_path["/about"].ok
        # the harvester group applies (not *): .pdf is allowed for us, /members is not
        assert by_path["/members/list"].error == "robots" and by_path["/report.pdf"].ok
        assert by_path["/jump"].error == "robots"
        for h in hosts:
            requested = h.paths()
            assert not [p for p in requested if p.startswith(("/private", "/members"))], requested


def test_crawl_delay_slows_the_host_measured_by_the_server():
    with LoopbackServer() as host:
        serve_site(host, "User-agent: *\nCrawl-delay: 0.4\n")
        results, _ = asyncio.run(crawl([host], config(delay=0.05), ["/a", "/b", "/c"]))
        assert all(r.ok for r in results)
        pages = [r.time for r in host.requests() if r.path != "/robots.txt"]
        assert min(gaps(pages)) >= 0.4 - TOLERANCE


def test_size_cap_and_timeout_on_a_real_socket():
    with LoopbackServer() as host:
        serve_site(host)
        host.route("/huge", body="<html>" + "z" * 200_000)
        host.route("/stuck", body="<html>late</html>", delay=1.5)
        cfg = config(delay=0.0, max_bytes=10_000, timeout=0.3, retries=1)
        (huge, stuck), _ = asyncio.run(crawl([host], cfg, ["/huge", "/stuck"]))
        assert huge.ok and huge.truncated and len(huge.body) == 10_000
        assert stuck.error == "read-timeout" and stuck.status is None


def test_proxy_from_environment_carries_requests_without_local_dns(monkeypatch):
    """HTTP_PROXY is honoured like httpx does; the proxy, not our resolver, resolves the name."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy",
                 "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    with LoopbackServer() as proxy:
        proxy.route("/robots.txt", body="User-agent: *\nDisallow: /private\n", content_type="text/plain")
        proxy.route("/about", body="<html>via proxy</html>")
        monkeypatch.setenv("HTTP_PROXY", proxy.origin)

        async def no_dns(host: str, port: int) -> list[str]:
            raise OSError("this network has no public DNS")

        async def go():
            async with PoliteClient(config(delay=0.0), resolver=no_dns) as client:
                return (await client.fetch("http://www.watershed.example/about"),
                        await client.fetch("http://www.watershed.example/private/x"))

        about, private = asyncio.run(go())
        assert about.ok and about.body == b"<html>via proxy</html>"
        assert private.error == "robots"
        assert proxy.paths() == ["http://www.watershed.example/robots.txt",
                                 "http://www.watershed.example/about"]


def test_idle_host_pools_are_closed_beyond_the_limit():
    from harvester.fetch.client import PerHostTransport

    with loopback_hosts(3) as hosts:
        for h in hosts:
            serve_site(h)

        async def go():
            transport = PerHostTransport(2, max_hosts=2)
            async with PoliteClient(config(delay=0.0), allow_private=True, transport=transport) as client:
                results = [await client.fetch(h.url(f"/p{i}")) for i in range(2) for h in hosts]
                return results, len(transport._pools)

        results, pools = asyncio.run(go())
        assert all(r.ok for r in results) and pools == 2
