"""The snowball's weights: per-feature and per-relation-kind numbers and thresholds, read from harvester.toml.

Apart from the scoring so that a researcher's `[snowball]` table is validated in one place, and so
that the settings can be loaded (by the CLI) without running a proposal.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from harvester.errors import BadInput
from harvester.models import SECTOR_GROUPS

KIND_WEIGHTS: dict[str, float] = {
    "referral": 4.0,
    "funder": 2.0, "partner": 2.0, "sponsor": 2.0, "member_of": 2.0, "client": 2.0,
    "hosts_event": 1.5, "organises": 1.5, "venue": 1.5,
    "links_to": 1.0,
}


@dataclass
class Weights:
    """Feature weights and thresholds; defaults documented in the harvester.snowball docstring and README."""

    co_link: float = 1.0
    bridging: float = 1.0
    balance: float = 1.0
    locality: float = 0.5
    activity: float = 0.5
    contactability: float = 0.5
    weak_threshold: int = 2
    recent_days: int = 365
    saturation_new: int = 5  # fewer new organisations than this in the last harvest ...
    saturation_known: float = 0.8  # ... and at least this share of proposals known => saturated
    kinds: dict[str, float] = field(default_factory=lambda: dict(KIND_WEIGHTS))
    target_shares: dict[str, float] = field(default_factory=dict)  # sector -> share; empty = equal

    FEATURES = ("co_link", "bridging", "balance", "locality", "activity", "contactability")

    @classmethod
    def load(cls, path: Path | None = None, *, env: dict[str, str] | None = None) -> Weights:
        """Defaults overridden by the `[snowball]` table of harvester.toml (or HARVESTER_CONFIG)."""
        env = os.environ if env is None else env
        path = path or Path(env.get("HARVESTER_CONFIG", "harvester.toml"))
        if not path.is_file():
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise BadInput(f"{path}: not valid TOML: {exc}") from exc
        return cls.from_dict(data.get("snowball", {}), source=str(path))

    @classmethod
    def from_dict(cls, values: dict[str, Any], *, source: str = "settings") -> Weights:
        """Weights from a mapping like the [snowball] table; unknown or negative values refused."""
        known = {f.name: f for f in fields(cls)}
        weights = cls()
        for key, raw in values.items():
            if key not in known:
                raise BadInput(f"{source}: unknown [snowball] setting {key!r}; known: {', '.join(known)}")
            if key in ("kinds", "target_shares"):
                if not isinstance(raw, dict):
                    raise BadInput(f"{source}: [snowball.{key}] must be a table of name = number")
                valid = set(KIND_WEIGHTS) if key == "kinds" else {s.value for s in SECTOR_GROUPS}
                table = dict(getattr(weights, key))
                for name, number in raw.items():
                    if name not in valid:
                        raise BadInput(f"{source}: [snowball.{key}] unknown name {name!r}; "
                                       f"known: {', '.join(sorted(valid))}")
                    table[name] = _number(number, f"{source}: [snowball.{key}] {name}")
                setattr(weights, key, table)
                continue
            number = _number(raw, f"{source}: [snowball] {key}")
            setattr(weights, key, int(number) if isinstance(getattr(weights, key), int) else number)
        return weights


def _number(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw < 0:
        raise BadInput(f"{where}: {raw!r} must be a number >= 0")
    return float(raw)
