"""A cluster's `meetup:` seed block -> fetch jobs (pure; the crawler does the fetching).

    jobs_for_cluster(meetup, api_mode=False) -> [MeetupJob]   group pages, /find/ sweeps, API queries
    group_jobs(url)                                            group page + /events/ (+ /events/past/)
    find_url(keywords, location, source)                       one /find/ URL, always with keywords=
    sweep_urls(keywords, locations)                            keyword x location x (GROUPS, EVENTS)
    event_jobs(facts, limit)                                   event pages a group page links to
    group_jobs_from_facts(facts, known)                        groups a search page found

Meetup's search pages show only a first batch (about 15 groups or 10 events) and have no page 2,
so coverage comes from sweeping keyword x location combinations and merging by id
(`harvester.extract.meetup.merge.merge_by_id`). Without keywords the find page shows a personalised
feed, so every URL built here carries `keywords=`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from harvester.extract.facts import MeetupFacts
from harvester.extract.meetup.urls import (
    clean_event_url,
    event_id_from_url,
    is_meetup_url,
    meetup_path,
    urlname_from_url,
)

BASE = "https://www.meetup.com"
# Event pages fetched per group from what its group and events pages link: the newest few carry
# the venues and hosts; older ones add little and cost a request each.
MAX_EVENT_PAGES_PER_GROUP = 10
# Groups found on one search page that become group jobs of their own.
MAX_GROUPS_PER_SEARCH = 30
SEARCH_SOURCES = ("GROUPS", "EVENTS")
GQL_EXT_URL = "https://api.meetup.com/gql-ext"


@dataclass(frozen=True)
class MeetupJob:
    """One thing to fetch: a page URL (HTML mode) or an API query (API mode).

    kind: group | events | past_events | event | find | api_group | api_group_search |
          api_event_search | api_pro_network
    """

    url: str
    kind: str
    urlname: str | None = None
    query: dict[str, Any] | None = field(default=None, compare=False, hash=False)


def group_url(urlname: str) -> str:
    return f"{BASE}/{urlname.lower()}/"


def group_jobs(url: str, *, past: bool = True) -> list[MeetupJob]:
    """A group URL (any case, any locale prefix, any sub-page) -> its home and events pages."""
    urlname = urlname_from_url(url)
    if not urlname:
        return []
    jobs = [MeetupJob(group_url(urlname), "group", urlname),
            MeetupJob(f"{BASE}/{urlname}/events/", "events", urlname)]
    if past:
        jobs.append(MeetupJob(f"{BASE}/{urlname}/events/past/", "past_events", urlname))
    return jobs


def find_url(keywords: str, location: str, source: str = "GROUPS", **extra: str) -> str:
    """`/find/?keywords=...&location=...&source=...` (keywords always set: see module doc)."""
    if not keywords or not keywords.strip():
        raise ValueError("a Meetup search needs keywords (without them Meetup shows a personalised feed)")
    params = {"keywords": keywords.strip(), "location": location, "source": source.upper(), **extra}
    return f"{BASE}/find/?{urlencode(params)}"


def parse_find_url(url: str) -> dict[str, str]:
    """The query parameters of a /find/ URL (empty dict for other URLs)."""
    parts = meetup_path(url)
    if not parts or parts[0] != "find":
        return {}
    return dict(parse_qsl(urlsplit(url).query))


def sweep_urls(keywords: Iterable[str], locations: Iterable[str],
               sources: Iterable[str] = SEARCH_SOURCES) -> list[str]:
    """Every keyword x location x source /find/ URL, in a stable order, without duplicates."""
    out: list[str] = []
    for location in dict.fromkeys(locations):
        for keyword in dict.fromkeys(k.strip() for k in keywords if k and k.strip()):
            for source in sources:
                url = find_url(keyword, location, source)
                if url not in out:
                    out.append(url)
    return out


def search_jobs(searches: Iterable[str]) -> list[MeetupJob]:
    """The seed's /find/ URLs kept as given, plus the keyword x location sweep they imply
    (each keyword with each location, for both groups and events)."""
    jobs: list[MeetupJob] = []
    keywords: list[str] = []
    locations: list[str] = []
    for url in searches:
        params = parse_find_url(url)
        if not params:
            continue
        jobs.append(MeetupJob(url, "find"))
        if params.get("keywords"):
            keywords.append(params["keywords"])
        if params.get("location"):
            locations.append(params["location"])
    seen = {_find_key(j.url) for j in jobs}
    for url in sweep_urls(keywords, locations):
        if _find_key(url) not in seen:
            seen.add(_find_key(url))
            jobs.append(MeetupJob(url, "find"))
    return jobs


def _find_key(url: str) -> tuple[tuple[str, str], ...]:
    """The same search whatever the parameter order or case of `source`."""
    return tuple(sorted((k, v.upper() if k == "source" else v) for k, v in parse_find_url(url).items()))


def api_url(kind: str, **params: Any) -> str:
    """A readable, token-free provenance URL for an API query (stored as source_url)."""
    clean = {k: v for k, v in params.items() if v is not None}
    return f"{GQL_EXT_URL}#{kind}" + (f"?{urlencode(clean)}" if clean else "")


def api_jobs(meetup: dict[str, Any]) -> list[MeetupJob]:
    """API mode: groupByUrlname per seed group, groupSearch and eventSearch per `api` query."""
    jobs: list[MeetupJob] = []
    for url in meetup.get("groups") or []:
        urlname = urlname_from_url(url)
        if urlname:
            jobs.append(MeetupJob(api_url("groupByUrlname", urlname=urlname), "api_group", urlname,
                                  {"urlname": urlname}))
    for query in meetup.get("api") or []:
        q = {k: query.get(k) for k in ("query", "lat", "lon", "radius", "topic_category")}
        jobs.append(MeetupJob(api_url("groupSearch", **q), "api_group_search", None, q))
        jobs.append(MeetupJob(api_url("eventSearch", **q), "api_event_search", None, q))
    return list(dict.fromkeys(jobs))


def jobs_for_cluster(meetup: dict[str, Any] | None, *, api_mode: bool = False,
                     past: bool = True) -> list[MeetupJob]:
    """Everything a cluster's Meetup sources ask for, in order: groups, then searches/queries.

    HTML mode (no token): group pages and /find/ sweeps. API mode: API queries for the groups
    and `api` entries; /find/ URLs are still fetched as pages (the API has no equivalent of a
    location code), so a seed's searches are never lost.
    """
    meetup = meetup or {}
    jobs: list[MeetupJob] = []
    if api_mode:
        jobs += api_jobs(meetup)
    else:
        for url in meetup.get("groups") or []:
            jobs += group_jobs(url, past=past)
    jobs += search_jobs(meetup.get("searches") or [])
    return list(dict.fromkeys(jobs))


def event_jobs(facts: MeetupFacts, *, limit: int = MAX_EVENT_PAGES_PER_GROUP) -> list[MeetupJob]:
    """Event pages a group or events page names (parsed events first, then DOM links),
    at most `limit` per group."""
    per_group: dict[str, list[MeetupJob]] = {}
    urls = [e.url for e in facts.events if e.url] + list(facts.event_urls)
    for url in urls:
        url = clean_event_url(url) or url
        urlname = urlname_from_url(url)
        if not urlname or not event_id_from_url(url):
            continue
        bucket = per_group.setdefault(urlname, [])
        if len(bucket) < limit and all(j.url != url for j in bucket):
            bucket.append(MeetupJob(url, "event", urlname))
    return [job for bucket in per_group.values() for job in bucket]


def group_jobs_from_facts(facts: MeetupFacts, known: Iterable[str] = (), *,
                          limit: int = MAX_GROUPS_PER_SEARCH, past: bool = False) -> list[MeetupJob]:
    """Group pages for groups a search page or API answer found and we have not queued yet."""
    seen = {k.lower() for k in known}
    jobs: list[MeetupJob] = []
    added = 0
    urlnames = [g.urlname for g in facts.groups] + [e.group_urlname for e in facts.events if e.group_urlname]
    for urlname in urlnames:
        key = urlname.lower()
        if key in seen or added >= limit:
            continue
        seen.add(key)
        added += 1
        jobs += group_jobs(group_url(key), past=past)
    return jobs


def is_meetup_job_url(url: str) -> bool:
    """True for URLs this module makes jobs of (meetup.com pages and the API)."""
    return is_meetup_url(url) or url.startswith(GQL_EXT_URL)
