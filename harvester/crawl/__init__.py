"""The harvest loop: frontier -> fetch -> extract -> resolve -> store, a few pages per transaction.

Follow one page: `Harvest.run` plans the frontier (seed and accepted organisations' homepages,
Meetup sources of the cluster files, pages whose revisit time has come), then the dispatcher
hands queued pages to the polite client host by host (`fetch/`), the page's bytes go to the pure
extractors (`extract/`), and `store_page.store_page_facts` / `meetup.store.store_meetup_facts` write
the facts with the page's state in one transaction, shared by the pages that finished while the
previous transaction was being written (group commit, at most `BATCH_PAGES`: a transaction per
page was most of the cost of storing). A kill at any moment therefore loses only pages in flight
or not yet committed, which stay queued (or `frontier.reset_interrupted` re-queues) for the next
run; a page that fails while storing rolls its batch back and the batch is stored again page by
page, so only that page is marked failed.

Settings used: max_pages, depth, concurrency, host_concurrency, delay, revisit_days (config.py).

This package's `__init__` keeps the entry points (`Harvest`, `HarvestOptions`, `HarvestSummary`,
`Progress`), so import them from `harvester.crawl`; the work is done by one module per job, in the
way Scrapy separates its engine, scheduler, downloader and storage (pure ones marked):

    loop                  Harvest: runs the steps in order; on the event loop, the dispatcher,
                          fetching, extraction in the pool and worker mode (they share its state)
    options               HarvestOptions, Progress, HarvestSummary (plain data)
    host_queues           HostQueues: the scheduler, queued pages per host, best first (pure)
    plan                  the pages a harvest queues before it crawls, and the queue it loads
    group_commit          GroupCommit: fetched pages to the database thread in batches (BATCH_PAGES)
    store                 PageStore: the store step, a batch of pages and their facts, one transaction
    meetup_hosts          which hosts and sources are Meetup's, in Python and in SQL (pure)
    run_record            the run's row: opened, closed, and the ended runs it adopts to type
    meetup_api_pass       the Meetup API pass after the crawl (HARVESTER_MEETUP_TOKEN set)
    finish_organisations  after the crawl: the organisations touched typed, Meetup venues matched
    sigterm               SIGTERM outside the event loop stops the harvest as Ctrl-C does
"""

from __future__ import annotations

from harvester.crawl.loop import Harvest
from harvester.crawl.options import HarvestOptions, HarvestSummary, Progress

__all__ = ["Harvest", "HarvestOptions", "HarvestSummary", "Progress"]
