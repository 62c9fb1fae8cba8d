"""The gql-ext client: pagination, 429 with Retry-After, request budget, errors, token hygiene;
and every field of every query checked against the recorded schema introspection."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pytest_httpx import HTTPXMock

from harvester.meetup.api import (
    GQL_EXT_URL,
    QUERIES,
    MeetupApi,
    MeetupApiError,
    RequestBudget,
    retry_after_seconds,
    token_from_env,
)
from harvester.meetup.sources import MeetupJob

TOKEN = "sekret-token-1234567890"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def page(urlnames: list[str], *, has_next: bool, cursor: str | None) -> dict[str, Any]:
    return {"data": {"groupSearch": {
        "totalCount": 3, "pageInfo": {"hasNextPage": has_next, "endCursor": cursor},
        "edges": [{"node": {"id": str(i), "urlname": u, "name": u.title(), "city": "Bristol",
                            "country": "gb"}} for i, u in enumerate(urlnames)]}}}


def bodies(httpx_mock: HTTPXMock) -> list[dict[str, Any]]:
    return [json.loads(r.content) for r in httpx_mock.get_requests()]


@pytest.mark.anyio
async def test_two_pages_with_a_429_in_between(httpx_mock: HTTPXMock,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    httpx_mock.add_response(url=GQL_EXT_URL, method="POST", json=page(["bristol-js", "pydata-bristol"],
                                                                      has_next=True, cursor="MjAw"))
    httpx_mock.add_response(url=GQL_EXT_URL, method="POST", status_code=429, headers={"Retry-After": "7"},
                            json={"message": "slow down"})
    httpx_mock.add_response(url=GQL_EXT_URL, method="POST", json=page(["bristol-games-hub"],
                                                                      has_next=False, cursor=None))
    fake = FakeTime()
    async with httpx.AsyncClient() as client:
        api = MeetupApi(TOKEN, client=client, requests_per_minute=30, clock=fake.clock, sleep=fake.sleep)
        facts = await api.search_groups("tech", 51.45, -2.59, 10)
    assert [g.urlname for g in facts.groups] == ["bristol-js", "pydata-bristol", "bristol-games-hub"]
    assert facts.has_next_page is False and facts.total_count == 3
    assert fake.sleeps == [7.0]  # Retry-After honoured, nothing else waited
    requests = httpx_mock.get_requests()
    assert len(requests) == 3 and api.requests == 3
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in requests)
    sent = bodies(httpx_mock)
    assert sent[0]["variables"]["query"] == "tech" and "cursor" not in sent[0]["variables"]
    assert sent[1]["variables"]["cursor"] == "MjAw" and sent[2]["variables"]["cursor"] == "MjAw"
    assert "groupSearch(" in sent[0]["query"]
    # the token is in no log line, no source URL, no repr
    assert caplog.records and TOKEN not in caplog.text
    assert TOKEN not in facts.source_url and TOKEN not in repr(api)
    assert facts.source_url.startswith(f"{GQL_EXT_URL}#groupSearch?query=tech")


@pytest.mark.anyio
async def test_graphql_errors_raise_naming_the_query(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=GQL_EXT_URL, method="POST", json={"errors": [{
        "message": "Variable 'date_before' has an invalid value",
        "extensions": {"classification": "ValidationError"}}]})
    fake = FakeTime()
    api = MeetupApi(TOKEN, client=httpx.AsyncClient(), clock=fake.clock, sleep=fake.sleep)
    with pytest.raises(MeetupApiError, match=r"query groupByUrlname failed: Variable 'date_before'.*"
                                             r"\(ValidationError\)"):
        await api.group("rladies-lagos")


@pytest.mark.anyio
async def test_recorded_error_cassette_raises(httpx_mock: HTTPXMock, shared_dir: Path) -> None:
    cassette = shared_dir / "fixtures" / "meetup" / "graphql-ext-2025-09-group-events-and-errors.vcr.yml"
    item = yaml.safe_load(cassette.read_text())["http_interactions"][1]
    httpx_mock.add_response(url=GQL_EXT_URL, method="POST", text=item["response"]["body"]["string"],
                            headers={"content-type": "application/json"})
    fake = FakeTime()
    api = MeetupApi(TOKEN, client=httpx.AsyncClient(), clock=fake.clock, sleep=fake.sleep)
    with pytest.raises(MeetupApiError, match="No value found for name 'UPCOMING'"):
        await api.group("rladies-lagos")


@pytest.mark.anyio
async def test_recorded_group_answer_through_the_client(httpx_mock: HTTPXMock, shared_dir: Path) -> None:
    cassette = shared_dir / "fixtures" / "meetup" / "graphql-ext-2025-09-group-events-and-errors.vcr.yml"
    item = yaml.safe_load(cassette.read_text())["http_interactions"][0]
    httpx_mock.add_response(url=GQL_EXT_URL, method="POST", text=item["response"]["body"]["string"])
    fake = FakeTime()
    api = MeetupApi(TOKEN, client=httpx.AsyncClient(), clock=fake.clock, sleep=fake.sleep)
    facts = await api.run_job(MeetupJob(f"{GQL_EXT_URL}#groupByUrlname?urlname=rladies-lagos", "api_group",
                                        "rladies-lagos", {"urlname": "rladies-lagos"}))
    assert len(facts.events) == 13 and facts.groups[0].urlname == "rladies-lagos"


@pytest.mark.anyio
async def test_bad_token_is_one_clear_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=GQL_EXT_URL, method="POST", status_code=401, json={"error": "invalid_token"})
    fake = FakeTime()
    api = MeetupApi(TOKEN, client=httpx.AsyncClient(), clock=fake.clock, sleep=fake.sleep)
    with pytest.raises(MeetupApiError) as info:
        await api.search_events("tech", 51.48, -3.18, 10)
    assert "HARVESTER_MEETUP_TOKEN" in str(info.value) and TOKEN not in str(info.value)


@pytest.mark.anyio
async def test_persistent_429_gives_up_after_retries(httpx_mock: HTTPXMock) -> None:
    for _ in range(3):
        httpx_mock.add_response(url=GQL_EXT_URL, method="POST", status_code=429,
                                headers={"Retry-After": "500"})
    fake = FakeTime()
    api = MeetupApi(TOKEN, client=httpx.AsyncClient(), retries=3, max_retry_wait=120.0,
                    clock=fake.clock, sleep=fake.sleep)
    with pytest.raises(MeetupApiError, match="HTTP 429 after 3 attempts"):
        await api.pro_network_groups("rladies")
    assert fake.sleeps == [120.0, 120.0]  # Retry-After capped at max_retry_wait


@pytest.mark.anyio
async def test_request_budget_waits_when_spent() -> None:
    fake = FakeTime()
    budget = RequestBudget(3, clock=fake.clock, sleep=fake.sleep)
    for _ in range(3):
        await budget.acquire()
    assert fake.sleeps == []
    fake.now += 10
    await budget.acquire()  # the 4th within the minute waits for the first to age out
    assert fake.sleeps == [50.0]
    # control: a generous budget never waits
    fast = FakeTime()
    generous = RequestBudget(100, clock=fast.clock, sleep=fast.sleep)
    for _ in range(4):
        await generous.acquire()
    assert fast.sleeps == []


def test_token_and_retry_after_helpers() -> None:
    assert token_from_env({"HARVESTER_MEETUP_TOKEN": "  abc "}) == "abc"
    assert token_from_env({"HARVESTER_MEETUP_TOKEN": ""}) is None and token_from_env({}) is None
    assert retry_after_seconds("12") == 12.0 and retry_after_seconds(None) is None
    assert retry_after_seconds("Wed, 21 Oct 2026 07:28:00 GMT") == 60.0
    with pytest.raises(MeetupApiError, match="HARVESTER_MEETUP_TOKEN"):
        MeetupApi("")


# ---------------------------------------------------------------- queries vs the recorded schema

_TOKEN = re.compile(r'\.\.\.|[{}():!$,=\[\]@]|"[^"]*"|-?\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*')


def _unwrap(t: dict[str, Any]) -> str:
    while isinstance(t, dict) and not isinstance(t.get("name"), str):
        t = t.get("ofType")  # type: ignore[assignment]
    return t["name"]


def _schema(path: Path) -> dict[str, dict[str, tuple[str, set[str]]]]:
    raw = json.loads(path.read_text())
    out: dict[str, dict[str, tuple[str, set[str]]]] = {}
    for t in raw["types"]:
        fields = t.get("fields") if isinstance(t.get("fields"), list) else []
        out[t["name"]] = {f["name"]: (_unwrap(f["type"]), {a["name"] for a in f["args"]}
                                      if isinstance(f.get("args"), list) else set()) for f in fields}
    return out


def unknown_fields(query: str, schema: dict[str, dict[str, tuple[str, set[str]]]]) -> list[str]:
    """Every field (and argument name) of `query` that the schema does not have."""
    toks = _TOKEN.findall(re.sub(r"#[^\n]*", "", query))
    problems: list[str] = []
    pos = 0

    def skip_parens(i: int) -> tuple[int, set[str]]:
        """Skip `( ... )`; return the argument names (names followed by `:` outside any `{}`)."""
        depth, braces, names = 0, 0, set()
        while True:
            t = toks[i]
            depth += t == "("
            depth -= t == ")"
            braces += t in "{["
            braces -= t in "}]"
            if depth == 0:
                return i + 1, names
            if depth == 1 and braces == 0 and toks[i + 1] == ":" and toks[i - 1] != "$" \
                    and re.match(r"[A-Za-z_]", t):
                names.add(t)
            i += 1

    def selection(i: int, type_name: str, path: str) -> int:
        assert toks[i] == "{"
        i += 1
        while toks[i] != "}":
            if toks[i] == "...":
                if toks[i + 1] == "on":
                    i = selection(i + 3, toks[i + 2], path)
                else:
                    i += 2
                continue
            name = toks[i]
            if toks[i + 1] == ":":  # alias
                name = toks[i + 2]
                i += 2
            i += 1
            field = schema.get(type_name, {}).get(name)
            if field is None:
                problems.append(f"{path}.{name}")
            args: set[str] = set()
            if toks[i] == "(":
                i, args = skip_parens(i)
            if field is not None and args - field[1]:
                problems.append(f"{path}.{name}({', '.join(sorted(args - field[1]))})")
            if toks[i] == "{":
                i = selection(i, field[0] if field else "?", f"{path}.{name}")
        return i + 1

    while pos < len(toks):
        if toks[pos] == "query":
            pos += 2
            if toks[pos] == "(":
                depth = 0
                while True:
                    depth += toks[pos] == "("
                    depth -= toks[pos] == ")"
                    pos += 1
                    if depth == 0:
                        break
            pos = selection(pos, "Query", "Query")
        elif toks[pos] == "fragment":
            pos = selection(pos + 4, toks[pos + 3], toks[pos + 3])
        else:
            pos += 1
    return problems


def test_every_queried_field_exists_in_the_recorded_schema(shared_dir: Path) -> None:
    schema = _schema(shared_dir / "fixtures" / "meetup" / "graphql-ext-2025-10-schema-introspection.json")
    for name, query in QUERIES.items():
        assert unknown_fields(query, schema) == [], name
    # control: the checker does catch a misspelt field and a wrong argument
    bad = "query q { groupByUrlname(urlname: \"x\") { nmae events(frist: 1) { totalCount } } }"
    assert unknown_fields(bad,
                          schema) == ["Query.groupByUrlname.nmae", "Query.groupByUrlname.events(frist)"]


# ---------------------------------------------------------------- API mode end to end


@pytest.mark.anyio
async def test_harvest_api_end_to_end(httpx_mock: HTTPXMock, engine: Any,
                                      caplog: pytest.LogCaptureFixture) -> None:
    from sqlmodel import Session, select

    from harvester.meetup import harvest_api
    from harvester.models import Cluster, MeetupEvent, Organisation, Relation, RelationKind

    with Session(engine) as s:
        s.add(Cluster(id="bristol", name="Bristol", postcode_areas=["BS"], meetup={
            "groups": ["https://www.meetup.com/BristolJS/"], "searches": [],
            "api": [{"query": "games", "lat": 51.45, "lon": -2.59, "radius": 10}]}))
        s.commit()

    group = {"id": "1", "urlname": "bristoljs", "name": "BristolJS", "city": "Bristol", "country": "gb",
             "socialNetworks": [{"service": "OTHER", "url": "https://bristoljs.org/"}],
             "sponsors": {"edges": [{"node": {"name": "Pixel Co", "url": "https://pixel.example.co.uk/"}}]},
             "events": {"totalCount": 1, "pageInfo": {"hasNextPage": False, "endCursor": None}, "edges": [
                 {"node": {"id": "9", "token": "tok9", "title": "Talks", "eventUrl":
                           "https://www.meetup.com/bristoljs/events/9/", "dateTime": "2026-12-01T18:30:00Z",
                           "venues": [{"name": "Engine Shed", "postalCode": "BS1 6QH",
                                       "city": "Bristol"}]}}]}}

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        if "groupSearch(" in body["query"]:
            return httpx.Response(200, json={"data": {"groupSearch": {"totalCount": 2, "pageInfo": {
                "hasNextPage": False}, "edges": [{"node": {"id": "1", "urlname": "BristolJS"}},
                                                 {"node": {"id": "2", "urlname": "bristol-games"}}]}}})
        if "eventSearch(" in body["query"]:
            return httpx.Response(200, json={"errors": [{"message": "Field 'x' is undefined"}]})
        urlname = body["variables"]["urlname"]
        if urlname == "bristoljs":
            return httpx.Response(200, json={"data": {"groupByUrlname": group}})
        return httpx.Response(200, json={"data": {"groupByUrlname": {"id": "2", "urlname": urlname,
                                                                     "name": "Bristol Games"}}})

    httpx_mock.add_callback(answer, url=GQL_EXT_URL, method="POST", is_reusable=True)
    fake = FakeTime()
    async with httpx.AsyncClient() as client:
        totals = await harvest_api(engine, token=TOKEN, run_id=None, client=client,
                                   clock=fake.clock, sleep=fake.sleep)
    # groupByUrlname(bristoljs), groupSearch, eventSearch (refused), groupByUrlname(bristol-games)
    assert totals["meetup_api_requests"] == 4 and totals["meetup_errors"] == 1
    assert "eventSearch failed" in caplog.text and TOKEN not in caplog.text
    with Session(engine) as s:
        urlnames = set(s.exec(select(Organisation.meetup_urlname).where(
            Organisation.meetup_urlname.is_not(None))).all())  # type: ignore[union-attr]
        assert urlnames == {"bristoljs", "bristol-games"}
        [event] = s.exec(select(MeetupEvent)).all()
        assert event.event_key == "tok9" and event.venue_name == "Engine Shed"
        assert event.source_url == f"{GQL_EXT_URL}#groupByUrlname?urlname=bristoljs"
        kinds = {r.kind for r in s.exec(select(Relation)).all()}
        assert kinds == {RelationKind.organises, RelationKind.sponsor, RelationKind.venue}
        everything = " ".join(str(row) for model in (Organisation, MeetupEvent, Relation)
                              for row in s.exec(select(model)).all())
        assert TOKEN not in everything
    engine.dispose()
    assert TOKEN.encode() not in Path(engine.url.database).read_bytes()  # stored nowhere in the file


@pytest.mark.anyio
async def test_an_async_callable_can_stand_in_for_the_client() -> None:
    sent: list[dict[str, Any]] = []

    async def post(url: str, *, json: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        sent.append({"url": url, "headers": headers, "json": json})
        return httpx.Response(200, json=page(["bristol-js"], has_next=False, cursor=None))

    fake = FakeTime()
    api = MeetupApi(TOKEN, client=post, clock=fake.clock, sleep=fake.sleep)
    facts = await api.search_groups("tech", 51.45, -2.59, 10)
    assert [g.urlname for g in facts.groups] == ["bristol-js"]
    assert sent[0]["url"] == GQL_EXT_URL and sent[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
