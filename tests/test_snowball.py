"""snowball.propose on hand-built graphs with known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select
from test_snowball_helpers import T0, Graph, later

from harvester.db import init_db, make_engine
from harvester.decisions import record_decision
from harvester.errors import BadInput, NotFound
from harvester.models import (
    ContactKind,
    ContactUse,
    HarvestRun,
    MeetupEvent,
    OrgKind,
    OrgStatus,
    RelationKind,
    RunStatus,
    Sector,
    Suppression,
    SuppressionKind,
)
from harvester.recruitment import set_quota
from harvester.referrals import add_referral
from harvester.snowball import Weights, propose


def names(cands) -> list[str]:
    return [c.name for c in cands]


def by_name(proposal, name):
    for c in proposal.candidates + proposal.weak:
        if c.name == name:
            return c
    raise AssertionError(f"{name} not proposed")


def test_co_linked_ranks_above_once_linked(session):
    g = Graph(session)
    g.seeds("Watershed", "UWE Bristol", "Bristol City Council")
    g.org("Twice")
    g.org("Once")
    g.link("Watershed", "Twice")
    g.link("UWE Bristol", "Twice")
    g.link("Watershed", "Once")
    p = propose(session, cluster="bristol")
    assert names(p.candidates) == ["Twice"]
    assert names(p.weak) == ["Once"]  # one included pointer < threshold 2: listed apart
    assert p.weak[0].weak and not p.candidates[0].weak
    assert p.candidates[0].features["co_link"] > p.weak[0].features["co_link"]
    assert p.candidates[0].pointers == 2
    assert "linked from UWE Bristol and Watershed" in p.candidates[0].why
    # With the threshold lowered both are ranked, the co-linked one first.
    p1 = propose(session, cluster="bristol", weights=Weights(weak_threshold=1))
    assert names(p1.candidates) == ["Twice", "Once"]
    assert [c.rank for c in p1.candidates] == [1, 2]


def test_a_pointer_counts_once_with_its_strongest_kind(session):
    g = Graph(session)
    g.seeds("A", "B")
    g.org("Many links")
    g.org("Two orgs")
    for kind in (RelationKind.links_to, RelationKind.partner, RelationKind.client):
        g.link("A", "Many links", kind)
    g.link("A", "Two orgs", RelationKind.partner)
    g.link("B", "Two orgs", RelationKind.links_to)
    p = propose(session, weights=Weights(weak_threshold=1))
    many, two = by_name(p, "Many links"), by_name(p, "Two orgs")
    assert many.pointers == 1 and two.pointers == 2
    assert many.features["co_link"] == pytest.approx(1.585, abs=1e-3)  # log2(1 + partner 2)
    assert two.features["co_link"] == 2.0  # log2(1 + 2 + 1)
    assert "linked as partner from A" in two.why and "linked from B" in two.why


def test_bridge_between_two_planted_communities_ranks_first_on_bridging(session):
    g = Graph(session)
    games = g.seeds("Games 1", "Games 2", "Games 3", "Games 4")
    film = g.seeds("Film 1", "Film 2", "Film 3", "Film 4")
    assert games and film
    g.clique("Games 1", "Games 2", "Games 3", "Games 4")
    g.clique("Film 1", "Film 2", "Film 3", "Film 4")
    for n in ("Games 1", "Games 2", "Games 3", "Games 4"):
        g.area(n, "games")
    for n in ("Film 1", "Film 2", "Film 3", "Film 4"):
        g.area(n, "film-tv")
    g.org("Bridge")
    g.link("Games 4", "Bridge")
    g.link("Film 4", "Bridge")
    g.org("Games fan")  # more co-links, one community only
    for n in ("Games 1", "Games 2", "Games 3"):
        g.link(n, "Games fan")
    g.org("Film fan")
    for n in ("Film 1", "Film 2"):
        g.link(n, "Film fan")
    p = propose(session, cluster="bristol")
    ranked_on_bridging = sorted(p.candidates, key=lambda c: -c.features["bridging"])
    assert ranked_on_bridging[0].name == "Bridge"
    assert by_name(p, "Bridge").features["bridging"] == 1.0
    assert by_name(p, "Games fan").features["bridging"] == 0.0
    assert by_name(p, "Film fan").features["bridging"] == 0.0
    assert "bridges the film tv and games communities" in by_name(p, "Bridge").why
    assert sorted(p.communities) == ["film tv", "games"]
    # Bridging outweighs one extra co-link: the bridge ranks first overall.
    assert p.candidates[0].name == "Bridge"


def test_balance_moves_an_under_represented_sector_up(session):
    g = Graph(session)
    g.seeds("Ind 1", "Ind 2", "Ind 3", sector=Sector.industry)
    g.org("Big studio", sector=Sector.industry)
    g.org("Community arts", sector=Sector.third_sector)
    for c in ("Big studio", "Community arts"):
        g.link("Ind 1", c)
        g.link("Ind 2", c)
    g.link("Ind 3", "Big studio")  # the industry one has more co-links ...
    p = propose(session)
    arts, studio = by_name(p, "Community arts"), by_name(p, "Big studio")
    assert arts.features["co_link"] < studio.features["co_link"]
    assert arts.features["balance"] == 1.0 and studio.features["balance"] == 0.0
    assert names(p.candidates)[0] == "Community arts"  # ... but balance moves the third sector up
    assert "adds a third-sector voice: 0 of 3 included" in arts.why
    # Without the balance weight the order flips: the feature is what moved it.
    p0 = propose(session, weights=Weights(balance=0.0))
    assert names(p0.candidates)[0] == "Big studio"


def test_target_shares_come_from_quotas(session):
    g = Graph(session)
    g.seeds("Uni", sector=Sector.university)
    g.seeds("Council", sector=Sector.government)
    g.org("Another uni", sector=Sector.university)
    g.link("Uni", "Another uni")
    g.link("Council", "Another uni")
    set_quota(session, "bristol", "university", 5)
    set_quota(session, "bristol", "government", 1)
    session.commit()
    c = propose(session, cluster="bristol").candidates[0]
    # target share 5/6, share 1/2: gap (5/6 - 1/2) / (5/6) = 0.4
    assert c.features["balance"] == pytest.approx(0.4)
    assert c.quota == "bristol university 1 of 5"
    assert "fills the bristol university 1 of 5 quota" in c.why


def rejected_candidate(session, *seeds: str) -> Graph:
    """Seeds A, B (and any more) both linking to "Rejected", which a reviewer then rejected."""
    g = Graph(session)
    g.seeds("A", "B", *seeds)
    g.org("Rejected")
    g.link("A", "Rejected")
    g.link("B", "Rejected")
    assert names(propose(session).candidates) == ["Rejected"]
    record_decision(session, g.get("Rejected"), "reject", note="not creative", reviewer="r")
    session.commit()
    return g


def test_rejected_disappears_and_returns_flagged_on_new_evidence(session):
    g = rejected_candidate(session, "C")
    p = propose(session)
    assert p.candidates == [] and p.weak == []
    # A link seen before the rejection is old news; one seen after it is new evidence.
    g.link("C", "Rejected", RelationKind.partner, first_seen=later())
    c = by_name(propose(session), "Rejected")
    assert c.reconsider
    assert c.why.startswith("reconsider: a new partner link since it was rejected on ")
    assert c.to_json()["reconsider"] is True


def test_a_new_contact_on_the_do_not_contact_list_is_no_reason_to_reconsider(session):
    g = rejected_candidate(session)
    session.add(Suppression(kind=SuppressionKind.person, value="jo bloggs"))
    session.commit()
    g.contact("Rejected", ContactKind.email, "jo@rejected.org.uk", person="Jo Bloggs", role="Director",
              first_seen=later())
    p = propose(session)
    assert "Rejected" not in names(p.candidates + p.weak)
    g.contact("Rejected", ContactKind.email, "hello@rejected.org.uk", first_seen=later())
    c = by_name(propose(session), "Rejected")
    assert c.why.startswith("reconsider: a new contact since it was rejected on ")


def test_excluded_and_included_are_never_candidates(session):
    g = Graph(session)
    g.seeds("A", "B")
    g.org("Excluded", status=OrgStatus.excluded)
    g.org("Accepted", status=OrgStatus.accepted, wave=1)
    for t in ("Excluded", "Accepted"):
        g.link("A", t)
        g.link("B", t)
    p = propose(session)
    assert p.candidates == [] and p.weak == []
    assert p.included == 3


def test_suppressed_contacts_are_never_proposed(session):
    g = Graph(session)
    g.seeds("A", "B")
    g.org("Studio")
    g.link("A", "Studio")
    g.link("B", "Studio")
    g.contact("Studio", ContactKind.email, "jane@studio.org.uk", person="Jane Doe", role="Director")
    g.contact("Studio", ContactKind.person, "Jo Bloggs", person="Jo Bloggs", role="Producer")
    g.contact("Studio", ContactKind.email, "partnerships@studio.org.uk")
    info = g.contact("Studio", ContactKind.email, "info@studio.org.uk")
    c = propose(session).candidates[0]
    assert c.contact.value == "jane@studio.org.uk" and c.features["contactability"] == 1.0
    session.add(Suppression(kind=SuppressionKind.email, value="jane@studio.org.uk"))
    session.commit()
    c = propose(session).candidates[0]
    assert (c.contact.kind, c.contact.person_name) == ("person", "Jo Bloggs")
    session.add(Suppression(kind=SuppressionKind.person, value="jo bloggs"))
    session.commit()
    c = propose(session).candidates[0]
    assert c.contact.value == "partnerships@studio.org.uk" and c.features["contactability"] == 0.6
    session.add(Suppression(kind=SuppressionKind.email, value="partnerships@studio.org.uk"))
    session.commit()
    c = propose(session).candidates[0]
    assert c.contact.contact_id == info and c.features["contactability"] == 0.3
    assert c.to_json()["contact"] == {"kind": "email", "value": "info@studio.org.uk",
                                      "person_name": None, "role": None}
    # Suppressing the domain removes the organisation itself.
    session.add(Suppression(kind=SuppressionKind.domain, value="studio.org.uk"))
    session.commit()
    assert propose(session).candidates == []


def test_referral_outranks_web_links(session):
    g = Graph(session)
    g.seeds("A", "B", "Interviewee org")
    g.org("Linked")
    g.link("A", "Linked")
    g.link("B", "Linked")
    add_referral(session, "interviewee org", "https://www.referred.co.uk/about", person="Sam Lee",
                 role="Founder", reviewer="r")
    session.commit()
    p = propose(session)
    assert names(p.candidates) == ["referred.co.uk", "Linked"]
    referred = p.candidates[0]
    assert not referred.weak and referred.pointers == 1  # a referral is never weak
    assert "referred by an interviewee at Interviewee org" in referred.why
    assert referred.contact.person_name == "Sam Lee" and referred.contact.role == "Founder"


def test_waves_advance_on_accept(session):
    g = Graph(session)
    g.seeds("Seed")
    g.org("First")
    g.link("Seed", "First")
    assert propose(session).wave == 1
    record_decision(session, g.get("First"), "accept", reviewer="r")
    session.commit()
    first = g.get("First")
    assert (first.status, first.wave, first.recruited_from_id, first.seed_id) == (
        OrgStatus.accepted, 1, g.ids["Seed"], g.ids["Seed"])
    g.org("Second")
    g.link("First", "Second")
    p = propose(session)
    assert p.wave == 2 and by_name(p, "Second").wave == 2
    record_decision(session, g.get("Second"), "accept", reviewer="r")
    session.commit()
    second = g.get("Second")
    assert (second.wave, second.recruited_from_id, second.seed_id) == (2, g.ids["First"], g.ids["Seed"])
    assert propose(session).wave == 3


def _build(path: Path, order: list[str]) -> list[tuple[str, float]]:
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    with Session(engine, expire_on_commit=False) as s:
        g = Graph(s)
        g.seeds("S1", "S2", "S3")
        for name in order:
            g.org(name)
        for name in order:
            g.link("S1", name)
            g.link("S2", name)
        g.link("S3", "Delta")
        ranked = [(c.name, c.score) for c in propose(s).candidates]
    engine.dispose()
    return ranked


def test_identical_inputs_identical_ranking_ties_broken_by_name(tmp_path):
    one = _build(tmp_path / "a.db", ["Gamma", "Alpha", "Delta", "Beta"])
    two = _build(tmp_path / "b.db", ["Beta", "Delta", "Alpha", "Gamma"])  # other ids, same graph
    assert one == two
    assert [n for n, _ in one] == ["Delta", "Alpha", "Beta", "Gamma"]  # Delta has 3 links; tie by name


def test_activity_counts_meetup_groups_and_recent_events(session):
    g = Graph(session)
    g.seeds("A", "B")
    g.org("Sponsor co")
    g.org("Quiet co")
    for c in ("Sponsor co", "Quiet co"):
        g.link("A", c)
        g.link("B", c)
    g.org("Bristol JS", kind=OrgKind.meetup_group)
    g.org("Bristol Games", kind=OrgKind.meetup_group)
    g.link("Bristol JS", "Sponsor co", RelationKind.sponsor)
    g.link("Sponsor co", "Bristol Games", RelationKind.sponsor)  # either direction counts
    now = datetime.now(UTC)
    for i in range(4):
        session.add(MeetupEvent(event_key=f"e{i}", group_id=g.ids["Bristol JS"], title="talk",
                                start=now - timedelta(days=10 * i)))
    session.add(MeetupEvent(event_key="old", group_id=g.ids["Bristol JS"], title="old",
                            start=now - timedelta(days=900)))
    # No date known (a page whose date was not found): not evidence of recent activity.
    session.add(MeetupEvent(event_key="undated", group_id=g.ids["Bristol JS"], title="when?", start=None))
    session.commit()
    p = propose(session)
    sponsor = by_name(p, "Sponsor co")
    assert sponsor.features["activity"] == 2.0  # log2(1 + 2 groups + 4 recent events / 4)
    assert "sponsors 2 Meetup groups" in sponsor.why and "4 recent Meetup events" in sponsor.why
    assert by_name(p, "Quiet co").features["activity"] == 0.0
    assert names(p.candidates)[0] == "Sponsor co"


def test_outside_cluster_is_kept_and_flagged(session):
    g = Graph(session)
    g.seeds("A", "B")
    g.org("Local", postcode="BS1 5TX")
    g.org("Cardiff co", postcode="CF10 1AA")
    g.org("Unknown place")
    for c in ("Local", "Cardiff co", "Unknown place"):
        g.link("A", c)
        g.link("B", c)
    p = propose(session, cluster="bristol")
    local, cardiff, unknown = (by_name(p, n) for n in ("Local", "Cardiff co", "Unknown place"))
    assert (local.features["locality"], unknown.features["locality"], cardiff.features["locality"]) == (
        1.0, 0.5, 0.0)
    assert cardiff.outside_cluster and not local.outside_cluster and not unknown.outside_cluster
    assert "outside the Bristol area" in cardiff.why
    assert names(p.candidates) == ["Local", "Unknown place", "Cardiff co"]


def test_saturation_from_the_last_harvest(session):
    g = Graph(session)
    g.seeds("A", "B")
    g.org("Known", first_seen=T0)
    g.link("A", "Known")
    g.link("B", "Known")
    p = propose(session)
    assert p.saturation.last_run_id is None and not p.saturation.saturated
    session.add(HarvestRun(status=RunStatus.completed, started_at=T0 + timedelta(days=1),
                           counts={"new_organisations": 1, "new_relations": 3}))
    session.commit()
    sat = propose(session).saturation
    assert (sat.new_organisations, sat.new_relations, sat.known, sat.proposals) == (1, 3, 1, 1)
    assert sat.saturated and sat.message.startswith("the cluster looks saturated")
    # Counts the crawler did not write are counted from the run ids instead.
    run = HarvestRun(status=RunStatus.completed, started_at=T0 + timedelta(days=2), counts={})
    session.add(run)
    session.commit()
    for i in range(6):
        oid = g.org(f"New {i}", first_seen=T0 + timedelta(days=3))
        g.get(f"New {i}").first_run_id = run.id
        session.commit()
        assert oid
    sat = propose(session).saturation
    assert sat.new_organisations == 6 and not sat.saturated
    assert [h.run_id for h in sat.history] == [1, 2]


def test_record_use_logs_contacts_and_marks_candidates(session):
    g = Graph(session)
    g.seeds("A", "B")
    g.org("Studio")
    g.link("A", "Studio")
    g.link("B", "Studio")
    cid = g.contact("Studio", ContactKind.email, "hello@studio.org.uk")
    propose(session)
    assert session.exec(select(ContactUse)).all() == []
    assert g.get("Studio").status == OrgStatus.discovered
    propose(session, record_use=True)
    session.commit()
    uses = session.exec(select(ContactUse)).all()
    assert [(u.contact_id, u.purpose, u.detail) for u in uses] == [(cid, "proposal", "wave 1 rank 1")]
    assert g.get("Studio").status == OrgStatus.candidate
    assert names(propose(session).candidates) == ["Studio"]  # still proposable


def test_unknown_cluster_is_not_found(session):
    Graph(session)
    with pytest.raises(NotFound, match="no cluster 'nowhere' \\(known: bristol\\)"):
        propose(session, cluster="nowhere")


def test_weights_from_harvester_toml(tmp_path):
    path = tmp_path / "harvester.toml"
    path.write_text("[harvester]\ndelay = 2\n\n[snowball]\nbridging = 3\nweak_threshold = 1\n"
                    "[snowball.kinds]\nlinks_to = 0.5\n[snowball.target_shares]\nuniversity = 0.5\n")
    w = Weights.load(path)
    assert (w.bridging, w.weak_threshold, w.co_link) == (3.0, 1, 1.0)
    assert w.kinds["links_to"] == 0.5 and w.kinds["referral"] == 4.0
    assert w.target_shares == {"university": 0.5}
    path.write_text("[snowball]\nbridgeing = 3\n")
    with pytest.raises(BadInput, match="unknown \\[snowball\\] setting 'bridgeing'"):
        Weights.load(path)
    path.write_text("[snowball]\nbridging = -1\n")
    with pytest.raises(BadInput, match="must be a number >= 0"):
        Weights.load(path)
    assert Weights.load(tmp_path / "absent.toml") == Weights()


def test_long_explanations_name_three_kinds_and_count_the_rest(session):
    g = Graph(session)
    kinds = [RelationKind.funder, RelationKind.partner, RelationKind.sponsor, RelationKind.client,
             RelationKind.links_to]
    seeds = [f"Seed {i}" for i in range(len(kinds) + 1)]
    g.seeds(*seeds)
    g.org("Hub")
    for seed, kind in zip(seeds, [*kinds, RelationKind.links_to], strict=True):
        g.link(seed, "Hub", kind)
    why = propose(session).candidates[0].why
    assert why.startswith("linked as client from Seed 3; linked as funder from Seed 0; "
                          "linked as partner from Seed 1; linked from 3 more included organisations")
