"""`harvester harvest` and `harvester demo`: crawl with a progress bar, then a summary table."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from harvester.cli.app import ClusterOpt, app, err, note, state
from harvester.config import CONTACT_URL_PLACEHOLDER, Config
from harvester.crawl import Harvest, HarvestOptions, HarvestSummary
from harvester.crawl import Progress as CrawlProgress
from harvester.errors import BadInput

# The counts a researcher wants first in the summary; the rest follow alphabetically.
SUMMARY_FIRST = ("pages_fetched", "pages_not_modified", "pages_denied", "pages_failed",
                 "new_organisations", "new_relations", "new_contacts", "meetup_groups",
                 "meetup_events", "meetup_relations")

# Any of these non-zero means the harvest asked for something.
NOTHING_DUE_COUNTS = ("pages_fetched", "pages_not_modified", "pages_denied", "pages_failed",
                      "unchanged_by_sitemap", "revisits", "meetup_groups", "meetup_events")


# The example addresses of the README, .env.example and the message below: copied verbatim
# they would send a User-Agent that reaches nobody.
EXAMPLE_CONTACT_URLS = frozenset({
    "mailto:you@your-university.ac.uk", "mailto:you@uni.ac.uk", "mailto:me@uni.ac.uk",
    "mailto:me@example.ac.uk", "https://example.ac.uk/our-project",
    "https://example.org/our-research-project",
})


def check_identity(config: Config, options: HarvestOptions) -> None:
    """Site owners must be able to reach the researcher: crawling the open web needs a
    `contact_url` of one's own in the User-Agent (a replay sends nothing anywhere)."""
    if options.replay is None and config.contact_url.strip().lower() in EXAMPLE_CONTACT_URLS:
        raise BadInput(f"contact_url {config.contact_url!r} is an example from the README or "
                       ".env.example, not you: set your own project page or email in harvester.toml "
                       "or HARVESTER_CONTACT_URL (site owners see it in harvester's User-Agent)")
    if options.replay is None and config.contact_url == CONTACT_URL_PLACEHOLDER:
        raise BadInput("set contact_url to your project page or email before crawling the open web: "
                       "add contact_url = \"mailto:you@your-university.ac.uk\" to harvester.toml or set "
                       "HARVESTER_CONTACT_URL (site owners see it in harvester's User-Agent)")


def run_harvest(ctx: typer.Context, options: HarvestOptions, **overrides) -> HarvestSummary:
    """Run one harvest with a live progress bar on stderr (none with --quiet)."""
    st = state(ctx)
    config = st.config(**overrides)
    check_identity(config, options)
    engine = st.engine()
    live = CrawlProgress()
    if st.quiet:
        return Harvest(engine, config, options, live).run()
    columns = (TextColumn("[bold]harvest[/]"), BarColumn(), TaskProgressColumn(),
               TextColumn("{task.completed}/{task.total} pages"), TextColumn("{task.fields[rate]}"),
               TextColumn("errors {task.fields[errors]}"), TextColumn("hosts {task.fields[hosts]}"),
               TimeElapsedColumn())
    start = time.monotonic()
    # Not on a terminal (logs, scripts): no bar left behind, so an error stays the one stderr line.
    with Progress(*columns, console=err, disable=not err.is_terminal) as bar:
        task = bar.add_task("pages", total=1, rate="", errors=0, hosts=0)

        def show(p: CrawlProgress) -> None:
            elapsed = max(time.monotonic() - start, 1e-6)
            bar.update(task, completed=p.done, total=max(p.done + p.queued + p.hosts_active, 1),
                       rate=f"{p.done / elapsed:.1f} pages/s", errors=p.errors, hosts=p.hosts_active)

        live.on_change = show
        return Harvest(engine, config, options, live).run()


def print_summary(ctx: typer.Context, summary: HarvestSummary) -> None:
    if state(ctx).quiet:
        return
    table = Table(title=f"Harvest run {summary.run_id}: {summary.status} in {summary.seconds:.1f} s")
    table.add_column("count")
    table.add_column("value", justify="right")
    counts = {"pages_fetched": 0, **summary.counts}  # "0 pages" is said, not left out
    keys = [k for k in SUMMARY_FIRST if k in counts]
    keys += sorted(k for k in counts if k not in keys)
    for key in keys:
        table.add_row(key.replace("_", " "), f"{counts[key]:,}")
    err.print(table)


def nothing_was_due(summary: HarvestSummary) -> bool:
    """A completed harvest that asked for nothing (everything fetched recently)."""
    return summary.status == "completed" and not any(summary.counts.get(k) for k in NOTHING_DUE_COUNTS)


def _check_file(path: Path | None, what: str) -> None:
    if path is None:
        return
    if path.is_dir():
        raise BadInput(f"{path}: is a folder: name the {what} file in it")
    if not path.is_file():
        raise BadInput(f"{path}: no such {what} file")
    if path.stat().st_size == 0:
        raise BadInput(f"{path}: the {what} file is empty (was the harvest that wrote it stopped at once?)")


def _check_warc(path: Path) -> None:
    """Read the archive's first record before a run starts: a damaged or non-WARC file is named
    at once instead of failing a run that has already queued its pages."""
    from warcio.archiveiterator import ArchiveIterator

    from harvester.fetch.archive import DamagedArchive

    try:
        with path.open("rb") as fh:
            first = next(iter(ArchiveIterator(fh)), None)
            kind = first.format if first is not None else None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the WARC archive ({exc.strerror or exc})") from exc
    except Exception as exc:  # noqa: BLE001 - warcio raises many kinds on a damaged file
        raise DamagedArchive(path, exc) from exc
    if kind != "warc":  # warcio reads any line of five words as an old ARC header
        raise DamagedArchive(path, ValueError(f"the first record is not a WARC record ({kind or 'none'})"))


def _check_archive_writable(path: Path) -> None:
    """Open the --archive for appending before the run starts, as the harvest will (folders and
    file are made then anyway): one that cannot be written is named now, not by a failed run."""
    if path.is_dir():
        raise BadInput(f"--archive {path}: is a folder; name a file such as {path / 'run.warc.gz'}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab"):
            pass
    except OSError as exc:
        raise BadInput(f"cannot write the archive {path}: {exc.strerror or exc}; "
                       "choose another --archive path") from exc


def unseeded(ctx: typer.Context) -> bool:
    """True when the database has neither clusters nor organisations: nothing could be crawled."""
    from sqlmodel import Session, select

    from harvester.models import Cluster, Organisation

    with Session(state(ctx).engine()) as s:
        return (s.exec(select(Cluster.id).limit(1)).first() is None
                and s.exec(select(Organisation.id).limit(1)).first() is None)


# Said by `harvest` and `schedule` on an empty database (cycles would only report zeros).
NOTHING_SEEDED = ("Nothing to harvest yet: the database has no clusters or organisations; load seed "
                  "files first with `harvester seed seeds/*.yaml`.")


@app.command()
def harvest(
    ctx: typer.Context,
    cluster: ClusterOpt = None,
    max_pages: Annotated[int | None, typer.Option(
        "--max-pages", min=1, help="Pages per site (the page budget). Default: 30.")] = None,
    depth: Annotated[int | None, typer.Option(
        "--depth", min=0, help="Link depth from the homepage. Default: 3.")] = None,
    concurrency: Annotated[int | None, typer.Option(
        "--concurrency", min=1, help="Requests in flight over all hosts. Default: 32.")] = None,
    delay: Annotated[float | None, typer.Option(
        "--delay", min=0.0, help="Seconds between two requests to one host. Default: 1.0.")] = None,
    replay: Annotated[Path | None, typer.Option(
        "--replay", help="Answer every request from this WARC archive; no network at all.")] = None,
    archive: Annotated[Path | None, typer.Option(
        "--archive", help="Write every request and response to this WARC file (.warc.gz).")] = None,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Allow hosts on private/loopback addresses (tests, intranets).")] = False,
    meetup_only: Annotated[bool, typer.Option("--meetup-only", help="Only Meetup sources.")] = False,
    no_meetup: Annotated[bool, typer.Option("--no-meetup", help="Skip Meetup sources.")] = False,
    refresh: Annotated[bool, typer.Option(
        "--refresh", help="Make every known page due now (default: only pages older than "
        "revisit_days). A due page is asked for conditionally (unchanged: a 304, no body) unless "
        "its site's sitemap proves it unchanged (see sitemap_trust_days; 0 asks every page).")] = False,
    no_profiles: Annotated[bool, typer.Option(
        "--no-profiles", help="Do not fetch the homepage and contact page of organisations that "
        "seeds link to (candidates then have no contacts).")] = False,
    worker: Annotated[bool, typer.Option(
        "--worker", help="Share the frontier with other `harvest --worker` processes on one "
        "PostgreSQL database (each claims whole hosts). On SQLite: an ordinary harvest.")] = False,
) -> None:
    """Crawl the websites and Meetup sources of seed and accepted organisations.

    Obeys robots.txt, waits --delay seconds between requests to one host, retries politely,
    sends conditional requests, and records every fact with its page, time and run. Ctrl-C stops
    cleanly; the next harvest resumes where this one stopped.

    Example: harvester harvest --cluster bristol --max-pages 20
    """
    if meetup_only and no_meetup:
        raise BadInput("--meetup-only and --no-meetup contradict each other: choose one")
    _check_file(replay, "WARC")
    if replay is not None:
        _check_warc(replay)
    if archive is not None:
        from harvester.cli.export import refuse_database_target

        refuse_database_target(archive, "--archive")  # records appended to a database damage it
        _check_archive_writable(archive)
    options = HarvestOptions(cluster=cluster, replay=replay, archive=archive,
                             allow_private=allow_private, web=not meetup_only, meetup=not no_meetup,
                             refresh=refresh, profile_candidates=not no_profiles)
    from harvester.workers import harvest_guard

    with harvest_guard(state(ctx).engine(), worker, lambda m: note(ctx, m)) as options.worker:
        summary = run_harvest(ctx, options, max_pages=max_pages, depth=depth, concurrency=concurrency,
                              delay=delay)
    print_summary(ctx, summary)
    if unseeded(ctx):
        note(ctx, NOTHING_SEEDED)
    elif nothing_was_due(summary):
        # A re-harvest soon after the last one asks for nothing: say why, or it looks broken.
        note(ctx, "No page was due: pages are fetched again after revisit_days (default 7 days); "
             "add --refresh to fetch them now.")
    if summary.status == "interrupted":
        note(ctx, "Stopped. Run `harvester harvest` again to resume where it stopped.")
        raise typer.Exit(130)
