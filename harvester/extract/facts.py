"""The typed facts extraction hands to `harvester.resolve`: the contract between extract and store.

Website pages give `PageFacts`; Meetup pages and API answers give `MeetupFacts`. Both are plain
dataclasses so extractors stay pure and tests can build them by hand. Fields may be added; the
ones here are relied on by `crawl/store.py`, `harvester.resolve` and `harvester inspect --json`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Person:
    name: str
    role: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Link:
    """An outbound link to another site, with the relation kind its context implies."""

    url: str
    kind: str = "links_to"  # a RelationKind value
    text: str | None = None
    context: str | None = None  # the heading or page kind that decided `kind`


@dataclass(frozen=True)
class SectorDecision:
    sector: str  # a Sector value
    confidence: float
    evidence: list[str] = field(default_factory=list)


@dataclass
class PageFacts:
    """Everything one website page says about the organisation that publishes it."""

    url: str
    name: str | None = None
    name_source: str | None = None  # jsonld | og | title | logo_alt
    description: str | None = None
    schema_type: str | None = None
    logo: str | None = None
    social: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # E.164
    people: list[Person] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    postcodes: list[str] = field(default_factory=list)  # normalised "BS1 5TX"
    charity_numbers: list[str] = field(default_factory=list)
    company_numbers: list[str] = field(default_factory=list)
    is_cic: bool = False
    links: list[Link] = field(default_factory=list)  # other sites
    internal_links: list[str] = field(default_factory=list)  # same site, normalised, to crawl
    sitemaps: list[str] = field(default_factory=list)
    page_kind: str | None = None  # home | about | contact | team | partners | funders | ...
    language: str | None = None
    sector: SectorDecision | None = None  # this page's signals alone
    keyword_hits: dict[str, list[str]] = field(default_factory=dict)  # area id -> keywords hit
    domain_scores: dict[str, float] = field(default_factory=dict)  # area id -> weighted score
    sector_words: dict[str, list[str]] = field(default_factory=dict)  # sector -> telling words seen

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class MeetupVenue:
    id: str | None = None
    name: str | None = None
    address: str | None = None
    city: str | None = None
    postcode: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    state: str | None = None
    venue_type: str | None = None  # "online" for the virtual venue of an ONLINE/HYBRID event


@dataclass
class MeetupEventFacts:
    key: str  # token where the API gives one, else the id from the event URL
    title: str
    url: str | None = None
    group_urlname: str | None = None
    start: str | None = None  # ISO 8601 with offset
    end: str | None = None
    status: str | None = None
    event_type: str | None = None
    venues: list[MeetupVenue] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)  # people's display names (public roles)
    rsvp_count: int | None = None
    synthetic: bool = False  # flagged as invented by a fixture's source
    id: str | None = None  # Meetup's event id (unstable for recurring series; `key` is stable)
    description: str | None = None
    topics: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # outbound links found in the description


@dataclass
class MeetupSponsor:
    name: str
    url: str | None = None
    description: str | None = None


@dataclass
class MeetupGroupFacts:
    urlname: str
    name: str | None = None
    id: str | None = None
    link: str | None = None
    description: str | None = None
    city: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    member_count: int | None = None
    founded: str | None = None
    topics: list[str] = field(default_factory=list)
    category: str | None = None
    organisers: list[Person] = field(default_factory=list)
    sponsors: list[MeetupSponsor] = field(default_factory=list)
    pro_network: dict[str, str] | None = None  # {"name", "urlname", "link"}
    social: dict[str, str] = field(default_factory=dict)  # service -> url; OTHER = website
    website: str | None = None
    links: list[str] = field(default_factory=list)  # outbound links found in the description
    is_private: bool | None = None
    state: str | None = None  # UK groups: a 2-character legacy region code, not a county
    event_count: int | None = None  # the events connection's totalCount when given


@dataclass
class MeetupFacts:
    """What one Meetup page or API answer holds; `errors` are GraphQL errors (HTTP 200)."""

    source_url: str
    source_kind: str  # gql-ext | gql | next-data | jsonld | rest-v3
    groups: list[MeetupGroupFacts] = field(default_factory=list)
    events: list[MeetupEventFacts] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    next_cursor: str | None = None
    has_next_page: bool = False
    total_count: int | None = None
    event_urls: list[str] = field(default_factory=list)  # event pages linked from a group page
