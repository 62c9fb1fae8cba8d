"""The feature values of the score (co_link, balance, activity, bridging), one number each.

Pure (no Session, no I/O) and apart from the queries, so that each formula in the harvester.snowball
docstring can be read and tested on its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def co_link_value(pointer_kinds: Iterable[str], kinds: dict[str, float]) -> float:
    """log2(1 + Σ kind weight), one strongest kind per distinct included pointer."""
    return math.log2(1.0 + sum(kinds.get(k, 1.0) for k in pointer_kinds))


def balance_value(sector: str, areas: Iterable[str], sector_counts: dict[str, int],
                  area_counts: dict[str, int], n_included: int, targets: dict[str, float],
                  n_areas: int) -> tuple[float, float, str | None]:
    """(value, sector gap, best under-represented area): how much the candidate evens the sample."""
    sector_gap = 0.0
    target = targets.get(sector, 0.0)
    if target > 0:
        share = sector_counts.get(sector, 0) / n_included if n_included else 0.0
        sector_gap = max(0.0, target - share) / target
    best_area, area_gap = None, 0.0
    if n_areas:
        area_target = 1.0 / n_areas
        for area in sorted(areas):
            share = area_counts.get(area, 0) / n_included if n_included else 0.0
            gap = max(0.0, area_target - share) / area_target
            if gap > area_gap:
                best_area, area_gap = area, gap
    return sector_gap + 0.5 * area_gap, sector_gap, best_area


def activity_value(groups: int, recent_events: int) -> float:
    return math.log2(1.0 + groups + recent_events / 4.0)


def bridging_value(communities: set[int]) -> float:
    """log2 of the communities tied: 0 for one, 1 for two, 2 for four (diminishing returns)."""
    return math.log2(len(communities)) if len(communities) > 1 else 0.0
