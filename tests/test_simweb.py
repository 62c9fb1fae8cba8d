"""The simulated web serves real HTTP on loopback, logs every request, answers 304s and holds its traps."""

from __future__ import annotations

import re
import time
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from protego import Protego
from simweb import SimWeb

pytestmark = pytest.mark.integration


def links(body: str, base: str) -> list[str]:
    return [urljoin(base, href) for href in re.findall(r'href="([^"]+)"', body)]


@pytest.fixture(scope="module")
def web():
    with SimWeb(hosts=4, pages_per_host=12, page_kb=(3, 6), seed=7, workers=1) as w:
        yield w


@pytest.fixture(scope="module")
def client():
    with httpx.Client(timeout=10) as c:
        yield c


def test_each_host_has_its_own_port_and_a_homepage(web, client):
    assert len(web.base_urls) == 4 and len({urlsplit(u).port for u in web.base_urls}) == 4
    for url in web.base_urls:
        r = client.get(url)
        assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
        assert 3 * 1024 <= len(r.content) <= 6 * 1024 + 64
        found = links(r.text, url)
        assert {url + p for p in ("about/", "contact/", "team/", "partners/", "page/1/")} <= set(found)


def test_a_site_without_traps_has_exactly_pages_per_host_pages(web, client):
    base = web.base_urls[0]
    seen, queue = set(), [base]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        r = client.get(url)
        assert r.status_code == 200, url
        for link in links(r.text, url):
            parts = urlsplit(link)
            if link.startswith(base) and not parts.query and ";" not in parts.path \
                    and not parts.path.startswith(("/private/", "/calendar", "/shop")):
                queue.append(link)
    assert len(seen) == 12


def test_partners_pages_link_to_other_hosts(web, client):
    body = client.get(web.url(0, "/partners/")).text
    others = {u for u in links(body, web.base_urls[0]) if not u.startswith(web.base_urls[0])}
    assert others and others <= set(web.base_urls[1:])


def test_requests_are_logged_with_the_servers_monotonic_time(web, client):
    web.clear_log()
    before = time.monotonic()
    client.get(web.url(1, "/about/"))
    client.get(web.url(2, "/no-such-page"))
    after = time.monotonic()
    hits = web.requests()
    assert [(h.host, h.path, h.status) for h in hits] == [
        (web.host(1), "/about/", 200), (web.host(2), "/no-such-page", 404)]
    assert all(before <= h.time <= after for h in hits)
    assert hits[0].bytes == len(client.get(web.url(1, "/about/")).content)
    assert len(web.times(1)) == 2 and web.times(2, "/about/") == []


def test_etag_and_last_modified_give_304(web, client):
    url = web.url(0, "/page/2/")
    first = client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(web.url(1, "/page/2/")).headers["etag"] != etag


def test_pages_are_deterministic_for_a_seed(web, client):
    body = client.get(web.url(3, "/page/5/")).content
    with SimWeb(hosts=4, pages_per_host=12, page_kb=(3, 6), seed=7, workers=1) as again:
        assert httpx.get(again.url(3, "/page/5/")).content == body
    with SimWeb(hosts=4, pages_per_host=12, page_kb=(3, 6), seed=8, workers=1) as other:
        assert httpx.get(other.url(3, "/page/5/")).content != body


def test_endless_calendar_faceted_shop_and_session_links(web, client):
    base = web.base_urls[0]
    home = links(client.get(base).text, base)
    assert base + "calendar?month=1" in home
    far = client.get(base + "calendar?month=5000")
    assert far.status_code == 200 and base + "calendar?month=5001" in links(far.text, base)
    shop = links(client.get(base + "shop?color=red&size=m").text, base)
    facets = {link for link in shop if "/shop?" in link}
    assert len(facets) >= 14 and base + "shop?color=red&size=m&page=2" in facets
    assert client.get(base + "shop?color=blue&size=xl&sort=name&page=9").status_code == 200
    session = [link for link in home if "sessionid=" in link]
    assert session and all(client.get(link).status_code == 200 for link in session)


def test_robots_disallows_private_pages_that_are_linked(web, client):
    base = web.base_urls[2]
    robots = Protego.parse(client.get(base + "robots.txt").text)
    private = [link for link in links(client.get(base).text, base) if "/private/" in link]
    assert private and not robots.can_fetch(private[0], "harvester")
    assert robots.can_fetch(base + "page/1/", "harvester")
    # served, so a crawler that ignores robots.txt shows up in the log
    assert client.get(private[0]).status_code == 200


def test_throttled_path_answers_429_with_retry_after_then_200():
    with SimWeb(hosts=2, pages_per_host=8, page_kb=(1, 2), throttle_path="/page/1/", throttle_times=2,
                retry_after=3, workers=2) as web, httpx.Client() as client:
        statuses = [client.get(web.url(0, "/page/1/")) for _ in range(3)]
        assert [r.status_code for r in statuses] == [429, 429, 200]
        assert statuses[0].headers["retry-after"] == "3"
        assert client.get(web.url(1, "/page/1/")).status_code == 429  # counted per host
        assert client.get(web.url(0, "/page/2/")).status_code == 200


@pytest.mark.parametrize("backend", ["threads", "asyncio"])
def test_both_backends_give_the_same_answers_and_honour_delay(backend):
    with SimWeb(hosts=2, pages_per_host=8, page_kb=(1, 2), delay=0.2, workers=1, backend=backend) as web, \
            httpx.Client() as client:
        started = time.monotonic()
        r = client.get(web.url(1, "/contact/"))
        assert time.monotonic() - started >= 0.2
        assert r.status_code == 200 and "0117 496" in r.text and r.headers["etag"]
        again = client.get(web.url(1, "/contact/"), headers={"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304
        head = client.head(web.url(1, "/contact/"))
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(r.content))
        assert [h.status for h in web.requests()] == [200, 304, 200]
