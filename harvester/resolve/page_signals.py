"""A page's classification signals as compact JSON, and back: what outlives the page body.

Storage keeps one digest per page (an OrganisationFact "page_signals") so an organisation's
sector and domain areas can be recomputed later without the page bodies. Pure: no session; the
writer is `store_page.py`, the reader `recompute.py`.
"""

from __future__ import annotations

import json
from typing import Any

from harvester.extract.facts import PageFacts
from harvester.resolve.value_limits import MAX_VALUE_BYTES

SIGNALS_FIELD = "page_signals"  # the OrganisationFact field the digest is stored under
_SIGNALS_MAX_CHARS = MAX_VALUE_BYTES  # ASCII JSON: one byte a character


def signals_digest(facts: PageFacts) -> str:
    """What recompute_organisation needs of a page once its body is gone, as compact JSON."""
    digest: dict[str, Any] = {
        "n": facts.name[:100] if facts.name else None, "ns": facts.name_source, "st": facts.schema_type,
        "ch": sorted(set(facts.charity_numbers)), "co": sorted(set(facts.company_numbers)),
        "cic": bool(facts.is_cic),
        "sw": {k: sorted(v)[:6] for k, v in sorted((facts.sector_words or {}).items()) if v},
        "kh": {k: list(v)[:6] for k, v in sorted((facts.keyword_hits or {}).items()) if v},
        "ds": {k: round(float(v), 2) for k, v in sorted((facts.domain_scores or {}).items())},
    }
    def encode() -> str:
        return json.dumps(digest, sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    text = encode()
    while len(text) > _SIGNALS_MAX_CHARS and digest["kh"]:
        weakest = min(digest["kh"], key=lambda a: (digest["ds"].get(a, 0.0), a))
        digest["kh"].pop(weakest)
        digest["ds"].pop(weakest, None)
        text = encode()
    if len(text) > _SIGNALS_MAX_CHARS:  # only a monstrous name or list of numbers gets here
        digest.update(sw={}, ch=digest["ch"][:3], co=digest["co"][:3])
        text = encode()
    return text


def page_from_digest(url: str, value: str) -> PageFacts | None:
    """The signals `signals_digest` kept, as PageFacts again; None for a value that is not one."""
    try:
        d = json.loads(value)
    except ValueError:
        return None
    if not isinstance(d, dict):
        return None
    return PageFacts(url=url, name=d.get("n"), name_source=d.get("ns"), schema_type=d.get("st"),
                     charity_numbers=list(d.get("ch") or []), company_numbers=list(d.get("co") or []),
                     is_cic=bool(d.get("cic")), sector_words=dict(d.get("sw") or {}),
                     keyword_hits=dict(d.get("kh") or {}), domain_scores=dict(d.get("ds") or {}))
