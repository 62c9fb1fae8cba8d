"""decisions: finding the organisation a reviewer means, and what each decision changes."""

from __future__ import annotations

import pytest
from sqlmodel import select
from test_snowball_helpers import Graph

from harvester.decisions import decision_kind, find_organisation, history, record_decision
from harvester.errors import BadInput, NotFound
from harvester.models import Decision, DecisionKind, OrgKind, OrgStatus, RelationKind, Sector, SectorSource
from harvester.snowball import propose


@pytest.fixture
def g(session) -> Graph:
    graph = Graph(session)
    graph.seeds("Watershed")
    graph.org("UWE Bristol", domain="uwe.ac.uk", sector=Sector.university)
    graph.org("Bristol JS", kind=OrgKind.meetup_group)
    return graph


@pytest.mark.parametrize("ref", ["2", "uwe.ac.uk", "UWE.ac.uk", "https://www.uwe.ac.uk/research/x",
                                 "www.uwe.ac.uk", "UWE Bristol", "uwe bristol"])
def test_find_organisation_by_id_domain_url_or_name(session, g, ref):
    assert find_organisation(session, ref).id == g.ids["UWE Bristol"]


@pytest.mark.parametrize("ref", ["bristol-js", "https://www.meetup.com/bristol-js/events/", "Bristol JS"])
def test_find_meetup_group(session, g, ref):
    assert find_organisation(session, ref).id == g.ids["Bristol JS"]


@pytest.mark.parametrize("ref", ["999", "nowhere.org", "https://nowhere.org/", "No Such Org"])
def test_unknown_organisation_is_one_helpful_line(session, g, ref):
    with pytest.raises(NotFound) as info:
        find_organisation(session, ref)
    message = str(info.value)
    assert "\n" not in message and ref in message and "harvester orgs" in message


def test_decision_kinds_accept_dashes_and_case():
    assert decision_kind("Set-Sector") is DecisionKind.set_sector
    with pytest.raises(BadInput, match="unknown decision 'acept'; choose one of: accept, reject"):
        decision_kind("acept")


@pytest.mark.parametrize(("decision", "status"), [
    ("accept", OrgStatus.accepted), ("reject", OrgStatus.rejected), ("defer", OrgStatus.candidate),
    ("contacted", OrgStatus.contacted), ("interviewed", OrgStatus.interviewed),
    ("exclude", OrgStatus.excluded)])
def test_status_after_each_decision(session, g, decision, status):
    org = g.get("UWE Bristol")
    row = record_decision(session, org, decision, note="why", reviewer="ana")
    session.commit()
    assert org.status == status
    assert (row.decision, row.note, row.reviewer, row.organisation_id) == (decision, "why", "ana", org.id)
    assert row.created_at is not None


def test_contacted_without_accept_joins_the_sample_with_a_wave(session, g):
    g.link("Watershed", "UWE Bristol", RelationKind.partner)
    org = g.get("UWE Bristol")
    record_decision(session, org, "contacted", reviewer="ana")
    assert (org.wave, org.recruited_from_id, org.seed_id) == (1, g.ids["Watershed"], g.ids["Watershed"])


def test_accept_without_pointers_takes_the_proposal_wave(session, g):
    org = g.get("UWE Bristol")
    record_decision(session, org, "accept", reviewer="ana")
    assert (org.wave, org.recruited_from_id) == (1, None)


def test_accepting_a_seed_keeps_it_a_seed(session, g):
    seed = g.get("Watershed")
    record_decision(session, seed, "accept", reviewer="ana")
    assert seed.status == OrgStatus.seed and seed.wave == 0


def test_set_sector_is_a_review_that_wins(session, g):
    org = g.get("UWE Bristol")
    row = record_decision(session, org, "set-sector", value="third sector", reviewer="ana", note="a CIC")
    session.commit()
    assert (org.sector, org.sector_source, row.value) == (Sector.third_sector, SectorSource.review,
                                                          "third_sector")
    assert org.sector_evidence[-1] == {"source": "review", "reviewer": "ana", "note": "a CIC"}
    with pytest.raises(BadInput, match="unknown sector 'charity'; choose one of: government"):
        record_decision(session, org, "set_sector", value="charity", reviewer="ana")


def test_set_name_and_note(session, g):
    org = g.get("UWE Bristol")
    record_decision(session, org, "set_name", value="  University of the West  of England ", reviewer="a")
    assert org.name == "University of the West of England"
    assert find_organisation(session, "university of the west of england").id == org.id
    record_decision(session, org, "note", note="met at Games Fest", reviewer="a")
    assert org.status == OrgStatus.discovered
    with pytest.raises(BadInput, match="set-name needs the new name"):
        record_decision(session, org, "set_name", value=" ", reviewer="a")


def test_history_is_append_only_and_corrections_amend(session, g):
    org = g.get("UWE Bristol")
    first = record_decision(session, org, "reject", reviewer="ana")
    fix = record_decision(session, org, "accept", reviewer="ben", note="rejected by mistake",
                          amends_id=first.id)
    session.commit()
    rows = history(session, org)
    assert [(r.decision, r.amends_id) for r in rows] == [("reject", None), ("accept", first.id)]
    assert org.status == OrgStatus.accepted and fix.amends_id == first.id
    with pytest.raises(NotFound, match="no decision 999 about organisation"):
        record_decision(session, org, "note", reviewer="a", amends_id=999)
    assert len(session.exec(select(Decision)).all()) == 2


def test_defer_stays_proposable_and_is_marked(session, g):
    g.seeds("Second seed")
    g.link("Watershed", "UWE Bristol")
    g.link("Second seed", "UWE Bristol")
    record_decision(session, g.get("UWE Bristol"), "defer", reviewer="ana")
    session.commit()
    c = propose(session).candidates[0]
    assert c.name == "UWE Bristol" and c.deferred and "deferred on " in c.why and "by ana" in c.why


def test_default_reviewer_comes_from_config(session, g, monkeypatch):
    monkeypatch.setenv("HARVESTER_REVIEWER", "dr who")
    row = record_decision(session, g.get("UWE Bristol"), "note")
    assert row.reviewer == "dr who"
