"""A reviewer's merge of two organisations into one, every row keeping its own provenance.

Apart from matching and storage because it is a rare, reviewer-driven rewrite of every table
that points at an organisation, not part of reading pages. Organisations with different
websites are never merged.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from harvester.errors import BadInput, NotFound
from harvester.models import (
    Contact,
    ContactUse,
    Decision,
    MeetupEvent,
    Organisation,
    OrganisationCluster,
    OrganisationDomainArea,
    OrganisationFact,
    OrgStatus,
    Page,
    Referral,
    Relation,
    Sector,
    SectorSource,
)
from harvester.resolve.cluster_membership import add_membership
from harvester.resolve.org_matching import STATUS_RANK
from harvester.resolve.upserts import EVIDENCE_CAP, record_fact

_AREA_SOURCE_RANK = {"rule": 0, "meetup": 1, "seed": 2, "review": 3}
_SECTOR_SOURCE_RANK = {SectorSource.rule: 0, SectorSource.registry: 1, SectorSource.seed: 2,
                       SectorSource.review: 3}
_FILLABLE = ("homepage", "postcode", "charity_number", "company_number", "description", "schema_type",
             "logo", "city", "member_count", "founded", "cluster_id", "recruited_from_id", "seed_id",
             "first_run_id")


def _span(keep: Any, drop: Any) -> None:
    """The kept row covers both sightings: earliest first_seen, latest last_seen."""
    keep.first_seen = min(keep.first_seen, drop.first_seen)
    keep.last_seen = max(keep.last_seen, drop.last_seen)


def merge_organisations(session: Session, keep_id: int, drop_id: int) -> Organisation:
    """Fold organisation `drop_id` into `keep_id` (a reviewer saw they are one): every fact,
    contact, relation, domain area, cluster membership, page, event, decision and referral moves
    over with its own source, run and times; duplicates keep the earliest first_seen and the
    latest last_seen. Two organisations with different websites are never merged."""
    keep, drop = session.get(Organisation, keep_id), session.get(Organisation, drop_id)
    if keep is None or drop is None:
        raise NotFound(f"no organisation with id {keep_id if keep is None else drop_id} "
                       "(see `harvester orgs list`)")
    if keep.id == drop.id:
        return keep
    if keep.domain and drop.domain and keep.domain != drop.domain:
        raise BadInput(f"cannot merge #{drop.id} ({drop.domain}) into #{keep.id} ({keep.domain}): "
                       "organisations with different websites stay apart")
    drop_facts = select(OrganisationFact).where(OrganisationFact.organisation_id == drop.id)
    for fact in session.exec(drop_facts).all():
        twin = session.exec(select(OrganisationFact).where(
            OrganisationFact.organisation_id == keep.id, OrganisationFact.field == fact.field,
            OrganisationFact.value == fact.value,
            OrganisationFact.source_url.is_(None) if fact.source_url is None  # type: ignore[union-attr]
            else OrganisationFact.source_url == fact.source_url)).first()
        if twin is None:
            fact.organisation_id = keep.id  # type: ignore[assignment]
            session.add(fact)
        else:
            _span(twin, fact)
            session.add(twin)
            session.delete(fact)
    session.flush()
    for contact in session.exec(select(Contact).where(Contact.organisation_id == drop.id)).all():
        twin = session.exec(select(Contact).where(Contact.organisation_id == keep.id,
                                                  Contact.kind == contact.kind,
                                                  Contact.value == contact.value)).first()
        if twin is None:
            contact.organisation_id = keep.id  # type: ignore[assignment]
            session.add(contact)
            continue
        _span(twin, contact)
        twin.person_name = twin.person_name or contact.person_name
        twin.role = twin.role or contact.role
        session.add(twin)
        session.exec(sa.update(ContactUse).where(ContactUse.contact_id == contact.id)  # type: ignore[call-overload]
                     .values(contact_id=twin.id))
        session.delete(contact)
    session.flush()
    rels = session.exec(select(Relation).where(sa.or_(Relation.source_id == drop.id,
                                                      Relation.target_id == drop.id))).all()
    for rel in rels:
        source = keep.id if rel.source_id == drop.id else rel.source_id
        target = keep.id if rel.target_id == drop.id else rel.target_id
        if source == target:
            session.delete(rel)
            continue
        twin = session.exec(select(Relation).where(Relation.source_id == source,
                                                   Relation.target_id == target,
                                                   Relation.kind == rel.kind, Relation.id != rel.id)).first()
        if twin is None:
            rel.source_id, rel.target_id = source, target  # type: ignore[assignment]
            session.add(rel)
            continue
        _span(twin, rel)
        merged = list(dict.fromkeys([*twin.evidence, *rel.evidence]))[:EVIDENCE_CAP]
        twin.evidence, twin.count = merged, max(len(merged), twin.count, rel.count)
        session.add(twin)
        session.delete(rel)
        session.flush()
    session.flush()
    for area in session.exec(select(OrganisationDomainArea).where(
            OrganisationDomainArea.organisation_id == drop.id)).all():
        twin = session.exec(select(OrganisationDomainArea).where(
            OrganisationDomainArea.organisation_id == keep.id,
            OrganisationDomainArea.domain_area_id == area.domain_area_id)).first()
        if twin is None:
            area.organisation_id = keep.id  # type: ignore[assignment]
            session.add(area)
            continue
        better = (_AREA_SOURCE_RANK.get(area.source, 0), area.score) > (
            _AREA_SOURCE_RANK.get(twin.source, 0), twin.score)
        if better:
            twin.source, twin.score = area.source, area.score
            twin.evidence_url, twin.evidence = area.evidence_url, area.evidence
        _span(twin, area)
        session.add(twin)
        session.delete(area)
    for member in session.exec(select(OrganisationCluster).where(
            OrganisationCluster.organisation_id == drop.id)).all():
        add_membership(session, keep, member.cluster_id, member.source)
        session.delete(member)
    session.flush()
    for model, column in ((Page, Page.organisation_id), (MeetupEvent, MeetupEvent.group_id),
                          (MeetupEvent, MeetupEvent.venue_organisation_id),
                          (Decision, Decision.organisation_id),
                          (Referral, Referral.from_organisation_id),
                          (Referral, Referral.to_organisation_id),
                          (Organisation, Organisation.recruited_from_id),
                          (Organisation, Organisation.seed_id)):
        session.exec(sa.update(model).where(column == drop.id)  # type: ignore[call-overload]
                     .values({column.key: keep.id}))
    for event in session.exec(select(MeetupEvent)).all():
        if drop.id in (event.host_organisation_ids or []):
            event.host_organisation_ids = list(dict.fromkeys(
                keep.id if i == drop.id else i for i in event.host_organisation_ids))
            session.add(event)

    domain, urlname = drop.domain, drop.meetup_urlname
    drop.domain = drop.meetup_urlname = None
    session.add(drop)
    session.flush()
    keep.domain = keep.domain or domain
    keep.meetup_urlname = keep.meetup_urlname or urlname
    for attr in _FILLABLE:
        if getattr(keep, attr) in (None, "") and getattr(drop, attr) not in (None, ""):
            setattr(keep, attr, getattr(drop, attr))
    keep.is_cic = keep.is_cic or drop.is_cic
    if drop.in_cluster is True:
        keep.in_cluster = True
    elif keep.in_cluster is None:
        keep.in_cluster = drop.in_cluster
    if drop.wave is not None and (keep.wave is None or drop.wave < keep.wave):
        keep.wave = drop.wave
    if STATUS_RANK.get(OrgStatus(drop.status), 0) > STATUS_RANK.get(OrgStatus(keep.status), 0):
        keep.status = drop.status
    drop_rank = _SECTOR_SOURCE_RANK[SectorSource(drop.sector_source)]
    keep_rank = _SECTOR_SOURCE_RANK[SectorSource(keep.sector_source)]
    if drop.sector != Sector.unknown and (drop_rank > keep_rank or keep.sector == Sector.unknown):
        keep.sector, keep.sector_source = drop.sector, drop.sector_source
        keep.sector_confidence, keep.sector_evidence = drop.sector_confidence, list(drop.sector_evidence)
    if drop.notes:
        keep.notes = f"{keep.notes}\n{drop.notes}" if keep.notes else drop.notes
    _span(keep, drop)
    session.add(keep)
    record_fact(session, keep.id, "merged_from", f"#{drop.id} {drop.name}"  # type: ignore[arg-type]
                + (f" ({domain})" if domain else ""), source_url=None, rule="merge", run_id=None)
    session.delete(drop)
    session.flush()
    return keep
