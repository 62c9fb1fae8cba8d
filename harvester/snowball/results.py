"""What a proposal returns: the proposal, its candidates, their contacts and the saturation judgement.

Plain dataclasses with their stable JSON shape (DESIGN.md), apart so that the pure scoring modules
and the queries can build them without importing the proposal itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class ProposedContact:
    kind: str
    value: str
    person_name: str | None
    role: str | None
    contact_id: int | None
    quality: str = ""  # person_email | person | role_address | other_address | generic_address | phone

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "person_name": self.person_name,
                "role": self.role}

    def label(self) -> str:
        who = ", ".join(x for x in (self.person_name, self.role) if x)
        if self.kind == "person" or not who or self.value == self.person_name:
            return who or self.value
        return f"{who} <{self.value}>"


@dataclass
class Candidate:
    rank: int
    organisation_id: int
    name: str
    domain: str | None
    sector: str
    cluster: str | None
    score: float
    features: dict[str, float]
    why: str
    contact: ProposedContact | None
    domain_areas: list[str]
    weak: bool
    reconsider: bool
    outside_cluster: bool
    quota: str | None
    wave: int = 1
    pointers: int = 0  # distinct included organisations pointing at it
    deferred: bool = False

    def to_json(self) -> dict[str, Any]:
        """The stable `propose --json` element (DESIGN.md), extra fields after."""
        return {
            "rank": self.rank, "organisation_id": self.organisation_id, "name": self.name,
            "domain": self.domain, "sector": self.sector, "cluster": self.cluster,
            "score": self.score, "features": dict(self.features), "why": self.why,
            "contact": self.contact.to_json() if self.contact else None,
            "domain_areas": list(self.domain_areas), "weak": self.weak, "reconsider": self.reconsider,
            "outside_cluster": self.outside_cluster, "quota": self.quota, "wave": self.wave,
            "pointers": self.pointers, "deferred": self.deferred,
        }


@dataclass
class RunFinds:
    run_id: int
    started_at: datetime | None
    new_organisations: int
    new_relations: int


@dataclass
class Saturation:
    """Is the snowball still finding new organisations? Judged on the last harvest and proposal."""

    wave: int
    last_run_id: int | None
    new_organisations: int | None
    new_relations: int | None
    proposals: int
    known: int
    known_share: float
    saturated: bool
    message: str
    history: list[RunFinds] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"wave": self.wave, "last_run_id": self.last_run_id,
                "new_organisations": self.new_organisations, "new_relations": self.new_relations,
                "proposals": self.proposals, "known": self.known, "known_share": self.known_share,
                "saturated": self.saturated, "message": self.message,
                "history": [{"run_id": h.run_id, "started_at": h.started_at,
                             "new_organisations": h.new_organisations, "new_relations": h.new_relations}
                            for h in self.history]}


@dataclass
class Proposal:
    cluster: str | None
    wave: int
    candidates: list[Candidate]
    weak: list[Candidate]
    saturation: Saturation
    included: int = 0
    communities: list[str] = field(default_factory=list)
