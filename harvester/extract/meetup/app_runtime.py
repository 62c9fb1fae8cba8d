"""`window.APP_RUNTIME` of 2017-2020 (MWP) Meetup pages -> facts.

Apart because those pages embed REST v3 answers as an escaped JSON state; this finds and decodes
that state, then hands each answer to the REST v3 parser and merges what comes back.
"""

from __future__ import annotations

import html as html_lib
import json
import re

from harvester.extract.facts import MeetupFacts
from harvester.extract.jsonld import loads_clean, without_controls
from harvester.extract.meetup.merge import merge_facts
from harvester.extract.meetup.rest_v3 import parse_rest_v3

_APP_RUNTIME = re.compile(r"window\.APP_RUNTIME\s*=\s*")


def parse_app_runtime(source_url: str, html: str) -> MeetupFacts | None:
    """`window.APP_RUNTIME = {escapedState}` of old pages: REST v3 JSON under `api.*.value`."""
    m = _APP_RUNTIME.search(html or "")
    if not m:
        return None
    try:
        runtime, _ = json.JSONDecoder().raw_decode(html, m.end())
        escaped = runtime.get("escapedState") if isinstance(runtime, dict) else None
        state = (loads_clean(html_lib.unescape(escaped)) if isinstance(escaped, str)
                 else without_controls(escaped))
    except (json.JSONDecodeError, TypeError, RecursionError):
        return None
    if not isinstance(state, dict):
        return None
    facts = MeetupFacts(source_url=source_url, source_kind="mwp")
    api = state.get("api") if isinstance(state.get("api"), dict) else {}
    for entry in api.values():
        value = entry.get("value") if isinstance(entry, dict) and "value" in entry else None
        if value is not None:
            merge_facts(facts, parse_rest_v3(source_url, value))
    return facts
