"""What a `seed` call changed (SeedSummary), for the command's report.

Apart so store (the batch) and store_organisation (one organisation's kept status) both fill it
without a cycle between them; the `seed` command only reads it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class SeedSummary:
    """What a `seed` call changed, for the command's report."""

    clusters: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    taxonomy_areas: int = 0
    taxonomy_source: str | None = None  # a taxonomy file given in the call, else the default was used
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    memberships: int = 0
    kept_status: list[str] = field(default_factory=list)  # "name (accepted)"
    by_cluster: dict[str, Counter] = field(default_factory=dict)  # cluster -> sector -> count
