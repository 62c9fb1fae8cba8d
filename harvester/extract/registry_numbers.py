"""Registration numbers in page text: charities (E&W, Scotland, NI), Companies House, CIC status.

Rules follow `shared/reference/sector-signals.md`. A bare 6–8 digit number means nothing on its
own (phone fragments, years, prices), so every number needs the wording that introduces it
within a short window. All quantifiers are bounded so a hostile page cannot make them backtrack.
"""

from __future__ import annotations

import re

# The wording may be followed by "no.", "number", ":" and the like before the number itself.
_GAP = (r"[\s:.#,()\-–]{0,6}(?:no\.?|number|num\.?|rhif|reg(?:istration)?\.?(?:\s{1,3}(?:no\.?|number))?)?"
        r"[\s:.#,()\-–]{0,6}")

_CHARITY_WORDING = (
    r"(?:registered\s{1,3}charity|charity\s{1,3}(?:registration|reg\.?|commission)?|"
    r"elusen\s{1,3}gofrestredig|charity)"
)
_CHARITY_EW = re.compile(_CHARITY_WORDING + _GAP + r"(?<![\d\w])(\d{6,7}(?:-\d{1,2})?)(?![\d\w])", re.I)
# Scottish charity numbers are SC0 + 5 digits; in charity wording or next to OSCR.
_CHARITY_SC = re.compile(
    r"(?:charity|oscr|elusen)[^\n]{0,40}?(?<![A-Z0-9])(SC\s?0\d{5})(?![\d\w])", re.I)
_CHARITY_NI = re.compile(r"(?<![A-Z0-9])(NIC\s?\d{6})(?![\d\w])")

_COMPANY_WORDING = (
    r"(?:company\s{1,3}(?:registration\s{1,3})?|registered\s{1,3}company\s{1,3}|"
    r"registered\s{1,3}in\s{1,3}(?:england|wales|scotland|northern\s{1,3}ireland)"
    r"(?:\s{1,3}(?:and|&)\s{1,3}wales)?(?:\s{1,3}(?:under|with))?(?:\s{1,3}company)?\s{0,3}|"
    r"companies\s{1,3}house\s{0,3}(?:registration\s{0,3})?|"
    r"cic\s{1,3}|community\s{1,3}interest\s{1,3}company\s{1,3}|"
    r"cwmni\s{1,3}(?:cofrestredig\s{1,3})?|reg(?:istered)?\.?\s{0,3}(?:office\s{0,3})?)"
)
_PREFIXES = r"SC|NI|OC|SO|NC|LP|SL|NL|RC|SR|NR|FC|SF|NF|IP|SP|NP|CE|CS|GE|ZC|R0"
_COMPANY = re.compile(
    _COMPANY_WORDING + _GAP + r"(?<![\w])((?:" + _PREFIXES + r")\s?\d{6}|\d{7,8}|0\d{5})(?![\d\w])", re.I)

_CIC = re.compile(r"(?<![\w])(?:C\.I\.C\.?|CIC|Community\s{1,3}Interest\s{1,3}Company)(?![\w])")


def charity_numbers(text: str) -> list[str]:
    """Charity numbers, normalised: `1123456`, `1123456-1`, `SC012345`, `NIC123456`."""
    found: list[str] = []
    for match in _CHARITY_SC.finditer(text):
        found.append(match.group(1).replace(" ", "").upper())
    for match in _CHARITY_NI.finditer(text):
        found.append(match.group(1).replace(" ", "").upper())
    for match in _CHARITY_EW.finditer(text):
        found.append(match.group(1))
    return list(dict.fromkeys(found))


def company_numbers(text: str, exclude: list[str] | None = None) -> list[str]:
    """Companies House numbers, 8 characters (`01234567`, `SC123456`), from their wording.

    Numbers already read as charity numbers are excluded: "charity no. SC012345" is not a company.
    """
    skip = set(exclude or ())
    found: list[str] = []
    for match in _COMPANY.finditer(text):
        raw = match.group(1).replace(" ", "").upper()
        if raw in skip:
            continue
        if raw.isdigit():
            raw = raw.zfill(8)
        if len(raw) == 8:
            found.append(raw)
    return list(dict.fromkeys(found))


def is_cic(text: str, name: str | None = None) -> bool:
    """A Community Interest Company: "CIC" or its long form in the name or the page text."""
    return bool(_CIC.search(name or "") or _CIC.search(text))
