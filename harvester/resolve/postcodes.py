"""UK postcodes: one spelling ("BS1 5TX"), and whether a cluster's postcode entry covers one.

Pure string rules, apart from the database look-up that uses them (`cluster_for_postcode`), so
page storage, Meetup storage and the cluster look-up share one spelling and tests need no session.
(`extract.contacts.normalise_postcode` is the extractor's own: it spaces a postcode found in text.)
"""

from __future__ import annotations

import re

_POSTCODE = re.compile(r"^([A-Z]{1,2})(\d[A-Z\d]?)\s*(\d[A-Z]{2})?$")


def normalise_postcode(postcode: str | None) -> str | None:
    """'bs15tx' -> 'BS1 5TX', 'm50' -> 'M50'; None when it is not shaped like a UK postcode."""
    if not postcode:
        return None
    text = re.sub(r"\s+", "", postcode.upper())
    if len(text) >= 5:
        text = f"{text[:-3]} {text[-3:]}"
    match = _POSTCODE.match(text)
    if not match:
        return None
    area, district, inward = match.groups()
    return f"{area}{district} {inward}" if inward else f"{area}{district}"


def area_matches(entry: str, postcode: str) -> bool:
    """Does a cluster's postcode entry (area "M", district "M50" or sector "M50 2") cover it?"""
    outward = postcode.split(" ", 1)[0]
    area = re.match(r"[A-Z]+", outward)
    if entry.isalpha():
        return area is not None and area.group(0) == entry
    if " " in entry:
        return postcode.startswith(entry)
    return outward == entry
