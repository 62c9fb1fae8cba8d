"""The pure re-harvest decision: what a sitemap <lastmod> proves about a page we hold a copy of."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from harvester.extract.sitemap import parse_sitemap, parse_sitemap_entries
from harvester.revisit import (
    CLOCK_SKEW,
    Reason,
    Stored,
    decide,
    is_homepage,
    parse_lastmod,
    sitemap_lastmods,
    trust_expired,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
URL = "https://studio.example/about/"
HEADER = "Mon, 02 Nov 2026 09:00:00 GMT"  # the page's Last-Modified when we fetched it


def page(last_modified: str | None = HEADER, validated: datetime | None = NOW - timedelta(days=8),
         url: str = URL, homepage: bool = False, final_url: str | None = None) -> Stored:
    return Stored(url, last_modified, validated, homepage, final_url)


def verdict(lastmod: str | None, stored: Stored | None = None, *, listed: bool = True,
            trust_days: float = 30, now: datetime = NOW) -> Reason:
    stored = stored or page()
    lastmods = {stored.url: lastmod} if listed else {"https://studio.example/other/": lastmod}
    return decide(stored, lastmods, now=now, trust_days=trust_days)


# ------------------------------------------------------------------ <lastmod> against our copy


def test_lastmod_older_or_equal_is_fresh_newer_is_fetched():
    assert verdict("2026-10-30T10:00:00+00:00") is Reason.fresh
    assert verdict("2026-11-02T09:00:00+00:00") is Reason.fresh  # equal to Last-Modified
    # Newer than the header and than our last validation (8 days ago): fetch.
    assert verdict("2026-11-20T09:00:01+00:00") is Reason.newer
    assert verdict("2026-11-25T11:00:00Z") is Reason.newer


def test_without_a_last_modified_header_our_validation_time_counts_with_a_margin():
    validated = datetime(2026, 11, 17, 12, 0, tzinfo=UTC)
    stored = page(last_modified=None, validated=validated)
    assert verdict("2026-11-10T00:00:00Z", stored) is Reason.fresh
    assert verdict((validated - CLOCK_SKEW - timedelta(seconds=1)).isoformat(), stored) is Reason.fresh
    # Changed just before we asked, by the server's clock: ours may be behind, so not proven.
    assert verdict((validated - timedelta(minutes=2)).isoformat(), stored) is Reason.newer
    # A header older than the <lastmod> does not stop the validation time from proving it.
    assert verdict("2026-11-10T00:00:00Z", page(validated=validated)) is Reason.fresh


def test_missing_unlisted_and_unparsable_lastmod_are_fetched():
    assert verdict(None) is Reason.no_lastmod
    assert verdict("") is Reason.no_lastmod
    assert verdict("last tuesday") is Reason.no_lastmod
    assert verdict("2026-13-01") is Reason.no_lastmod
    assert verdict("2026-11-02T25:00:00Z") is Reason.no_lastmod
    assert verdict("2026-10-01T00:00:00Z", listed=False) is Reason.not_listed


def test_a_redirected_page_is_matched_by_where_it_went():
    stored = page(url="http://studio.example/about", final_url=URL)
    assert decide(stored, {URL: "2026-10-01"}, now=NOW, trust_days=30) is Reason.fresh


def test_homepage_is_always_checked():
    assert verdict("2020-01-01T00:00:00Z", page(homepage=True)) is Reason.homepage
    assert is_homepage("https://studio.example/", 0)
    assert is_homepage("https://studio.example/", 2)
    assert is_homepage("https://studio.example/cy/", 0)
    assert not is_homepage("https://studio.example/about/", 1)


# ------------------------------------------------------------------ timezone and W3C forms


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-02T09:00:00+00:00", datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),
    ("2026-11-02T09:00:00Z", datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),
    ("2026-11-02T10:00:00+01:00", datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),
    ("2026-11-02T04:00:00-05:00", datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),
    ("2026-11-02T10:00:00+0100", datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),
    ("2026-11-02T09:00Z", datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),
    ("2026-11-02T09:00:00.250Z", datetime(2026, 11, 2, 9, 0, 0, 250000, tzinfo=UTC)),
    ("Mon, 02 Nov 2026 09:00:00 GMT", datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),
    # Without a zone: the latest instant it can mean (UTC-12).
    ("2026-11-02T09:00:00", datetime(2026, 11, 2, 21, 0, tzinfo=UTC)),
    # A date alone: the end of that day, in the latest zone; a month or a year: its end.
    ("2026-11-02", datetime(2026, 11, 3, 12, 0, tzinfo=UTC)),
    ("2026-11", datetime(2026, 12, 1, 12, 0, tzinfo=UTC)),
    ("2026-12", datetime(2027, 1, 1, 12, 0, tzinfo=UTC)),
    ("2026", datetime(2027, 1, 1, 12, 0, tzinfo=UTC)),
    ("  2026-11-02T09:00:00Z\n", datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),
])
def test_lastmod_forms(text, expected):
    assert parse_lastmod(text) == expected


@pytest.mark.parametrize("text", [None, "", "soon", "2026-11-02T09:00:00+25:00", "02/11/2026", "2026-00"])
def test_unusable_lastmod(text):
    assert parse_lastmod(text) is None


def test_a_date_only_lastmod_on_the_day_of_our_copy_is_not_proof():
    # The page may have changed later that day than the Last-Modified we hold.
    assert verdict("2026-11-02", page(validated=datetime(2026, 11, 2, 10, tzinfo=UTC))) is Reason.newer
    # Once we have validated it after that day (and its latest zone), the date proves it.
    assert verdict("2026-11-02", page(validated=datetime(2026, 11, 4, tzinfo=UTC))) is Reason.fresh


# ------------------------------------------------------------------ trust with a limit


def test_trust_zero_never_trusts_the_sitemap():
    assert verdict("2026-10-01T00:00:00Z", trust_days=0) is Reason.trust_expired
    assert trust_expired(URL, NOW, NOW, 0)


def test_trust_expires_at_least_once_per_period():
    period = timedelta(days=30)
    assert trust_expired(URL, None, NOW, 30)  # never validated
    assert trust_expired(URL, NOW - period, NOW, 30)  # a whole period ago: a boundary passed
    assert trust_expired(URL, NOW - period - timedelta(days=3), NOW, 30)
    assert verdict("2026-10-01T00:00:00Z", page(validated=NOW - period)) is Reason.trust_expired
    assert not trust_expired(URL, NOW, NOW, 30)


def test_trust_windows_are_phased_per_url_and_reached_by_daily_runs():
    """Validated daily by the sitemap, each page still gets exactly one real request every 30
    days, and not all pages on the same day."""
    urls = [f"https://studio.example/page/{n}/" for n in range(40)]
    days_due: dict[str, list[int]] = {u: [] for u in urls}
    for u in urls:
        validated = NOW
        for day in range(1, 91):
            now = NOW + timedelta(days=day)
            if trust_expired(u, validated, now, 30):
                days_due[u].append(day)
            validated = now  # proven fresh or really asked: validated either way
    for due in days_due.values():
        assert len(due) == 3
        assert all(b - a == 30 for a, b in zip(due, due[1:], strict=False))
    assert len({due[0] for due in days_due.values()}) > 10  # spread over the period


# ------------------------------------------------------------------ sitemap parsing


SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://Studio.example/about/</loc><lastmod>2026-11-02T09:00:00+00:00</lastmod></url>
  <url><loc> https://studio.example/team/ </loc></url>
  <url><lastmod>2026-11-02</lastmod></url>
  <url><loc>https://studio.example/news/#top</loc><lastmod>2026-11-01</lastmod></url>
  <url><loc>https://studio.example/news/</loc><lastmod>2026-11-20</lastmod></url>
</urlset>"""

INDEX = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://studio.example/sitemap-pages.xml</loc><lastmod>2026-11-02</lastmod></sitemap>
</sitemapindex>"""


def test_sitemap_entries_keep_lastmod():
    entries = parse_sitemap_entries(SITEMAP)
    assert [(e.url, e.lastmod) for e in entries][:2] == [
        ("https://Studio.example/about/", "2026-11-02T09:00:00+00:00"),
        ("https://studio.example/team/", None)]
    assert len(entries) == 4  # the <url> without <loc> is skipped
    assert parse_sitemap(SITEMAP)[0] == "https://Studio.example/about/"
    index = parse_sitemap_entries(INDEX)
    assert index[0].is_sitemap and index[0].lastmod == "2026-11-02"
    assert parse_sitemap_entries(b"not xml") == [] and parse_sitemap_entries(b"") == []


def test_sitemap_lastmods_normalise_urls_and_keep_the_newest():
    lastmods = sitemap_lastmods([SITEMAP, INDEX])
    assert lastmods["https://studio.example/about/"] == "2026-11-02T09:00:00+00:00"
    assert lastmods["https://studio.example/team/"] is None
    assert lastmods["https://studio.example/news/"] == "2026-11-20"  # listed twice: the newer
    assert "https://studio.example/sitemap-pages.xml" not in lastmods  # an index lists sitemaps


# ------------------------------------------------------------------ the gate over the page table


def test_gate_holds_pages_until_the_sitemap_and_releases_them_if_it_fails(session):
    from collections import Counter

    from harvester.models import Page, PageState
    from harvester.revisit import SitemapGate

    def add(url: str, depth: int, **kw) -> Page:
        p = Page(url=url, host="studio.example", site="studio.example", depth=depth,
                 state=PageState.queued, **kw)
        session.add(p)
        session.flush()
        return p

    seen = {"status_code": 200, "content_hash": "x", "fetched_at": NOW - timedelta(days=8),
            "last_modified": HEADER}
    home = add("https://studio.example/", 0, **seen)
    about = add(URL, 1, **seen)
    new = add("https://studio.example/new/", 1)
    sitemap = add("https://studio.example/sitemap.xml", 1, source="sitemap", content_type="application/xml",
                  etag='"s1"', **{k: v for k, v in seen.items() if k != "last_modified"})
    session.commit()
    rows = [(p.id, p.host, 3.0, p.depth, p.url, '"e"', HEADER) for p in (home, about, new, sitemap)]
    gate = SitemapGate(trust_days=30, revisit_days=7, run_id=None, counts=Counter(), now=lambda: NOW)
    planned = gate.plan(session, rows)
    by_id = {r[0]: r for r in planned}
    assert set(by_id) == {home.id, new.id, sitemap.id} and gate.holds(about.id)
    assert by_id[sitemap.id][2] == -1.0 and by_id[sitemap.id][5:] == (None, None)  # first, in full
    gate.abandon(home.id)  # not a sitemap: nothing happens
    assert gate.take_released() == [] and gate.holds(about.id)
    gate.abandon(sitemap.id)
    assert [r[0] for r in gate.take_released()] == [about.id] and not gate.holds(about.id)
    # With trust 0 nothing is held and validators are kept.
    off = SitemapGate(trust_days=0, revisit_days=7, run_id=None, counts=Counter())
    assert off.plan(session, rows) == rows
