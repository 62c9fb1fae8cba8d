"""A group's leadership team out of its organiser and membership list; ordinary members dropped.

Apart because this is the privacy rule of the Meetup side: only organisers (roles ORGANIZER,
COORGANIZER, ASST_ORGANIZER, EVENT_ORGANIZER or status LEADER) pass, here, before anything else
sees a membership list.
"""

from __future__ import annotations

from typing import Any

from harvester.extract.facts import Person
from harvester.extract.meetup.values import as_str, get_key

# Membership roles and statuses that mark a group's leadership team (all else is dropped).
ORGANISER_ROLES = {
    "ORGANIZER": "organiser",
    "COORGANIZER": "co-organiser",
    "ASST_ORGANIZER": "assistant organiser",
    "EVENT_ORGANIZER": "event organiser",
}
LEADER_STATUS = "LEADER"


def organisers_from(node: dict[str, Any]) -> list[Person]:
    """The primary organiser plus the leadership team; ordinary members never pass."""
    people: list[Person] = []

    def add(name: Any, role: str) -> None:
        name = as_str(name)
        if name and all(p.name != name for p in people):
            people.append(Person(name=name, role=role))

    organizer = node.get("organizer")
    if isinstance(organizer, dict):
        add(organizer.get("name"), "organiser")
    memberships = get_key(node, "memberships")
    for edge in (memberships.get("edges") or []) if isinstance(memberships, dict) else []:
        if not isinstance(edge, dict):
            continue
        meta = edge.get("metadata") or {}
        role = str(meta.get("role") or "").upper()
        status = str(meta.get("status") or "").upper()
        if role in ORGANISER_ROLES:
            add((edge.get("node") or {}).get("name"), ORGANISER_ROLES[role])
        elif status == LEADER_STATUS:
            add((edge.get("node") or {}).get("name"), "leader")
    return people
