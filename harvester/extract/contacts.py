"""Emails, UK phone numbers and UK postcodes from a page's links and visible text.

Pure string functions; `page.py` feeds them the mailto/tel hrefs and the visible text.

- Emails: mailto links (percent- and entity-encoded, `?subject=` dropped), plain text, the common
  obfuscations ("name [at] domain [dot] org", "name (at) domain", and "name at domain dot org"
  only right after an email-like word) and Cloudflare's email protection. HTML comments are not
  read: they are not published text (authors park old or private addresses there).
- Junk dropped: image names (logo@2x.png), example/placeholder domains (you@domain.com),
  error-reporting and builder addresses (sentry, wixpress).
- Phones: UK only, normalised to E.164. A national number must be written with its trunk 0 (or
  +44 / 0044), so a bare 10-digit Indian or US number is never read as British.
- Postcodes: the UK format, upper case, normalised to "BS1 5TX"; a postcode glued to a further
  letter or digit ("CB1 2ABX") is rejected.
All patterns use bounded quantifiers and the email scan only looks around '@' signs, so time
stays linear on hostile pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

import phonenumbers

# ---------------------------------------------------------------- emails

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,64}(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,64}){0,8}"
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,6}[A-Za-z]{2,24}"
_EMAIL_FULL = re.compile(rf"^{_LOCAL}@{_DOMAIN}$")
_LOCAL_REVERSED = re.compile(r"[A-Za-z0-9._%+'-]{1,64}")
# '@' first (a literal the regex engine finds in C), then the character before it.
_AT_CANDIDATE = re.compile(r"@(?<=[A-Za-z0-9._%+'-]@)(?=[A-Za-z0-9])")
_GLUED_TLD = re.compile(r"(\.[a-z]{2,24})[A-Z][A-Za-z]{0,23}$")
_DOMAIN_HEAD = re.compile(rf"{_DOMAIN}(?![A-Za-z0-9-])")
# How many plausible '@' signs (a domain after them) one page may have read: far above any real
# page, a ceiling for hostile ones.
MAX_AT_SIGNS = 20_000

_BRACKET_AT = re.compile(r"\s{0,3}[\[({<]\s{0,2}(?:at|@)\s{0,2}[\])}>]\s{0,3}", re.I)
_BRACKET_DOT = re.compile(r"\s{0,3}[\[({<]\s{0,2}(?:dot|\.)\s{0,2}[\])}>]\s{0,3}", re.I)
_BRACKET_AT_CORE = re.compile(r"[\[({<]\s{0,2}(?:at|@)\s{0,2}[\])}>]", re.I)
_BRACKET_DOT_CORE = re.compile(r"[\[({<]\s{0,2}(?:dot|\.)\s{0,2}[\])}>]", re.I)
# Either core: one scan of the text settles the pages with neither (nearly all).
_BRACKET_CORE = re.compile(r"[\[({<]\s{0,2}(?:at|@|dot|\.)\s{0,2}[\])}>]", re.I)
_SPELLED_HINT = re.compile(r"\sat\s", re.I)  # what every _SPELLED match contains
_SPELLED_WORDS = ("mail", "bost", "contact", "write")  # and one of these
# "name at domain dot org": only after a word that says an address follows.
_SPELLED = re.compile(
    r"(?:e-?mail|ebost|e-bost|contact|write\s{1,3}to)[^\n]{0,40}?\b([A-Za-z0-9._-]{1,64})\s{1,3}at\s{1,3}"
    r"([A-Za-z0-9-]{1,63}(?:\s{1,3}dot\s{1,3}[A-Za-z0-9-]{1,63}){1,4})\b", re.I)

_IMAGE_TAIL = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|bmp|ico|tiff?|avif|css|js|woff2?)$", re.I)
PLACEHOLDER_DOMAINS = frozenset({
    "example.com", "example.org", "example.net", "example.co.uk", "domain.com", "yourdomain.com",
    "your-domain.com", "mydomain.com", "company.com", "yourcompany.com", "email.com", "test.com",
    "website.com", "yoursite.com", "mysite.com", "sample.com", "address.com",
})
# Error trackers and site builders put their own addresses in every page they serve.
SERVICE_DOMAINS = frozenset({
    "sentry.io", "sentry-next.wixpress.com", "wixpress.com", "sentry.wixpress.com",
    "ingest.sentry.io", "o1.ingest.sentry.io", "wordpress.com", "squarespace.com", "zohosites.com",
})
PLACEHOLDER_LOCALS = frozenset({
    "you", "your", "yourname", "your.name", "your-name", "name", "user", "username", "someone",
    "email", "youremail", "your.email", "john.doe", "jane.doe", "johndoe", "janedoe",
    "firstname.lastname", "first.last", "firstname", "test",
})


def _clean_email(candidate: str) -> str | None:
    email = candidate.strip().strip(".,;:'\"<>()[]").lower()
    if len(email) > 254 or not _EMAIL_FULL.match(email):
        return None
    local, _, domain = email.rpartition("@")
    if _IMAGE_TAIL.search(email) or re.search(r"@\d+x\.", email):
        return None  # logo@2x.png and friends
    if local in PLACEHOLDER_LOCALS:
        return None
    parts = domain.split(".")
    for i in range(len(parts) - 1):
        suffix = ".".join(parts[i:])
        if suffix in PLACEHOLDER_DOMAINS or suffix in SERVICE_DOMAINS:
            return None
    if parts[0] in ("example", "sentry") or domain.endswith((".example", ".invalid", ".test", ".local")):
        return None
    if re.fullmatch(r"[0-9a-f]{24,}", local):
        return None  # hashes (error-tracker keys)
    return email


def email_from_mailto(href: str) -> list[str]:
    """Addresses in a mailto href: percent-decoded, query (?subject=...) dropped."""
    value = href.strip()
    if value[:7].lower() != "mailto:":
        return []
    value = unquote(value[7:].split("?", 1)[0])
    return [e for e in (_clean_email(p) for p in re.split(r"[,;]", value)) if e]


def deobfuscate(text: str) -> str:
    """Turn "name [at] domain [dot] org" and "name (at) domain" into plain addresses."""
    low = text.lower()
    if "at" not in low and "@" not in text:
        return text
    # The subs start with optional spaces, so they try every position: look for the core first.
    bracketed = _BRACKET_CORE.search(text) is not None
    if bracketed:
        if _BRACKET_AT_CORE.search(text):
            text = _BRACKET_AT.sub("@", text)
        if _BRACKET_DOT_CORE.search(text):
            text = _BRACKET_DOT.sub(".", text)

    def spelled(m: re.Match[str]) -> str:
        domain = re.sub(r"\s{1,3}dot\s{1,3}", ".", m.group(2), flags=re.I)
        return m.group(0)[: m.start(1) - m.start(0)] + f" {m.group(1)}@{domain} "

    # The sub tries every position: first the words every match holds (lower-cased text: the
    # same letters IGNORECASE matches, bar exotic look-alikes such as a dotless ı), then " at ".
    if not any(word in low for word in _SPELLED_WORDS) or not _SPELLED_HINT.search(text):
        return text
    starts = spelled_starts(text, None if bracketed else low)  # a sub may have changed the text
    if starts is None:
        return _SPELLED.sub(spelled, text)
    # The same matches as the sub: a match can only begin where its wording does, so it is
    # tried at those places alone, leftmost first and never overlapping.
    pieces: list[str] = []
    done = 0
    for start in starts:
        if start < done:
            continue
        match = _SPELLED.match(text, start)
        if match:
            pieces += [text[done:match.start()], spelled(match)]
            done = match.end()
    return "".join(pieces) + text[done:] if pieces else text


# Characters that IGNORECASE matches with an ASCII letter but lower() does not turn into it; the
# dotted capital I is also the one character whose lower-case form is longer (indices shift).
CASE_EXOTICS = "\u0130\u0131\u017f\u212a"


def has_case_exotics(text: str) -> bool:
    """Can `text.lower()` disagree with IGNORECASE on ASCII words, or misplace their offsets?"""
    return not text.isascii() and any(c in text for c in CASE_EXOTICS)


def spelled_starts(text: str, low: str | None = None) -> list[int] | None:
    """Every offset where `_SPELLED` can begin, in order: "e-mail"/"email", "ebost"/"e-bost"
    (the 'e' before "mail"/"bost"), "contact", "write". None when lower() cannot stand in for
    IGNORECASE (see `has_case_exotics`). `low`: `text.lower()`, when the caller has it."""
    if has_case_exotics(text):
        return None
    if low is None:
        low = text.lower()
    starts: set[int] = set()
    for word, back in (("mail", (1, 2)), ("bost", (1, 2)), ("contact", (0,)), ("write", (0,))):
        at = low.find(word)
        while at != -1:
            starts.update(at - b for b in back if at - b >= 0)
            at = low.find(word, at + 1)
    return sorted(starts)


def emails_in_text(text: str) -> list[str]:
    """Addresses written in text (after de-obfuscation).

    Only '@' signs between an address character and a letter or digit are looked at; for each,
    the domain after it is checked first (cheap to fail), then the local part is read backwards.
    Linear in the text, and at most MAX_AT_SIGNS plausible signs are examined per page.
    """
    text = deobfuscate(text)
    if "@" not in text:
        return []
    found: list[str] = []
    examined = 0
    for at in _AT_CANDIDATE.finditer(text):
        pos = at.start()
        domain = _DOMAIN_HEAD.match(text, pos + 1, pos + 256)
        if not domain:
            continue
        examined += 1
        if examined > MAX_AT_SIGNS:
            break
        local = _LOCAL_REVERSED.match(text[max(pos - 64, 0):pos][::-1])
        if not local:
            continue
        # Inline elements run together ("...gov.ukEmail the clerk"): a TLD that turns from
        # lower to upper case ends at the turn.
        host = _GLUED_TLD.sub(r"\1", domain.group(0))
        email = _clean_email(f"{local.group(0)[::-1].lstrip('.')}@{host}")
        if email:
            found.append(email)
    return list(dict.fromkeys(found))


def decode_cfemail(hexstr: str) -> str | None:
    """Cloudflare email protection: the first byte is the XOR key of the rest."""
    hexstr = hexstr.strip()
    if not re.fullmatch(r"(?:[0-9a-fA-F]{2}){2,200}", hexstr):
        return None
    data = bytes.fromhex(hexstr)
    try:
        decoded = bytes(b ^ data[0] for b in data[1:]).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return _clean_email(decoded)


def clean_emails(candidates: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(e for e in (_clean_email(c) for c in candidates) if e))


# ---------------------------------------------------------------- phones

# A UK number as people write it: +44 / 0044 / (0), or a national number starting with 0,
# then 9-10 more digits with spaces, dots, hyphens or brackets between them.
# Each alternative starts with its literal first character and then checks the one before it
# (the same matches as a leading look-behind), so the engine jumps between '+', '0' and '('.
_PHONE = re.compile(
    r"(?:\+(?<![\w+/=.-]\+)\s?44\s?(?:\(0\)\s?)?|0(?<![\w+/=.-]0)044\s?|\((?<![\w+/=.-]\()0|0(?<![\w+/=.-]0))"
    r"\d[\d \u00a0\u2009().-]{7,18}\d(?![\d/])")
_SEPARATORS = re.compile(r"[^\d+]")
MAX_PHONE_CANDIDATES = 3000  # distinct number-shaped runs read per page: far above any real page


def uk_phone(raw: str) -> str | None:
    """E.164 for a valid UK number written in a UK way, else None."""
    digits = _SEPARATORS.sub("", raw.replace("(0)", ""))
    if digits.startswith("0044"):
        digits = "+44" + digits[4:]
    if not (digits.startswith("+44") or digits.startswith("0")):
        return None  # no trunk 0 and no +44: not a UK way of writing a number
    if digits.startswith("+") and not digits.startswith("+44"):
        return None
    national = digits[3:] if digits.startswith("+44") else digits[1:]
    if not 9 <= len(national) <= 10:
        return None
    try:
        number = phonenumbers.parse("+44" + national, None)
    except phonenumbers.NumberParseException:
        return None
    # Valid for GB's own numbering plan: the same as "valid, and the region is GB" (+44 is shared
    # with Jersey, Guernsey and Man, and GB is tried first), without finding the region twice.
    if not phonenumbers.is_valid_number_for_region(number, "GB"):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_from_tel(href: str) -> str | None:
    """A tel: href's number if it is a UK number (bare digits without a trunk 0 are not)."""
    value = unquote(href.strip()[4:]).split(";", 1)[0].split("?", 1)[0]
    return uk_phone(value)


def phones_in_text(text: str) -> list[str]:
    seen: dict[str, str | None] = {}  # raw run -> its number: repeats cost a look-up
    for match in _PHONE.finditer(text):
        raw = match.group(0)
        if raw not in seen:
            if len(seen) >= MAX_PHONE_CANDIDATES:
                break
            seen[raw] = uk_phone(raw)
    return list(dict.fromkeys(p for p in seen.values() if p))


# ---------------------------------------------------------------- postcodes

# Outward code: area letters (no Q, V, X first; no I, J, Z second) + district; inward: digit +
# two letters without C, I, K, M, O, V. Upper case only: lower-case look-alikes are mostly not
# postcodes. GIR 0AA is Girobank's historic code.
# The first letter comes first in the pattern (the engine skips to candidates in C), then the
# character before it is checked: the same matches as a leading look-behind.
_POSTCODE = re.compile(
    r"([A-PR-UWYZ](?<![A-Za-z0-9][A-PR-UWYZ])(?:(?<=G)IR ?0AA|(?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|"
    r"[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])[ \u00a0\n]{0,2}[0-9][ABD-HJLNP-UW-Z]{2}))"
    r"(?![A-Za-z0-9])")


def normalise_postcode(raw: str) -> str:
    compact = re.sub(r"\s", "", raw).upper()
    return f"{compact[:-3]} {compact[-3:]}"


def postcodes_in_text(text: str) -> list[str]:
    return list(dict.fromkeys(normalise_postcode(m.group(1)) for m in _POSTCODE.finditer(text)))
