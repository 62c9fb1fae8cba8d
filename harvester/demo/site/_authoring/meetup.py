"""Fictional Meetup groups shaped like real meetup.com Next.js pages (Apollo state + JSON-LD)."""

from __future__ import annotations

import html
import json
from pathlib import Path

MU = "https://www.meetup.com"
e = html.escape

GROUPS: list[dict] = [
    dict(
        urlname="bristol-harbourside-indie-games",
        id="38110001",
        cluster="bristol",
        name="Harbourside Indie Games Night (Bristol)",
        city="Bristol",
        lat=51.45,
        lon=-2.6,
        description=(
            "A friendly monthly night for indie game developers, artists and players in Bristol: "
            "playtests, short talks and pizza. Run by the Bedminster Indie Games Collective "
            "(https://www.bedminster-indie.org.uk/)."
        ),
        category=("546", "Technology"),
        members=412,
        founded="2019-03-14T19:00:00+00:00",
        topics=[
            ("10209", "Game Development", "game-development"),
            ("48471", "Indie Games", "indie-games"),
            ("15582", "Unity", "unity"),
        ],
        organizer=("291000101", "Kez Alder"),
        owner=("https://www.bedminster-indie.org.uk/", "bedminster-indie.org.uk"),
        socials=[("TWITTER", "https://twitter.com/bedminsterindie", "bedminsterindie")],
        sponsors=[
            (
                "Harbourside Games",
                "https://www.harbourside-games.co.uk/",
                "Pizza, prizes and playtest builds every month.",
                "harbourside-games.co.uk",
            )
        ],
        venue=(
            "27800101",
            "Cumberland Basin Studios",
            "3 Basin Quay",
            "Bristol",
            "BS1 6WQ",
            "cumberlandbasin-studios.co.uk",
        ),
        events=[
            dict(
                id="312800101",
                title="Indie Games Night: December playtests",
                dateTime="2026-12-03T18:30:00+00:00",
                endTime="2026-12-03T21:30:00+00:00",
                eventType="PHYSICAL",
                status="ACTIVE",
                rsvps=38,
                ld="SocialEvent",
                description="Bring a build, play other people's games, and meet the community.",
            ),
            dict(
                id="312800102",
                title="Winter Game Jam kick-off",
                dateTime="2027-01-15T18:00:00+00:00",
                endTime="2027-01-15T21:00:00+00:00",
                eventType="PHYSICAL",
                status="ACTIVE",
                rsvps=25,
                ld="Event",
                description="Theme reveal, team forming and a talk on jam-sized scope.",
            ),
            dict(
                id="312800103",
                title="Indie Games Night: October",
                dateTime="2026-10-01T18:30:00+01:00",
                endTime="2026-10-01T21:30:00+01:00",
                eventType="PHYSICAL",
                status="PAST",
                rsvps=41,
                ld="SocialEvent",
                description="Playtests and a talk on porting to handheld consoles.",
            ),
        ],
    ),
    dict(
        urlname="brunelgate-creative-code",
        id="38110002",
        cluster="bristol",
        name="Brunelgate Creative Code",
        city="Bristol",
        lat=51.46,
        lon=-2.61,
        description=(
            "Creative coding for artists and researchers: shaders, p5.js and generative art. Hosted "
            "by Brunelgate University's Centre for Creative Technology."
        ),
        category=("546", "Technology"),
        members=236,
        founded="2021-09-20T18:00:00+01:00",
        topics=[
            ("1513", "Creative Coding", "creative-coding"),
            ("16325", "Generative Art", "generative-art"),
        ],
        organizer=("291000102", "Dr Owain Prys"),
        owner=("https://www.brunelgate.ac.uk/research/creative-technology/", "brunelgate.ac.uk"),
        socials=[],
        sponsors=[
            (
                "Avonmere City Council",
                "https://www.avonmere.gov.uk/",
                "Supported by the council's creative economy fund.",
                "avonmere.gov.uk",
            )
        ],
        venue=(
            "27800102",
            "Brunelgate University, Foundry Building",
            "12 Gasferry Lane",
            "Bristol",
            "BS8 4RP",
            "brunelgate.ac.uk",
        ),
        events=[
            dict(
                id="312800201",
                title="Creative Coding Workshop: shaders for artists",
                dateTime="2026-12-09T14:00:00+00:00",
                endTime="2026-12-09T17:00:00+00:00",
                eventType="PHYSICAL",
                status="ACTIVE",
                rsvps=19,
                ld="EducationEvent",
                description="A hands-on workshop: write your first fragment shader. Laptops needed.",
            ),
            dict(
                id="312800202",
                title="Online: p5.js study group",
                dateTime="2026-12-16T19:00:00+00:00",
                endTime="2026-12-16T20:30:00+00:00",
                eventType="ONLINE",
                status="ACTIVE",
                rsvps=27,
                ld="Event",
                online=True,
                description="We work through a sketch together on a video call.",
            ),
        ],
    ),
    dict(
        urlname="bae-xr-caerdydd",
        id="38120001",
        cluster="cardiff",
        name="Bae XR Caerdydd / Cardiff Bay XR",
        city="Cardiff",
        lat=51.46,
        lon=-3.16,
        description=(
            "Show and tell for VR, AR and XR makers around Cardiff Bay, in Welsh and English. "
            "Organised by Bay Makers Network."
        ),
        category=("546", "Technology"),
        members=188,
        founded="2022-02-02T18:00:00+00:00",
        topics=[
            ("89331", "Virtual Reality", "virtual-reality"),
            ("87112", "Augmented Reality", "augmented-reality"),
        ],
        organizer=("291000201", "Dylan Hopkins"),
        owner=("https://www.baymakers-network.wales/", "baymakers-network.wales"),
        socials=[("INSTAGRAM", "https://www.instagram.com/baymakersnetwork/", "baymakersnetwork")],
        sponsors=[
            (
                "Splott Pixel Works",
                "https://www.splott-pixelworks.co.uk/",
                "Sponsors our headsets and snacks.",
                "splott-pixelworks.co.uk",
            )
        ],
        venue=(
            "27800201",
            "Bay Makers Network XR Lab",
            "Warws 3, Collingdon Road",
            "Cardiff",
            "CF10 4GA",
            "baymakers-network.wales",
        ),
        page_props_event=True,
        events=[
            dict(
                id="312810101",
                title="XR Show and Tell (hybrid)",
                dateTime="2026-12-02T18:00:00+00:00",
                endTime="2026-12-02T20:30:00+00:00",
                eventType="HYBRID",
                status="ACTIVE",
                rsvps=33,
                ld="Event",
                hybrid=True,
                description="Demos from local studios, in the lab and streamed online.",
            ),
            dict(
                id="312810102",
                title="WebXR hack evening",
                dateTime="2027-01-20T18:00:00+00:00",
                endTime="2027-01-20T21:00:00+00:00",
                eventType="PHYSICAL",
                status="ACTIVE",
                rsvps=14,
                ld="Event",
                description="Build a WebXR scene in an evening.",
            ),
        ],
    ),
    dict(
        urlname="newport-docks-devs",
        id="38120002",
        cluster="cardiff",
        name="Newport Docks Devs",
        city="Newport",
        lat=51.58,
        lon=-2.99,
        description="Lightning talks and pair programming for software developers in Newport and Cardiff.",
        category=("546", "Technology"),
        members=301,
        founded="2018-06-11T18:00:00+01:00",
        topics=[("563", "Software Development", "softwaredev"), ("1064", "Python", "python")],
        organizer=("291000202", "Hywel Bowen"),
        owner=("https://www.newportdocks-digital.co.uk/", "newportdocks-digital.co.uk"),
        socials=[
            ("LINKEDIN", "https://www.linkedin.com/company/newportdocksdigital/", "newportdocksdigital")
        ],
        sponsors=[
            (
                "Rumney Render Farm",
                "https://www.rumney-render.co.uk/",
                "Buys the pizza every month.",
                "rumney-render.co.uk",
            )
        ],
        venue=(
            "27800202",
            "Newport Docks Digital",
            "The Transporter Building, 1 Dock Street",
            "Newport",
            "NP20 2JG",
            "newportdocks-digital.co.uk",
        ),
        events=[
            dict(
                id="312810201",
                title="Lightning talks: Rust and Python",
                dateTime="2026-12-10T18:30:00+00:00",
                endTime="2026-12-10T21:00:00+00:00",
                eventType="PHYSICAL",
                status="ACTIVE",
                rsvps=45,
                ld="Event",
                description="Five ten-minute talks, then the pub.",
            ),
        ],
    ),
    dict(
        urlname="quays-broadcast-tech",
        id="38130001",
        cluster="salford",
        name="Quays Broadcast Tech",
        city="Salford",
        lat=53.47,
        lon=-2.3,
        description=(
            "Talks on broadcast engineering, IP video and remote production at MediaCity. Hosted by "
            "Weaste University's School of Media."
        ),
        category=("546", "Technology"),
        members=527,
        founded="2017-04-04T18:00:00+01:00",
        topics=[("21441", "Broadcasting", "broadcasting"), ("19882", "Video Production", "video-production")],
        organizer=("291000301", "Dr Laura Finchley"),
        owner=("https://www.weaste.ac.uk/school-of-media/", "weaste.ac.uk"),
        socials=[],
        sponsors=[
            (
                "Huron Basin Studios",
                "https://www.huronbasin-studios.co.uk/",
                "Hosts our summer social in Stage 2.",
                "huronbasin-studios.co.uk",
            )
        ],
        venue=(
            "27800301",
            "Weaste University, Dockside Building",
            "Broadway",
            "Salford",
            "M50 2TQ",
            "weaste.ac.uk",
        ),
        events=[
            dict(
                id="312820101",
                title="IP video for live production",
                dateTime="2026-12-08T18:00:00+00:00",
                endTime="2026-12-08T20:00:00+00:00",
                eventType="PHYSICAL",
                status="ACTIVE",
                rsvps=61,
                ld="Event",
                description="SMPTE 2110 in practice, with a studio tour.",
            ),
            dict(
                id="312820102",
                title="Remote production panel",
                dateTime="2027-02-02T18:00:00+00:00",
                endTime="2027-02-02T20:00:00+00:00",
                eventType="PHYSICAL",
                status="ACTIVE",
                rsvps=22,
                ld="Event",
                description="Producers and engineers on working from anywhere.",
            ),
        ],
    ),
    dict(
        urlname="salford-seedley-game-jam",
        id="38130002",
        cluster="salford",
        name="Salford Seedley Game Jam",
        city="Salford",
        lat=53.49,
        lon=-2.31,
        description="Quarterly game jams and monthly co-op game nights, run by Seedley Games Lab.",
        category=("546", "Technology"),
        members=164,
        founded="2023-01-09T18:00:00+00:00",
        topics=[("10209", "Game Development", "game-development"), ("37402", "Game Jams", "game-jams")],
        organizer=("291000302", "Priya Chandran"),
        owner=("https://www.seedley-gameslab.co.uk/", "seedley-gameslab.co.uk"),
        socials=[("TWITTER", "https://twitter.com/seedleygameslab", "seedleygameslab")],
        sponsors=[
            (
                "Ordsall Interactive",
                "https://www.ordsall-interactive.co.uk/",
                "Judges and prizes for the jam.",
                "ordsall-interactive.co.uk",
            )
        ],
        pro_network=("Northern Game Jams Network", "northern-game-jams"),
        venue=(
            "27800302",
            "Seedley Games Lab",
            "Unit B, Seedley Mill",
            "Salford",
            "M6 5HG",
            "seedley-gameslab.co.uk",
        ),
        events=[
            dict(
                id="312820201",
                title="48-hour winter game jam",
                dateTime="2027-01-22T18:00:00+00:00",
                endTime="2027-01-24T18:00:00+00:00",
                eventType="PHYSICAL",
                status="ACTIVE",
                rsvps=52,
                ld="Event",
                description="Make a game in a weekend; all skill levels welcome.",
            ),
        ],
    ),
]


def next_data(state: dict, page: str, urlname: str, extra_props: dict | None = None) -> str:
    props = {"__APOLLO_STATE__": state, **(extra_props or {})}
    doc = {
        "props": {"pageProps": props, "__N_SSP": True},
        "page": page,
        "query": {"urlname": urlname},
        "buildId": "sample-2026-11",
        "isFallback": False,
        "gssp": True,
        "locale": "en-GB",
        "scriptLoader": [],
    }
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script id="__NEXT_DATA__" type="application/json">{text}</script>'


def group_url(g: dict) -> str:
    return f"{MU}/{g['urlname']}/"


def event_url(g: dict, ev: dict) -> str:
    return f"{MU}/{g['urlname']}/events/{ev['id']}/"


def venue_entity(g: dict) -> dict:
    vid, name, addr, city, pc, _org = g["venue"]
    return {
        "__typename": "Venue",
        "id": vid,
        "name": name,
        "address": addr,
        "city": city,
        "state": "",
        "postalCode": pc,
        "country": "gb",
        "lat": g["lat"],
        "lon": g["lon"],
        "venueType": "",
    }


def event_entity(g: dict, ev: dict, full: bool) -> dict:
    ent = {
        "__typename": "Event",
        "id": ev["id"],
        "title": ev["title"],
        "eventUrl": event_url(g, ev),
        "description": ev["description"],
        "dateTime": ev["dateTime"],
        "endTime": ev["endTime"],
        "eventType": ev["eventType"],
        "status": ev["status"],
        "group": {"__ref": f"Group:{g['id']}"},
        "feeSettings": None,
    }
    if not ev.get("online"):
        ent["venue"] = {"__ref": f"Venue:{g['venue'][0]}"}
    if full:
        ent['rsvps({"filter":{"rsvpStatus":["YES"]}})'] = {
            "__typename": "EventRsvpConnection",
            "totalCount": ev["rsvps"],
        }
        ent["eventHosts"] = [
            {"__typename": "EventHost", "memberId": g["organizer"][0], "name": g["organizer"][1]}
        ]
        ent["topics"] = {
            "__typename": "TopicsConnection",
            "edges": [{"node": {"__typename": "Topic", "name": t[1]}} for t in g["topics"]],
        }
    return ent


def group_entity(g: dict, events: list[dict], key: str) -> dict:
    ent = {
        "__typename": "Group",
        "id": g["id"],
        "name": g["name"],
        "urlname": g["urlname"],
        "link": group_url(g),
        "city": g["city"],
        "state": "",
        "country": "gb",
        "lat": g["lat"],
        "lon": g["lon"],
        "timezone": "Europe/London",
        "description": g["description"],
        "isPrivate": False,
        "foundedDate": g["founded"],
        "joinMode": "OPEN",
        "stats": {
            "__typename": "GroupStats",
            "memberCounts": {"__typename": "MemberCounts", "all": g["members"]},
        },
        "topicCategory": {"__typename": "TopicCategory", "id": g["category"][0], "name": g["category"][1]},
        "activeTopics": [{"__ref": f"Topic:{t[0]}"} for t in g["topics"]],
        "organizer": {"__ref": f"Member:{g['organizer'][0]}"},
        "sponsors": {
            "__typename": "ProGroupSponsorsConnection",
            "totalCount": len(g["sponsors"]),
            "edges": [
                {
                    "__typename": "ProGroupSponsorEdge",
                    "node": {"__typename": "Sponsor", "name": s[0], "url": s[1], "description": s[2]},
                }
                for s in g["sponsors"]
            ],
        },
        "socialNetworks": [
            {
                "__typename": "SocialNetwork",
                "service": "OTHER",
                "url": g["owner"][0],
                "identifier": g["owner"][0],
            }
        ]
        + [
            {"__typename": "SocialNetwork", "service": s, "url": u, "identifier": i}
            for s, u, i in g["socials"]
        ],
        "proNetwork": None,
        key: {
            "__typename": "GroupEventConnection",
            "totalCount": len(events),
            "pageInfo": {"__typename": "PageInfo", "hasNextPage": False, "endCursor": None},
            "edges": [
                {"__typename": "GroupEventEdge", "node": {"__ref": f"Event:{ev['id']}"}} for ev in events
            ],
        },
    }
    if g.get("pro_network"):
        name, urlname = g["pro_network"]
        ent["proNetwork"] = {
            "__typename": "ProNetwork",
            "id": "pn-" + urlname,
            "name": name,
            "urlname": urlname,
            "link": f"{MU}/pro/{urlname}/",
        }
    return ent


def base_state(g: dict) -> dict:
    st = {
        f"Member:{g['organizer'][0]}": {
            "__typename": "Member",
            "id": g["organizer"][0],
            "name": g["organizer"][1],
            "memberUrl": f"{MU}/members/{g['organizer'][0]}/",
        }
    }
    for tid, name, urlkey in g["topics"]:
        st[f"Topic:{tid}"] = {"__typename": "Topic", "id": tid, "name": name, "urlkey": urlkey}
    st[f"Venue:{g['venue'][0]}"] = venue_entity(g)
    return st


def page(title: str, canonical: str, body: str, head_extra: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        f'<title>{e(title)}</title>\n<link rel="canonical" href="{canonical}">\n'
        '<meta property="og:site_name" content="Meetup">\n'
        f'{head_extra}</head>\n<body>\n<div id="__next">\n{body}\n</div>\n</body>\n</html>\n'
    )


def group_dom(g: dict, upcoming: list[dict]) -> str:
    sponsors = "".join(
        f'<li class="swiper-slide"><div class="break-words font-medium">{e(s[0])}</div>'
        f'<div class="text-sm">{e(s[2])}</div><a data-event-label="sponsor-group-home-button" '
        f'href="{s[1]}">Visit sponsor</a></li>'
        for s in g["sponsors"]
    )
    socials = f'<a href="{g["owner"][0]}"><span data-event-label="group-other-button">Website</span></a>'
    for service, url, _i in g["socials"]:
        label = f'data-event-label="group-{service.lower()}-button"'
        socials += f'<a href="{url}"><span {label}>{service.title()}</span></a>'
    topics = "".join(f"<span>{e(t[1])}</span>" for t in g["topics"])
    cards = "".join(
        f'<a id="event-card-e-{i}" href="{event_url(g, ev)}"><h3>{e(ev["title"])}</h3>'
        f'<time datetime="{ev["dateTime"]}">{ev["dateTime"][:10]}</time></a>'
        for i, ev in enumerate(upcoming, 1)
    )
    return (
        f'<main><section><h1>{e(g["name"])}</h1>\n<a id="city-link" href="{group_url(g)}">'
        f'<div>{e(g["city"])}, United Kingdom</div></a>\n<a id="member-count-link" href="{group_url(g)}">'
        f'<div>{g["members"]} members · Public group</div></a>\n<p>Organized by '
        f'<span id="organizer-name">{e(g["organizer"][1])}</span></p>'
        f'</section>\n<section><div><div id="about-section"><h2>What we\'re about</h2></div></div>'
        f"<div><p>{e(g['description'])}</p></div></section>\n"
        f'<section><h2>Upcoming events</h2>{cards}<p><a href="{MU}/{g["urlname"]}/events/">See all events</a>'
        f"</p></section>\n<section><h2>Sponsors</h2><ul>{sponsors}</ul></section>\n"
        f'<section><div><div><div id="topics-section"><h2>Related topics</h2></div></div></div>'
        f"<div>{topics}</div></section>\n"
        f'<section id="social-networks-section">{socials}</section></main>'
    )


def event_jsonld(g: dict, ev: dict) -> str:
    vid, vname, addr, city, pc, _o = g["venue"]
    place = {
        "@type": "Place",
        "name": vname,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": addr,
            "addressLocality": city,
            "postalCode": pc,
            "addressCountry": "GB",
        },
    }
    virtual = {"@type": "VirtualLocation", "url": event_url(g, ev)}
    if ev.get("online"):
        location, mode = virtual, "OnlineEventAttendanceMode"
    elif ev.get("hybrid"):
        location, mode = [place, virtual], "MixedEventAttendanceMode"
    else:
        location, mode = place, "OfflineEventAttendanceMode"
    status = "EventScheduled"
    data = {
        "@context": "https://schema.org",
        "@type": ev["ld"],
        "name": ev["title"],
        "url": event_url(g, ev),
        "description": ev["description"],
        "startDate": ev["dateTime"],
        "endDate": ev["endTime"],
        "eventStatus": f"https://schema.org/{status}",
        "eventAttendanceMode": f"https://schema.org/{mode}",
        "location": location,
        "image": [f"https://secure.meetupstatic.com/photos/event/sample/{ev['id']}.jpeg"],
        "organizer": {"@type": "Organization", "name": g["name"], "url": group_url(g)},
        "offers": {
            "@type": "Offer",
            "price": "0",
            "priceCurrency": "GBP",
            "availability": "https://schema.org/InStock",
            "url": event_url(g, ev),
        },
    }
    return (
        '<script type="application/ld+json">'
        + json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        + "</script>\n"
    )


def write_meetup(root: Path) -> None:
    d = root / "www.meetup.com"
    d.mkdir(parents=True, exist_ok=True)
    (d / "robots.txt").write_text(
        "# Sample robots.txt for the offline demo (shaped like meetup.com's, July 2026 reading).\n"
        "User-agent: *\nDisallow: /files/\nDisallow: /fb/\nDisallow: /preview/\nDisallow: /n/\n"
        "Disallow: /*/events/rss/\nDisallow: /*/events/atom/\nAllow: /\n",
        encoding="utf-8",
    )
    for g in GROUPS:
        upcoming = [ev for ev in g["events"] if ev["status"] == "ACTIVE"]
        past = [ev for ev in g["events"] if ev["status"] == "PAST"]
        gd = d / g["urlname"]
        # group home page: upcoming events under the argument-bearing key
        key = 'events({"filter":{"status":["ACTIVE"]},"first":4,"sort":"ASC"})'
        st = {
            "ROOT_QUERY": {
                "__typename": "Query",
                f'groupByUrlname({{"urlname":"{g["urlname"]}"}})': {"__ref": f"Group:{g['id']}"},
            },
            f"Group:{g['id']}": group_entity(g, upcoming[:4], key),
            **base_state(g),
        }
        for ev in upcoming[:4]:
            st[f"Event:{ev['id']}"] = event_entity(g, ev, full=False)
        html_doc = page(
            f"{g['name']} | Meetup",
            group_url(g),
            group_dom(g, upcoming) + "\n" + next_data(st, "/[urlname]", g["urlname"]),
        )
        gd.mkdir(parents=True, exist_ok=True)
        (gd / "index.html").write_text(html_doc, encoding="utf-8")
        # events page: all upcoming + past connections
        key_up = 'events({"first":10,"status":"ACTIVE"})'
        st = {
            "ROOT_QUERY": {
                "__typename": "Query",
                f'groupByUrlname({{"urlname":"{g["urlname"]}"}})': {"__ref": f"Group:{g['id']}"},
            },
            f"Group:{g['id']}": group_entity(g, upcoming, key_up),
            **base_state(g),
        }
        if past:
            st[f"Group:{g['id']}"]['events({"first":10,"status":"PAST"})'] = {
                "__typename": "GroupEventConnection",
                "totalCount": len(past),
                "edges": [
                    {"__typename": "GroupEventEdge", "node": {"__ref": f"Event:{ev['id']}"}} for ev in past
                ],
            }
        for ev in g["events"]:
            st[f"Event:{ev['id']}"] = event_entity(g, ev, full=False)
        cards = "".join(
            f'<li><a id="event-card-e-{i}" href="{event_url(g, ev)}">{e(ev["title"])}</a> '
            f'<time datetime="{ev["dateTime"]}">{ev["dateTime"][:10]}</time></li>'
            for i, ev in enumerate(g["events"], 1)
        )
        body = (
            f'<main><h1>{e(g["name"])}</h1><p><a href="{group_url(g)}">About this group</a> · '
            f'<a href="{MU}/{g["urlname"]}/events/past/">Past events</a></p>'
            f"<h2>Events</h2><ul>{cards}</ul></main>\n" + next_data(st, "/[urlname]/events", g["urlname"])
        )
        (gd / "events").mkdir(exist_ok=True)
        (gd / "events" / "index.html").write_text(
            page(f"Events | {g['name']} | Meetup", f"{MU}/{g['urlname']}/events/", body), encoding="utf-8"
        )
        # past events page (a dormant-looking empty state when the group has no past events)
        key_past = 'events({"first":10,"status":"PAST"})'
        st = {
            "ROOT_QUERY": {
                "__typename": "Query",
                f'groupByUrlname({{"urlname":"{g["urlname"]}"}})': {"__ref": f"Group:{g['id']}"},
            },
            f"Group:{g['id']}": {
                "__typename": "Group",
                "id": g["id"],
                "name": g["name"],
                "urlname": g["urlname"],
                "link": group_url(g),
                "isPrivate": False,
                key_past: {
                    "__typename": "GroupEventConnection",
                    "totalCount": len(past),
                    "edges": [
                        {"__typename": "GroupEventEdge", "node": {"__ref": f"Event:{ev['id']}"}}
                        for ev in past
                    ],
                },
            },
        }
        if past:
            st.update(base_state(g))
        for ev in past:
            st[f"Event:{ev['id']}"] = event_entity(g, ev, full=False)
        cards = (
            "".join(
                f'<li><a id="past-event-card-ep-{i}" href="{event_url(g, ev)}">{e(ev["title"])}</a></li>'
                for i, ev in enumerate(past, 1)
            )
            or "<li>No past events</li>"
        )
        body = (
            f'<main><h1>Past events | {e(g["name"])}</h1><p><a href="{MU}/{g["urlname"]}/events/">'
            f"Upcoming events</a></p><ul>{cards}</ul></main>\n"
            + next_data(st, "/[urlname]/events/past", g["urlname"])
        )
        (gd / "events" / "past").mkdir(exist_ok=True)
        (gd / "events" / "past" / "index.html").write_text(
            page(f"Past events | {g['name']} | Meetup", f"{MU}/{g['urlname']}/events/past/", body),
            encoding="utf-8",
        )
        # event pages
        for ev in g["events"]:
            st = {
                f"Event:{ev['id']}": event_entity(g, ev, full=True),
                f"Group:{g['id']}": {
                    "__typename": "Group",
                    "id": g["id"],
                    "name": g["name"],
                    "urlname": g["urlname"],
                    "link": group_url(g),
                    "isPrivate": False,
                },
                **base_state(g),
            }
            if ev.get("online"):
                st.pop(f"Venue:{g['venue'][0]}")
            extra = None
            if g.get("page_props_event"):
                extra = {
                    "event": {
                        "id": ev["id"],
                        "title": ev["title"],
                        "eventUrl": event_url(g, ev),
                        "dateTime": ev["dateTime"],
                        "endTime": ev["endTime"],
                        "eventType": ev["eventType"],
                        "description": ev["description"],
                        "venue": None
                        if ev.get("online")
                        else {k: v for k, v in venue_entity(g).items() if k != "__typename"},
                        "group": {"id": g["id"], "name": g["name"], "urlname": g["urlname"]},
                        "going": {"totalCount": ev["rsvps"]},
                    }
                }
            where = (
                "Online event" if ev.get("online") else f"{g['venue'][1]} · {g['venue'][2]} · {g['venue'][3]}"
            )
            body = (
                f'<main><h1>{e(ev["title"])}</h1>\n<div id="event-group-link"><a href="{group_url(g)}">'
                f'{e(g["name"])}</a></div>\n<div class="break-words"><p>{e(ev["description"])}</p></div>\n'
                f'<aside><time datetime="{ev["dateTime"]}">{ev["dateTime"]}</time><p>Hosted by '
                f"{e(g['organizer'][1])}</p><p>{e(where)}</p></aside>\n"
                f'<p><a href="{MU}/{g["urlname"]}/events/">More events</a></p></main>\n'
                + next_data(st, "/[urlname]/events/[eventId]", g["urlname"], extra)
            )
            ed = gd / "events" / ev["id"]
            ed.mkdir(parents=True, exist_ok=True)
            (ed / "index.html").write_text(
                page(
                    f"{ev['title']}, {ev['dateTime'][:10]} | Meetup",
                    event_url(g, ev),
                    body,
                    event_jsonld(g, ev),
                ),
                encoding="utf-8",
            )
