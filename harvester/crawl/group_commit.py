"""Group commit: pages fetched on the event loop are stored on the one database thread in batches.

A batch holds the pages that finished while the previous one was being written (at most
`BATCH_PAGES`), so a quiet harvest still commits each page at once and a busy one does not pay a
transaction per page. Apart from the loop because it is the hand-over between the event loop and
the store step (`store.PageStore.store_batch`), with its own state: the pages waiting and the
batch being written.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from harvester.crawl.store import PageStore
from harvester.fetch.result import FetchResult

# Most pages stored in one transaction (group commit: a batch holds the pages that finished while
# the previous one was written, so a quiet harvest still commits each page at once).
BATCH_PAGES = 64


class GroupCommit:
    """Hands fetched pages to `store.store_batch` on `db_thread`, one batch at a time, in order."""

    def __init__(self, store: PageStore, db_thread: ThreadPoolExecutor):
        self.store = store
        self._db_thread = db_thread
        # Pages fetched and waiting for the database thread, and the batch it is writing now.
        self._pending: list[tuple[int, FetchResult, Any, asyncio.Future]] = []
        self._writing: asyncio.Future | None = None

    def add(self, page_id: int, result: FetchResult, facts: Any) -> asyncio.Future:
        """Queue a fetched page for storing; the future gives the pages its store queued."""
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        self._pending.append((page_id, result, facts, done))
        self._write_next()
        return done

    def _write_next(self) -> None:
        """Hand the pages waiting to be stored to the database thread as one batch, unless it
        is writing one already (then they go when it is done)."""
        if self._writing is not None or not self._pending:
            return
        batch, self._pending = self._pending[:BATCH_PAGES], self._pending[BATCH_PAGES:]
        loop = asyncio.get_running_loop()
        items = [(page_id, result, facts) for page_id, result, facts, _ in batch]
        self._writing = loop.run_in_executor(self._db_thread, self.store.store_batch, items)
        self._writing.add_done_callback(lambda f: self._written(batch, f))

    def _written(self, batch: list[tuple[int, FetchResult, Any, asyncio.Future]],
                 writing: asyncio.Future) -> None:
        self._writing = None
        if writing.cancelled():
            outcome: Any = [[] for _ in batch]
        elif writing.exception() is not None:
            outcome = writing.exception()
        else:
            outcome = writing.result()
        for i, (_, _, _, done) in enumerate(batch):
            if done.done():
                continue
            if isinstance(outcome, BaseException):
                done.set_exception(outcome)
            else:
                done.set_result(outcome[i])
        self._write_next()

    async def flush(self) -> None:
        """Store what was fetched before the crawl stopped (SIGTERM, Ctrl-C): the batch being
        written, then the pages still waiting, so an interrupted run keeps what it has done."""
        while self._writing is not None or self._pending:
            if self._writing is None:
                self._write_next()
            if self._writing is not None:
                await asyncio.wait({self._writing})
            await asyncio.sleep(0)  # its done-callback (`_written`) runs, then the next batch
