"""SQLModel tables: the data model of DESIGN.md, with provenance on every fact.

Every fact (a contact, a relation, a domain area, an organisation field) carries the URL it was
read from, the harvest run that read it and first/last-seen times in UTC. Timestamps are stored
as naive UTC by `UTCDateTime` (SQLite has no time zones) and come back timezone-aware.

Tables (one line each; details on the classes):
    Cluster                 a seed file's cluster: id, name, postcode areas, Meetup sources
    Organisation            one real organisation or Meetup group, keyed on registrable domain
    OrganisationCluster     which clusters an organisation belongs to (home cluster + others)
    OrganisationFact        one value of one field of an organisation, with its source page
    DomainArea              a taxonomy term (seeds/taxonomy.yaml)
    OrganisationDomainArea  an organisation's score in a domain area, with evidence
    Contact                 email / phone / person / social / address of an organisation
    Relation                a typed, directed edge between two organisations
    Page                    a URL: the frontier (queued) and the fetch log (fetched, failed, ...)
    Host                    per-host crawl state (politeness, worker claims)
    MeetupEvent             an event of a Meetup group
    HarvestRun              one harvest (or schedule cycle) with its counts
    Decision                append-only review decisions
    Referral                who an interviewee referred
    Suppression             do-not-contact entries (email, domain, person)
    ContactUse              where a contact was used (proposals, exports): for subject access
    Lock                    named locks (one harvest at a time per database)
    Quota                   recruitment quota per cluster x sector group (snowball)
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Now, timezone-aware UTC: the only clock the models use."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Store datetimes as naive UTC, return them as aware UTC (SQLite keeps no zone)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(**kw: Any) -> Any:
    """A UTC timestamp column."""
    nullable = kw.pop("nullable", True)
    return Field(sa_column=sa.Column(UTCDateTime(), nullable=nullable, **kw), **(
        {"default_factory": utcnow} if not nullable else {"default": None}))


def _json(default_factory: Any = dict) -> Any:
    return Field(default_factory=default_factory, sa_column=sa.Column(sa.JSON, nullable=False))


# ---------------------------------------------------------------- enums


class Sector(StrEnum):
    government = "government"
    industry = "industry"
    university = "university"
    third_sector = "third_sector"
    unknown = "unknown"


SECTOR_GROUPS = (Sector.government, Sector.industry, Sector.university, Sector.third_sector)


class SectorSource(StrEnum):
    """Who decided the sector; seed and review always win over rule and registry."""

    seed = "seed"
    rule = "rule"
    registry = "registry"
    review = "review"


class OrgKind(StrEnum):
    organisation = "organisation"
    meetup_group = "meetup_group"


class OrgStatus(StrEnum):
    seed = "seed"
    discovered = "discovered"
    candidate = "candidate"
    accepted = "accepted"
    rejected = "rejected"
    contacted = "contacted"
    interviewed = "interviewed"
    excluded = "excluded"


# Statuses whose organisations are "included" in the sample (crawled, counted for co-links).
INCLUDED_STATUSES = (OrgStatus.seed, OrgStatus.accepted, OrgStatus.contacted, OrgStatus.interviewed)


class ContactKind(StrEnum):
    email = "email"
    phone = "phone"
    person = "person"
    social = "social"
    address = "address"


class RelationKind(StrEnum):
    links_to = "links_to"
    partner = "partner"
    funder = "funder"
    sponsor = "sponsor"
    member_of = "member_of"
    client = "client"
    hosts_event = "hosts_event"
    organises = "organises"
    venue = "venue"
    referral = "referral"


class PageState(StrEnum):
    """Where a URL is in its life: queued in the frontier, or what its last fetch gave."""

    queued = "queued"
    fetching = "fetching"
    fetched = "fetched"
    not_modified = "not_modified"
    failed = "failed"
    denied = "denied"  # robots.txt, private address, or not allowed content type
    skipped = "skipped"  # over the page budget or depth


class RunStatus(StrEnum):
    running = "running"
    completed = "completed"
    failed = "failed"
    interrupted = "interrupted"


class DecisionKind(StrEnum):
    accept = "accept"
    reject = "reject"
    defer = "defer"
    contacted = "contacted"
    interviewed = "interviewed"
    note = "note"
    set_sector = "set_sector"
    set_name = "set_name"
    exclude = "exclude"


class SuppressionKind(StrEnum):
    email = "email"
    domain = "domain"
    person = "person"


def _enum(enum: type[StrEnum], default: Any = None, *, nullable: bool = False, index: bool = False,
          ) -> Any:
    """An enum stored as its string value (portable across SQLite and PostgreSQL)."""
    col = sa.Column(sa.Enum(enum, native_enum=False, length=24, validate_strings=True,
                            values_callable=lambda e: [m.value for m in e]),
                    nullable=nullable, index=index)
    return Field(default=default, sa_column=col)


# ---------------------------------------------------------------- tables


class Cluster(SQLModel, table=True):
    """A cluster from a seed file: its id, display name, postcode areas and Meetup sources."""

    id: str = Field(primary_key=True, max_length=64)
    name: str
    postcode_areas: list[str] = _json(list)
    meetup: dict[str, Any] = _json(dict)  # {"groups": [...], "searches": [...], "api": [...]}
    source_file: str | None = None
    created_at: datetime = _ts(nullable=False)
    updated_at: datetime = _ts(nullable=False)


class Organisation(SQLModel, table=True):
    """One real organisation (keyed on registrable domain) or one Meetup group (on urlname)."""

    __table_args__ = (
        sa.UniqueConstraint("domain", name="uq_organisation_domain"),
        sa.UniqueConstraint("meetup_urlname", name="uq_organisation_meetup_urlname"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    name_key: str = Field(default="", index=True)  # normalised name for entity resolution
    kind: OrgKind = _enum(OrgKind, OrgKind.organisation)
    domain: str | None = Field(default=None, max_length=253)  # registrable domain, unique
    homepage: str | None = None
    meetup_urlname: str | None = Field(default=None, max_length=200)  # lower-cased
    sector: Sector = _enum(Sector, Sector.unknown, index=True)
    sector_source: SectorSource = _enum(SectorSource, SectorSource.rule)
    sector_confidence: float = 0.0
    sector_evidence: list[Any] = _json(list)
    cluster_id: str | None = Field(default=None, foreign_key="cluster.id", index=True)
    postcode: str | None = None
    in_cluster: bool | None = None  # postcode / Meetup city inside the cluster's areas
    charity_number: str | None = None
    company_number: str | None = None
    is_cic: bool = False
    description: str | None = None
    schema_type: str | None = None
    logo: str | None = None
    city: str | None = None
    member_count: int | None = None
    founded: str | None = None
    wave: int | None = Field(default=None, index=True)
    status: OrgStatus = _enum(OrgStatus, OrgStatus.discovered, index=True)
    recruited_from_id: int | None = Field(default=None, foreign_key="organisation.id")
    seed_id: int | None = Field(default=None, foreign_key="organisation.id")
    notes: str | None = None
    first_seen: datetime = _ts(nullable=False)
    last_seen: datetime = _ts(nullable=False)
    first_run_id: int | None = Field(default=None, foreign_key="harvestrun.id")


class OrganisationCluster(SQLModel, table=True):
    """An organisation's membership of a cluster. An anchor institution (the BBC) can belong to
    several clusters; `Organisation.cluster_id` is its home cluster (first assigned)."""

    __table_args__ = (sa.UniqueConstraint("organisation_id", "cluster_id", name="uq_org_cluster"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    cluster_id: str = Field(foreign_key="cluster.id", index=True)
    source: str = "seed"  # seed | postcode | meetup | crawl
    created_at: datetime = _ts(nullable=False)


def in_cluster(cluster_id: str) -> Any:
    """A WHERE clause: the organisation is in `cluster_id` (home cluster or membership)."""
    member = sa.select(OrganisationCluster.organisation_id).where(
        OrganisationCluster.cluster_id == cluster_id)
    return sa.or_(Organisation.cluster_id == cluster_id, Organisation.id.in_(member))


class OrganisationFact(SQLModel, table=True):
    """One value of one field (name, description, postcode, charity_number, ...) and its source."""

    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "field", "value", "source_url",
                            name="uq_fact_org_field_value_source"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    field: str = Field(max_length=64)
    value: str
    source_url: str | None = None
    rule: str | None = None  # the extractor or rule that produced it ("jsonld", "seed", "review")
    run_id: int | None = Field(default=None, foreign_key="harvestrun.id")
    first_seen: datetime = _ts(nullable=False)
    last_seen: datetime = _ts(nullable=False)


class DomainArea(SQLModel, table=True):
    """A taxonomy term from seeds/taxonomy.yaml."""

    id: str = Field(primary_key=True, max_length=64)
    label: str
    sic_codes: list[str] = _json(list)


class OrganisationDomainArea(SQLModel, table=True):
    """An organisation's score in a domain area, with the pages that support it."""

    __table_args__ = (sa.UniqueConstraint("organisation_id", "domain_area_id",
                                          name="uq_org_domain_area"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    domain_area_id: str = Field(foreign_key="domainarea.id", index=True)
    score: float = 0.0
    source: str = "rule"  # seed | rule | meetup | review
    evidence_url: str | None = None
    evidence: list[Any] = _json(list)  # [{"url": ..., "keywords": [...]}]
    run_id: int | None = Field(default=None, foreign_key="harvestrun.id")
    first_seen: datetime = _ts(nullable=False)
    last_seen: datetime = _ts(nullable=False)


class Contact(SQLModel, table=True):
    """A public business contact of an organisation, with the page that shows it."""

    __table_args__ = (sa.UniqueConstraint("organisation_id", "kind", "value",
                                          name="uq_contact_org_kind_value"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    kind: ContactKind = _enum(ContactKind, index=True)
    value: str = Field(index=True)  # email lower-cased, phone E.164, person name, URL, address
    person_name: str | None = Field(default=None, index=True)
    role: str | None = None
    source_url: str | None = None
    run_id: int | None = Field(default=None, foreign_key="harvestrun.id")
    first_seen: datetime = _ts(nullable=False)
    last_seen: datetime = _ts(nullable=False)


class Relation(SQLModel, table=True):
    """A typed, directed edge between two organisations; unique per (source, target, kind)."""

    __table_args__ = (sa.UniqueConstraint("source_id", "target_id", "kind",
                                          name="uq_relation_source_target_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="organisation.id", index=True)
    target_id: int = Field(foreign_key="organisation.id", index=True)
    kind: RelationKind = _enum(RelationKind, index=True)
    evidence_url: str | None = None
    evidence: list[Any] = _json(list)  # distinct evidence URLs (capped)
    count: int = 1
    run_id: int | None = Field(default=None, foreign_key="harvestrun.id")
    first_seen: datetime = _ts(nullable=False)
    last_seen: datetime = _ts(nullable=False)


class Page(SQLModel, table=True):
    """A URL: queued in the frontier, or the record of its last fetch. Bodies are not kept."""

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=sa.Column(sa.Text, nullable=False, unique=True))
    host: str = Field(index=True)
    site: str | None = Field(default=None, index=True)  # registrable domain or meetup:<urlname>
    source: str = "web"  # web | meetup | meetup_api | sitemap | robots
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    cluster_id: str | None = Field(default=None, foreign_key="cluster.id")
    depth: int = 0
    priority: float = 0.0  # lower first
    state: PageState = _enum(PageState, PageState.queued, index=True)
    status_code: int | None = None
    final_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    content_type: str | None = None
    bytes: int | None = None
    truncated: bool = False
    fetched_at: datetime | None = _ts()
    next_visit_at: datetime | None = _ts()
    run_id: int | None = Field(default=None, foreign_key="harvestrun.id")
    error: str | None = None  # a stable slug such as "connect-timeout", "http-503", "robots"
    claimed_by: str | None = None
    first_seen: datetime = _ts(nullable=False)


class Host(SQLModel, table=True):
    """Per-host crawl state shared by workers: politeness clock and who has claimed the host."""

    host: str = Field(primary_key=True, max_length=253)
    crawl_delay: float | None = None
    next_request_at: datetime | None = _ts()
    blocked_until: datetime | None = _ts()  # robots.txt unreachable, Retry-After
    claimed_by: str | None = None
    claimed_at: datetime | None = _ts()


class MeetupEvent(SQLModel, table=True):
    """An event of a Meetup group, keyed on the API's stable token or the event URL id."""

    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(sa_column=sa.Column(sa.String(200), nullable=False, unique=True))
    group_id: int = Field(foreign_key="organisation.id", index=True)
    title: str
    start: datetime | None = _ts()
    end: datetime | None = _ts()
    status: str | None = None
    event_type: str | None = None  # PHYSICAL | ONLINE | HYBRID
    venue_name: str | None = None
    venue_address: str | None = None
    venue_city: str | None = None
    venue_postcode: str | None = None
    venue_organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    url: str | None = None
    host_organisation_ids: list[int] = _json(list)
    rsvp_count: int | None = None
    source_url: str | None = None
    run_id: int | None = Field(default=None, foreign_key="harvestrun.id")
    first_seen: datetime = _ts(nullable=False)
    last_seen: datetime = _ts(nullable=False)


class HarvestRun(SQLModel, table=True):
    """One harvest or scheduled cycle: when, with what arguments, how it ended, what it found."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = "harvest"  # harvest | schedule | demo | import
    started_at: datetime = _ts(nullable=False)
    finished_at: datetime | None = _ts()
    status: RunStatus = _enum(RunStatus, RunStatus.running, index=True)
    arguments: dict[str, Any] = _json(dict)
    counts: dict[str, Any] = _json(dict)
    error: str | None = None
    worker: str | None = None


class Decision(SQLModel, table=True):
    """An append-only review decision; an edit is a new row that `amends_id` the old one."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    decision: DecisionKind = _enum(DecisionKind)
    note: str | None = None
    value: str | None = None  # for set_sector / set_name
    tags: list[str] = _json(list)
    reviewer: str = ""
    wave: int | None = None
    amends_id: int | None = Field(default=None, foreign_key="decision.id")
    created_at: datetime = _ts(nullable=False)


class Referral(SQLModel, table=True):
    """An interviewee's referral of an organisation or a person: the strongest snowball edge."""

    id: int | None = Field(default=None, primary_key=True)
    from_organisation_id: int = Field(foreign_key="organisation.id", index=True)
    to_organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    to_name: str | None = None
    to_url: str | None = None
    person_name: str | None = None
    note: str | None = None
    reviewer: str = ""
    created_at: datetime = _ts(nullable=False)


class Suppression(SQLModel, table=True):
    """A do-not-contact entry: never store, propose or export what matches it."""

    __table_args__ = (sa.UniqueConstraint("kind", "value", name="uq_suppression_kind_value"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: SuppressionKind = _enum(SuppressionKind)
    value: str  # normalised: email lower-cased, domain registrable, person name key
    reason: str | None = None
    # The request `forget` added this entry with, as "KIND VALUE" ("person jane doe"), when it is
    # not the entry asked for (a forgotten person's address, a forgotten address's owner):
    # `subject-access` shows it with the request once the contacts that tied them are gone.
    forgotten_with: str | None = Field(default=None, index=True)
    created_at: datetime = _ts(nullable=False)


class ContactUse(SQLModel, table=True):
    """Where a contact was used (a proposal, an export): subject access reports it."""

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    purpose: str  # proposal | export | review
    detail: str | None = None
    at: datetime = _ts(nullable=False)


class Lock(SQLModel, table=True):
    """A named lock with its owner and heartbeat, so a crashed holder's lock can be taken over."""

    name: str = Field(primary_key=True, max_length=64)
    owner: str
    pid: int | None = None
    hostname: str | None = None
    acquired_at: datetime = _ts(nullable=False)
    heartbeat_at: datetime = _ts(nullable=False)


class Quota(SQLModel, table=True):
    """A recruitment quota: how many included organisations of one sector group a cluster should
    have. `harvester propose` says which quota each candidate fills (harvester.recruitment)."""

    __table_args__ = (sa.UniqueConstraint("cluster_id", "sector", name="uq_quota_cluster_sector"),)

    id: int | None = Field(default=None, primary_key=True)
    cluster_id: str = Field(foreign_key="cluster.id", index=True)
    sector: Sector = _enum(Sector)
    target: int = 0
    updated_at: datetime = _ts(nullable=False)
