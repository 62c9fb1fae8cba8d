"""Benchmark: re-harvest of an unchanged simulated web, against the first harvest.

A SimWeb (tests/simweb.py: real sockets on loopback, every page with an ETag and Last-Modified,
each site with a /sitemap.xml giving every page's <lastmod>) is harvested once into a fresh
SQLite database, then harvested again with every page due (`--refresh`): the sitemap proves most
pages unchanged (harvester/revisit.py), the homepage and the rest get conditional requests. Wall
time of each `harvester harvest` process and the body bytes the servers sent (their own log) are
compared, and the re-harvest's requests are counted by kind. Targets: re-harvest <= 0.3 of the
time and <= 0.05 of the bytes. `--no-sitemap` measures sites without one (a 304 per page).

    .venv/bin/python bench/bench_reharvest.py --delay 1.0
    .venv/bin/python bench/bench_reharvest.py --hosts 40 --pages 30 --delay 0.2 --no-sitemap
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # simweb lives with the tests


def seed(url: str, web, hosts: int) -> None:
    from sqlmodel import Session

    from harvester.db import init_db, make_engine
    from harvester.models import Organisation, OrgStatus

    engine = make_engine(url)
    init_db(engine)
    with Session(engine) as s:
        from harvester.taxonomy import load_taxonomy, sync_domain_areas

        sync_domain_areas(s, load_taxonomy())  # as `harvester seed` does
        for i in range(hosts):
            s.add(Organisation(name=f"Site {i}", domain=web.host(i), homepage=web.url(i, "/"),
                               status=OrgStatus.seed, wave=0))
        s.commit()
    engine.dispose()


def harvest_cmd(url: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "harvester", "--db", url, "-q", "harvest", "--no-meetup", "--allow-private",
            "--no-profiles", *extra]


def timed(commands: list[list[str]]) -> float:
    """Start every command at once, wait for all; wall seconds. Fails loudly on a non-zero exit."""
    start = time.monotonic()
    import os

    env = {**os.environ, "HARVESTER_CONTACT_URL": os.environ.get("HARVESTER_CONTACT_URL")
           or "https://harvester.invalid/benchmark"}  # loopback only; harvests need an identity
    procs = [subprocess.Popen(c, stderr=subprocess.PIPE, text=True, env=env) for c in commands]
    for p in procs:
        if p.wait() != 0:
            raise SystemExit(f"{' '.join(p.args)} failed: {p.stderr.read()}")
    return time.monotonic() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hosts", type=int, default=30)
    ap.add_argument("--pages", type=int, default=20, help="pages per host (the page budget)")
    ap.add_argument("--kb", type=int, nargs=2, default=(30, 80), help="page size range in KB")
    ap.add_argument("--delay", type=float, default=0.1, help="per-host delay in seconds")
    ap.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    ap.add_argument("--no-sitemap", action="store_true", help="sites without a sitemap")
    args = ap.parse_args()
    from simweb import SimWeb

    with tempfile.TemporaryDirectory() as tmp, \
            SimWeb(hosts=args.hosts, pages_per_host=args.pages, page_kb=tuple(args.kb), seed=5,
                   traps=False, sitemap=not args.no_sitemap) as web:
        url = args.db or f"sqlite:///{tmp}/bench.db"
        seed(url, web, args.hosts)
        opts = ("--max-pages", str(args.pages), "--delay", str(args.delay))
        figures = {}
        for label, extra in (("first", ()), ("reharvest", ("--refresh",))):
            web.clear_log()
            seconds = timed([harvest_cmd(url, *opts, *extra)])
            log = web.requests()
            hits = [h for h in log if h.path != "/robots.txt"]
            kinds = Counter("robots" if h.path == "/robots.txt" else "sitemap" if "sitemap" in h.path
                            else "homepage" if h.path == "/" else "other pages" for h in log)
            figures[label] = {"seconds": round(seconds, 2), "requests": len(hits),
                              "bytes": sum(h.bytes for h in hits),
                              "status": {str(s): sum(1 for h in hits if h.status == s)
                                         for s in sorted({h.status for h in hits})},
                              "requests_by_kind": dict(sorted(kinds.items()))}
    first, again = figures["first"], figures["reharvest"]
    figures["time_fraction"] = round(again["seconds"] / first["seconds"], 3)
    figures["bytes_fraction"] = round(again["bytes"] / max(first["bytes"], 1), 4)
    figures["settings"] = vars(args)
    print(json.dumps(figures, indent=2))
    print(f"re-harvest: {figures['time_fraction']:.2f} of the time (target <= 0.3), "
          f"{figures['bytes_fraction']:.4f} of the bytes (target <= 0.05)")


if __name__ == "__main__":
    main()
