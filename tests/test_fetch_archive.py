"""WARC capture and replay: round trip, secrets stripped, safe appends, rewrite_without."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
from pathlib import Path

import httpx
import pytest

from harvester.config import Config
from harvester.fetch.archive import (
    ReplayTransport,
    WarcWriter,
    iter_records,
    redact_url,
    repair_tail,
    rewrite_without,
)
from harvester.fetch.client import PoliteClient
from harvester.fetch.politeness import FakeClock
from harvester.fetch.result import FetchResult

SITE = "https://example.org"


def run(coro):
    return asyncio.run(coro)


def config(**kw) -> Config:
    return Config(**{"delay": 0.0, "retries": 2, **kw})


def comparable(result: FetchResult) -> dict:
    data = dataclasses.asdict(result)
    data.pop("elapsed")
    data["headers"].pop("date", None)  # httpx adds none; servers' own Date is kept in the archive
    return data


# (url, kwargs for fetch) covering page, redirect, 404, 304, refused type, truncated, API JSON
CALLS: list[tuple[str, dict]] = [
    (SITE + "/", {}),
    (SITE + "/old", {}),
    (SITE + "/gone", {}),
    (SITE + "/about", {"etag": '"v1"'}),
    (SITE + "/logo.png", {}),
    (SITE + "/big", {}),
    (SITE + "/api/groups?token=s3cret&page=2", {"kind": "api"}),
    (SITE + "/private/x", {}),
]


def mock_site(httpx_mock) -> None:
    httpx_mock.add_response(url=SITE + "/robots.txt", text="User-agent: *\nDisallow: /private\n",
                            headers={"content-type": "text/plain"})
    httpx_mock.add_response(url=SITE + "/", html="<html><body>home</body></html>",
                            headers={"etag": '"h1"', "set-cookie": "session=abc"})
    httpx_mock.add_response(url=SITE + "/old", status_code=301, headers={"location": "/new"})
    httpx_mock.add_response(url=SITE + "/new", html="<html>new</html>")
    httpx_mock.add_response(url=SITE + "/gone", status_code=404, html="<html>no</html>")
    httpx_mock.add_response(url=SITE + "/about", status_code=304, headers={"etag": '"v1"'})
    httpx_mock.add_response(url=SITE + "/logo.png", content=b"\x89PNG" * 100,
                            headers={"content-type": "image/png"})
    httpx_mock.add_response(url=SITE + "/big", html="<html>" + "y" * 3000)
    httpx_mock.add_response(url=SITE + "/api/groups?token=s3cret&page=2", json={"groups": [1, 2]})


async def fetch_calls(**client_kw) -> list[FetchResult]:
    async with PoliteClient(config(max_bytes=1000), allow_private=True, clock=FakeClock(),
                            **client_kw) as client:
        return [await client.fetch(url, **kw) for url, kw in CALLS]


def test_warc_round_trip_gives_identical_results(httpx_mock, tmp_path):
    mock_site(httpx_mock)
    warc = tmp_path / "crawl.warc.gz"
    live = run(fetch_calls(archive=warc))
    assert [r.error for r in live] == [None, None, "http-404", None, "content-type", None, None, "robots"]
    assert live[5].truncated and live[3].not_modified
    network_calls = len(httpx_mock.get_requests())

    # Replay: any request reaching the (mocked) network would be unexpected and fail the test.
    replayed = run(fetch_calls(replay=warc))
    assert len(httpx_mock.get_requests()) == network_calls
    assert [comparable(r) for r in replayed] == [comparable(r) for r in live]


def test_archive_records_every_exchange(httpx_mock, tmp_path):
    mock_site(httpx_mock)
    warc = tmp_path / "crawl.warc.gz"
    run(fetch_calls(archive=warc))
    records = list(iter_records(warc))
    responses = [r for r in records if r.record_type == "response"]
    requests = [r for r in records if r.record_type == "request"]
    assert records[0].record_type == "warcinfo"
    uris = [r.target_uri for r in responses]
    assert uris == [SITE + "/robots.txt", SITE + "/", SITE + "/old", SITE + "/new", SITE + "/gone",
                    SITE + "/about", SITE + "/logo.png", SITE + "/big",
                    SITE + "/api/groups?token=REDACTED&page=2"]
    assert [r.status for r in responses] == [200, 200, 301, 200, 404, 304, 200, 200, 200]
    assert len(requests) == len(responses)
    ids = {r.record_id for r in responses}
    assert all(q.concurrent_to in ids and q.method == "GET" for q in requests)
    home = responses[1]
    assert home.body == b"<html><body>home</body></html>"
    assert home.warc_headers["WARC-Payload-Digest"].startswith("sha1:")
    assert home.warc_headers["WARC-Date"]
    big = responses[7]
    assert big.warc_headers.get("WARC-Truncated") == "length" and len(big.body) == 1000
    assert big.header("content-length") == "1000"


@pytest.mark.httpx_mock(assert_all_responses_were_requested=False)
def test_secrets_never_reach_the_archive(httpx_mock, tmp_path):
    mock_site(httpx_mock)
    warc = tmp_path / "crawl.warc.gz"

    async def go():
        async with PoliteClient(config(), allow_private=True, clock=FakeClock(), archive=warc) as client:
            client._http.headers["Authorization"] = "Bearer top-secret-token"
            await client.fetch(SITE + "/")
            await client.fetch(SITE + "/api/groups?token=s3cret&page=2", kind="api")

    run(go())
    raw = gzip.decompress(warc.read_bytes())
    assert b"top-secret-token" not in raw and b"s3cret" not in raw
    assert b"session=abc" not in raw and b"Authorization" not in raw
    assert b"User-Agent: harvester/" in raw


def test_replay_answers_missing_urls_with_not_in_archive(httpx_mock, tmp_path):
    mock_site(httpx_mock)
    warc = tmp_path / "crawl.warc.gz"
    run(fetch_calls(archive=warc))

    async def go():
        async with PoliteClient(config(), replay=warc) as client:
            return await client.fetch(SITE + "/never-seen"), await client.fetch("https://elsewhere.example/")

    missing, other_host = run(go())
    assert missing.error == other_host.error == "not-in-archive"
    assert missing.status is None


def test_replay_conditional_requests(httpx_mock, tmp_path):
    mock_site(httpx_mock)
    warc = tmp_path / "crawl.warc.gz"
    run(fetch_calls(archive=warc))

    async def go():
        async with PoliteClient(config(), replay=warc) as client:
            return (await client.fetch(SITE + "/", etag='"h1"'), await client.fetch(SITE + "/", etag='"h0"'),
                    await client.fetch(SITE + "/about"))

    same, changed, about = run(go())
    assert same.not_modified and same.status == 304
    assert changed.status == 200 and changed.body == b"<html><body>home</body></html>"
    # only a 304 was ever stored for /about: an unconditional request finds nothing to serve
    assert about.error == "not-in-archive"


def test_replay_transport_honours_method(tmp_path):
    warc = tmp_path / "a.warc.gz"
    request = httpx.Request("GET", SITE + "/x")
    with WarcWriter(warc) as writer:
        writer.write_exchange(request, httpx.Response(200, html="<p>x</p>", request=request), b"<p>x</p>")

    async def go():
        transport = ReplayTransport(warc)
        async with httpx.AsyncClient(transport=transport) as client:
            return [await client.request(m, SITE + "/x") for m in ("GET", "HEAD", "POST")]

    get, head, post = run(go())
    assert (get.status_code, get.content) == (200, b"<p>x</p>")
    assert (head.status_code, head.content) == (200, b"")
    assert post.status_code == 404 and post.headers["x-harvester-replay"] == "missing"


def test_replay_serves_the_latest_response(tmp_path):
    warc = tmp_path / "a.warc.gz"
    request = httpx.Request("GET", SITE + "/x")
    for body in (b"<p>first</p>", b"<p>second</p>"):
        with WarcWriter(warc) as writer:  # two runs appending to the same file
            writer.write_exchange(request, httpx.Response(200, content=body, request=request), body)

    async def go():
        async with httpx.AsyncClient(transport=ReplayTransport(warc)) as client:
            return (await client.get(SITE + "/x")).content

    assert run(go()) == b"<p>second</p>"
    assert sum(1 for r in iter_records(warc) if r.record_type == "warcinfo") == 2


def test_a_half_written_tail_is_cut_before_appending(tmp_path):
    warc = tmp_path / "a.warc.gz"
    request = httpx.Request("GET", SITE + "/x")
    with WarcWriter(warc) as writer:
        writer.write_exchange(request, httpx.Response(200, content=b"ok", request=request), b"ok")
    good = warc.stat().st_size
    # a kill in the middle of a record: the start of a gzip member, cut short
    member = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 5000\r\n\r\n" + b"z" * 4000)
    with open(warc, "ab") as fh:
        fh.write(member[: len(member) // 2])
    assert repair_tail(warc) > 0 and warc.stat().st_size == good
    with open(warc, "ab") as fh:
        fh.write(member[:40])
    with WarcWriter(warc) as writer:  # opening for append repairs too
        writer.write_exchange(request, httpx.Response(200, content=b"again", request=request), b"again")
    bodies = [r.body for r in iter_records(warc) if r.record_type == "response"]
    assert bodies == [b"ok", b"again"]


def test_rewrite_without_erases_a_person_and_keeps_the_rest(httpx_mock, tmp_path):
    warc = tmp_path / "a.warc.gz"
    pages = {"/team": b"<p>Jane Doe jane@example.org</p>", "/about": b"<p>About us</p>",
             "/contact": b"<p>hello@example.org</p>"}
    with WarcWriter(warc) as writer:
        for path, body in pages.items():
            request = httpx.Request("GET", SITE + path)
            writer.write_exchange(request, httpx.Response(200, content=body, request=request), body)

    removed = rewrite_without(warc, lambda e: b"jane@example.org" in e.body)
    assert removed == 2  # the response and its request
    records = list(iter_records(warc))
    assert {r.target_uri for r in records if r.record_type == "response"} == {SITE + "/about",
                                                                              SITE + "/contact"}
    assert all(r.target_uri != SITE + "/team" for r in records)
    assert b"jane" not in gzip.decompress(warc.read_bytes())
    assert rewrite_without(warc, lambda e: b"jane" in e.body) == 0
    assert not list(tmp_path.glob("*.tmp"))

    async def go():
        async with httpx.AsyncClient(transport=ReplayTransport(warc)) as client:
            return (await client.get(SITE + "/team")).status_code, (await client.get(SITE + "/about")).content

    assert run(go()) == (404, b"<p>About us</p>")


@pytest.mark.parametrize(("url", "expected"), [
    ("https://api.example/groups?token=abc&page=2", "https://api.example/groups?token=REDACTED&page=2"),
    ("https://api.example/groups?page=2", "https://api.example/groups?page=2"),
    ("https://api.example/?access_token=x", "https://api.example/?access_token=REDACTED"),
])
def test_redact_url(url, expected):
    assert redact_url(url) == expected


def test_iter_records_on_an_empty_archive(tmp_path: Path):
    warc = tmp_path / "empty.warc.gz"
    WarcWriter(warc).close()
    assert [r.record_type for r in iter_records(warc)] == ["warcinfo"]


def test_damaged_archive_is_a_named_bad_input(tmp_path):
    """Replay and forget's rewrite name the file instead of leaking a warcio exception."""
    from harvester.errors import BadInput
    from harvester.fetch.archive import DamagedArchive

    bad = tmp_path / "notes.warc"
    bad.write_bytes(b"garbage, not a WARC\n")
    for call in (lambda: ReplayTransport(bad), lambda: rewrite_without(bad, lambda e: True)):
        with pytest.raises(DamagedArchive) as info:
            call()
        assert isinstance(info.value, BadInput) and isinstance(info.value, ValueError)
        assert str(info.value).startswith(f"{bad}: not a readable WARC archive")
    assert bad.read_bytes() == b"garbage, not a WARC\n"
