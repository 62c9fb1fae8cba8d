"""Idempotent, provenance-keeping upserts of what a source says about an organisation.

A fact, a contact or a relation is stored once per key; seeing it again only moves `last_seen`
(and adds the page to a relation's evidence). Every row keeps the URL it was read from and the
run that first recorded it. Apart from organisation matching and page storage because Meetup
storage, referrals and merging write these rows too. Nothing here commits.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select

from harvester.models import (
    Contact,
    ContactKind,
    Organisation,
    OrganisationFact,
    Relation,
    RelationKind,
    utcnow,
)
from harvester.resolve.suppression_snapshot import SuppressionSnapshot
from harvester.resolve.value_limits import cap
from harvester.suppression import is_suppressed, scrub_suppressed

# A relation keeps at most this many distinct evidence URLs; its count stops there too.
EVIDENCE_CAP = 50


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
                   source_url: str | None, run_id: int | None,
                   suppressed: SuppressionSnapshot | None = None) -> Contact | None:
    """The organisation's contact (unique per kind and value); None when empty or suppressed.

    Suppressed: the email, its domain, the person (named in `value` for a person contact or in
    `person_name`), or the organisation's own domain (forgotten on request as a whole).
    """
    kind = ContactKind(kind)
    value = cap(_normalise_contact(kind, value or ""))
    if not value:
        return None
    person_name = _SPACES.sub(" ", person_name.strip()) if person_name else None
    person = person_name or (value if kind == ContactKind.person else None)
    org = session.get(Organisation, organisation_id)
    check = suppressed or (lambda **kw: is_suppressed(session, **kw))
    if check(email=value if kind == ContactKind.email else None, person=person,
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


def record_fact(session: Session, organisation_id: int, field: str, value: Any, *,
                source_url: str | None, rule: str | None, run_id: int | None) -> OrganisationFact:
    """One value of one field as read on one page; seeing it again only moves `last_seen`."""
    text = cap(scrub_suppressed(session, str(value).strip()) or "")  # no forgotten names/emails
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
