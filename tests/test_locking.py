"""The database lock: one harvest at a time, stale locks taken over, a clear refusal."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from harvester.db import make_engine
from harvester.errors import LockHeld
from harvester.locking import acquire, current, hold_lock, pid_alive
from harvester.models import Lock, utcnow


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_second_holder_is_refused_with_the_holder_named(engine):
    with hold_lock(engine, "harvest"):
        with pytest.raises(LockHeld) as exc:
            acquire(engine, "harvest")
        msg = str(exc.value)
        assert f"pid {os.getpid()} on host {socket.gethostname()}" in msg
        assert "UTC) is running against this database" in msg
        assert "\n" not in msg
    assert current(engine, "harvest") is None  # released
    acquire(engine, "harvest").release()


def test_two_threads_with_separate_engines_exactly_one_wins(db_url, engine):
    engines = [make_engine(db_url) for _ in range(4)]
    barrier = threading.Barrier(len(engines))
    results: list[str] = []
    held = []

    def contend(eng) -> None:
        barrier.wait()
        try:
            held.append(acquire(eng, "harvest"))
            results.append("won")
        except LockHeld:
            results.append("refused")

    threads = [threading.Thread(target=contend, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["refused"] * 3 + ["won"]
    held[0].release()
    for e in engines:
        e.dispose()


def _insert(engine, *, pid: int, hostname: str, heartbeat_age: timedelta) -> None:
    then = utcnow() - heartbeat_age
    with engine.begin() as conn:
        conn.execute(sa.insert(Lock.__table__).values(name="harvest", owner=f"{hostname}:{pid}:x", pid=pid,
                                                      hostname=hostname, acquired_at=then,
                                                      heartbeat_at=then))


def test_lock_of_a_dead_process_on_this_host_is_taken_over(engine):
    pid = _dead_pid()
    assert not pid_alive(pid)
    _insert(engine, pid=pid, hostname=socket.gethostname(), heartbeat_age=timedelta(seconds=5))
    held = acquire(engine, "harvest")
    assert held.taken_over and f"process {pid}" in held.taken_over
    assert current(engine, "harvest").pid == os.getpid()
    held.release()


def test_lock_with_an_old_heartbeat_is_taken_over_but_a_fresh_one_is_not(engine):
    _insert(engine, pid=1, hostname="other-machine", heartbeat_age=timedelta(minutes=1))
    with pytest.raises(LockHeld, match="pid 1 on host other-machine"):
        acquire(engine, "harvest")
    with engine.begin() as conn:
        conn.execute(sa.update(Lock.__table__).values(heartbeat_at=utcnow() - timedelta(minutes=11)))
    held = acquire(engine, "harvest")
    assert "no heartbeat for 11 min" in held.taken_over
    held.release()


def test_heartbeat_refreshes_and_notices_a_takeover(engine):
    held = acquire(engine, "harvest", heartbeat=timedelta(seconds=0.05))
    first = current(engine, "harvest").heartbeat_at
    threading.Event().wait(0.3)
    assert current(engine, "harvest").heartbeat_at > first
    with engine.begin() as conn:
        conn.execute(sa.update(Lock.__table__).values(owner="someone-else"))
    assert held.beat() is False and held.lost
    held.release()  # does not delete the new owner's lock
    assert current(engine, "harvest").owner == "someone-else"


def test_two_harvest_processes_started_together_exactly_one_runs(db_url, engine):
    """Two `harvester harvest` processes against one database and a slow loopback site: one
    harvests, the other exits 1 with the one-line message."""
    from loopback import LoopbackServer, Reply
    from sqlmodel import Session

    from harvester.models import Organisation, OrgStatus

    with LoopbackServer() as site:
        site.route("/robots.txt", body="", content_type="text/plain")
        site.route("/", Reply(body="<html><title>Slow</title></html>", delay=4.0))
        with Session(engine) as s:
            s.add(Organisation(name="Slow", domain=f"127.0.0.1:{site.port}", homepage=site.url("/"),
                               status=OrgStatus.seed))
            s.commit()
        cmd = [sys.executable, "-m", "harvester", "--db", db_url, "-q", "harvest", "--no-meetup",
               "--allow-private", "--no-profiles"]
        procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        outs = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
    assert sorted(code for code, _ in outs) == [0, 1], outs
    refused = next(text for code, text in outs if code == 1)
    assert "another harvest (pid" in refused and "is running against this database" in refused
    assert len(refused.strip().splitlines()) == 1
    assert site.paths().count("/") == 1  # only the winner fetched the page
    assert current(engine, "harvest") is None


def test_cli_harvest_refused_while_the_lock_is_held(db_url, engine):
    from typer.testing import CliRunner

    from harvester.cli import app

    with hold_lock(engine, "harvest"):
        res = CliRunner().invoke(app, ["--db", db_url, "-q", "harvest", "--no-meetup"])
    assert res.exit_code == 1
    assert "another harvest (pid" in res.output and "is running against this database" in res.output
