"""Outbound links, their relation kinds, platforms and social profiles (links.py, platforms.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvester.extract import links
from harvester.extract.links import kind_for, profile_url
from harvester.extract.page import PageWalk, _parse, extract_page
from harvester.extract.platforms import PLATFORM_DOMAINS, SOCIAL_DOMAINS, is_platform, is_social
from harvester.urls import host_of, normalise_url, registrable_domain


def kinds(url: str, body: str) -> dict[str, str]:
    facts = extract_page(url, f"<html><body>{body}</body></html>".encode())
    return {link.url: link.kind for link in facts.links}


def test_heading_decides_kind_and_is_reset_by_the_next_heading() -> None:
    body = ("<h2>Our funders</h2><a href='https://arts.org.uk/'>Arts</a>"
            "<h2>Latest news</h2><a href='https://paper.co.uk/story'>Story</a>")
    assert kinds("https://me.org/", body) == {"https://arts.org.uk/": "funder",
                                              "https://paper.co.uk/story": "links_to"}


def test_footer_links_do_not_take_the_article_heading() -> None:
    body = ("<main><h2>Partners</h2><a href='https://p.org/'>P</a></main>"
            "<footer><a href='https://designer.co.uk/'>Site by Designer</a></footer>")
    assert kinds("https://me.org/partners", body) == {"https://p.org/": "partner",
                                                      "https://designer.co.uk/": "links_to"}


def test_section_class_then_logo_alt_then_page_kind() -> None:
    body = ("<div class='sponsor-logos'><a href='https://s.co.uk/'><img src='s.png' alt='S'></a></div>"
            "<footer><a href='https://f.org/'><img src='f.png' alt='Funded by F'></a></footer>"
            "<p><a href='https://m.org/'>M</a></p>")
    assert kinds("https://me.org/members/", body) == {
        "https://s.co.uk/": "sponsor", "https://f.org/": "funder", "https://m.org/": "member_of"}


def test_welsh_headings() -> None:
    body = ("<h2>Ein partneriaid</h2><a href='https://a.cymru/'>A</a>"
            "<h2>Noddwyr</h2><a href='https://b.cymru/'>B</a>"
            "<h2>Cyllidwyr</h2><a href='https://c.cymru/'>C</a>")
    assert kinds("https://me.cymru/", body) == {"https://a.cymru/": "partner", "https://b.cymru/": "sponsor",
                                                "https://c.cymru/": "funder"}


def test_strongest_kind_kept_when_linked_twice() -> None:
    body = ("<p><a href='https://x.org/'>x</a></p><h3>Clients</h3>"
            "<a href='https://x.org/'><img src='x.png' alt='X'></a>")
    assert kinds("https://me.org/", body) == {"https://x.org/": "client"}


def test_platforms_dropped_and_own_social_profiles_kept() -> None:
    body = ("<header><a href='https://www.facebook.com/myorg/'>fb</a></header>"
            "<a href='https://www.facebook.com/sharer/sharer.php?u=x'>share</a>"
            "<a href='https://twitter.com/intent/tweet?text=x'>tweet</a>"
            "<a href='https://www.youtube.com/watch?v=abc'>video</a>"
            "<a href='https://www.linkedin.com/in/some-person'>a person</a>"
            "<a href='https://www.justgiving.com/campaign/x'>donate</a>"
            "<a href='https://docs.google.com/forms/d/1'>form</a>"
            "<a href='https://bit.ly/abc'>short</a>"
            "<a href='https://fonts.googleapis.com/css'>font</a>"
            "<a href='https://alice.github.io/'>a project site</a>"
            "<a href='https://mastodon.online/@myorg'>toot</a>")
    facts = extract_page("https://myorg.org.uk/", f"<html><body>{body}</body></html>".encode())
    assert [link.url for link in facts.links] == ["https://alice.github.io/"]
    assert facts.social == ["https://facebook.com/myorg", "https://mastodon.online/@myorg"]


def test_many_profiles_on_one_platform_are_people_not_the_org() -> None:
    body = "".join(f"<li><a href='https://github.com/person{i}'>Person {i}</a></li>" for i in range(8))
    body = f"<header><a href='https://github.com/myorg'>GitHub</a></header><ul>{body}</ul>"
    facts = extract_page("https://myorg.info/contributors", f"<html><body>{body}</body></html>".encode())
    assert facts.social == ["https://github.com/myorg"]


@pytest.mark.parametrize("text, expected", [
    ("Our Partners", "partner"), ("partner_logos", "partner"), ("Funded by", "funder"),
    ("Supported by", "funder"), ("Sponsors", "sponsor"), ("We are members of", "member_of"),
    ("Clients we've worked with", "client"), ("Latest news", None), (None, None),
])
def test_kind_for(text: str | None, expected: str | None) -> None:
    assert kind_for(text) == expected


def test_profile_url() -> None:
    assert profile_url("https://www.instagram.com/apesorguk/") == "https://instagram.com/apesorguk"
    assert profile_url("https://www.linkedin.com/company/x/") == "https://linkedin.com/company/x"
    assert profile_url("https://twitter.com/x/status/1") is None
    assert profile_url("https://www.facebook.com/") is None


def test_platform_lists() -> None:
    assert is_platform("www.wix.com") and is_platform("play.google.com") and is_platform("t.co")
    assert is_social("m.facebook.com") and not is_social("zoom.us")
    assert not is_platform("alice.github.io") and not is_platform("watershed.co.uk")
    assert not (SOCIAL_DOMAINS & PLATFORM_DOMAINS)  # each domain listed once, under one category


# ---------------------------------------------------------------- shortcuts against the plain way

_HREF_PIECES = st.sampled_from([
    "https://", "http://", "//", "www.", "WWW.", "instagram.com", "x.com", "linkedin.com", "github.com",
    "mastodon.social", "google.com", "x.org", "example.org", ".", ":8080", ":443", "@", "u:p@", "[::1]",
    "é", "\u0130", "/", "/in/", "/company/", "/status/", "/@", "name", "_", "?", "q=1", "#", "%41", " ",
    "share", "p", "-", ":", ";", "a.pdf", "..", "\\"])
_BASES = st.sampled_from(["https://www.example.org/a/b.html", "http://x.org", "https://x.org:8443/p/",
                          "https://instagram.com/", "http://[::1]:8001/a", "https://www.x.com/"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_HREF_PIECES, max_size=10).map("".join), _BASES)
def test_profile_read_from_the_normalised_parts_equals_profile_url(href: str, base: str) -> None:
    # _target reads a social profile from the host and path it already split off.
    what, value = links._target(href, base, host_of(base), registrable_domain(base))
    if what == links._PROFILE:
        url = normalise_url(href, base)
        assert url is not None and value == profile_url(url)
        if value:
            assert links._profile_site(value) == (registrable_domain(value) or "")


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["https://", "http://", "a", "B", ".", "-", ":", "1", "@", "[", "]", "/",
                                 "é", "\u0130", " ", "%", "x.com", "co.uk", "?", "#", "\t"]),
                max_size=10).map("".join))
def test_profile_site_equals_registrable_domain(url: str) -> None:
    assert links._profile_site(url) == (registrable_domain(url) or "")


def _climb(tag: Any, stop: Any) -> tuple[str | None, str | None]:
    """The section reading as one climb per link, with nothing remembered (the reference)."""
    node = tag.getparent()
    for _ in range(links._ANCESTOR_LEVELS):
        if node is None or node is stop or node.tag in ("body", "html"):
            return None, None
        ident, classes = node.get("id"), node.get("class")
        if ident or classes:
            names = f"{ident or ''} {classes or ''}"
            kind = kind_for(names)
            if kind:
                return kind, names.strip()
        node = node.getparent()
    return None, None


_OPEN = ['<div class="partners">', '<div id="funders">', '<div class="x y">', "<section>", "<li>", "<p>",
         '<ul class="sponsor-logos">', "<header>", "<footer>", "<nav>", '<div role="navigation">',
         '<span class="member_of">', "<div>"]
_CLOSE = ["</div>", "</section>", "</ul>", "</li>", "</header>", "</footer>", "</nav>", "</p>", "</span>"]
_LEAF = ["<h2>Our partners</h2>", "<h2>News</h2>", '<a href="https://a.org/">A</a>', "text",
         '<a href="https://b.org/x"><img alt="Sponsors"></a>', '<a href="https://c.org/"></a>',
         '<a href="https://instagram.com/us">ig</a>', '<area href="https://e.org/">']


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_OPEN + _CLOSE + _LEAF + _LEAF), max_size=40).map("".join), st.booleans())
def test_section_memo_answers_as_a_fresh_climb(body: str, roles: bool) -> None:
    root = _parse(f"<html><body>{body}</body></html>".encode())
    walk = PageWalk(root.find("body") if root.find("body") is not None else root, roles=roles)
    memo: dict[Any, Any] = {}
    kinds = links._Kinds()  # shared by the page's links, as scan_links shares them
    for tag, landmark in walk.linkish:
        if tag.tag[0] != "h":
            assert links._section_context(tag, landmark, memo, kinds) == _climb(tag, landmark)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*links._KIND_STEMS, "a", "ri", "an", "cl", "work", "ed", "-", " ", "x"]),
                max_size=8).map("".join))
def test_kind_stem_trie_finds_exactly_the_stems(text: str) -> None:
    assert bool(links._KIND_STEM.search(text)) == any(stem in text for stem in links._KIND_STEMS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Our", " partner", "  ", "\n", "\u00a0", "&amp;", "<b>", "</b>",
                                 "<img alt='x'>", "<!-- c -->", "<span> </span>", "é"]),
                max_size=8).map("".join))
def test_words_of_a_link_equal_its_itertext(inner: str) -> None:
    root = _parse(f"<html><body><a href='https://a.org/'>{inner}</a></body></html>".encode())
    for anchor in root.iter("a"):
        assert links._words(anchor) == " ".join(" ".join(anchor.itertext()).split())
