"""schema.org `*Event` JSON-LD of Meetup event pages -> facts.

Apart because event pages carry it beside the Apollo state or instead of it, in schema.org's
vocabulary (`eventAttendanceMode`, `VirtualLocation`, `PostalAddress`) rather than Meetup's, so it
maps onto the same facts by rules of its own.
"""

from __future__ import annotations

import json
import re
from typing import Any

from harvester.extract.facts import MeetupEventFacts, MeetupFacts, MeetupGroupFacts, MeetupVenue
from harvester.extract.jsonld import loads_clean
from harvester.extract.meetup.descriptions import extract_links, html_to_text
from harvester.extract.meetup.entities import mode_from_venues
from harvester.extract.meetup.merge import add_event, add_group
from harvester.extract.meetup.times import iso_time
from harvester.extract.meetup.urls import clean_event_url, event_id_from_url, urlname_from_url
from harvester.extract.meetup.values import as_float, as_str, country_code

_JSONLD = re.compile(
    r"<script[^>]*type=[\"']application/ld\+json[\"'][^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
_ATTENDANCE = {"online": "ONLINE", "offline": "PHYSICAL", "mixed": "HYBRID"}
_EVENT_STATUS = {"eventcancelled": "CANCELLED", "eventpostponed": "POSTPONED",
                 "eventscheduled": "ACTIVE", "eventrescheduled": "ACTIVE",
                 "eventmovedonline": "ACTIVE"}


def _jsonld_items(html: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            items.append(value)
            if "@graph" in value:
                walk(value["@graph"])

    for m in _JSONLD.finditer(html or ""):
        try:
            walk(loads_clean(m.group(1).strip()))
        except (json.JSONDecodeError, RecursionError):
            continue
    return items


def _types(item: dict[str, Any]) -> list[str]:
    t = item.get("@type")
    return [str(x) for x in t] if isinstance(t, list) else [str(t)] if t else []


def _schema_token(value: Any) -> str:
    return str(value or "").rstrip("/").rsplit("/", 1)[-1].lower()


def _jsonld_venue(loc: dict[str, Any]) -> MeetupVenue | None:
    types = [t.lower() for t in _types(loc)]
    if "virtuallocation" in types:
        return MeetupVenue(name=as_str(loc.get("name")) or "Online event", venue_type="online")
    address = loc.get("address")
    if isinstance(address, str):
        address = {"streetAddress": address}
    address = address if isinstance(address, dict) else {}
    geo = loc.get("geo") if isinstance(loc.get("geo"), dict) else {}
    country = address.get("addressCountry")
    if isinstance(country, dict):
        country = country.get("name")
    venue = MeetupVenue(
        name=as_str(loc.get("name")),
        address=as_str(address.get("streetAddress")),
        city=as_str(address.get("addressLocality")),
        postcode=as_str(address.get("postalCode")),
        country=country_code(country),
        lat=as_float(geo.get("latitude")),
        lon=as_float(geo.get("longitude")),
        state=as_str(address.get("addressRegion")),
    )
    return venue if (venue.name or venue.address) else None


def parse_jsonld(source_url: str, html: str) -> MeetupFacts | None:
    """Event JSON-LD (any `@type` ending in `Event`) -> facts; None when there is none."""
    events = [i for i in _jsonld_items(html) if any(t.endswith("Event") for t in _types(i))]
    if not events:
        return None
    facts = MeetupFacts(source_url=source_url, source_kind="jsonld")
    for item in events:
        url = clean_event_url(as_str(item.get("url")) or source_url)
        key = event_id_from_url(url)
        if not key:
            continue
        locations = item.get("location")
        locations = locations if isinstance(locations, list) else [locations] if locations else []
        venues = [v for v in (_jsonld_venue(x) for x in locations if isinstance(x, dict)) if v]
        mode = _ATTENDANCE.get(_schema_token(item.get("eventAttendanceMode")).replace(
            "eventattendancemode", ""))
        mode = mode or mode_from_venues(venues)
        organizer = item.get("organizer")
        organizer = organizer[0] if isinstance(organizer, list) and organizer else organizer
        urlname = urlname_from_url(url)
        if isinstance(organizer, dict):
            org_url = as_str(organizer.get("url"))
            urlname = urlname_from_url(org_url) or urlname
            if urlname:
                add_group(facts, MeetupGroupFacts(urlname=urlname, name=as_str(organizer.get("name")),
                                                  link=org_url))
        raw_description = as_str(item.get("description"))
        add_event(facts, MeetupEventFacts(
            key=key,
            title=as_str(item.get("name")) or "",
            url=url,
            group_urlname=urlname,
            start=iso_time(item.get("startDate")),
            end=iso_time(item.get("endDate")),
            status=_EVENT_STATUS.get(_schema_token(item.get("eventStatus"))),
            event_type=mode,
            venues=venues,
            id=key,
            description=html_to_text(raw_description),
            links=extract_links(raw_description),
        ))
    return facts
