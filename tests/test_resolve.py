"""Entity resolution and idempotent upserts, on a real SQLite file."""

from __future__ import annotations

import pytest
from sqlmodel import select

from harvester.extract.facts import Link, PageFacts, Person
from harvester.models import (
    Cluster,
    Contact,
    ContactKind,
    Decision,
    DecisionKind,
    DomainArea,
    HarvestRun,
    Organisation,
    OrganisationCluster,
    OrganisationDomainArea,
    OrganisationFact,
    OrgKind,
    OrgStatus,
    Page,
    Relation,
    RelationKind,
    Sector,
    SectorSource,
    Suppression,
    SuppressionKind,
)
from harvester.resolve import (
    EVIDENCE_CAP,
    cluster_for_postcode,
    find_or_create_organisation,
    normalise_postcode,
    recompute_organisation,
    record_fact,
    store_page_facts,
    stored_pages,
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
    session.add(Cluster(id="bristol", name="Bristol", postcode_areas=["BS"]))
    session.flush()
    a = _org(session, "A", "https://a.org/", cluster_id="bristol", status=OrgStatus.seed)
    _org(session, "A", "https://a.org/", cluster_id="bristol")
    session.commit()
    rows = session.exec(select(OrganisationCluster)).all()
    assert [(r.organisation_id, r.cluster_id, r.source) for r in rows] == [(a.id, "bristol", "seed")]
    assert session.exec(select(Organisation)).one().cluster_id == "bristol"


# ---------------------------------------------------------------- postcodes -> clusters

@pytest.fixture
def clusters(session):
    session.add(Cluster(id="bristol", name="Bristol and Bath", postcode_areas=["BS", "BA"]))
    session.add(Cluster(id="manchester", name="Greater Manchester", postcode_areas=["M"]))
    session.add(Cluster(id="salford", name="MediaCityUK", postcode_areas=["M50", "m5 4"]))
    session.add(Cluster(id="cardiff", name="Cardiff", postcode_areas=["CF10", "CF11"]))
    session.flush()


POSTCODE_CASES = [
    ("M50 2EQ", "salford"),  # district M50 beats area M
    ("m502eq", "salford"),
    ("M5 4WT", "salford"),  # a sector entry
    ("M5 3EQ", "manchester"),
    ("M1 1AA", "manchester"),
    ("BS1 5TX", "bristol"),
    ("BA2 4AA", "bristol"),
    ("B1 1AA", None),  # area B is not area BS
    ("CF10 1AA", "cardiff"),
    ("CF101AA", "cardiff"),
    ("CF14 3UZ", None),  # district entries match whole districts only
    ("M50", "salford"),
    ("not a postcode", None),
    ("", None),
]


@pytest.mark.parametrize(("postcode", "cluster"), POSTCODE_CASES)
def test_postcode_to_cluster_longest_entry_wins(session, clusters, postcode, cluster) -> None:
    assert cluster_for_postcode(session, postcode) == cluster


def test_normalise_postcode() -> None:
    assert normalise_postcode(" bs15tx ") == "BS1 5TX"
    assert normalise_postcode("EC1A1BB") == "EC1A 1BB"
    assert normalise_postcode("12345") is None


# ---------------------------------------------------------------- storing one page


def _facts(**overrides) -> PageFacts:
    base = dict(
        url="https://www.rocketgames.co.uk/", name="Rocket Games Ltd", name_source="jsonld",
        description="Indie games studio", schema_type="Organization",
        emails=["Hello@RocketGames.co.uk"], phones=["+441179000000"],
        people=[Person("Jane Doe", "CEO", "jane@rocketgames.co.uk")],
        addresses=["1 Harbourside, Bristol BS1 5TX"], postcodes=["BS1 5TX"],
        company_numbers=["01234567"], social=["https://twitter.com/rocketgames"],
        links=[Link("https://www.watershed.co.uk/about", "partner", "Watershed"),
               Link("https://bristol.ac.uk/x"), Link("https://www.meetup.com/bristol-games/"),
               Link("https://blog.rocketgames.co.uk/post")],
        keyword_hits={"games": ["indie games", "video games"]}, domain_scores={"games": 4.0},
        sector_words={"industry": ["our clients", "services"]},
    )
    base.update(overrides)
    return PageFacts(**base)


def _snapshot(session) -> dict[str, list[tuple]]:
    """Every row of the tables storing touches, without the timestamps that move."""
    moving = {"last_seen", "created_at", "updated_at"}
    out = {}
    for model in (Organisation, OrganisationFact, Contact, Relation, OrganisationCluster,
                  OrganisationDomainArea, DomainArea):
        rows = session.exec(select(model)).all()
        out[model.__name__] = sorted(
            tuple(sorted((k, repr(v)) for k, v in row.model_dump().items() if k not in moving))
            for row in rows)
    return out


def test_store_page_fills_organisation_contacts_relations(session, clusters) -> None:
    counts = store_page_facts(session, None, _facts(), run_id=1)
    session.commit()
    # facts: name, description, schema_type, postcode, company_number, page signals; fields: those
    # but the name (given at creation) plus cluster_id and in_cluster
    assert counts == {"new_organisations": 4, "new_relations": 3, "new_contacts": 6, "new_facts": 6,
                      "updated_fields": 6}
    org = session.exec(select(Organisation).where(Organisation.domain == "rocketgames.co.uk")).one()
    assert org.name == "Rocket Games Ltd" and org.description == "Indie games studio"
    assert org.company_number == "01234567" and org.postcode == "BS1 5TX"
    assert org.cluster_id == "bristol" and org.in_cluster is True
    assert org.sector == Sector.industry and org.sector_source == SectorSource.rule
    assert any("company number" in e for e in org.sector_evidence)
    contacts = {(c.kind.value, c.value, c.person_name, c.role, c.source_url)
                for c in session.exec(select(Contact).where(Contact.organisation_id == org.id))}
    url = "https://www.rocketgames.co.uk/"
    assert contacts == {
        ("email", "hello@rocketgames.co.uk", None, None, url),
        ("phone", "+441179000000", None, None, url),
        ("person", "Jane Doe", "Jane Doe", "CEO", url),
        ("email", "jane@rocketgames.co.uk", "Jane Doe", "CEO", url),
        ("address", "1 Harbourside, Bristol BS1 5TX", None, None, url),
        ("social", "https://twitter.com/rocketgames", None, None, url),
    }
    targets = {o.domain or o.meetup_urlname: o for o in session.exec(select(Organisation))}
    assert targets["watershed.co.uk"].name == "Watershed"  # named by the partner link's text
    assert targets["bristol.ac.uk"].sector == Sector.university  # its domain alone says so
    assert targets["bristol-games"].kind == OrgKind.meetup_group
    assert targets["watershed.co.uk"].status == OrgStatus.discovered
    assert targets["watershed.co.uk"].in_cluster is None  # decided later by its own postcode
    rels = {(r.target_id, r.kind.value, tuple(r.evidence)) for r in session.exec(select(Relation))}
    assert (targets["watershed.co.uk"].id, "partner", (url,)) in rels
    assert (targets["bristol.ac.uk"].id, "links_to", (url,)) in rels
    assert "blog.rocketgames.co.uk" not in targets  # a subdomain of the page's own site
    [area] = session.exec(select(OrganisationDomainArea)).all()
    assert (area.domain_area_id, area.source, area.evidence_url) == ("games", "rule", url)
    memberships = session.exec(select(OrganisationCluster)).all()
    assert [(m.organisation_id, m.cluster_id, m.source) for m in memberships] == [
        (org.id, "bristol", "postcode")]


def test_store_twice_changes_nothing_but_last_seen(session, clusters) -> None:
    store_page_facts(session, None, _facts(), run_id=1)
    store_page_facts(session, None, _facts(url="https://www.rocketgames.co.uk/about", name_source="title",
                                           name="About Rocket"), run_id=1)
    session.commit()
    before = _snapshot(session)
    seen = {c.id: c.last_seen for c in session.exec(select(Contact))}
    counts = store_page_facts(session, None, _facts(), run_id=2)
    session.commit()
    assert counts == {"new_organisations": 0, "new_relations": 0, "new_contacts": 0, "new_facts": 0,
                      "updated_fields": 0}
    assert _snapshot(session) == before
    moved = {c.id: c.last_seen for c in session.exec(select(Contact))}
    assert all(moved[i] >= seen[i] for i in seen)


def test_a_lost_fact_keeps_its_old_last_seen(session, clusters) -> None:
    store_page_facts(session, None, _facts(), run_id=1)
    session.commit()
    emails = select(Contact).where(Contact.kind == ContactKind.email)
    old = {c.value: c.last_seen for c in session.exec(emails)}
    store_page_facts(session, None, _facts(emails=["hello@rocketgames.co.uk"], people=[]), run_id=2)
    session.commit()
    new = {c.value: c.last_seen for c in session.exec(emails)}
    assert new["jane@rocketgames.co.uk"] == old["jane@rocketgames.co.uk"]  # no longer on the page
    assert new["hello@rocketgames.co.uk"] > old["hello@rocketgames.co.uk"]


def test_relations_count_distinct_evidence_pages(session, clusters) -> None:
    for path in ("/", "/partners", "/partners", "/about"):
        store_page_facts(session, None, _facts(url="https://www.rocketgames.co.uk" + path,
                                               links=[Link("https://watershed.co.uk/", "partner")]),
                         run_id=1)
    session.commit()
    [rel] = session.exec(select(Relation)).all()
    assert rel.count == 3 and len(rel.evidence) == 3


def test_store_honours_suppression(session, clusters) -> None:
    session.add(Suppression(kind=SuppressionKind.email, value="hello@rocketgames.co.uk"))
    session.add(Suppression(kind=SuppressionKind.person, value="jane doe"))
    session.add(Suppression(kind=SuppressionKind.domain, value="watershed.co.uk"))
    session.flush()
    store_page_facts(session, None, _facts(), run_id=1)
    session.commit()
    values = {c.value for c in session.exec(select(Contact))}
    assert not values & {"hello@rocketgames.co.uk", "Jane Doe", "jane@rocketgames.co.uk"}
    assert "+441179000000" in values
    domains = {o.domain for o in session.exec(select(Organisation))}
    assert "watershed.co.uk" not in domains


def test_seed_asserted_sector_and_name_win(session, clusters) -> None:
    seed = find_or_create_organisation(session, name="Rocket", url="https://rocketgames.co.uk/",
                                       status=OrgStatus.seed, cluster_id="bristol")
    seed.sector, seed.sector_source = Sector.third_sector, SectorSource.seed
    session.add(seed)
    store_page_facts(session, None, _facts(), run_id=1)
    session.commit()
    assert seed.name == "Rocket" and seed.sector == Sector.third_sector
    assert seed.sector_source == SectorSource.seed
    # a reviewer's name sticks on a discovered organisation too
    other = find_or_create_organisation(session, name="bristol.ac.uk", url="https://bristol.ac.uk/")
    session.add(Decision(organisation_id=other.id, decision=DecisionKind.set_name, value="UoB"))
    other.name = "UoB"
    store_page_facts(session, None, PageFacts(url="https://www.bristol.ac.uk/", name="University of Bristol",
                                              name_source="jsonld"), run_id=1)
    assert other.name == "UoB"


def test_better_name_sources_replace_weaker_ones(session, clusters) -> None:
    store_page_facts(session, None, PageFacts(url="https://x.org/contact", name="Contact X",
                                              name_source="title"), run_id=1)
    org = session.exec(select(Organisation).where(Organisation.domain == "x.org")).one()
    assert org.name == "Contact X"
    store_page_facts(session, None, PageFacts(url="https://x.org/", name="X Arts", name_source="og"),
                     run_id=1)
    assert org.name == "X Arts"
    store_page_facts(session, None, PageFacts(url="https://x.org/a", name="X page", name_source="title"),
                     run_id=1)
    assert org.name == "X Arts"  # a title never replaces OpenGraph
    store_page_facts(session, None, PageFacts(url="https://x.org/b", name="X Arts Trust",
                                              name_source="jsonld"), run_id=1)
    assert org.name == "X Arts Trust"


def test_page_row_gets_its_organisation(session, clusters) -> None:
    page = Page(url="https://www.rocketgames.co.uk/", host="www.rocketgames.co.uk", cluster_id="bristol")
    session.add(page)
    session.flush()
    store_page_facts(session, page, _facts(), run_id=1)
    org = session.get(Organisation, page.organisation_id)
    assert org.domain == "rocketgames.co.uk"
    other = find_or_create_organisation(session, name="Elsewhere", url="https://elsewhere-home.org/")
    page2 = Page(url="https://elsewhere.org/x", host="elsewhere.org", organisation_id=other.id)
    session.add(page2)
    session.flush()
    store_page_facts(session, page2, _facts(url="https://elsewhere.org/x",
                                            links=[Link("https://www.elsewhere.org/y")]), run_id=1)
    assert other.company_number == "01234567"  # stored on the page's organisation
    assert session.exec(select(Relation).where(Relation.source_id == other.id)).all() == []


def test_recompute_from_the_database_alone_matches_recompute_from_pages(session, clusters) -> None:
    pages = [
        _facts(url="https://www.rocketgames.co.uk/", keyword_hits={"games": ["video games"]},
               domain_scores={"games": 3.0}),
        _facts(url="https://www.rocketgames.co.uk/about", keyword_hits={"games": ["indie games"],
                                                                        "immersive": ["VR", "XR"]},
               domain_scores={"games": 1.0, "immersive": 2.0}),
    ]
    for p in pages:
        store_page_facts(session, None, p, run_id=1)
    org = session.exec(select(Organisation).where(Organisation.domain == "rocketgames.co.uk")).one()
    from_db = stored_pages(session, org.id)
    assert sorted(p.url for p in from_db) == sorted(p.url for p in pages)
    assert recompute_organisation(session, org.id) == recompute_organisation(session, org.id, pages)
    areas = {a.domain_area_id for a in session.exec(select(OrganisationDomainArea))}
    assert areas == {"games", "immersive"}
    # the about page changes: its old signals stay as history, the latest count
    store_page_facts(session, None, _facts(url="https://www.rocketgames.co.uk/about", keyword_hits={},
                                           domain_scores={}), run_id=2)
    areas = {a.domain_area_id for a in session.exec(select(OrganisationDomainArea))}
    assert areas == set()  # games now has one hit, immersive none


def test_recompute_keeps_seed_and_review_areas(session, clusters) -> None:
    org = find_or_create_organisation(session, name="A", url="https://a.org/")
    session.add(DomainArea(id="crafts", label="Crafts"))
    session.flush()
    session.add(OrganisationDomainArea(organisation_id=org.id, domain_area_id="crafts", source="seed"))
    session.flush()
    recompute_organisation(session, org.id, [])
    assert [a.domain_area_id for a in session.exec(select(OrganisationDomainArea))] == ["crafts"]


# ---------------------------------------------------------------- transactions and merges


def test_store_stays_in_the_callers_transaction(engine, clusters, session) -> None:
    session.commit()  # clusters and runs saved
    store_page_facts(session, None, _facts(), run_id=1)
    session.rollback()
    assert session.exec(select(Organisation)).all() == []
    assert session.exec(select(Contact)).all() == []


def test_merge_keeps_every_fact_with_its_provenance(session, clusters) -> None:
    from harvester.errors import BadInput
    from harvester.resolve import merge_organisations

    sponsor = find_or_create_organisation(session, name="Rocket Studio", source_url="https://meetup.com/x",
                                          run_id=1)  # named by text only
    upsert_contact(session, sponsor.id, "email", "hello@rocketgames.co.uk", source_url="https://meetup.com/x",
                   run_id=1)
    upsert_contact(session, sponsor.id, "phone", "+442920000000", source_url="https://meetup.com/x", run_id=1)
    other = find_or_create_organisation(session, name="Other", url="https://other.org/")
    upsert_relation(session, other.id, sponsor.id, "sponsor", evidence_url="https://other.org/s", run_id=1)
    store_page_facts(session, None, _facts(), run_id=2)
    site = session.exec(select(Organisation).where(Organisation.domain == "rocketgames.co.uk")).one()
    upsert_relation(session, other.id, site.id, "sponsor", evidence_url="https://other.org/t", run_id=2)
    upsert_relation(session, sponsor.id, site.id, "links_to", evidence_url="https://meetup.com/x", run_id=1)
    sponsor_id = sponsor.id
    kept = merge_organisations(session, site.id, sponsor_id)
    session.commit()
    assert session.get(Organisation, sponsor_id) is None
    phone = session.exec(select(Contact).where(Contact.value == "+442920000000")).one()
    assert (phone.organisation_id, phone.source_url, phone.run_id) == (kept.id, "https://meetup.com/x", 1)
    [hello] = session.exec(select(Contact).where(Contact.value == "hello@rocketgames.co.uk")).all()
    assert hello.organisation_id == kept.id
    [sponsor_rel] = session.exec(select(Relation).where(Relation.kind == RelationKind.sponsor)).all()
    assert sponsor_rel.target_id == kept.id and sponsor_rel.count == 2
    assert set(sponsor_rel.evidence) == {"https://other.org/s", "https://other.org/t"}
    assert not [r for r in session.exec(select(Relation)) if r.source_id == r.target_id]
    sources = {f.source_url for f in session.exec(select(OrganisationFact).where(
        OrganisationFact.organisation_id == kept.id, OrganisationFact.field == "name"))}
    assert {"https://meetup.com/x", "https://www.rocketgames.co.uk/"} <= sources
    merged = session.exec(select(OrganisationFact).where(OrganisationFact.field == "merged_from")).one()
    assert merged.value == f"#{sponsor_id} Rocket Studio"
    with pytest.raises(BadInput, match="different websites"):
        merge_organisations(session, kept.id, other.id)


def test_recompute_leaves_a_meetup_groups_sector_alone(session) -> None:
    group = find_or_create_organisation(session, name="Bristol JS", kind=OrgKind.meetup_group,
                                        meetup_urlname="bristol-js")
    group.sector, group.sector_confidence = Sector.third_sector, 0.5
    recompute_organisation(session, group.id)
    assert group.sector == Sector.third_sector
    org = find_or_create_organisation(session, name="Rocket", url="https://rocket.co.uk/")
    org.sector = Sector.industry  # a stale rule decision
    recompute_organisation(session, org.id)
    assert org.sector == Sector.unknown  # no page says so any more: .co.uk alone is too weak


def test_a_name_shared_by_two_websites_matches_neither(session) -> None:
    a = _org(session, "Rocket", "https://rocket.co.uk/")
    b = _org(session, "Rocket", "https://rocket.com/")
    c = _org(session, "Rocket Ltd")  # which Rocket? neither: a new organisation without a domain
    assert c.id not in (a.id, b.id) and c.domain is None
    assert _org(session, "The Rocket").id == c.id


def test_long_scraped_text_is_cut_to_fit_unique_keys(session, clusters) -> None:
    long_text = "é" * 5000
    store_page_facts(session, None, _facts(description=long_text, name="N" * 1000, addresses=[long_text],
                                           keyword_hits={f"a{i}": ["x" * 40] * 6 for i in range(40)},
                                           domain_scores={f"a{i}": float(i) for i in range(40)}), run_id=1)
    session.commit()
    for fact in session.exec(select(OrganisationFact)):
        assert len(fact.value.encode()) <= 1000
    org = session.exec(select(Organisation).where(Organisation.domain == "rocketgames.co.uk")).one()
    assert len(org.name) == 300
    [page] = stored_pages(session, org.id)
    assert "a39" in page.keyword_hits and "a0" not in page.keyword_hits  # the strongest areas kept
    address = session.exec(select(Contact).where(Contact.kind == ContactKind.address)).one()
    assert address.value.endswith("\u2026") and len(address.value.encode()) <= 1000
