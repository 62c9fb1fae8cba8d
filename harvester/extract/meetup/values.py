"""Tolerant readers of Meetup JSON: one value out of any source's shape, or None.

Apart because every surface (gql-ext, legacy gql, Apollo state, REST v3, JSON-LD, DOM) names and
nests the same value differently: a count may be a string, a list a GraphQL connection, a key
carry arguments (`events({...})`). These read them all alike and never raise.
"""

from __future__ import annotations

import re
from typing import Any


def as_int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value)
    m = re.search(r"\d[\d,.]*", str(value))
    return int(re.sub(r"[,.]", "", m.group(0))) if m else None


def as_float(value: Any) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


def as_str(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def first(*values: Any) -> Any:
    for v in values:
        if v is not None and v != "":
            return v
    return None


def get_key(obj: Any, name: str) -> Any:
    """obj[name], or the value of an argument-bearing key such as `events({...})`."""
    if not isinstance(obj, dict):
        return None
    if name in obj:
        return obj[name]
    prefix = name + "("
    for key, value in obj.items():
        if key.startswith(prefix):
            return value
    return None


def get_path(obj: Any, *names: str) -> Any:
    for name in names:
        obj = get_key(obj, name)
        if obj is None:
            return None
    return obj


def nodes(conn: Any) -> list[Any]:
    """Nodes of a connection (`edges[].node`), or the items of a plain list."""
    if isinstance(conn, list):
        return [x for x in conn if x is not None]
    if not isinstance(conn, dict):
        return []
    edges = conn.get("edges")
    if isinstance(edges, list):
        return [e.get("node") if isinstance(e, dict) and "node" in e else e for e in edges if e]
    nodes = conn.get("nodes")
    return [x for x in nodes if x] if isinstance(nodes, list) else []


def country_code(value: Any) -> str | None:
    text = as_str(value)
    return text.lower() if text else None
