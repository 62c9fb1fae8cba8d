"""Outbound links, their relation kinds, platforms and social profiles (links.py, platforms.py)."""

from __future__ import annotations

import pytest

from harvester.extract.links import kind_for, profile_url
from harvester.extract.page import extract_page
from harvester.extract.platforms import PLATFORM_DOMAINS, SOCIAL_DOMAINS, is_platform, is_social


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
