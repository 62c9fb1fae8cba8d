"""The plain rows the snowball reads from the database: an organisation's columns, a contact, activity.

Shared by the pure scoring modules and by the queries that fill them, so that the pure modules
need not import the queries.
"""

from __future__ import annotations

from dataclasses import dataclass

# (groups run/hosted/sponsored, their recent events, role -> groups); (id, kind, value, person, role)
Activity = tuple[int, int, dict[str, int]]
ContactRow = tuple[int, str, str, str | None, str | None]


@dataclass(slots=True)
class _Org:
    id: int
    name: str
    kind: str
    domain: str | None
    sector: str
    status: str
    cluster_id: str | None
    postcode: str | None
    in_cluster: bool | None
    city: str | None
    wave: int | None
