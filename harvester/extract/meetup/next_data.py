"""`__NEXT_DATA__` of current Meetup pages -> facts: the Apollo state and the page props.

Apart because current group, event and search pages carry their data this way: entities keyed
`Type:id` that point at each other with `__ref`, resolved here (cycles cut at a fixed depth).
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Callable
from typing import Any

from harvester.extract.facts import MeetupFacts
from harvester.extract.jsonld import loads_clean
from harvester.extract.meetup.entities import event_from_node, group_from_node
from harvester.extract.meetup.merge import add_event, add_group
from harvester.extract.meetup.urls import urlname_from_url
from harvester.extract.meetup.values import as_int, first, get_key, get_path, nodes

_NEXT_DATA = re.compile(
    r"<script[^>]*\bid=[\"']__NEXT_DATA__[\"'][^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
MAX_REF_DEPTH = 6  # Apollo refs nest (Event -> Group -> organizer); cycles are cut here


def _resolver(state: dict[str, Any]) -> Callable[[Any], Any]:
    """Returns a function that replaces `{"__ref": "Type:id"}` by the entity, recursively."""

    def resolve(value: Any, depth: int = 0) -> Any:
        if depth > MAX_REF_DEPTH:
            return None
        if isinstance(value, dict):
            if set(value) == {"__ref"}:
                target = state.get(value["__ref"])
                return resolve(target, depth + 1) if isinstance(target, dict) else None
            return {k: resolve(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v, depth + 1) for v in value]
        return value

    return resolve


def _typename(key: str, obj: Any) -> str | None:
    if isinstance(obj, dict) and isinstance(obj.get("__typename"), str):
        return obj["__typename"]
    return key.split(":", 1)[0] if ":" in key else None


def next_data(html: str) -> dict[str, Any] | None:
    m = _NEXT_DATA.search(html or "")
    if not m:
        return None
    try:
        data = loads_clean(html_lib.unescape(m.group(1)) if "&quot;" in m.group(1) else m.group(1))
    except (json.JSONDecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


PAGE_PROP_EVENT_LISTS = ("eventsInLocation", "todayEvents", "thisWeekendEvents", "events")


def parse_next_data(source_url: str, html: str) -> MeetupFacts | None:
    """The `__NEXT_DATA__` payload -> facts; None when the page has none (another era or site)."""
    data = next_data(html)
    if data is None:
        return None
    facts = MeetupFacts(source_url=source_url, source_kind="next-data")
    props = get_path(data, "props", "pageProps") or {}
    state = props.get("__APOLLO_STATE__") or get_path(data, "props", "apolloState") or {}
    if not isinstance(state, dict):
        state = {}
    resolve = _resolver(state)
    page_urlname = urlname_from_url(source_url)
    for key, obj in state.items():
        kind = _typename(key, obj)
        key_id = key.split(":", 1)[1] if ":" in key else None
        if kind == "Group":
            add_group(facts, group_from_node(resolve(obj), key_id=key_id))
        elif kind == "Event":
            node = resolve(obj)
            if isinstance(node, dict) and not node.get("id") and key_id:
                node["id"] = key_id
            add_event(facts, event_from_node(node, group_urlname=page_urlname))
    root = state.get("ROOT_QUERY")
    if isinstance(root, dict):
        for name in ("groupSearch", "eventSearch", "keywordSearch", "recommendedEvents"):
            conn = resolve(get_key(root, name))
            for node in nodes(conn):
                node = node.get("result", node) if isinstance(node, dict) else node
                if isinstance(node, dict) and node.get("eventUrl"):
                    add_event(facts, event_from_node(node))
                else:
                    add_group(facts, group_from_node(node))
            if isinstance(conn, dict) and facts.total_count is None:
                facts.total_count = as_int(first(conn.get("totalCount"), conn.get("count")))
    if isinstance(props.get("event"), dict):
        event = resolve(props["event"])
        add_event(facts, event_from_node(event, group_urlname=page_urlname))
        if isinstance(event.get("group"), dict):
            add_group(facts, group_from_node(event["group"]))
    if isinstance(props.get("group"), dict):
        add_group(facts, group_from_node(resolve(props["group"])))
    for name in PAGE_PROP_EVENT_LISTS:
        for node in nodes(resolve(props.get(name))):
            add_event(facts, event_from_node(node))
    return facts
