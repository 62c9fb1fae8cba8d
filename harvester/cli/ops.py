"""`harvester schedule`: harvest, propose and prune on a schedule (see harvester.schedule)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from harvester.cli.app import app, note, state
from harvester.errors import BadInput


@app.command()
def schedule(
    ctx: typer.Context,
    every: Annotated[str, typer.Option(
        "--every", help="How often: a number and m, h, d or w (30m, 6h, 1d, 1w).")],
    once: Annotated[bool, typer.Option(
        "--once", help="Run one cycle now and exit (for cron or a systemd timer).")] = False,
    at: Annotated[str | None, typer.Option(
        "--at", help="Align cycles to this local time of day, HH:MM (e.g. --every 1d --at 02:30).")] = None,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Allow hosts on private/loopback addresses (tests, intranets).")] = False,
) -> None:
    """Harvest every DURATION: each cycle harvests all clusters (pages due for a revisit are
    re-fetched with conditional requests), proposes the next wave (logging each cluster's
    saturation) and applies the retention period. Each cycle is a run in `harvester runs`.

    A second scheduler, or a cycle that meets a running harvest, is refused (a lock in the
    database). Ctrl-C or SIGTERM stops cleanly; a harvest in progress is marked interrupted.

    Example: harvester schedule --every 1w --at 02:00
    """
    from harvester.schedule import Scheduler, parse_at, parse_duration, run_cycle

    interval = parse_duration(every)
    at_time = parse_at(at)
    if once and at_time is not None:
        raise BadInput("--at has no effect with --once: cron or the systemd timer decides when it runs")
    from harvester.cli.harvest import NOTHING_SEEDED, check_identity, unseeded
    from harvester.crawl import HarvestOptions

    st = state(ctx)
    engine = st.engine()
    config = st.config()
    check_identity(config, HarvestOptions())
    logging.getLogger("harvester.schedule").setLevel(logging.INFO)

    def cycle():
        return run_cycle(engine, config, harvest_options={"allow_private": allow_private})

    if unseeded(ctx):
        note(ctx, NOTHING_SEEDED)
    results = Scheduler(engine, interval, at=at_time, once=once, cycle=cycle,
                        say=lambda m: note(ctx, m)).run()
    if results and results[-1].status == "interrupted":
        note(ctx, "Stopped. The next cycle resumes where this one stopped.")
        raise typer.Exit(130)
    if results and results[-1].status == "failed":
        raise typer.Exit(1)
