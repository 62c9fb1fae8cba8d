"""The harvest loop through the real polite client, with HTTP mocked by pytest-httpx.

A two-site web: a seed (Alpha) whose robots.txt forbids /private/, whose pages name a contact and
link to a partner (Beta); Beta is not a seed, so only its profile pages are fetched.
"""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import Session, select

from harvester.config import Config
from harvester.crawl import Harvest, HarvestOptions
from harvester.crawl.store import PageStore
from harvester.fetch.client import PoliteClient
from harvester.models import (
    Cluster,
    Contact,
    HarvestRun,
    Organisation,
    OrgStatus,
    Page,
    PageState,
    Relation,
    RunStatus,
)

HTML = {"content-type": "text/html; charset=utf-8"}

ALPHA_HOME = """<html><head><title>Alpha Studio | Home</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization",
"name":"Alpha Studio","url":"https://alpha.org.uk/"}</script></head><body>
<nav><a href="/about/">About</a> <a href="/contact/">Contact</a> <a href="/private/x">Staff</a>
<a href="/news/1?utm_source=x">News</a></nav>
<h2>Our partners</h2><a href="https://www.beta.org.uk/projects/">Beta Trust</a>
<footer>Registered in England and Wales No. 01234567</footer></body></html>"""
ALPHA_ABOUT = "<html><head><title>About | Alpha Studio</title></head><body><h1>About</h1>" \
    "<p>We make video games and immersive VR work in Bristol.</p></body></html>"
ALPHA_CONTACT = """<html><head><title>Contact | Alpha Studio</title></head><body>
<p>Email <a href="mailto:hello@alpha.org.uk">hello@alpha.org.uk</a>, call 0117 496 0123.</p>
<address>1 Harbour Road, Bristol BS1 5TX</address></body></html>"""
BETA_HOME = """<html><head><title>Beta Trust</title></head><body><a href="/contact">Contact us</a>
<p>Registered charity no. 1123456</p></body></html>"""
BETA_CONTACT = "<html><body><p>Director: <strong>Jane Example</strong>, " \
    "<a href='mailto:jane@beta.org.uk'>jane@beta.org.uk</a></p></body></html>"

WEB = {
    "https://alpha.org.uk/robots.txt": (200, {"content-type": "text/plain"},
                                        "User-agent: *\nDisallow: /private/\n"),
    "https://alpha.org.uk/": (200, {**HTML, "etag": '"a1"'}, ALPHA_HOME),
    "https://alpha.org.uk/about/": (200, HTML, ALPHA_ABOUT),
    "https://alpha.org.uk/contact/": (200, HTML, ALPHA_CONTACT),
    "https://alpha.org.uk/news/1": (200, HTML, "<html><body>news</body></html>"),
    "https://www.beta.org.uk/robots.txt": (404, {"content-type": "text/plain"}, "no"),
    "https://www.beta.org.uk/": (200, HTML, BETA_HOME),
    "https://www.beta.org.uk/contact": (200, HTML, BETA_CONTACT),
}


@pytest.fixture
def web(httpx_mock):
    """Route every request through WEB; remember what was asked for."""
    requested: list[str] = []

    def route(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        requested.append(url)
        if request.headers.get("if-none-match") == '"a1"' and url == "https://alpha.org.uk/":
            return httpx.Response(304, headers={"etag": '"a1"'})
        status, headers, body = WEB.get(url, (404, HTML, "<html>not found</html>"))
        return httpx.Response(status, headers=headers, text=body)

    httpx_mock.add_callback(route, is_reusable=True, is_optional=True)
    return requested


def _setup(engine) -> None:
    with Session(engine) as s:
        s.add(Cluster(id="bristol", name="Bristol", postcode_areas=["BS", "BA"]))
        s.add(Organisation(name="Alpha", domain="alpha.org.uk", homepage="https://alpha.org.uk/",
                           status=OrgStatus.seed, wave=0, cluster_id="bristol"))
        s.commit()


def _harvest(engine, **options) -> Harvest:
    config = Config.load({"delay": 0, "retries": 1}, env={})
    harvest = Harvest(engine, config, HarvestOptions(meetup=False, **options),
                      client_factory=lambda: PoliteClient(config, allow_private=True))
    harvest.run()
    return harvest


def test_harvest_fills_organisation_contacts_and_relations(engine, web):
    _setup(engine)
    harvest = _harvest(engine)
    assert "https://alpha.org.uk/private/x" not in web
    assert web.count("https://alpha.org.uk/robots.txt") == 1
    with Session(engine) as s:
        alpha = s.exec(select(Organisation).where(Organisation.domain == "alpha.org.uk")).one()
        beta = s.exec(select(Organisation).where(Organisation.domain == "beta.org.uk")).one()
        emails = set(s.exec(select(Contact.value).where(Contact.organisation_id == alpha.id,
                                                        Contact.kind == "email")).all())
        assert emails == {"hello@alpha.org.uk"}
        contact = s.exec(select(Contact).where(Contact.value == "hello@alpha.org.uk")).one()
        assert contact.source_url == "https://alpha.org.uk/contact/"
        assert contact.run_id == harvest.run_id
        rel = s.exec(select(Relation).where(Relation.source_id == alpha.id,
                                            Relation.target_id == beta.id)).one()
        assert rel.kind == "partner"
        assert rel.evidence_url == "https://alpha.org.uk/"
        # Beta is a candidate: its homepage and contact page were fetched for a profile.
        assert "https://www.beta.org.uk/contact" in web
        assert beta.status == OrgStatus.discovered
        assert s.exec(select(Contact).where(Contact.organisation_id == beta.id,
                                            Contact.value == "jane@beta.org.uk")).first() is not None
        denied = s.exec(select(Page).where(Page.url == "https://alpha.org.uk/private/x")).one()
        assert denied.state == PageState.denied and denied.error == "robots"
        run = s.get(HarvestRun, harvest.run_id)
        assert run.status == RunStatus.completed
        assert run.counts["pages_fetched"] >= 5
        assert run.counts["pages_denied"] == 1


def test_second_harvest_fetches_nothing_fresh_and_refresh_sends_conditional_requests(engine, web):
    _setup(engine)
    _harvest(engine)
    with Session(engine) as s:
        rows_before = {p.url: (p.state, p.content_hash) for p in s.exec(select(Page)).all()}
    web.clear()
    _harvest(engine)
    assert web == []  # nothing is due yet
    _harvest(engine, refresh=True)
    assert "https://alpha.org.uk/" in web
    with Session(engine) as s:
        home = s.exec(select(Page).where(Page.url == "https://alpha.org.uk/")).one()
        assert home.state == PageState.not_modified
        assert len(s.exec(select(Page)).all()) == len(rows_before)
        assert len(s.exec(select(Contact)).all()) >= 2


def test_harvest_is_idempotent(engine, web):
    _setup(engine)
    _harvest(engine)

    def snapshot():
        with Session(engine) as s:
            return (sorted((c.organisation_id, c.kind, c.value) for c in s.exec(select(Contact)).all()),
                    sorted((r.source_id, r.target_id, r.kind, r.count)
                           for r in s.exec(select(Relation)).all()),
                    sorted(o.domain or "" for o in s.exec(select(Organisation)).all()))

    first = snapshot()
    _harvest(engine, refresh=True)
    assert snapshot() == first


def test_meetup_api_mode_is_used_when_a_token_is_set(engine, httpx_mock, monkeypatch):
    """With HARVESTER_MEETUP_TOKEN, seed groups go through the official API, not the pages."""
    import json

    token = "secret-token-for-test"
    monkeypatch.setenv("HARVESTER_MEETUP_TOKEN", token)
    with Session(engine) as s:
        s.add(Cluster(id="bristol", name="Bristol", postcode_areas=["BS"],
                      meetup={"groups": ["https://www.meetup.com/BristolJS/"]}))
        s.commit()
    asked: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == f"Bearer {token}"
        asked.append(json.loads(request.content)["variables"].get("urlname", ""))
        return httpx.Response(200, json={"data": {"groupByUrlname": {
            "id": "1", "urlname": "bristoljs", "name": "BristolJS", "city": "Bristol", "country": "gb"}}})

    httpx_mock.add_callback(api, url="https://api.meetup.com/gql-ext", method="POST", is_reusable=True)
    config = Config.load({"delay": 0, "retries": 1}, env={})
    harvest = Harvest(engine, config, HarvestOptions(web=False),
                      client_factory=lambda: PoliteClient(config, allow_private=True))
    harvest.run()
    assert asked == ["bristoljs"]
    assert all(str(r.url).startswith("https://api.meetup.com/") for r in httpx_mock.get_requests())
    with Session(engine) as s:
        group = s.exec(select(Organisation).where(Organisation.meetup_urlname == "bristoljs")).one()
        assert group.name == "BristolJS"
        run = s.get(HarvestRun, harvest.run_id)
        assert run.counts["meetup_api_requests"] == 1
        assert token not in json.dumps(run.arguments) + json.dumps(run.counts)


def _batch_harvest(engine) -> tuple[Harvest, list[int]]:
    """A harvest with three queued pages of Alpha, ready for its store step's `store_batch`."""
    _setup(engine)
    config = Config.load({"delay": 0, "retries": 1}, env={})
    harvest = Harvest(engine, config, HarvestOptions(meetup=False))
    harvest.run_id = harvest.store.run_id = harvest._start_run()
    with Session(engine) as s:
        org = s.exec(select(Organisation)).one()
        pages = [harvest.frontier.enqueue(s, url, depth=0, organisation_id=org.id, run_id=harvest.run_id)
                 for url in ("https://alpha.org.uk/", "https://alpha.org.uk/about/",
                             "https://alpha.org.uk/contact/")]
        s.commit()
        ids = [p.id for p in pages]
    harvest.frontier.drain_added()
    return harvest, ids


def _results() -> list:
    from harvester.fetch.result import FetchResult

    return [FetchResult(url=u, final_url=u, status=200, headers={"content-type": "text/html"},
                        body=body.encode(), content_type="text/html")
            for u, body in (("https://alpha.org.uk/", ALPHA_HOME),
                            ("https://alpha.org.uk/about/", ALPHA_ABOUT),
                            ("https://alpha.org.uk/contact/", ALPHA_CONTACT))]


def test_a_batch_of_pages_is_stored_in_one_transaction(engine):
    harvest, ids = _batch_harvest(engine)
    added = harvest.store.store_batch([(i, r, None) for i, r in zip(ids, _results(), strict=True)])
    assert len(added) == 3 and any(added[0])  # the home page queued links
    with Session(engine) as s:
        assert {p.state for p in s.exec(select(Page).where(Page.id.in_(ids))).all()} == {PageState.fetched}
        assert s.exec(select(Contact).where(Contact.value == "hello@alpha.org.uk")).first() is not None
    assert harvest.counts["pages_fetched"] == 3


def test_a_page_failing_in_a_batch_loses_only_itself(engine, monkeypatch):
    import harvester.resolve.store_page as store_page

    harvest, ids = _batch_harvest(engine)
    real = store_page.store_page_facts

    def failing(session, page, facts, **kw):
        if page.url.endswith("/about/"):
            raise RuntimeError("boom")
        return real(session, page, facts, **kw)

    monkeypatch.setattr(store_page, "store_page_facts", failing)
    harvest.store.store_batch([(i, r, None) for i, r in zip(ids, _results(), strict=True)])
    with Session(engine) as s:
        states = {p.url: (p.state, p.error) for p in s.exec(select(Page).where(Page.id.in_(ids))).all()}
        assert states["https://alpha.org.uk/about/"] == (PageState.failed, "internal-error")
        assert states["https://alpha.org.uk/"][0] == PageState.fetched
        assert states["https://alpha.org.uk/contact/"][0] == PageState.fetched
        assert s.exec(select(Contact).where(Contact.value == "hello@alpha.org.uk")).first() is not None
    # Counted once each, not once for the rolled-back batch and again page by page.
    assert harvest.counts["pages_fetched"] == 3 and harvest.counts["internal_errors"] == 1


def test_extractors_are_warmed_on_the_database_thread_before_the_first_page(engine, web, monkeypatch):
    """In a harvest of many pages the first extraction's set-up (taxonomy, matchers) runs while
    robots.txt is fetched, on the database thread, before any page is stored; a failing warm-up
    does not end the harvest. A small harvest does not bother."""
    import threading

    import harvester.extract.pool as pool

    calls: list[str] = []

    def warm() -> bool:
        calls.append(threading.current_thread().name)
        raise RuntimeError("warm-up failed")

    stored: list[int] = []
    real_store = PageStore.store_batch

    def store_batch(self, items):
        stored.append(len(calls))  # warm-ups seen when this batch was stored
        return real_store(self, items)

    class NoPool:
        def __init__(self, workers: int) -> None: ...
        def start(self) -> None: ...
        def close(self) -> None: ...

        async def extract(self, url, body, headers):
            return None

    monkeypatch.setattr(pool, "warm", warm)
    monkeypatch.setattr(pool, "ExtractPool", NoPool)
    monkeypatch.setattr(PageStore, "store_batch", store_batch)
    _setup(engine)
    _harvest(engine)  # one host, 30 pages at most: no warm-up
    assert calls == []
    stored.clear()
    config = Config.load({"delay": 0, "retries": 1, "max_pages": 300}, env={})
    Harvest(engine, config, HarvestOptions(meetup=False, refresh=True),
            client_factory=lambda: PoliteClient(config, allow_private=True)).run()
    assert len(calls) == 1 and calls[0].startswith("harvester-db")
    assert stored and stored[0] == 1
    with Session(engine) as s:
        assert s.exec(select(Organisation).where(Organisation.domain == "beta.org.uk")).first() is not None


def test_a_large_harvest_spawns_its_extraction_pool_early_but_uses_it_only_once_it_pays(
        engine, web, monkeypatch):
    """Spawning takes about a second, so a harvest that may reach the pool's size starts it with
    the crawl; pages go to it only once in-process extraction has proved costly enough."""
    import harvester.extract.pool as pool

    events: list[str] = []

    class FakePool:
        def __init__(self, workers: int) -> None:
            self.workers = workers

        def start(self) -> None:
            events.append("start")

        async def extract(self, url, body, headers):
            events.append("extract")
            return None

        def close(self) -> None:
            events.append("close")

    monkeypatch.setattr(pool, "ExtractPool", FakePool)
    monkeypatch.setattr(pool, "default_workers", lambda: 1)
    _setup(engine)
    config = Config.load({"delay": 0, "retries": 1, "max_pages": 300}, env={})
    Harvest(engine, config, HarvestOptions(meetup=False),
            client_factory=lambda: PoliteClient(config, allow_private=True)).run()
    # Spawned before any page, never handed a page (tiny pages are cheap), closed at the end.
    assert events == ["start", "close"]
    with Session(engine) as s:
        assert s.exec(select(Organisation).where(Organisation.domain == "beta.org.uk")).first() is not None
