"""A cluster's Meetup seed block -> fetch jobs."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from harvester.extract.meetup import parse_meetup_page
from harvester.meetup.sources import (
    MAX_EVENT_PAGES_PER_GROUP,
    event_jobs,
    find_url,
    group_jobs,
    group_jobs_from_facts,
    jobs_for_cluster,
    sweep_urls,
)

PAGES = Path(__file__).resolve().parent / "fixtures" / "meetup"

BRISTOL = {
    "groups": ["https://www.meetup.com/BristolJS/", "https://www.meetup.com/de-DE/PyData-Bristol/events/"],
    "searches": ["https://www.meetup.com/find/?location=gb--Bristol&source=GROUPS&keywords=tech",
                 "https://www.meetup.com/find/?location=gb--Bath&source=GROUPS&keywords=games"],
    "api": [{"query": "tech", "lat": 51.45, "lon": -2.59, "radius": 10}],
}


def test_group_url_becomes_home_events_and_past_pages() -> None:
    jobs = group_jobs("https://www.meetup.com/de-DE/PyData-Bristol/events/")
    assert [(j.url, j.kind, j.urlname) for j in jobs] == [
        ("https://www.meetup.com/pydata-bristol/", "group", "pydata-bristol"),
        ("https://www.meetup.com/pydata-bristol/events/", "events", "pydata-bristol"),
        ("https://www.meetup.com/pydata-bristol/events/past/", "past_events", "pydata-bristol")]
    assert group_jobs("https://www.meetup.com/find/?keywords=x") == []


def test_find_url_always_has_keywords() -> None:
    url = find_url("creative technology", "gb--Bristol", "events")
    assert parse_qs(urlsplit(url).query) == {
        "keywords": ["creative technology"], "location": ["gb--Bristol"], "source": ["EVENTS"]}
    with pytest.raises(ValueError, match="keywords"):
        find_url(" ", "gb--Bristol")


def test_sweep_is_keyword_by_location_by_source() -> None:
    urls = sweep_urls(["tech", "games", "tech"], ["gb--Bristol", "gb--Bath"])
    assert len(urls) == 2 * 2 * 2  # duplicates dropped
    combos = {(q["keywords"][0], q["location"][0], q["source"][0])
              for q in (parse_qs(urlsplit(u).query) for u in urls)}
    assert ("games", "gb--Bristol", "EVENTS") in combos and ("tech", "gb--Bath", "GROUPS") in combos


def test_html_mode_jobs() -> None:
    jobs = jobs_for_cluster(BRISTOL)
    kinds = [j.kind for j in jobs]
    assert kinds[:6] == ["group", "events", "past_events"] * 2
    assert jobs[0].urlname == "bristoljs" and jobs[3].urlname == "pydata-bristol"
    finds = [j.url for j in jobs if j.kind == "find"]
    assert finds[:2] == BRISTOL["searches"]  # kept as given, first
    assert len(finds) == len(set(finds)) == 2 + 8 - 2  # + sweep, minus the two equal to seed URLs
    assert not any(j.kind.startswith("api") for j in jobs)


def test_api_mode_jobs_never_carry_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARVESTER_MEETUP_TOKEN", "sekret")
    jobs = jobs_for_cluster(BRISTOL, api_mode=True)
    api = [j for j in jobs if j.kind.startswith("api")]
    assert [(j.kind, j.urlname) for j in api] == [
        ("api_group", "bristoljs"), ("api_group", "pydata-bristol"),
        ("api_group_search", None), ("api_event_search", None)]
    assert api[2].query == {"query": "tech", "lat": 51.45, "lon": -2.59, "radius": 10, "topic_category": None}
    assert api[2].url == "https://api.meetup.com/gql-ext#groupSearch?query=tech&lat=51.45&lon=-2.59&radius=10"
    assert all("sekret" not in j.url for j in jobs)
    assert any(j.kind == "find" for j in jobs)  # searches still fetched as pages


def test_empty_block() -> None:
    assert jobs_for_cluster(None) == [] and jobs_for_cluster({}) == []


def test_event_jobs_bounded_per_group() -> None:
    facts = parse_meetup_page("https://www.meetup.com/cardiff-games-makers/",
                              (PAGES / "group-page-2023-dom.html").read_bytes())
    jobs = event_jobs(facts)
    assert [j.url for j in jobs] == facts.event_urls and {j.kind for j in jobs} == {"event"}
    base = "https://www.meetup.com/cardiff-games-makers/events/"
    facts.event_urls = [f"{base}{29700000 + i}/" for i in range(40)]
    assert len(event_jobs(facts)) == MAX_EVENT_PAGES_PER_GROUP
    assert len(event_jobs(facts, limit=3)) == 3


def test_groups_found_by_a_search_become_jobs() -> None:
    facts = parse_meetup_page("https://www.meetup.com/hackergarten-stuttgart/events/",
                              "<html></html>")
    assert group_jobs_from_facts(facts) == []
    facts = parse_meetup_page(
        "https://www.meetup.com/bristol-creative-tech/", (PAGES / "group-page-next-data.html").read_bytes())
    jobs = group_jobs_from_facts(facts)
    assert [(j.kind, j.urlname) for j in jobs] == [("group", "bristol-creative-tech"),
                                                   ("events", "bristol-creative-tech")]
    assert group_jobs_from_facts(facts, known=["Bristol-Creative-Tech"]) == []
