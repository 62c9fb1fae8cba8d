"""The official Meetup GraphQL API (`POST https://api.meetup.com/gql-ext`), used when a token is set.

    token = token_from_env()                       # HARVESTER_MEETUP_TOKEN, or None -> HTML mode
    async with MeetupApi(token, requests_per_minute=config.meetup_requests_per_minute) as api:
        facts = await api.group("bristol-js")     # MeetupFacts, events paged through
        facts = await api.search_groups("tech", 51.45, -2.59, 10)

Politeness and safety:
- a self-imposed budget of `requests_per_minute` (setting `meetup_requests_per_minute`), with an
  injectable clock and sleep so tests run instantly;
- 429 and 5xx are retried (tenacity) after `Retry-After` seconds when given (capped), else
  exponential back-off;
- GraphQL errors arrive with HTTP 200: they raise `MeetupApiError` naming the query;
- the token travels only in the Authorization header of the request: it is never logged, never
  part of a source URL, and never stored (source URLs come from `sources.api_url`).

Any `httpx.AsyncClient` (or an object with `async post(url, json=, headers=)`, or such an async
callable itself) can be passed in, so the crawler can share its transport (WARC capture strips
Authorization).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from harvester.errors import Failure
from harvester.extract.facts import MeetupFacts
from harvester.extract.meetup import parse_graphql
from harvester.extract.meetup.graphql import graphql_errors
from harvester.extract.meetup.merge import merge_facts
from harvester.meetup.sources import GQL_EXT_URL, api_url

log = logging.getLogger("harvester.meetup.api")

TOKEN_ENV = "HARVESTER_MEETUP_TOKEN"
WINDOW_SECONDS = 60.0  # the budget is per minute
PAGE_SIZE = 50
# Pages followed per query: 20 x 50 events or groups is more than any cluster search returns.
MAX_PAGES = 20
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})

# ---------------------------------------------------------------- queries (fields checked against
# the recorded 2025-10 schema introspection by tests/test_meetup_api.py)

EVENT_FIELDS = """
fragment harvesterEvent on Event {
  id token title eventUrl description dateTime endTime duration status eventType
  group { id name urlname }
  venues { id name address city state postalCode country lat lon venueType }
  eventHosts { memberId name }
  rsvps(first: 1) { totalCount }
  topics { edges { node { name } } }
}
"""

GROUP_FIELDS = """
fragment harvesterGroup on Group {
  id name urlname link description city state country lat lon timezone foundedDate isPrivate
  stats { memberCounts { all } }
  organizer { id name memberUrl }
  topicCategory { id name urlkey }
  activeTopics { id name urlkey }
  socialNetworks { service url identifier }
  proNetwork { name urlname link }
}
"""

GROUP_BY_URLNAME = """
query harvesterGroupByUrlname($urlname: String!, $first: Int = 50, $cursor: String) {
  groupByUrlname(urlname: $urlname) {
    ...harvesterGroup
    sponsors(first: 50) { edges { node { name url description } } }
    memberships(first: 50, filter: {status: LEADER}) {
      edges { node { id name memberUrl } metadata { role status } }
    }
    events(first: $first, after: $cursor, sort: DESC, filter: {status: [ACTIVE, PAST, CANCELLED]}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...harvesterEvent } }
    }
  }
}
""" + GROUP_FIELDS + EVENT_FIELDS

GROUP_SEARCH = """
query harvesterGroupSearch($query: String!, $lat: Float!, $lon: Float!, $radius: Float,
                           $topicCategoryId: ID, $first: Int = 50, $cursor: String) {
  groupSearch(first: $first, after: $cursor,
              filter: {query: $query, lat: $lat, lon: $lon, radius: $radius,
                       topicCategoryId: $topicCategoryId}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { ...harvesterGroup } }
  }
}
""" + GROUP_FIELDS

EVENT_SEARCH = """
query harvesterEventSearch($query: String!, $lat: Float!, $lon: Float!, $radius: Float,
                           $topicCategoryId: ID, $first: Int = 50, $cursor: String) {
  eventSearch(first: $first, after: $cursor,
              filter: {query: $query, lat: $lat, lon: $lon, radius: $radius,
                       topicCategoryId: $topicCategoryId}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { ...harvesterEvent } }
  }
}
""" + EVENT_FIELDS

PRO_NETWORK_GROUPS = """
query harvesterProNetworkGroups($urlname: ID!, $first: Int = 50, $cursor: String) {
  proNetwork(urlname: $urlname) {
    name urlname link
    groupsSearch(input: {first: $first, after: $cursor}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...harvesterGroup } }
    }
  }
}
""" + GROUP_FIELDS

QUERIES: dict[str, str] = {
    "groupByUrlname": GROUP_BY_URLNAME,
    "groupSearch": GROUP_SEARCH,
    "eventSearch": EVENT_SEARCH,
    "proNetwork": PRO_NETWORK_GROUPS,
}


class MeetupApiError(Failure):
    """The Meetup API refused a query (GraphQL errors, a bad token, or an HTTP error)."""


class _Retryable(Exception):
    def __init__(self, status: int, wait: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.wait = wait


def token_from_env(env: dict[str, str] | None = None) -> str | None:
    """The API token from HARVESTER_MEETUP_TOKEN (None -> HTML mode). Never stored anywhere."""
    value = (os.environ if env is None else env).get(TOKEN_ENV, "").strip()
    return value or None


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds (a number of seconds; HTTP dates are treated as 60 s)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return 60.0


class RequestBudget:
    """At most `per_minute` requests in any 60-second window (sliding), waiting when spent."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.per_minute = max(1, int(per_minute))
        self.clock = clock
        self.sleep = sleep
        self.sent: deque[float] = deque()
        self.waited = 0.0

    async def acquire(self) -> None:
        while True:
            now = self.clock()
            while self.sent and now - self.sent[0] >= WINDOW_SECONDS:
                self.sent.popleft()
            if len(self.sent) < self.per_minute:
                self.sent.append(now)
                return
            wait = WINDOW_SECONDS - (now - self.sent[0])
            self.waited += wait
            await self.sleep(wait)


class MeetupApi:
    """A gql-ext client with cursor pagination, a request budget and 429 handling.

    :param token: the OAuth bearer token of a Meetup Pro account.
    :param client: an httpx.AsyncClient (or compatible), or an async callable
        `(url, json=, headers=) -> httpx.Response`, to send through; one is made otherwise.
    :param requests_per_minute: the self-imposed budget (setting `meetup_requests_per_minute`).
    :param retries: attempts per request for 429 / 5xx / transport errors.
    :param max_retry_wait: longest Retry-After honoured, in seconds.
    :param clock, sleep: time source and sleeper (tests inject fakes).
    """

    def __init__(self, token: str, *, client: Any = None, requests_per_minute: int = 30,
                 retries: int = 4, max_retry_wait: float = 120.0, user_agent: str | None = None,
                 endpoint: str = GQL_EXT_URL, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        if not token:
            raise MeetupApiError(f"no Meetup API token: set {TOKEN_ENV} or harvest in HTML mode")
        self._token = token
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(30.0))
        self.endpoint = endpoint
        self.budget = RequestBudget(requests_per_minute, clock=clock, sleep=sleep)
        self.retries = max(1, retries)
        self.max_retry_wait = max_retry_wait
        self._sleep = sleep
        self._user_agent = user_agent
        self.requests = 0

    def __repr__(self) -> str:  # never show the token
        return f"MeetupApi(endpoint={self.endpoint!r}, token=<hidden>)"

    async def __aenter__(self) -> MeetupApi:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()

    # -- one request ---------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._token}", "Content-Type": "application/json",
                   "Accept": "application/json"}
        if self._user_agent:
            headers["User-Agent"] = self._user_agent
        return headers

    async def _send_once(self, name: str, body: dict[str, Any]) -> httpx.Response:
        await self.budget.acquire()
        self.requests += 1
        log.debug("Meetup API query %s variables=%s", name, body.get("variables"))
        try:
            post = getattr(self._client, "post", None) or self._client  # a client, or an async callable
            response = await post(self.endpoint, json=body, headers=self._headers())
        except httpx.TransportError as exc:
            raise _Retryable(0, None) from exc
        if response.status_code in RETRYABLE_STATUS:
            wait = retry_after_seconds(response.headers.get("retry-after"))
            log.info("Meetup API query %s: HTTP %s, retrying", name, response.status_code)
            raise _Retryable(response.status_code, wait)
        return response

    def _wait(self, retry_state: Any) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        wait = exc.wait if isinstance(exc, _Retryable) else None
        if wait is None:
            wait = min(2.0 ** retry_state.attempt_number, 60.0)
        return min(wait, self.max_retry_wait)

    async def query(self, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Run one of `QUERIES` and return the JSON answer; GraphQL errors raise MeetupApiError."""
        body = {"query": QUERIES[name], "variables": {k: v for k, v in variables.items() if v is not None}}
        retrying = AsyncRetrying(stop=stop_after_attempt(self.retries), wait=self._wait,
                                 retry=retry_if_exception_type(_Retryable), sleep=self._sleep,
                                 reraise=True)
        try:
            response = await retrying(self._send_once, name, body)
        except _Retryable as exc:
            what = f"HTTP {exc.status}" if exc.status else "no connection"
            raise MeetupApiError(f"Meetup API query {name}: {what} after {self.retries} attempts; "
                                 "try again later or lower meetup_requests_per_minute") from None
        if response.status_code in (401, 403):
            raise MeetupApiError(f"Meetup API query {name}: token refused (HTTP {response.status_code}); "
                                 f"check {TOKEN_ENV} (API access needs an active Meetup Pro subscription)")
        if response.status_code >= 400:
            raise MeetupApiError(f"Meetup API query {name}: HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise MeetupApiError(f"Meetup API query {name}: the answer is not JSON") from None
        errors = graphql_errors(data)
        if errors:
            raise MeetupApiError(f"Meetup API query {name} failed: {'; '.join(errors)}")
        return data

    # -- paged queries -> facts ----------------------------------------------------------------

    async def paged(self, name: str, variables: dict[str, Any], *, source_url: str,
                    max_pages: int = MAX_PAGES) -> MeetupFacts:
        """Follow `pageInfo.endCursor` while `hasNextPage`, merging every page's facts."""
        merged: MeetupFacts | None = None
        cursor: str | None = None
        for _ in range(max(1, max_pages)):
            page_vars = {**variables, "first": PAGE_SIZE, "cursor": cursor}
            data = await self.query(name, page_vars)
            facts = parse_graphql(source_url, data, page_vars)
            if merged is None:
                merged = facts
                merged.source_url = source_url
            else:
                merge_facts(merged, facts)
            merged.has_next_page, merged.next_cursor = facts.has_next_page, facts.next_cursor
            if not facts.has_next_page or not facts.next_cursor or facts.next_cursor == cursor:
                break
            cursor = facts.next_cursor
        assert merged is not None
        return merged

    async def group(self, urlname: str, *, max_pages: int = MAX_PAGES) -> MeetupFacts:
        return await self.paged("groupByUrlname", {"urlname": urlname},
                                source_url=api_url("groupByUrlname", urlname=urlname), max_pages=max_pages)

    async def search_groups(self, query: str, lat: float, lon: float, radius: float | None = None,
                            topic_category: Any = None, *, max_pages: int = MAX_PAGES) -> MeetupFacts:
        variables = {"query": query, "lat": lat, "lon": lon, "radius": radius,
                     "topicCategoryId": str(topic_category) if topic_category is not None else None}
        return await self.paged("groupSearch", variables, max_pages=max_pages, source_url=api_url(
            "groupSearch", query=query, lat=lat, lon=lon, radius=radius, topic_category=topic_category))

    async def search_events(self, query: str, lat: float, lon: float, radius: float | None = None,
                            topic_category: Any = None, *, max_pages: int = MAX_PAGES) -> MeetupFacts:
        variables = {"query": query, "lat": lat, "lon": lon, "radius": radius,
                     "topicCategoryId": str(topic_category) if topic_category is not None else None}
        return await self.paged("eventSearch", variables, max_pages=max_pages, source_url=api_url(
            "eventSearch", query=query, lat=lat, lon=lon, radius=radius, topic_category=topic_category))

    async def pro_network_groups(self, urlname: str, *, max_pages: int = MAX_PAGES) -> MeetupFacts:
        return await self.paged("proNetwork", {"urlname": urlname},
                                source_url=api_url("proNetwork", urlname=urlname), max_pages=max_pages)

    async def run_job(self, job: Any) -> MeetupFacts:
        """One `sources.MeetupJob` of an api_* kind -> facts."""
        q = job.query or {}
        if job.kind == "api_group":
            return await self.group(q["urlname"])
        if job.kind == "api_group_search":
            return await self.search_groups(q["query"], q["lat"], q["lon"], q.get("radius"),
                                            q.get("topic_category"))
        if job.kind == "api_event_search":
            return await self.search_events(q["query"], q["lat"], q["lon"], q.get("radius"),
                                             q.get("topic_category"))
        if job.kind == "api_pro_network":
            return await self.pro_network_groups(q["urlname"])
        raise ValueError(f"not an API job: {job.kind}")
