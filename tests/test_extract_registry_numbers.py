"""Charity, Companies House and CIC signals (harvester/extract/registry_numbers.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvester.extract import registry_numbers
from harvester.extract.registry_numbers import (
    _CIC_SELF,
    _may_say_cic,
    charity_numbers,
    company_numbers,
    is_cic,
)


@pytest.mark.parametrize("text, expected", [
    ("© RSPCA Cambridge 2020. Registered\ncharity no. 205098", ["205098"]),
    ("Registered Charity Number: 1123456-1", ["1123456-1"]),
    ("Elusen gofrestredig rhif 1187654", ["1187654"]),
    ("Scottish Charity No. SC012345", ["SC012345"]),
    ("Charity registered in Northern Ireland NIC100234", ["NIC100234"]),
    ("Call 0117 9276444 or visit 1234567 times", []),  # numbers without wording mean nothing
    ("Our charity shop opened in 2019", []),
])
def test_charity_numbers(text: str, expected: list[str]) -> None:
    assert charity_numbers(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Registered in England and Wales No. 1234567", ["01234567"]),
    ("Company number: SC123456", ["SC123456"]),
    ("CIC Number: 16253848", ["16253848"]),
    ("Registered in England & Wales under company number 09876543.", ["09876543"]),
    ("Companies House registration OC301234", ["OC301234"]),
    ("We have 12345678 reasons", []),
    ("Company founded 2008, 25 staff", []),
])
def test_company_numbers(text: str, expected: list[str]) -> None:
    assert company_numbers(text) == expected


def test_charity_number_is_not_also_a_company_number() -> None:
    text = "Scottish charity SC012345, company number SC012345"
    assert company_numbers(text, exclude=charity_numbers(text)) == []


def test_cic() -> None:
    assert is_cic("", "Northern Quarter Makers CIC")
    assert is_cic("We are a Community Interest Company registered in England", None)
    assert is_cic("Part of APES | CIC Number: 16253848", None)
    assert is_cic("", "APES Pet Care", footer="Association of Protecting Exotic Species CIC")
    assert not is_cic("We partner with Bristol Makers CIC on workshops.", "Harbour Studio Ltd")
    assert not is_cic("Cicero and the bicycle", "Cicada Studio")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["CIC", "cic", "C\u0130C", "c\u0131c", "Community", "INTEREST", "interest",
                                 " company", " is a ", " number", "é", "\u017f", " ", "no.", "we"]),
                max_size=30).map("".join))
def test_cic_pre_check_never_hides_a_match(text: str) -> None:
    # The pre-check may say "maybe" wrongly, never "no" where the full pattern matches.
    if _CIC_SELF.search(text):
        assert _may_say_cic(text)
    assert is_cic(text) == bool(_CIC_SELF.search(text))


_NUMBERISH = st.lists(st.sampled_from([
    "1", "0", "123", "12345", "123456", "1234567", "12345678", "123456789", "\u0663", "\uff15", "-", "-12",
    " ", "\n", "SC", "NIC", "nic", "Ni", "x", "_", "é", ".", "/"]), max_size=20).map("".join)


@settings(max_examples=500, deadline=None)
@given(_NUMBERISH)
def test_one_digit_run_scan_finds_what_each_pattern_finds(text: str) -> None:
    """`_DIGITS` and `_PREFIXED` tried only at the starts of six-digit runs: the same matches as
    each pattern's own scan of the whole text."""
    starts = [m.start() for m in registry_numbers._RUN.finditer(text)]
    digits = registry_numbers._run_matches(registry_numbers._DIGITS, text, starts)
    assert [m.span() for m in digits] == [m.span() for m in registry_numbers._DIGITS.finditer(text)]
    assert ([m.span() for m in registry_numbers._prefixed(text)]
            == [m.span() for m in registry_numbers._PREFIXED.finditer(text)])


_CIC_REFERENCE = re.compile(r"(?<![\w])(?:C\.I\.C\.?|CIC|Community\s{1,3}Interest\s{1,3}Company)(?![\w])")


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["C", "I", ".", "CIC", "C.I.C", "C.I.C.", "Community", "Interest", "Company",
                                 "community", " ", "  ", "\n", "x", "_", "é", "1", "cic", "(", "-"]),
                max_size=16).map("".join))
def test_cic_pattern_led_by_its_c_matches_like_the_look_behind_form(text: str) -> None:
    """`_CIC` checks the character before its "C" after finding it: the same matches as a
    leading look-behind."""
    assert ([m.span() for m in registry_numbers._CIC.finditer(text)]
            == [m.span() for m in _CIC_REFERENCE.finditer(text)])
