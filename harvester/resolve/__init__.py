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

Added here (#4):

    store_page_facts(..., recompute=True)
        ends by recomputing the organisation's sector and areas; a crawler that recomputes
        each touched organisation after the crawl may pass recompute=False to save time.
    recompute_organisation(session, org_id, pages=None, *, run_id=None) -> dict
        sector (rules, unless seed/review/registry set it; not for Meetup groups) and rule-sourced
        domain areas, from `pages` or from each page's latest stored signals (an OrganisationFact
        "page_signals": compact JSON of name, schema type, numbers, CIC, telling words, keyword
        hits and area scores), so it needs no page bodies.
    stored_pages(session, org_id) -> list[PageFacts]       those stored signals, one per page
    merge_organisations(session, keep_id, drop_id) -> Organisation
        a reviewer's merge: every fact, contact, relation, area, page, event, decision and
        referral moves over with its own provenance; different websites are never merged.
    normalise_postcode(text) -> "BS1 5TX" | None;  SuppressionSnapshot(session)(email=, person=, domain=)

Provenance: every row keeps the URL it was read from, the run that first recorded it (`run_id`)
and `first_seen`/`last_seen`; storing the same thing again only moves `last_seen`. Nothing here
commits: the caller owns the transaction (one per fetched page). Only SQLAlchemy expressions are
used, so the same code runs on SQLite and PostgreSQL.

This package's `__init__` is the contract's one address (`harvester.resolve`, as DESIGN.md names
it); the code lives in the package's small modules, one job each (pure ones marked), so import
from here unless you need a module's own helpers:

    org_matching        find_or_create_organisation: domain, Meetup urlname, name key, fuzzy name
    upserts             record_fact, upsert_contact, upsert_relation (EVIDENCE_CAP)
    store_page          store_page_facts: one page's facts, contacts, links and fields
    org_fields          an organisation's name and fields from a page (source ranks)
    link_targets        the organisation a link points at, created as `discovered`
    recompute           recompute_organisation, stored_pages
    page_signals        the per-page signals digest (pure)
    org_merge           merge_organisations
    cluster_membership  cluster_for_postcode and cluster memberships
    postcodes           normalise_postcode (pure)
    suppression_snapshot  SuppressionSnapshot: the do-not-contact list read once a transaction
    value_limits        how long a stored value may be (pure)
"""

from __future__ import annotations

from harvester.names import name_key, similar
from harvester.resolve.cluster_membership import cluster_for_postcode
from harvester.resolve.org_matching import FUZZY_THRESHOLD, find_or_create_organisation
from harvester.resolve.org_merge import merge_organisations
from harvester.resolve.postcodes import normalise_postcode
from harvester.resolve.recompute import recompute_organisation, stored_pages
from harvester.resolve.store_page import store_page_facts
from harvester.resolve.suppression_snapshot import SuppressionSnapshot
from harvester.resolve.upserts import EVIDENCE_CAP, record_fact, upsert_contact, upsert_relation

__all__ = [
    "EVIDENCE_CAP", "FUZZY_THRESHOLD", "SuppressionSnapshot", "cluster_for_postcode",
    "find_or_create_organisation", "merge_organisations", "name_key", "normalise_postcode",
    "recompute_organisation", "record_fact", "similar", "store_page_facts", "stored_pages",
    "upsert_contact", "upsert_relation",
]
