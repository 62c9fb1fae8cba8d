"""Facts -> organisations and relations: entity resolution and idempotent, provenance-keeping upserts.

Owned by the extraction issue (#4). The functions below are the contract other modules call
(crawl, Meetup storage, seeds, referrals).

    name_key(name) -> str
        normalised organisation name (case, punctuation, "Ltd", "The", "CIC",
        "University of X" == "X University") used for matching organisations without a domain.
    find_or_create_organisation(session, *, name, url=None, kind=OrgKind.organisation,
                                cluster_id=None, status=OrgStatus.discovered, source_url=None,
                                run_id=None, meetup_urlname=None) -> Organisation
        key on registrable domain of `url` (or meetup_urlname for groups), then on exact name_key,
        then fuzzy name (rapidfuzz) among organisations with no domain; creates a `discovered`
        organisation otherwise. Never downgrades status or overrides a seed/review sector.
    upsert_relation(session, source_id, target_id, kind, *, evidence_url, run_id) -> Relation | None
        unique per (source, target, kind); count = distinct evidence pages; self-loops ignored.
    upsert_contact(session, organisation_id, kind, value, *, person_name=None, role=None,
                   source_url, run_id) -> Contact | None
        None when the value or person is suppressed (harvester.suppression.is_suppressed).
    record_fact(session, organisation_id, field, value, *, source_url, rule, run_id) -> OrganisationFact
    store_page_facts(session, page, facts: PageFacts, *, run_id) -> dict[str, int]
        everything one page says, into the database, in the caller's transaction; returns counts
        (new_contacts, new_relations, new_organisations, ...).
    cluster_for_postcode(session, postcode) -> str | None
        through the clusters' postcode areas/districts (longest prefix wins: M50 before M).

Provenance: every row keeps the URL it was read from, the run that first recorded it (`run_id`)
and `first_seen`/`last_seen`; storing the same thing again only moves `last_seen`. Nothing here
commits: the caller owns the transaction (one per fetched page). Only SQLAlchemy expressions are
used, so the same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from harvester.models import (
    Contact,
    ContactKind,
    Organisation,
    OrganisationCluster,
    OrganisationFact,
    OrgKind,
    OrgStatus,
    Relation,
    RelationKind,
    utcnow,
)
from harvester.names import name_key, similar
from harvester.suppression import is_suppressed
from harvester.urls import is_http_url, registrable_domain

__all__ = [
    "EVIDENCE_CAP", "FUZZY_THRESHOLD", "find_or_create_organisation", "name_key", "record_fact",
    "similar", "upsert_contact", "upsert_relation",
]

# Names at least this similar (rapidfuzz 0..100 on name keys) are one organisation, when neither
# has a domain to say otherwise.
FUZZY_THRESHOLD = 92.0
# A relation keeps at most this many distinct evidence URLs; its count stops there too.
EVIDENCE_CAP = 50

# Status ranks: a new sighting may move an organisation up, never down (a rejected or excluded
# organisation stays so however often it is seen again).
_STATUS_RANK = {
    OrgStatus.discovered: 0, OrgStatus.candidate: 1, OrgStatus.seed: 2, OrgStatus.accepted: 2,
    OrgStatus.rejected: 2, OrgStatus.contacted: 3, OrgStatus.interviewed: 4, OrgStatus.excluded: 5,
}


# ---------------------------------------------------------------- organisations


def _domain_for(url: str | None) -> str | None:
    if not url or not is_http_url(url):
        return None
    return registrable_domain(url)


def _is_placeholder_name(org: Organisation) -> bool:
    """The organisation is still named after its domain (a link target nobody has named yet)."""
    return not org.name or (org.domain is not None and org.name.lower() == org.domain)


def _touch(org: Organisation, *, status: OrgStatus, cluster_id: str | None, url: str | None,
           name: str, now: datetime) -> None:
    org.last_seen = now
    if _STATUS_RANK.get(OrgStatus(status), 0) > _STATUS_RANK.get(OrgStatus(org.status), 0):
        org.status = OrgStatus(status)
    if cluster_id and not org.cluster_id:
        org.cluster_id = cluster_id
    if url and not org.homepage and org.kind == OrgKind.organisation and org.domain:
        org.homepage = url
    if name and _is_placeholder_name(org) and name.lower() != (org.domain or ""):
        org.name = name
        org.name_key = name_key(name)


def _add_membership(session: Session, org: Organisation, cluster_id: str | None, source: str) -> None:
    if not cluster_id or org.id is None:
        return
    exists = session.exec(select(OrganisationCluster.id).where(
        OrganisationCluster.organisation_id == org.id,
        OrganisationCluster.cluster_id == cluster_id)).first()
    if exists is None:
        session.add(OrganisationCluster(organisation_id=org.id, cluster_id=cluster_id, source=source))


def _match_by_name(session: Session, key: str, kind: OrgKind, *, domainless_only: bool,
                   fuzzy: bool) -> Organisation | None:
    """An organisation of `kind` with this name key (exact), else the most similar name among
    those with no domain (fuzzy, >= FUZZY_THRESHOLD)."""
    if not key:
        return None
    query = select(Organisation).where(Organisation.name_key == key, Organisation.kind == kind)
    if domainless_only:
        query = query.where(Organisation.domain.is_(None))  # type: ignore[union-attr]
    exact = session.exec(query.order_by(Organisation.id)).first()
    if exact is not None or not fuzzy:
        return exact
    rows = session.exec(select(Organisation.id, Organisation.name_key).where(
        Organisation.domain.is_(None), Organisation.kind == kind,  # type: ignore[union-attr]
        Organisation.meetup_urlname.is_(None))).all()  # type: ignore[union-attr]
    if not rows:
        return None
    choices = {org_id: k for org_id, k in rows if k}
    best = process.extractOne(key, choices, scorer=fuzz.token_sort_ratio,
                              score_cutoff=FUZZY_THRESHOLD)
    return session.get(Organisation, best[2]) if best else None


def find_or_create_organisation(session: Session, *, name: str, url: str | None = None,
                                kind: OrgKind = OrgKind.organisation, cluster_id: str | None = None,
                                status: OrgStatus = OrgStatus.discovered, source_url: str | None = None,
                                run_id: int | None = None, meetup_urlname: str | None = None,
                                ) -> Organisation:
    """The one Organisation for this name/URL, created as `status` when none matches.

    Matching order: registrable domain of `url` (or `meetup_urlname` for a Meetup group); then
    the exact name key; then a fuzzy name among organisations without a domain. An organisation
    that has a domain is never matched to a different domain. A match is updated only upwards:
    status never goes down, cluster/homepage/name are filled only when missing, sector untouched.
    """
    kind = OrgKind(kind)
    now = utcnow()
    name = (name or "").strip()
    urlname = meetup_urlname.strip().lower() if meetup_urlname else None
    domain = None if kind == OrgKind.meetup_group else _domain_for(url)
    key = name_key(name)
    membership_source = ("seed" if OrgStatus(status) == OrgStatus.seed
                         else "meetup" if kind == OrgKind.meetup_group else "crawl")

    org: Organisation | None = None
    if urlname:
        org = session.exec(select(Organisation).where(Organisation.meetup_urlname == urlname)).first()
    if org is None and domain:
        org = session.exec(select(Organisation).where(Organisation.domain == domain)).first()
        if org is None and name and name.lower() != domain:
            # Someone named it before its website was known (a Meetup sponsor, a referral).
            org = _match_by_name(session, key, kind, domainless_only=True, fuzzy=True)
            if org is not None:
                org.domain = domain
    if org is None and not domain and not urlname:
        org = _match_by_name(session, key, kind, domainless_only=False, fuzzy=False)
        if org is None:
            org = _match_by_name(session, key, kind, domainless_only=True, fuzzy=True)
    if org is not None:
        if urlname and not org.meetup_urlname:
            org.meetup_urlname = urlname
        _touch(org, status=status, cluster_id=cluster_id, url=url, name=name, now=now)
        session.add(org)
        _add_membership(session, org, cluster_id, membership_source)
        return org

    org = Organisation(
        name=name or domain or urlname or "(unnamed)", name_key=key or name_key(domain or urlname),
        kind=kind, domain=domain, meetup_urlname=urlname,
        homepage=url if (url and domain) else None,
        cluster_id=cluster_id, status=OrgStatus(status), first_seen=now, last_seen=now,
        first_run_id=run_id,
    )
    try:
        with session.begin_nested():
            session.add(org)
            session.flush()
    except IntegrityError:
        # Another worker created it between our look-up and insert: use theirs.
        other = None
        if urlname:
            other = session.exec(select(Organisation).where(Organisation.meetup_urlname == urlname)).first()
        if other is None and domain:
            other = session.exec(select(Organisation).where(Organisation.domain == domain)).first()
        if other is None:
            raise
        _touch(other, status=status, cluster_id=cluster_id, url=url, name=name, now=now)
        org = other
    if source_url or run_id:
        record_fact(session, org.id, "name", org.name, source_url=source_url,  # type: ignore[arg-type]
                    rule="resolve", run_id=run_id)
    _add_membership(session, org, cluster_id, membership_source)
    return org


# ---------------------------------------------------------------- relations


def upsert_relation(session: Session, source_id: int, target_id: int, kind: RelationKind | str, *,
                    evidence_url: str | None, run_id: int | None) -> Relation | None:
    """The (source, target, kind) edge, with `evidence_url` added to its distinct evidence pages."""
    if source_id is None or target_id is None or source_id == target_id:
        return None
    kind = RelationKind(kind)
    now = utcnow()
    rel = session.exec(select(Relation).where(Relation.source_id == source_id,
                                              Relation.target_id == target_id,
                                              Relation.kind == kind)).first()
    if rel is None:
        evidence = [evidence_url] if evidence_url else []
        rel = Relation(source_id=source_id, target_id=target_id, kind=kind, evidence_url=evidence_url,
                       evidence=evidence, count=max(1, len(evidence)), run_id=run_id,
                       first_seen=now, last_seen=now)
        session.add(rel)
        session.flush()
        return rel
    rel.last_seen = now
    if evidence_url and evidence_url not in rel.evidence and len(rel.evidence) < EVIDENCE_CAP:
        rel.evidence = [*rel.evidence, evidence_url]  # a new list, so the JSON column is written
        rel.count = len(rel.evidence)
    if not rel.evidence_url and evidence_url:
        rel.evidence_url = evidence_url
    session.add(rel)
    return rel


# ---------------------------------------------------------------- contacts

_SPACES = re.compile(r"\s+")


def _normalise_contact(kind: ContactKind, value: str) -> str:
    value = _SPACES.sub(" ", value.strip())
    if kind == ContactKind.email:
        return value.removeprefix("mailto:").lower()
    if kind == ContactKind.phone:
        return value.replace(" ", "")
    return value


def upsert_contact(session: Session, organisation_id: int, kind: ContactKind | str, value: str, *,
                   person_name: str | None = None, role: str | None = None,
                   source_url: str | None, run_id: int | None) -> Contact | None:
    """The organisation's contact (unique per kind and value); None when empty or suppressed.

    Suppressed: the email, its domain, the person (named in `value` for a person contact or in
    `person_name`), or the organisation's own domain (forgotten on request as a whole).
    """
    kind = ContactKind(kind)
    value = _normalise_contact(kind, value or "")
    if not value:
        return None
    person_name = _SPACES.sub(" ", person_name.strip()) if person_name else None
    person = person_name or (value if kind == ContactKind.person else None)
    org = session.get(Organisation, organisation_id)
    if is_suppressed(session, email=value if kind == ContactKind.email else None, person=person,
                     domain=org.domain if org is not None else None):
        return None
    now = utcnow()
    contact = session.exec(select(Contact).where(Contact.organisation_id == organisation_id,
                                                 Contact.kind == kind, Contact.value == value)).first()
    if contact is None:
        contact = Contact(organisation_id=organisation_id, kind=kind, value=value,
                          person_name=person_name, role=role, source_url=source_url, run_id=run_id,
                          first_seen=now, last_seen=now)
        session.add(contact)
        session.flush()
        return contact
    contact.last_seen = now
    if person_name and not contact.person_name:
        contact.person_name = person_name
    if role and not contact.role:
        contact.role = role
    session.add(contact)
    return contact


# ---------------------------------------------------------------- facts


def record_fact(session: Session, organisation_id: int, field: str, value: Any, *,
                source_url: str | None, rule: str | None, run_id: int | None) -> OrganisationFact:
    """One value of one field as read on one page; seeing it again only moves `last_seen`."""
    text = str(value).strip()
    now = utcnow()
    query = select(OrganisationFact).where(OrganisationFact.organisation_id == organisation_id,
                                           OrganisationFact.field == field,
                                           OrganisationFact.value == text)
    query = query.where(OrganisationFact.source_url.is_(None) if source_url is None  # type: ignore[union-attr]
                        else OrganisationFact.source_url == source_url)
    fact = session.exec(query).first()
    if fact is None:
        fact = OrganisationFact(organisation_id=organisation_id, field=field, value=text,
                                source_url=source_url, rule=rule, run_id=run_id,
                                first_seen=now, last_seen=now)
        session.add(fact)
        session.flush()
        return fact
    fact.last_seen = now
    session.add(fact)
    return fact
