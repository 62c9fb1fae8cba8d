"""Emails, UK phones and postcodes from text and links (harvester/extract/contacts.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvester.extract import contacts
from harvester.extract.contacts import (
    decode_cfemail,
    email_from_mailto,
    emails_in_text,
    phone_from_tel,
    phones_in_text,
    postcodes_in_text,
    uk_phone,
)


def cf_encode(email: str, key: int = 0x5A) -> str:
    return f"{key:02x}" + "".join(f"{ord(c) ^ key:02x}" for c in email)


@pytest.mark.parametrize("text, expected", [
    ("Write to info@watershed.co.uk today.", ["info@watershed.co.uk"]),
    ("jo [at] studio [dot] co [dot] uk", ["jo@studio.co.uk"]),
    ("jo(at)studio.org", ["jo@studio.org"]),
    ("jo { at } studio { dot } org", ["jo@studio.org"]),
    ("Email: press at studio dot org dot uk", ["press@studio.org.uk"]),
    ("Mixed Case: Jo.Bloggs@Studio.Org.", ["jo.bloggs@studio.org"]),
    ("📧basingstoketamilcommunity@gmail.com", ["basingstoketamilcommunity@gmail.com"]),
])
def test_emails_in_text(text: str, expected: list[str]) -> None:
    assert emails_in_text(text) == expected


@pytest.mark.parametrize("text", [
    "logo@2x.png", "icon@3x.webp", "you@domain.com", "name@example.com", "a@example.org",
    "abc123@sentry.io", "0123456789abcdef0123456789abcdef@o1.ingest.sentry.io",
    "bugs@sentry-next.wixpress.com", "we meet at the library dot com on Tuesdays",
    "see you at home dot", "@media screen", "@@@@@@", "a@b", "user@localhost",
])
def test_junk_is_not_an_email(text: str) -> None:
    assert emails_in_text(text) == []


def test_spelled_out_at_needs_email_context() -> None:
    assert emails_in_text("Meet us at bristol dot com fair") == []


def test_mailto_percent_encoding_and_subject() -> None:
    assert email_from_mailto("mailto:hello%40brainglobe.info?subject=brainglobe") == ["hello@brainglobe.info"]
    assert email_from_mailto("MAILTO:a@b.org,c@d.org") == ["a@b.org", "c@d.org"]
    assert email_from_mailto("mailto:you@domain.com") == []
    assert email_from_mailto("https://x.org") == []


def test_cloudflare_decoding() -> None:
    assert decode_cfemail(cf_encode("clerk@torver.gov.uk")) == "clerk@torver.gov.uk"
    assert decode_cfemail(cf_encode("form@example.com")) is None  # a placeholder, decoded then dropped
    assert decode_cfemail("zz") is None
    assert decode_cfemail("") is None


@pytest.mark.parametrize("raw, expected", [
    ("01782 537696", "+441782537696"),
    ("01730-267784", "+441730267784"),
    ("+44 (0)117 927 6444", "+441179276444"),
    ("0044 29 2030 4400", "+442920304400"),
    ("07761 904327", "+447761904327"),
    ("0300 123 4999", "+443001234999"),
    ("+44 300 123 4999", "+443001234999"),
])
def test_uk_phone(raw: str, expected: str) -> None:
    assert uk_phone(raw) == expected


@pytest.mark.parametrize("raw", [
    "9029469931",  # an Indian mobile without its country code: no UK trunk 0, so not British
    "7761904327",  # even when the digits would make a valid UK mobile
    "+91 90294 69931", "+1 215 555 0100", "(215) 555-0100", "0123", "0117 927",
])
def test_not_a_uk_phone(raw: str) -> None:
    assert uk_phone(raw) is None


@given(st.text(alphabet="0123456789", min_size=9, max_size=10))
@settings(max_examples=400)
def test_valid_for_gb_equals_valid_with_region_gb(national: str) -> None:
    """`uk_phone` asks whether a number is valid for GB's plan; the reading it replaced asked
    whether it is valid and its region is GB (+44 is shared with Jersey, Guernsey and Man)."""
    import phonenumbers

    number = phonenumbers.parse("+44" + national, None)
    assert phonenumbers.is_valid_number_for_region(number, "GB") == (
        phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) == "GB")


def test_channel_islands_and_man_numbers_are_not_gb() -> None:
    # Jersey, Guernsey and Isle of Man numbers share +44 but are not the UK's own plan.
    assert uk_phone("01534 440000") is None  # Jersey (Crown Dependency)
    assert uk_phone("01481 700000") is None  # Guernsey
    assert uk_phone("01624 686000") is None  # Isle of Man
    assert uk_phone("0117 927 6444") == "+441179276444"  # Bristol


def test_phones_in_text_with_nbsp_and_glued_words() -> None:
    text = "Call 01223\u00a0312\u00a0802 or 07984-692367or email; fax 2020 1999 2021; ref 0117927644412345"
    assert phones_in_text(text) == ["+441223312802", "+447984692367"]


def test_tel_links() -> None:
    assert phone_from_tel("tel:0161%20881%206868") == "+441618816868"
    assert phone_from_tel("tel:+441223212644") == "+441223212644"
    assert phone_from_tel("tel:9773657278") is None
    assert phone_from_tel("tel:+91 90294 69931") is None


@pytest.mark.parametrize("text, expected", [
    ("Ford Green Road, Stoke-on-Trent, ST6 1NG", ["ST6 1NG"]),
    ("Bristol BS15TX", ["BS1 5TX"]),
    ("London EC1A 1BB and SW1A 2AA", ["EC1A 1BB", "SW1A 2AA"]),
    ("Salford M50 2EQ.", ["M50 2EQ"]),
    ("Cardiff CF10\n1GA", ["CF10 1GA"]),  # split by a line break in the address
    ("Newmarket CB8 8EEt", []),  # a stray letter glued on: not a well-formed postcode
    ("Mumbai 400001, Philadelphia PA 19106", []),
    ("QA1 1AA VB1 1AA", []),  # Q and V never start a postcode
    ("bs1 5tx", []),  # lower case is not read
])
def test_postcodes(text: str, expected: list[str]) -> None:
    assert postcodes_in_text(text) == expected


# ---------------------------------------------------------------- the spelled-form scan

_SPELLED_ALPHABET = st.sampled_from(["email", "E-Mail", "ebost", "e-bost", "contact", "Write  to", "write to",
                                     " at ", " AT ", " dot ", "jane", "info", "cardiff", "org", "uk", "\n",
                                     " ", "e", "-", "mail", ".", "x", "\u0130", "\u0131", "\u017f", "é"])


def _spelled_by_sub(text: str) -> str:
    """The spelled-form replacement as a plain re.sub over every position (the reference)."""
    def spelled(m: re.Match[str]) -> str:
        domain = re.sub(r"\s{1,3}dot\s{1,3}", ".", m.group(2), flags=re.I)
        return m.group(0)[: m.start(1) - m.start(0)] + f" {m.group(1)}@{domain} "
    return contacts._SPELLED.sub(spelled, text)


@settings(max_examples=400, deadline=None)
@given(st.lists(_SPELLED_ALPHABET, max_size=40).map("".join))
def test_spelled_scan_at_wording_only_equals_the_full_sub(text: str) -> None:
    # No brackets in the alphabet: deobfuscate is then the spelled-form step alone.
    assert contacts.deobfuscate(text) == _spelled_by_sub(text)


def test_spelled_scan_examples() -> None:
    text = "Email: jane at cardiff dot org. Or e-mail bob at x dot co dot uk; contact: sam at y dot org"
    assert contacts.deobfuscate(text) == _spelled_by_sub(text)
    assert "jane@cardiff.org" in contacts.deobfuscate(text)
    assert contacts.emails_in_text(text) == ["jane@cardiff.org", "bob@x.co.uk", "sam@y.org"]
    # A dotless ı: lower() cannot stand in for IGNORECASE, so the full regex runs.
    assert contacts.spelled_starts("emaıl jane at x dot org") is None


_BRACKETED_ALPHABET = st.sampled_from(["[at]", "(AT)", "{ at }", "<@>", "[dot]", "( DOT )", "(.)", "[", ")",
                                       " at ", " dot ", "jane", "x", "org", "email", "contact", " ", "\n",
                                       "\u0130", "\u0131", "\u017f", "@"])


def _deobfuscate_reference(text: str) -> str:
    """Both bracket subs, each after its own core search, then the spelled-form sub."""
    if "at" not in text.lower() and "@" not in text:
        return text
    if contacts._BRACKET_AT_CORE.search(text):
        text = contacts._BRACKET_AT.sub("@", text)
    if contacts._BRACKET_DOT_CORE.search(text):
        text = contacts._BRACKET_DOT.sub(".", text)
    return _spelled_by_sub(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(_BRACKETED_ALPHABET, max_size=30).map("".join))
def test_one_bracket_scan_first_equals_both_core_searches(text: str) -> None:
    """`_BRACKET_CORE` (either core) is searched once before the two cores: the same text out."""
    assert contacts.deobfuscate(text) == _deobfuscate_reference(text)
