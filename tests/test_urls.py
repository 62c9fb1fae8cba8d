"""URL normalisation and registrable domains."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvester.urls import host_of, normalise_url, registrable_domain


@pytest.mark.parametrize("url,expected", [
    ("https://www.watershed.co.uk/studio/", "watershed.co.uk"),
    ("https://nsa.cardiff.ac.uk/", "cardiff.ac.uk"),
    ("https://gov.wales/", "gov.wales"),
    ("https://www.bbc.co.uk/wales", "bbc.co.uk"),
    ("https://alice.github.io/x", "alice.github.io"),
    ("http://127.0.0.1:8001/about", "127.0.0.1:8001"),
    ("www.s4c.cymru", "s4c.cymru"),
    ("https://www.sgrintaf.gov.wales/", "sgrintaf.gov.wales"),
    ("https://cadw.gov.wales/", "cadw.gov.wales"),
    ("https://www.gov.wales/", "gov.wales"),
    ("https://gov.wales/", "gov.wales"),
    ("https://www.gov.scot/", "gov.scot"),
    ("https://www.llyw.cymru/", "llyw.cymru"),
    ("https://www.bristol.gov.uk/", "bristol.gov.uk"),
])
def test_registrable_domain(url, expected):
    assert registrable_domain(url) == expected


@pytest.mark.parametrize("url,expected", [
    ("HTTP://WWW.Example.ORG:80/a#frag", "http://www.example.org/a"),
    ("https://x.org/cal?month=2&year=2026&utm_source=n", "https://x.org/cal?month=2&year=2026"),
    ("https://x.org/p;jsessionid=ABC?b=1&a=2", "https://x.org/p?a=2&b=1"),
    ("https://x.org", "https://x.org/"),
    ("mailto:a@b.org", None),
    ("javascript:void(0)", None),
])
def test_normalise_url(url, expected):
    assert normalise_url(url) == expected


def test_relative_links_resolve_against_base():
    assert normalise_url("../team/?fbclid=1", "https://x.org/about/us/") == "https://x.org/about/team/"


def test_host_keeps_non_default_port():
    assert host_of("http://127.0.0.1:8001/") == "127.0.0.1:8001"
    assert host_of("https://x.org:443/") == "x.org"


def _reference_normalise(url: str, base: str | None = None) -> str | None:
    """normalise_url as it was written before its fast paths: urljoin, urlsplit, rebuild."""
    from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

    from harvester.urls import _SESSION_PATH, TRACKING_PARAMS

    try:
        absolute = urljoin(base, url.strip()) if base else url.strip()
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        host = host_of(absolute)
    except ValueError:
        return None
    path = _SESSION_PATH.sub("", parts.path) or "/"
    path = quote(unquote(path), safe="/:@!$&'()*+,;=-._~%")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in TRACKING_PARAMS]
    query.sort()
    return urlunsplit((parts.scheme, host, path, urlencode(query, doseq=True), ""))


_HREFS = [
    "/about", "/about/../team", "/.well-known/x", "/a//b?z=1&a=2#f", "//cdn.x.org/a.js", "/a;jsessionid=1/b",
    "page.html", "dir/page?q=1", "./here", "../up", "a//b/c", ".hidden", "a/./b", "a/..", "?only=query",
    "#frag", "", " ", "http://x.org", "HTTPS://Www.X.ORG.:443/P%7e?b=2&a=1", "http://x.org:8080/a",
    "http://x.org:99999/", "http://x.org:/p", "http://x.org:0/", "https://x.org/a;b", "http://:80/",
    "https://", "https:///p", "http:foo", "http://user:pw@x.org/", "http://[::1]:8001/", "http://[bad/",
    "https://x.org/é?q=é", "https://x.org/a b", "https://x.org/a\tb", "https://x.org/\\evil",
    "mailto:a@b.org", "tel:+441234", "javascript:void(0)", "c:\\path", "ftp://x.org/", "data:,x",
]
_BASES = [None, "https://www.example.org/a/b.html", "http://x.org", "https://x.org:8443/p/",
          "https://X.org//a//b/c?q=1#f", "http://x.org/a;p/b;q", "https://x.org/a/b/", "ftp://x.org/"]


@pytest.mark.parametrize("base", _BASES)
def test_normalise_url_fast_paths_match_urljoin(base):
    for href in _HREFS:
        assert normalise_url(href, base) == _reference_normalise(href, base), (href, base)


_URL_PIECES = st.sampled_from([
    "http", "https", "HTTP", "://", ":", "/", "//", ".", "..", "x.org", "X.ORG", "www.", "@", "[::1]",
    ":8080", ":443", "?", "&", "=", "a", "é", "%7e", "%", ";", "#", " ", "\t", "utm_source=1", "jsessionid=2",
    "-", "\u0130", "\\", "mailto:", "b.co.uk"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_URL_PIECES, max_size=12).map("".join), st.sampled_from(_BASES + ["http://./"]))
def test_normalise_url_matches_urljoin_on_generated_hrefs(href: str, base: str | None) -> None:
    assert normalise_url(href, base) == _reference_normalise(href, base)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "Z", "1", "=", "&", "a=", "&b=", "~", ".", "-", "_", "+", "%20",
                                 "%", "é", " ", ";", "utm_source", "UTM_Source", "ref", "a=1", "&a=0",
                                 "\u0130"]),
                min_size=1, max_size=12).map("".join))
def test_canonical_query_equals_parse_and_urlencode(query: str) -> None:
    from urllib.parse import parse_qsl, urlencode

    from harvester.urls import TRACKING_PARAMS, _canonical_query

    pairs = sorted((k, v) for k, v in parse_qsl(query, keep_blank_values=True)
                   if k.lower() not in TRACKING_PARAMS)
    assert _canonical_query(query) == urlencode(pairs, doseq=True)
