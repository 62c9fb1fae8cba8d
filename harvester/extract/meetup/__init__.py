"""Meetup parsers: API answers and public pages -> `MeetupFacts`, whatever the source.

Pure functions, no I/O. Every surface documented in `../shared/reference/meetup.md` lands in the
same facts, so storage does not care which mode ran:

    parse_graphql(url, payload, variables=None)  gql-ext (2025) and legacy gql (2021-2025) answers
    parse_rest_v3(url, payload)                   retired REST v3 JSON (archives, WARC replays)
    parse_next_data(url, html)                    `__NEXT_DATA__` / Apollo state of current pages
    parse_jsonld(url, html)                       schema.org *Event JSON-LD of event pages
    parse_app_runtime(url, html)                  `window.APP_RUNTIME` of 2017-2020 (MWP) pages
    parse_dom(url, html)                          2023 and post-October-2025 DOM selectors
    parse_meetup_page(url, body, headers)         all of the above, merged (JSON first, DOM last)

GraphQL errors arrive with HTTP 200 and are returned in `MeetupFacts.errors`, never as an empty
result. Only organisers (roles ORGANIZER, COORGANIZER, ASST_ORGANIZER, EVENT_ORGANIZER or status
LEADER) are kept from membership lists; ordinary members are dropped here, before anything else
sees them.
"""

from __future__ import annotations

import re

from harvester.extract.facts import MeetupFacts
from harvester.extract.jsonld import without_controls
from harvester.extract.meetup.app_runtime import parse_app_runtime
from harvester.extract.meetup.dom import parse_dom
from harvester.extract.meetup.graphql import parse_graphql
from harvester.extract.meetup.jsonld_events import parse_jsonld
from harvester.extract.meetup.merge import merge_facts
from harvester.extract.meetup.next_data import parse_next_data
from harvester.extract.meetup.payload import load_json
from harvester.extract.meetup.rest_v3 import parse_rest_v3

# ---------------------------------------------------------------- one entry point for any capture


def _decode(body: bytes | str, headers: dict[str, str] | None) -> str:
    if isinstance(body, str):
        return body
    ctype = (headers or {}).get("content-type", "")
    m = re.search(r"charset=([\w-]+)", ctype, re.IGNORECASE)
    try:
        return body.decode(m.group(1) if m else "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def parse_meetup_page(source_url: str, body: bytes | str, headers: dict[str, str] | None = None,
                      ) -> MeetupFacts:
    """Any Meetup capture -> facts: JSON (GraphQL / REST) or HTML (`__NEXT_DATA__`, then
    `APP_RUNTIME`, then JSON-LD, then DOM); the richer source wins, the others fill gaps."""
    text = without_controls(_decode(body, headers))  # as page text: no ESC or NUL reaches a name
    ctype = {k.lower(): v for k, v in (headers or {}).items()}.get("content-type", "").lower()
    stripped = text.lstrip()
    if "json" in ctype or stripped[:1] in "{[" and stripped:
        data, problem = load_json(stripped)
        if problem is None:
            if isinstance(data, dict) and ("data" in data or "errors" in data):
                return parse_graphql(source_url, data)
            return parse_rest_v3(source_url, data)
    results = [parse_next_data(source_url, text), parse_app_runtime(source_url, text),
               parse_jsonld(source_url, text), parse_dom(source_url, text)]
    found = [r for r in results if r is not None]
    primary = found[0]
    return merge_facts(primary, *found[1:])
