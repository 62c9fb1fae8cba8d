"""`harvester propose`, `decide`, `referral add` and `quota` through the CLI runner, bad input included."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select
from test_snowball_helpers import Graph
from typer.testing import CliRunner

from harvester.cli import app
from harvester.models import ContactKind, ContactUse, Decision, Organisation, OrgStatus, Referral, Sector

PROPOSE_FIELDS = ["rank", "organisation_id", "name", "domain", "sector", "cluster", "score", "features",
                  "why", "contact"]


@pytest.fixture
def runner(tmp_path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray harvester.toml
    monkeypatch.delenv("HARVESTER_CONFIG", raising=False)
    return CliRunner()


@pytest.fixture
def graph(engine):
    with Session(engine, expire_on_commit=False) as s:
        g = Graph(s)
        g.seeds("Watershed", "UWE Bristol")
        g.org("Studio", sector=Sector.industry)
        g.org("Arts CIC", sector=Sector.third_sector)
        g.org("Lonely")
        for c in ("Studio", "Arts CIC"):
            g.link("Watershed", c)
            g.link("UWE Bristol", c)
        g.link("Watershed", "Lonely")
        g.contact("Studio", ContactKind.email, "jane@studio.org.uk", person="Jane Doe", role="Director")
        yield g


def run(runner: CliRunner, db_url: str, *args: str):
    return runner.invoke(app, ["--db", db_url, *args])


def test_propose_json_is_the_stable_shape(runner, db_url, graph):
    res = run(runner, db_url, "propose", "--json", "--cluster", "bristol")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [d["name"] for d in data] == ["Arts CIC", "Studio"]
    for d in data:
        assert list(d)[:len(PROPOSE_FIELDS)] == PROPOSE_FIELDS
        assert set(d["features"]) == {"co_link", "bridging", "balance", "locality", "activity",
                                      "contactability"}
    assert data[1]["contact"] == {"kind": "email", "value": "jane@studio.org.uk", "person_name": "Jane Doe",
                                  "role": "Director"}
    assert data[0]["contact"] is None and "no contact found yet" in data[0]["why"]
    assert "Wave 1:" in res.stderr and "1 weak candidate(s) not shown" not in res.stdout


def test_propose_records_contact_use_unless_told_not_to(runner, db_url, graph, engine):
    assert run(runner, db_url, "propose", "--json", "--no-record").exit_code == 0
    with Session(engine) as s:
        assert s.exec(select(ContactUse)).all() == []
    assert run(runner, db_url, "propose", "--json").exit_code == 0
    with Session(engine) as s:
        assert len(s.exec(select(ContactUse)).all()) == 1
        assert s.get(Organisation, graph.ids["Studio"]).status == OrgStatus.candidate


def test_propose_weak_and_top(runner, db_url, graph):
    data = json.loads(run(runner, db_url, "propose", "--json", "--weak").stdout)
    assert [(d["name"], d["weak"], d["rank"]) for d in data] == [
        ("Arts CIC", False, 1), ("Studio", False, 2), ("Lonely", True, 3)]
    assert len(json.loads(run(runner, db_url, "propose", "--json", "--top", "1").stdout)) == 1


def test_propose_table(runner, db_url, graph, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # one table row per line, nothing wrapped
    res = run(runner, db_url, "propose", "--cluster", "bristol")
    assert res.exit_code == 0, res.output
    for text in ("Proposal for wave 1 of bristol", "Arts CIC", "third sector", "Jane Doe, Director",
                 "adds a"):
        assert text in res.stdout
    assert "1 weak candidate(s) not shown" in res.stderr


def test_propose_unknown_cluster_exit_2(runner, db_url, graph):
    res = run(runner, db_url, "propose", "--cluster", "leeds")
    assert res.exit_code == 2
    assert res.stderr == "Error: no cluster 'leeds' (known: bristol)\n"


def test_propose_bad_snowball_setting_exit_2(runner, db_url, graph, tmp_path):
    (tmp_path / "harvester.toml").write_text("[snowball]\nco_links = 2\n")
    res = run(runner, db_url, "propose")
    assert res.exit_code == 2
    assert res.stderr.startswith("Error: harvester.toml: unknown [snowball] setting 'co_links'")
    assert res.stderr.count("\n") == 1


def test_decide_accept_then_propose_next(runner, db_url, graph, engine):
    res = run(runner, db_url, "decide", "studio.org.uk", "accept", "--note", "great fit", "--reviewer", "ana")
    assert res.exit_code == 0, res.output
    assert "Recorded accept for Studio" in res.stderr and "wave 1" in res.stderr
    with Session(engine) as s:
        row = s.exec(select(Decision)).one()
        assert (row.decision, row.note, row.reviewer) == ("accept", "great fit", "ana")
        org = s.get(Organisation, graph.ids["Studio"])
        assert (org.status, org.wave) == (OrgStatus.accepted, 1)
    data = json.loads(run(runner, db_url, "propose", "--json").stdout)
    assert [d["name"] for d in data] == ["Arts CIC"] and data[0]["wave"] == 2


def test_decide_set_sector_json(runner, db_url, graph):
    res = run(runner, db_url, "decide", str(graph.ids["Studio"]), "set-sector", "university", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["value"] == "university"


@pytest.mark.parametrize(("args", "message"), [
    (["nowhere.org", "accept"], "Error: no organisation 'nowhere.org' in the database: use its id, domain "
                                "or URL (see `harvester orgs`)\n"),
    (["studio.org.uk", "acept"], "Error: unknown decision 'acept'; choose one of: accept, reject, defer, "
                                 "contacted, interviewed, note, set-sector, set-name, exclude\n"),
    (["studio.org.uk", "accept", "extra"], "Error: accept takes no value (got 'extra'); put remarks in "
                                           "--note\n"),
    (["studio.org.uk", "set-sector", "charity"], "Error: unknown sector 'charity'; choose one of: "
                                                 "government, industry, university, third_sector, unknown\n"),
])
def test_decide_bad_input_is_exit_2_one_line(runner, db_url, graph, engine, args, message):
    res = run(runner, db_url, "decide", *args)
    assert res.exit_code == 2
    assert res.stderr == message
    with Session(engine) as s:
        assert s.exec(select(Decision)).all() == []


def test_referral_add(runner, db_url, graph, engine):
    res = run(runner, db_url, "referral", "add", "--from", "watershed.org.uk",
              "--to", "Knowle West Media Centre", "--person", "Sam Lee", "--role", "Director",
              "--note", "runs the maker space", "--reviewer", "ana")
    assert res.exit_code == 0, res.output
    assert "Recorded referral 1: Knowle West Media Centre" in res.stderr and "new" in res.stderr
    with Session(engine) as s:
        ref = s.exec(select(Referral)).one()
        assert (ref.to_name, ref.person_name, ref.note, ref.reviewer) == (
            "Knowle West Media Centre", "Sam Lee", "runs the maker space", "ana")
    data = json.loads(run(runner, db_url, "propose", "--json").stdout)
    top = data[0]
    assert top["name"] == "Knowle West Media Centre"
    assert top["contact"] == {"kind": "person", "value": "Sam Lee", "person_name": "Sam Lee",
                              "role": "Director"}
    # The same organisation named again is matched, not duplicated.
    res = run(runner, db_url, "referral", "add", "--from", "UWE Bristol", "--to", "knowle west media centre")
    assert res.exit_code == 0 and "known" in res.stderr


def test_referral_add_unknown_source_exit_2(runner, db_url, graph):
    res = run(runner, db_url, "referral", "add", "--from", "nobody.org", "--to", "Somewhere")
    assert res.exit_code == 2
    assert res.stderr.startswith("Error: no organisation 'nobody.org'") and res.stderr.count("\n") == 1


def test_quota_set_and_list(runner, db_url, graph):
    assert run(runner, db_url, "quota", "set", "bristol", "third_sector", "3").exit_code == 0
    res = run(runner, db_url, "quota", "list", "--json")
    assert json.loads(res.stdout) == [{"cluster": "bristol", "sector": "third_sector", "target": 3,
                                       "included": 0, "remaining": 3}]
    data = json.loads(run(runner, db_url, "propose", "--json").stdout)
    assert data[0]["quota"] == "bristol third_sector 0 of 3"
    res = run(runner, db_url, "quota", "set", "bristol", "pirates", "3")
    assert res.exit_code == 2 and res.stderr.startswith("Error: unknown sector 'pirates'")


def test_referral_of_a_suppressed_person_keeps_the_organisation_not_the_name(runner, db_url, graph, engine):
    from harvester.models import Contact, Suppression, SuppressionKind

    with Session(engine) as s:
        s.add(Suppression(kind=SuppressionKind.person, value="sam lee", reason="asked to be left out"))
        s.commit()
    res = run(runner, db_url, "referral", "add", "--from", "watershed.org.uk",
              "--to", "Knowle West Media Centre", "--person", "Sam Lee")
    assert res.exit_code == 0, res.output
    with Session(engine) as s:
        ref = s.exec(select(Referral)).one()
        assert ref.person_name is None and ref.to_name == "Knowle West Media Centre"
        assert s.exec(select(Contact).where(Contact.value == "Sam Lee")).first() is None
