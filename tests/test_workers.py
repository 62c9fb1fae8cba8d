"""Worker mode: two `harvester harvest --worker` processes share one frontier on PostgreSQL.

Against a simulated web on loopback (several hosts, one port each), the servers' own log shows
that no page was fetched twice and that the per-host interval held across both workers. Host
claims are also tested directly. PostgreSQL tests need HARVESTER_TEST_PG_URL (.ci/run sets it)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import defaultdict
from datetime import timedelta

import pytest
from simweb import SimWeb
from sqlmodel import Session, select
from typer.testing import CliRunner

from harvester.cli import app
from harvester.db import init_db, make_engine
from harvester.models import HarvestRun, Host, Organisation, OrgStatus, Page, PageState, RunStatus, utcnow
from harvester.workers import claim_hosts, queued_total, register_hosts, release_hosts

DELAY = 0.4


def _seed(url: str, web: SimWeb, hosts: int) -> None:
    engine = make_engine(url)
    init_db(engine)
    with Session(engine) as s:
        for i in range(hosts):
            s.add(Organisation(name=f"Site {i}", domain=web.host(i), homepage=web.url(i, "/"),
                               status=OrgStatus.seed, wave=0))
        s.commit()
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.integration
@pytest.mark.slow
def test_two_workers_share_the_frontier(pg_url):
    # Each worker holds at most --concurrency hosts at a time, so with more hosts than both
    # workers hold, hosts flow to whichever worker is free, even if one starts seconds late.
    hosts = 8
    with SimWeb(hosts=hosts, pages_per_host=10, page_kb=(2, 4), seed=3, traps=False, workers=1) as web:
        _seed(pg_url, web, hosts)
        cmd = [sys.executable, "-m", "harvester", "--db", pg_url, "-q", "harvest", "--worker", "--no-meetup",
               "--allow-private", "--no-profiles", "--max-pages", "8", "--delay", str(DELAY),
               "--concurrency", "2"]
        procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)]
        time.sleep(1.0)  # the second worker joins a harvest in progress
        procs.append(subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True))
        for p in procs:
            assert p.wait(timeout=120) == 0, p.stderr.read()
        hits = web.requests()
        # A re-harvest by two workers: each page asked for once, conditionally (304, no body).
        web.clear_log()
        again = [subprocess.Popen([*cmd, "--refresh"], stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for p in again:
            assert p.wait(timeout=120) == 0, p.stderr.read()
        revisits = [h for h in web.requests() if h.path != "/robots.txt"]
    pages = [h for h in hits if h.path != "/robots.txt"]
    seen = defaultdict(int)
    for h in pages:
        seen[(h.host, h.path)] += 1
    assert max(seen.values()) == 1, [k for k, v in seen.items() if v > 1]  # nothing fetched twice
    assert sorted((h.host, h.path) for h in revisits) == sorted(seen)  # each page once again
    assert {h.status for h in revisits} == {304} and sum(h.bytes for h in revisits) == 0
    by_host = defaultdict(list)
    for h in hits:
        by_host[h.host].append(h.time)
    for host, times in by_host.items():
        times.sort()
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        # Server-side times, read by a server process that can be descheduled on a loaded
        # machine (a late reading shortens the next gap): a 0.1 s margin on the 0.4 s delay.
        assert min(gaps) >= DELAY - 0.1, (host, min(gaps))
    engine = make_engine(pg_url)
    with Session(engine) as s:
        runs = s.exec(select(HarvestRun)).all()
        assert len(runs) == 4 and all(r.status == RunStatus.completed for r in runs)
        runs = sorted(runs, key=lambda r: r.id)[:2]  # the first harvest
        fetched = [r.counts.get("pages_fetched", 0) for r in runs]
        assert all(fetched), fetched  # both workers worked
        stored = s.exec(select(Page).where(Page.state.in_([PageState.fetched, PageState.not_modified]))).all()
        assert sum(fetched) == len(pages) == len(stored)  # every page fetched was fetched once
        assert {h.host for h in pages} == set(by_host)
        assert len(pages) >= hosts * 6  # homepage, core pages and numbered pages of every host
        assert queued_total(s) == 0
        assert not s.exec(select(Host).where(Host.claimed_by.is_not(None))).all()  # claims released
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.integration
def test_claims_are_exclusive_expire_and_respect_the_host_clock(pg_url):
    engine = make_engine(pg_url)
    init_db(engine)
    with Session(engine) as s:
        for n in range(3):
            s.add(Page(url=f"http://h{n}.example/", host=f"h{n}.example", state=PageState.queued))
        s.commit()
        assert register_hosts(s) == 3
        a = claim_hosts(s, "a", limit=2)
        b = claim_hosts(s, "b", limit=5)
        assert len(a) == 2 and len(b) == 1 and not set(a) & set(b)
        assert claim_hosts(s, "c", limit=5) == []
        # Released with a politeness clock: nobody may claim it before next_request_at.
        release_hosts(s, "a", a[:1], next_request_at=utcnow() + timedelta(minutes=1))
        assert claim_hosts(s, "c", limit=5) == []
        assert claim_hosts(s, "c", limit=5, now=utcnow() + timedelta(minutes=2)) == a[:1]
        # A claim not refreshed for CLAIM_TIMEOUT expires (a crashed worker's hosts come back).
        later = utcnow() + timedelta(minutes=10)
        assert sorted(claim_hosts(s, "d", limit=5, now=later)) == sorted([a[1], *b, a[0]])
    engine.dispose()


def test_worker_on_sqlite_falls_back_to_the_lock(db_url, engine):
    res = CliRunner().invoke(app, ["--db", db_url, "harvest", "--worker", "--no-meetup"])
    assert res.exit_code == 0, res.output
    assert "--worker needs PostgreSQL" in res.output
    with Session(engine) as s:
        assert s.exec(select(HarvestRun)).one().worker != ""


@pytest.mark.postgres
@pytest.mark.integration
def test_worker_refused_while_a_single_process_harvest_runs(pg_url):
    from harvester.locking import hold_lock

    engine = make_engine(pg_url)
    init_db(engine)
    with hold_lock(engine, "harvest"):
        res = CliRunner().invoke(app, ["--db", pg_url, "harvest", "--worker", "--no-meetup"])
    assert res.exit_code == 1 and "another harvest (pid" in res.output
    engine.dispose()


def test_single_harvest_refused_while_workers_hold_hosts(db_url, engine):
    with Session(engine) as s:
        s.add(Host(host="busy.example", claimed_by="lab-a:123", claimed_at=utcnow()))
        s.add(Host(host="old.example", claimed_by="lab-b:9", claimed_at=utcnow() - timedelta(hours=1)))
        s.commit()
    res = CliRunner().invoke(app, ["--db", db_url, "harvest", "--no-meetup"])
    assert res.exit_code == 1 and "harvest workers (lab-a:123) are running" in res.output
