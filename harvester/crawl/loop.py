"""Harvest: the harvest loop that runs the steps of a harvest in order (see the package docstring).

The dispatcher, fetching, the extraction pool, group commit and worker mode live here because
they share the event loop's state (queues, pages in flight, claims).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from harvester.config import Config
from harvester.crawl.finish_organisations import finish_organisations
from harvester.crawl.group_commit import GroupCommit
from harvester.crawl.host_queues import HostQueues
from harvester.crawl.meetup_api_pass import meetup_api
from harvester.crawl.meetup_hosts import host_filter, is_meetup_host
from harvester.crawl.options import HarvestOptions, HarvestSummary, Progress
from harvester.crawl.plan import plan_pages, queued_rows
from harvester.crawl.run_record import end_run, mark_typed, start_run
from harvester.crawl.sigterm import stop_on_sigterm
from harvester.crawl.store import PageStore
from harvester.fetch.result import FetchResult
from harvester.frontier import Frontier
from harvester.models import RunStatus, utcnow

log = logging.getLogger("harvester.crawl")

# Tasks in flight per global request slot (see `_crawl`).
TASKS_PER_SLOT = 4
# Worker mode (harvester.workers): hosts claimed per turn, seconds between polls when idle, and
# seconds between refreshes of the claims' timestamps.
CLAIM_BATCH = 4
WORKER_POLL = 0.1
TURN_EVERY = 0.2
# Queued pages from which extraction moves to worker processes (harvester/extract/pool.py).
POOL_MIN_QUEUE = 200
CLAIM_REFRESH = 30.0


def _warm_extractors() -> None:
    from harvester.extract.pool import warm

    try:
        warm()
    except Exception:  # noqa: BLE001 - only a head start; the real pages report their own errors
        log.debug("warming the extractors failed", exc_info=True)


class Harvest:
    """One harvest over the database behind `engine`."""

    def __init__(self, engine: Engine, config: Config, options: HarvestOptions,
                 progress: Progress | None = None, *, client_factory: Callable[..., Any] | None = None):
        self.engine = engine
        self.config = config
        self.options = options
        self.progress = progress or Progress()
        self.frontier = Frontier(max_pages=config.max_pages, max_depth=config.depth,
                                 concurrent=options.worker is not None)
        self.counts: Counter = Counter()
        self.touched: set[int] = set()
        self.queues = HostQueues()
        self.in_flight: Counter = Counter()  # pages of each host being fetched or stored
        # Pages of each host being fetched: the dispatcher's per-host limit. A page waiting to
        # be stored does not hold its host back, so the next request goes out on time even when
        # the database thread has a backlog (polite profile: one page per host every `delay`).
        self.fetching: Counter = Counter()
        self._wake: asyncio.Event | None = None
        self.targets: dict[int, tuple[str, str | None, str | None]] = {}  # url, etag, last-modified
        self._db_thread: ThreadPoolExecutor | None = None
        # Pages fetched and waiting for the database thread, in batches (crawl/group_commit.py).
        self._commits: GroupCommit | None = None
        # Extraction in worker processes on a large harvest (facts by page id, for the store step).
        self._extract_pool: Any = None
        self._prepared: dict[int, Any] = {}
        self.run_id: int | None = None
        self._untyped_runs: list[int] = []  # ended runs whose organisations this run types
        self._client_factory = client_factory
        self._stop: asyncio.Event | None = None  # created inside the event loop
        # Worker mode: hosts this worker has claimed -> pages taken from each under the claim.
        self.claimed: dict[str, int] = {}
        self._in_flight_ids: set[int] = set()
        self._last_refresh = 0.0
        self._last_turn = 0.0
        # Sitemaps a host's robots.txt names, read once per host, queued with its first page.
        self._robots_sitemaps: dict[int, list[str]] = {}
        self._robots_read: set[str] = set()
        from harvester.revisit import SitemapGate

        # Due pages a site's sitemap proves unchanged are not requested (harvester/revisit.py).
        self.revisit = SitemapGate(trust_days=config.sitemap_trust_days,
                                   revisit_days=config.revisit_days, run_id=None, counts=self.counts)
        # The store step, run on the database thread (harvester/crawl/store.py).
        self.store = PageStore(engine, config, options, frontier=self.frontier, revisit=self.revisit,
                               counts=self.counts, progress=self.progress, touched=self.touched,
                               robots_sitemaps=self._robots_sitemaps)

    # ------------------------------------------------------------ public

    def run(self) -> HarvestSummary:
        """Plan, crawl until the frontier is empty, then type the organisations touched."""
        start = time.monotonic()
        self.run_id = self.revisit.run_id = self.store.run_id = self._start_run()
        status = RunStatus.completed
        error: str | None = None
        previous = stop_on_sigterm()
        try:
            self._plan()
            asyncio.run(self._crawl())
            stop_on_sigterm()  # the crawl's event loop put back the default (die at once)
            meetup_api(self.engine, self.config, self.options, self.run_id, self.counts)
            self._finish_organisations()
            if self._stop is not None and self._stop.is_set():
                status = RunStatus.interrupted
        except KeyboardInterrupt:
            status = RunStatus.interrupted
        except BaseException as exc:
            status = RunStatus.failed
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            end_run(self.engine, self.run_id, self.options, self.counts, status, error)
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        return HarvestSummary(self.run_id, status, dict(self.counts), time.monotonic() - start)

    # ------------------------------------------------------------ run bookkeeping and planning

    def _start_run(self) -> int:
        run_id, self._untyped_runs = start_run(self.engine, self.options, self.counts, self.touched)
        return run_id

    def _plan(self) -> None:
        with Session(self.engine, expire_on_commit=False) as s:
            plan_pages(s, self.options, self.config, self.frontier, self.counts, self.run_id)
            s.commit()
            self.frontier.drain_added()
            if not self.options.worker:  # workers load the pages of the hosts they claim
                self._load_queue(s)

    def _load_queue(self, s: Session) -> None:
        rows = queued_rows(s, self.options)
        self._push_rows(self.revisit.plan(s, rows))  # sitemaps first, pages they vouch for held
        self.progress.queued = len(self.queues)
        self.progress.changed()

    def _push_rows(self, rows: Any) -> None:
        """Queue (page id, host, priority, depth, url, etag, last-modified) rows for fetching."""
        for page_id, host, priority, depth, url, etag, modified in rows:
            self.targets[page_id] = (url, etag, modified)
            self.queues.push(host, priority, depth, page_id)

    # ------------------------------------------------------------ crawling

    def _make_client(self) -> Any:
        if self._client_factory is not None:
            return self._client_factory()
        from harvester.fetch.client import PoliteClient

        return PoliteClient(self.config, allow_private=self.options.allow_private,
                            archive=self.options.archive, replay=self.options.replay)

    async def _crawl(self) -> None:
        self._stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, self._stop.set)
        per_host = max(1, self.config.host_concurrency)
        # The client enforces `concurrency` itself and a task waiting for its host's turn holds
        # no global slot, so more tasks than `concurrency` keep every host busy (polite profile).
        limit = max(1, self.config.concurrency) * TASKS_PER_SLOT
        tasks: set[asyncio.Task] = set()
        wake = self._wake = asyncio.Event()
        # One thread writes to the database: SQLite has one writer, and pages commit in order.
        self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="harvester-db")
        self._commits = GroupCommit(self.store, self._db_thread)
        if not self.options.worker and self.queues.hosts_waiting() * self.config.max_pages >= POOL_MIN_QUEUE:
            # A harvest of many hosts: every host waits for its homepage's links, so the first
            # extraction's set-up (taxonomy, matchers, ~0.4 s) is done now, while robots.txt is
            # fetched, and the extraction pool is spawned now (about a second) so it is ready
            # when the first pages are; `_prepare` uses it only once it pays.
            self._db_thread.submit(_warm_extractors)
            self._spawn_pool()
        async with self._make_client() as client:
            try:
                while not self._stop.is_set():
                    if self.options.worker:
                        self._worker_turn()
                    while len(tasks) < limit:
                        nxt = self.queues.pop_for(lambda h: self.fetching[h] >= per_host)
                        if nxt is None:
                            break
                        host, page_id = nxt
                        self.in_flight[host] += 1
                        self.fetching[host] += 1
                        task = asyncio.create_task(self._one(client, host, page_id))
                        tasks.add(task)
                        task.add_done_callback(lambda t: (tasks.discard(t), wake.set()))
                    self.progress.hosts_active = sum(1 for v in self.in_flight.values() if v)
                    self.progress.queued = len(self.queues)
                    self.progress.changed()
                    if not tasks:
                        if self.options.worker and not self._worker_finished():
                            await asyncio.sleep(WORKER_POLL)
                            continue
                        break
                    wake.clear()
                    waiter = asyncio.create_task(wake.wait())
                    stopper = asyncio.create_task(self._stop.wait())
                    await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
                    waiter.cancel()
                    stopper.cancel()
            finally:
                for t in tasks:
                    t.cancel()
                if tasks:
                    await asyncio.gather(*tasks, return_exceptions=True)
                await self._commits.flush()
                self._db_thread.shutdown(wait=True)
                if self._extract_pool is not None:
                    self._extract_pool.close()
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.remove_signal_handler(signal.SIGTERM)

    async def _one(self, client: Any, host: str, page_id: int) -> None:
        url, etag, modified = self.targets.pop(page_id)
        self._in_flight_ids.add(page_id)
        if host in self.claimed:
            self.claimed[host] += 1
        fetching = True
        try:
            try:
                result: FetchResult = await client.fetch(url, etag=etag, last_modified=modified)
            except (asyncio.CancelledError, KeyboardInterrupt):
                raise
            except Exception as exc:  # noqa: BLE001 - the client must not end the harvest
                log.exception("fetching %s failed", url)
                result = FetchResult(url=url, final_url=url, error=f"internal-{type(exc).__name__}")
            fetching = False
            self.fetching[host] -= 1
            if self._wake is not None:
                self._wake.set()  # the host may take its next page now
            await self._prepare(page_id, host, result)
            if host not in self._robots_read and result.ok and not result.not_modified:
                from harvester.revisit import robots_sitemaps

                self._robots_read.add(host)
                self._robots_sitemaps[page_id] = await robots_sitemaps(client, url)
            # Parsing and storing run on the database thread so the event loop keeps its
            # timing: a blocked loop would send the next request to a host late, then bunch up.
            done = self._commits.add(page_id, result, self._prepared.pop(page_id, None))
            self._push(await done)
            self.revisit.abandon(page_id)  # a sitemap that failed to store vouches for nothing
            self._push_rows(self.revisit.take_released())  # pages its sitemap did not vouch for
        finally:
            self._prepared.pop(page_id, None)
            self._robots_sitemaps.pop(page_id, None)
            self._in_flight_ids.discard(page_id)
            self.in_flight[host] -= 1
            if fetching:
                self.fetching[host] -= 1
            self.progress.done += 1
            self.progress.changed()

    async def _prepare(self, page_id: int, host: str, result: FetchResult) -> None:
        """Extract an HTML page in a worker process when the pool is up, so the database thread
        only stores it; the pool starts once the queue is long enough to repay spawning it."""
        if not result.ok or result.not_modified or not result.body or is_meetup_host(host):
            return
        if "xml" in (result.content_type or "").lower():
            return  # maybe a sitemap: `_extract_and_store` decides
        from harvester.extract.pool import MIN_SAMPLES, worth_starting

        worth = worth_starting(self.store.extract_cpu, self.store.extracted)
        if self._extract_pool is None:
            if len(self.queues) < POOL_MIN_QUEUE or not worth:
                return
            self._spawn_pool()
        elif not worth:
            if self.store.extracted >= MIN_SAMPLES:  # spawned early, and these pages are cheap
                self._extract_pool.close()
                self._extract_pool = None
            return
        facts = await self._extract_pool.extract(result.final_url or result.url, result.body,
                                                 result.headers)
        if facts is not None:
            self._prepared[page_id] = facts

    def _spawn_pool(self) -> None:
        from harvester.extract.pool import ExtractPool, default_workers

        self._extract_pool = ExtractPool(default_workers())
        self._extract_pool.start()

    def _push(self, added: list[tuple[str, float, int, int, str]]) -> None:
        """Pages queued by a store go into the host queues (on the event-loop thread)."""
        for host, priority, depth, page_id, url in added:
            if self.options.worker and host not in self.claimed:
                continue  # another worker (or a later claim) fetches it
            if not self.options.web and not is_meetup_host(host):
                continue
            if not self.options.meetup and is_meetup_host(host):
                continue
            self.targets[page_id] = (url, None, None)
            self.queues.push(host, priority, depth, page_id)

    # ------------------------------------------------------------ worker mode

    def _worker_turn(self) -> None:
        """Give back hosts that are done or over their lease, keep the claims fresh, claim more
        hosts while below `concurrency` of them, and queue their pages (harvester.workers)."""
        from harvester import workers

        name = self.options.worker
        now = time.monotonic()
        # Each turn costs a few queries on the event-loop thread: at most every TURN_EVERY
        # seconds while pages are in hand.
        if len(self.queues) and now - self._last_turn < TURN_EVERY:
            return
        self._last_turn = now
        with Session(self.engine) as s:
            done = [h for h, n in self.claimed.items() if not self.in_flight[h]
                    and (not self.queues.has(h) or n >= workers.LEASE_PAGES)]
            for host in done:
                for page_id in self.queues.drop(host):
                    self.targets.pop(page_id, None)
                self.revisit.forget(host)
                del self.claimed[host]
            if done:
                # The next claimer waits out this host's delay (politeness across workers).
                workers.release_hosts(s, name, done,
                                      next_request_at=utcnow() + timedelta(seconds=self.config.delay))
            if self.claimed and time.monotonic() - self._last_refresh > CLAIM_REFRESH:
                workers.refresh_claims(s, name, self.claimed)
                self._last_refresh = time.monotonic()
            want = min(CLAIM_BATCH, max(1, self.config.concurrency) - len(self.claimed))
            if want <= 0:
                return
            new = workers.claim_hosts(s, name, limit=want, host_filter=host_filter(self.options))
            if len(new) < want and workers.register_hosts(s):  # hosts queued since: claim those too
                new += workers.claim_hosts(s, name, limit=want - len(new),
                                           host_filter=host_filter(self.options))
            for host in new:
                self.claimed[host] = 0
            rows = [r for r in workers.queued_pages(s, new) if r[0] not in self.targets
                    and r[0] not in self._in_flight_ids and not self.revisit.holds(r[0])]
            self._push_rows(self.revisit.plan(s, rows))

    def _worker_finished(self) -> bool:
        """No work in hand and no queued page left for any worker."""
        if self.claimed or len(self.queues):
            return False
        from harvester.workers import queued_total

        with Session(self.engine) as s:
            return queued_total(s, host_filter(self.options)) == 0

    # ------------------------------------------------------------ after the crawl

    def _finish_organisations(self) -> None:
        """Type the organisations touched (crawl/finish_organisations.py), then note the ended runs
        this run adopted as typed, so the next run does not type them again."""
        finish_organisations(self.engine, self.run_id, self.touched, self.options.worker, self.counts)
        mark_typed(self.engine, self._untyped_runs, self.run_id)
        self._untyped_runs = []
