"""Incremental re-harvest against loopback sites with ETags: unchanged pages cost a 304 and no
body, the revisit interval is honoured, and changes (pages, contacts, organisations, vanished
pages) update the facts and the run's counts."""

from __future__ import annotations

import hashlib
import threading

from loopback import LoggedRequest, LoopbackServer, Reply, loopback_hosts
from sqlmodel import Session, select

from harvester.config import Config
from harvester.crawl import Harvest, HarvestOptions
from harvester.models import Contact, HarvestRun, Organisation, OrgStatus, Page, PageState


class EtagSite:
    """Pages from a dict, each with an ETag; If-None-Match on the current ETag gives 304. Every
    answer's status and body size is recorded."""

    def __init__(self, server: LoopbackServer, pages: dict[str, str]) -> None:
        self.server = server
        self.pages = dict(pages)
        self.answers: list[tuple[str, int, int]] = []
        self._lock = threading.Lock()
        server.route("/robots.txt", body="User-agent: *\nAllow: /\n", content_type="text/plain")
        server.handler(self.answer)

    def answer(self, req: LoggedRequest) -> Reply:
        body = self.pages.get(req.path)
        if body is None:
            reply = Reply(404, body="gone")
        else:
            etag = '"' + hashlib.sha1(body.encode()).hexdigest()[:16] + '"'
            if req.headers.get("if-none-match") == etag:
                reply = Reply(304, headers={"ETag": etag}, content_type=None)
            else:
                reply = Reply(200, body=body, headers={"ETag": etag})
        with self._lock:
            self.answers.append((req.path, reply.status, len(reply.payload())))
        return reply

    def take(self) -> list[tuple[str, int, int]]:
        with self._lock:
            out, self.answers = self.answers, []
        return out


def pages(partner: str | None = None, email: str = "hello@studio-one.co.uk") -> dict[str, str]:
    extra = f'<h2>Our partners</h2><a href="{partner}">Partner Org</a>' if partner else ""
    return {
        "/": f"""<html><head><title>Studio One</title></head><body><h1>Studio One</h1>
            <a href="/about/">About</a> <a href="/contact/">Contact</a> <a href="/team/">Team</a>
            {extra}</body></html>""",
        "/about/": "<html><body><h1>About</h1><p>A games studio in Bristol.</p></body></html>",
        "/contact/": f"<html><body><a href='mailto:{email}'>{email}</a></body></html>",
        "/team/": "<html><body><h1>Team</h1><p>Our team.</p></body></html>",
    }


def run(engine, **config) -> dict[str, int]:
    cfg = Config.load({"retries": 1, "delay": 0.0, **config}, env={})
    summary = Harvest(engine, cfg, HarvestOptions(meetup=False, allow_private=True,
                                                  profile_candidates=False)).run()
    with Session(engine) as s:
        return dict(s.get(HarvestRun, summary.run_id).counts)


def test_unchanged_web_costs_304s_and_changes_are_counted(engine):
    with loopback_hosts(2) as (server, partner_server):
        partner_domain = f"127.0.0.1:{partner_server.port}"
        site = EtagSite(server, pages())
        EtagSite(partner_server, {"/": "<html><title>Partner Org</title></html>"})
        with Session(engine) as s:
            s.add(Organisation(name="Studio One", domain=f"127.0.0.1:{server.port}",
                               homepage=server.url("/"), status=OrgStatus.seed))
            s.commit()

        first = run(engine)
        answers = site.take()
        assert {p for p, status, _ in answers if status == 200} == set(pages())
        assert first["pages_fetched"] == 4

        # Within the revisit interval (7 days by default) nothing is fetched again.
        second = run(engine)
        assert [a for a in site.take() if a[0] != "/robots.txt"] == []
        assert second.get("pages_fetched", 0) == 0 and second.get("revisits", 0) == 0

        # Once due, every page is asked for conditionally and the server sends no body at all.
        third = run(engine, revisit_days=0)
        answers = [a for a in site.take() if a[0] != "/robots.txt"]
        assert sorted(p for p, _, _ in answers) == sorted(pages())
        assert {status for _, status, _ in answers} == {304}
        assert sum(size for _, _, size in answers) == 0
        conditional = [r for r in server.requests() if r.path in pages()][-4:]
        assert all(r.headers.get("if-none-match") for r in conditional)
        assert third["pages_not_modified"] == 4 and third.get("pages_fetched", 0) == 0
        assert third.get("bytes", 0) == 0

        # The site changes: a new email replaces the old, a partner appears, /team/ is removed.
        site.pages = pages(partner=partner_server.url("/"), email="studio@studio-one.co.uk")
        del site.pages["/team/"]
        fourth = run(engine, revisit_days=0)
        assert fourth["pages_updated"] == 2  # "/" and "/contact/"
        assert fourth["pages_not_modified"] == 1  # "/about/"
        assert fourth["pages_vanished"] == 1  # "/team/"
        assert fourth["new_contacts"] == 1 and fourth["contacts_removed"] == 1
        assert fourth["new_organisations"] >= 1

    with Session(engine) as s:
        studio = s.exec(select(Organisation).where(Organisation.name == "Studio One")).one()
        emails = {c.value: c for c in s.exec(select(Contact).where(Contact.organisation_id == studio.id))}
        assert "studio@studio-one.co.uk" in emails
        assert emails["hello@studio-one.co.uk"].last_seen < emails["studio@studio-one.co.uk"].last_seen
        team = s.exec(select(Page).where(Page.url.endswith("/team/"))).one()
        assert team.state == PageState.failed and team.status_code == 404
        assert s.exec(select(Organisation).where(Organisation.domain == partner_domain)
                      ).first() is not None
    import json

    from typer.testing import CliRunner

    from harvester.cli import app

    res = CliRunner().invoke(app, ["--db", engine.url.render_as_string(), "runs", "--json"])
    newest = json.loads(res.stdout)[0]["counts"]
    assert newest["pages_vanished"] == 1 and newest["contacts_removed"] == 1
