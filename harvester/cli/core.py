"""`harvester init` and `harvester runs`."""

from __future__ import annotations

import typer
from sqlmodel import Session, select

from harvester.cli.app import JsonOpt, app, note, out, print_json, state
from harvester.models import HarvestRun


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the database (or bring its schema up to date). Safe to run twice.

    Example: harvester init
    """
    from harvester.db import init_db

    engine = state(ctx).engine(must_exist=False)
    init_db(engine)
    note(ctx, f"Database ready: {engine.url.render_as_string(hide_password=True)}")


@app.command()
def runs(ctx: typer.Context, json_: JsonOpt = False,
         limit: int = typer.Option(20, "--limit", min=1, max=1_000_000,
                                   help="Show this many most recent runs.")) -> None:
    """List harvest runs, newest first, with their status and counts.

    Example: harvester runs --limit 5
    """
    engine = state(ctx).engine()
    with Session(engine) as session:
        rows = session.exec(select(HarvestRun).order_by(HarvestRun.id.desc()).limit(limit)).all()
    if json_:
        print_json([{"id": r.id, "kind": r.kind, "status": r.status, "started_at": r.started_at,
                     "finished_at": r.finished_at, "arguments": r.arguments, "counts": r.counts,
                     "error": r.error} for r in rows])
        return
    from rich.table import Table

    table = Table("run", "kind", "status", "started (UTC)", "finished (UTC)", "counts")
    for r in rows:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(r.counts.items()) if v)
        table.add_row(str(r.id), r.kind, str(r.status), _fmt(r.started_at), _fmt(r.finished_at),
                      counts or "-")
    if not rows:
        note(ctx, "No harvest runs yet: run `harvester harvest`.")
        return
    out.print(table)


def _fmt(ts) -> str:
    return ts.strftime("%Y-%m-%d %H:%M") if ts else "-"
