"""A cluster's sector quotas as arithmetic: the target shares balance aims at, and what is still open.

Pure (no Session, no I/O); the quotas and the included counts are read by snowball.queries.
"""

from __future__ import annotations

from collections import Counter


def _quota_targets(quotas: dict[tuple[str, str], int], cluster: str | None) -> dict[str, float]:
    """Target shares from a cluster's quotas (only when one cluster is proposed for)."""
    if not cluster:
        return {}
    mine = {s: t for (c, s), t in quotas.items() if c == cluster and t > 0}
    total = sum(mine.values())
    return {s: t / total for s, t in mine.items()} if total else {}


def _quota_text(quotas: dict[tuple[str, str], int], counts: Counter[tuple[str, str]],
                cluster: str | None, sector: str) -> str | None:
    """'bristol third_sector 2 of 5' when the candidate's sector quota is still open."""
    if not cluster or (cluster, sector) not in quotas:
        return None
    target, have = quotas[(cluster, sector)], counts[(cluster, sector)]
    return f"{cluster} {sector} {have} of {target}" if have < target else None
