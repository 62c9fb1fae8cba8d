"""Any Meetup capture (a fetched page or API body) -> one set of facts, whatever its surface.

Apart because this is the one entry point the crawler and `inspect` call: it decodes the body,
sends JSON to the GraphQL or REST v3 parser, runs every HTML surface over a page and merges what
they found, the richer source first.
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


def _content_type(headers: dict[str, str] | None) -> str:
    """The Content-Type header, whatever the case of its name (a WARC or a test may not lower it)."""
    return next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), "")


def _decode(body: bytes | str, ctype: str) -> str:
    if isinstance(body, str):
        return body
    m = re.search(r"charset=([\w-]+)", ctype, re.IGNORECASE)
    try:
        return body.decode(m.group(1) if m else "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def parse_meetup_page(source_url: str, body: bytes | str, headers: dict[str, str] | None = None,
                      ) -> MeetupFacts:
    """Any Meetup capture -> facts: JSON (GraphQL / REST) or HTML (`__NEXT_DATA__`, then
    `APP_RUNTIME`, then JSON-LD, then DOM); the richer source wins, the others fill gaps."""
    ctype = _content_type(headers)
    text = without_controls(_decode(body, ctype))  # as page text: no ESC or NUL reaches a name
    ctype = ctype.lower()
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
