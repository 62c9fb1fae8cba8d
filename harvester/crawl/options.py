"""What a harvest is asked to do and what it reports: options, live progress and the summary.

Plain data shared by the CLI, the scheduler (`harvester.schedule`) and the loop; apart so that
callers can build options without importing the loop.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harvester.models import RunStatus


@dataclass
class HarvestOptions:
    """What `harvester harvest` was asked to do (flags beat config; see config.py for defaults)."""

    cluster: str | None = None
    replay: Path | None = None
    archive: Path | None = None
    allow_private: bool = False
    web: bool = True
    meetup: bool = True
    refresh: bool = False  # re-visit every known page now (conditional requests)
    profile_candidates: bool = True  # fetch a few pages of organisations seeds link to
    worker: str | None = None
    kind: str = "harvest"

    def as_arguments(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()
                if v not in (None, False) or k in ("web", "meetup")}


@dataclass
class Progress:
    """Live figures for a progress bar; `on_change` is called after every page."""

    done: int = 0
    queued: int = 0
    errors: int = 0
    hosts_active: int = 0
    counts: Counter = field(default_factory=Counter)
    on_change: Callable[[Progress], None] | None = None

    def changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self)


@dataclass
class HarvestSummary:
    run_id: int
    status: RunStatus
    counts: dict[str, int]
    seconds: float
