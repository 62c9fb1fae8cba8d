"""Interruptions with real processes: a `harvester harvest` killed at a chosen moment keeps what it
committed, and the next harvest ends in the same state as a harvest that was never interrupted.

The kill is a real SIGKILL (or SIGINT) the harvest process sends itself when it reaches a step, so
the moment is exact instead of a race against a timer (tests/test_crawl_integration.py kills one
from outside at a random moment in the crawl).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from loopback import LoopbackServer, Reply, loopback_hosts
from test_crawl_integration import seed_db as seed_sites

pytestmark = pytest.mark.integration

ENV = {**os.environ, "HARVESTER_CONTACT_URL": "https://harvester.invalid/tests"}


def small_site(server: LoopbackServer, index: int, partner: LoopbackServer) -> None:
    """Four pages that give an organisation a sector, domain areas, a phone and a partner."""
    server.route("/robots.txt", body="User-agent: *\nAllow: /\n", content_type="text/plain")
    server.route("/", body=f"""<html><head><title>Studio {index}</title></head><body>
        <h1>Studio {index}</h1><p>An independent games studio making video games and
        immersive VR experiences.</p><a href="/about/">About</a> <a href="/contact/">Contact</a>
        <a href="{partner.origin}/">Our partner</a></body></html>""")
    server.route("/about/", body="<html><body><h1>About</h1><p>We develop console and mobile games "
                 "with animation and visual effects for film.</p></body></html>")
    server.route("/contact/", body=f"<html><body><p>Telephone 0117 496 {index:04d}</p></body></html>")


def seed_db(path: Path, servers: list[LoopbackServer]) -> str:
    """A SQLite study at `path` seeded with one organisation per server; its URL."""
    url = f"sqlite:///{path}"
    seed_sites(url, servers)
    return url


def harvest_cmd(url: str, *, die_at: str | None = None, sig: int = signal.SIGKILL) -> list[str]:
    """`harvester harvest`, or (with `die_at`) the same command in a process that sends itself
    `sig` when it enters `Harvest.<die_at>`."""
    args = ["--db", url, "-q", "harvest", "--no-meetup", "--allow-private", "--no-profiles",
            "--delay", "0", "--max-pages", "10"]
    if die_at is None:
        return [sys.executable, "-m", "harvester", *args]
    code = ("import os, sys\nfrom harvester.crawl import Harvest\n"
            f"def die(self, *a, **k):\n    os.kill(os.getpid(), {int(sig)})\n"
            f"Harvest.{die_at} = die\n"
            "from harvester.cli import main\nsys.argv[0] = 'harvester'\nmain()\n")
    return [sys.executable, "-c", code, *args]


def state(path: Path) -> dict[str, list]:
    """Organisations (with sector), contacts, relations and domain areas, keyed by domain: what a
    researcher compares, without times or run ids."""
    with sqlite3.connect(path) as c:
        assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        org = dict(c.execute("SELECT id, coalesce(domain, name) FROM organisation"))
        out = {
            "organisations": sorted(c.execute(
                "SELECT coalesce(domain, ''), name, status, sector, kind FROM organisation")),
            "contacts": sorted((org[o], k, v) for o, k, v in c.execute(
                "SELECT organisation_id, kind, value FROM contact")),
            "relations": sorted((org[a], org[b], k) for a, b, k in c.execute(
                "SELECT source_id, target_id, kind FROM relation")),
            "areas": sorted((org[o], a, round(score, 6)) for o, a, score in c.execute(
                "SELECT organisation_id, domain_area_id, score FROM organisationdomainarea")),
        }
    c.close()
    return out


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_after_the_last_page_was_committed_the_next_harvest_types_the_organisations(
        tmp_path: Path, sig: int):
    """Every page was committed, so the next harvest fetches nothing; the sector and domain
    areas the killed run never computed must still be computed (they were lost for good)."""
    with loopback_hosts(2) as hosts:
        for i, srv in enumerate(hosts):
            small_site(srv, i, hosts[1 - i])
        whole = seed_db(tmp_path / "whole.db", hosts)
        killed = seed_db(tmp_path / "killed.db", hosts)
        subprocess.run(harvest_cmd(whole), env=ENV, check=True, timeout=120)
        reference = state(tmp_path / "whole.db")
        assert reference["areas"], "the pages name domain areas"

        proc = subprocess.run(harvest_cmd(killed, die_at="_finish_organisations", sig=sig), env=ENV,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode != 0
        served = sum(len(h.log) for h in hosts)
        subprocess.run(harvest_cmd(killed), env=ENV, check=True, timeout=120)
        assert sum(len(h.log) for h in hosts) == served  # nothing fetched twice
    assert state(tmp_path / "killed.db") == reference
    with sqlite3.connect(tmp_path / "killed.db") as c:
        counts = [row[0] for row in c.execute("SELECT counts FROM harvestrun ORDER BY id")]
    c.close()
    assert '"organisations_typed_by_run": 2' in counts[0]  # the next run does not adopt it again



@pytest.mark.parametrize("step", ["_plan", "_finish_organisations"])
def test_sigterm_outside_the_crawl_loop_closes_the_run_and_gives_back_the_lock(tmp_path: Path, step: str):
    """SIGTERM while planning or typing the organisations used to kill the process outright,
    leaving the run 'running' and the lock held until the next harvest took them over."""
    with loopback_hosts(2) as hosts:
        for i, srv in enumerate(hosts):
            small_site(srv, i, hosts[1 - i])
        url = seed_db(tmp_path / "h.db", hosts)
        proc = subprocess.run(harvest_cmd(url, die_at=step, sig=signal.SIGTERM), env=ENV,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 130, (proc.returncode, proc.stderr[-2000:])
        with sqlite3.connect(tmp_path / "h.db") as c:
            assert c.execute("SELECT status FROM harvestrun").fetchall() == [("interrupted",)]
            assert c.execute("SELECT count(*) FROM lock").fetchone() == (0,)
        c.close()
        subprocess.run(harvest_cmd(url), env=ENV, check=True, timeout=120)
        whole = seed_db(tmp_path / "whole.db", hosts)
        subprocess.run(harvest_cmd(whole), env=ENV, check=True, timeout=120)
    assert state(tmp_path / "h.db") == state(tmp_path / "whole.db")


def _responses(path: Path) -> list[str]:
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as fh:
        return [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh)
                if r.rec_type == "response"]


def test_forget_during_an_archiving_harvest_loses_no_record_and_says_to_run_again(tmp_path: Path):
    """`forget` used to rewrite the WARC file a running `harvest --archive` was appending to: the
    harvest went on writing into the replaced (deleted) file and every later record was lost."""
    gate = threading.Event()  # the later pages wait for it: the harvest is running while forget runs

    def later_pages(req):
        if not req.path.startswith("/p/"):
            return None
        if int(req.path.strip("/").split("/")[1]) >= 6:
            gate.wait(60)
        return Reply(body=f"<html><body><p>{req.path}</p></body></html>")

    with loopback_hosts(1) as (srv,):
        srv.route("/robots.txt", body="User-agent: *\nAllow: /\n", content_type="text/plain")
        links = "".join(f'<a href="/p/{n}/">Page {n}</a> ' for n in range(12))
        srv.route("/", body=f"<html><title>Studio</title><body>{links}<a href='/team/'>Team</a>"
                  "</body></html>")
        srv.route("/team/", body="<html><body><p>Jane Doe, Director</p></body></html>")
        srv.handler(later_pages)
        url = seed_db(tmp_path / "h.db", [srv])
        warc = tmp_path / "h.warc.gz"
        cmd = [sys.executable, "-m", "harvester", "--db", url, "-q", "harvest", "--no-meetup",
               "--allow-private", "--no-profiles", "--delay", "0", "--max-pages", "14",
               "--archive", str(warc)]
        harvest = subprocess.Popen(cmd, env=ENV)
        try:
            deadline = time.monotonic() + 60
            team = (srv.url("/team/"),)
            while time.monotonic() < deadline and harvest.poll() is None:
                with sqlite3.connect(tmp_path / "h.db") as c:  # stored, so archived before
                    if c.execute("SELECT 1 FROM page WHERE url = ? AND state = 'fetched'", team).fetchone():
                        break
                c.close()
                time.sleep(0.05)
            assert harvest.poll() is None, "the harvest ended before forget ran"
            forget = subprocess.run([sys.executable, "-m", "harvester", "--db", url, "forget",
                                     "--person", "Jane Doe", "--yes", "--json"],
                                    env=ENV, capture_output=True, text=True, timeout=60)
        finally:
            gate.set()
            assert harvest.wait(timeout=60) == 0
        served = [p for p in srv.paths() if p != "/robots.txt"]
    report = json.loads(forget.stdout)
    assert report["archives"][0]["status"] == "busy"
    assert report["archives_still_holding"] == [str(warc)]
    assert "run forget again when the harvest ends" in forget.stderr
    archived = [u for u in _responses(warc) if not u.endswith("/robots.txt")]
    assert len(archived) == len(served) == 14  # nothing written after forget was lost

    # Once the harvest has ended, forget rewrites it.
    again = subprocess.run([sys.executable, "-m", "harvester", "--db", url, "forget", "--person",
                            "Jane Doe", "--yes", "--json"], env=ENV, capture_output=True, text=True,
                           timeout=60)
    assert json.loads(again.stdout)["archives"][0]["status"] == "rewritten"
    assert not any(u.endswith("/team/") for u in _responses(warc))
