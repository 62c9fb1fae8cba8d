"""Interview referrals: an interviewee names an organisation (and perhaps a person) to talk to next.

A referral is the strongest snowball edge: `add_referral` stores a Referral row, a Relation of kind
`referral` from the interviewee's organisation to the named one (created as `discovered` when it is
new, matched by URL/domain or name otherwise) and, when a person is named, a person Contact of the
target organisation, unless that person or organisation is on the do-not-contact list.
Nothing here commits: the caller does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from harvester.decisions import default_reviewer, find_organisation
from harvester.errors import BadInput, NotFound
from harvester.models import Contact, ContactKind, Organisation, Referral, RelationKind
from harvester.resolve.org_matching import find_or_create_organisation
from harvester.resolve.upserts import upsert_contact, upsert_relation
from harvester.suppression import is_suppressed
from harvester.urls import is_http_url, registrable_domain

_BARE_DOMAIN = re.compile(r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/?$", re.I)


@dataclass
class ReferralResult:
    referral: Referral
    target: Organisation
    created: bool  # the target organisation was new
    contact: Contact | None
    person_suppressed: bool


def _as_url(text: str) -> str | None:
    if is_http_url(text):
        return text
    if _BARE_DOMAIN.match(text):
        return f"https://{text.rstrip('/')}/"
    return None


def add_referral(session: Session, from_ref: str | Organisation, to: str, *, person: str | None = None,
                 role: str | None = None, note: str | None = None,
                 reviewer: str | None = None) -> ReferralResult:
    """Record that someone at `from_ref` referred `to` (an id, domain, URL or name)."""
    source = from_ref if isinstance(from_ref, Organisation) else find_organisation(session, from_ref)
    to = " ".join((to or "").split())
    if not to:
        raise BadInput("referral add needs --to: the referred organisation's name or URL")
    url = _as_url(to)
    target: Organisation | None = None
    try:
        target = find_organisation(session, to)
    except NotFound:
        target = None
    created = False
    if target is None:
        name = (registrable_domain(url) or to) if url else to
        newest = session.exec(select(sa.func.max(Organisation.id))).one() or 0
        target = find_or_create_organisation(session, name=name, url=url, cluster_id=source.cluster_id)
        session.flush()
        created = (target.id or 0) > newest
    if target.id == source.id:
        raise BadInput(f"{source.name} cannot refer itself: give another organisation in --to")
    person = " ".join(person.split()) if person else None
    # A person on the do-not-contact list is not written anywhere, not even on the referral.
    person_suppressed = bool(person) and is_suppressed(session, person=person, domain=target.domain)
    referral = Referral(from_organisation_id=source.id, to_organisation_id=target.id,  # type: ignore[arg-type]
                        to_name=to if url is None else None, to_url=url,
                        person_name=None if person_suppressed else person, note=note,
                        reviewer=reviewer if reviewer is not None else default_reviewer())
    session.add(referral)
    session.flush()
    upsert_relation(session, source.id, target.id, RelationKind.referral,  # type: ignore[arg-type]
                    evidence_url=None, run_id=None)
    contact = None
    if person and not person_suppressed:
        contact = upsert_contact(session, target.id, ContactKind.person, person,  # type: ignore[arg-type]
                                 person_name=person, role=role, source_url=None, run_id=None)
    session.flush()
    return ReferralResult(referral=referral, target=target, created=created, contact=contact,
                          person_suppressed=person_suppressed)
