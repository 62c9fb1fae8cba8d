"""Benchmark: `snowball.propose` on a synthetic cluster stored in SQLite, against networkx PageRank.

Builds (once, cached by size) a SQLite database of N organisations and M relations with executemany:
a cluster of `--included` sample organisations (a fifth of them seeds, the rest accepted), the rest
discovered; relation targets drawn with a heavy tail (a few organisations linked from many), a
share `--from-included` of relations published by included organisations (they are the crawled
sites), the rest between any two organisations; one email contact and one domain area per
organisation; 1% Meetup groups with 10 events each. Then, each in a fresh subprocess (so peak RSS
is its own):

    propose   harvester.snowball.propose(session, cluster="bench", top=50)
    pagerank  the same relations read with one SELECT into a networkx DiGraph, then nx.pagerank

and prints wall time and peak memory (ru_maxrss and tracemalloc peak) for both.

Usage:
    .venv/bin/python bench/bench_propose.py                       # 100,000 orgs, 1,000,000 relations
    .venv/bin/python bench/bench_propose.py --orgs 10000 --relations 100000 --db /tmp/small.db
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

SECTORS = ("government", "industry", "university", "third_sector", "unknown")
KINDS = ("links_to",) * 6 + ("partner", "funder", "sponsor", "member_of", "client", "hosts_event",
                             "organises")
AREAS = ("games", "film-tv", "immersive", "music", "design", "software", "publishing", "heritage")
STAMP = "2026-01-01 00:00:00.000000"


def build(path: Path, n_orgs: int, n_rel: int, n_included: int, from_included: float, seed: int) -> None:
    """Create the schema with harvester, then fill it with raw executemany (fast)."""
    from harvester.db import init_db, make_engine

    if path.exists():
        path.unlink()
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    engine.dispose()
    rng = random.Random(seed)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("INSERT INTO cluster (id, name, postcode_areas, meetup, created_at, updated_at) "
                "VALUES ('bench', 'Bench City', '[\"BS\"]', '{}', ?, ?)", (STAMP, STAMP))
    n_seeds = max(1, n_included // 5)
    n_groups = n_orgs // 100

    def org_row(i: int) -> tuple:
        status = "seed" if i <= n_seeds else "accepted" if i <= n_included else "discovered"
        wave = 0 if status == "seed" else 1 + (i % 3) if status == "accepted" else None
        group = i > n_orgs - n_groups
        postcode = f"{rng.choice(('BS', 'BS', 'BS', 'CF', 'BA'))}{rng.randint(1, 16)} {rng.randint(1, 9)}AA"
        return (i, f"Organisation {i}", f"organisation {i}", "meetup_group" if group else "organisation",
                None if group else f"org{i}.example.org", f"org-{i}" if group else None,
                rng.choice(SECTORS), "rule", 0.5, "[]", "bench", postcode, 0, status, wave, STAMP, STAMP)

    con.executemany(
        "INSERT INTO organisation (id, name, name_key, kind, domain, meetup_urlname, sector, sector_source,"
        " sector_confidence, sector_evidence, cluster_id, postcode, is_cic, status, wave, first_seen,"
        " last_seen) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", (org_row(i) for i in range(1, n_orgs + 1)))

    # Heavy-tailed targets: organisation i is drawn with weight 1 / i^0.8 (after a shuffle).
    order = list(range(1, n_orgs + 1))
    rng.shuffle(order)
    weights = [1.0 / (r + 1) ** 0.8 for r in range(n_orgs)]
    seen: set[tuple[int, int, str]] = set()
    rows = []
    while len(rows) < n_rel:
        batch = n_rel - len(rows)
        targets = rng.choices(order, weights=weights, k=batch)
        for t in targets:
            s = rng.randint(1, n_included) if rng.random() < from_included else rng.randint(1, n_orgs)
            k = rng.choice(KINDS)
            if s == t or (s, t, k) in seen:
                continue
            seen.add((s, t, k))
            rows.append((s, t, k, "[]", 1, STAMP, STAMP))
    con.executemany("INSERT INTO relation (source_id, target_id, kind, evidence, count, first_seen, "
                    "last_seen) VALUES (?,?,?,?,?,?,?)", rows)
    con.executemany("INSERT INTO contact (organisation_id, kind, value, person_name, role, first_seen, "
                    "last_seen) VALUES (?,?,?,?,?,?,?)",
                    ((i, "email", f"{rng.choice(('info', 'hello', 'partnerships', 'jo'))}@org{i}.example.org",
                      None, None, STAMP, STAMP) for i in range(1, n_orgs + 1)))
    con.executemany("INSERT INTO domainarea (id, label, sic_codes) VALUES (?,?,'[]')",
                    ((a, a) for a in AREAS))
    con.executemany("INSERT INTO organisationdomainarea (organisation_id, domain_area_id, score, source, "
                    "evidence, first_seen, last_seen) VALUES (?,?,1.0,'rule','[]',?,?)",
                    ((i, rng.choice(AREAS), STAMP, STAMP) for i in range(1, n_orgs + 1)))
    con.executemany("INSERT INTO meetupevent (event_key, group_id, title, start, host_organisation_ids, "
                    "first_seen, last_seen) VALUES (?,?,?,?,'[]',?,?)",
                    ((f"e{g}-{j}", g, "meetup", "2026-06-01 18:00:00.000000", STAMP, STAMP)
                     for g in range(n_orgs - n_groups + 1, n_orgs + 1) for j in range(10)))
    con.commit()
    con.close()


# tracemalloc slows allocation-heavy code several times: timings are taken without it, and the
# traced peak (Python allocations only) comes from a second, untimed run when --trace is given.
TRACE = os.environ.get("BENCH_TRACE") == "1"


def _traced(fn) -> int:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run_propose(db: Path) -> dict:
    from sqlmodel import Session

    from harvester.db import make_engine
    from harvester.snowball import propose

    engine = make_engine(f"sqlite:///{db}")
    start, cpu = time.perf_counter(), time.process_time()
    with Session(engine) as session:
        proposal = propose(session, cluster="bench", top=50)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    traced = _traced(lambda: propose(Session(engine), cluster="bench", top=50)) if TRACE else 0
    first = proposal.candidates[0] if proposal.candidates else None
    return {"task": "propose", "seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 2),
            "peak_rss_mb": round(peak_rss_mb()),
            "traced_peak_mb": round(traced / 2**20), "included": proposal.included,
            "ranked": len(proposal.candidates), "weak_shown": len(proposal.weak),
            "top": first.to_json() if first else None}


def run_pagerank(db: Path) -> dict:
    import networkx as nx

    def work() -> tuple[nx.DiGraph, dict, float]:
        start = time.perf_counter()
        con = sqlite3.connect(db)
        edges = con.execute("SELECT source_id, target_id FROM relation").fetchall()
        con.close()
        graph = nx.DiGraph()
        graph.add_edges_from(edges)
        loaded = time.perf_counter() - start
        return graph, nx.pagerank(graph), loaded

    start, cpu = time.perf_counter(), time.process_time()
    graph, ranks, loaded = work()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    traced = _traced(work) if TRACE else 0
    return {"task": "pagerank", "seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 2),
            "load_seconds": round(loaded, 2),
            "pagerank_seconds": round(elapsed - loaded, 2), "peak_rss_mb": round(peak_rss_mb()),
            "traced_peak_mb": round(traced / 2**20), "nodes": graph.number_of_nodes(),
            "edges": graph.number_of_edges(), "top": max(ranks, key=ranks.get)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--relations", type=int, default=1_000_000)
    parser.add_argument("--included", type=int, default=1_000, help="sample organisations (seeds+accepted)")
    parser.add_argument("--from-included", type=float, default=0.3,
                        help="share of relations published by included organisations")
    parser.add_argument("--db", type=Path, default=None, help="database file (default: bench/out/...)")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--trace", action="store_true", help="also report tracemalloc peaks (slower)")
    parser.add_argument("--only", choices=("propose", "pagerank"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    db = args.db or Path(__file__).parent / "out" / (
        f"propose-{args.orgs}-{args.relations}-{args.included}-{args.from_included}.db")
    if args.only:
        result = run_propose(db) if args.only == "propose" else run_pagerank(db)
        print(json.dumps(result, default=str))
        return
    if args.rebuild or not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        build(db, args.orgs, args.relations, args.included, args.from_included, seed=1)
        print(f"built {db} in {time.perf_counter() - start:.1f} s "
              f"({db.stat().st_size / 2**20:.0f} MB)", file=sys.stderr)
    results = {}
    for task in ("propose", "pagerank"):
        cmd = [sys.executable, __file__, "--only", task, "--db", str(db)]
        env = {**os.environ, "BENCH_TRACE": "1" if args.trace else "0"}
        done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
        results[task] = json.loads(done.stdout)
    p, r = results["propose"], results["pagerank"]
    print(f"organisations {args.orgs:,}, relations {args.relations:,}, included {p['included']:,}, "
          f"share of relations from included {args.from_included}")
    for name, x in (("propose ", p), ("pagerank", r)):
        traced = f"  traced {x['traced_peak_mb']} MB" if args.trace else ""
        print(f"{name}: {x['seconds']:6.2f} s wall  {x['cpu_seconds']:6.2f} s CPU  "
              f"peak RSS {x['peak_rss_mb']:5d} MB{traced}")
    print(f"          propose: {p['ranked']} ranked + {p['weak_shown']} weak shown; pagerank: load "
          f"{r['load_seconds']} s + pagerank {r['pagerank_seconds']} s, {r['nodes']:,} nodes, "
          f"{r['edges']:,} edges")
    ok = p["seconds"] <= 10 and p["peak_rss_mb"] <= 2048 and p["seconds"] <= r["seconds"]
    verdict = "PASS" if ok else "FAIL"
    print(f"{verdict}: target propose <= 10 s, <= 2 GB and no slower than the PageRank")
    if p["top"]:
        print(f"top candidate: {p['top']['name']} score {p['top']['score']}: {p['top']['why']}")


if __name__ == "__main__":
    main()
