"""The frontier: the persistent queue of URLs to fetch, kept in the `page` table.

Because the queue lives in the database, a harvest killed at any moment loses nothing that was
committed: `reset_interrupted` puts pages that were in flight back in the queue and the next
harvest carries on. Per site the frontier prefers pages that carry organisational facts (about,
contact, team, partners, funders... and their Welsh forms) and refuses URLs beyond the page
budget or the link depth, so endless calendars and faceted listings stay bounded.

Page budgets: a site of an included organisation (seed, accepted, ...) may use `max_pages`; the
site of an organisation only discovered through a link gets a small profile budget
(`PROFILE_PAGES`: its homepage and its best contact/about pages), enough to name it, type its
sector and find whom to write to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from harvester.models import INCLUDED_STATUSES, Organisation, Page, PageState, utcnow
from harvester.urls import host_of, normalise_url, registrable_domain

# Pages fetched for an organisation that is only a candidate: homepage + contact + about.
PROFILE_PAGES = 3
# URLs per look-up of the ones already known (`enqueue_many`), below SQLite's variable limit.
ENQUEUE_CHUNK = 500

# Words in a URL path that mark pages with organisational facts, best first (English and Welsh).
_PRIORITY_WORDS: tuple[tuple[float, tuple[str, ...]], ...] = (
    (1.0, ("contact", "cysylltu", "cysylltwch", "get-in-touch", "find-us")),
    (1.5, ("about", "amdanom", "amdanon", "who-we-are", "our-story", "pwy-ydym")),
    (2.0, ("team", "people", "staff", "tim", "tîm", "pobl", "staff", "leadership", "board",
           "trustees", "councillors", "our-people", "meet-the-team", "ymddiriedolwyr")),
    (2.5, ("partners", "partneriaid", "funders", "cyllidwyr", "supporters", "sponsors", "noddwyr",
           "members", "aelodau", "clients", "cleientiaid", "network", "collaborators")),
)
_DEPRIORITISED = re.compile(
    r"/(news|blog|newyddion|events?|calendar|digwyddiadau|tag|category|page/\d+|search|shop|"
    r"products?|basket|cart|login|wp-admin|feed)(/|$|\?)", re.I)
_ASSET = re.compile(r"\.(jpe?g|png|gif|svg|webp|ico|css|js|pdf|zip|mp[34]|mov|avi|docx?|xlsx?|pptx?|"
                    r"woff2?|ttf|eot|gz|rss|atom)$", re.I)


def page_priority(url: str, depth: int) -> float:
    """Lower is fetched sooner: organisational pages first, news and calendars last."""
    path = url.split("://", 1)[-1].partition("/")[2].lower()
    score = 3.0 + depth
    for weight, words in _PRIORITY_WORDS:
        if any(w in path for w in words):
            score = weight + depth * 0.1
            break
    if _DEPRIORITISED.search("/" + path):
        score += 5.0
    if "?" in url:
        score += 1.0
    return score


def is_fetchable(url: str) -> bool:
    """Skip links to files that carry no organisational facts (images, PDFs, archives)."""
    return not _ASSET.search(url.split("?", 1)[0])


def site_key(url: str) -> str:
    return registrable_domain(url) or host_of(url)


class Frontier:
    """Queue operations over the `page` table, with per-site counts cached for the run."""

    def __init__(self, *, max_pages: int, max_depth: int, profile_pages: int = PROFILE_PAGES,
                 concurrent: bool = False):
        self.max_pages = max_pages
        # Several workers may queue the same URL at once: insert under a savepoint and treat a
        # unique-key conflict as "known already".
        self.concurrent = concurrent
        self.max_depth = max_depth
        self.profile_pages = profile_pages
        self._site_counts: dict[str, int] = {}
        self._site_budget: dict[str, int] = {}
        # (host, priority, depth, page id, url) of pages queued since the last `drain_added`.
        self.added: list[tuple[str, float, int, int, str]] = []

    # ------------------------------------------------------------ budgets

    def site_count(self, session: Session, site: str) -> int:
        if site not in self._site_counts:
            self._site_counts[site] = session.exec(
                select(sa.func.count()).select_from(Page).where(Page.site == site)).one()
        return self._site_counts[site]

    def budget_for(self, session: Session, site: str, organisation_id: int | None,
                   source: str) -> int:
        if site in self._site_budget:
            return self._site_budget[site]
        budget = self.max_pages
        if source == "profile":
            budget = self.profile_pages
        elif organisation_id is not None:
            status = session.exec(select(Organisation.status).where(
                Organisation.id == organisation_id)).first()
            if status is not None and status not in INCLUDED_STATUSES:
                budget = self.profile_pages
        self._site_budget[site] = budget
        return budget

    # ------------------------------------------------------------ queue

    def enqueue(self, session: Session, url: str, *, depth: int, source: str = "web",
                organisation_id: int | None = None, cluster_id: str | None = None,
                run_id: int | None = None, site: str | None = None) -> Page | None:
        """Queue `url` unless it is known already, too deep, or over its site's page budget."""
        return self._enqueue(session, normalise_url(url), depth=depth, source=source,
                             organisation_id=organisation_id, cluster_id=cluster_id, run_id=run_id,
                             site=site, known=None)

    def _enqueue(self, session: Session, norm: str | None, *, depth: int, source: str,
                 organisation_id: int | None, cluster_id: str | None, run_id: int | None,
                 site: str | None, known: set[str] | None, defer: bool = False) -> Page | None:
        """`enqueue` of a normalised URL; `known`: the URLs among the caller's already in the
        table, read in one query (`enqueue_many`), else looked up here. `defer`: the caller
        flushes the new page (with its others, in one INSERT) and records it in `added`."""
        if norm is None or not is_fetchable(norm):
            return None
        if depth > self.max_depth and source != "meetup":
            return None
        site = site or site_key(norm)
        # A site whose cached budget is spent (early in its crawl) refuses every further link
        # without a query: the look-up below would end in the same refusal.
        if self._spent(site):
            return None
        if known is not None:
            if norm in known:
                return None
        elif session.exec(select(Page.id).where(Page.url == norm)).first() is not None:
            return None
        budget = self.budget_for(session, site, organisation_id, source)
        if self.site_count(session, site) >= budget:
            return None
        page = Page(url=norm, host=host_of(norm), site=site, source=source, depth=depth,
                    organisation_id=organisation_id, cluster_id=cluster_id,
                    priority=page_priority(norm, depth), state=PageState.queued, run_id=run_id)
        if self.concurrent:
            try:
                with session.begin_nested():
                    session.add(page)
                    session.flush()
            except IntegrityError:
                return None
        else:
            session.add(page)
            if not defer:
                session.flush()
        self._site_counts[site] = self.site_count(session, site) + 1
        if known is not None:
            known.add(norm)
        if not defer:
            self.added.append((page.host, page.priority, page.depth, page.id, page.url))
        return page

    def _spent(self, site: str) -> bool:
        """The site's page budget is known and used up (no query)."""
        budget = self._site_budget.get(site)
        return budget is not None and self._site_counts.get(site, -1) >= budget

    def drain_added(self) -> list[tuple[str, float, int, int, str]]:
        added, self.added = self.added, []
        return added

    def forget_counts(self) -> None:
        """Drop cached per-site counts (after a rolled-back transaction)."""
        self._site_counts.clear()

    def enqueue_many(self, session: Session, urls: Iterable[str], **kw) -> int:
        """Queue links best-first, so the budget is spent on organisational pages."""
        ranked = sorted({u for u in urls}, key=lambda u: (page_priority(u, kw.get("depth", 0)), u))
        if kw.get("depth", 0) > self.max_depth and kw.get("source") != "meetup":
            return 0
        # Links of sites whose page budget is spent are refused as `_enqueue` would refuse
        # them, before the look-up (most links of a site crawled past its budget).
        norms = [n for n in map(normalise_url, ranked)
                 if n is not None and not self._spent(kw.get("site") or site_key(n))]
        if not norms:
            return 0
        # Which of them the table holds already: one query, not one per link.
        wanted = sorted(set(norms))
        known: set[str] = set()
        for i in range(0, len(wanted), ENQUEUE_CHUNK):
            known.update(session.exec(select(Page.url).where(
                Page.url.in_(wanted[i:i + ENQUEUE_CHUNK]))).all())  # type: ignore[attr-defined]
        args = {"source": "web", "organisation_id": None, "cluster_id": None, "run_id": None,
                "site": None, **kw}
        # One flush for all the new pages (one INSERT of many rows), not a flush per page: a
        # homepage queues dozens of links. Workers keep a savepoint per page (`concurrent`).
        defer = not self.concurrent
        pages = [page for n in norms
                 if (page := self._enqueue(session, n, known=known, defer=defer, **args)) is not None]
        if defer and pages:
            session.flush()
            self.added.extend((p.host, p.priority, p.depth, p.id, p.url) for p in pages)
        return len(pages)


def reset_interrupted(session: Session) -> int:
    """Pages left `fetching` by a killed harvest go back in the queue."""
    result = session.execute(sa.update(Page).where(Page.state == PageState.fetching)
                             .values(state=PageState.queued, claimed_by=None))
    return result.rowcount or 0


def requeue_due(session: Session, *, now: datetime | None = None, revisit_days: float,
                organisation_ids: Iterable[int] | None = None,
                skip_run_ids: Iterable[int] | None = None) -> int:
    """Put fetched pages whose revisit time has come back in the queue (conditional requests
    are sent for them, so an unchanged page costs a 304 and no body). Pages fetched by the runs
    in `skip_run_ids` (workers of the same harvest, still running) stay as they are."""
    now = now or utcnow()
    cutoff = now - timedelta(days=revisit_days)
    stmt = (sa.update(Page)
            .where(Page.state.in_([PageState.fetched, PageState.not_modified, PageState.failed]))
            .where(sa.or_(Page.fetched_at.is_(None), Page.fetched_at <= cutoff))
            .values(state=PageState.queued))
    if organisation_ids is not None:
        ids = list(organisation_ids)
        stmt = stmt.where(Page.organisation_id.in_(ids))
    skip = list(skip_run_ids or ())
    if skip:
        stmt = stmt.where(sa.or_(Page.run_id.is_(None), Page.run_id.not_in(skip)))
    return session.execute(stmt).rowcount or 0
