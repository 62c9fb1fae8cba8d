"""`harvester demo`: the whole pipeline on the bundled offline sample, with no network at all."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlmodel import Session

from harvester.cli.app import app, err, note, safe_text, state
from harvester.cli.harvest import print_summary, run_harvest
from harvester.crawl import HarvestOptions

DEMO_DB_PATH = Path("data/demo.db")
DEMO_OUT = Path("data/demo")
PROPOSAL_ROWS = 5


def _fresh_sqlite(path: Path) -> None:
    """The demo starts from an empty database so that its figures are reproducible."""
    for suffix in ("", "-wal", "-shm"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            p.unlink()


def _check_out(out: Path) -> None:
    """Make the export folder before a minute of work, so a bad --out fails first and by name."""
    from harvester.errors import BadInput

    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out}: is a file, not a folder; choose a folder for the demo exports")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"--out {out}: cannot create the folder ({exc.strerror or exc}); "
                       "choose another folder") from exc


def _refuse_used_database(engine, db_shown: str) -> None:
    """The sample's fictional organisations must never mix with a study's: a `--db` or
    `HARVESTER_DB` that already holds organisations (a researcher's own database) is refused."""
    import sqlalchemy as sa

    from harvester.errors import BadInput
    from harvester.models import Organisation

    try:
        if not sa.inspect(engine).has_table(Organisation.__tablename__):
            return
        with engine.connect() as conn:
            held = int(conn.execute(sa.select(sa.func.count()).select_from(Organisation)).scalar_one())
    except sa.exc.DatabaseError:
        return  # not a database at all: `init_db` names the file and what to do
    if held:
        raise BadInput(f"the database at {db_shown} already holds {held:,} organisations: the demo "
                       "needs an empty one (drop --db to use data/demo.db, or give a new --db)")


@app.command()
def demo(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the exported files.")] = DEMO_OUT,
) -> None:
    """Run seed -> harvest -> propose -> export on the bundled offline sample (no network).

    The sample is a small web of fictional organisations in Bristol, Cardiff and Salford, with
    Meetup group pages, kept as a WARC archive and replayed. Unless --db is given (HARVESTER_DB
    is not used), it writes a fresh data/demo.db and the files organisations.csv, relations.csv,
    network.graphml and network.svg into --out. A database given with --db must hold no
    organisations yet: the sample's fictional organisations never mix with a study's.

    Example: harvester demo && harvester --db sqlite:///data/demo.db serve
    """
    from harvester.db import init_db
    from harvester.demo import SAMPLE_CLUSTERS, SAMPLE_SEEDS, SAMPLE_WARC
    from harvester.seeds import load_seeds
    from harvester.snowball import propose

    _check_out(out)
    st = state(ctx)
    if st.db_from_env:
        # HARVESTER_DB names the study's database (the Docker image sets it): the fictional
        # sample never goes there unless --db asks for it on the command line.
        note(ctx, f"HARVESTER_DB is not used by the demo: it writes {DEMO_DB_PATH} "
                  "(give --db to choose another database).")
        st.db_url = None
    if st.db_url is None:
        _fresh_sqlite(DEMO_DB_PATH)
        st.db_url = f"sqlite:///{DEMO_DB_PATH}"
    engine = st.engine(must_exist=False)
    db_shown = engine.url.render_as_string(hide_password=True)
    _refuse_used_database(engine, db_shown)
    init_db(engine)

    note(ctx, f"[bold]1. seed[/] the sample clusters into {escape(db_shown)}", markup=True)
    with Session(engine) as s:
        summary = load_seeds(s, list(SAMPLE_SEEDS))
        s.commit()
    note(ctx, f"   {summary.new + summary.updated + summary.unchanged} seed organisations in "
              f"{', '.join(summary.clusters)}")

    note(ctx, "[bold]2. harvest[/] by replaying the bundled WARC archive (no network)", markup=True)
    result = run_harvest(ctx, HarvestOptions(replay=SAMPLE_WARC, kind="demo"))
    print_summary(ctx, result)

    note(ctx, "[bold]3. propose[/] wave 1 for each cluster", markup=True)
    with Session(engine) as s:
        for cluster in SAMPLE_CLUSTERS:
            proposal = propose(s, cluster=cluster, top=PROPOSAL_ROWS)
            _print_proposal(ctx, cluster, proposal)

    note(ctx, f"[bold]4. export[/] to {escape(str(out))}/", markup=True)
    written = export_demo_files(engine, out)
    for path in written:
        note(ctx, f"   {path}")
    note(ctx, "\nNext: review the proposals in your browser with\n"
              f"   harvester --db {db_shown} serve\n"
              "and open http://127.0.0.1:8000/ (or review in the terminal with "
              f"`harvester --db {db_shown} review`).")


def _print_proposal(ctx: typer.Context, cluster: str, proposal) -> None:
    if state(ctx).quiet:
        return
    table = Table(title=f"{cluster}: proposed for wave {proposal.wave}", show_lines=False)
    for col in ("rank", "organisation", "sector", "score", "why", "contact"):
        table.add_column(col, overflow="fold")
    for c in proposal.candidates:
        contact = "-"
        if c.contact is not None:
            who = c.contact.person_name
            contact = c.contact.value
            if who:
                contact = f"{who} ({c.contact.role or 'contact'})"
                if c.contact.value != who:
                    contact += f" {c.contact.value}"
        # Scraped text is shown as plain Text: rich would read "[...]" in a name as markup.
        table.add_row(str(c.rank), safe_text(c.name), c.sector, f"{c.score:.2f}", safe_text(c.why),
                      safe_text(contact))
    if not proposal.candidates:
        table.add_row("-", "no candidates yet", "", "", "", "")
    err.print(table)


def export_demo_files(engine, out: Path) -> list[Path]:
    """organisations.csv, relations.csv, network.graphml and network.svg in `out`."""
    from harvester.export import export_table
    from harvester.figure import render_figure
    from harvester.graph_export import graph_bytes

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with Session(engine) as s:
        for table in ("organisations", "relations"):
            path = out / f"{table}.csv"
            with path.open("w", encoding="utf-8", newline="") as fh:
                export_table(s, table, fh, fmt="csv")
            written.append(path)
        graphml = out / "network.graphml"
        graphml.write_bytes(graph_bytes(s, "graphml"))
        written.append(graphml)
        svg = out / "network.svg"
        svg.write_bytes(render_figure(s, fmt="svg"))
        written.append(svg)
        s.commit()
    return written
