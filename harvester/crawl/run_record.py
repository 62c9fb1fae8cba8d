"""The harvest's row in `harvest_run`: opened (recovering what a killed run left), closed, and the
ended runs whose organisations this run types.

Apart from the loop because it is the run's bookkeeping, each step its own short transaction,
whatever the crawl in between does.
"""

from __future__ import annotations

import os
import socket
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from harvester.crawl.options import HarvestOptions
from harvester.frontier import reset_interrupted
from harvester.models import HarvestRun, Page, PageState, RunStatus, utcnow


def start_run(engine: Engine, options: HarvestOptions, counts: Counter,
              touched: set[int]) -> tuple[int, list[int]]:
    """The new run's id, and the ended runs it adopts (`adopt_untyped`)."""
    with Session(engine, expire_on_commit=False) as s:
        recovered = reset_interrupted(s)
        run = HarvestRun(kind=options.kind, arguments=options.as_arguments(),
                         worker=options.worker or f"{socket.gethostname()}:{os.getpid()}")
        # A run left 'running' by a killed process is over: say so, so `runs` tells the truth.
        if options.worker is None:
            s.execute(sa.update(HarvestRun).where(HarvestRun.status == RunStatus.running)
                      .values(status=RunStatus.interrupted, error="process ended without closing"))
        s.add(run)
        s.commit()
        if recovered:
            counts["resumed_pages"] += recovered
        untyped_runs = adopt_untyped(s, counts, touched)
        return run.id, untyped_runs


def adopt_untyped(s: Session, counts: Counter, touched: set[int]) -> list[int]:
    """Organisations whose pages an ended run stored but never typed (killed, Ctrl-C or a
    failure before `finish_organisations`) are typed by this run: their pages were committed,
    so nothing else would fetch them again before their revisit and their sector and domain
    areas would stay missing. Such a run has no `organisations_typed` count (nor a note of the
    run that typed them, `organisations_typed_by_run`). Returns those runs."""
    ended = s.exec(select(HarvestRun.id, HarvestRun.counts).where(
        HarvestRun.status.in_((RunStatus.interrupted, RunStatus.failed)))).all()
    runs = [run_id for run_id, run_counts in ended
            if not {"organisations_typed", "organisations_typed_by_run"} & set(run_counts or {})]
    if not runs:
        return []
    orgs = s.exec(select(Page.organisation_id).where(
        Page.run_id.in_(runs), Page.state == PageState.fetched,
        Page.organisation_id.is_not(None)).distinct()).all()
    touched.update(orgs)
    counts["organisations_untyped_adopted"] += len(orgs)
    return runs


def mark_typed(engine: Engine, untyped_runs: list[int], run_id: int | None) -> None:
    """The ended runs adopted by `adopt_untyped` are typed now: say so in their counts, so
    the next run does not type their organisations again."""
    if not untyped_runs:
        return
    with Session(engine) as s:
        for run in s.exec(select(HarvestRun).where(HarvestRun.id.in_(untyped_runs))).all():
            run.counts = {**(run.counts or {}), "organisations_typed_by_run": run_id}
            s.add(run)
        s.commit()


def end_run(engine: Engine, run_id: int | None, options: HarvestOptions, counts: Counter,
            status: RunStatus, error: str | None) -> None:
    with Session(engine) as s:
        if options.worker:
            from harvester.workers import release_all

            release_all(s, options.worker)
        if status is not RunStatus.completed:
            reset_interrupted(s)
        run = s.get(HarvestRun, run_id)
        run.status = status
        run.finished_at = utcnow()
        run.counts = {k: int(v) for k, v in sorted(counts.items())}
        run.error = error
        s.add(run)
        s.commit()
