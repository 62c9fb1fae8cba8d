"""Re-harvest without asking: a site's sitemap `<lastmod>` as a bulk validator for its pages.

A re-harvest at the polite per-host delay is bounded by requests, not bytes: 20 due pages on one
host take at least 19 delays even when every answer is a bodiless 304. A sitemap lists a whole
site with the time each page last changed, so one request can prove most pages unchanged.

The rule (`decide`): a due page we hold a copy of is *fresh* (not requested; counted as
`unchanged_by_sitemap`) when the site's sitemap lists it with a `<lastmod>` that is not newer
than what we stored for it — its `Last-Modified` header, or else the time we last validated it
(minus `CLOCK_SKEW`, since the server's clock is not ours). Everything else is fetched as before,
with a conditional request: the homepage (always), pages the sitemap does not list or lists
without a usable `<lastmod>`, pages whose `<lastmod>` is newer, and pages whose trust has expired.

Trust with a limit: a sitemap can lie (a CMS that forgets to bump `<lastmod>`). Each page gets a
real request again once per `sitemap_trust_days` (0: never trust a sitemap). Without a column for
"last real request", the trust period is cut into windows with a per-URL phase (a hash of the URL):
a page validated in an earlier window than now is requested for real. So no page goes longer than
`sitemap_trust_days` plus the time to the next run without a real request, and the real requests
are spread over the period rather than all falling due in the same run.

`SitemapGate` applies the rule inside a harvest (crawl/ calls it at a few delimited points;
`robots_sitemaps` gives the sitemaps a robots.txt names, queued with a host's first page):
when the queue is loaded it holds back the due pages of each host that has a known sitemap and
puts the sitemap first (fetched in full: page bodies are not kept, so a 304 would tell us nothing
about the pages); when the host's sitemaps are stored it marks the proven pages fresh in the same
transaction, as a 304 would (state, validation time, run), and releases the rest to be fetched.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import Session, select

from harvester.extract.sitemap import parse_sitemap_entries
from harvester.models import Page, PageState
from harvester.urls import normalise_url

# Our clock against the server's: a <lastmod> is only compared with our own validation time
# after taking this off it.
CLOCK_SKEW = timedelta(minutes=10)
# A time written without a zone may be local time anywhere: the latest UTC instant it can mean.
LATEST_OFFSET = timedelta(hours=12)
SITEMAP_SOURCE = "sitemap"

_W3C = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d+))?)?"
    r"\s*(?P<tz>Z|z|[+-]\d{2}:?\d{2})?)?)?)?$")


# --------------------------------------------------------------------------- pure decisions


def parse_lastmod(text: str | None) -> datetime | None:
    """The latest UTC instant a sitemap `<lastmod>` can mean, or None if it is unusable.

    W3C datetime (sitemaps.org): `2026-11-02T09:00:00+00:00`, `...Z`, `...+0100`, fractions,
    minutes only. A date alone (or year-month, or year) means the end of that period, and a
    time without a zone is read as the latest zone: a page that changed "on 2 November" may
    have changed at any time that day, anywhere. RFC 1123 dates, a common mistake, are read too.
    """
    if not text:
        return None
    text = text.strip()
    m = _W3C.match(text)
    if m is None:
        try:
            value = parsedate_to_datetime(text)  # "Mon, 02 Nov 2026 09:00:00 GMT"
        except (TypeError, ValueError, IndexError):
            return None
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC) + LATEST_OFFSET
    try:
        year = int(m["y"])
        if m["d"] is None:  # a year or a month: its end
            if m["m"] is None:
                end = datetime(year + 1, 1, 1)
            else:
                month = int(m["m"])
                if not 1 <= month <= 12:
                    return None
                end = datetime(year + month // 12, month % 12 + 1, 1)
            return end.replace(tzinfo=UTC) + LATEST_OFFSET
        day = datetime(year, int(m["m"]), int(m["d"]))
        if m["H"] is None:
            return (day + timedelta(days=1)).replace(tzinfo=UTC) + LATEST_OFFSET
        fraction = int((m["f"] or "0")[:6].ljust(6, "0"))
        value = day.replace(hour=int(m["H"]), minute=int(m["M"]), second=int(m["S"] or 0),
                            microsecond=fraction)
    except ValueError:  # month 13, 25 o'clock ...
        return None
    tz = m["tz"]
    if tz is None:
        return value.replace(tzinfo=UTC) + LATEST_OFFSET
    if tz in ("Z", "z"):
        return value.replace(tzinfo=UTC)
    sign = 1 if tz[0] == "+" else -1
    digits = tz[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if offset > timedelta(hours=14):
        return None
    return (value - sign * offset).replace(tzinfo=UTC)


def parse_http_date(text: str | None) -> datetime | None:
    """An HTTP date (`Last-Modified`) as aware UTC, or None."""
    if not text:
        return None
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def trust_expired(url: str, validated_at: datetime | None, now: datetime, trust_days: float) -> bool:
    """True when the page must get a real request whatever the sitemap says: trust is off, we
    never validated it, or a window boundary (per-URL phase) passed since we last did."""
    validated_at = _aware(validated_at)
    if trust_days <= 0 or validated_at is None:
        return True
    period = trust_days * 86400.0
    phase = int.from_bytes(hashlib.blake2b(url.encode(), digest_size=8).digest(), "big") / 2**64 * period
    window_now = math.floor((now.timestamp() - phase) / period)
    window_then = math.floor((validated_at.timestamp() - phase) / period)
    return window_now != window_then


class Reason(StrEnum):
    """Why a due page is or is not requested."""

    fresh = "fresh"  # proven unchanged by the sitemap: not requested
    homepage = "homepage"  # always revalidated
    not_listed = "not-listed"
    no_lastmod = "no-lastmod"  # listed without a <lastmod>, or with one we cannot read
    newer = "newer"  # <lastmod> newer than our copy
    trust_expired = "trust-expired"


@dataclass(frozen=True)
class Stored:
    """What we know of a page we hold a copy of."""

    url: str
    last_modified: str | None  # its Last-Modified header at the last 200
    validated_at: datetime | None  # the last time it was requested or proven fresh
    homepage: bool = False
    final_url: str | None = None  # where it redirected to, if anywhere


def decide(page: Stored, lastmods: dict[str, str | None], *, now: datetime,
           trust_days: float) -> Reason:
    """What the sitemap entries of the page's host (`lastmods`: normalised URL -> raw
    `<lastmod>`) prove about it. Only `Reason.fresh` skips the request."""
    if page.homepage:
        return Reason.homepage
    key = page.url if page.url in lastmods else page.final_url
    if key is None or key not in lastmods:
        return Reason.not_listed
    lastmod = parse_lastmod(lastmods[key])
    if lastmod is None:
        return Reason.no_lastmod
    header = parse_http_date(page.last_modified)
    validated = _aware(page.validated_at)
    proven = ((header is not None and lastmod <= header)
              or (validated is not None and lastmod <= validated - CLOCK_SKEW))
    if not proven:
        return Reason.newer
    if trust_expired(page.url, validated, now, trust_days):
        return Reason.trust_expired
    return Reason.fresh


def is_homepage(url: str, depth: int) -> bool:
    return depth == 0 or urlsplit(url).path in ("", "/")


def sitemap_lastmods(bodies: Iterable[bytes]) -> dict[str, str | None]:
    """Normalised page URL -> `<lastmod>` over the given sitemap bodies (indexes list no pages).
    A URL listed twice keeps its newest-looking, i.e. least trusting, entry."""
    out: dict[str, str | None] = {}
    for body in bodies:
        for entry in parse_sitemap_entries(body):
            if entry.is_sitemap:
                continue
            url = normalise_url(entry.url)
            if url is None:
                continue
            if url in out:
                old, new = parse_lastmod(out[url]), parse_lastmod(entry.lastmod)
                if old is None or new is None:
                    out[url] = None
                    continue
                if new <= old:
                    continue
            out[url] = entry.lastmod
    return out


# --------------------------------------------------------------------------- the gate in a harvest

Row = tuple[int, str, float, int, str, str | None, str | None]  # id, host, priority, depth, url, etag, lm


@dataclass
class _Host:
    waiting: set[int] = field(default_factory=set)  # sitemap page ids not stored yet
    bodies: list[bytes] = field(default_factory=list)
    usable: bool = True  # False once a sitemap failed: nothing is proven, everything is fetched
    held: dict[int, tuple[Row, Stored]] = field(default_factory=dict)


class SitemapGate:
    """Holds a host's due pages until its sitemaps are in, then skips the ones they prove fresh.

    Called from the crawl's event-loop thread (`plan`, `take_released`, `holds`, `forget`) and
    from its database thread (`stored`); `_lock` keeps the two apart."""

    def __init__(self, *, trust_days: float, revisit_days: float, run_id: int | None,
                 counts: Counter, now: Any = None) -> None:
        from harvester.models import utcnow

        self.trust_days = trust_days
        self.revisit_days = revisit_days
        self.run_id = run_id
        self.counts = counts
        self._now = now or utcnow
        self._hosts: dict[str, _Host] = {}
        self._sitemap_host: dict[int, str] = {}
        self._held_ids: set[int] = set()
        self._released: list[Row] = []
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.trust_days > 0

    def plan(self, session: Session, rows: Sequence[Row]) -> list[Row]:
        """The rows to queue now: sitemaps first and in full, held pages left out."""
        if not self.enabled or not rows:
            return list(rows)
        ids = [r[0] for r in rows]
        info: dict[int, tuple] = {}
        for i in range(0, len(ids), 500):
            for row in session.exec(select(
                    Page.id, Page.source, Page.content_type, Page.status_code, Page.content_hash,
                    Page.fetched_at, Page.last_modified, Page.final_url).where(
                    Page.id.in_(ids[i:i + 500]))).all():
                info[row[0]] = row
        sitemaps: dict[str, list[Row]] = {}
        candidates: dict[str, list[tuple[Row, Stored]]] = {}
        out: list[Row] = []
        for row in rows:
            page_id, host, _prio, depth, url, _etag, _lm = row
            meta = info.get(page_id)
            if meta is None:
                out.append(row)
                continue
            _, source, ctype, status, digest, fetched_at, modified, final_url = meta
            if _is_sitemap(source, ctype, url):
                sitemaps.setdefault(host, []).append(row)
            elif status in (200, 304) and digest is not None and fetched_at is not None:
                stored = Stored(url, modified, fetched_at, is_homepage(url, depth),
                                normalise_url(final_url) if final_url else None)
                if stored.homepage:
                    out.append(row)
                else:
                    candidates.setdefault(host, []).append((row, stored))
            else:
                out.append(row)
        # A host with due pages whose sitemap is not due yet: ask for the sitemap now as well.
        unmapped = [h for h in candidates if h not in sitemaps]
        sitemaps.update(self._known_sitemaps(session, unmapped))
        with self._lock:
            for host, maps in sitemaps.items():
                state = self._hosts.setdefault(host, _Host())
                for row in maps:
                    page_id, _, _, depth, url, _, _ = row
                    state.waiting.add(page_id)
                    self._sitemap_host[page_id] = host
                    out.append((page_id, host, -1.0, depth, url, None, None))  # first, in full
                for row, stored in candidates.pop(host, []):
                    state.held[row[0]] = (row, stored)
                    self._held_ids.add(row[0])
        for held in candidates.values():  # no sitemap known on this host
            out.extend(row for row, _ in held)
        return out

    def _known_sitemaps(self, session: Session, hosts: list[str]) -> dict[str, list[Row]]:
        """Sitemaps fetched before on these hosts but not queued now: queue them again."""
        found: dict[str, list[Row]] = {}
        for i in range(0, len(hosts), 200):
            rows = session.exec(select(Page.id, Page.host, Page.depth, Page.url, Page.state).where(
                Page.host.in_(hosts[i:i + 200]), Page.source == SITEMAP_SOURCE,
                Page.status_code.in_([200, 304]), Page.state.in_(
                    [PageState.fetched, PageState.not_modified]))).all()
            for page_id, host, depth, url, _state in rows:
                found.setdefault(host, []).append((page_id, host, -1.0, depth, url, None, None))
        if found:
            session.execute(sa.update(Page).where(Page.id.in_(
                [r[0] for rows in found.values() for r in rows])).values(state=PageState.queued))
            session.commit()
        return found

    def holds(self, page_id: int) -> bool:
        with self._lock:
            return page_id in self._held_ids

    def forget(self, host: str) -> None:
        """The host left this worker: its held pages stay queued in the database for the next."""
        with self._lock:
            state = self._hosts.pop(host, None)
            if state is not None:
                for page_id in state.waiting:
                    self._sitemap_host.pop(page_id, None)
                self._held_ids.difference_update(state.held)

    def abandon(self, page_id: int) -> None:
        """A sitemap whose fetch could not be stored: its host's held pages are fetched as usual
        (a no-op for any other page, or once `stored` has seen it)."""
        with self._lock:
            host = self._sitemap_host.pop(page_id, None)
            state = self._hosts.get(host) if host is not None else None
            if state is None:
                return
            state.waiting.discard(page_id)
            state.usable = False
            if state.waiting:
                return
            del self._hosts[host]
            self._held_ids.difference_update(state.held)
            self._released.extend(row for row, _ in state.held.values())

    def take_released(self) -> list[Row]:
        with self._lock:
            out, self._released = self._released, []
        return out

    def stored(self, session: Session, page: Page, result: Any) -> None:
        """After a page's state is set (inside its transaction): if it is a sitemap a host waits
        for, keep its body; once the host's sitemaps are all in, decide its held pages."""
        with self._lock:
            host = self._sitemap_host.pop(page.id, None)
            state = self._hosts.get(host) if host is not None else None
            if state is None:
                return
            state.waiting.discard(page.id)
            if result.ok and not result.not_modified and result.body and not result.truncated:
                state.bodies.append(result.body)
            else:
                state.usable = False
            if state.waiting:
                return
            held, state.held = list(state.held.values()), {}
            self._held_ids.difference_update(row[0] for row, _ in held)
            bodies, usable = state.bodies, state.usable
            del self._hosts[host]
        lastmods = sitemap_lastmods(bodies) if usable else {}
        now = self._now()
        fresh: list[int] = []
        released: list[Row] = []
        for row, stored in held:
            reason = decide(stored, lastmods, now=now, trust_days=self.trust_days) if usable \
                else Reason.not_listed
            if reason is Reason.fresh:
                fresh.append(row[0])
            else:
                released.append(row)
                if reason is Reason.trust_expired:
                    self.counts["sitemap_trust_expired"] += 1
        if fresh:
            mark_fresh(session, fresh, now=now, run_id=self.run_id, revisit_days=self.revisit_days)
            self.counts["unchanged_by_sitemap"] += len(fresh)
        with self._lock:
            self._released.extend(released)


async def robots_sitemaps(client: Any, url: str) -> list[str]:
    """The `Sitemap:` lines of the robots.txt the client already read for `url`'s origin (the
    usual place a site names its sitemap); nothing for a client without robots rules."""
    policy_for = getattr(client, "robots_policy", None)
    if policy_for is None:
        return []
    try:
        policy = await policy_for(url)
    except Exception:  # noqa: BLE001 - a sitemap is a bonus, never a reason to fail a page
        return []
    parser = getattr(policy, "parser", None)
    if parser is None:
        return []
    return [u for u in (normalise_url(str(u)) for u in parser.sitemaps) if u][:10]


def _is_sitemap(source: str | None, content_type: str | None, url: str) -> bool:
    if source == SITEMAP_SOURCE:
        return True
    # Stored before sitemaps were marked as such: an XML page named like one.
    return "xml" in (content_type or "") and "sitemap" in url.lower()


def mark_fresh(session: Session, page_ids: list[int], *, now: datetime, run_id: int | None,
               revisit_days: float) -> None:
    """Record pages proven unchanged without a request as a 304 would: not modified, validated
    now (the revisit interval counts from here), by this run. Status, validators and facts stay."""
    for i in range(0, len(page_ids), 500):
        session.execute(sa.update(Page).where(Page.id.in_(page_ids[i:i + 500])).values(
            state=PageState.not_modified, fetched_at=now, run_id=run_id, error=None,
            next_visit_at=now + timedelta(days=revisit_days)))
