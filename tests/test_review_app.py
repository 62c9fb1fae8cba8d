"""The review web application (harvester.review.app) through Starlette's test client, over a real
SQLite file populated with the models: pages, decisions, filters, CSV, CSRF and escaping."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session, select
from starlette.testclient import TestClient

from harvester.export import ORGANISATION_FIELDS
from harvester.models import (
    Cluster,
    Contact,
    ContactKind,
    Decision,
    DomainArea,
    HarvestRun,
    MeetupEvent,
    Organisation,
    OrganisationDomainArea,
    OrganisationFact,
    OrgKind,
    OrgStatus,
    Relation,
    RelationKind,
    RunStatus,
    Sector,
    SectorSource,
)
from harvester.resolve import recompute_organisation
from harvester.review import csrf
from harvester.review.app import CSP, create_app

SEEN = datetime(2026, 3, 14, 9, 26, tzinfo=UTC)
SCRIPT_NAME = "<script>alert(1)</script> Studio"
FORMULA_NAME = "=HYPERLINK(\"http://evil.example\",\"click\")"
REVIEWER = "Ada Reviewer"


def seed_review_data(session: Session) -> dict[str, int]:
    """A small Bristol sample: two seeds, three candidates (one with a scraped <script> name, one
    whose name is a spreadsheet formula), a Meetup group, facts with sources. Returns ids by key."""
    session.add(Cluster(id="bristol", name="Bristol", postcode_areas=["BS"]))
    session.add(DomainArea(id="games", label="Games"))
    session.add(DomainArea(id="film-tv", label="Film and TV"))
    run = HarvestRun(kind="harvest", status=RunStatus.completed, started_at=SEEN, finished_at=SEEN,
                     counts={"pages_fetched": 42, "new_organisations": 5, "new_relations": 7})
    session.add(run)
    session.flush()

    def org(name: str, domain: str | None, sector: Sector, status: OrgStatus = OrgStatus.discovered,
            **kw) -> Organisation:
        o = Organisation(name=name, name_key=name.lower(), domain=domain,
                         homepage=f"https://{domain}/" if domain else None, sector=sector,
                         cluster_id="bristol", status=status, first_seen=SEEN, last_seen=SEEN,
                         postcode="BS1 5TX", **kw)
        session.add(o)
        session.flush()
        return o

    seed_a = org("Watershed Arts Trust", "watershed.example.org", Sector.third_sector, OrgStatus.seed,
                 wave=0, sector_source=SectorSource.seed)
    seed_b = org("Brunelgate University", "brunelgate.example.ac.uk", Sector.university, OrgStatus.seed,
                 wave=0, sector_source=SectorSource.seed)
    top = org("Harbour Games Ltd", "harbourgames.example.co.uk", Sector.industry)
    script = org(SCRIPT_NAME, "scriptstudio.example.com", Sector.industry)
    formula = org(FORMULA_NAME, "formula.example.com", Sector.unknown)
    group = org("Bristol Games Meetup", None, Sector.third_sector, kind=OrgKind.meetup_group,
                meetup_urlname="bristol-games")

    def tie(src: Organisation, dst: Organisation, kind: RelationKind) -> None:
        session.add(Relation(source_id=src.id, target_id=dst.id, kind=kind, first_seen=SEEN, last_seen=SEEN,
                             evidence_url=f"https://{src.domain or 'meetup.com'}/partners"))

    for seed in (seed_a, seed_b):
        tie(seed, top, RelationKind.partner)  # strongest: two partners
        tie(seed, script, RelationKind.links_to)  # two plain links
    tie(seed_a, formula, RelationKind.links_to)  # one link: a weak candidate
    tie(top, group, RelationKind.organises)
    session.add(OrganisationFact(organisation_id=top.id, field="description", value="Indie games studio",
                                 source_url="https://harbourgames.example.co.uk/about", rule="jsonld",
                                 first_seen=SEEN, last_seen=SEEN))
    session.add(OrganisationFact(organisation_id=top.id, field="postcode", value="BS1 5TX",
                                 source_url="javascript:alert(2)", rule="text",
                                 first_seen=SEEN, last_seen=SEEN))
    session.add(Contact(organisation_id=top.id, kind=ContactKind.email, value="jo@harbourgames.example.co.uk",
                        person_name="Jo Bloggs", role="Director",
                        source_url="https://harbourgames.example.co.uk/team", first_seen=SEEN,
                        last_seen=SEEN))
    session.add(OrganisationDomainArea(organisation_id=top.id, domain_area_id="games", score=0.9,
                                       evidence_url="https://harbourgames.example.co.uk/",
                                       evidence=[{"url": "https://harbourgames.example.co.uk/",
                                                  "keywords": ["indie games"]}],
                                       first_seen=SEEN, last_seen=SEEN))
    session.add(OrganisationDomainArea(organisation_id=script.id, domain_area_id="film-tv", score=0.5,
                                       first_seen=SEEN, last_seen=SEEN))
    session.add(MeetupEvent(event_key="evt-1", group_id=group.id, title="Games night at the harbour",
                            start=SEEN, venue_name="Harbour Games", venue_organisation_id=top.id,
                            url="https://www.meetup.com/bristol-games/events/1/", first_seen=SEEN,
                            last_seen=SEEN))
    session.commit()
    return {"seed_a": seed_a.id, "seed_b": seed_b.id, "top": top.id, "script": script.id,
            "formula": formula.id, "group": group.id}


@pytest.fixture
def ids(engine) -> dict[str, int]:
    with Session(engine) as s:
        return seed_review_data(s)


@pytest.fixture
def client(engine, ids) -> TestClient:
    with TestClient(create_app(engine, reviewer=REVIEWER)) as c:
        yield c


def soup(resp) -> BeautifulSoup:
    assert resp.status_code == 200, resp.text
    return BeautifulSoup(resp.text, "html.parser")


def token_of(page) -> str:
    return page.select_one(f'input[name="{csrf.FIELD_NAME}"]')["value"]


def decisions(engine) -> list[Decision]:
    with Session(engine) as s:
        return list(s.exec(select(Decision).order_by(Decision.id)).all())


def org_row(engine, org_id: int) -> Organisation:
    with Session(engine) as s:
        return s.get(Organisation, org_id)


# ---------------------------------------------------------------- queue and decisions


def test_queue_lists_candidates_in_rank_order_with_why_and_contact(client, ids):
    page = soup(client.get("/queue/bristol"))
    cards = page.select("article.candidate")
    assert [int(c["data-org"]) for c in cards] == [ids["top"], ids["script"], ids["formula"], ids["group"]]
    assert [c.select_one(".rank").get_text() for c in cards] == ["#1", "#2", "#3", "#4"]
    first = cards[0]
    assert first.select_one("h2 a").get_text() == "Harbour Games Ltd"
    assert "partner" in first.select_one(".why").get_text()
    assert "Jo Bloggs" in first.get_text() and "Director" in first.get_text()
    assert "Games" in [p.get_text() for p in first.select(".pill")]
    assert {b["value"] for b in first.select("form.decide button")} == {"accept", "reject", "defer", "note"}
    assert "weak" in cards[2]["class"]  # one link only


def test_queue_json_is_the_proposal(client, ids):
    data = client.get("/queue/bristol.json").json()
    assert data["wave"] == 1
    assert [c["organisation_id"] for c in data["candidates"]] == [ids["top"], ids["script"]]
    assert data["candidates"][0]["rank"] == 1 and data["weak"][0]["organisation_id"] == ids["formula"]


def test_accept_by_form_writes_a_decision_and_the_status(client, engine, ids):
    page = soup(client.get("/queue/bristol"))
    resp = client.post(f"/org/{ids['top']}/decide", data={
        csrf.FIELD_NAME: token_of(page), "decision": "accept", "next": "/queue/bristol"},
        follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"].startswith("/queue/bristol?done=")
    [row] = decisions(engine)
    assert (row.decision, row.organisation_id, row.reviewer) == ("accept", ids["top"], REVIEWER)
    assert row.note is None
    assert row.created_at is not None
    org = org_row(engine, ids["top"])
    assert org.status == OrgStatus.accepted and org.wave == 1
    after = soup(client.get(resp.headers["location"]))
    assert "Saved:" in after.select_one(".banner").get_text()
    assert ids["top"] not in [int(c["data-org"]) for c in after.select("article.candidate")]


def test_reject_with_note_and_tags(client, engine, ids):
    page = soup(client.get("/queue/bristol"))
    resp = client.post(f"/org/{ids['script']}/decide", data={
        csrf.FIELD_NAME: token_of(page), "decision": "reject", "note": "Not creative tech",
        "tags": "off-topic, agency ,off-topic"})
    assert resp.status_code == 200  # followed the redirect to the organisation page
    [row] = decisions(engine)
    assert (row.decision, row.note, row.tags) == ("reject", "Not creative tech", ["off-topic", "agency"])
    assert org_row(engine, ids["script"]).status == OrgStatus.rejected


def test_json_post_answers_json_for_the_keyboard_script(client, engine, ids):
    page = soup(client.get("/queue/bristol"))
    resp = client.post(f"/org/{ids['top']}/decide", headers={"accept": "application/json"},
                       data={csrf.FIELD_NAME: token_of(page), "decision": "defer"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["ok"] and body["decision"]["decision"] == "defer" and body["decision"]["reviewer"] == REVIEWER
    assert org_row(engine, ids["top"]).status == OrgStatus.candidate


def test_empty_note_decision_is_refused_with_a_message(client, engine, ids):
    page = soup(client.get("/queue/bristol"))
    resp = client.post(f"/org/{ids['top']}/decide",
                       data={csrf.FIELD_NAME: token_of(page), "decision": "note"})
    assert resp.status_code == 400 and "write the note first" in resp.text
    assert decisions(engine) == []


# ---------------------------------------------------------------- CSRF


@pytest.mark.parametrize("form", [
    {"decision": "accept"},  # no token
    {"decision": "accept", csrf.FIELD_NAME: "forged-token"},  # wrong token
])
def test_post_without_the_right_token_is_refused(client, engine, ids, form):
    client.get("/queue/bristol")  # the browser holds a genuine cookie
    resp = client.post(f"/org/{ids['top']}/decide", data=form)
    assert resp.status_code == 403
    assert "security token" in resp.text and "Reload the page" in resp.text
    assert decisions(engine) == []
    assert org_row(engine, ids["top"]).status == OrgStatus.discovered


def test_token_from_another_browser_or_a_forged_cookie_is_refused(engine, ids):
    app = create_app(engine, reviewer=REVIEWER, secret=b"s" * 32)
    with TestClient(app) as alice, TestClient(app) as mallory:
        alice_token = token_of(soup(alice.get("/queue/bristol")))
        mallory.get("/queue/bristol")
        assert mallory.post(f"/org/{ids['top']}/decide",
                            data={"decision": "accept", csrf.FIELD_NAME: alice_token}).status_code == 403
        mallory.cookies.set(csrf.COOKIE_NAME, f"{alice_token}.{'0' * 64}")
        assert mallory.post(f"/org/{ids['top']}/decide",
                            data={"decision": "accept", csrf.FIELD_NAME: alice_token}).status_code == 403
    assert decisions(engine) == []


def test_every_post_route_checks_the_token(client, engine, ids):
    client.get("/")
    for path in (f"/org/{ids['top']}/decide", f"/org/{ids['top']}/correct",
                 f"/org/{ids['top']}/decisions/1/amend"):
        resp = client.post(path, data={"decision": "accept", "field": "sector", "value": "government"})
        assert resp.status_code == 403, path
    assert decisions(engine) == []


# ---------------------------------------------------------------- organisation page


def test_organisation_page_shows_facts_with_source_links_and_times(client, ids):
    page = soup(client.get(f"/org/{ids['top']}"))
    rows = {tr.select("td")[0].get_text(): tr for tr in page.select("#facts tbody tr")}
    desc = rows["description"]
    link = desc.select_one("a.source")
    assert link["href"] == "https://harbourgames.example.co.uk/about"
    assert link["rel"] == ["noopener", "noreferrer", "nofollow"]
    assert "14 Mar 2026 09:26 UTC" in desc.get_text()
    # A non-http "source" is shown as text, never as a link.
    assert rows["postcode"].select_one("a") is None and "javascript:alert(2)" in rows["postcode"].get_text()
    contact = page.select_one("#contacts tbody tr")
    assert "jo@harbourgames.example.co.uk" in contact.get_text()
    assert contact.select_one("a.source")["href"] == "https://harbourgames.example.co.uk/team"
    areas = page.select_one("#areas").get_text()
    assert "Games" in areas and "indie games" in areas
    ties = page.get_text()
    assert "Watershed Arts Trust" in ties and "Bristol Games Meetup" in ties
    assert "Games night at the harbour" in page.select_one("#events").get_text()
    assert page.select_one("#status").get_text(" ", strip=True) == "Status: discovered"


def test_organisation_json_lists_relations_both_ways(client, ids):
    data = client.get(f"/org/{ids['top']}.json").json()
    assert {r["organisation"]["id"] for r in data["relations_in"]} == {ids["seed_a"], ids["seed_b"]}
    assert [r["organisation"]["id"] for r in data["relations_out"]] == [ids["group"]]
    assert data["facts"][0]["first_seen"] == SEEN.isoformat()
    assert [e["role"] for e in data["meetup"]["events"]] == ["venue"]


def test_sector_correction_wins_over_rules(client, engine, ids):
    page = soup(client.get(f"/org/{ids['formula']}"))
    resp = client.post(f"/org/{ids['formula']}/correct", data={
        csrf.FIELD_NAME: token_of(page), "field": "sector", "value": "government", "note": "council body"})
    assert resp.status_code == 200
    org = org_row(engine, ids["formula"])
    assert (org.sector, org.sector_source) == (Sector.government, SectorSource.review)
    with Session(engine) as s:
        recompute_organisation(s, ids["formula"], pages=[])  # the rules run again
        s.commit()
    assert org_row(engine, ids["formula"]).sector == Sector.government
    [row] = decisions(engine)
    assert (row.decision, row.value, row.reviewer) == ("set_sector", "government", REVIEWER)


def test_name_correction_and_amending_a_decision(client, engine, ids):
    page = soup(client.get(f"/org/{ids['top']}"))
    client.post(f"/org/{ids['top']}/correct", data={csrf.FIELD_NAME: token_of(page), "field": "name",
                                                   "value": "Harbour Games"})
    assert org_row(engine, ids["top"]).name == "Harbour Games"
    client.post(f"/org/{ids['top']}/decide", data={csrf.FIELD_NAME: token_of(page), "decision": "reject"})
    rejected = decisions(engine)[-1]
    page = soup(client.get(f"/org/{ids['top']}"))
    form = page.select_one(f'form[action="/org/{ids["top"]}/decisions/{rejected.id}/amend"]')
    assert form is not None
    client.post(form["action"], data={csrf.FIELD_NAME: token_of(page), "decision": "accept",
                                      "note": "misread their site"})
    rows = decisions(engine)
    assert [r.decision for r in rows] == ["set_name", "reject", "accept"]
    assert rows[-1].amends_id == rejected.id and rows[-1].note == "misread their site"
    assert org_row(engine, ids["top"]).status == OrgStatus.accepted
    history = soup(client.get(f"/org/{ids['top']}"))
    assert f"corrects #{rejected.id}" in history.get_text()


def test_scraped_script_name_is_inert(client, ids):
    for url in ("/queue/bristol", f"/org/{ids['script']}", "/organisations"):
        resp = client.get(url)
        assert resp.status_code == 200
        assert "<script>alert(1)</script>" not in resp.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in resp.text
        page = BeautifulSoup(resp.text, "html.parser")
        assert all(s.get("src") == "/static/review.js" for s in page.select("script"))  # no inline script
        assert resp.headers["content-security-policy"] == CSP
        assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["referrer-policy"] == "no-referrer"
    assert client.get(f"/org/{ids['script']}.json").json()["organisation"]["name"] == SCRIPT_NAME


def test_headers_on_static_files_errors_and_the_figure(client):
    for url in ("/static/review.css", "/static/review.js", "/no-such-page"):
        assert client.get(url).headers["content-security-policy"] == CSP
    assert client.get("/no-such-page").status_code == 404


def test_csrf_cookie_is_strict_and_http_only(engine, ids):
    with TestClient(create_app(engine)) as c:
        cookie = c.get("/").headers["set-cookie"]
    assert cookie.startswith(f"{csrf.COOKIE_NAME}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_redirect_after_a_form_never_leaves_the_site(client, ids):
    page = soup(client.get("/queue/bristol"))
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        resp = client.post(f"/org/{ids['top']}/decide", data={
            csrf.FIELD_NAME: token_of(page), "decision": "defer", "next": target}, follow_redirects=False)
        assert resp.headers["location"].startswith(f"/org/{ids['top']}?done=")


# ---------------------------------------------------------------- organisations table and CSV


def table_ids(page) -> list[int]:
    return [int(tr["data-id"]) for tr in page.select("#organisations tbody tr[data-id]")]


def test_table_filters_and_sorting(client, ids):
    everyone = table_ids(soup(client.get("/organisations")))
    assert everyone == sorted(ids.values())
    industry = table_ids(soup(client.get("/organisations?sector=industry&sort=name")))
    assert industry == [ids["script"], ids["top"]]  # "<script>..." sorts before "Harbour"
    assert table_ids(soup(client.get("/organisations?sector=industry&sort=name&order=desc"))) == [
        ids["top"], ids["script"]]
    assert table_ids(soup(client.get("/organisations?status=seed"))) == [ids["seed_a"], ids["seed_b"]]
    assert table_ids(soup(client.get("/organisations?domain_area=games"))) == [ids["top"]]
    seeds = [ids["seed_a"], ids["seed_b"]]
    assert table_ids(soup(client.get("/organisations?wave=0&cluster=bristol"))) == seeds
    by_wave = table_ids(soup(client.get("/organisations?sort=wave")))
    assert by_wave[:2] == [ids["seed_a"], ids["seed_b"]]  # the rest have no wave: last
    page = soup(client.get("/organisations?sort=sector"))
    header = page.select_one('a.sort.current')
    assert "Sector" in header.get_text() and "order=desc" in header["href"]


@pytest.mark.parametrize("query, message", [
    ("sort=name;drop table organisation", "cannot sort by"),
    ("status=wonderful", "status 'wonderful' is not one of"),
    ("wave=one", "is not a whole number"),
    ("cluster=atlantis", "no cluster 'atlantis'"),
])
def test_bad_table_parameters_are_one_clear_message(client, query, message):
    resp = client.get(f"/organisations?{query}")
    assert resp.status_code in (400, 404)
    assert message in BeautifulSoup(resp.text, "html.parser").select_one(".error").get_text()


def test_csv_download_equals_the_table_and_neutralises_formulas(client, ids):
    query = "cluster=bristol&sort=name&order=desc"
    shown = table_ids(soup(client.get(f"/organisations?{query}")))
    page = soup(client.get(f"/organisations?{query}"))
    link = page.select_one("#download-csv")["href"]
    resp = client.get(link)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert list(rows[0]) == list(ORGANISATION_FIELDS)
    assert [int(r["id"]) for r in rows] == shown
    formula = next(r for r in rows if int(r["id"]) == ids["formula"])
    assert formula["name"] == "'" + FORMULA_NAME
    # The JSON variant holds the same rows, unneutralised.
    data = client.get(f"/organisations.json?{query}").json()
    assert [r["id"] for r in data["rows"]] == shown and data["count"] == len(shown)


def test_csv_for_excel_has_a_bom(client):
    resp = client.get("/organisations.csv?excel=1")
    assert resp.content.startswith("\ufeff".encode()) and b"\r\n" in resp.content


# ---------------------------------------------------------------- network and overview


def test_network_page_figure_sector_table_and_runs(client, ids):
    page = soup(client.get("/network/bristol"))
    assert page.select_one("figure.network img")["src"] == "/network/bristol.svg"
    svg = client.get("/network/bristol.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    assert f'id="node-{ids["top"]}"'.encode() in svg.content
    matrix = client.get("/network/bristol.json").json()["sector_matrix"]
    labels = [s["id"] for s in matrix["sectors"]]
    cell = {(row["from"], to): n for row in matrix["rows"]
            for to, n in zip(labels, row["counts"], strict=True)}
    assert cell[("third_sector", "industry")] == 2  # Watershed -> Harbour Games, -> <script> Studio
    assert cell[("university", "industry")] == 2
    assert cell[("third_sector", "unknown")] == 1
    assert cell[("industry", "third_sector")] == 1  # Harbour Games -> the Meetup group
    assert matrix["total"] == 6
    runs = page.select_one("#runs").get_text()
    assert "pages fetched" in runs and "42" in runs


def test_index_lists_clusters_and_unknown_pages_are_404(client):
    data = client.get("/index.json").json()
    assert data["clusters"][0]["id"] == "bristol" and data["clusters"][0]["by_status"]["seed"] == 2
    assert client.get("/queue/atlantis").status_code == 404
    assert "no cluster 'atlantis'" in client.get("/queue/atlantis.json").json()["error"]
    assert client.get("/org/99999").status_code == 404


def test_every_json_view_is_valid_json(client, ids):
    for url in ("/index.json", "/queue.json", "/queue/bristol.json", "/organisations.json",
                f"/org/{ids['top']}.json", "/network.json", "/network/bristol.json"):
        resp = client.get(url)
        assert resp.status_code == 200 and resp.headers["content-type"] == "application/json", url
        json.loads(resp.text)


def test_an_unexpected_error_still_carries_the_security_headers(engine, ids, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("harvester.review.views.propose", broken)
    with TestClient(create_app(engine), raise_server_exceptions=False) as c:
        resp = c.get("/queue/bristol")
    assert resp.status_code == 500 and "harvester serve" in resp.text and "boom" not in resp.text
    assert resp.headers["content-security-policy"] == CSP


def test_a_cluster_in_capitals_is_redirected_to_its_lower_case_page(client, ids):
    # The command line ignores the case of a cluster id; the page does too, with one address.
    for asked, meant in (("/queue/Bristol", "/queue/bristol"),
                         ("/queue/BRISTOL.json?x=1", "/queue/bristol.json?x=1"),
                         ("/network/Bristol", "/network/bristol"),
                         ("/network/Bristol.svg", "/network/bristol.svg")):
        resp = client.get(asked, follow_redirects=False)
        assert resp.status_code == 308 and resp.headers["location"] == meant
    assert client.get("/queue/Bristol.json").json() == client.get("/queue/bristol.json").json()
    assert client.get("/queue/nowhere").status_code == 404
