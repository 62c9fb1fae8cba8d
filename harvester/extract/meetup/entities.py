"""One event, group or venue in any source's JSON shape -> its facts.

Apart because gql-ext, legacy gql, Apollo entities, page props and REST v3 all describe the same
three things with other keys; each surface's parser finds the nodes, these builders read them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from harvester.extract.facts import MeetupEventFacts, MeetupGroupFacts, MeetupSponsor, MeetupVenue
from harvester.extract.meetup.descriptions import extract_links, html_to_text
from harvester.extract.meetup.organisers import organisers_from
from harvester.extract.meetup.times import duration_delta, epoch_ms_time, iso_time
from harvester.extract.meetup.urls import clean_event_url, event_id_from_url, meetup_path, urlname_from_url
from harvester.extract.meetup.values import (
    as_float,
    as_int,
    as_str,
    country_code,
    first,
    get_key,
    get_path,
    nodes,
)
from harvester.urls import is_http_url


def _add(start: str | None, delta: timedelta | None) -> str | None:
    if not start or delta is None:
        return None
    return (datetime.fromisoformat(start) + delta).isoformat()


def _venue(node: Any) -> MeetupVenue | None:
    if not isinstance(node, dict):
        return None
    name = as_str(node.get("name"))
    address = as_str(first(node.get("address"), node.get("address_1"), node.get("address1")))
    if not (name or address or node.get("id")):
        return None
    vtype = as_str(node.get("venueType"))
    if name and name.lower() in {"online event", "online"}:
        vtype = vtype or "online"
    return MeetupVenue(
        id=as_str(node.get("id")),
        name=name,
        address=address,
        city=as_str(node.get("city")),
        postcode=as_str(first(node.get("postalCode"), node.get("zip"), node.get("postcode"))),
        country=country_code(node.get("country")),
        lat=as_float(first(node.get("lat"), node.get("latitude"))),
        lon=as_float(first(node.get("lon"), node.get("lng"), node.get("longitude"))),
        state=as_str(node.get("state")),
        venue_type=vtype or None,
    )


def mode_from_venues(venues: list[MeetupVenue]) -> str | None:
    """PHYSICAL / ONLINE / HYBRID from the venues when the source does not say."""
    if not venues:
        return None
    online = [v.venue_type == "online" for v in venues]
    return "HYBRID" if any(online) and not all(online) else "ONLINE" if all(online) else "PHYSICAL"


def _person_names(items: Any) -> list[str]:
    names: list[str] = []
    for item in nodes(items):
        name = as_str(item.get("name")) if isinstance(item, dict) else as_str(item)
        if name and name not in names:
            names.append(name)
    return names


def _topic_names(value: Any) -> list[str]:
    return _person_names(value)


def event_from_node(node: Any, *, group_urlname: str | None = None) -> MeetupEventFacts | None:
    """One event in any shape: gql-ext, legacy gql, Apollo entity, page props, REST v3."""
    if not isinstance(node, dict):
        return None
    url = clean_event_url(as_str(first(node.get("eventUrl"), node.get("link"), node.get("url"))))
    eid = as_str(node.get("id"))
    key = as_str(node.get("token")) or event_id_from_url(url) or eid
    if not key:
        return None
    group = node.get("group") if isinstance(node.get("group"), dict) else {}
    urlname = as_str(group.get("urlname")) or urlname_from_url(url) or group_urlname
    start = iso_time(node.get("dateTime")) or epoch_ms_time(node.get("time"), node.get("utc_offset"))
    end = iso_time(node.get("endTime")) or _add(start, duration_delta(node.get("duration")))
    venues = [v for v in (_venue(x) for x in (node.get("venues") or [])) if v]
    if not venues and (single := _venue(node.get("venue"))):
        venues = [single]
    event_type = as_str(node.get("eventType"))
    if not event_type and isinstance(node.get("is_online_event"), bool):
        event_type = "ONLINE" if node["is_online_event"] else "PHYSICAL"
    event_type = event_type or mode_from_venues(venues)
    rsvps = get_key(node, "rsvps")
    going = node.get("going")
    rsvp_count = as_int(first(
        rsvps.get("yesCount") if isinstance(rsvps, dict) else None,
        rsvps.get("totalCount") if isinstance(rsvps, dict) else None,
        going.get("totalCount") if isinstance(going, dict) else going,
        node.get("yes_rsvp_count"),
    ))
    raw_description = as_str(node.get("description"))
    hosts = _person_names(node.get("eventHosts"))
    return MeetupEventFacts(
        key=key,
        title=as_str(first(node.get("title"), node.get("name"))) or "",
        url=url,
        group_urlname=urlname,
        start=start,
        end=end,
        status=(as_str(node.get("status")) or "").upper() or None,
        event_type=event_type.upper() if event_type else None,
        venues=venues,
        hosts=hosts,
        rsvp_count=rsvp_count,
        id=eid,
        description=html_to_text(raw_description),
        topics=_topic_names(node.get("topics")),
        links=extract_links(raw_description),
    )


def _social(node: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in node.get("socialNetworks") or []:
        if not isinstance(item, dict):
            continue
        service = (as_str(item.get("service")) or "").upper()
        url = as_str(item.get("url"))
        if service and url and is_http_url(url):
            out.setdefault(service, url)
    return out


def pro_network(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    out = {
        "name": as_str(value.get("name")),
        "urlname": as_str(value.get("urlname")),
        "link": as_str(first(value.get("link"), value.get("network_url"))),
    }
    if not out["urlname"] and out["link"]:
        parts = meetup_path(out["link"])
        out["urlname"] = parts[1] if len(parts) > 1 and parts[0] == "pro" else None
    clean = {k: v for k, v in out.items() if v}
    return clean if clean.get("urlname") or clean.get("name") else None


def _sponsors(value: Any) -> list[MeetupSponsor]:
    out: list[MeetupSponsor] = []
    for node in nodes(value):
        if isinstance(node, dict) and (name := as_str(node.get("name"))):
            url = as_str(node.get("url"))  # a javascript: or data: URL is no sponsor's website
            out.append(MeetupSponsor(name=name, url=url if url and is_http_url(url) else None,
                                     description=as_str(node.get("description"))))
    return out


def group_from_node(node: Any, *, key_id: str | None = None) -> MeetupGroupFacts | None:
    """One group in any shape: gql-ext, legacy gql, Apollo entity, REST v3."""
    if not isinstance(node, dict):
        return None
    link = as_str(node.get("link"))
    urlname = as_str(node.get("urlname")) or urlname_from_url(link)
    if not urlname:
        return None
    memberships = get_key(node, "memberships")
    events = get_key(node, "events")
    raw_description = as_str(node.get("description"))
    social = _social(node)
    topics = _topic_names(node.get("activeTopics")) or _topic_names(node.get("topics"))
    category = first(node.get("topicCategory"), node.get("category"))
    member_count = as_int(first(
        get_path(node, "stats", "memberCounts", "all"),
        memberships.get("totalCount") if isinstance(memberships, dict) else None,
        memberships.get("count") if isinstance(memberships, dict) else None,
        node.get("members"), node.get("memberCount"),
    ))
    founded = iso_time(node.get("foundedDate")) or epoch_ms_time(node.get("created"))
    is_private = node.get("isPrivate")
    if is_private is None and node.get("visibility"):
        is_private = str(node["visibility"]).lower() != "public"
    city = as_str(node.get("city"))
    if not city and (loc := as_str(node.get("localized_location"))):
        city = loc.split(",")[0].strip() or None
    return MeetupGroupFacts(
        urlname=urlname,
        name=as_str(node.get("name")),
        id=as_str(node.get("id")) or key_id,
        link=link,
        description=html_to_text(raw_description),
        city=city,
        country=country_code(node.get("country")),
        lat=as_float(first(node.get("lat"), node.get("latitude"))),
        lon=as_float(first(node.get("lon"), node.get("lng"), node.get("longitude"))),
        member_count=member_count,
        founded=founded,
        topics=topics,
        category=as_str(category.get("name")) if isinstance(category, dict) else as_str(category),
        organisers=organisers_from(node),
        sponsors=_sponsors(get_key(node, "sponsors")),
        pro_network=pro_network(first(node.get("proNetwork"), node.get("pro_network"))),
        social=social,
        website=social.get("OTHER"),
        links=extract_links(raw_description),
        is_private=is_private if isinstance(is_private, bool) else None,
        state=as_str(node.get("state")),
        event_count=as_int(first(events.get("totalCount"), events.get("count")))
        if isinstance(events, dict) else None,
    )
