"""URL normalisation and registrable domains."""

from __future__ import annotations

import pytest

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
