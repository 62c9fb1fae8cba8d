"""The bundled offline sample's Meetup pages, parsed and stored after its websites are known:
groups are linked to the organisations that own, host and sponsor them, as the sample's
truth file (tests/fixtures/demo_truth.yaml) plants them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import Session, select

from harvester.extract.meetup import parse_meetup_page
from harvester.extract.meetup.urls import urlname_from_url
from harvester.meetup.sources import event_jobs, jobs_for_cluster
from harvester.meetup.store import store_meetup_facts
from harvester.models import (
    Cluster,
    Contact,
    ContactKind,
    HarvestRun,
    MeetupEvent,
    Organisation,
    OrgKind,
    OrgStatus,
    Relation,
    RelationKind,
    Sector,
    SectorSource,
)
from harvester.names import name_key

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "harvester" / "demo" / "site" / "www.meetup.com"
TRUTH = Path(__file__).resolve().parent / "fixtures" / "demo_truth.yaml"


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    if not SITE.is_dir() or not TRUTH.is_file():
        pytest.skip("the offline sample is not in this checkout")
    return yaml.safe_load(TRUTH.read_text(encoding="utf-8"))


def sample_page(url: str) -> bytes | None:
    """The sample's file for a www.meetup.com URL (None when the sample has no such page)."""
    path = SITE.joinpath(*[p for p in url.split("www.meetup.com/", 1)[1].split("/") if p], "index.html")
    return path.read_bytes() if path.is_file() else None


@pytest.fixture
def harvested(session: Session, truth: dict[str, Any]) -> dict[str, Any]:
    """Websites known as a web harvest leaves them; then every Meetup job of the three clusters
    (group pages, their events pages, the event pages they link) fetched from the sample."""
    for cid, cluster in truth["clusters"].items():
        groups = [g["url"] for g in truth["meetup"] if g["cluster"] == cid]
        session.add(Cluster(id=cid, name=cluster["name"], postcode_areas=cluster["postcode_areas"],
                            meetup={"groups": groups, "searches": [], "api": []}))
    for domain, site in truth["sites"].items():
        session.add(Organisation(
            name=site["name"], name_key=name_key(site["name"]), domain=domain, homepage=site["homepage"],
            postcode=(site.get("postcodes") or [None])[0], sector=Sector(site["sector"]),
            sector_source=SectorSource.seed if site.get("seed") else SectorSource.rule,
            cluster_id=site["cluster"],
            status=OrgStatus.seed if site.get("seed") else OrgStatus.discovered))
    run = HarvestRun()
    session.add(run)
    session.commit()
    totals: dict[str, int] = {}
    fetched: list[str] = []
    for cluster in session.exec(select(Cluster).order_by(Cluster.id)).all():
        queue = [j.url for j in jobs_for_cluster(cluster.meetup)]
        while queue:
            url = queue.pop(0)
            if url in fetched:
                continue
            fetched.append(url)
            body = sample_page(url)
            if body is None:  # /events/past/ is not in the sample: a 404 to the crawler
                continue
            facts = parse_meetup_page(url, body, {"content-type": "text/html; charset=utf-8"})
            assert facts.errors == [], url
            counts = store_meetup_facts(session, facts, cluster_id=cluster.id, run_id=run.id)
            session.commit()
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
            queue += [j.url for j in event_jobs(facts)]
    return {"totals": totals, "fetched": fetched, "run": run.id}


def org_by(session: Session, **where: Any) -> Organisation:
    stmt = select(Organisation)
    for field, value in where.items():
        stmt = stmt.where(getattr(Organisation, field) == value)
    return session.exec(stmt).one()


def has(session: Session, source: Organisation, target: Organisation, kind: RelationKind) -> bool:
    return session.exec(select(Relation).where(Relation.source_id == source.id,
                                               Relation.target_id == target.id,
                                               Relation.kind == kind)).first() is not None


def test_sample_groups_link_to_owners_hosts_and_sponsors(session: Session, truth: dict[str, Any],
                                                         harvested: dict[str, Any]) -> None:
    for planted in truth["meetup"]:
        group = org_by(session, meetup_urlname=planted["urlname"])
        assert (group.kind, group.name, group.member_count, group.city) == (
            OrgKind.meetup_group, planted["name"], planted["members"], planted["city"])
        assert group.cluster_id == planted["cluster"]
        owner = org_by(session, domain=planted["owner_domain"])
        assert has(session, owner, group, RelationKind.organises), planted["urlname"]
        assert group.sector == owner.sector  # the owner's sector, with the evidence saying so
        assert planted["owner_domain"] in group.sector_evidence[0]
        for sponsor in planted["sponsors"]:
            assert has(session, org_by(session, domain=sponsor["domain"]), group, RelationKind.sponsor)
        venue = org_by(session, domain=planted["venue"]["matches_domain"])
        assert has(session, venue, group, RelationKind.venue), planted["urlname"]
        assert has(session, venue, group, RelationKind.hosts_event)
        events = {e.event_key: e for e in session.exec(select(MeetupEvent).where(
            MeetupEvent.group_id == group.id)).all()}
        assert set(events) == {e["id"] for e in planted["events"]}
        for expected in planted["events"]:
            row = events[expected["id"]]
            assert (row.event_type, row.status, row.title) == (
                expected["event_type"], expected["status"], expected["title"])
            assert row.start == datetime.fromisoformat(expected["start"]).astimezone(UTC)
            assert row.venue_organisation_id == (venue.id if expected["venue"] else None)
        people = session.exec(select(Contact.person_name).where(
            Contact.organisation_id == group.id, Contact.kind == ContactKind.person)).all()
        assert people == [planted["organiser"]]
        if planted.get("pro_network"):
            network = session.exec(select(Organisation).where(
                Organisation.meetup_urlname.startswith("pro/"))).one()  # type: ignore[union-attr]
            assert network.name == planted["pro_network"]
            assert has(session, group, network, RelationKind.member_of)

    # the figures quoted in the Meetup note: groups, events and typed relations on the sample
    groups = session.exec(select(Organisation).where(Organisation.kind == OrgKind.meetup_group)).all()
    events = session.exec(select(MeetupEvent)).all()
    group_ids = {g.id for g in groups}
    relations = session.exec(select(Relation)).all()
    by_kind: dict[str, int] = {}
    for r in relations:
        if r.source_id in group_ids or r.target_id in group_ids:
            by_kind[r.kind.value] = by_kind.get(r.kind.value, 0) + 1
    assert len(groups) == 6 and len(events) == 11
    assert by_kind == {"organises": 6, "sponsor": 6, "venue": 6, "hosts_event": 6, "member_of": 1}
    # every Meetup page the sample holds was reached from the seed groups (and nothing else asked)
    held = {"https://www.meetup.com/" + "".join(f"{p}/" for p in f.parent.relative_to(SITE).parts)
            for f in SITE.rglob("index.html")}
    assert {u for u in harvested["fetched"] if sample_page(u) is not None} == held
    # no organisation was invented for a venue that is a known organisation's building
    assert not session.exec(select(Organisation).where(
        Organisation.name == "Brunelgate University, Foundry Building")).first()
    assert all(urlname_from_url(u) for u in harvested["fetched"])
