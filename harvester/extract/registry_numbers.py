"""Registration numbers in page text: charities (E&W, Scotland, NI), Companies House, CIC status.

Rules follow `shared/reference/sector-signals.md`. A bare 6–8 digit number means nothing on its
own (phone fragments, years, prices), so every number needs the wording that introduces it
within a short window. All quantifiers are bounded so a hostile page cannot make them backtrack.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import repeat

from harvester.extract.contacts import has_case_exotics

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

# "C" first (a literal the engine finds in C), then the character before it: the same matches as
# a leading look-behind, which made the engine try the whole pattern at every position.
_CIC = re.compile(r"C(?<![\w]C)(?:\.I\.C\.?|IC|ommunity\s{1,3}Interest\s{1,3}Company)(?![\w])")


# Numbers are found first (one linear scan), then the wording is looked for just before each one,
# so the wording patterns only ever run on short windows however large and hostile the page.
# Each starts with a character class and checks the character before it afterwards (the same
# match as a leading look-behind), so the regex engine skips to candidates in C.
_DIGITS = re.compile(r"\d(?<![\w-]\d)\d{5,7}(?:-\d{1,2})?(?![\w])")
_PREFIXED = re.compile(r"[A-Za-z](?<![\w][A-Za-z])(?:[A-Za-z]|(?<=N)IC|(?<=n)ic)\s?\d{6}(?![\w])")
_PREFIX_SET = frozenset(_PREFIXES.split("|")) | {"NIC"}
_WINDOW = 110  # characters of wording looked at before a number
MAX_CANDIDATES = 3000  # numbers looked at per page


# The six digits of a prefixed number follow a letter or a space: found first (digits are rare,
# letters are everywhere), then the prefix is matched just before them.
_SIX_DIGITS = re.compile(r"\d(?<=[A-Za-z\s]\d)\d{5}(?![\w])")


# Every match of `_DIGITS` and `_SIX_DIGITS` starts a run of six or more digits (a digit is a word
# character, and neither may follow one): the runs are found in one scan, each pattern is then
# tried at their starts only (`match` still sees the characters before its position).
_RUN = re.compile(r"\d{6,}")


def _run_matches(pattern: re.Pattern[str], text: str, starts: list[int]) -> list[re.Match[str]]:
    """The matches `pattern.finditer(text)` gives, for a pattern that only matches at `starts`."""
    return [m for m in map(pattern.match, repeat(text, len(starts)), starts) if m]


def _prefixed(text: str, starts: list[int] | None = None) -> list[re.Match[str]]:
    """The matches `_PREFIXED.finditer(text)` gives, read from the digits back. `starts`: the
    starts of the text's runs of six or more digits (`_RUN`), when the caller has them."""
    if starts is None:
        starts = [m.start() for m in _RUN.finditer(text)]
    found = []
    for digits in _run_matches(_SIX_DIGITS, text, starts):
        start, end = digits.start(), digits.end()
        for prefix_start in range(max(start - 4, 0), start - 1):
            match = _PREFIXED.match(text, prefix_start)
            if match and match.end() == end:
                found.append(match)
                break
    return found


@lru_cache(maxsize=4)
def _windows(text: str) -> tuple[str, ...]:
    """For each number-shaped token, the text that ends with it (wording and all)."""
    starts = [m.start() for m in _RUN.finditer(text)]
    spans = [m.span() for m in _run_matches(_DIGITS, text, starts)][:MAX_CANDIDATES]
    spans += [m.span() for m in _prefixed(text, starts)
              if m.group(0)[:3].upper() in _PREFIX_SET or m.group(0)[:2].upper() in _PREFIX_SET
              ][:MAX_CANDIDATES]
    return tuple(text[max(0, start - _WINDOW): end] for start, end in sorted(spans))


def _ending(pattern: re.Pattern[str], window: str) -> str | None:
    """Group 1 of a match of `pattern` that ends exactly at the end of `window`."""
    for match in pattern.finditer(window):
        if match.end(1) == len(window):
            return match.group(1)
    return None


def charity_numbers(text: str) -> list[str]:
    """Charity numbers, normalised: `1123456`, `1123456-1`, `SC012345`, `NIC123456`."""
    found: list[str] = []
    for window in _windows(text):
        for pattern in (_CHARITY_SC, _CHARITY_NI, _CHARITY_EW):
            number = _ending(pattern, window)
            if number:
                found.append(number.replace(" ", "").upper())
                break
    return list(dict.fromkeys(found))


def company_numbers(text: str, exclude: list[str] | None = None) -> list[str]:
    """Companies House numbers, 8 characters (`01234567`, `SC123456`), from their wording.

    Numbers already read as charity numbers are excluded: "charity no. SC012345" is not a company.
    """
    skip = set(exclude or ())
    found: list[str] = []
    for window in _windows(text):
        number = _ending(_COMPANY, window)
        if not number:
            continue
        raw = number.replace(" ", "").upper()
        if raw in skip:
            continue
        if raw.isdigit():
            raw = raw.zfill(8)
        if len(raw) == 8:
            found.append(raw)
    return list(dict.fromkeys(found))


_CIC_SELF = re.compile(
    r"(?<![\w])(?:CIC|community\s{1,3}interest\s{1,3}company)\s{0,3}(?:number|no\.?|reg)|"
    r"(?<![\w])(?:is|are|as)\s{1,3}an?\s{1,3}(?:registered\s{1,3})?community\s{1,3}interest\s{1,3}company",
    re.I)


def is_cic(text: str, name: str | None = None, footer: str = "") -> bool:
    """A Community Interest Company: "CIC" (or its long form) in the organisation's name or its
    footer, or the text saying so of itself ("CIC number", "we are a community interest
    company"). A CIC merely named in the body (a partner) does not count."""
    return bool(_CIC.search(name or "") or _CIC.search(footer) or (_may_say_cic(text)
                                                                    and _CIC_SELF.search(text)))


def _may_say_cic(text: str) -> bool:
    """Cheap pre-check: `_CIC_SELF` needs "cic", or "community" and "interest" (its search tries
    every position, and "interest" alone is a common word). lower() stands in for IGNORECASE
    unless the text holds a look-alike it does not fold (`contacts.has_case_exotics`); such
    text gets small regexes."""
    if not has_case_exotics(text):  # lower() is then exactly IGNORECASE on these ASCII words
        low = text.lower()
        return "cic" in low or ("interest" in low and "community" in low)
    return _CIC_WORD.search(text) is not None or (
        _INTEREST_WORD.search(text) is not None and _COMMUNITY_WORD.search(text) is not None)


_CIC_WORD = re.compile(r"cic", re.I)
_INTEREST_WORD = re.compile(r"interest", re.I)
_COMMUNITY_WORD = re.compile(r"community", re.I)
