"""Everything one page says, into the database: the step of a harvest after extraction.

The page's organisation is found or created, then its facts, contacts and relations are
upserted with the page as their source, the organisation's own fields improved, the link
targets found or created, and (unless the caller does it later) its sector and areas
recomputed. Counts of the new rows come from the session's flushes, not COUNT queries. Nothing
here commits: the caller owns the transaction (a few pages per transaction in a harvest).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import Session, select

from harvester.extract.facts import Link, PageFacts
from harvester.models import (
    Contact,
    ContactKind,
    Organisation,
    OrganisationFact,
    OrgKind,
    OrgStatus,
    Page,
    Relation,
    RelationKind,
    utcnow,
)
from harvester.resolve.cluster_membership import set_postcodes
from harvester.resolve.link_targets import link_target, sector_from_domain
from harvester.resolve.org_fields import set_scalars
from harvester.resolve.org_matching import find_or_create
from harvester.resolve.page_signals import SIGNALS_FIELD, signals_digest
from harvester.resolve.postcodes import normalise_postcode
from harvester.resolve.recompute import recompute_organisation
from harvester.resolve.suppression_snapshot import SuppressionSnapshot
from harvester.resolve.upserts import upsert_contact, upsert_relation
from harvester.resolve.value_limits import cap
from harvester.urls import is_http_url, registrable_domain


def store_page_facts(session: Session, page: Page | None, facts: PageFacts, *, run_id: int | None,
                     recompute: bool = True) -> dict[str, int]:
    """Everything one page says, into the database, in the caller's transaction.

    The page's organisation is `page.organisation_id`, else found or created from the page URL's
    domain (and set on the page). Facts, contacts and relations are upserted with this page as
    their source; storing the same facts again changes nothing but `last_seen`; a fact the page
    no longer shows keeps its old `last_seen`. Then the organisation's sector and domain areas
    are recomputed from all its stored pages (`recompute=False` leaves that to the caller).
    Returns counts: new_organisations, new_relations, new_contacts, new_facts, updated_fields.
    """
    source_url = facts.url or (page.final_url or page.url if page is not None else "")
    # What was pending before this page is not counted as this page's: flushed now if it holds
    # rows to count or facts the look-up below reads; else (a harvest: the page's own updated
    # columns) it goes with this page's first flush, one flush a page fewer.
    if session.new or session.deleted or any(isinstance(obj, OrganisationFact) for obj in session.dirty):
        session.flush()
    inserted = _InsertCounter(session)
    try:
        return _store_page_facts(session, page, facts, source_url, inserted, run_id=run_id,
                                 recompute=recompute)
    finally:
        inserted.close()


def _store_page_facts(session: Session, page: Page | None, facts: PageFacts, source_url: str,
                      inserted: _InsertCounter, *, run_id: int | None, recompute: bool) -> dict[str, int]:
    org: Organisation | None = None
    if page is not None and page.organisation_id is not None:
        org = session.get(Organisation, page.organisation_id)
    if org is None:
        domain = registrable_domain(source_url) if is_http_url(source_url) else None
        if not domain:
            raise ValueError(f"cannot tell which organisation publishes {source_url!r}")
        strong_name = facts.name if facts.name_source in ("jsonld", "og") and facts.name else None
        parts = urlsplit(source_url)
        org, _ = find_or_create(session, name=strong_name or domain,
                                url=f"{parts.scheme}://{parts.netloc}/", kind=OrgKind.organisation,
                                cluster_id=page.cluster_id if page is not None else None,
                                status=OrgStatus.discovered, source_url=None, run_id=run_id,
                                meetup_urlname=None)
        if page is not None and page.organisation_id is None:
            page.organisation_id = org.id
            session.add(page)
    assert org.id is not None
    org_id = org.id
    suppressed = SuppressionSnapshot.for_session(session)
    scrub = suppressed.scrubber()
    # This page's facts about its organisation, read once (a look-up per fact was the cost).
    known: dict[tuple[str, str], OrganisationFact] = {}
    with session.no_autoflush:  # nothing pending touches these rows (see store_page_facts)
        rows = session.exec(select(OrganisationFact).where(
            OrganisationFact.organisation_id == org_id, OrganisationFact.source_url == source_url)
            .order_by(OrganisationFact.id)).all()
    for row in rows:
        known.setdefault((row.field, row.value), row)
    now = utcnow()

    def fact(field: str, value: Any, rule: str) -> None:
        """record_fact for this page's organisation and URL, from `known` (same rows)."""
        if value is None or str(value).strip() == "":
            return
        text = cap(scrub(str(value).strip()) or "")
        row = known.get((field, text))
        if row is None:
            row = known[(field, text)] = OrganisationFact(
                organisation_id=org_id, field=field, value=text, source_url=source_url, rule=rule,
                run_id=run_id, first_seen=now, last_seen=now)
        else:
            row.last_seen = now
        session.add(row)

    fact("name", facts.name, facts.name_source or "page")
    fact("description", facts.description, "page")
    fact("schema_type", facts.schema_type, "jsonld")
    fact("logo", facts.logo, "page")
    for pc in facts.postcodes:
        fact("postcode", normalise_postcode(pc) or pc, "text")
    for number in facts.charity_numbers:
        fact("charity_number", number, "text")
    for number in facts.company_numbers:
        fact("company_number", number, "text")
    if facts.is_cic:
        fact("is_cic", "true", "text")
    fact(SIGNALS_FIELD, signals_digest(facts), "classify")

    facts.description = scrub(facts.description)  # forgotten names/emails out
    updated = set_scalars(session, org, facts) + set_postcodes(session, org, facts.postcodes)
    org.last_seen = utcnow()
    session.add(org)

    def contact(kind: ContactKind, value: str | None, **kw: Any) -> None:
        if value:
            upsert_contact(session, org_id, kind, value, source_url=source_url, run_id=run_id,
                           suppressed=suppressed, **kw)

    for email in facts.emails:
        contact(ContactKind.email, email)
    for phone in facts.phones:
        contact(ContactKind.phone, phone)
    for person in facts.people:
        if person.name and upsert_contact(session, org_id, ContactKind.person, person.name,
                                          person_name=person.name, role=person.role,
                                          source_url=source_url, run_id=run_id,
                                          suppressed=suppressed) is None:
            continue  # a suppressed person: nothing of theirs is kept
        contact(ContactKind.email, person.email, person_name=person.name, role=person.role)
        contact(ContactKind.phone, person.phone, person_name=person.name, role=person.role)
    for address in facts.addresses:
        contact(ContactKind.address, address)
    for profile in facts.social:
        contact(ContactKind.social, profile)

    new_targets: list[Organisation] = []
    for link in facts.links:
        try:
            kind = RelationKind(link.kind)
        except ValueError:
            kind = RelationKind.links_to
        target, created = link_target(session, Link(link.url, kind.value, link.text, link.context),
                                      org, source_url=source_url, run_id=run_id,
                                      suppressed=suppressed)
        if target is None:
            continue
        if created:
            new_targets.append(target)
        upsert_relation(session, org_id, target.id, kind,  # type: ignore[arg-type]
                        evidence_url=source_url, run_id=run_id)
    for target in new_targets:
        if target.kind == OrgKind.organisation:
            sector_from_domain(target)
    if recompute:
        recompute_organisation(session, org_id, run_id=run_id)
    session.flush()
    return {
        "new_organisations": inserted.count(Organisation),
        "new_relations": inserted.count(Relation, source_id=org_id),
        "new_contacts": inserted.count(Contact, organisation_id=org_id),
        "new_facts": inserted.count(OrganisationFact, organisation_id=org_id),
        "updated_fields": updated,
    }


class _InsertCounter:
    """Rows a session inserts (less those it deletes) from now on, counted as they are flushed:
    what COUNT(*) before and after would say, without eight COUNT queries per page."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: list[tuple[Any, int]] = []  # (object, +1 inserted / -1 deleted)
        sa.event.listen(session, "before_flush", self._before_flush)

    def _before_flush(self, session: Any, _context: Any, _instances: Any) -> None:
        self.rows.extend((obj, 1) for obj in session.new)
        self.rows.extend((obj, -1) for obj in session.deleted if obj not in session.new)

    def count(self, model: type, **where: Any) -> int:
        return sum(sign for obj, sign in self.rows if type(obj) is model
                   and all(getattr(obj, k) == v for k, v in where.items()))

    def close(self) -> None:
        sa.event.remove(self.session, "before_flush", self._before_flush)
