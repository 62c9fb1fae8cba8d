"""Saturation: is the snowball still finding new organisations? Judged on the last harvests and proposal.

Apart from the ranking because it reads the harvest runs, not the graph, and answers a different
question (when to stop), shown beside every proposal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from harvester.models import HarvestRun, Organisation, OrgStatus, Relation, RunStatus
from harvester.snowball.results import Candidate, RunFinds, Saturation
from harvester.snowball.rows import _Org
from harvester.snowball.weights import Weights


def _run_finds(session: Session, run: HarvestRun) -> RunFinds:
    """New organisations and relations of a run: its counts, else counted from first_run/run ids."""
    counts = run.counts if isinstance(run.counts, dict) else {}

    def _count(key: str, fallback: Any) -> int:
        value = counts.get(key)
        try:
            return int(value)
        except (TypeError, ValueError):
            return int(session.exec(fallback).one())

    orgs = _count("new_organisations", select(sa.func.count()).select_from(Organisation).where(
        Organisation.first_run_id == run.id))
    rels = _count("new_relations", select(sa.func.count()).select_from(Relation).where(
        Relation.run_id == run.id))
    return RunFinds(run.id, run.started_at, orgs, rels)  # type: ignore[arg-type]


def _saturation(session: Session, shown: list[Candidate], pool: dict[int, _Org],
                decisions: dict[int, tuple[str, datetime, str]], wave: int, weights: Weights) -> Saturation:
    runs = session.exec(select(HarvestRun).where(HarvestRun.status == RunStatus.completed,
                                                 HarvestRun.kind != "import")
                        .order_by(HarvestRun.id.desc()).limit(10)).all()
    history = [_run_finds(session, r) for r in runs]
    last = history[0] if history else None
    known = 0
    seen_before: set[int] = set()
    if last is not None and last.started_at is not None and shown:
        seen_before = set(session.exec(select(Organisation.id).where(
            Organisation.id.in_([c.organisation_id for c in shown]),
            Organisation.first_seen < last.started_at)).all())
    for c in shown:
        org = pool[c.organisation_id]
        if (org.status == OrgStatus.candidate.value or c.organisation_id in decisions
                or c.organisation_id in seen_before):
            known += 1
    share = round(known / len(shown), 3) if shown else 1.0
    saturated = (last is not None and last.new_organisations < weights.saturation_new
                 and share >= weights.saturation_known)
    if last is None:
        message = "no completed harvest yet: saturation cannot be judged"
    elif saturated:
        message = (f"the cluster looks saturated: the last harvest found {last.new_organisations} new "
                   f"organisations and {last.new_relations} new relations, and {known} of {len(shown)} "
                   "proposals were already known")
    else:
        message = (f"the last harvest found {last.new_organisations} new organisations and "
                   f"{last.new_relations} new relations; {known} of {len(shown)} proposals already known")
    return Saturation(wave=wave, last_run_id=last.run_id if last else None,
                      new_organisations=last.new_organisations if last else None,
                      new_relations=last.new_relations if last else None, proposals=len(shown),
                      known=known, known_share=share, saturated=saturated, message=message,
                      history=list(reversed(history)))
