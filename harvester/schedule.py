"""Scheduled harvests: every DURATION (optionally aligned to a time of day) one *cycle* runs

    harvest (all clusters, due pages re-fetched with conditional requests)
    -> propose (the saturation of each cluster is logged and counted)
    -> retention prune (harvester.privacy.retention, when present)

and is logged as a HarvestRun of kind "schedule" whose counts `harvester runs` shows. The
scheduler holds the "scheduler" lock for its life (a second scheduler is refused) and each cycle
the "harvest" lock (a cycle that meets a manual harvest is skipped, or refused with --once).
Ctrl-C or SIGTERM stops it cleanly: a harvest in progress is marked interrupted.

Time is injected (`clock`, `sleep`) and `next_run` is pure, so tests need no real waiting.
"""

from __future__ import annotations

import logging
import math
import re
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from harvester.config import Config
from harvester.errors import BadInput, LockHeld
from harvester.locking import hold_lock
from harvester.models import HarvestRun, RunStatus

log = logging.getLogger("harvester.schedule")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$", re.I)
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
MIN_EVERY = timedelta(minutes=1)


def parse_duration(text: str) -> timedelta:
    """'30m', '6h', '1d', '1w' -> timedelta; BadInput for anything else."""
    m = _DURATION.match(text or "")
    if not m:
        raise BadInput(f"--every {text!r}: not a duration; write a number and m, h, d or w "
                       "(30m, 6h, 1d, 1w)")
    every = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if every < MIN_EVERY:
        raise BadInput(f"--every {text!r}: shorter than one minute; harvests need time and hosts rest")
    return every


def parse_at(text: str | None) -> time | None:
    """'HH:MM' (24-hour, local time) -> time."""
    if text is None:
        return None
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise BadInput(f"--at {text!r}: not a time of day; write HH:MM in 24-hour local time (02:30)")
    return time(int(m.group(1)), int(m.group(2)))


def next_run(now: datetime, every: timedelta, at: time | None = None,
             last_start: datetime | None = None) -> datetime:
    """When the next cycle starts (pure).

    Without `at`: `every` after the last cycle started (now when none ran, or when the last one
    overran). With `at`: the first moment >= now on the grid `at` (on now's day, in now's zone)
    + k * every, so `--every 1d --at 02:00` runs at 02:00 each night and `--every 6h --at 00:30`
    at 00:30, 06:30, 12:30 and 18:30.
    """
    if at is None:
        if last_start is None:
            return now
        return max(now, last_start + every)
    anchor = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    steps = math.ceil((now - anchor) / every)
    candidate = anchor + steps * every
    if last_start is not None and candidate <= last_start:  # never twice on one grid point
        candidate += every
    return candidate


@dataclass
class CycleResult:
    run_id: int | None
    status: str
    counts: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def _local_now() -> datetime:
    return datetime.now().astimezone()


def run_cycle(engine: Engine, config: Config, *, harvest_options: dict[str, Any] | None = None,
              client_factory: Callable[..., Any] | None = None) -> CycleResult:
    """One cycle under the harvest lock: harvest, propose, prune. Raises LockHeld when a harvest
    is running; returns the run's status otherwise."""
    from harvester.crawl import Harvest, HarvestOptions

    with hold_lock(engine, "harvest"):
        options = HarvestOptions(kind="schedule", **(harvest_options or {}))
        summary = Harvest(engine, config, options, client_factory=client_factory).run()
        result = CycleResult(summary.run_id, str(summary.status), dict(summary.counts))
        if summary.status != RunStatus.completed:
            return result
        extra = _after_harvest(engine, config, result)
        with Session(engine) as s:
            run = s.get(HarvestRun, summary.run_id)
            run.counts = {**run.counts, **extra}
            s.add(run)
            s.commit()
        result.counts.update(extra)
    return result


def _after_harvest(engine: Engine, config: Config, result: CycleResult) -> dict[str, int]:
    """Propose per cluster (saturation logged) and apply the retention period."""
    from harvester.models import Cluster
    from harvester.snowball import propose

    extra: dict[str, int] = {"clusters_saturated": 0}
    with Session(engine) as s:
        clusters = list(s.exec(select(Cluster.id).order_by(Cluster.id)).all()) or [None]
        for cluster in clusters:
            try:
                proposal = propose(s, cluster=cluster)
            except Exception as exc:  # noqa: BLE001 - a proposal failure must not lose the harvest
                result.messages.append(f"propose {cluster}: failed: {exc}")
                continue
            sat = proposal.saturation
            # Only in the messages, which the Scheduler says once: a log line as well printed
            # every saturation twice in the researcher's cron log.
            result.messages.append(f"cluster {cluster or 'all'}: {len(proposal.candidates)} "
                                   f"candidates; {sat.message}")
            extra["clusters_saturated"] += int(bool(sat.saturated))
            extra["proposed_candidates"] = extra.get("proposed_candidates", 0) + len(proposal.candidates)
        s.rollback()  # proposing is read-only here; the researcher's own `propose` records use
    try:
        from harvester.privacy.retention import prune
    except ImportError:
        return extra
    with Session(engine) as s:
        report = prune(s, days=config.retention_days)
        s.commit()
    extra["pruned_contacts"] = int(sum(report.counts.values()))
    result.messages.append(f"retention: {extra['pruned_contacts']} personal contacts older than "
                           f"{config.retention_days} days removed")
    return extra


class Scheduler:
    """Runs `cycle` every `every` (aligned to `at`) until stopped; `once` runs one cycle."""

    def __init__(self, engine: Engine, every: timedelta, *, at: time | None = None, once: bool = False,
                 cycle: Callable[[], CycleResult], clock: Callable[[], datetime] = _local_now,
                 sleep: Callable[[float], bool] | None = None, say: Callable[[str], None] = log.info):
        self.engine = engine
        self.every = every
        self.at = at
        self.once = once
        self.cycle = cycle
        self.clock = clock
        self.stopped = threading.Event()
        # sleep(seconds) returns True when woken by a stop request.
        self.sleep = sleep or self.stopped.wait
        self.say = say
        self.results: list[CycleResult] = []

    def stop(self, *_: Any) -> None:
        self.stopped.set()

    def _install_signals(self) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self.stop)

    def run(self) -> list[CycleResult]:
        """Loop until stopped (or one cycle with `once`); the scheduler lock is held throughout."""
        with hold_lock(self.engine, "scheduler", what="scheduler"):
            last_start: datetime | None = None
            while not self.stopped.is_set():
                now = self.clock()
                start = now if self.once else next_run(now, self.every, self.at, last_start)
                if start > now:
                    self.say(f"next harvest at {start:%Y-%m-%d %H:%M %Z}".strip())
                    try:
                        if self.sleep((start - now).total_seconds()) or self.stopped.is_set():
                            break
                    except KeyboardInterrupt:
                        break
                    if self.clock() < start:  # woken early by a signal that was not a stop
                        continue
                last_start = start
                self._install_signals()
                try:
                    result = self.cycle()
                except LockHeld as exc:
                    if self.once:
                        raise
                    self.say(f"cycle skipped: {exc}")
                    result = CycleResult(None, "skipped", messages=[str(exc)])
                except KeyboardInterrupt:
                    self.stopped.set()
                    break
                finally:
                    self._install_signals()  # the harvest's event loop resets SIGTERM
                self.results.append(result)
                for line in result.messages:
                    self.say(line)
                self.say(f"cycle finished: run {result.run_id} {result.status}")
                if result.status == RunStatus.interrupted or self.once:
                    break
        return self.results
