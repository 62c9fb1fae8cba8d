"""PoliteClient rules through pytest-httpx: robots, retries, 304, size cap, content type, redirects,
private addresses, headers. A fake clock records every wait so nothing sleeps for real."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from harvester.config import Config
from harvester.fetch.client import PoliteClient, sniff
from harvester.fetch.politeness import FakeClock
from harvester.fetch.result import FetchResult

SITE = "https://example.org"


def config(**overrides) -> Config:
    values = {"delay": 0.0, "retries": 3, "max_retry_wait": 120.0}
    values.update(overrides)
    return Config(**values)


def run(coro):
    return asyncio.run(coro)


async def fetch_all(urls: list[str], cfg: Config | None = None, clock: FakeClock | None = None,
                    **client_kw) -> tuple[list[FetchResult], PoliteClient]:
    client_kw.setdefault("allow_private", True)
    async with PoliteClient(cfg or config(), clock=clock or FakeClock(), **client_kw) as client:
        results = [await client.fetch(u) for u in urls]
    return results, client


def robots(httpx_mock, text: str = "", status: int = 200, site: str = SITE) -> None:
    httpx_mock.add_response(url=site + "/robots.txt", status_code=status, text=text,
                            headers={"content-type": "text/plain"})


def page(httpx_mock, path: str, body: str = "<html><body>hello</body></html>", **kw) -> None:
    headers = {"content-type": "text/html; charset=utf-8", **kw.pop("headers", {})}
    httpx_mock.add_response(url=SITE + path, text=body, headers=headers, **kw)


def requested(httpx_mock, path: str) -> int:
    return len(httpx_mock.get_requests(url=SITE + path))


# -- robots.txt ------------------------------------------------------------------------------


def test_disallowed_url_is_never_requested(httpx_mock):
    robots(httpx_mock, "User-agent: *\nDisallow: /private\n")
    page(httpx_mock, "/public")
    (denied, fine), client = run(fetch_all([SITE + "/private/staff", SITE + "/public"]))
    assert denied.error == "robots" and denied.status is None and denied.attempts == 0
    assert fine.ok and fine.body.startswith(b"<html>")
    assert requested(httpx_mock, "/private/staff") == 0
    assert client.stats.robots_denied == 1 and client.stats.fetched == 1


def test_allowed_answers_without_fetching_the_page(httpx_mock):
    robots(httpx_mock, "User-agent: *\nDisallow: /private\n")

    async def go():
        async with PoliteClient(config(), allow_private=True, clock=FakeClock()) as client:
            return await client.allowed(SITE + "/private/x"), await client.allowed(SITE + "/about")

    assert run(go()) == (False, True)
    assert len(httpx_mock.get_requests()) == 1  # robots.txt only, once


@pytest.mark.parametrize(("rules", "path", "allowed"), [
    ("User-agent: *\nDisallow: /team\nAllow: /team/public\n", "/team/public/jo", True),  # longest wins
    ("User-agent: *\nDisallow: /team\nAllow: /team/public\n", "/team/secret", False),
    ("User-agent: *\nAllow: /team/public\nDisallow: /team/public/x\n", "/team/public/xy", False),
    ("User-agent: *\nDisallow: /page\nAllow: /page\n", "/page", True),  # equal length: Allow wins
    ("User-agent: harvester\nDisallow: /\n\nUser-agent: *\nAllow: /\n", "/about", False),  # our token
    ("User-agent: otherbot\nDisallow: /\n\nUser-agent: *\nAllow: /\n", "/about", True),
    ("User-agent: *\nDisallow: /*.pdf$\n", "/report.pdf", False),
])
def test_allow_disallow_precedence(httpx_mock, rules, path, allowed):
    robots(httpx_mock, rules)
    if allowed:
        page(httpx_mock, path)
    (result,), _ = run(fetch_all([SITE + path]))
    assert (result.error != "robots") is allowed
    assert requested(httpx_mock, path) == (1 if allowed else 0)


def test_robots_404_means_allowed(httpx_mock):
    robots(httpx_mock, "gone", status=404)
    page(httpx_mock, "/about")
    (result,), _ = run(fetch_all([SITE + "/about"]))
    assert result.ok


def test_robots_5xx_blocks_the_host_for_the_run(httpx_mock):
    httpx_mock.add_response(url=SITE + "/robots.txt", status_code=503, is_reusable=True)
    (first, second), client = run(fetch_all([SITE + "/about", SITE + "/contact"]))
    assert first.error == second.error == "robots-unavailable"
    assert requested(httpx_mock, "/about") == requested(httpx_mock, "/contact") == 0
    # robots.txt was retried like any request (3 attempts), then cached for the whole run
    assert requested(httpx_mock, "/robots.txt") == 3
    assert client.stats.errors["robots-unavailable"] == 2


def test_robots_timeout_blocks_the_host(httpx_mock):
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), url=SITE + "/robots.txt", is_reusable=True)
    (result,), _ = run(fetch_all([SITE + "/about"], config(retries=2)))
    assert result.error == "robots-unavailable"
    assert requested(httpx_mock, "/about") == 0


def test_robots_fetched_once_per_host_under_concurrency(httpx_mock):
    robots(httpx_mock, "User-agent: *\nAllow: /\n")
    for i in range(5):
        page(httpx_mock, f"/p{i}")

    async def go():
        async with PoliteClient(config(), allow_private=True, clock=FakeClock()) as client:
            return await asyncio.gather(*(client.fetch(f"{SITE}/p{i}") for i in range(5)))

    assert all(r.ok for r in run(go()))
    assert requested(httpx_mock, "/robots.txt") == 1


def test_crawl_delay_raises_the_host_interval(httpx_mock):
    clock = FakeClock()
    starts: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        starts.append(clock.now())
        if request.url.path == "/robots.txt":
            return httpx.Response(200, text="User-agent: *\nCrawl-delay: 5\n")
        return httpx.Response(200, html="<html>x</html>")

    httpx_mock.add_callback(answer, is_reusable=True)
    results, _ = run(fetch_all([f"{SITE}/p{i}" for i in range(3)], config(delay=1.0), clock))
    assert all(r.ok for r in results)
    page_gaps = [b - a for a, b in zip(starts[1:], starts[2:], strict=False)]
    assert page_gaps == [5.0, 5.0]
    assert starts[1] - starts[0] >= 1.0  # robots.txt counted toward the interval too


# -- retries ---------------------------------------------------------------------------------


def _timed(httpx_mock, clock: FakeClock, replies: list[httpx.Response]) -> list[float]:
    """Serve `replies` in order to /page, recording the fake time of each request."""
    starts: list[float] = []
    robots(httpx_mock)

    def answer(request: httpx.Request) -> httpx.Response:
        starts.append(clock.now())
        return replies[len(starts) - 1]

    httpx_mock.add_callback(answer, url=SITE + "/page", is_reusable=True)
    return starts


def test_429_then_success(httpx_mock):
    clock = FakeClock()
    starts = _timed(httpx_mock, clock, [httpx.Response(429), httpx.Response(200, html="<p>ok</p>")])
    (result,), client = run(fetch_all([SITE + "/page"], clock=clock))
    assert result.ok and result.status == 200 and result.attempts == 2
    assert 1.0 <= starts[1] - starts[0] <= 2.0  # first backoff: 1 s plus up to 1 s of jitter
    assert client.stats.retries == 1


def test_retry_after_seconds_is_honoured(httpx_mock):
    clock = FakeClock()
    starts = _timed(httpx_mock, clock, [httpx.Response(429, headers={"Retry-After": "7"}),
                                        httpx.Response(200, html="<p>ok</p>")])
    (result,), _ = run(fetch_all([SITE + "/page"], clock=clock))
    assert result.ok and result.attempts == 2
    assert starts[1] - starts[0] == pytest.approx(7.0)


def test_retry_after_http_date_is_honoured(httpx_mock):
    clock = FakeClock()
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    starts = _timed(httpx_mock, clock, [httpx.Response(503, headers={"Retry-After": when}),
                                        httpx.Response(200, html="<p>ok</p>")])
    (result,), _ = run(fetch_all([SITE + "/page"], clock=clock))
    assert result.ok
    assert 28.0 <= starts[1] - starts[0] <= 30.5


def test_retry_after_beyond_the_cap_is_not_retried_and_rests_the_host(httpx_mock):
    clock = FakeClock()
    starts = _timed(httpx_mock, clock, [httpx.Response(429, headers={"Retry-After": "3600"}),
                                        httpx.Response(200, html="<p>ok</p>")])
    (first, second), _ = run(fetch_all([SITE + "/page", SITE + "/page"], config(max_retry_wait=60),
                                       clock))
    assert first.error == "http-429" and first.attempts == 1
    assert second.ok
    assert starts[1] - starts[0] == pytest.approx(60.0)


def test_backoff_grows_exponentially(httpx_mock):
    clock = FakeClock()
    starts = _timed(httpx_mock, clock, [httpx.Response(503), httpx.Response(502), httpx.Response(500),
                                        httpx.Response(200, html="<p>ok</p>")])
    (result,), _ = run(fetch_all([SITE + "/page"], config(retries=4), clock))
    assert result.ok and result.attempts == 4
    waits = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert 1 <= waits[0] <= 2 and 2 <= waits[1] <= 3 and 4 <= waits[2] <= 5


def test_gives_up_after_the_configured_attempts(httpx_mock):
    robots(httpx_mock)
    httpx_mock.add_response(url=SITE + "/page", status_code=503, is_reusable=True)
    retried: list[tuple[str | None, float]] = []
    (result,), client = run(fetch_all([SITE + "/page"], config(retries=3),
                                      on_retry=lambda r, wait: retried.append((r.error, wait))))
    assert result.error == "http-503" and result.status == 503 and result.attempts == 3
    assert requested(httpx_mock, "/page") == 3
    assert [e for e, _ in retried] == ["http-503", "http-503"]
    assert client.stats.errors == {"http-503": 1} and client.stats.retries == 2


def test_timeouts_are_retried_then_recorded(httpx_mock):
    robots(httpx_mock)
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), url=SITE + "/slow", is_reusable=True)
    httpx_mock.add_exception(httpx.ConnectError("refused"), url=SITE + "/down", is_reusable=True)
    (slow, down), _ = run(fetch_all([SITE + "/slow", SITE + "/down"], config(retries=2)))
    assert (slow.error, slow.attempts, slow.status) == ("read-timeout", 2, None)
    assert (down.error, down.attempts) == ("connect-error", 2)


def test_404_is_not_retried(httpx_mock):
    robots(httpx_mock)
    page(httpx_mock, "/gone", status_code=404, body="<html>missing</html>")
    (result,), _ = run(fetch_all([SITE + "/gone"]))
    assert (result.error, result.attempts, result.ok) == ("http-404", 1, False)


# -- conditional requests, body, content type ----------------------------------------------


def test_304_not_modified_with_conditional_headers_sent(httpx_mock):
    robots(httpx_mock)
    httpx_mock.add_response(url=SITE + "/about", status_code=304, headers={"etag": '"v1"'})

    async def go():
        async with PoliteClient(config(), allow_private=True, clock=FakeClock()) as client:
            r = await client.fetch(SITE + "/about", etag='"v1"',
                                   last_modified="Wed, 21 Oct 2026 07:28:00 GMT")
            return r, client.stats

    result, stats = run(go())
    assert result.not_modified and result.ok and result.status == 304 and result.body == b""
    sent = httpx_mock.get_request(url=SITE + "/about")
    assert sent.headers["if-none-match"] == '"v1"'
    assert sent.headers["if-modified-since"] == "Wed, 21 Oct 2026 07:28:00 GMT"
    assert stats.not_modified == 1 and stats.fetched == 0


def test_unconditional_fetch_sends_no_validators(httpx_mock):
    robots(httpx_mock)
    page(httpx_mock, "/about", headers={"etag": '"v2"', "last-modified": "Wed, 21 Oct 2026 07:28:00 GMT"})
    (result,), _ = run(fetch_all([SITE + "/about"]))
    sent = httpx_mock.get_request(url=SITE + "/about")
    assert "if-none-match" not in sent.headers and "if-modified-since" not in sent.headers
    assert result.etag == '"v2"' and result.last_modified == "Wed, 21 Oct 2026 07:28:00 GMT"


def test_body_is_cut_at_the_size_cap(httpx_mock):
    robots(httpx_mock)
    page(httpx_mock, "/big", body="<html>" + "x" * 5000)
    page(httpx_mock, "/small", body="<html>" + "x" * 500)
    (big, small), client = run(fetch_all([SITE + "/big", SITE + "/small"], config(max_bytes=1000)))
    assert big.ok and big.truncated and len(big.body) == 1000
    assert small.ok and not small.truncated and len(small.body) == 506
    assert client.stats.bytes == 1506


def test_body_exactly_at_the_cap_is_not_truncated(httpx_mock):
    robots(httpx_mock)
    page(httpx_mock, "/exact", body="<html>" + "x" * 994)
    (result,), _ = run(fetch_all([SITE + "/exact"], config(max_bytes=1000)))
    assert len(result.body) == 1000 and not result.truncated


def test_image_is_refused_without_reading_the_body(httpx_mock):
    robots(httpx_mock)
    httpx_mock.add_response(url=SITE + "/logo.png", content=b"\x89PNG" + b"\0" * 10000,
                            headers={"content-type": "image/png"})
    (result,), client = run(fetch_all([SITE + "/logo.png"]))
    assert result.error == "content-type" and result.content_type == "image/png"
    assert result.body == b"" and result.attempts == 1
    assert client.stats.errors == {"content-type": 1}


@pytest.mark.parametrize(("declared", "body", "expected"), [
    ("application/octet-stream", b"<!DOCTYPE html><html><body>x</body></html>", "text/html"),
    ("", b"  <html lang='cy'>x</html>", "text/html"),
    ("text/plain", b'{"name": "Watershed"}', "application/json"),
    ("application/octet-stream", b'<?xml version="1.0"?><urlset></urlset>', "application/xml"),
    ("application/xhtml+xml; charset=utf-8", b"<html/>", "application/xhtml+xml"),
    ("application/ld+json", b"{}", "application/ld+json"),
    ("text/xml", b"<urlset/>", "text/xml"),
])
def test_content_type_from_header_or_sniffed(httpx_mock, declared, body, expected):
    robots(httpx_mock)
    headers = {"content-type": declared} if declared else {}
    httpx_mock.add_response(url=SITE + "/doc", content=body, headers=headers)
    (result,), _ = run(fetch_all([SITE + "/doc"]))
    assert result.ok and result.content_type == expected and result.body == body


def test_unknown_bytes_behind_a_vague_type_are_refused(httpx_mock):
    robots(httpx_mock)
    httpx_mock.add_response(url=SITE + "/blob", content=b"PK\x03\x04" + b"\0" * 5000,
                            headers={"content-type": "application/octet-stream"})
    (result,), _ = run(fetch_all([SITE + "/blob"]))
    assert result.error == "content-type" and result.body == b""


def test_sniff_is_pure():
    assert sniff(b"\xef\xbb\xbf<!doctype html>") == "text/html"
    assert sniff(b"GIF89a") is None
    assert sniff(b"[1, 2]") == "application/json"


# -- redirects -------------------------------------------------------------------------------


def test_redirects_are_followed_and_listed(httpx_mock):
    robots(httpx_mock)
    httpx_mock.add_response(url=SITE + "/old", status_code=301, headers={"location": "/middle"})
    httpx_mock.add_response(url=SITE + "/middle", status_code=302, headers={"location": SITE + "/new"})
    page(httpx_mock, "/new")
    (result,), _ = run(fetch_all([SITE + "/old"]))
    assert result.ok and result.url == SITE + "/old" and result.final_url == SITE + "/new"
    assert result.redirects == [SITE + "/middle", SITE + "/new"] and result.attempts == 3


def test_redirect_limit(httpx_mock):
    robots(httpx_mock)
    for i in range(4):
        httpx_mock.add_response(url=f"{SITE}/r{i}", status_code=302, headers={"location": f"/r{i + 1}"},
                                is_optional=True)
    (result,), _ = run(fetch_all([SITE + "/r0"], config(max_redirects=2)))
    assert result.error == "too-many-redirects"
    assert result.redirects == [SITE + "/r1", SITE + "/r2", SITE + "/r3"]
    assert requested(httpx_mock, "/r3") == 0  # the hop beyond the limit is never requested


def test_redirect_into_a_disallowed_path_is_not_followed(httpx_mock):
    robots(httpx_mock, "User-agent: *\nDisallow: /private\n")
    httpx_mock.add_response(url=SITE + "/team", status_code=301, headers={"location": "/private/team"})
    (result,), _ = run(fetch_all([SITE + "/team"]))
    assert result.error == "robots" and result.final_url == SITE + "/private/team"
    assert requested(httpx_mock, "/private/team") == 0


def test_redirect_to_another_host_reads_that_hosts_robots(httpx_mock):
    robots(httpx_mock)
    other = "https://other.example"
    robots(httpx_mock, "User-agent: *\nDisallow: /\n", site=other)
    httpx_mock.add_response(url=SITE + "/moved", status_code=308, headers={"location": other + "/x"})
    (result,), _ = run(fetch_all([SITE + "/moved"]))
    assert result.error == "robots" and result.final_url == other + "/x"
    assert len(httpx_mock.get_requests(url=other + "/x")) == 0


# -- addresses and headers -------------------------------------------------------------------


async def fake_resolver(host: str, port: int) -> list[str]:
    table = {"example.org": ["93.184.215.14"], "intranet.example": ["10.0.0.5"],
             "mixed.example": ["93.184.215.14", "192.168.1.1"], "metadata.example": ["169.254.169.254"]}
    if host not in table:
        raise OSError("no such host")
    return table[host]


@pytest.mark.parametrize(("url", "slug"), [
    ("http://intranet.example/", "private-address"),
    ("http://mixed.example/", "private-address"),
    ("http://metadata.example/latest", "private-address"),
    ("http://127.0.0.1:8080/", "private-address"),
    ("http://[::1]/", "private-address"),
    ("http://localhost/", "private-address"),
    ("http://nowhere.example/", "dns"),
    ("mailto:someone@example.org", "invalid-url"),
])
def test_private_and_unresolvable_hosts_are_refused(httpx_mock, monkeypatch, url, slug):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    (result,), _ = run(fetch_all([url], allow_private=False, resolver=fake_resolver))
    assert result.error == slug
    assert httpx_mock.get_requests() == []  # not even robots.txt


def test_public_host_passes_the_address_check(httpx_mock, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    robots(httpx_mock)
    page(httpx_mock, "/")
    (result,), _ = run(fetch_all([SITE + "/"], allow_private=False, resolver=fake_resolver))
    assert result.ok


def test_allow_private_fetches_private_hosts(httpx_mock):
    robots(httpx_mock, site="http://intranet.example")
    httpx_mock.add_response(url="http://intranet.example/", html="<html>in</html>")
    (result,), _ = run(fetch_all(["http://intranet.example/"], allow_private=True, resolver=fake_resolver))
    assert result.ok


def test_redirect_to_a_private_address_is_refused(httpx_mock, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    robots(httpx_mock)
    httpx_mock.add_response(url=SITE + "/go", status_code=302, headers={"location": "http://10.1.2.3/admin"})
    (result,), _ = run(fetch_all([SITE + "/go"], allow_private=False, resolver=fake_resolver))
    assert result.error == "private-address" and result.final_url == "http://10.1.2.3/admin"


def test_user_agent_and_language_headers(httpx_mock):
    robots(httpx_mock)
    page(httpx_mock, "/")
    cfg = config(contact_url="mailto:researcher@uni.example")
    run(fetch_all([SITE + "/"], cfg))
    for request in httpx_mock.get_requests():
        assert request.headers["user-agent"] == cfg.user_agent
        assert request.headers["user-agent"].startswith("harvester/")
        assert "mailto:researcher@uni.example" in request.headers["user-agent"]
        assert request.headers["accept-language"].startswith("en-GB")
    assert "text/html" in httpx_mock.get_request(url=SITE + "/").headers["accept"]


def test_one_info_log_line_per_request(httpx_mock, caplog):
    robots(httpx_mock)
    page(httpx_mock, "/a")
    page(httpx_mock, "/b", status_code=404)
    with caplog.at_level(logging.INFO, logger="harvester.fetch"):
        run(fetch_all([SITE + "/a", SITE + "/b"]))
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("GET ")]
    assert len(lines) == 3  # robots.txt, /a, /b
    assert any(line.startswith(f"GET {SITE}/b -> 404 http-404") for line in lines)


def test_on_result_hook_sees_every_fetch(httpx_mock):
    robots(httpx_mock, "User-agent: *\nDisallow: /x\n")
    page(httpx_mock, "/a")
    seen: list[str | None] = []
    run(fetch_all([SITE + "/a", SITE + "/x"], on_result=lambda r: seen.append(r.error)))
    assert seen == [None, "robots"]


def test_gzipped_sitemap_is_decompressed_within_the_cap(httpx_mock):
    import gzip

    robots(httpx_mock)
    entry = b"<url><loc>https://example.org/a</loc></url>"
    xml = b'<?xml version="1.0"?><urlset>' + entry * 200 + b"</urlset>"
    for path in ("/sitemap.xml.gz", "/page.gz"):
        httpx_mock.add_response(url=SITE + path, content=gzip.compress(xml),
                                headers={"content-type": "application/x-gzip"})

    async def go():
        async with PoliteClient(config(max_bytes=2000), allow_private=True, clock=FakeClock()) as client:
            return (await client.fetch(SITE + "/sitemap.xml.gz", kind="sitemap"),
                    await client.fetch(SITE + "/page.gz"))

    sitemap, page_gz = run(go())
    assert sitemap.ok and sitemap.content_type == "application/xml"
    assert sitemap.body == xml[:2000] and sitemap.truncated
    assert page_gz.error == "content-type"  # a gzip file is only a document when asked for a sitemap


def test_one_robots_fetch_for_spellings_of_the_same_origin(httpx_mock):
    robots(httpx_mock, "User-agent: *\nDisallow: /x\n", site="http://example.org")
    httpx_mock.add_response(url="http://example.org/a", html="<p>a</p>")
    (a, x), _ = run(fetch_all(["http://Example.org:80/a", "http://example.org/x"]))
    assert a.ok and x.error == "robots"
    assert len(httpx_mock.get_requests(url="http://example.org/robots.txt")) == 1
