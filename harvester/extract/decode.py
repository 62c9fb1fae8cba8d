"""Bytes to text for HTML pages: the Content-Type charset, then the page's own <meta>, then detection.

Never raises: a page whose declared charset is unknown or wrong still decodes (undecodable bytes
become U+FFFD), because one badly labelled page must not stop a harvest.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

# Only the start of a document may declare its charset (the HTML spec prescans 1024 bytes;
# we look a little further because some builders put long comments first).
_PRESCAN_BYTES = 4096
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", re.I)
_META_CHARSET = re.compile(
    rb"<meta[^>]{0,300}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{1,40})", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _lookup(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'"))
    except (LookupError, ValueError):
        return None
    # Browsers treat ISO-8859-1 and ASCII labels as windows-1252 (a superset); so do we.
    if codec.name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return codec.name


def header_charset(headers: Mapping[str, str] | None) -> str | None:
    """The charset named by a Content-Type header, if it names a known codec."""
    if not headers:
        return None
    for key, value in headers.items():
        if str(key).lower() == "content-type":
            match = _HEADER_CHARSET.search(str(value))
            return _lookup(match.group(1)) if match else None
    return None


def meta_charset(body: bytes) -> str | None:
    """The charset a page declares in `<meta charset>` or `<meta http-equiv=Content-Type>`."""
    head = body[:_PRESCAN_BYTES]
    if b"charset" not in head.lower():
        return None  # the pattern needs the word; the search alone would try every position
    match = _META_CHARSET.search(head)
    if not match:
        return None
    return _lookup(match.group(1).decode("ascii", "ignore"))


def decode_html(body: bytes, headers: Mapping[str, str] | None = None) -> str:
    """Decode an HTML body; see the module docstring for the order of evidence."""
    return decode_html_codec(body, headers)[0]


def decode_html_codec(body: bytes, headers: Mapping[str, str] | None = None) -> tuple[str, str]:
    """`decode_html`, and the codec that decoded the text ("utf-8": the body is the UTF-8 of
    the text, byte for byte, so a parser can be handed the body itself)."""
    if not body:
        return "", "utf-8"
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, errors="replace"), codec
    utf8 = _strict(body, "utf-8")
    for declared in (header_charset(headers), meta_charset(body)):
        if declared:
            if declared in _SINGLE_BYTE and utf8 is not None and not body.isascii():
                return utf8, "utf-8"  # valid UTF-8 labelled Latin-1/ASCII: a common mislabel
            # Labelled UTF-8 (most pages): the body was decoded as UTF-8 above, not again here.
            text = utf8 if declared == "utf-8" else _strict(body, declared)
            if text is not None:
                return text, declared
            # a wrong label: fall through to the next source of evidence
    if utf8 is not None:
        return utf8, "utf-8"
    return _detect(body), "detected"


# Labels for which any byte sequence decodes, so a wrong one never fails by itself.
_SINGLE_BYTE = frozenset({"cp1252", "iso8859-15", "cp1250", "iso8859-2", "mac-roman"})
_MULTI_BYTE_HINTS = ("utf", "shift", "euc", "gb", "big5", "cp932", "cp949", "cp950", "iso2022", "johab",
                     "hz")


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(body: bytes) -> str:
    """No usable label and not UTF-8. An unlabelled single-byte page from a UK site is nearly always
    windows-1252, and statistical detection often mistakes it for another Latin code page (Welsh
    and French accents look Polish to it), so detection is only trusted for multi-byte encodings or
    bytes that windows-1252 cannot hold."""
    western = _strict(body, "cp1252")
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:200_000]).best()
        encoding = (best.encoding or "").lower() if best is not None else ""
    except Exception:  # noqa: BLE001 - detection is best effort
        encoding = ""
    if encoding and (western is None or any(h in encoding.replace("_", "") for h in _MULTI_BYTE_HINTS)):
        text = _strict(body, encoding)
        if text is not None:
            return text
    return western if western is not None else body.decode("cp1252", errors="replace")
