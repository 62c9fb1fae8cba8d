"""Re-harvest with the sitemap as a bulk validator, against the loopback SimWeb: an unchanged web
costs robots.txt, the sitemap and the homepage per host; a changed page (and its <lastmod>) is
the only page fetched again; a lying sitemap is caught once trust is off."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import pytest
from simweb import SimWeb
from sqlmodel import Session, select

from harvester.config import Config
from harvester.crawl import Harvest, HarvestOptions
from harvester.db import init_db, make_engine
from harvester.models import Contact, HarvestRun, Organisation, OrgStatus, Page, PageState

HOSTS = 2
PAGES = 8  # homepage, 4 core pages, 2 numbered pages and the sitemap


def harvest(engine, *, refresh: bool, **config) -> dict[str, int]:
    cfg = Config.load({"retries": 1, "delay": 0.0, "max_pages": PAGES, **config}, env={})
    summary = Harvest(engine, cfg, HarvestOptions(meetup=False, allow_private=True, refresh=refresh,
                                                  profile_candidates=False)).run()
    with Session(engine) as s:
        return dict(s.get(HarvestRun, summary.run_id).counts)


def requests(web: SimWeb) -> Counter:
    """(host index, path, status) of every request since the log was cleared."""
    index = {web.host(i): i for i in range(HOSTS)}
    return Counter((index[h.host], h.path, h.status) for h in web.requests())


def contacts(engine) -> set[tuple[str, str]]:
    with Session(engine) as s:
        return {(c.value, c.source_url) for c in s.exec(select(Contact)).all()}


def test_sitemap_vouches_for_unchanged_pages_and_changes_are_fetched(engine):
    with SimWeb(hosts=HOSTS, pages_per_host=PAGES, page_kb=(1, 2), seed=11, traps=False,
                robots_disallow=False, workers=1, sitemap=True) as web:
        with Session(engine) as s:
            for i in range(HOSTS):
                s.add(Organisation(name=f"Sim {i}", domain=web.host(i), homepage=web.url(i, "/"),
                                   status=OrgStatus.seed))
            s.commit()
        paths = web.pages().paths()
        first = harvest(engine, refresh=False)
        assert first["pages_fetched"] == HOSTS * PAGES  # every page and the sitemap
        seen = requests(web)
        assert all(seen[(i, "/sitemap.xml", 200)] == 1 for i in range(HOSTS))
        facts_before = contacts(engine)
        assert ("+441174960000", web.url(0, "/contact/")) in facts_before

        # Unchanged web, every page due: robots.txt, the sitemap (in full) and the homepage only.
        web.clear_log()
        again = harvest(engine, refresh=True)
        seen = requests(web)
        assert set(seen) == {(i, p, s) for i in range(HOSTS) for p, s in
                             (("/robots.txt", 200), ("/sitemap.xml", 200), ("/", 304))}
        assert all(n == 1 for n in seen.values())
        assert again["unchanged_by_sitemap"] == HOSTS * (len(paths) - 1)
        assert again["pages_not_modified"] == HOSTS and again.get("pages_fetched", 0) == HOSTS
        assert contacts(engine) == facts_before
        with Session(engine) as s:
            states = Counter(p.state for p in s.exec(select(Page)).all())
        assert states == {PageState.not_modified: HOSTS * (len(paths) - 1) + HOSTS,
                          PageState.fetched: HOSTS}

        # One page changes, and the sitemap says so: only that page is fetched again.
        web.modify(0, "/contact/")
        web.clear_log()
        third = harvest(engine, refresh=True)
        seen = requests(web)
        pages_asked = {(i, p, s) for (i, p, s) in seen if p not in ("/robots.txt", "/sitemap.xml", "/")}
        assert pages_asked == {(0, "/contact/", 200)}
        assert third["pages_updated"] == 2  # /contact/ and the sitemap of its host
        assert third["unchanged_by_sitemap"] == HOSTS * (len(paths) - 1) - 1
        assert ("+441174960500", web.url(0, "/contact/")) in contacts(engine)
        assert third["new_contacts"] == 1 and third["contacts_removed"] == 1

        # A sitemap that lies (the page changed, its <lastmod> did not) fools a trusting
        # re-harvest, but not one with trust 0: every page is then asked, conditionally.
        web.modify(1, "/about/", in_sitemap=False)
        web.clear_log()
        fooled = harvest(engine, refresh=True)
        assert not any(p == "/about/" for _, p, _ in requests(web))
        assert fooled.get("pages_updated", 0) == 0
        web.clear_log()
        checked = harvest(engine, refresh=True, sitemap_trust_days=0)
        seen = requests(web)
        asked = {(i, p) for i, p, _ in seen if p != "/robots.txt"}
        assert asked >= {(i, p) for i in range(HOSTS) for p in paths}
        statuses = {(i, p): s for i, p, s in seen if p in paths}
        assert statuses.pop((1, "/about/")) == 200
        assert set(statuses.values()) == {304}
        assert checked["pages_updated"] == 1 and checked.get("unchanged_by_sitemap", 0) == 0


def test_no_sitemap_keeps_conditional_requests(engine):
    """A site without a sitemap is re-harvested as before: a 304 for every page."""
    with SimWeb(hosts=1, pages_per_host=6, page_kb=(1, 2), seed=12, traps=False,
                robots_disallow=False, workers=1) as web:
        with Session(engine) as s:
            s.add(Organisation(name="Sim", domain=web.host(0), homepage=web.url(0, "/"),
                               status=OrgStatus.seed))
            s.commit()
        harvest(engine, refresh=False, max_pages=6)
        web.clear_log()
        again = harvest(engine, refresh=True, max_pages=6)
        statuses = Counter(h.status for h in web.requests() if h.path != "/robots.txt")
        assert statuses == {304: 6}
        assert again["pages_not_modified"] == 6 and "unchanged_by_sitemap" not in again


@pytest.mark.postgres
@pytest.mark.integration
@pytest.mark.slow
def test_two_workers_reharvest_with_the_sitemap(pg_url):
    """Worker mode: a host's sitemap and held pages stay with the worker that claimed the host;
    a re-harvest of the unchanged web asks each host for its sitemap and homepage once."""
    hosts = 6
    with SimWeb(hosts=hosts, pages_per_host=8, page_kb=(1, 2), seed=13, traps=False,
                robots_disallow=False, workers=1, sitemap=True) as web:
        engine = make_engine(pg_url)
        init_db(engine)
        with Session(engine) as s:
            for i in range(hosts):
                s.add(Organisation(name=f"Sim {i}", domain=web.host(i), homepage=web.url(i, "/"),
                                   status=OrgStatus.seed))
            s.commit()
        cmd = [sys.executable, "-m", "harvester", "--db", pg_url, "-q", "harvest", "--worker",
               "--no-meetup", "--allow-private", "--no-profiles", "--max-pages", "8", "--delay", "0.05",
               "--concurrency", "2"]
        env = {**os.environ, "HARVESTER_CONTACT_URL": "https://harvester.invalid/tests"}
        for extra in ((), ("--refresh",)):
            web.clear_log()
            procs = [subprocess.Popen([*cmd, *extra], stderr=subprocess.PIPE, text=True, env=env)
                     for _ in range(2)]
            for p in procs:
                assert p.wait(timeout=120) == 0, p.stderr.read()
        seen = Counter((h.host, h.path) for h in web.requests() if h.path != "/robots.txt")
        with Session(engine) as s:
            runs = s.exec(select(HarvestRun).order_by(HarvestRun.id.desc()).limit(2)).all()
            fresh = sum(r.counts.get("unchanged_by_sitemap", 0) for r in runs)
        engine.dispose()
    assert seen == {(web.host(i), p): 1 for i in range(hosts) for p in ("/", "/sitemap.xml")}
    assert fresh == hosts * 6


def test_a_sitemap_named_only_in_robots_txt_is_found_and_used(engine):
    """Most sites name their sitemap in robots.txt, not in their pages: the first harvest queues
    it with the homepage, and the re-harvest then needs only the sitemap and the homepage."""
    from loopback import LoggedRequest, Reply, loopback_hosts

    modified = "Mon, 02 Nov 2026 09:00:00 GMT"
    html = {"/": '<html><title>Studio</title><a href="/about/">About</a> <a href="/team/">Team</a></html>',
            "/about/": "<html><p>A games studio in Bristol.</p></html>",
            "/team/": "<html><p>Our team.</p></html>"}
    with loopback_hosts(1) as (server,):
        sitemap = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                   + "".join(f"<url><loc>{server.url(p)}</loc><lastmod>2026-11-02T09:00:00Z</lastmod></url>"
                             for p in html) + "</urlset>")
        server.route("/robots.txt", body=f"User-agent: *\nAllow: /\nSitemap: {server.url('/sitemap.xml')}\n",
                     content_type="text/plain")
        server.route("/sitemap.xml", body=sitemap, content_type="application/xml")

        def answer(req: LoggedRequest) -> Reply | None:
            if req.path not in html:
                return None
            if req.headers.get("if-modified-since") == modified:
                return Reply(304, headers={"Last-Modified": modified}, content_type=None)
            return Reply(200, body=html[req.path], headers={"Last-Modified": modified})

        server.handler(answer)
        with Session(engine) as s:
            s.add(Organisation(name="Studio", domain=f"127.0.0.1:{server.port}", homepage=server.url("/"),
                               status=OrgStatus.seed))
            s.commit()
        first = harvest(engine, refresh=False)
        assert first["pages_fetched"] == 4 and len(server.requests("/sitemap.xml")) == 1
        before = len(server.requests())
        again = harvest(engine, refresh=True)
        asked = [r.path for r in server.requests()[before:]]
        assert sorted(asked) == ["/", "/robots.txt", "/sitemap.xml"]
        assert again["unchanged_by_sitemap"] == 2 and again["pages_not_modified"] == 1
