"""Crawl a simulated web with harvester and with Scrapy in the same run; pages/s, politeness, RSS.

    .venv/bin/python bench/bench_crawl.py --profile fast --profile polite --pages 2000 --pages 10000

For each page count (hosts = pages / 40) one SimWeb (tests/simweb.py: 40 pages of 30-80 KB per
host, traps and a robots.txt-disallowed folder) serves both crawlers; for each profile each
crawler runs in its own subprocess: harvester as `harvester harvest --allow-private --no-meetup`
on a fresh SQLite database seeded with one organisation per host, Scrapy as
bench/scrapy_spider.py inside bench/.venv-scrapy (created here with `python -m venv` and
`pip install scrapy` on first use). Both get the same robots rules, per-host delay and
concurrency, global concurrency (32), link depth (3) and page budget (40 per site).

Profiles: `polite` = 1 request per host at a time, 0.5 s apart; `fast` = 8 per host, no delay.

Measured: pages = 200 answers to HTML pages in the server's own log (robots.txt excluded);
pages/s = pages over the span from the crawler's first request to its last one (the server's
clock); wall = the whole subprocess (start-up and database set-up included); peak RSS = the
subprocess's ru_maxrss from os.wait4; main CPU = the crawler's own process without its extraction
workers (polled from /proc); the polite fraction = pages/s / (hosts / delay). Figures go
to a table on stdout and JSON in bench/out/crawl-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from simweb import SimWeb  # noqa: E402

PROFILES = {"polite": {"delay": 0.5, "per_host": 1}, "fast": {"delay": 0.0, "per_host": 8}}
PAGES_PER_HOST = 40
DEPTH = 3
CONCURRENCY = 32
SCRAPY_VENV = ROOT / "bench" / ".venv-scrapy"
OUT = ROOT / "bench" / "out"


@dataclass
class Result:
    crawler: str
    profile: str
    hosts: int
    pages: int  # HTML pages answered 200, from the server log
    requests: int  # every request the crawler sent, robots.txt included
    span_s: float
    wall_s: float
    pages_per_s: float
    peak_rss_mb: float  # largest single process (wait4 ru_maxrss)
    tree_rss_mb: float  # whole process tree, polled every 0.25 s (harvester's extraction workers)
    cpu_s: float  # user + system CPU of the process and its workers
    main_cpu_s: float  # user + system CPU of the crawler's own process (polled; without workers)
    load_before: float
    load_after: float
    returncode: int
    bad_requests: int  # requests into the robots-disallowed /private/ folder (must be 0)


def ensure_scrapy() -> Path:
    python = SCRAPY_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(SCRAPY_VENV)], check=True)
    check = subprocess.run([str(python), "-c", "import scrapy"], capture_output=True)
    if check.returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "-q", "scrapy"], check=True)
    return python


def _tree_rss_kb(pid: int) -> int:
    """Resident KB of `pid` and its descendants now (the harvest's extraction workers)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def _own_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of `pid` itself (not its children), from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def run_measured(cmd: list[str], env: dict[str, str] | None = None,
                 log: Path | None = None) -> tuple[int, float, float, float, float, float]:
    """Run `cmd`; return code, wall s, peak RSS MB of its largest process (wait4's ru_maxrss covers
    its reaped children too), peak RSS MB of its whole process tree (polled), CPU s (all), and
    CPU s of the process alone (polled every 0.1 s: misses at most its last 0.1 s)."""
    started = time.monotonic()
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    peak_tree = 0
    own_cpu = 0.0
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak_tree, own_cpu
        ticks = 0
        while not stop.wait(0.1):
            own_cpu = _own_cpu_s(proc.pid) or own_cpu
            ticks += 1
            if ticks % 3 == 0:
                peak_tree = max(peak_tree, _tree_rss_kb(proc.pid))

    try:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        _, status, usage = os.wait4(proc.pid, 0)
        stop.set()
        poller.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log:
            out.close()
    return (proc.returncode, time.monotonic() - started, usage.ru_maxrss / 1024, peak_tree / 1024,
            usage.ru_utime + usage.ru_stime, own_cpu)


def seed_database(db_url: str, base_urls: list[str]) -> None:
    from sqlmodel import Session

    from harvester.db import init_db, make_engine
    from harvester.models import Cluster, Organisation, OrgStatus

    engine = make_engine(db_url)
    init_db(engine)
    with Session(engine) as s:
        s.add(Cluster(id="bench", name="Bench", postcode_areas=["BS"]))
        for i, url in enumerate(base_urls):
            s.add(Organisation(name=f"Sim organisation {i}", domain=url.split("/")[2], homepage=url,
                               status=OrgStatus.seed, wave=0, cluster_id="bench"))
        s.commit()
    engine.dispose()


def harvester_cmd(db_url: str, profile: dict, work: Path) -> tuple[list[str], dict[str, str]]:
    cmd = [str(ROOT / ".venv" / "bin" / "harvester"), "--db", db_url, "--quiet", "harvest",
           "--allow-private", "--no-meetup", "--max-pages", str(PAGES_PER_HOST), "--depth", str(DEPTH),
           "--delay", str(profile["delay"]), "--concurrency", str(CONCURRENCY)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARVESTER_")}
    env["HARVESTER_HOST_CONCURRENCY"] = str(profile["per_host"])
    empty = work / "harvester.toml"
    empty.write_text("")
    env["HARVESTER_CONFIG"] = str(empty)  # no harvester.toml from the working directory
    env["HARVESTER_CONTACT_URL"] = "mailto:bench@localhost.invalid"  # loopback only
    if "HARVESTER_EXTRACT_WORKERS" in os.environ:  # 0 = extraction on the database thread
        env["HARVESTER_EXTRACT_WORKERS"] = os.environ["HARVESTER_EXTRACT_WORKERS"]
    return cmd, env


def scrapy_cmd(python: Path, urls_file: Path, items: Path, profile: dict) -> list[str]:
    return [str(python), str(ROOT / "bench" / "scrapy_spider.py"), "--urls", str(urls_file),
            "--delay", str(profile["delay"]), "--per-host", str(profile["per_host"]),
            "--concurrency", str(CONCURRENCY), "--depth", str(DEPTH), "--budget", str(PAGES_PER_HOST),
            "--items", str(items)]


def crawl(web: SimWeb, crawler: str, profile_name: str, work: Path, scrapy_python: Path | None) -> Result:
    profile = PROFILES[profile_name]
    web.clear_log()
    tag = f"{crawler}-{profile_name}-{len(web.ports)}"
    load_before = os.getloadavg()[0]
    if crawler == "harvester":
        db_url = f"sqlite:///{work / (tag + '.db')}"
        seed_database(db_url, web.base_urls)
        cmd, env = harvester_cmd(db_url, profile, work)
        code, wall, rss, tree, cpu, own = run_measured(cmd, env, work / f"{tag}.log")
    else:
        urls_file = work / "urls.txt"
        urls_file.write_text("\n".join(web.base_urls) + "\n")
        cmd = scrapy_cmd(scrapy_python, urls_file, work / f"{tag}.jl", profile)
        code, wall, rss, tree, cpu, own = run_measured(cmd, None, work / f"{tag}.log")
    hits = web.requests()
    pages = [h for h in hits if h.status == 200 and not h.path.startswith("/robots.txt")]
    times = [h.time for h in hits]
    span = (max(times) - min(times)) if len(times) > 1 else float("nan")
    if code != 0:
        print(f"  {tag}: exit {code}; see {work / (tag + '.log')}", file=sys.stderr)
    return Result(crawler, profile_name, len(web.ports), len(pages), len(hits), round(span, 3),
                  round(wall, 3), round(len(pages) / span, 1) if span == span and span > 0 else 0.0,
                  round(rss, 1), round(tree, 1), round(cpu, 2), round(own, 2), round(load_before, 2),
                  round(os.getloadavg()[0], 2), code, sum(1 for h in hits if h.path.startswith("/private/")))


def summarise(results: list[Result]) -> dict:
    """Ratios, polite fractions and RSS growth from the raw runs."""
    by = {(r.crawler, r.profile, r.hosts * PAGES_PER_HOST): r for r in results}
    summary: dict = {"ratio_harvester_over_scrapy": {}, "polite_fraction_of_limit": {},
                     "harvester_rss_growth": {}}
    for (crawler, profile, pages), r in sorted(by.items()):
        other = by.get(("scrapy", profile, pages))
        if crawler == "harvester" and other and other.pages_per_s:
            summary["ratio_harvester_over_scrapy"][f"{profile}/{pages}"] = round(
                r.pages_per_s / other.pages_per_s, 2)
        if profile == "polite":
            limit = r.hosts / PROFILES["polite"]["delay"]
            summary["polite_fraction_of_limit"][f"{crawler}/{pages}"] = round(r.pages_per_s / limit, 3)
    for profile in PROFILES:
        sizes = sorted(p for (c, pr, p) in by if c == "harvester" and pr == profile)
        if len(sizes) >= 2:
            lo, hi = by[("harvester", profile, sizes[0])], by[("harvester", profile, sizes[-1])]
            summary["harvester_rss_growth"][f"{profile}/{sizes[0]}->{sizes[-1]}"] = round(
                hi.peak_rss_mb / lo.peak_rss_mb, 3)
            summary["harvester_rss_growth"][f"{profile}/{sizes[0]}->{sizes[-1]} (tree)"] = round(
                hi.tree_rss_mb / max(lo.tree_rss_mb, 1), 3)
    return summary


def print_table(results: list[Result], summary: dict) -> None:
    head = (f"{'crawler':<10} {'profile':<7} {'hosts':>5} {'pages':>6} {'reqs':>6} {'span s':>7} "
            f"{'wall s':>7} {'pages/s':>8} {'CPU ms/p':>8} {'main ms/p':>9} {'RSS MB':>7} {'tree MB':>7} "
            f"{'load':>10} {'/private':>8}")
    print(head)
    print("-" * len(head))
    for r in results:
        print(f"{r.crawler:<10} {r.profile:<7} {r.hosts:>5} {r.pages:>6} {r.requests:>6} {r.span_s:>7.1f} "
              f"{r.wall_s:>7.1f} {r.pages_per_s:>8.1f} {1000 * r.cpu_s / max(r.pages, 1):>8.1f} "
              f"{1000 * r.main_cpu_s / max(r.pages, 1):>9.1f} "
              f"{r.peak_rss_mb:>7.0f} {r.tree_rss_mb:>7.0f} "
              f"{r.load_before:>4.1f}->{r.load_after:<4.1f} {r.bad_requests:>8}")
    for name, values in summary.items():
        for key, value in values.items():
            print(f"{name} {key}: {value}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--profile", action="append", choices=sorted(PROFILES),
                   help="polite and/or fast (repeat); default both")
    p.add_argument("--pages", action="append", type=int,
                   help=f"pages in the simulated web ({PAGES_PER_HOST} per host; repeat); default 2000")
    p.add_argument("--crawler", action="append", choices=("harvester", "scrapy"),
                   help="harvester and/or scrapy (repeat); default both")
    p.add_argument("--workers", type=int, default=2, help="SimWeb server processes (default 2)")
    p.add_argument("--keep", action="store_true", help="keep the databases, feeds and logs")
    a = p.parse_args(argv)
    profiles = a.profile or ["fast", "polite"]
    sizes = a.pages or [2000]
    crawlers = a.crawler or ["harvester", "scrapy"]
    scrapy_python = ensure_scrapy() if "scrapy" in crawlers else None
    OUT.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    work = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    for size in sizes:
        hosts = max(1, size // PAGES_PER_HOST)
        with SimWeb(hosts=hosts, pages_per_host=PAGES_PER_HOST, page_kb=(30, 80), seed=1, traps=True,
                    workers=a.workers) as web:
            for profile in profiles:
                for crawler in crawlers:
                    r = crawl(web, crawler, profile, work, scrapy_python)
                    print(f"  {crawler} {profile} {hosts} hosts: {r.pages} pages in {r.span_s:.1f} s = "
                          f"{r.pages_per_s:.1f} pages/s, peak RSS {r.peak_rss_mb:.0f} MB "
                          f"(load {r.load_before:.1f})", file=sys.stderr, flush=True)
                    results.append(r)
    summary = summarise(results)
    print_table(results, summary)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    path = OUT / f"crawl-{stamp}.json"
    path.write_text(json.dumps({"results": [asdict(r) for r in results], "summary": summary,
                                "cpus": os.cpu_count(), "python": sys.version.split()[0]}, indent=2))
    print(f"figures: {path}" + ("" if not a.keep else f"; work files: {work}"))
    if not a.keep:
        for f in work.iterdir():
            f.unlink()
        work.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
