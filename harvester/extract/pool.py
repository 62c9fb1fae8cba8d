"""Page extraction in worker processes, so a large harvest uses more than one core.

The harvest stores every page on ONE database thread (SQLite has one writer; a page and its
facts commit together). Extraction (decode, parse, every extractor, classification) is pure and
costs more than storing, so on a long harvest it runs here, in `workers` spawned processes,
while the database thread only stores. Results are the same `PageFacts` as `extract_page` in
the harvest's own process: the crawl falls back to that whenever the pool is not ready yet
(it starts only for a large queue, and spawning takes a second), is full, or has broken.

    pool = ExtractPool(2); pool.start()
    facts = await pool.extract(url, body, headers)   # None: extract in-process instead
    pool.close()

`HARVESTER_EXTRACT_WORKERS` sets the number of processes (0 = never; default: the machine's
cores less one, at most 4). When it is not set, the crawl starts the pool only if extracting a
page in-process costs at least `MIN_EXTRACT_MS` of CPU (`worth_starting`): handing a page to a
worker and taking its facts back costs the harvest process about 1 ms, and each worker about
100 MB of memory, so for cheap pages the pool costs more than it saves.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor

from harvester.extract.facts import PageFacts

log = logging.getLogger("harvester.extract.pool")

MAX_WORKERS = 4
# In-process extraction CPU per page (mean over at least MIN_SAMPLES pages) from which the pool
# pays: measured, the harvest process spends ~0.9 ms a page on a pooled page (pickling the body
# and the facts, the executor's threads), against the whole extraction when it extracts itself.
MIN_EXTRACT_MS = 4.0
MIN_SAMPLES = 20
# Pages waiting per worker beyond which a page is extracted in-process rather than queued. High:
# extracting on the database thread holds the harvest process's GIL, which delays both the
# stores and the event loop's requests (measured: 4 per worker was slower than waiting).
BACKLOG_PER_WORKER = 32


def _configured() -> int | None:
    raw = os.environ.get("HARVESTER_EXTRACT_WORKERS", "").strip()
    return min(int(raw), 16) if raw.isdigit() else None


def default_workers() -> int:
    """Worker processes: the setting, else one fewer than the cores (the harvest process keeps
    one core busy: its event loop and database thread share one interpreter lock), at most 4."""
    configured = _configured()
    if configured is not None:
        return configured
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(0, min(cores - 1, MAX_WORKERS))


def worth_starting(extract_seconds: float, pages: int) -> bool:
    """Whether a pool pays, from the CPU in-process extraction took for `pages` pages; always
    when the worker count is set explicitly (`HARVESTER_EXTRACT_WORKERS`)."""
    configured = _configured()
    if configured is not None:
        return configured > 0
    return pages >= MIN_SAMPLES and 1000 * extract_seconds / pages >= MIN_EXTRACT_MS


def warm() -> bool:
    """Import the extractors and load the taxonomy and matchers (about 0.4 s of CPU) before real
    pages arrive: in a worker, and on the harvest's database thread while robots.txt is fetched."""
    from harvester.extract.page import extract_page

    extract_page("http://warm.invalid/", b"<html><title>warm</title><p>studio</p></html>", {})
    return True


def _extract(url: str, body: bytes, headers: Mapping[str, str]) -> PageFacts:
    from harvester.extract.page import extract_page

    return extract_page(url, body, headers)


class ExtractPool:
    """A process pool for `extract_page`, usable from an event loop."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._warm: Future | None = None
        self._pending = 0
        self.broken = False

    def start(self) -> None:
        if self._pool is not None or self.broken or self.workers < 1:
            return
        # spawn, not fork: the harvest process has threads (database, event loop) to not copy.
        try:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
            self._warm = self._pool.submit(warm)
        except Exception:  # noqa: BLE001 - e.g. a main module without `if __name__ == "__main__"`
            log.warning("extraction workers could not start; extracting in-process", exc_info=True)
            self.broken = True
            self.close()

    @property
    def ready(self) -> bool:
        return (self._pool is not None and not self.broken and self._warm is not None
                and self._warm.done() and self._warm.exception() is None)

    async def extract(self, url: str, body: bytes, headers: Mapping[str, str]) -> PageFacts | None:
        """The page's facts from a worker, or None when the caller should extract in-process."""
        if not self.ready or self._pending >= self.workers * BACKLOG_PER_WORKER:
            return None
        self._pending += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool, _extract, url, body, dict(headers))
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception:  # noqa: BLE001 - a broken worker must not end the harvest
            log.exception("extraction worker failed on %s; extracting in-process from now on", url)
            self.broken = True
            return None
        finally:
            self._pending -= 1

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                pool.shutdown(wait=True, cancel_futures=True)
            except Exception:  # noqa: BLE001 - closing must not hide the harvest's own outcome
                log.warning("extraction workers did not shut down cleanly", exc_info=True)
