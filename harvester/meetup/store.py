"""Meetup facts -> organisations, events, contacts and typed relations, with provenance.

    store_meetup_facts(session, facts, *, cluster_id, run_id, source_url=None) -> counts

What becomes what (relation direction is source -[kind]-> target):
- each group: an Organisation of kind `meetup_group` keyed on its lower-cased urlname, with city,
  member count, founded date and description; its topics -> domain areas (taxonomy
  `meetup_topics`, then keywords; source "meetup");
- each event: a MeetupEvent row keyed on the API token or the event URL's id; the group
  `organises` the event through `MeetupEvent.group_id`;
- a venue: matched to a known organisation by postcode + similar name, else by name, else created
  as a discovered organisation; venue -[venue]-> group, and -[hosts_event]-> group when the venue
  is an organisation with its own website (a company, university or studio hosting the group);
- a sponsor: by its website's registrable domain, else by name; sponsor -[sponsor]-> group;
- a pro network: an umbrella organisation keyed `pro/<urlname>`; group -[member_of]-> network;
- the group's website (socialNetworks OTHER): its owning organisation; owner -[organises]-> group;
  the group's sector follows the owner's when known, else third sector ("community network");
- links in the group's description (partners, sponsors' sites): group -[links_to]-> organisation;
- organisers (API `organizer`, leadership memberships, "Organized by" on the page) and event
  hosts (`eventHosts`, "Hosted by"): person contacts of the group, role as shown ("organiser",
  "co-organiser", "event host"); social profiles: social contacts. Never member or RSVP lists.

Nothing here commits: the caller owns the transaction. Storing the same facts twice creates
nothing new and only moves `last_seen`.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import func
from sqlmodel import Session, select

from harvester.extract.facts import MeetupEventFacts, MeetupFacts, MeetupGroupFacts, MeetupVenue
from harvester.extract.keywords import fold
from harvester.extract.platforms import is_platform
from harvester.models import (
    ContactKind,
    DomainArea,
    MeetupEvent,
    Organisation,
    OrganisationDomainArea,
    OrganisationFact,
    OrgKind,
    OrgStatus,
    Relation,
    RelationKind,
    Sector,
    SectorSource,
    utcnow,
)
from harvester.names import name_key, similar
from harvester.resolve.org_matching import find_or_create_organisation
from harvester.resolve.postcodes import normalise_postcode
from harvester.resolve.upserts import record_fact, upsert_contact, upsert_relation
from harvester.suppression import scrub_suppressed
from harvester.urls import host_of, is_http_url, registrable_domain

COMMUNITY_EVIDENCE = "Meetup group with no owning organisation: community network"
COMMUNITY_CONFIDENCE = 0.5
# Venue names that are not places of an organisation.
PLACEHOLDER_VENUES = frozenset({
    "online event", "online", "tba", "tbc", "to be announced", "to be confirmed", "needs a location",
    "location to be announced", "zoom", "virtual", "google meet", "microsoft teams",
})
# A venue and a known organisation at the same postcode are one when their names are this similar.
VENUE_NAME_SIMILARITY = 80.0
# Score of a domain area per Meetup topic that the taxonomy lists (and per keyword-only hit).
TOPIC_SCORE = 0.5
KEYWORD_SCORE = 0.25
MEETUP_RULE = "meetup"


def _aware(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _org_url(url: str | None) -> str | None:
    """A URL worth resolving an organisation on: http(s), not Meetup, not a platform."""
    if not url or not is_http_url(url):
        return None
    host = host_of(url)
    return None if not host or is_platform(host) else url


def _set(obj: Any, field: str, value: Any) -> bool:
    """Set when different (so an unchanged re-store writes nothing); True when changed."""
    if value is None or getattr(obj, field) == value:
        return False
    setattr(obj, field, value)
    return True


class _Counts(dict[str, int]):
    venue_ids: set[int]

    def add(self, key: str, n: int = 1) -> None:
        self[key] = self.get(key, 0) + n


# ---------------------------------------------------------------- taxonomy


@lru_cache(maxsize=1)
def _default_areas() -> tuple[Any, ...]:
    from harvester.taxonomy import load_taxonomy

    return tuple(load_taxonomy())


def _has_keyword(text: str, keyword: str) -> bool:
    """Whole-word match, case-insensitive except for acronyms such as VR or AR."""
    acronym = keyword.isupper() and len(keyword.replace(" ", "")) <= 5
    flags = 0 if acronym else re.IGNORECASE
    return re.search(rf"(?<!\w){re.escape(keyword)}(?!\w)", text, flags) is not None


def topic_areas(topics: list[str], areas: Any) -> dict[str, tuple[float, list[str]]]:
    """area id -> (score, topics that hit it): `meetup_topics` exactly (case-folded), then the
    area's keywords as whole words inside a topic name."""
    out: dict[str, tuple[float, list[str]]] = {}
    folded = [(t, fold(t.strip())) for t in topics if t and t.strip()]
    for area in areas:
        listed = {fold(x).casefold() for x in getattr(area, "meetup_topics", []) or []}
        keywords = [fold(k) for k in getattr(area, "keywords", []) or [] if k]
        score, hits = 0.0, []
        for original, text in folded:
            if text.casefold() in listed:
                score += TOPIC_SCORE
                hits.append(original)
            elif any(_has_keyword(text, k) for k in keywords):
                score += KEYWORD_SCORE
                hits.append(original)
        if hits:
            out[area.id] = (min(1.0, score), hits)
    return out


def _store_areas(session: Session, org: Organisation, group: MeetupGroupFacts, areas: Any, *,
                 source_url: str, run_id: int | None) -> int:
    topics = list(group.topics) + ([group.category] if group.category else [])
    found = topic_areas(topics, areas)
    now = utcnow()
    labels = {a.id: a for a in areas}
    for area_id, (score, hits) in found.items():
        if session.get(DomainArea, area_id) is None:
            area = labels[area_id]
            session.add(DomainArea(id=area_id, label=area.label, sic_codes=list(getattr(area, "sic", []))))
            session.flush()
        evidence = {"url": source_url, "topics": hits}
        row = session.exec(select(OrganisationDomainArea).where(
            OrganisationDomainArea.organisation_id == org.id,
            OrganisationDomainArea.domain_area_id == area_id)).first()
        if row is None:
            session.add(OrganisationDomainArea(
                organisation_id=org.id, domain_area_id=area_id, score=score, source=MEETUP_RULE,
                evidence_url=source_url, evidence=[evidence], run_id=run_id, first_seen=now, last_seen=now))
            continue
        row.last_seen = now
        if row.source == MEETUP_RULE:
            _set(row, "score", max(row.score, score))
            if evidence not in row.evidence:
                row.evidence = [*row.evidence, evidence][-20:]
        session.add(row)
    return len(found)


# ---------------------------------------------------------------- groups


def _group_org(session: Session, group: MeetupGroupFacts, *, cluster_id: str | None, run_id: int | None,
               source_url: str) -> Organisation:
    urlname = group.urlname.lower()
    link = f"https://www.meetup.com/{urlname}/"
    org = find_or_create_organisation(session, name=group.name or group.urlname, url=link,
                                      kind=OrgKind.meetup_group, cluster_id=cluster_id,
                                      source_url=source_url, run_id=run_id, meetup_urlname=urlname)
    changed = False
    changed |= _set(org, "homepage", org.homepage or link)
    changed |= _set(org, "city", group.city)
    changed |= _set(org, "member_count", group.member_count)
    changed |= _set(org, "founded", group.founded)
    if group.description:
        changed |= _set(org, "description", scrub_suppressed(session, group.description[:4000]))
    if group.name and org.name in (group.urlname, urlname):
        changed |= _set(org, "name", group.name)
    org.last_seen = utcnow()
    session.add(org)
    for field, value in (("meetup_urlname", urlname), ("name", group.name), ("city", group.city),
                         ("member_count", group.member_count), ("founded", group.founded),
                         ("meetup_category", group.category), ("pro_network", (group.pro_network or {})
                                                                  .get("urlname"))):
        if value not in (None, ""):
            record_fact(session, org.id, field, value, source_url=source_url, rule=MEETUP_RULE,  # type: ignore[arg-type]
                        run_id=run_id)
    return org


def _relate(session: Session, counts: _Counts, source: Organisation, target: Organisation,
            kind: RelationKind, *, source_url: str, run_id: int | None) -> None:
    if source.id is None or target.id is None or source.id == target.id:
        return
    existing = session.exec(select(Relation.id).where(Relation.source_id == source.id,
                                                      Relation.target_id == target.id,
                                                      Relation.kind == kind)).first()
    if upsert_relation(session, source.id, target.id, kind, evidence_url=source_url, run_id=run_id):
        counts.add("relations")
        if existing is None:
            counts.add("new_relations")


def _owner(session: Session, group: MeetupGroupFacts, *, cluster_id: str | None, run_id: int | None,
           source_url: str) -> Organisation | None:
    url = _org_url(group.website or group.social.get("OTHER"))
    if url is None:
        return None
    domain = registrable_domain(url)
    return find_or_create_organisation(session, name=domain or url, url=url, cluster_id=cluster_id,
                                       source_url=source_url, run_id=run_id)


def _known_owner(session: Session, group: Organisation) -> Organisation | None:
    """The owner an earlier page named (an event page does not repeat the group's website)."""
    owner_id = session.exec(select(Relation.source_id).where(
        Relation.target_id == group.id, Relation.kind == RelationKind.organises)
        .order_by(Relation.id)).first()
    return session.get(Organisation, owner_id) if owner_id is not None else None


def _set_group_sector(org: Organisation, owner: Organisation | None) -> None:
    """The owner's sector when known; else third sector as a community network. A seed or review
    sector is never replaced."""
    if org.sector_source in (SectorSource.seed, SectorSource.review):
        return
    if owner is not None and owner.sector != Sector.unknown:
        evidence = [f"sector of the owning organisation {owner.domain or owner.name}"]
        _set(org, "sector", owner.sector)
        _set(org, "sector_source", SectorSource.rule)
        _set(org, "sector_confidence", owner.sector_confidence or COMMUNITY_CONFIDENCE)
        if list(org.sector_evidence) != evidence:
            org.sector_evidence = evidence
        return
    if owner is None and org.sector in (Sector.unknown, Sector.third_sector):
        _set(org, "sector", Sector.third_sector)
        _set(org, "sector_source", SectorSource.rule)
        _set(org, "sector_confidence", COMMUNITY_CONFIDENCE)
        if list(org.sector_evidence) != [COMMUNITY_EVIDENCE]:
            org.sector_evidence = [COMMUNITY_EVIDENCE]


def _store_group(session: Session, group: MeetupGroupFacts, counts: _Counts, areas: Any, *,
                 cluster_id: str | None, run_id: int | None, source_url: str) -> Organisation:
    org = _group_org(session, group, cluster_id=cluster_id, run_id=run_id, source_url=source_url)
    counts.add("groups")
    kw = {"source_url": source_url, "run_id": run_id}

    for person in group.organisers:
        if upsert_contact(session, org.id, ContactKind.person, person.name,  # type: ignore[arg-type]
                          person_name=person.name, role=person.role or "organiser", **kw):
            counts.add("organisers")
    for service, url in group.social.items():
        if service != "OTHER" and is_http_url(url):
            upsert_contact(session, org.id, ContactKind.social, url, **kw)  # type: ignore[arg-type]

    owner = _owner(session, group, cluster_id=cluster_id, run_id=run_id, source_url=source_url)
    if owner is not None:
        _relate(session, counts, owner, org, RelationKind.organises, **kw)
        counts.add("owners")
    _set_group_sector(org, owner or _known_owner(session, org))
    session.add(org)

    for sponsor in group.sponsors:
        url = _org_url(sponsor.url)
        sponsor_org = find_or_create_organisation(session, name=sponsor.name, url=url,
                                                  cluster_id=cluster_id, **kw)
        if url is None and sponsor.url:  # a sponsor's social page: keep it as its contact
            upsert_contact(session, sponsor_org.id, ContactKind.social, sponsor.url, **kw)  # type: ignore[arg-type]
        _relate(session, counts, sponsor_org, org, RelationKind.sponsor, **kw)
        counts.add("sponsors")

    network = group.pro_network or {}
    if network.get("urlname") or network.get("name"):
        key = f"pro/{(network.get('urlname') or name_key(network['name'])).lower()}"
        net = find_or_create_organisation(session, name=network.get("name") or network["urlname"],
                                          meetup_urlname=key, cluster_id=None, **kw)
        if network.get("link") and not net.homepage:
            net.homepage = network["link"]
            session.add(net)
        _relate(session, counts, org, net, RelationKind.member_of, **kw)
        counts.add("networks")

    owner_domain = owner.domain if owner is not None else None
    for link in group.links:
        url = _org_url(link)
        if url is None or registrable_domain(url) == owner_domain:
            continue
        target = find_or_create_organisation(session, name=registrable_domain(url) or url, url=url,
                                             cluster_id=cluster_id, **kw)
        _relate(session, counts, org, target, RelationKind.links_to, **kw)

    if areas:
        counts.add("domain_areas", _store_areas(session, org, group, areas, **kw))
    return org


# ---------------------------------------------------------------- venues and events


def _physical(venue: MeetupVenue) -> bool:
    name = (venue.name or "").strip().strip(",").lower()
    return venue.venue_type != "online" and bool(name) and name not in PLACEHOLDER_VENUES


def _known_venue(session: Session, name: str, postcode: str | None, *, exclude_id: int | None = None,
                 with_domain: bool = False) -> Organisation | None:
    """A known organisation this venue belongs to: one at the same postcode with a similar name
    (a building of a university matches the university), else one with the same name key.
    Organisations with a website win ties over places known only from Meetup."""
    key, head = name_key(name), name_key(name.split(",")[0])

    def usable(org: Organisation | None) -> bool:
        return (org is not None and org.id != exclude_id and org.kind == OrgKind.organisation
                and bool(org.name_key) and (bool(org.domain) or not with_domain))

    if postcode:
        ids = set(session.exec(select(Organisation.id).where(Organisation.postcode == postcode)).all())
        ids |= set(session.exec(select(OrganisationFact.organisation_id).where(
            OrganisationFact.field == "postcode", OrganisationFact.value == postcode)).all())
        best, best_rank = None, (0.0, False)
        for org_id in sorted(ids):
            candidate = session.get(Organisation, org_id)
            if not usable(candidate):
                continue
            assert candidate is not None
            score = max(fuzz.token_set_ratio(key, candidate.name_key), similar(candidate.name, name))
            rank = (score, bool(candidate.domain))
            if score >= VENUE_NAME_SIMILARITY and rank > best_rank:
                best, best_rank = candidate, rank
        if best is not None:
            return best
    for k in dict.fromkeys((key, head)):
        if not k:
            continue
        rows = session.exec(select(Organisation).where(
            Organisation.name_key == k, Organisation.kind == OrgKind.organisation)
            .order_by(Organisation.id)).all()
        found = sorted((o for o in rows if usable(o)), key=lambda o: not o.domain)
        if found:
            return found[0]
    return None


def reconcile_venues(session: Session, *, run_id: int | None = None,
                     only: set[int] | None = None) -> int:
    """Fold venue organisations created from a Meetup venue before the real organisation's website
    was known (same postcode and a similar name, or the same name) into that organisation, with
    their events, relations, contacts and facts, and add its `hosts_event` relations. Call it at
    the end of a harvest (the web crawl may have named the venue's owner after its Meetup page was
    stored). Returns how many venue organisations were folded in."""
    from harvester.resolve.org_merge import merge_organisations

    venue_ids = set(session.exec(select(MeetupEvent.venue_organisation_id).where(
        MeetupEvent.venue_organisation_id.is_not(None))).all())  # type: ignore[union-attr]
    venue_ids |= set(session.exec(select(Relation.source_id).where(
        Relation.kind == RelationKind.venue)).all())
    merged = 0
    for venue_id in sorted(venue_ids if only is None else venue_ids & only):
        venue = session.get(Organisation, venue_id)
        if venue is None or venue.domain or venue.kind != OrgKind.organisation \
                or venue.status != OrgStatus.discovered:
            continue
        target = _known_venue(session, venue.name, venue.postcode, exclude_id=venue.id, with_domain=True)
        if target is None:
            continue
        keep = merge_organisations(session, target.id, venue.id)  # type: ignore[arg-type]
        merged += 1
        for event in session.exec(select(MeetupEvent).where(MeetupEvent.venue_organisation_id == keep.id)):
            upsert_relation(session, keep.id, event.group_id, RelationKind.hosts_event,  # type: ignore[arg-type]
                            evidence_url=event.source_url, run_id=run_id)
            if keep.id not in event.host_organisation_ids:
                event.host_organisation_ids = sorted({*event.host_organisation_ids, keep.id})  # type: ignore[arg-type]
                session.add(event)
    session.flush()
    return merged


def _venue_org(session: Session, venue: MeetupVenue, *, cluster_id: str | None, run_id: int | None,
               source_url: str) -> Organisation:
    name = (venue.name or "").strip().strip(",").strip()
    postcode = normalise_postcode(venue.postcode) if venue.postcode else None
    org = _known_venue(session, name, postcode)
    if org is not None:
        org.last_seen = utcnow()
    else:
        org = find_or_create_organisation(session, name=name, cluster_id=cluster_id,
                                          source_url=source_url, run_id=run_id)
    if postcode and not org.postcode:
        org.postcode = postcode
    if venue.city and not org.city:
        org.city = venue.city
    session.add(org)
    address = ", ".join(x for x in (venue.address, venue.city, venue.postcode) if x)
    if address:
        upsert_contact(session, org.id, ContactKind.address, address,  # type: ignore[arg-type]
                       source_url=source_url, run_id=run_id)
    if postcode:
        record_fact(session, org.id, "postcode", postcode, source_url=source_url, rule=MEETUP_RULE,  # type: ignore[arg-type]
                    run_id=run_id)
    return org


def _event_row(session: Session, event: MeetupEventFacts) -> MeetupEvent | None:
    row = session.exec(select(MeetupEvent).where(MeetupEvent.event_key == event.key)).first()
    if row is None and event.url:
        # first seen by its URL id, now with the API's stable token (or the other way round)
        row = session.exec(select(MeetupEvent).where(MeetupEvent.url == event.url)).first()
    return row


def _store_event(session: Session, event: MeetupEventFacts, group: Organisation, counts: _Counts, *,
                 cluster_id: str | None, run_id: int | None, source_url: str) -> None:
    venue_org: Organisation | None = None
    physical = [v for v in event.venues if _physical(v)]
    venue = physical[0] if physical else None
    kw = {"source_url": source_url, "run_id": run_id}
    if venue is not None:
        venue_org = _venue_org(session, venue, cluster_id=cluster_id, **kw)
        counts.venue_ids.add(venue_org.id)  # type: ignore[arg-type]
        _relate(session, counts, venue_org, group, RelationKind.venue, **kw)
        if venue_org.domain:
            _relate(session, counts, venue_org, group, RelationKind.hosts_event, **kw)
    for host in event.hosts:  # public role on the event page; never attendees
        if upsert_contact(session, group.id, ContactKind.person, host, person_name=host,  # type: ignore[arg-type]
                          role="event host", **kw):
            counts.add("hosts")
    now = utcnow()
    values = {
        "group_id": group.id, "title": scrub_suppressed(session, (event.title or event.key)[:500]),
        "start": _aware(event.start),
        "end": _aware(event.end), "status": event.status, "event_type": event.event_type,
        "venue_name": venue.name.strip().strip(",") if venue and venue.name else None,
        "venue_address": venue.address if venue else None, "venue_city": venue.city if venue else None,
        "venue_postcode": venue.postcode if venue else None,
        "venue_organisation_id": venue_org.id if venue_org else None, "url": event.url,
        "rsvp_count": event.rsvp_count,
    }
    row = _event_row(session, event)
    if row is None:
        row = MeetupEvent(event_key=event.key, source_url=source_url, run_id=run_id, first_seen=now,
                          last_seen=now, **values)
        counts.add("new_events")
    else:
        if event.id and event.key != event.id:  # the API's stable token replaces a URL id
            _set(row, "event_key", event.key)
        for field, value in values.items():
            _set(row, field, value)
        row.last_seen = now
    hosts = [venue_org.id] if venue_org is not None and venue_org.domain else []
    if hosts and list(row.host_organisation_ids) != hosts:
        row.host_organisation_ids = sorted(set(row.host_organisation_ids) | set(hosts))
    session.add(row)
    session.flush()
    counts.add("events")


def store_meetup_facts(session: Session, facts: MeetupFacts, *, cluster_id: str | None,
                       run_id: int | None, source_url: str | None = None,
                       areas: Any = None) -> dict[str, int]:
    """Everything one Meetup page or API answer says, into the database (caller's transaction).

    :param areas: taxonomy areas (default: `load_taxonomy()`, cached; pass [] to skip topics).
    Returns counts: groups, events, new_events, venues, sponsors, networks, owners, organisers,
    relations, new_relations, new_organisations, domain_areas, errors.
    """
    source_url = source_url or facts.source_url
    if areas is None:
        try:
            areas = _default_areas()
        except Exception:  # noqa: BLE001 - a missing/broken taxonomy must not lose the harvest
            areas = ()
    counts = _Counts(groups=0, events=0, new_events=0, venues=0, sponsors=0, relations=0,
                     new_relations=0, new_organisations=0, errors=len(facts.errors))
    counts.venue_ids = set()
    before = session.exec(select(func.count()).select_from(Organisation)).one()
    groups: dict[str, Organisation] = {}
    for group in facts.groups:
        groups[group.urlname.lower()] = _store_group(session, group, counts, areas, cluster_id=cluster_id,
                                                     run_id=run_id, source_url=source_url)
    for event in facts.events:
        urlname = (event.group_urlname or "").lower()
        if not urlname:
            continue
        org = groups.get(urlname)
        if org is None:  # an event whose group the answer did not describe
            org = groups[urlname] = _group_org(session, MeetupGroupFacts(urlname=urlname),
                                               cluster_id=cluster_id, run_id=run_id, source_url=source_url)
            _set_group_sector(org, _known_owner(session, org))
        _store_event(session, event, org, counts, cluster_id=cluster_id, run_id=run_id,
                     source_url=source_url)
    session.flush()
    if counts.venue_ids:  # a venue stored earlier as a bare place may now have its organisation
        group_ids = [g.id for g in groups.values()]
        earlier = set(session.exec(select(Relation.source_id).where(
            Relation.kind == RelationKind.venue, Relation.target_id.in_(group_ids))).all())  # type: ignore[attr-defined]
        counts["venues_reconciled"] = reconcile_venues(session, run_id=run_id,
                                                       only=set(counts.venue_ids) | earlier)
    after = session.exec(select(func.count()).select_from(Organisation)).one()
    counts["new_organisations"] = max(0, after - before)
    counts["venues"] = len(counts.venue_ids)  # distinct venue organisations
    return dict(counts)
