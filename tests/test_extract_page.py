"""`extract_page` on small pages built in the test (harvester/extract/page.py, jsonld.py)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvester.extract.page import choose_name, extract_page, page_kind


def html(body: str = "", head: str = "", lang: str = "en") -> bytes:
    return f"<!DOCTYPE html><html lang='{lang}'><head>{head}</head><body>{body}</body></html>".encode()


def jsonld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_jsonld_organization_in_graph_gives_name_type_logo_and_contacts() -> None:
    data = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Site title"},
        {"@type": "GovernmentOrganization", "name": "Cyngor Caerdydd", "url": "https://www.caerdydd.gov.uk/",
         "logo": {"@type": "ImageObject", "url": "/logo.png"}, "email": "post@caerdydd.gov.uk",
         "telephone": "029 2087 2087", "sameAs": ["https://twitter.com/cyngorcaerdydd"],
         "address": {"@type": "PostalAddress", "streetAddress": "Neuadd y Sir", "postalCode": "CF10 4UW"}}]}
    facts = extract_page("https://www.caerdydd.gov.uk/", html("<p>Hi</p>", jsonld(data)))
    assert (facts.name, facts.name_source, facts.schema_type) == ("Cyngor Caerdydd", "jsonld",
                                                                  "GovernmentOrganization")
    assert facts.logo == "https://www.caerdydd.gov.uk/logo.png"
    assert facts.emails == ["post@caerdydd.gov.uk"]
    assert facts.phones == ["+442920872087"]
    assert facts.postcodes == ["CF10 4UW"]
    assert facts.social == ["https://twitter.com/cyngorcaerdydd"]
    assert facts.addresses == ["Neuadd y Sir, CF10 4UW"]


def test_broken_jsonld_is_skipped() -> None:
    facts = extract_page("https://a.org/", html("", '<script type="application/ld+json">{"@type": </script>'
                                               "<title>About us | Tiny Org</title>"))
    assert facts.name == "Tiny Org"


def test_microdata_itemtype_without_https() -> None:
    body = ('<div itemscope itemtype="http://schema.org/LocalBusiness"><span itemprop="name">Shop One</span>'
            '<span itemprop="telephone">01223 312802</span>'
            '<div itemprop="address" itemscope itemtype="http://schema.org/PostalAddress">'
            '<span itemprop="postalCode">CB1 3LP</span></div></div>')
    facts = extract_page("https://shop.org.uk/", html(body))
    assert facts.schema_type == "LocalBusiness"
    assert facts.name == "Shop One"
    assert facts.postcodes == ["CB1 3LP"]


@pytest.mark.parametrize("title, og, brands, expected", [
    ("Home | Watershed", None, [], "Watershed"),
    ("Watershed – Contact us", None, [], "Watershed"),
    ("Contact Or Find Us | APES: Pet Care Clinic", None, [], "APES: Pet Care Clinic"),
    ("Team | Learning Model of Life | Decoding the Rules of Biology - LML", None,
     ["LML", "Learning Model of Life"], "Learning Model of Life"),
    ("Call Now: 9029469931 | Waterproofing in Mumbai", "Chowhan and Sons", [], "Chowhan and Sons"),
    ("Amdanom ni / About us – Canolfan Tâf / Taff Centre", None, ["Canolfan Tâf"], "Canolfan Tâf"),
    ("Links", None, [], None),
])
def test_choose_name(title: str, og: str | None, brands: list[str], expected: str | None) -> None:
    chosen = choose_name(title, og, brands)
    assert (chosen[0] if chosen else None) == expected


def test_name_falls_back_to_copyright_then_own_logo_not_partner_logos() -> None:
    body = ('<a href="https://partner.co.uk/"><img src="/p-logo.png" alt="Partner logo"></a>'
            '<a href="/"><img src="/logo.png" alt="Ford Green Hall logo"></a>')
    facts = extract_page("https://fgh.org.uk/links.html", html(body, "<title>Links</title>"))
    assert (facts.name, facts.name_source) == ("Ford Green Hall", "logo_alt")
    facts = extract_page("https://fgh.org.uk/links.html",
                         html(body + "<footer>Copyright © Ford Green Hall Trust 2024</footer>",
                              "<title>Links</title>"))
    assert (facts.name, facts.name_source) == ("Ford Green Hall Trust", "brand")


@pytest.mark.parametrize("url, heading, expected", [
    ("https://a.org/", "", "home"),
    ("https://a.org/index.html", "", "home"),
    ("https://a.org/cy/amdanom-ni", "", "about"),
    ("https://a.org/cysylltu/", "", "contact"),
    ("https://a.org/en/contact-us", "", "contact"),
    ("https://a.org/ein-tîm", "", "team"),
    ("https://a.org/councillors.html", "", "team"),
    ("https://a.org/partneriaid", "", "partners"),
    ("https://a.org/noddwyr", "", "sponsors"),
    ("https://a.org/cyllidwyr", "", "funders"),
    ("https://a.org/our-clients/", "", "clients"),
    ("https://a.org/news/2024/05/story", "", "news"),
    ("https://a.org/page?id=4", "Meet the team", "team"),
    ("https://a.org/page?id=5", "Opening hours", "other"),
])
def test_page_kind(url: str, heading: str, expected: str) -> None:
    assert page_kind(url, [heading] if heading else []) == expected


def test_comments_scripts_and_hidden_templates_are_not_text() -> None:
    body = ("<!-- old@a.org.uk 0117 496 0999 BS1 5TX --><script>var e='js@a.org.uk'</script>"
            "<template><p>tpl@a.org.uk</p></template><p>Real: hi@a.org.uk</p>")
    facts = extract_page("https://a.org.uk/", html(body))
    assert facts.emails == ["hi@a.org.uk"]
    assert facts.phones == [] and facts.postcodes == []


def test_cloudflare_protected_email_in_page() -> None:
    key = 0x31
    encoded = f"{key:02x}" + "".join(f"{ord(c) ^ key:02x}" for c in "clerk@torver.gov.uk")
    body = (f'<a href="/cdn-cgi/l/email-protection" class="__cf_email__" data-cfemail="{encoded}">'
            "[email&#160;protected]</a>"
            f'<a href="/cdn-cgi/l/email-protection#{encoded}">Email the clerk</a>')
    facts = extract_page("https://torver.gov.uk/contact", html(body))
    assert facts.emails == ["clerk@torver.gov.uk"]


def test_entity_encoded_mailto_and_soft_hyphenated_postcode() -> None:
    body = ('<a href="&#109;&#97;&#105;&#108;&#116;&#111;:&#99;&#64;&#115;&#46;&#111;&#114;&#103;">mail</a>'
            "<address>Stoke-&shy;on-&shy;Trent, ST6&shy; 1NG</address>")
    facts = extract_page("https://s.org/", html(body))
    assert facts.emails == ["c@s.org"]
    assert facts.postcodes == ["ST6 1NG"]


def test_foreign_page_numbers_are_not_uk() -> None:
    body = ('<a href="tel:+91 90294 69931">Call</a><a href="tel:9773657278">Call</a>'
            "<p>Office: 022 2345 6789, 09773657278</p>")
    facts = extract_page("https://www.chowhan.com/", html(body))
    assert facts.phones == []


def test_sitemaps_language_description_internal_links() -> None:
    head = ('<link rel="sitemap" href="/sitemap.xml"><meta name="description" content="  A  studio. ">'
            '<base href="https://a.co.uk/sub/">')
    body = ('<a href="page.html?utm_source=x">p</a><a href="/logo.png">img</a><a href="#top">top</a>'
            '<a href="https://www.a.co.uk/about">about</a><a href="javascript:void(0)">js</a>')
    facts = extract_page("https://a.co.uk/sub/index.html", html(body, head, lang="cy-GB"))
    assert facts.sitemaps == ["https://a.co.uk/sitemap.xml"]
    assert facts.language == "cy-GB"
    assert facts.description == "A studio."
    assert facts.internal_links == ["https://a.co.uk/sub/page.html", "https://www.a.co.uk/about"]


def test_empty_and_non_html_bodies() -> None:
    assert extract_page("https://a.org/", b"").name is None
    facts = extract_page("https://a.org/", b"\x00\x01\x02%PDF-1.4 binary")
    assert facts.emails == [] and facts.links == []


def test_control_characters_never_reach_extracted_text():
    from harvester.extract.page import extract_page

    html = ("<html><head><title>Evil\x1b[31mRED\x1b[0m Ltd</title></head><body>"
            "<p>Write to <a href='mailto:hi@evil.co.uk'>hi\x07@evil.co.uk</a></p></body></html>")
    facts = extract_page("https://evil.co.uk/", html.encode(), {"content-type": "text/html"})
    assert facts.name == "EvilRED Ltd"  # the colour sequences go whole, not only their ESC
    assert "\x1b" not in repr(facts.to_dict()) and "\x07" not in repr(facts.to_dict())
    assert facts.emails == ["hi@evil.co.uk"]


@pytest.mark.parametrize("markup", [
    '<div class="Site-Name">Acme Studio</div>',  # any case: the class is matched ignoring case
    '<noscript><span class="navbar-BRAND">Acme Studio</span></noscript>',  # invisible ones count
    '<header><a class="sitetitle" href="/">Acme Studio</a></header>',
])
def test_site_name_element_picks_the_title_part(markup: str) -> None:
    page = html(f"<p>Prints and posters.</p>{markup}", "<title>Acme Studio | Fine Prints</title>")
    facts = extract_page("https://acme.org/", page)
    assert (facts.name, facts.name_source) == ("Acme Studio", "title")


def test_no_site_name_element_takes_the_last_title_part() -> None:
    page = html('<p class="website">Prints and posters.</p>', "<title>Acme Studio | Fine Prints</title>")
    facts = extract_page("https://acme.org/", page)
    assert (facts.name, facts.name_source) == ("Fine Prints", "title")


def test_site_name_elements_in_document_order() -> None:
    """The head's, then the body's; the first 20 are read."""
    body = "".join(f'<div class="brand">Filler {i}</div>' for i in range(25))
    head = '<title>Acme Studio | Fine Prints</title><meta class="brand" content="x">'
    facts = extract_page("https://acme.org/", html(body + '<div class="brand">Acme Studio</div>', head))
    assert (facts.name, facts.name_source) == ("Fine Prints", "title")  # the 26th is not read


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["brand", "site", "name", "title", "-", "sitename", "x", " "]), max_size=12)
       .map("".join).map(str.encode))
def test_brand_word_check_is_the_five_searches(low: bytes) -> None:
    """The page's bytes hold a brand word: "brand" or `_SITE_WORDS`, the same answer as a search
    for each of "brand", "sitename", "site-name", "sitetitle", "site-title"."""
    from harvester.extract.page import _SITE_WORDS

    words = (b"brand", b"sitename", b"site-name", b"sitetitle", b"site-title")
    assert (b"brand" in low or _SITE_WORDS.search(low) is not None) == any(w in low for w in words)


def test_landmark_role_spelt_with_an_entity_is_read() -> None:
    """Roles are read off the tree, where the parser has already turned entities into letters."""
    body = ("<main><h2>Partners</h2><a href='https://p.org/'>P</a></main>"
            "<div role='contentinf&#111;'><a href='https://designer.co.uk/'>Site by Designer</a></div>")
    facts = extract_page("https://me.org/partners", html(body))
    assert {link.url: link.kind for link in facts.links} == {"https://p.org/": "partner",
                                                             "https://designer.co.uk/": "links_to"}


def test_site_name_settles_the_name_and_the_logo_is_still_the_first_own_one() -> None:
    """With og:site_name the brand hints are not looked for; the logo is read all the same."""
    head = ('<title>Fine Prints | Acme</title><meta property="og:site_name" content="Acme Studio">')
    body = ("<a href='https://partner.org/'><img src='/p-logo.png' alt='Partner logo'></a>"
            "<a href='/'><img src='/acme-logo.png' alt='Acme logo'></a><img src='/second-logo.png'>"
            "<div class='site-name'>Acme Brand</div><p>© 2024 Acme Holdings Ltd</p>")
    facts = extract_page("https://acme.org/", html(body, head))
    assert (facts.name, facts.name_source) == ("Acme Studio", "og")
    assert facts.logo == "https://acme.org/acme-logo.png"
