"""Scheduling: pure next-run computation, the loop under an injected clock, locks, signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time as systime
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from harvester.cli import app
from harvester.errors import BadInput, LockHeld
from harvester.locking import hold_lock
from harvester.models import HarvestRun, Organisation, OrgStatus, RunStatus
from harvester.schedule import CycleResult, Scheduler, next_run, parse_at, parse_duration

T0 = datetime(2026, 11, 25, 10, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize("text,expected", [("30m", timedelta(minutes=30)), ("6h", timedelta(hours=6)),
                                           ("1d", timedelta(days=1)), ("1w", timedelta(weeks=1)),
                                           (" 2W ", timedelta(weeks=2)), ("1.5h", timedelta(minutes=90))])
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "week", "10", "5x", "30s", "0m", "-1d"])
def test_parse_duration_rejects(text):
    with pytest.raises(BadInput, match="--every"):
        parse_duration(text)


def test_parse_at():
    assert parse_at("02:30") == time(2, 30)
    assert parse_at(None) is None
    for bad in ("24:00", "2.30", "12:60", "noon"):
        with pytest.raises(BadInput, match="--at"):
            parse_at(bad)


def test_next_run_without_alignment():
    every = timedelta(hours=6)
    assert next_run(T0, every) == T0  # first cycle at once
    assert next_run(T0, every, last_start=T0 - timedelta(hours=1)) == T0 + timedelta(hours=5)
    assert next_run(T0, every, last_start=T0 - timedelta(hours=9)) == T0  # overran: now


def test_next_run_aligned_to_time_of_day():
    day = timedelta(days=1)
    assert next_run(T0, day, time(2, 0)) == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert next_run(T0, day, time(11, 15)) == datetime(2026, 11, 25, 11, 15, tzinfo=UTC)
    six = timedelta(hours=6)
    assert next_run(T0, six, time(0, 30)) == datetime(2026, 11, 25, 12, 30, tzinfo=UTC)
    at_point = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)
    assert next_run(at_point, six, time(0, 30)) == at_point
    assert next_run(at_point, six, time(0, 30), last_start=at_point) == at_point + six
    week = timedelta(weeks=1)
    assert next_run(T0, week, time(2, 0)) == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> bool:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)
        return False


def test_scheduler_loop_with_injected_clock(engine):
    clock = FakeClock(T0)
    starts: list[datetime] = []

    def cycle() -> CycleResult:
        starts.append(clock.now)
        clock.now += timedelta(minutes=20)  # the harvest takes 20 minutes
        if len(starts) == 3:
            sched.stop()
        return CycleResult(len(starts), "completed")

    sched = Scheduler(engine, timedelta(hours=6), cycle=cycle, clock=clock, sleep=clock.sleep)
    results = sched.run()
    assert [r.run_id for r in results] == [1, 2, 3]
    assert starts == [T0, T0 + timedelta(hours=6), T0 + timedelta(hours=12)]
    assert clock.sleeps == [timedelta(hours=5, minutes=40).total_seconds()] * 2


def test_scheduler_aligned_and_once(engine):
    clock = FakeClock(T0)
    starts = []

    def cycle() -> CycleResult:
        starts.append(clock.now)
        if len(starts) == 2:
            sched.stop()
        return CycleResult(None, "completed")

    sched = Scheduler(engine, timedelta(days=1), at=time(2, 0), cycle=cycle, clock=clock, sleep=clock.sleep)
    sched.run()
    assert starts == [datetime(2026, 11, 26, 2, 0, tzinfo=UTC), datetime(2026, 11, 27, 2, 0, tzinfo=UTC)]
    once = Scheduler(engine, timedelta(days=1), once=True, cycle=lambda: CycleResult(7, "completed"),
                     clock=clock, sleep=clock.sleep)
    assert [r.run_id for r in once.run()] == [7]


def test_cycle_meeting_a_harvest_is_skipped_or_refused_with_once(engine):
    clock = FakeClock(T0)
    calls = []

    def busy() -> CycleResult:
        calls.append(1)
        if len(calls) == 2:
            sched.stop()
        raise LockHeld("another harvest (pid 1 on host x, started ...) is running against this database")

    sched = Scheduler(engine, timedelta(hours=1), cycle=busy, clock=clock, sleep=clock.sleep,
                      say=lambda m: None)
    assert [r.status for r in sched.run()] == ["skipped", "skipped"]
    with pytest.raises(LockHeld):
        Scheduler(engine, timedelta(hours=1), once=True, cycle=busy, clock=clock, sleep=clock.sleep).run()


def test_second_scheduler_is_refused(engine, db_url):
    with hold_lock(engine, "scheduler", what="scheduler"):
        res = CliRunner().invoke(app, ["--db", db_url, "schedule", "--every", "1d", "--once"])
    assert res.exit_code == 1
    assert "another scheduler (pid" in res.output


def test_bad_options_exit_2(db_url, engine):
    runner = CliRunner()
    assert runner.invoke(app, ["--db", db_url, "schedule", "--every", "soon"]).exit_code == 2
    res = runner.invoke(app, ["--db", db_url, "schedule", "--every", "1d", "--once", "--at", "02:00"])
    assert res.exit_code == 2 and "--at has no effect with --once" in res.output


def test_schedule_once_harvests_and_logs_a_schedule_run(db_url, engine):
    from loopback import LoopbackServer

    with LoopbackServer() as site:
        site.route("/robots.txt", body="", content_type="text/plain")
        site.route("/", body="<html><head><title>Studio One</title></head><body>"
                   "<a href='mailto:hello@studio.example'>mail</a></body></html>")
        with Session(engine) as s:
            s.add(Organisation(name="Studio One", domain=f"127.0.0.1:{site.port}", homepage=site.url("/"),
                               status=OrgStatus.seed))
            s.commit()
        res = CliRunner().invoke(app, ["--db", db_url, "schedule", "--every", "1w", "--once",
                                       "--allow-private"])
        assert res.exit_code == 0, res.output
        assert "/" in site.paths()
    with Session(engine) as s:
        run = s.exec(select(HarvestRun)).one()
    assert run.kind == "schedule" and run.status == RunStatus.completed
    assert run.counts["pages_fetched"] >= 1 and "clusters_saturated" in run.counts
    res = CliRunner().invoke(app, ["--db", db_url, "runs"])
    assert "schedule" in res.output and "pages_fetched" in res.output


def test_sigterm_stops_a_cycle_and_marks_the_run_interrupted(db_url, engine):
    from loopback import LoopbackServer, Reply

    with LoopbackServer() as site:
        site.route("/robots.txt", body="", content_type="text/plain")
        site.route("/", body="".join(f"<a href='/p{i}'>p</a>" for i in range(20)))
        site.handler(lambda req: Reply(body="<html>slow</html>", delay=0.5))
        with Session(engine) as s:
            s.add(Organisation(name="Slow", domain=f"127.0.0.1:{site.port}", homepage=site.url("/"),
                               status=OrgStatus.seed))
            s.commit()
        proc = subprocess.Popen([sys.executable, "-m", "harvester", "--db", db_url, "-q", "schedule",
                                 "--every", "1d", "--allow-private"], stderr=subprocess.PIPE, text=True)
        deadline = systime.monotonic() + 30
        while "/p0" not in "".join(site.paths()) and systime.monotonic() < deadline:
            systime.sleep(0.1)
        os.kill(proc.pid, signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 130, proc.stderr.read()
    with Session(engine) as s:
        run = s.exec(select(HarvestRun)).one()
    assert run.kind == "schedule" and run.status == RunStatus.interrupted


def test_stop_during_the_wait_ends_the_scheduler_at_once(engine):
    import threading

    sched = Scheduler(engine, timedelta(hours=1), at=time(3, 0), cycle=lambda: CycleResult(1, "completed"),
                      say=lambda m: None)  # real clock and real (interruptible) sleep
    threading.Timer(0.3, sched.stop).start()
    started = systime.monotonic()
    assert sched.run() == []
    assert systime.monotonic() - started < 5
    from harvester.locking import current

    assert current(engine, "scheduler") is None  # the scheduler lock was released
