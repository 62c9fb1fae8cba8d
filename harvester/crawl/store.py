"""The store step: a batch of fetched pages and their facts into the database, one transaction.

Runs on the loop's database thread. Apart from the loop because it owns the transactions (group
commit, the page-by-page retry when a batch fails) and nothing of the event loop's state: it is
given the collaborators it writes through (frontier, sitemap gate, counts, progress) and the
loop's `touched` set and robots.txt sitemaps, which it shares by reference.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from harvester.config import Config
from harvester.crawl.meetup_hosts import MEETUP_SOURCES, is_meetup_host
from harvester.crawl.options import HarvestOptions, Progress
from harvester.extract.sitemap import parse_sitemap
from harvester.fetch.result import FetchResult
from harvester.frontier import Frontier
from harvester.models import INCLUDED_STATUSES, Organisation, Page, PageState, utcnow
from harvester.urls import registrable_domain

if TYPE_CHECKING:
    from harvester.revisit import SitemapGate

log = logging.getLogger("harvester.crawl")


class PageStore:
    """Stores fetched pages for one harvest; `store_batch` is what the loop's database thread runs."""

    def __init__(self, engine: Engine, config: Config, options: HarvestOptions, *, frontier: Frontier,
                 revisit: SitemapGate, counts: Counter, progress: Progress, touched: set[int],
                 robots_sitemaps: dict[int, list[str]]):
        self.engine = engine
        self.config = config
        self.options = options
        self.frontier = frontier
        self.revisit = revisit
        self.counts = counts
        self.progress = progress
        self.touched = touched  # organisations whose pages were stored (typed after the crawl)
        self._robots_sitemaps = robots_sitemaps  # sitemaps robots.txt names, by the page they go with
        self.run_id: int | None = None
        # CPU seconds and pages of in-process extraction (the database thread): whether the pool pays.
        self.extract_cpu = 0.0
        self.extracted = 0

    def store_batch(self, items: list[tuple[int, FetchResult, Any]]
                    ) -> list[list[tuple[str, float, int, int, str]]]:
        """Store pages in one transaction; the pages each one queued, in order. If one fails,
        the batch is rolled back and stored again page by page (`_store_safely`), so the others
        are kept and only the failing page is marked failed."""
        if len(items) == 1 or self.options.worker:
            # Workers keep a transaction per page: short locks against the other workers.
            return [self._store_safely(page_id, result, facts) for page_id, result, facts in items]
        counts, errors, touched = self.counts.copy(), self.progress.errors, set(self.touched)
        try:
            added: list[list[tuple[str, float, int, int, str]]] = []
            with Session(self.engine, expire_on_commit=False) as s:
                # The batch's pages and their organisations in two queries, held here for the
                # batch (the session's identity map only keeps objects something refers to).
                ids = [page_id for page_id, _, _ in items]
                held: list[Any] = list(s.exec(select(Page).where(Page.id.in_(ids))).all())
                org_ids = {p.organisation_id for p in held if p.organisation_id is not None}
                if org_ids:
                    held += s.exec(select(Organisation).where(Organisation.id.in_(org_ids))).all()
                for page_id, result, facts in items:
                    added.append(self._store_in(s, page_id, result, facts))
                s.commit()
                del held
            return added
        except Exception:  # noqa: BLE001 - retried page by page below
            log.warning("a batch of %d pages failed; storing them one by one", len(items),
                        exc_info=log.isEnabledFor(logging.DEBUG))
            self.counts.clear()
            self.counts.update(counts)
            self.progress.errors = errors
            self.touched.clear()  # in place: the loop holds the same set
            self.touched.update(touched)
            self.frontier.drain_added()
            self.frontier.forget_counts()
            return [self._store_safely(page_id, result, facts) for page_id, result, facts in items]

    def _store_safely(self, page_id: int, result: FetchResult,
                      facts: Any = None) -> list[tuple[str, float, int, int, str]]:
        # Workers on PostgreSQL may deadlock on two pages queueing the same links: try again.
        for _ in range(2 if self.options.worker else 0):
            try:
                return self._store(page_id, result, facts)
            except sa.exc.DBAPIError:
                log.warning("page %s: database conflict with another worker, retrying", page_id)
                self.frontier.drain_added()
                self.frontier.forget_counts()
        try:
            return self._store(page_id, result, facts)
        except Exception:  # noqa: BLE001 - one bad page must never end the harvest
            log.exception("page %s failed while storing", page_id)
            self.counts["internal_errors"] += 1
            self.frontier.drain_added()
            self.frontier.forget_counts()
            with Session(self.engine) as s:
                page = s.get(Page, page_id)
                if page is not None:
                    page.state = PageState.failed
                    page.error = "internal-error"
                    s.add(page)
                    s.commit()
            return []

    def _store(self, page_id: int, result: FetchResult,
               facts: Any = None) -> list[tuple[str, float, int, int, str]]:
        """Record the fetch and everything extracted from it in one transaction."""
        with Session(self.engine, expire_on_commit=False) as s:
            added = self._store_in(s, page_id, result, facts)
            s.commit()
        return added

    def _store_in(self, s: Session, page_id: int, result: FetchResult,
                  facts: Any = None) -> list[tuple[str, float, int, int, str]]:
        """Record the fetch and everything extracted from it (`facts`: by a worker process,
        else extracted here) in the session's transaction; the pages it queued."""
        now = utcnow()
        page = s.get(Page, page_id)
        seen_before = page.status_code in (200, 304)  # its last fetch found it
        previous_hash = page.content_hash
        page.fetched_at = now
        page.run_id = self.run_id
        page.next_visit_at = now + timedelta(days=self.config.revisit_days)
        page.status_code = result.status
        page.final_url = result.final_url if result.final_url != page.url else None
        page.error = result.error
        if result.not_modified:
            page.state = PageState.not_modified
            self.counts["pages_not_modified"] += 1
        elif result.error in ("robots", "private-address", "content-type", "robots-unavailable"):
            page.state = PageState.denied
            self.counts["pages_denied"] += 1
            self.counts[f"denied_{result.error}"] += 1
        elif not result.ok:
            page.state = PageState.failed
            self.counts["pages_failed"] += 1
            self.progress.errors += 1
            if seen_before and result.status in (404, 410):
                self.counts["pages_vanished"] += 1  # there last time, gone now
        else:
            page.state = PageState.fetched
            self.counts["pages_fetched"] += 1
            self.counts["bytes"] += len(result.body)
            digest = hashlib.sha256(result.body).hexdigest()
            unchanged = digest == page.content_hash
            page.content_hash = digest
            page.content_type = result.content_type
            page.bytes = len(result.body)
            page.truncated = result.truncated
            page.etag = result.etag
            page.last_modified = result.last_modified
            if result.truncated:
                self.counts["pages_truncated"] += 1
            if unchanged:
                self.counts["pages_unchanged"] += 1
            else:
                self.counts["pages_changed"] += 1
                self._extract_and_store(s, page, result, facts)
                if previous_hash is not None:
                    self._count_revisit_changes(s, page, now)
        self.revisit.stored(s, page, result)  # a sitemap proves its host's held pages fresh
        s.add(page)
        return self.frontier.drain_added()

    def _count_revisit_changes(self, s: Session, page: Page, now: Any) -> None:
        """A page seen before has changed: count it, and the contacts read from it before that it
        no longer shows (kept, with their last_seen, for the researcher to judge)."""
        from harvester.models import Contact

        self.counts["pages_updated"] += 1
        s.flush()
        gone = s.exec(select(sa.func.count()).select_from(Contact).where(
            Contact.source_url == page.url, Contact.last_seen < now)).one()
        if gone:
            self.counts["contacts_removed"] += gone

    def _extract_and_store(self, s: Session, page: Page, result: FetchResult, facts: Any = None) -> None:
        ctype = (result.content_type or "").lower()
        if "xml" in ctype and ("sitemap" in page.url or result.body.lstrip()[:200].find(b"urlset") >= 0
                               or b"sitemapindex" in result.body[:500]):
            urls = parse_sitemap(result.body)
            page.source = "sitemap"  # a re-harvest reads it first (harvester.revisit)
            added = self.frontier.enqueue_many(s, urls, depth=page.depth + 1,
                                               organisation_id=page.organisation_id,
                                               cluster_id=page.cluster_id, run_id=self.run_id)
            self.counts["sitemap_urls"] += added
            return
        if page.source in MEETUP_SOURCES or is_meetup_host(page.host):
            self._store_meetup(s, page, result)
            return
        from harvester.extract.page import extract_page
        from harvester.resolve.store_page import store_page_facts

        if facts is None:
            started = time.thread_time()
            facts = extract_page(result.final_url or page.url, result.body, result.headers)
            self.extract_cpu += time.thread_time() - started
            self.extracted += 1
        if page.organisation_id is None:
            page.organisation_id = self._org_for_site(s, page.url)
        # Sector and domain areas are recomputed once per organisation after the crawl.
        counts = store_page_facts(s, page, facts, run_id=self.run_id, recompute=False)
        self.counts.update({k: v for k, v in counts.items() if isinstance(v, int)})
        if page.organisation_id is not None:
            self.touched.add(page.organisation_id)
        # The sitemap before the links: a page budget spent on links would leave it out, and a
        # re-harvest reads it first (harvester/revisit.py).
        for sm in [*facts.sitemaps, *self._robots_sitemaps.get(page.id, ())]:
            self.frontier.enqueue(s, sm, depth=page.depth + 1, organisation_id=page.organisation_id,
                                  cluster_id=page.cluster_id, run_id=self.run_id)
        # Follow the site's own links (budget and depth enforced by the frontier).
        self.frontier.enqueue_many(s, facts.internal_links, depth=page.depth + 1,
                                   organisation_id=page.organisation_id, cluster_id=page.cluster_id,
                                   run_id=self.run_id, source="profile" if page.source == "profile"
                                   else "web")
        if self.options.profile_candidates and page.source != "profile":
            self._queue_profiles(s, page, facts)

    def _store_meetup(self, s: Session, page: Page, result: FetchResult) -> None:
        from harvester.extract.meetup import parse_meetup_page
        from harvester.meetup.sources import event_jobs, group_jobs_from_facts
        from harvester.meetup.store import store_meetup_facts

        facts = parse_meetup_page(result.final_url or page.url, result.body, result.headers)
        if facts.errors:
            self.counts["meetup_errors"] += len(facts.errors)
            page.error = "meetup-errors: " + "; ".join(facts.errors)[:500]
        counts = store_meetup_facts(s, facts, cluster_id=page.cluster_id, run_id=self.run_id,
                                    source_url=page.url)
        self.counts.update({f"meetup_{k}" if not k.startswith("meetup") else k: v
                            for k, v in counts.items() if isinstance(v, int)})
        # Event pages a group page lists, and groups a /find/ search page found (bounded).
        jobs = event_jobs(facts)
        if "/find" in page.url:
            jobs += group_jobs_from_facts(facts)
        for job in jobs:
            site = f"meetup:{job.urlname}" if job.urlname else page.site
            self.frontier.enqueue(s, job.url, depth=page.depth + 1, source="meetup",
                                  cluster_id=page.cluster_id, run_id=self.run_id, site=site)

    def _org_for_site(self, s: Session, url: str) -> int | None:
        domain = registrable_domain(url)
        if not domain:
            return None
        return s.exec(select(Organisation.id).where(Organisation.domain == domain)).first()

    def _queue_profiles(self, s: Session, page: Page, facts: Any) -> None:
        """Queue the homepage of each organisation an included organisation links to, so that
        candidates have a name, a sector and a contact when the snowball proposes them."""
        if page.organisation_id is None:
            return
        # The organisation is in the session already (the batch holds it, the page's facts
        # loaded it): no query per page.
        org = s.get(Organisation, page.organisation_id)
        if org is None or org.status not in INCLUDED_STATUSES:
            return
        for link in facts.links:
            domain = registrable_domain(link.url)
            if not domain:
                continue
            target = s.exec(select(Organisation).where(Organisation.domain == domain)).first()
            if target is None or target.status in INCLUDED_STATUSES:
                continue
            parts = urlsplit(link.url)
            root = target.homepage or f"{parts.scheme}://{parts.netloc}/"
            if self.frontier.enqueue(s, root, depth=0, source="profile", organisation_id=target.id,
                                     cluster_id=page.cluster_id, run_id=self.run_id):
                self.counts["profile_sites"] += 1
