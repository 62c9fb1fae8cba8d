"""Meetup facts into a real SQLite file: groups -> organisations, events, venues, sponsors,
networks, owners, organisers, domain areas; idempotency; provenance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import Session, select

from harvester.extract.meetup import parse_graphql, parse_meetup_page
from harvester.meetup.store import COMMUNITY_EVIDENCE, store_meetup_facts, topic_areas
from harvester.models import (
    Cluster,
    Contact,
    ContactKind,
    DomainArea,
    HarvestRun,
    MeetupEvent,
    Organisation,
    OrganisationCluster,
    OrganisationDomainArea,
    OrganisationFact,
    OrgKind,
    OrgStatus,
    Relation,
    RelationKind,
    Sector,
    SectorSource,
)
from harvester.taxonomy import Area

PAGES = Path(__file__).resolve().parent / "fixtures" / "meetup"
GROUP_URL = "https://www.meetup.com/bristol-creative-tech/"

AREAS = [
    Area(id="immersive", label="Immersive / XR", keywords=["virtual reality", "volumetric capture"],
         meetup_topics=["immersive technology", "virtual reality"]),
    Area(id="games", label="Games", keywords=["game development", "indie games"],
         meetup_topics=["game development"]),
    Area(id="film-tv", label="Film and TV", keywords=["documentary"], meetup_topics=["filmmaking"]),
]


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    """A Bristol cluster, a harvest run, and two organisations already known from seeds."""
    session.add(Cluster(id="bristol", name="Bristol", postcode_areas=["BS", "BA"]))
    run = HarvestRun()
    session.add(run)
    watershed = Organisation(name="Watershed", name_key="watershed", domain="watershed.co.uk",
                             homepage="https://www.watershed.co.uk/", postcode="BS1 5TX",
                             sector=Sector.third_sector, sector_source=SectorSource.seed,
                             status=OrgStatus.seed, cluster_id="bristol")
    pixel = Organisation(name="Pixel Forge Ltd", name_key="pixel forge", cluster_id="bristol")
    session.add(watershed)
    session.add(pixel)
    session.commit()
    return {"run": run.id, "watershed": watershed.id, "pixel": pixel.id}


def page_facts(name: str, url: str):
    return parse_meetup_page(url, (PAGES / name).read_bytes(), {"content-type": "text/html"})


def relation(session: Session, source: int, target: int, kind: RelationKind) -> Relation | None:
    return session.exec(select(Relation).where(Relation.source_id == source, Relation.target_id == target,
                                               Relation.kind == kind)).first()


def group_org(session: Session, urlname: str) -> Organisation:
    return session.exec(select(Organisation).where(Organisation.meetup_urlname == urlname)).one()


def test_group_page_into_organisations_and_relations(session: Session, world: dict[str, Any]) -> None:
    facts = page_facts("group-page-next-data.html", GROUP_URL)
    counts = store_meetup_facts(session, facts, cluster_id="bristol", run_id=world["run"], areas=AREAS)
    session.commit()
    assert counts["groups"] == 1 and counts["events"] == 2 and counts["new_events"] == 2
    assert counts["venues"] == 1 and counts["sponsors"] == 2

    g = group_org(session, "bristol-creative-tech")  # urlname lower-cased as the key
    assert (g.kind, g.name, g.city, g.member_count, g.founded) == (
        OrgKind.meetup_group, "Bristol Creative Tech", "Bristol", 1234, "2016-03-01T19:00:00+00:00")
    assert g.homepage == GROUP_URL and g.cluster_id == "bristol" and g.first_run_id == world["run"]
    assert session.exec(select(OrganisationCluster).where(
        OrganisationCluster.organisation_id == g.id, OrganisationCluster.cluster_id == "bristol")).one()

    # sponsors: one known by domain, one known by name only
    assert relation(session, world["watershed"], g.id, RelationKind.sponsor) is not None
    assert relation(session, world["pixel"], g.id, RelationKind.sponsor) is not None
    # venue: Watershed at BS1 5TX, a known organisation with a website -> venue and hosts_event
    venue = relation(session, world["watershed"], g.id, RelationKind.venue)
    assert venue is not None and venue.evidence_url == GROUP_URL and venue.run_id == world["run"]
    assert relation(session, world["watershed"], g.id, RelationKind.hosts_event) is not None
    # pro network: umbrella organisation keyed pro/<urlname>
    network = session.exec(select(Organisation).where(
        Organisation.meetup_urlname == "pro/creative-tech-network")).one()
    assert network.name == "Creative Tech Network"
    assert network.homepage == "https://www.meetup.com/pro/creative-tech-network/"
    assert relation(session, g.id, network.id, RelationKind.member_of) is not None
    # website (socialNetworks OTHER) -> owning organisation organises the group
    owner = session.exec(select(Organisation).where(
        Organisation.domain == "bristolcreativetech.org.uk")).one()
    assert owner.status == OrgStatus.discovered and owner.kind == OrgKind.organisation
    assert relation(session, owner.id, g.id, RelationKind.organises) is not None
    # description links -> links_to (Watershed's own domain resolves to the seed organisation)
    studio = session.exec(select(Organisation).where(Organisation.domain == "examplestudio.co.uk")).one()
    assert relation(session, g.id, studio.id, RelationKind.links_to) is not None
    assert relation(session, g.id, world["watershed"], RelationKind.links_to) is not None
    assert session.exec(select(Organisation).where(Organisation.domain == "watershed.co.uk")).one().id == \
        world["watershed"]

    # organiser: a person contact of the group, from the public organiser field only
    people = session.exec(select(Contact).where(Contact.organisation_id == g.id,
                                                Contact.kind == ContactKind.person)).all()
    assert [(c.person_name, c.role, c.source_url) for c in people] == [
        ("Alex Organiser", "organiser", GROUP_URL)]
    socials = {c.value for c in session.exec(select(Contact).where(
        Contact.organisation_id == g.id, Contact.kind == ContactKind.social)).all()}
    assert socials == {"https://twitter.com/bristolcreatech"}

    # topics -> domain areas, source meetup, with evidence
    areas = {r.domain_area_id: r for r in session.exec(select(OrganisationDomainArea).where(
        OrganisationDomainArea.organisation_id == g.id)).all()}
    assert set(areas) == {"immersive", "games"}
    assert areas["immersive"].source == "meetup" and areas["immersive"].evidence_url == GROUP_URL
    assert areas["games"].evidence == [{"url": GROUP_URL, "topics": ["Game Development"]}]
    assert session.get(DomainArea, "immersive").label == "Immersive / XR"

    # events: keyed on the token when given, else the URL id; venue organisation linked
    events = {e.event_key: e for e in session.exec(select(MeetupEvent)).all()}
    assert set(events) == {"bct-token-0001", "310000002"}
    xr = events["bct-token-0001"]
    assert (xr.group_id, xr.title, xr.venue_name, xr.venue_postcode, xr.rsvp_count) == (
        g.id, "XR Night #12", "Watershed", "BS1 5TX", 57)
    assert xr.venue_organisation_id == world["watershed"] and xr.host_organisation_ids == [world["watershed"]]
    assert xr.start.isoformat() == "2026-10-08T17:30:00+00:00"  # stored as UTC
    assert xr.source_url == GROUP_URL and xr.run_id == world["run"]
    online = events["310000002"]
    assert online.event_type == "ONLINE" and online.venue_organisation_id is None

    # provenance: the group's member count as a fact with its page
    fact = session.exec(select(OrganisationFact).where(OrganisationFact.organisation_id == g.id,
                                                       OrganisationFact.field == "member_count")).one()
    assert (fact.value, fact.source_url, fact.rule) == ("1234", GROUP_URL, "meetup")


def snapshot(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every row of the tables Meetup storage touches, without the moving timestamps."""
    out = {}
    for model in (Organisation, Relation, Contact, MeetupEvent, OrganisationDomainArea, OrganisationFact,
                  OrganisationCluster, DomainArea):
        rows = []
        for row in session.exec(select(model)).all():
            data = row.model_dump()
            for moving in ("last_seen", "updated_at"):
                data.pop(moving, None)
            rows.append(json.loads(json.dumps(data, default=str)))
        out[model.__name__] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))
    return out


def test_storing_twice_changes_nothing_but_last_seen(session: Session, world: dict[str, Any]) -> None:
    facts = [page_facts("group-page-next-data.html", GROUP_URL),
             page_facts("event-page-jsonld.html", "https://www.meetup.com/bristol-creative-tech/events/311111111/"),
             page_facts("group-page-mwp-2018.html", "https://www.meetup.com/Manchester-Web-Meetup/")]
    for f in facts:
        store_meetup_facts(session, f, cluster_id="bristol", run_id=world["run"], areas=AREAS)
    session.commit()
    first = snapshot(session)
    seen = {o.id: o.last_seen for o in session.exec(select(Organisation)).all()}
    second_counts = [store_meetup_facts(session, f, cluster_id="bristol", run_id=world["run"], areas=AREAS)
                     for f in facts]
    session.commit()
    assert snapshot(session) == first
    assert all(c["new_organisations"] == 0 and c["new_events"] == 0 and c["new_relations"] == 0
               for c in second_counts)
    g = group_org(session, "bristol-creative-tech")
    assert g.last_seen > seen[g.id]
    # control: a changed member count is seen as a change
    facts[0].groups[0].member_count = 1300
    store_meetup_facts(session, facts[0], cluster_id="bristol", run_id=world["run"], areas=AREAS)
    assert snapshot(session) != first


def test_group_without_owner_is_third_sector_community(session: Session, world: dict[str, Any]) -> None:
    facts = page_facts("group-page-mwp-2018.html", "https://www.meetup.com/Manchester-Web-Meetup/")
    store_meetup_facts(session, facts, cluster_id="bristol", run_id=world["run"], areas=AREAS)
    g = group_org(session, "manchester-web-meetup")
    assert (g.sector, g.sector_source, g.sector_evidence) == (
        Sector.third_sector, SectorSource.rule, [COMMUNITY_EVIDENCE])
    # the venue MadLab is created as a discovered organisation with its postcode and address
    madlab = session.exec(select(Organisation).where(Organisation.name == "MadLab")).one()
    assert (madlab.status, madlab.postcode) == (OrgStatus.discovered, "M4 1HN")
    assert relation(session, madlab.id, g.id, RelationKind.venue).count == 1
    assert relation(session, madlab.id, g.id, RelationKind.hosts_event) is None  # no website known
    addresses = session.exec(select(Contact.value).where(Contact.organisation_id == madlab.id,
                                                         Contact.kind == ContactKind.address)).all()
    assert addresses == ["36-40 Edge Street, Manchester, M4 1HN"]


def test_group_takes_the_owners_sector(session: Session, world: dict[str, Any]) -> None:
    session.add(Organisation(name="Cardiff Games Makers CIC", name_key="cardiff games makers",
                             domain="cardiffgamesmakers.wales", sector=Sector.industry,
                             sector_source=SectorSource.registry, sector_confidence=0.9))
    session.commit()
    facts = page_facts("group-page-2023-dom.html", "https://www.meetup.com/cardiff-games-makers/")
    counts = store_meetup_facts(session, facts, cluster_id="bristol", run_id=world["run"], areas=AREAS)
    g = group_org(session, "cardiff-games-makers")
    assert g.sector == Sector.industry and "cardiffgamesmakers.wales" in g.sector_evidence[0]
    owner = session.exec(select(Organisation).where(Organisation.domain == "cardiffgamesmakers.wales")).one()
    assert relation(session, owner.id, g.id, RelationKind.organises) is not None
    sponsors = session.exec(select(Organisation.domain).join(Relation, Relation.source_id == Organisation.id)
                            .where(Relation.target_id == g.id, Relation.kind == RelationKind.sponsor)).all()
    assert sorted(sponsors) == ["clwstwr.org.uk", "tramshedtech.co.uk"]
    assert counts["organisers"] == 1 and counts["sponsors"] == 2


def test_seed_sector_of_a_group_is_never_replaced(session: Session, world: dict[str, Any]) -> None:
    session.add(Organisation(name="MWM", kind=OrgKind.meetup_group, meetup_urlname="manchester-web-meetup",
                             sector=Sector.university, sector_source=SectorSource.seed))
    session.commit()
    facts = page_facts("group-page-mwp-2018.html", "https://www.meetup.com/Manchester-Web-Meetup/")
    store_meetup_facts(session, facts, cluster_id="bristol", run_id=world["run"], areas=AREAS)
    assert group_org(session, "manchester-web-meetup").sector == Sector.university


def test_token_replaces_url_id_key(session: Session, world: dict[str, Any]) -> None:
    url = "https://www.meetup.com/g/events/300000001/"
    first = parse_graphql("a", {"data": {"event": {"id": "300000001", "title": "T", "eventUrl": url}}})
    store_meetup_facts(session, first, cluster_id="bristol", run_id=world["run"], areas=[])
    second = parse_graphql("b", {"data": {"event": {"id": "300000001", "token": "tok", "title": "T",
                                                    "eventUrl": url}}})
    store_meetup_facts(session, second, cluster_id="bristol", run_id=world["run"], areas=[])
    assert session.exec(select(MeetupEvent.event_key)).all() == ["tok"]


def test_recorded_samples_into_the_database(session: Session, world: dict[str, Any],
                                            shared_dir: Path) -> None:
    folder = shared_dir / "fixtures" / "meetup"
    html = folder / "html-2026-07-group-events-page-apollo-trimmed.html"
    page = parse_meetup_page("https://www.meetup.com/hackergarten-stuttgart/events/", html.read_bytes())
    counts = store_meetup_facts(session, page, cluster_id="bristol", run_id=world["run"], areas=AREAS)
    assert (counts["groups"], counts["events"], counts["venues"]) == (0, 4, 1)  # 3 events, 1 venue
    g = group_org(session, "hackergarten-stuttgart")
    codecentric = session.exec(select(Organisation).where(Organisation.name == "codecentric AG")).one()
    assert relation(session, codecentric.id, g.id, RelationKind.venue).count == 1  # one page, one evidence
    item = yaml.safe_load((folder / "graphql-ext-2025-09-group-events-and-errors.vcr.yml").read_text())[
        "http_interactions"][0]
    facts = parse_graphql("https://api.meetup.com/gql-ext#groupByUrlname?urlname=rladies-lagos",
                          item["response"]["body"]["string"])
    counts = store_meetup_facts(session, facts, cluster_id="bristol", run_id=world["run"], areas=AREAS)
    assert (counts["groups"], counts["events"], counts["venues"]) == (1, 13, 3)
    venues = session.exec(select(MeetupEvent.venue_name).where(
        MeetupEvent.group_id == group_org(session, "rladies-lagos").id)).all()
    assert sorted(v for v in venues if v) == ["American Corner Ikeja", "Civil Engineering Building",
                                              "Sweets And Pastries Ltd", "Sweets And Pastries Ltd"]
    # the members cassette: only the two leaders become contacts
    item = yaml.safe_load((folder / "graphql-ext-2025-10-group-members-roles.vcr.yml").read_text())[
        "http_interactions"][0]
    members = parse_graphql("m", item["response"]["body"]["string"], {"urlname": "rladies-lagos"})
    store_meetup_facts(session, members, cluster_id="bristol", run_id=world["run"], areas=AREAS)
    people = session.exec(select(Contact.person_name, Contact.role).where(
        Contact.organisation_id == group_org(session, "rladies-lagos").id,
        Contact.kind == ContactKind.person)).all()
    assert sorted(people) == [("EYITAYO ALIMI", "co-organiser"), ("R-Ladies Global", "organiser")]


def test_topic_areas_rule() -> None:
    assert topic_areas(["Virtual Reality", "Indie Games dev", "Cooking"], AREAS) == {
        "immersive": (0.5, ["Virtual Reality"]), "games": (0.25, ["Indie Games dev"])}


def test_event_hosts_are_person_contacts_of_the_group(session: Session, world: dict[str, Any]) -> None:
    url = "https://www.meetup.com/bristol-creative-tech/events/311111111/"
    counts = store_meetup_facts(session, page_facts("event-page-jsonld.html", url), cluster_id="bristol",
                                run_id=world["run"], areas=AREAS)
    g = group_org(session, "bristol-creative-tech")
    people = session.exec(select(Contact.person_name, Contact.role, Contact.source_url).where(
        Contact.organisation_id == g.id, Contact.kind == ContactKind.person)).all()
    assert sorted(people) == [("Alex Organiser", "event host", url), ("Jo Speaker", "event host", url)]
    assert counts["hosts"] == 2
    # the hybrid event's physical venue (Engine Shed, BS1 6QH) is a new discovered organisation
    [event] = session.exec(select(MeetupEvent)).all()
    assert (event.event_type, event.venue_name, event.venue_postcode) == ("HYBRID", "Engine Shed", "BS1 6QH")
    venue = session.get(Organisation, event.venue_organisation_id)
    assert (venue.name, venue.status, venue.postcode) == ("Engine Shed", OrgStatus.discovered, "BS1 6QH")


def test_venue_stored_before_its_website_is_known_is_reconciled(session: Session,
                                                                world: dict[str, Any]) -> None:
    url = "https://www.meetup.com/Manchester-Web-Meetup/"
    store_meetup_facts(session, page_facts("group-page-mwp-2018.html", url), cluster_id="bristol",
                       run_id=world["run"], areas=AREAS)
    place = session.exec(select(Organisation).where(Organisation.name == "MadLab")).one()
    assert place.domain is None
    # the description's link made madlab.org.uk a link target named after its domain; later in the
    # harvest the web crawl reads its pages: a longer name, the same postcode
    real = session.exec(select(Organisation).where(Organisation.domain == "madlab.org.uk")).one()
    assert real.name == "madlab.org.uk"
    real.name, real.name_key, real.postcode = "MadLab Manchester CIC", "madlab manchester", "M4 1HN"
    session.add(real)
    session.commit()
    from harvester.meetup.store import reconcile_venues

    assert reconcile_venues(session, run_id=world["run"]) == 1
    session.commit()
    g = group_org(session, "manchester-web-meetup")
    assert session.get(Organisation, place.id) is None
    assert relation(session, real.id, g.id, RelationKind.venue) is not None
    assert relation(session, real.id, g.id, RelationKind.hosts_event) is not None
    assert {e.venue_organisation_id for e in session.exec(select(MeetupEvent)).all()} == {real.id}
    assert all(e.host_organisation_ids == [real.id] for e in session.exec(select(MeetupEvent)).all())
    assert reconcile_venues(session) == 0  # nothing left to fold
    # storing the page again now finds the real organisation straight away
    counts = store_meetup_facts(session, page_facts("group-page-mwp-2018.html", url), cluster_id="bristol",
                                run_id=world["run"], areas=AREAS)
    assert counts["new_organisations"] == 0
    assert not session.exec(select(Organisation).where(Organisation.name == "MadLab")).first()


def test_a_bare_place_left_behind_is_folded_when_the_venue_is_seen_again(session: Session,
                                                                        world: dict[str, Any]) -> None:
    url = "https://www.meetup.com/Manchester-Web-Meetup/"
    facts = page_facts("group-page-mwp-2018.html", url)
    store_meetup_facts(session, facts, cluster_id="bristol", run_id=world["run"], areas=AREAS)
    place = session.exec(select(Organisation).where(Organisation.name == "MadLab")).one()
    real = session.exec(select(Organisation).where(Organisation.domain == "madlab.org.uk")).one()
    real.name, real.name_key, real.postcode = "MadLab Manchester CIC", "madlab manchester", "M4 1HN"
    session.add(real)
    session.commit()
    counts = store_meetup_facts(session, facts, cluster_id="bristol", run_id=world["run"], areas=AREAS)
    assert counts["venues_reconciled"] == 1 and session.get(Organisation, place.id) is None
    venues = session.exec(select(Relation.source_id).where(Relation.kind == RelationKind.venue)).all()
    assert venues == [real.id]
