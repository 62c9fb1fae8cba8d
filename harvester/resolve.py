"""Facts -> organisations and relations: entity resolution and idempotent, provenance-keeping upserts.

Owned by the extraction issue (#4). The functions below are the contract other modules call
(crawl, Meetup storage, seeds, referrals); their bodies are written in that issue.

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
"""
