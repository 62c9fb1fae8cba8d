"""Hostile input: nothing raises, time stays bounded (no catastrophic regex backtracking)."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harvester.extract import contacts, registry_numbers
from harvester.extract.decode import decode_html
from harvester.extract.facts import PageFacts
from harvester.extract.page import extract_page
from harvester.extract.people import is_name, is_role

FRAGMENTS = [
    "<a href=", "<a href='mailto:", "<a href=\"tel:", "<div", "</div>", "<p>", "</p", "<!--", "-->",
    "<script type='application/ld+json'>{\"@graph\": [", "</script>", "<h2>Partners</h2>", "<img alt='",
    "<table><tr><td>", "&#64;", "&#x40;", "&amp;", "@", "@@@@@@@@", "[at]", "(dot)", " at ", " dot ",
    "0117 496 0123", "+44", "0000000000000", "BS1 5TX", "CB8 8EEt", "charity no. ", "company number ",
    "data-cfemail=\"", "/cdn-cgi/l/email-protection#", "itemscope itemtype='http://schema.org/NGO'",
    "itemprop='name'", "Jo Bloggs", "Director", "\x00", "\ufffd", "\u00ad", "<base href='//x'>",
    "<meta charset='", "utf-16", "<svg><a href='https://x.org'>", "https://", "www.", ".co.uk", "'", '"',
    ">", "<", "=", "\n",
]
mangled_html = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=80).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_arbitrary_bytes_never_raise(body: bytes) -> None:
    facts = extract_page("https://fuzz.example.org/", body, {"Content-Type": "text/html; charset=utf-8"})
    assert isinstance(facts, PageFacts)
    assert isinstance(decode_html(body), str)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled_html, st.sampled_from(["https://fuzz.example.org/", "https://a.org/partners/", "not a url",
                                     ""]))
def test_mangled_html_never_raises(html: str, url: str) -> None:
    facts = extract_page(url, html.encode("utf-8", "surrogatepass"))
    assert isinstance(facts, PageFacts)
    assert all("@" in email for email in facts.emails)
    assert all(phone.startswith("+44") for phone in facts.phones)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_text_extractors_never_raise(text: str) -> None:
    contacts.emails_in_text(text)
    contacts.phones_in_text(text)
    contacts.postcodes_in_text(text)
    contacts.email_from_mailto("mailto:" + text)
    contacts.phone_from_tel("tel:" + text)
    contacts.decode_cfemail(text)
    registry_numbers.charity_numbers(text)
    registry_numbers.company_numbers(text)
    registry_numbers.is_cic(text, text)
    is_name(text)
    is_role(text)


def test_deep_nesting_and_huge_attributes() -> None:
    depth = 3000
    body = ("<div>" * depth + "<p>Email jo@deep.org.uk</p>" + "</div>" * depth
            + '<a href="https://x.org/' + "a" * 200_000 + '">x</a>' + "<img alt='" + "logo " * 50_000 + "'>")
    facts = extract_page("https://deep.org.uk/", body.encode())
    assert facts.emails == ["jo@deep.org.uk"]


def test_five_megabyte_adversarial_page_in_bounded_time() -> None:
    mb = 1_000_000
    runs = [
        "@" * (mb // 2), "a@" * (mb // 4), "9" * (mb // 2), "0 1 " * (mb // 8), "01234 " * (mb // 12),
        "x [at] y (dot) " * (mb // 30), "a." * (mb // 4), "BS1 5T" * (mb // 12), "Jo Bloggs " * (mb // 20),
        "registered charity no. " * (mb // 46), "company number " * (mb // 30), "©" * (mb // 10),
        "email " + "a" * (mb // 4) + " at " + "b" * 1000,
    ]
    body = "<html><body>" + "".join(f"<p>{run}</p>" for run in runs) + "<div>" * 500 + "</div>" * 500
    body += "<p>Real: hello@bounded.org.uk, 0117 496 0123, BS1 6WP</p></body></html>"
    payload = body.encode()
    assert len(payload) >= 5 * mb - 200_000
    started = time.perf_counter()
    facts = extract_page("https://bounded.org.uk/", payload)
    elapsed = time.perf_counter() - started
    assert elapsed < 10, f"{elapsed:.1f} s for a 5 MB page"
    assert "hello@bounded.org.uk" in facts.emails
    assert facts.phones == ["+441174960123"]
    assert "BS1 6WP" in facts.postcodes


_CONTROLISH = st.text(alphabet=st.sampled_from("a \u00a0\u0080\u009f\u00c2\u0100\x00\x07\x1f\x7f\t\n\x1b[]"),
                      max_size=40)


@settings(max_examples=300, deadline=None)
@given(_CONTROLISH)
def test_utf8_drops_exactly_the_control_characters(text: str) -> None:
    """`page._utf8`'s byte pre-checks (a C0 translate, 0xC2 before the C1 search) against the
    rule on the text alone (escape sequences whole, then single control characters)."""
    from harvester.extract.page import _utf8
    from harvester.plain_text import drop_text_controls

    expected = drop_text_controls(text).encode("utf-8")
    assert _utf8(text) == expected
    assert _utf8(text, text.encode("utf-8")) == expected


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=60).map(lambda t: t.encode("utf-8")), st.binary(max_size=60)),
       st.sampled_from(["utf-8", "UTF8", "latin-1", "windows-1252", "shift_jis", "nonsense", ""]))
def test_labelled_utf8_decodes_as_one_strict_decode(body: bytes, label: str) -> None:
    """A page labelled UTF-8 reuses the first strict UTF-8 decode: the same text and codec as
    decoding it again under its label."""
    from harvester.extract.decode import decode_html_codec

    page = f'<meta charset="{label}">'.encode() + body
    text, codec = decode_html_codec(page, {"Content-Type": f"text/html; charset={label}"})
    try:
        strict = page.decode("utf-8")
    except UnicodeDecodeError:
        strict = None
    if label.lower().replace("-", "") == "utf8" and strict is not None:
        assert (text, codec) == (strict, "utf-8")
    if codec != "detected":
        assert text == page.decode(codec)  # a labelled or UTF-8 page: its strict decode


def test_json_ld_strings_spelling_control_characters_are_cleaned() -> None:
    """The page's text loses its control characters before parsing, but JSON-LD can spell them as
    escapes: a name must not carry an ESC (terminals) or a NUL (PostgreSQL refuses it)."""
    ld = ('{"@context": "https://schema.org", "@type": "Organization", '
          '"name": "Evil\\u001b[2J\\u001b]0;t\\u0007 Studio\\u0000\\u009b Ltd", '
          '"description": "We make games\\u001b[31m", "email": "hi@evil.example.org"}')
    html = (f"<html><head><script type='application/ld+json'>{ld}</script></head>"
            "<body><p>We make games.</p></body></html>").encode()
    facts = extract_page("https://evil.example.org/", html)
    # the sequences go whole; U+009B is an 8-bit CSI, which " L" ends (an intermediate, a final)
    assert facts.name == "Evil Studiotd" and facts.name_source == "jsonld"
    assert facts.description and "\x1b" not in facts.description


def test_character_references_to_control_characters_are_dropped() -> None:
    """`&#27;` is decoded by the parser after the page's control characters were dropped: a
    reference must not smuggle an ESC into a name, a person or a link, and a sequence spelt with
    one goes whole, as a raw one does; C1 references read as Windows-1252, as browsers read them,
    and references to other characters are untouched."""
    html = (b"<html><head><meta property='og:site_name' content='Og&#27;[31m&#x93;Name&#x94;'></head><body>"
            b"<ul><li itemscope itemtype='https://schema.org/Person'><span itemprop='name'>Jo&#x1B;[2J"
            b" Bloggs</span>, <span itemprop='jobTitle'>Director</span></li></ul>"
            b"<a href='https://www.partner-studio.co.uk/'>Partner&#0027;[2J&#7;&#0;&#127;&#x9b; Ltd"
            b" &#275; &#x1bc; &#39;</a></body></html>")
    facts = extract_page("https://evil.example.org/", html)
    assert facts.name == "Og\u201cName\u201d"
    assert [(p.name, p.role) for p in facts.people] == [("Jo Bloggs", "Director")]
    [link] = [link for link in facts.links if "partner-studio" in link.url]
    assert link.text == "Partner\u203a Ltd \u0113 \u01bc '"
