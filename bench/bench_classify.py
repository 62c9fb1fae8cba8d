"""Classification cost per page (`classify.classify_page`: sector rules, sector words, taxonomy
keywords and domain-area scores), on one core, apart from the rest of extraction.

Inputs are what `extract_page` hands to `classify_page` (the page's facts and its text by part),
captured once per page; only `classify_page` is timed, in CPU time (`time.process_time`), best of
`--rounds` passes (the least disturbed by other processes). Page sets:

    fixtures    the real pages in ../shared/fixtures/orgsites/ and tests/fixtures/extract/
    simulated   keyword-dense pages of the benchmark's simulated web (tests/simweb.py), 30-80 KB;
                also reported alone for the pages of 55-65 KB

Targets (issue #4): <= 0.15 ms a fixture page on average, <= 1 ms a 60 KB simulated page.

    .venv/bin/python bench/bench_classify.py [--rounds 7] [--json] [--src CHECKOUT]

`--src` imports harvester from another checkout (a `git worktree` of an older commit) to measure
the code before a change with this same script.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED_PAGES = ROOT.parent / "shared" / "fixtures" / "orgsites"
OWN_PAGES = ROOT / "tests" / "fixtures" / "extract"
SIM_PATHS = ("/", "/about/", "/page/2/", "/page/3/", "/page/5/", "/page/7/", "/page/11/")


def capture(pages: list[tuple[str, bytes]]) -> list[tuple[Any, dict[str, str], int]]:
    """(facts before classification, text parts, page bytes) for each page, from extract_page."""
    from harvester.extract import classify
    from harvester.extract.page import extract_page

    captured: list[tuple[Any, dict[str, str]]] = []
    original = classify.classify_page

    def record(facts: Any, parts: Any, areas: Any = None) -> None:
        captured.append((copy.deepcopy(facts), dict(parts) if not isinstance(parts, str) else parts))
        original(facts, parts, areas)

    classify.classify_page = record
    try:
        out = []
        for url, body in pages:
            before = len(captured)
            extract_page(url, body)
            if len(captured) > before:
                facts, parts = captured[-1]
                out.append((facts, parts, len(body)))
        return out
    finally:
        classify.classify_page = original


def fixture_pages() -> list[tuple[str, bytes]]:
    pages = []
    for folder in (SHARED_PAGES, OWN_PAGES):
        if folder.is_dir():
            pages += [(f"https://{path.stem}.example.org/", path.read_bytes())
                      for path in sorted(folder.glob("*.html"))]
    return pages


def simulated_pages(hosts: int) -> list[tuple[str, bytes]]:
    sys.path.insert(0, str(ROOT / "tests"))
    from simweb import Options, Pages

    ports = list(range(20000, 20000 + hosts))
    web = Pages(Options(hosts=hosts), ports)
    pages = []
    for i in range(hosts):
        for path in SIM_PATHS:
            body = web.page(i, path, "")
            if body:
                pages.append((f"http://127.0.0.1:{ports[i]}{path}", body))
    return pages


def per_page_ms(items: list[tuple[Any, Any, int]], rounds: int) -> list[float]:
    """Best-of-`rounds` CPU milliseconds of classify_page for each page."""
    from harvester.extract.classify import classify_page

    best = [float("inf")] * len(items)
    work = [copy.deepcopy(facts) for facts, _, _ in items]
    for _ in range(rounds):
        for i, (facts, (_, parts, _)) in enumerate(zip(work, items, strict=True)):
            started = time.process_time()
            classify_page(facts, parts)
            best[i] = min(best[i], time.process_time() - started)
    return [b * 1000 for b in best]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="passes over each page set (default 7)")
    parser.add_argument("--hosts", type=int, default=12, help="simulated hosts (7 pages each)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--src", type=Path, default=ROOT, help="checkout to import harvester from")
    parser.add_argument("--cpu", type=int, default=None,
                        help="the core to pin to (default: the lowest the process may use)")
    args = parser.parse_args()
    sys.path.insert(0, str(args.src.resolve()))
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0)) if args.cpu is None else args.cpu})

    fixtures = capture(fixture_pages())
    simulated = capture(simulated_pages(args.hosts))
    per_page_ms(fixtures[:2], 1)  # warm-up: taxonomy, compiled patterns
    fixture_ms = per_page_ms(fixtures, args.rounds)
    sim_ms = per_page_ms(simulated, args.rounds)
    kb60 = [ms for ms, (_, _, size) in zip(sim_ms, simulated, strict=True) if 55_000 <= size <= 65_000]
    sim_kb = [size / 1000 for _, _, size in simulated]
    figures = {
        "src": str(args.src), "rounds": args.rounds,
        "fixture_pages": len(fixtures), "fixture_ms_mean": round(statistics.mean(fixture_ms), 4),
        "fixture_ms_max": round(max(fixture_ms), 4),
        "simulated_pages": len(simulated), "simulated_kb_mean": round(statistics.mean(sim_kb), 1),
        "simulated_ms_mean": round(statistics.mean(sim_ms), 3),
        "simulated_ms_per_60kb": round(statistics.mean(
            ms / size * 60_000 for ms, (_, _, size) in zip(sim_ms, simulated, strict=True)), 3),
        "simulated_55_65kb_pages": len(kb60),
        "simulated_55_65kb_ms_mean": round(statistics.mean(kb60), 3) if kb60 else None,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"classify_page, CPU time, best of {args.rounds} rounds, one core ({args.src})")
    print(f"  fixture pages     {len(fixtures):4d}  mean {figures['fixture_ms_mean']:.3f} ms  "
          f"max {figures['fixture_ms_max']:.3f} ms   (target mean <= 0.15 ms)")
    print(f"  simulated pages   {len(simulated):4d}  mean {figures['simulated_ms_mean']:.3f} ms  "
          f"({figures['simulated_kb_mean']} KB on average; "
          f"{figures['simulated_ms_per_60kb']:.3f} ms per 60 KB)")
    if kb60:
        print(f"  simulated 55-65 KB {len(kb60):3d}  mean {figures['simulated_55_65kb_ms_mean']:.3f} ms"
              "   (target <= 1 ms)")


if __name__ == "__main__":
    main()
