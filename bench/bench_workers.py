"""Benchmark: one `harvest --worker` process against two, on PostgreSQL, same simulated web.

For each worker count a fresh PostgreSQL database is created on the server named by --pg (or
HARVESTER_TEST_PG_URL), seeded with the SimWeb's hosts, and harvested by that many
`harvester harvest --worker` processes started together; wall time until all exit, and from the
servers' log the pages fetched and whether any was fetched twice. Target: speed-up >= 1.7x.

    HARVESTER_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:54329/postgres \\
        .venv/bin/python bench/bench_workers.py
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
from collections import Counter

import sqlalchemy as sa
from bench_reharvest import harvest_cmd, seed, timed


def fresh_db(server: str) -> tuple[str, sa.Engine, str]:
    name = f"harvester_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return sa.make_url(server).set(database=name).render_as_string(hide_password=False), admin, name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pg", default=os.environ.get("HARVESTER_TEST_PG_URL"))
    ap.add_argument("--hosts", type=int, default=100)
    ap.add_argument("--pages", type=int, default=10, help="pages per host (the page budget)")
    ap.add_argument("--kb", type=int, nargs=2, default=(5, 15), help="page size range in KB")
    ap.add_argument("--delay", type=float, default=0.5, help="per-host delay in seconds")
    ap.add_argument("--concurrency", type=int, default=32, help="per worker (the default setting)")
    args = ap.parse_args()
    if not args.pg:
        raise SystemExit("give --pg URL or set HARVESTER_TEST_PG_URL (a PostgreSQL server)")
    from simweb import SimWeb

    results = {}
    with SimWeb(hosts=args.hosts, pages_per_host=args.pages, page_kb=tuple(args.kb), seed=9,
                traps=False) as web:
        for workers in (1, 2):
            url, admin, name = fresh_db(args.pg)
            try:
                seed(url, web, args.hosts)
                web.clear_log()
                cmd = harvest_cmd(url, "--worker", "--max-pages", str(args.pages), "--delay", str(args.delay),
                                  "--concurrency", str(args.concurrency))
                seconds = timed([cmd] * workers)
                hits = [h for h in web.requests() if h.path != "/robots.txt"]
                twice = sum(1 for n in Counter((h.host, h.path) for h in hits).values() if n > 1)
                results[workers] = {"seconds": round(seconds, 2), "pages": len(hits), "fetched_twice": twice}
            finally:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    speedup = results[1]["seconds"] / results[2]["seconds"]
    print(json.dumps({"one": results[1], "two": results[2], "speedup": round(speedup, 2),
                      "settings": {k: v for k, v in vars(args).items() if k != "pg"}}, indent=2))
    print(f"two workers: {speedup:.2f}x the speed of one (target >= 1.7x)")


if __name__ == "__main__":
    main()
