"""Structured data: schema.org JSON-LD (with @graph and nesting) and microdata.

`jsonld_nodes` and `microdata_nodes` read the page's lxml tree and return every schema.org node
as a flat list of dicts with a normalised `@type` list, so callers can ask for the Organization,
the Persons or the PostalAddress without caring how the page nested them. Broken JSON (common:
trailing commas, raw newlines, HTML comments around the script) is skipped, never raised.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from lxml import etree

from harvester.plain_text import drop_text_controls

MAX_NODES = 2000  # per page; a hostile page cannot make us walk forever
MAX_DEPTH = 20

# schema.org Organization subtypes we expect on organisation sites (LocalBusiness has hundreds of
# subtypes, so anything ending in these words counts too; see `is_org_type`).
ORG_TYPES = frozenset({
    "Organization", "Corporation", "NGO", "GovernmentOrganization", "EducationalOrganization",
    "CollegeOrUniversity", "ResearchOrganization", "LocalBusiness", "ProfessionalService",
    "PerformingGroup", "MusicGroup", "TheaterGroup", "DanceGroup", "Museum", "LibrarySystem",
    "Library", "NewsMediaOrganization", "SportsOrganization", "SportsTeam", "MedicalOrganization",
    "VeterinaryCare", "Consortium", "FundingScheme", "OnlineBusiness", "Cooperative",
    "WorkersUnion", "PoliticalParty", "Project", "FundingAgency", "ResearchProject",
    "LegalService", "Store", "AnimalShelter", "School", "HighSchool", "MiddleSchool",
    "ElementarySchool", "Preschool", "ArtGallery", "AdministrativeArea", "GovernmentOffice",
    "CivicStructure", "EventVenue", "MovieTheater", "Church", "PlaceOfWorship",
})
_ORG_SUFFIXES = ("Organization", "Business", "Service", "Store", "Agency", "Group", "Office")

# C0/C1 controls but tab, newline and CR: the page's text loses them before parsing, but a JSON
# string can still spell them as escapes ("\u001b", "\u0000"). Kept, an ESC in a name would drive a
# researcher's terminal (`export organisations` prints to it) and a NUL is refused by PostgreSQL.
_CONTROL_IN_JSON = re.compile(r"\\u00(?:[0189][0-9a-fA-F]|7[fF])|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def without_controls(value: Any) -> Any:
    """Decoded JSON with control characters removed from every string (keys included)."""
    if isinstance(value, str):
        return drop_text_controls(value)
    if isinstance(value, dict):
        return {without_controls(k): without_controls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_controls(v) for v in value]
    return value


def loads_clean(text: str, *, strict: bool = True) -> Any:
    """`json.loads`, then control characters out of its strings; the walk runs only when the text
    holds a control character or an escape that could spell one (rare on real pages)."""
    data = json.loads(text, strict=strict)
    if not _CONTROL_IN_JSON.search(text):
        return data
    try:
        return without_controls(data)
    except RecursionError:  # nested deeper than the walk can go: treated as broken JSON
        raise json.JSONDecodeError("nested too deep", text, 0) from None


def _types(node: dict[str, Any]) -> list[str]:
    raw = node.get("@type") or node.get("type") or []
    if isinstance(raw, str):
        raw = [raw]
    out = []
    for t in raw if isinstance(raw, list) else []:
        if isinstance(t, str):
            out.append(t.rsplit("/", 1)[-1].rsplit("#", 1)[-1].strip())
    return out


def is_org_type(types: list[str]) -> bool:
    return any(t in ORG_TYPES or t.endswith(_ORG_SUFFIXES) for t in types)


def _walk(value: Any, out: list[dict[str, Any]], depth: int = 0) -> None:
    if depth > MAX_DEPTH or len(out) >= MAX_NODES:
        return
    if isinstance(value, list):
        for item in value[:MAX_NODES]:
            _walk(item, out, depth + 1)
    elif isinstance(value, dict):
        types = _types(value)
        if types:
            node = dict(value)
            node["@type"] = types
            out.append(node)
        for child in value.values():
            if isinstance(child, dict | list):
                _walk(child, out, depth + 1)


_LD_TYPE = re.compile(r"^\s*application/ld\+json", re.I)
_COMMENT = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[)|(?:-->|//\s*\]\]>)\s*$")


def jsonld_nodes(scripts: Iterable[Any]) -> list[dict[str, Any]]:
    """Every typed node of every JSON-LD block, @graph and nested nodes included. `scripts` is
    the page's <script> elements (lxml)."""
    nodes: list[dict[str, Any]] = []
    for script in scripts:
        kind = script.get("type")
        if not kind or not _LD_TYPE.match(kind):
            continue
        text = _COMMENT.sub("", script.text or "").strip()
        if not text:
            continue
        try:
            data = loads_clean(text, strict=False)
        except (ValueError, RecursionError):
            continue
        try:
            _walk(data, nodes)
        except RecursionError:
            continue
    return nodes


def _itemprop_value(tag: Any) -> str:
    for attr in ("content", "href", "src", "datetime"):
        value = tag.get(attr)
        if value and value.strip():
            return value.strip()
    return " ".join(" ".join(tag.itertext()).split())


def _owner(tag: Any) -> Any:
    for depth, node in enumerate(tag.iterancestors()):
        if depth >= MAX_DEPTH * 3:
            return None
        if node.get("itemtype") is not None:
            return node
    return None


_ITEMTYPES = etree.XPath("//*[@itemtype]")
_ITEMPROPS = etree.XPath("//*[@itemprop]")


def microdata_nodes(root: Any) -> list[dict[str, Any]]:
    """Each itemscope with a schema.org itemtype, as a dict of its own itemprops: text values as
    strings, nested items as dicts. `root` is the page's lxml root element."""
    scopes: dict[Any, dict[str, Any]] = {}
    nodes: list[dict[str, Any]] = []
    for tag in _ITEMTYPES(root):
        if len(nodes) >= MAX_NODES:
            break
        types = [t.rsplit("/", 1)[-1] for t in tag.get("itemtype").split() if "schema.org" in t]
        if types:
            node: dict[str, Any] = {"@type": types}
            scopes[tag] = node
            nodes.append(node)
    if not nodes:
        return nodes
    for tag in _ITEMPROPS(root):
        owner = _owner(tag)
        node = scopes.get(owner) if owner is not None else None
        if node is None:
            continue
        value: Any = scopes.get(tag) or _itemprop_value(tag)
        for name in tag.get("itemprop").split():
            node.setdefault(name, value)
    return nodes


def text_of(value: Any) -> str | None:
    """A JSON-LD value as one string: first of a list, `name`/`@value` of an object."""
    if isinstance(value, list):
        for item in value:
            found = text_of(item)
            if found:
                return found
        return None
    if isinstance(value, dict):
        return text_of(value.get("name") or value.get("@value") or value.get("url") or value.get("@id"))
    if isinstance(value, str | int | float) and str(value).strip():
        return " ".join(str(value).split())
    return None


def strings_of(value: Any) -> list[str]:
    """All string leaves of a JSON-LD value (for sameAs, email, telephone lists)."""
    if isinstance(value, list):
        return [s for item in value for s in strings_of(item)]
    if isinstance(value, dict):
        found = text_of(value)
        return [found] if found else []
    if isinstance(value, str) and value.strip():
        return [value.strip()]
    return []


def address_text(value: Any) -> str | None:
    """A PostalAddress (or a plain string) as one line."""
    if isinstance(value, list):
        for item in value:
            found = address_text(item)
            if found:
                return found
        return None
    if isinstance(value, str):
        return " ".join(value.split()) or None
    if isinstance(value, dict):
        parts = [text_of(value.get(k)) for k in ("streetAddress", "addressLocality", "addressRegion",
                                                  "postalCode", "addressCountry")]
        line = ", ".join(p for p in parts if p)
        return line or None
    return None
