"""Merge Meetup facts by group urlname and event key: one place, group or event said twice is one.

Apart because every surface's parser adds what it finds through these, a page's surfaces are
merged into one answer (JSON first, DOM last), and a keyword x location sweep merges its pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from harvester.extract.facts import (
    MeetupEventFacts,
    MeetupFacts,
    MeetupGroupFacts,
    MeetupSponsor,
    MeetupVenue,
    Person,
)


def _same_venue(a: MeetupVenue, b: MeetupVenue) -> bool:
    """One place described twice (Apollo state and JSON-LD of the same event page)."""
    if (a.venue_type == "online") != (b.venue_type == "online"):
        return False
    if a.venue_type == "online":
        return True
    if a.id and b.id:
        return a.id == b.id
    names = (a.name or "").strip(" ,").casefold(), (b.name or "").strip(" ,").casefold()
    postcodes = (a.postcode or "").replace(" ", "").upper(), (b.postcode or "").replace(" ", "").upper()
    return names[0] == names[1] and (not all(postcodes) or postcodes[0] == postcodes[1])


def _merge_into(base: Any, extra: Any) -> None:
    """Fill `base`'s empty fields from `extra` (same dataclass); lists and dicts are unioned."""
    for name, value in vars(extra).items():
        current = getattr(base, name)
        if isinstance(current, list):
            for item in value:
                if isinstance(item, MeetupVenue):
                    twin = next((v for v in current if _same_venue(v, item)), None)
                    if twin is not None:
                        _merge_into(twin, item)
                    else:
                        current.append(item)
                    continue
                if item not in current and not (isinstance(item, (Person, MeetupSponsor)) and any(
                        getattr(c, "name", None) == item.name for c in current)):
                    current.append(item)
        elif isinstance(current, dict):
            for k, v in (value or {}).items():
                current.setdefault(k, v)
        elif current in (None, "", False) and value not in (None, ""):
            setattr(base, name, value)


def add_group(facts: MeetupFacts, group: MeetupGroupFacts | None) -> None:
    if group is None:
        return
    for g in facts.groups:
        if g.urlname.lower() == group.urlname.lower():
            _merge_into(g, group)
            return
    facts.groups.append(group)


def add_event(facts: MeetupFacts, event: MeetupEventFacts | None) -> None:
    if event is None:
        return
    for e in facts.events:
        if e.key == event.key:
            _merge_into(e, event)
            return
    facts.events.append(event)


def merge_facts(primary: MeetupFacts, *others: MeetupFacts | None) -> MeetupFacts:
    """Merge by group urlname and event key; `primary` wins where both say something."""
    for other in others:
        if other is None:
            continue
        for g in other.groups:
            add_group(primary, g)
        for e in other.events:
            add_event(primary, e)
        primary.errors += [x for x in other.errors if x not in primary.errors]
        for url in other.event_urls:
            if url not in primary.event_urls:
                primary.event_urls.append(url)
        if primary.total_count is None:
            primary.total_count = other.total_count
    return primary


def merge_by_id(results: Iterable[MeetupFacts], source_url: str = "sweep") -> MeetupFacts:
    """One facts object from many search pages (a keyword x location sweep), merged by id."""
    merged = MeetupFacts(source_url=source_url, source_kind="sweep")
    return merge_facts(merged, *results)
