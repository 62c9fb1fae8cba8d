"""Per-host pacing: a minimum interval between request starts, per-host and global concurrency.

Settings: `delay` (seconds between two request starts to one host), `host_concurrency` (requests in
flight to one host) and `concurrency` (in flight over all hosts). Crawl-delay and Retry-After only
ever slow a host down (`raise_interval`, `push`).

Why this shape: many hosts are fetched in parallel while each host sees a gentle stream. A request
first takes its host's semaphore, then sleeps until the host's next start time *without holding the
global semaphore*, and only then takes a global slot; so a host that must wait never blocks the
others, nothing polls, and there is no lock held while sleeping.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol


class Clock(Protocol):
    """Monotonic time and sleep; injectable so tests of waits do not wait for real."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FakeClock:
    """A clock whose sleeps return at once and advance time; `sleeps` records every wait asked for.

    Time is shared, not simulated per task: meant for tests that fetch one URL after another.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.time = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += max(0.0, seconds)
        await asyncio.sleep(0)


@dataclass
class HostState:
    interval: float
    semaphore: asyncio.Semaphore
    next_start: float = 0.0  # clock time before which no request to this host may start
    active: int = 0  # requests in flight
    starts: int = 0  # requests started (for reports and tests)
    last_start: float | None = None  # clock time the latest slot was granted (for tests)


class Politeness:
    """Grants request slots: `async with politeness.slot(host): ...send the request...`.

    :param delay: minimum seconds between two request starts to one host.
    :param host_concurrency: requests in flight at once to one host (at least 1).
    :param concurrency: requests in flight at once over all hosts (at least 1).
    :param clock: time source; `RealClock()` by default.
    """

    def __init__(self, delay: float, host_concurrency: int, concurrency: int,
                 clock: Clock | None = None) -> None:
        self.delay = max(0.0, float(delay))
        self.host_concurrency = max(1, int(host_concurrency))
        self.clock: Clock = clock or RealClock()
        self._global = asyncio.Semaphore(max(1, int(concurrency)))
        self._hosts: dict[str, HostState] = {}

    def host(self, key: str) -> HostState:
        state = self._hosts.get(key)
        if state is None:
            state = HostState(self.delay, asyncio.Semaphore(self.host_concurrency))
            self._hosts[key] = state
        return state

    def raise_interval(self, key: str, seconds: float) -> None:
        """Slow a host down (Crawl-delay); never makes it faster than the configured delay."""
        state = self.host(key)
        state.interval = max(state.interval, float(seconds))

    def push(self, key: str, seconds: float) -> None:
        """No request to this host starts within `seconds` from now (Retry-After, backoff)."""
        state = self.host(key)
        state.next_start = max(state.next_start, self.clock.now() + max(0.0, seconds))

    def mark_sent(self, key: str) -> None:
        """The request really went out now (connection set up, headers written): the interval
        also counts from here, so a slow connect cannot squeeze the next request closer."""
        state = self.host(key)
        state.next_start = max(state.next_start, self.clock.now() + state.interval)

    @property
    def active_hosts(self) -> int:
        return sum(1 for s in self._hosts.values() if s.active)

    @property
    def hosts_seen(self) -> int:
        return len(self._hosts)

    @asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[HostState]:
        state = self.host(key)
        async with state.semaphore:
            while True:
                wait = state.next_start - self.clock.now()
                if wait > 0:
                    await self.clock.sleep(wait)
                    continue
                await self._global.acquire()
                now = self.clock.now()
                if now < state.next_start:
                    # Another request to this host started (or a Retry-After arrived) while we
                    # queued for the global slot: give the slot back and wait our turn again.
                    self._global.release()
                    continue
                state.next_start = now + state.interval
                state.last_start = now
                break
            state.active += 1
            state.starts += 1
            try:
                yield state
            finally:
                state.active -= 1
                self._global.release()
