"""The checked shapes of what seed files say: one organisation, one cluster, one call's batch.

Apart so the parsers, the cross-file checks and the storing code share them without importing
each other. Pure data, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harvester.models import Sector
from harvester.taxonomy import Area


@dataclass(frozen=True)
class SeedOrganisation:
    """One seed organisation as written in a file (checked)."""

    name: str
    url: str
    domain: str
    cluster: str
    source: str
    line: int
    sector: Sector | None = None
    domains: tuple[str, ...] = ()
    notes: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass
class SeedCluster:
    """One YAML cluster file (checked)."""

    id: str
    name: str
    source: str
    line: int = 1
    postcode_areas: list[str] = field(default_factory=list)
    meetup: dict[str, Any] = field(default_factory=dict)
    organisations: list[SeedOrganisation] = field(default_factory=list)


@dataclass
class SeedBatch:
    """Everything the files of one `seed` call say, checked together."""

    clusters: list[SeedCluster] = field(default_factory=list)
    csv_organisations: list[SeedOrganisation] = field(default_factory=list)
    taxonomy: list[Area] = field(default_factory=list)
    taxonomy_source: str | None = None

    def organisations(self) -> list[SeedOrganisation]:
        return [o for c in self.clusters for o in c.organisations] + self.csv_organisations
