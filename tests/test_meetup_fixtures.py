"""Meetup parsers against every recorded sample in ../shared/fixtures/meetup (skipped when absent).

Counts and values were read from the files themselves (see that folder's README for what each holds).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from harvester.extract.meetup import parse_graphql, parse_meetup_page, parse_rest_v3


@pytest.fixture
def meetup_dir(shared_dir: Path) -> Path:
    path = shared_dir / "fixtures" / "meetup"
    if not path.is_dir():
        pytest.skip("../shared/fixtures/meetup is absent")
    return path


def interactions(path: Path) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["http_interactions"]


def gql(meetup_dir: Path, name: str, index: int = 0):
    item = interactions(meetup_dir / name)[index]
    request = json.loads(item["request"]["body"]["string"])
    return parse_graphql(item["request"]["uri"], item["response"]["body"]["string"],
                         request.get("variables"))


def test_every_fixture_is_covered(meetup_dir: Path) -> None:
    """A new sample in the shared folder must get a test here."""
    covered = {
        "graphql-ext-2025-09-group-events-and-errors.vcr.yml", "graphql-ext-2025-10-group-by-urlname.vcr.yml",
        "graphql-ext-2025-10-group-members-roles.vcr.yml", "graphql-ext-2025-10-group-search.vcr.yml",
        "graphql-ext-2025-10-pro-network-groups.vcr.yml", "graphql-ext-2025-10-schema-introspection.json",
        "graphql-legacy-2022-09-group-events.vcr.yml", "graphql-legacy-2022-09-keyword-search-groups.vcr.yml",
        "html-2026-07-group-events-page-apollo-trimmed.html",
        "html-2026-07-group-events-page-empty-trimmed.html",
        "html-2026-09-group-page-apollo-trimmed.html", "rest-v3-2021-01-find-groups.vcr.yml",
        "rest-v3-2021-01-group-events.vcr.yml", "rest-v3-2023-12-group-events-cancelled.json",
        "rest-v3-2023-12-group-events-online.json", "README.md",
    }
    assert {p.name for p in meetup_dir.iterdir()} <= covered


# ---------------------------------------------------------------- gql-ext


def test_group_by_urlname(meetup_dir: Path) -> None:
    facts = gql(meetup_dir, "graphql-ext-2025-10-group-by-urlname.vcr.yml")
    assert facts.errors == [] and facts.source_kind == "gql-ext"
    assert len(facts.groups) == 1 and facts.events == []
    g = facts.groups[0]
    assert (g.id, g.urlname, g.name, g.city, g.country) == (
        "32612004", "rladies-lagos", "R-Ladies Lagos", "Lagos", "ng")
    assert g.member_count == 870
    assert g.founded == "2019-08-16T09:45:21+01:00"
    assert g.category == "Technology"
    assert g.event_count == 13
    assert g.link == "https://www.meetup.com/rladies-lagos"
    assert [(p.name, p.role) for p in g.organisers] == [("R-Ladies Global", "organiser")]
    # markdown-ish `[url](url)` links of the description
    assert g.links == ["https://www.rladies.org", "https://twitter.com/RLadiesGlobal",
                       "https://github.com/rladies", "https://github.com/rladies/starter-kit/wiki"]


def test_group_events_success_with_venues_and_hybrid(meetup_dir: Path) -> None:
    facts = gql(meetup_dir, "graphql-ext-2025-09-group-events-and-errors.vcr.yml", 0)
    assert facts.errors == []
    assert len(facts.events) == 13 and facts.total_count == 13
    assert facts.has_next_page is False and facts.next_cursor is None
    assert sum(len(e.venues) for e in facts.events) == 14
    first = facts.events[0]
    assert first.key == "264156061"
    assert first.url == "https://www.meetup.com/rladies-lagos/events/264156061/"
    assert first.group_urlname == "rladies-lagos"
    assert first.start == "2019-09-21T09:00:00+01:00"
    assert first.end == "2019-09-21T16:00:00+01:00"  # dateTime + duration PT7H
    assert first.status == "PAST" and first.rsvp_count == 26
    assert first.venues[0].name == "Civil Engineering Building,"
    hybrid = next(e for e in facts.events if e.key == "300356000")
    assert [(v.name, v.postcode, v.venue_type) for v in hybrid.venues] == [
        ("American Corner Ikeja", "102214", None), ("Online event", None, "online")]
    assert hybrid.event_type == "HYBRID"
    online = next(e for e in facts.events if e.key == "284322273")
    assert online.event_type == "ONLINE"
    assert {v.name for e in facts.events for v in e.venues} == {
        "Civil Engineering Building,", "Sweets And Pastries Ltd", "Online event", "American Corner Ikeja"}
    assert len(facts.groups) == 1 and facts.groups[0].urlname == "rladies-lagos"


def test_group_events_filtered_by_zoned_date(meetup_dir: Path) -> None:
    facts = gql(meetup_dir, "graphql-ext-2025-09-group-events-and-errors.vcr.yml", 4)
    assert facts.errors == []
    assert [e.key for e in facts.events] == ["264156061", "266757265", "267804814", "284322273", "284612394"]
    assert facts.total_count == 5


@pytest.mark.parametrize(("index", "needle"), [
    (1, "No value found for name 'UPCOMING'"),
    (2, "2023-01-01 as ZonedDateTime"),
    (3, "2023-01-01T12:00:00 as ZonedDateTime"),
])
def test_validation_errors_are_errors_not_empty_results(meetup_dir: Path, index: int, needle: str) -> None:
    item = interactions(meetup_dir / "graphql-ext-2025-09-group-events-and-errors.vcr.yml")[index]
    assert item["response"]["status"] == 200  # errors arrive with HTTP 200
    facts = gql(meetup_dir, "graphql-ext-2025-09-group-events-and-errors.vcr.yml", index)
    assert len(facts.errors) == 1
    assert needle in facts.errors[0] and facts.errors[0].endswith("(ValidationError)")
    assert facts.groups == [] and facts.events == []


def test_memberships_keep_only_organisers(meetup_dir: Path) -> None:
    facts = gql(meetup_dir, "graphql-ext-2025-10-group-members-roles.vcr.yml")
    raw = json.loads(interactions(meetup_dir / "graphql-ext-2025-10-group-members-roles.vcr.yml")[0]
                     ["response"]["body"]["string"])
    edges = raw["data"]["groupByUrlname"]["memberships"]["edges"]
    assert len(edges) == 20  # 2 leaders + 18 ordinary members in the answer
    g = facts.groups[0]
    assert [(p.name, p.role) for p in g.organisers] == [
        ("R-Ladies Global", "organiser"), ("EYITAYO ALIMI", "co-organiser")]
    members = {e["node"]["name"] for e in edges if e["metadata"]["role"] == "MEMBER"}
    kept = {p.name for p in g.organisers}
    assert members and not members & kept
    assert g.member_count == 879  # memberships.totalCount, a number, not names
    # the memberships connection's cursor is not the facts' paging cursor (no events asked)
    assert facts.events == []


def test_group_search_first_page(meetup_dir: Path) -> None:
    facts = gql(meetup_dir, "graphql-ext-2025-10-group-search.vcr.yml", 0)
    assert len(facts.groups) == 200 and facts.total_count == 200
    assert facts.has_next_page is True and facts.next_cursor == "MjAw"
    uk = {g.urlname: g for g in facts.groups if g.country == "gb"}
    assert set(uk) == {"rladies-oxford", "london-womens-film-and-tv-discussion-group-lwft",
                       "c-u-next-tuesday", "rladies-sheffield", "muse-meetup-group"}
    assert (uk["rladies-oxford"].city, uk["rladies-oxford"].state, uk["rladies-oxford"].member_count) == (
        "Oxford", "K2", 60)
    assert uk["muse-meetup-group"].state == "17"  # a region code, not a county
    assert (uk["rladies-sheffield"].lat, uk["rladies-sheffield"].lon) == (53.38, -1.46)
    melbourne = next(g for g in facts.groups if g.urlname == "rladies-melbourne")
    assert (melbourne.id, melbourne.member_count, melbourne.founded) == (
        "20378903", 2674, "2016-09-01T20:31:57+10:00")
    # the viewer's own membershipMetadata LEADER must not make anyone an organiser
    assert all(g.organisers == [] for g in facts.groups)


def test_group_search_second_interaction(meetup_dir: Path) -> None:
    facts = gql(meetup_dir, "graphql-ext-2025-10-group-search.vcr.yml", 1)
    assert len(facts.groups) == 15 and facts.next_cursor == "MTU="
    assert facts.groups[0].urlname == "ireland-data-science-online-session"
    assert facts.groups[0].city == "Dublin"


def test_pro_network_groups(meetup_dir: Path) -> None:
    facts = gql(meetup_dir, "graphql-ext-2025-10-pro-network-groups.vcr.yml")
    assert facts.total_count == 247
    assert len(facts.groups) == 10
    assert facts.has_next_page is True
    assert facts.next_cursor == ("eyJ2YWx1ZXMiOlt7InR5cGUiOiJMb25nIiwidmFsdWUiOjE3MjIzNzg3MjMwMDB9"
                                 "LHsidHlwZSI6IkxvbmciLCJ2YWx1ZSI6Mzc3MTA2NTN9XX0=")
    g = facts.groups[0]
    assert (g.id, g.urlname, g.city, g.member_count) == (
        "37968764", "rladies-tlalnepantla", "Tlalnepantla", 46)
    assert all(x.pro_network == {"urlname": "rladies"} for x in facts.groups)
    assert "https://www.rladies.org" in g.links  # bare URLs in the description


# ---------------------------------------------------------------- legacy gql


def test_legacy_keyword_search(meetup_dir: Path) -> None:
    facts = gql(meetup_dir, "graphql-legacy-2022-09-keyword-search-groups.vcr.yml")
    assert facts.source_kind == "gql"
    assert len(facts.groups) == 197 and facts.total_count == 197
    assert facts.has_next_page is False
    first = facts.groups[0]
    assert (first.urlname, first.lat, first.lon, first.member_count, first.category) == (
        "rladies-brasilia", -15.78, -47.91, 68, "Technology")
    uk = {g.urlname for g in facts.groups if g.country == "gb"}
    assert uk == {"rladies-newcastle", "rladies-reading", "rladies-cambridge", "rladies-edinburgh",
                  "rladies-lancaster", "rladies-oxford", "rladies-london", "rladies-coventry",
                  "rladies-glasgow"}
    london = next(g for g in facts.groups if g.urlname == "rladies-london")
    assert (london.member_count, london.state) == (1585, "17")


def test_legacy_group_events_lng_count_single_venue(meetup_dir: Path) -> None:
    facts = gql(meetup_dir, "graphql-legacy-2022-09-group-events.vcr.yml")
    assert facts.source_kind == "gql"
    assert len(facts.events) == 5 and facts.total_count == 5
    assert sum(len(e.venues) for e in facts.events) == 5
    e = facts.events[0]
    assert e.key == "264156061"
    assert e.start == "2019-09-21T09:00:00+01:00"  # minute precision normalised
    assert e.rsvp_count == 26  # `going`
    assert (e.venues[0].name, e.venues[0].lon) == ("Civil Engineering Building,", 3.271455)
    assert facts.events[1].venues[0].lon == 3.385895  # `lon: lng` alias
    # the group has no urlname field in this answer: taken from the query's variables
    assert [(g.urlname, g.id, g.event_count) for g in facts.groups] == [("rladies-lagos", "32612004", 5)]


# ---------------------------------------------------------------- REST v3


def test_rest_find_groups(meetup_dir: Path) -> None:
    item = interactions(meetup_dir / "rest-v3-2021-01-find-groups.vcr.yml")[0]
    facts = parse_rest_v3(item["request"]["uri"], item["response"]["body"]["string"])
    assert facts.source_kind == "rest-v3" and len(facts.groups) == 1 and facts.events == []
    g = facts.groups[0]
    assert (g.id, g.urlname, g.name, g.city, g.country, g.member_count) == (
        "28887085", "rladies-remote", "R-Ladies Remote", "San Francisco", "us", 345)
    assert g.founded == "2018-06-19T20:31:06+00:00"  # created, epoch ms
    assert g.pro_network == {"name": "R-Ladies", "urlname": "rladies",
                             "link": "https://www.meetup.com/pro/rladies/"}
    assert [(p.name, p.role) for p in g.organisers] == [("R-Ladies Global", "organiser")]
    assert "<p>" not in (g.description or "") and "https://github.com/rladies" in g.links


def test_rest_group_events(meetup_dir: Path) -> None:
    item = interactions(meetup_dir / "rest-v3-2021-01-group-events.vcr.yml")[0]
    facts = parse_rest_v3(item["request"]["uri"], item["response"]["body"]["string"])
    assert len(facts.events) == 18
    assert sum(len(e.venues) for e in facts.events) == 17
    assert [e.key for e in facts.events if not e.venues] == ["256725942"]
    assert {v.name for e in facts.events for v in e.venues} == {
        "VUMC Biostatistics Conference Room", "Emma Bistro", "The Wond'ry",
        "Parthenon Conference Room", "Greater Nashville Technology Council"}
    e = facts.events[0]
    assert (e.key, e.title, e.status, e.rsvp_count) == (
        "234968855", "R-Ladies Nashville Kickoff!", "PAST", 27)
    assert e.start == "2016-11-07T17:30:00-06:00"  # time + utc_offset
    assert e.end == "2016-11-07T19:30:00-06:00"  # + duration in ms
    assert e.venues[0].address == "2525 West End Avenue, Suite 1100"
    assert [(g.urlname, g.city) for g in facts.groups] == [("rladies-nashville", "Nashville")]


def test_rest_cancelled_alphanumeric_event(meetup_dir: Path) -> None:
    path = meetup_dir / "rest-v3-2023-12-group-events-cancelled.json"
    facts = parse_meetup_page("https://api.meetup.com/beer-and-napkins-community-of-design/events",
                              path.read_bytes(), {"content-type": "application/json"})
    assert facts.source_kind == "rest-v3" and len(facts.events) == 1
    e = facts.events[0]
    assert (e.key, e.status, e.event_type) == ("lkzghtyfcqbcc", "CANCELLED", "PHYSICAL")
    assert e.start == "2023-12-21T18:30:00-05:00"
    v = e.venues[0]
    assert (v.name, v.address, v.postcode, v.city) == (
        "Carolina Bauernhaus Greenville", "556 Perry Ave Suite B118", "29611", "Greenville")
    assert facts.groups[0].urlname == "beer-and-napkins-community-of-design"


def test_rest_online_event(meetup_dir: Path) -> None:
    path = meetup_dir / "rest-v3-2023-12-group-events-online.json"
    facts = parse_meetup_page("https://api.meetup.com/code-for-the-carolinas-greenville/events",
                              path.read_bytes(), {})
    e = facts.events[0]
    assert (e.key, e.event_type, e.venues, e.status) == ("lvgwftyfcqbxb", "ONLINE", [], "UPCOMING")
    assert "https://www.zoningatlas.org/" in e.links and "http://codeforthecarolinas.org/" in e.links
    assert "https://jitsi.org/downloads/" in e.links
    assert all("](" not in link for link in e.links)


# ---------------------------------------------------------------- HTML (__NEXT_DATA__)


def test_events_page_with_synthetic_events(meetup_dir: Path) -> None:
    path = meetup_dir / "html-2026-07-group-events-page-apollo-trimmed.html"
    facts = parse_meetup_page("https://www.meetup.com/hackergarten-stuttgart/events/", path.read_bytes(),
                              {"content-type": "text/html"})
    assert facts.source_kind == "next-data" and facts.errors == []
    by_key = {e.key: e for e in facts.events}
    # the real event and the three flagged synthetic ones are all events like any other
    assert set(by_key) == {"312178333", "900000001", "900000002", "900000003"}
    assert all(not e.synthetic for e in facts.events)
    real = by_key["312178333"]
    assert real.title == "66. Hackergarten Stuttgart"
    assert (real.start, real.end) == ("2026-08-04T17:30:00+02:00", "2026-08-04T20:30:00+02:00")
    assert real.group_urlname == "hackergarten-stuttgart"
    assert [(v.id, v.name, v.address, v.city, v.country) for v in real.venues] == [
        ("27314661", "codecentric AG", "Industriestraße 3", "Stuttgart", "de")]
    assert (by_key["900000001"].event_type, by_key["900000001"].venues) == ("ONLINE", [])
    assert by_key["900000002"].event_type == "HYBRID"
    assert by_key["900000002"].venues[0].name == "codecentric AG"
    assert by_key["900000003"].start == "2025-01-07T17:30:00+01:00"
    assert sum(len(e.venues) for e in facts.events) == 3


def test_empty_events_page_is_zero_events(meetup_dir: Path) -> None:
    path = meetup_dir / "html-2026-07-group-events-page-empty-trimmed.html"
    facts = parse_meetup_page("https://www.meetup.com/stuttgart-gophers/events/", path.read_bytes(), {})
    assert facts.source_kind == "next-data"
    assert facts.events == [] and facts.errors == []


def test_group_page_argument_bearing_key(meetup_dir: Path) -> None:
    path = meetup_dir / "html-2026-09-group-page-apollo-trimmed.html"
    facts = parse_meetup_page("https://www.meetup.com/de-DE/munichs-robotics-meetup/", path.read_bytes(), {})
    assert [(g.id, g.urlname, g.is_private, g.event_count) for g in facts.groups] == [
        ("23035493", "Munichs-robotics-meetup", False, 0)]
    assert facts.events == []


def test_introspection_is_valid_schema(meetup_dir: Path) -> None:
    schema = json.loads((meetup_dir / "graphql-ext-2025-10-schema-introspection.json").read_text())
    names = {t["name"] for t in schema["types"]}
    assert {"Group", "Event", "Venue", "Sponsor", "SocialNetwork", "ProNetwork"} <= names
