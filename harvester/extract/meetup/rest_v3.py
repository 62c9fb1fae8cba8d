"""REST v3 bodies -> facts: the API Meetup retired, still met in archives and WARC replays.

Apart because its shape (epoch milliseconds, `yes_rsvp_count`, plain lists of groups or events)
is its own, and the 2017-2020 pages (`APP_RUNTIME`) embed the same JSON.
"""

from __future__ import annotations

from typing import Any

from harvester.extract.facts import MeetupFacts
from harvester.extract.meetup.entities import event_from_node, group_from_node
from harvester.extract.meetup.merge import add_event, add_group
from harvester.extract.meetup.payload import load_json
from harvester.extract.meetup.urls import event_id_from_url
from harvester.extract.meetup.values import as_str


def parse_rest_v3(source_url: str, payload: Any) -> MeetupFacts:
    """A REST v3 body: a list of groups (find/groups), events (/{urlname}/events), or one item."""
    data, problem = load_json(payload)
    facts = MeetupFacts(source_url=source_url, source_kind="rest-v3")
    if problem:
        facts.errors.append(problem)
        return facts
    if isinstance(data, dict) and isinstance(data.get("errors"), list):
        facts.errors += [as_str(e.get("message")) or as_str(e.get("code")) or "REST error"
                         for e in data["errors"] if isinstance(e, dict)]
        return facts
    items = data if isinstance(data, list) else [data]
    for item in items:
        if not isinstance(item, dict):
            continue
        if _is_rest_event(item):
            event = event_from_node(item)
            add_event(facts, event)
            if isinstance(item.get("group"), dict):
                add_group(facts, group_from_node(item["group"]))
        elif item.get("urlname") or item.get("link"):
            add_group(facts, group_from_node(item))
    return facts


def _is_rest_event(item: dict[str, Any]) -> bool:
    return "time" in item or "yes_rsvp_count" in item or bool(event_id_from_url(as_str(item.get("link"))))
