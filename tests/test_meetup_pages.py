"""Meetup page parsers against authored pages (tests/fixtures/meetup) and small built-in cases."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvester.extract.meetup import (
    parse_graphql,
    parse_jsonld,
    parse_meetup_page,
    parse_rest_v3,
)
from harvester.extract.meetup.descriptions import extract_links
from harvester.extract.meetup.merge import merge_by_id
from harvester.extract.meetup.times import iso_time
from harvester.extract.meetup.urls import clean_event_url, event_id_from_url, urlname_from_url

PAGES = Path(__file__).resolve().parent / "fixtures" / "meetup"


def page(name: str, url: str):
    return parse_meetup_page(url, (PAGES / name).read_bytes(), {"content-type": "text/html; charset=utf-8"})


def test_next_data_group_page_with_sponsors_organiser_network() -> None:
    facts = page("group-page-next-data.html", "https://www.meetup.com/bristol-creative-tech/")
    assert facts.source_kind == "next-data"
    [g] = facts.groups
    assert (g.id, g.urlname, g.name, g.city, g.country, g.member_count) == (
        "40000001", "Bristol-Creative-Tech", "Bristol Creative Tech", "Bristol", "gb", 1234)
    assert g.topics == ["Immersive Technology", "Game Development"]  # activeTopics __refs resolved
    assert [(p.name, p.role) for p in g.organisers] == [("Alex Organiser", "organiser")]
    assert [(s.name, s.url) for s in g.sponsors] == [
        ("Watershed", "https://www.watershed.co.uk/"), ("Pixel Forge Ltd", None)]  # `sponsors({...})` key
    assert g.pro_network == {"name": "Creative Tech Network", "urlname": "creative-tech-network",
                             "link": "https://www.meetup.com/pro/creative-tech-network/"}
    assert g.website == "https://bristolcreativetech.org.uk/"
    assert g.social["TWITTER"] == "https://twitter.com/bristolcreatech"
    assert g.links == ["https://www.watershed.co.uk/", "https://examplestudio.co.uk"]
    assert g.event_count == 2
    by_key = {e.key: e for e in facts.events}
    assert set(by_key) == {"bct-token-0001", "310000002"}  # token when given, else the URL id
    xr = by_key["bct-token-0001"]
    assert xr.id == "310000001"
    assert xr.url == "https://www.meetup.com/bristol-creative-tech/events/310000001/"  # ?recId dropped
    assert xr.rsvp_count == 57 and xr.hosts == ["Alex Organiser"]
    assert [(v.name, v.postcode) for v in xr.venues] == [("Watershed", "BS1 5TX")]
    assert by_key["310000002"].event_type == "ONLINE"
    # event links in the DOM are kept for the crawler (a page may link more than its state holds)
    assert "https://www.meetup.com/bristol-creative-tech/events/310000003/" in facts.event_urls


def test_dom_2023_group_page() -> None:
    facts = page("group-page-2023-dom.html", "https://www.meetup.com/cardiff-games-makers/")
    assert facts.source_kind == "dom"
    [g] = facts.groups
    assert (g.name, g.city, g.member_count) == ("Cardiff Games Makers", "Cardiff", 1433)
    assert [(s.name, s.url, s.description) for s in g.sponsors] == [
        ("Tramshed Tech", "https://www.tramshedtech.co.uk/", "Our venue and coffee"),
        ("Clwstwr", "https://clwstwr.org.uk/", "Funding for prototypes")]
    assert g.topics == ["Game Development", "Indie Games"]
    assert g.website == "https://cardiffgamesmakers.wales/"
    assert g.social["TWITTER"] == "https://twitter.com/cdfgamesmakers"
    assert [(p.name, p.role) for p in g.organisers] == [("Rhian Example", "organiser")]
    assert facts.event_urls == [  # only this group's events; query strings dropped
        "https://www.meetup.com/cardiff-games-makers/events/297000001/",
        "https://www.meetup.com/cardiff-games-makers/events/297000002/",
        "https://www.meetup.com/cardiff-games-makers/events/296000009/"]


def test_dom_2025_group_page_with_locale_prefix() -> None:
    facts = page("group-page-2025-dom.html", "https://www.meetup.com/en-GB/salford-media-meetup/")
    [g] = facts.groups
    assert (g.urlname, g.name, g.member_count) == ("salford-media-meetup", "Salford Media Meetup", 812)
    assert g.topics == ["Broadcasting", "Digital Media"]
    assert g.social == {"OTHER": "https://salfordmedia.example.org/",
                        "LINKEDIN": "https://www.linkedin.com/company/salford-media-meetup/"}
    assert g.website == "https://salfordmedia.example.org/"
    assert g.description.startswith("Producers, developers and designers")
    assert set(g.links) == {"https://www.mediacityuk.co.uk/", "https://www.salford.ac.uk/"}
    assert [p.name for p in g.organisers] == ["Sam Host"]


def test_event_page_jsonld_education_event_hybrid_and_page_props() -> None:
    url = "https://www.meetup.com/bristol-creative-tech/events/311111111/"
    facts = page("event-page-jsonld.html", url)
    [e] = facts.events
    assert (e.key, e.title, e.event_type, e.status) == (
        "311111111", "Volumetric capture workshop", "HYBRID", "ACTIVE")
    assert (e.start, e.end) == ("2026-10-15T18:00:00+01:00", "2026-10-15T20:30:00+01:00")
    assert [(v.name, v.postcode, v.venue_type) for v in e.venues] == [
        ("Engine Shed", "BS1 6QH", None), ("Online event", None, "online")]
    assert e.hosts == ["Alex Organiser", "Jo Speaker"]  # pageProps.event.eventHosts
    assert e.topics == ["Virtual Reality"]
    assert e.links == ["https://www.bristolmedia.co.uk/"]
    assert [(g.urlname, g.name) for g in facts.groups] == [("bristol-creative-tech", "Bristol Creative Tech")]
    # JSON-LD alone gives the same event
    only = parse_jsonld(url, (PAGES / "event-page-jsonld.html").read_text())
    assert only is not None and only.events[0].venues == e.venues


def test_event_page_jsonld_only_social_event() -> None:
    facts = page("event-page-jsonld-only.html", "https://www.meetup.com/cardiff-games-makers/events/297000001/")
    assert facts.source_kind == "jsonld"
    [e] = facts.events
    assert (e.key, e.status, e.event_type, e.start) == (
        "297000001", "CANCELLED", "PHYSICAL", "2026-11-03T19:30:00+00:00")
    assert [(v.name, v.address, v.city, v.postcode, v.country) for v in e.venues] == [
        ("Tramshed Tech", "Pendyris Street", "Cardiff", "CF11 6BH", "gb")]
    assert e.hosts == ["Rhian Example"]  # "Hosted by" in the DOM fills what JSON-LD lacks
    assert facts.groups[0].name == "Cardiff Games Makers"


def test_mwp_app_runtime_page() -> None:
    facts = page("group-page-mwp-2018.html", "https://www.meetup.com/Manchester-Web-Meetup/")
    assert facts.source_kind == "mwp"
    [g] = facts.groups
    assert (g.urlname, g.city, g.country, g.state, g.member_count) == (
        "Manchester-Web-Meetup", "Manchester", "gb", "18", 2150)
    assert g.founded == "2010-01-01T00:00:00+00:00"
    assert g.links == ["https://www.madlab.org.uk/"]
    assert g.description == "Web folk of Manchester. Hosted at MadLab."
    assert [e.key for e in facts.events] == ["245000001", "245000002"]
    assert facts.events[1].start == "2018-04-01T21:00:00+01:00"
    assert facts.events[0].venues[0].postcode == "M4 1HN"


def test_graphql_null_group_is_no_data_not_error() -> None:
    facts = parse_graphql("https://api.meetup.com/gql-ext", {"data": {"groupByUrlname": None}})
    assert facts.errors == [] and facts.groups == [] and facts.events == []


def test_graphql_event_search_with_token() -> None:
    payload = {"data": {"eventSearch": {
               "totalCount": 1, "pageInfo": {"hasNextPage": False, "endCursor": None},
               "edges": [{"node": {"id": "1", "token": "tok-1", "title": "T",
                                   "eventUrl": "https://www.meetup.com/g/events/1/",
                                   "dateTime": "2026-01-01T10:00Z", "group": {"urlname": "g"}}}]}}}
    facts = parse_graphql("u", payload)
    assert [(e.key, e.start, e.group_urlname) for e in facts.events] == [
        ("tok-1", "2026-01-01T10:00:00+00:00", "g")]


def test_not_json_is_an_error() -> None:
    assert parse_graphql("u", b"<html>").errors[0].startswith("not JSON")


@pytest.mark.parametrize(("url", "urlname", "event_id"), [
    ("https://www.meetup.com/Manchester-Web-Meetup/", "manchester-web-meetup", None),
    ("https://www.meetup.com/de-DE/munichs-robotics-meetup/", "munichs-robotics-meetup", None),
    ("https://www.meetup.com/bristol-js/events/", "bristol-js", None),
    ("https://www.meetup.com/bristol-js/events/past/", "bristol-js", None),
    ("https://www.meetup.com/bristol-js/events/312178333/?recId=1", "bristol-js", "312178333"),
    ("https://www.meetup.com/b/events/lkzghtyfcqbcc/", "b", "lkzghtyfcqbcc"),
    ("https://www.meetup.com/find/?keywords=tech", None, None),
    ("https://www.meetup.com/pro/rladies/", None, None),
    ("https://example.org/bristol-js/", None, None),
])
def test_url_parts(url: str, urlname: str | None, event_id: str | None) -> None:
    assert urlname_from_url(url) == urlname
    assert event_id_from_url(url) == event_id


def test_small_helpers() -> None:
    assert clean_event_url("https://www.meetup.com/g/events/1?x=1#a") == "https://www.meetup.com/g/events/1/"
    assert iso_time("2023-07-18T13:00:00+01:00[Europe/London]") == "2023-07-18T13:00:00+01:00"
    assert iso_time("not a date") is None
    assert extract_links(r"see [https://a.org/x\-y](https://a.org/x-y), and https://b.co.uk/. "
                         "https://www.meetup.com/g/") == ["https://a.org/x-y", "https://b.co.uk/"]


def test_merge_by_id_for_sweeps() -> None:
    a = parse_graphql("a", {"data": {"groupSearch": {"edges": [
        {"node": {"id": "1", "urlname": "one", "name": "One"}}, {"node": {"id": "2", "urlname": "two"}}]}}})
    b = parse_graphql("b", {"data": {"groupSearch": {"edges": [
        {"node": {"id": "2", "urlname": "Two", "city": "Bristol"}},
        {"node": {"id": "3", "urlname": "three"}}]}}})
    merged = merge_by_id([a, b])
    assert [g.urlname for g in merged.groups] == ["one", "two", "three"]
    assert merged.groups[1].city == "Bristol"


@pytest.mark.parametrize("body", [
    b"", b"{", b"[1,2,3]", b'{"foo": 1}', b"\xff\xfe garbage", b'{"data": null, "errors": "weird"}',
    b'<script id="__NEXT_DATA__" type="application/json">{not json</script>',
    b'<script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{"__APOLLO_STATE__":'
    b'{"Event:1":{"__typename":"Event","venue":{"__ref":"Venue:404"},"group":{"__ref":"Event:1"}}}}}}</script>',
    b'<script type="application/ld+json">{"@type":"Event","name":"x","location":"a string"}</script>',
    b'<script>window.APP_RUNTIME = {"escapedState": 5};</script>',
    b'{"data": {"groupByUrlname": {"events": {"edges": [null, {"node": null}, {"node": {"id": 5}}]}}}}',
])
def test_broken_input_never_raises(body: bytes) -> None:
    for url in ("https://www.meetup.com/g/", "https://www.meetup.com/g/events/123/", "https://example.org/"):
        facts = parse_meetup_page(url, body, {})
        assert facts.source_url == url


def test_json_nested_past_the_recursion_limit_is_broken_input_not_a_crash() -> None:
    """`json.loads` raises RecursionError, not JSONDecodeError, on such a body; it must end as an
    error (API answers) or as a surface that found nothing (pages), like any other broken JSON."""
    deep = "[" * 100_000 + "]" * 100_000
    assert parse_graphql("u", deep).errors == ["not JSON: nested too deep"]
    assert parse_rest_v3("u", deep.encode()).errors == ["not JSON: nested too deep"]
    for body in (deep, f'<script id="__NEXT_DATA__" type="application/json">{deep}</script>',
                 f'<script type="application/ld+json">{deep}</script>'):
        facts = parse_meetup_page("https://www.meetup.com/g/", body.encode(), {})
        assert (facts.groups, facts.events) == ([], [])


@pytest.mark.parametrize("name", ["content-type", "Content-Type", "CONTENT-TYPE"])
def test_the_charset_is_read_whatever_the_case_of_the_header_name(name: str) -> None:
    page = ('<html><head><script type="application/ld+json">{"@type": "Event", "name": "Caf\u00e9 night",'
            ' "startDate": "2026-01-01T19:00:00Z", "url": "https://www.meetup.com/bristol-js/events/312345678/"}'
            '</script></head><body>Caf\u00e9</body></html>')
    facts = parse_meetup_page("https://www.meetup.com/bristol-js/events/312345678/", page.encode("latin-1"),
                              {name: "text/html; charset=iso-8859-1"})
    assert [e.title for e in facts.events] == ["Caf\u00e9 night"]


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code></Error>',
    b"https://www.meetup.com/bristol-js/",
])
def test_markup_bs4_would_advise_about_parses_without_a_warning(body: bytes) -> None:
    """An XML body or a bare URL is what the page held: no bs4 advice printed into a harvest."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parse_meetup_page("https://www.meetup.com/bristol-js/", body, {"content-type": "text/html"})
        assert extract_links('https://x.example.org/<a href="https://y.example.org/">y</a>') == [
            "https://y.example.org/", "https://x.example.org/"]


@given(st.binary(max_size=300))
@settings(max_examples=150, deadline=None)
def test_any_bytes_never_raise(body: bytes) -> None:
    parse_meetup_page("https://www.meetup.com/g/events/", body, {"content-type": "text/html"})


def test_find_page_events_with_inline_venue_and_root_query() -> None:
    url = "https://www.meetup.com/find/?keywords=games&location=gb--Bristol&source=EVENTS"
    facts = page("find-page-events.html", url)
    assert facts.source_kind == "next-data" and facts.total_count == 2
    by_key = {e.key: e for e in facts.events}
    assert set(by_key) == {"320000001", "320000002"}
    night = by_key["320000001"]
    assert night.url == "https://www.meetup.com/bristol-board-gamers/events/320000001/"
    assert night.start == "2026-12-04T19:00:00+00:00"  # `[Europe/London]` suffix cut
    assert night.rsvp_count == 23 and night.group_urlname == "bristol-board-gamers"
    assert [(v.name, v.postcode) for v in night.venues] == [("Chance & Counters", "BS1 5BS")]  # inline venue
    assert by_key["320000002"].rsvp_count == 41  # `rsvps({...})` matched by prefix
    assert {(g.urlname, g.city) for g in facts.groups} == {("bristol-board-gamers", "Bristol"),
                                                          ("bath-game-devs", "Bath")}


HOSTILE = "\x1b[2J\x1b]0;t\x07\x00\x7f\x9b"


def _hostile_group_page() -> bytes:
    """A `__NEXT_DATA__` group page whose JSON strings spell control characters as escapes and
    whose DOM organiser carries a raw ESC; a sponsor's website is a javascript: URL."""
    group = {"__typename": "Group", "id": "7", "name": "Evil" + HOSTILE + " Group", "urlname": "evil",
             "link": "https://www.meetup.com/evil/", "description": "About" + HOSTILE,
             "organizer": {"__ref": "Member:1"},
             "sponsors": {"edges": [{"node": {"name": "Sponsor" + HOSTILE, "url": "javascript:alert(1)"}},
                                    {"node": {"name": "Good", "url": "https://good.example.org/"}}]}}
    state = {"ROOT_QUERY": {'groupByUrlname({"urlname":"evil"})': {"__ref": "Group:7"}}, "Group:7": group,
             "Member:1": {"__typename": "Member", "id": "1", "name": "Mal" + HOSTILE + "lory"}}
    data = json.dumps({"props": {"pageProps": {"__APOLLO_STATE__": state}}})
    assert "\\u001b" in data and "\x1b" not in data  # spelt as escapes, as a JSON encoder writes them
    return (f"<html><head><title>Evil | Meetup</title></head><body><h1>Evil</h1>"
            f"<p>Organized by <span id='organizer-name'>Mal\x1b[31mlory</span></p>"
            f"<script id='__NEXT_DATA__' type='application/json'>{data}</script></body></html>").encode()


def test_control_characters_spelt_in_json_or_raw_in_the_dom_never_reach_the_facts() -> None:
    facts = parse_meetup_page("https://www.meetup.com/evil/", _hostile_group_page(),
                              {"content-type": "text/html; charset=utf-8"})
    [g] = facts.groups
    texts = [g.name, g.description, *[p.name for p in g.organisers], *[s.name for s in g.sponsors]]
    # the sequences go whole: U+009B is an 8-bit CSI that " G" ends (an intermediate, a final byte)
    assert g.name == "Evilroup"
    for text in texts:
        assert text and not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text), repr(text)
    assert [(s.name, s.url) for s in g.sponsors] == [("Sponsor", None), ("Good", "https://good.example.org/")]


def test_graphql_payload_strings_lose_control_characters() -> None:
    group = {"id": "7", "urlname": "evil", "name": "Evil\u001b]0;t\u0007 Group"}
    payload = {"data": {"groupByUrlname": group}}
    [g] = parse_graphql("https://api.meetup.com/gql", json.dumps(payload)).groups
    assert g.name == "Evil Group"  # the OSC went whole
