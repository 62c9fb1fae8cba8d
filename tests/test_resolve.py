"""Entity resolution and idempotent upserts, on a real SQLite file."""

from __future__ import annotations

import pytest
from sqlmodel import select

from harvester.models import (
    Contact,
    ContactKind,
    HarvestRun,
    Organisation,
    OrganisationFact,
    OrgKind,
    OrgStatus,
    Relation,
    RelationKind,
    Suppression,
    SuppressionKind,
)
from harvester.resolve import (
    EVIDENCE_CAP,
    find_or_create_organisation,
    record_fact,
    upsert_contact,
    upsert_relation,
)


@pytest.fixture(autouse=True)
def runs(session):
    """Harvest runs 1 and 2, so facts can name the run that read them."""
    session.add(HarvestRun(id=1))
    session.add(HarvestRun(id=2))
    session.flush()


def _org(session, name, url=None, **kw):
    return find_or_create_organisation(session, name=name, url=url, **kw)


def test_www_and_subdomains_merge_on_registrable_domain(session) -> None:
    a = _org(session, "Watershed", "https://www.watershed.co.uk/")
    b = _org(session, "Watershed Cinema", "https://cinema.watershed.co.uk/films")
    c = _org(session, "watershed.co.uk", "http://watershed.co.uk")
    assert a.id == b.id == c.id
    assert a.domain == "watershed.co.uk"
    assert a.name == "Watershed"  # an existing real name is not replaced by later sightings


def test_shared_platform_sites_stay_distinct(session) -> None:
    a = _org(session, "Alice Games", "https://alice.github.io/")
    b = _org(session, "Bob Games", "https://bob.github.io/")
    assert a.id != b.id
    assert {a.domain, b.domain} == {"alice.github.io", "bob.github.io"}


def test_name_variants_merge_without_a_domain(session) -> None:
    a = _org(session, "The Bristol Games Hub Ltd")
    b = _org(session, "Bristol Games Hub")
    c = _org(session, "Bristol Gamess Hub")  # fuzzy, both without a domain
    assert a.id == b.id == c.id


def test_fuzzy_never_matches_an_organisation_with_a_domain(session) -> None:
    a = _org(session, "Bristol Games Hub", "https://bristolgameshub.com/")
    b = _org(session, "Bristol Gamess Hub")
    assert a.id != b.id


def test_exact_name_without_url_finds_the_organisation_with_a_domain(session) -> None:
    a = _org(session, "Watershed", "https://www.watershed.co.uk/")
    b = _org(session, "The Watershed Ltd")  # a Meetup sponsor named by text only
    assert a.id == b.id


def test_two_different_domains_never_merge(session) -> None:
    a = _org(session, "Rocket", "https://rocket.co.uk/")
    b = _org(session, "Rocket", "https://rocket.com/")
    assert a.id != b.id


def test_named_before_website_known_adopts_the_domain(session) -> None:
    a = _org(session, "Spike Island")
    b = _org(session, "Spike Island", "https://www.spikeisland.org.uk/")
    assert a.id == b.id and b.domain == "spikeisland.org.uk"


def test_link_target_gets_its_real_name_later(session) -> None:
    a = _org(session, "bristol.ac.uk", "https://www.bristol.ac.uk/")
    b = _org(session, "University of Bristol", "https://bristol.ac.uk/")
    assert a.id == b.id and b.name == "University of Bristol"


def test_meetup_groups_key_on_urlname(session) -> None:
    g = _org(session, "Bristol JS", "https://www.meetup.com/bristol-js/", kind=OrgKind.meetup_group,
             meetup_urlname="Bristol-JS")
    h = _org(session, "BristolJS renamed", "https://www.meetup.com/bristol-js/", kind=OrgKind.meetup_group,
             meetup_urlname="bristol-js")
    other = _org(session, "Cardiff JS", "https://www.meetup.com/cardiff-js/", kind=OrgKind.meetup_group,
                 meetup_urlname="cardiff-js")
    assert g.id == h.id != other.id
    assert g.domain is None and g.meetup_urlname == "bristol-js"


def test_status_never_goes_down(session) -> None:
    a = _org(session, "Seedy", "https://seedy.org/", status=OrgStatus.seed)
    _org(session, "Seedy", "https://seedy.org/", status=OrgStatus.discovered)
    assert a.status == OrgStatus.seed
    a.status = OrgStatus.rejected
    _org(session, "Seedy", "https://seedy.org/", status=OrgStatus.candidate)
    assert a.status == OrgStatus.rejected
    b = _org(session, "Found", "https://found.org/")
    _org(session, "Found", "https://found.org/", status=OrgStatus.seed, cluster_id=None)
    assert b.status == OrgStatus.seed


def test_relation_counts_distinct_evidence_and_ignores_self_loops(session) -> None:
    a = _org(session, "A", "https://a.org/")
    b = _org(session, "B", "https://b.org/")
    assert upsert_relation(session, a.id, a.id, RelationKind.links_to, evidence_url="x", run_id=None) is None
    r1 = upsert_relation(session, a.id, b.id, "partner", evidence_url="https://a.org/p", run_id=1)
    upsert_relation(session, a.id, b.id, "partner", evidence_url="https://a.org/p", run_id=2)
    r3 = upsert_relation(session, a.id, b.id, "partner", evidence_url="https://a.org/q", run_id=2)
    assert r1.id == r3.id and r3.count == 2 and r3.run_id == 1
    assert r3.evidence == ["https://a.org/p", "https://a.org/q"]
    other = upsert_relation(session, a.id, b.id, "funder", evidence_url="https://a.org/p", run_id=2)
    assert other.id != r1.id
    for i in range(EVIDENCE_CAP + 10):
        upsert_relation(session, a.id, b.id, "partner", evidence_url=f"https://a.org/{i}", run_id=2)
    assert r3.count == EVIDENCE_CAP == len(r3.evidence)
    session.commit()
    assert len(session.exec(select(Relation)).all()) == 2


def test_contacts_unique_lowercased_and_suppression_honoured(session) -> None:
    a = _org(session, "A", "https://a.org/")
    c1 = upsert_contact(session, a.id, ContactKind.email, "Info@A.org", source_url="u", run_id=1)
    c2 = upsert_contact(session, a.id, "email", "info@a.org ", source_url="v", run_id=2)
    assert c1.id == c2.id and c1.value == "info@a.org" and c1.source_url == "u"
    session.add(Suppression(kind=SuppressionKind.email, value="jane@a.org"))
    session.add(Suppression(kind=SuppressionKind.person, value="john smith"))
    session.add(Suppression(kind=SuppressionKind.domain, value="gone.org"))
    session.flush()
    assert upsert_contact(session, a.id, "email", "Jane@A.org", source_url="u", run_id=1) is None
    assert upsert_contact(session, a.id, "person", "Dr John Smith", role="CEO", source_url="u",
                          run_id=1) is None
    assert upsert_contact(session, a.id, "email", "js@a.org", person_name="John Smith",
                          source_url="u", run_id=1) is None
    assert upsert_contact(session, a.id, "email", "x@gone.org", source_url="u", run_id=1) is None
    gone = _org(session, "Gone", "https://www.gone.org/")
    assert upsert_contact(session, gone.id, "phone", "+441179000000", source_url="u", run_id=1) is None
    assert upsert_contact(session, a.id, "email", "  ", source_url="u", run_id=1) is None
    session.commit()
    values = sorted(c.value for c in session.exec(select(Contact)).all())
    assert values == ["info@a.org"]


def test_record_fact_is_idempotent_per_source(session) -> None:
    a = _org(session, "A", "https://a.org/")
    f1 = record_fact(session, a.id, "postcode", "BS1 5TX", source_url="https://a.org/c", rule="text",
                     run_id=1)
    seen = f1.last_seen
    f2 = record_fact(session, a.id, "postcode", "BS1 5TX", source_url="https://a.org/c", rule="text",
                     run_id=2)
    assert f1.id == f2.id and f2.run_id == 1 and f2.last_seen >= seen and f2.first_seen == f1.first_seen
    record_fact(session, a.id, "postcode", "BS1 5TX", source_url="https://a.org/other", rule="text",
                run_id=2)
    record_fact(session, a.id, "postcode", "BS1 5TX", source_url=None, rule="seed", run_id=None)
    record_fact(session, a.id, "postcode", "BS1 5TX", source_url=None, rule="seed", run_id=None)
    session.commit()
    facts = session.exec(select(OrganisationFact).where(OrganisationFact.field == "postcode")).all()
    assert len(facts) == 3


def test_cluster_membership_recorded_once(session) -> None:
    from harvester.models import Cluster, OrganisationCluster

    session.add(Cluster(id="bristol", name="Bristol", postcode_areas=["BS"]))
    session.flush()
    a = _org(session, "A", "https://a.org/", cluster_id="bristol", status=OrgStatus.seed)
    _org(session, "A", "https://a.org/", cluster_id="bristol")
    session.commit()
    rows = session.exec(select(OrganisationCluster)).all()
    assert [(r.organisation_id, r.cluster_id, r.source) for r in rows] == [(a.id, "bristol", "seed")]
    assert session.exec(select(Organisation)).one().cluster_id == "bristol"
