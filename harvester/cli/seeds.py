"""`harvester seed` (check and load seed files) and `harvester orgs` (list organisations)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from sqlmodel import Session, select

from harvester.cli.app import ClusterOpt, JsonOpt, app, note, out, print_json, safe_text, state
from harvester.db import session_scope
from harvester.errors import BadInput, NotFound, SeedFileError
from harvester.models import SECTOR_GROUPS, Cluster, OrganisationCluster, Sector

# Columns wide enough for long names and domains when the table goes to a pipe or a file.
PIPE_WIDTH = 160
SECTOR_HELP = "Only this sector: government, industry, university, third_sector or unknown."
STATUS_HELP = ("Only this status: seed, discovered, candidate, accepted, rejected, contacted, "
               "interviewed or excluded.")


@app.command(epilog="Files: cluster YAML files, CSV files (name,url,sector,cluster,domains) and "
             "optionally the taxonomy (seeds/taxonomy.yaml), which is then used to check the others.")
def seed(ctx: typer.Context,
         files: Annotated[list[Path], typer.Argument(help="Seed files (.yaml or .csv).",
                                                     show_default=False)]) -> None:
    """Check seed files and load their clusters and organisations as wave 0.

    Every problem in every file is printed as FILE:LINE: message and nothing is loaded until
    all files are clean. Loading the same files again changes nothing; organisations already
    accepted, contacted or interviewed in review keep their status.

    Example: harvester seed seeds/*.yaml
    """
    from harvester.seeds import load_seeds

    engine = state(ctx).engine()
    try:
        with session_scope(engine) as session:
            summary = load_seeds(session, files)
    except SeedFileError as exc:
        for problem in exc.problems:
            typer.echo(problem, err=True)
        count = len(exc.problems)
        # BadInput: the app prints it as the last "Error: ..." line and exits with 2.
        raise BadInput(f"{count} problem{'s' if count != 1 else ''} in the seed files; nothing was "
                       "loaded. Fix them and run the command again.") from None

    table = Table("cluster", "organisations", *(s.value for s in SECTOR_GROUPS), "unknown",
                  title=None, box=None, pad_edge=False)
    for cluster_id in summary.clusters:
        counts = summary.by_cluster.get(cluster_id, {})
        table.add_row(cluster_id, str(sum(counts.values())),
                      *(str(counts.get(s.value, 0)) for s in (*SECTOR_GROUPS, Sector.unknown)))
    taxonomy = f"taxonomy {summary.taxonomy_source}" if summary.taxonomy_source else "taxonomy"
    out.print(f"Loaded {len(summary.files)} seed file{'s' if len(summary.files) != 1 else ''} "
              f"({len(summary.clusters)} cluster{'s' if len(summary.clusters) != 1 else ''}; "
              f"{taxonomy}: {summary.taxonomy_areas} domain areas).", markup=False)
    out.print(table)
    out.print(f"Organisations: {summary.new} new, {summary.updated} updated, "
              f"{summary.unchanged} unchanged.")
    kept = sorted(set(summary.kept_status))
    if kept:
        note(ctx, "Kept their review status: " + "; ".join(kept) + ".")


@app.command()
def orgs(ctx: typer.Context, cluster: ClusterOpt = None,
         sector: Annotated[str | None, typer.Option("--sector", "-s", help=SECTOR_HELP)] = None,
         status: Annotated[str | None, typer.Option("--status", help=STATUS_HELP)] = None,
         json_: JsonOpt = False) -> None:
    """List organisations with their sector, cluster, status and wave.

    --json prints the stable fields: id, name, kind, domain, homepage, sector, sector_source,
    cluster, postcode, charity_number, company_number, domain_areas, wave, status, first_seen,
    last_seen.

    Example: harvester orgs --cluster cardiff --sector university
    """
    from harvester.export import organisation_filter, organisation_records, select_organisations

    engine = state(ctx).engine()
    organisation_filter(cluster=cluster, sector=sector, status=status)  # bad values: exit 2 first
    with Session(engine) as session:
        if cluster and session.get(Cluster, cluster) is None:
            known = ", ".join(session.exec(select(Cluster.id).order_by(Cluster.id)).all()) or "none yet"
            raise NotFound(f"no cluster '{cluster}' in the database (known: {known}); "
                           "load its seed file with `harvester seed`")
        if json_:
            print_json(organisation_records(session, cluster=cluster, sector=sector, status=status))
            return
        rows = select_organisations(session, cluster=cluster, sector=sector, status=status)
        memberships: dict[int, list[str]] = {}
        for org_id, cluster_id in session.exec(select(OrganisationCluster.organisation_id,
                                                      OrganisationCluster.cluster_id)).all():
            memberships.setdefault(org_id, []).append(cluster_id)
    if not rows:
        note(ctx, "No organisations match: load seed files with `harvester seed seeds/*.yaml`."
             if not (cluster or sector or status) else "No organisations match these filters.")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for title in ("id", "name", "sector", "cluster", "status", "wave", "domain"):
        table.add_column(title, no_wrap=title != "name", overflow="fold")
    for org in rows:
        clusters = [org.cluster_id] if org.cluster_id else []
        clusters += sorted(c for c in memberships.get(org.id or 0, []) if c not in clusters)
        cells = (str(org.id), org.name, org.sector.value, ", ".join(clusters) or "-", org.status.value,
                 "-" if org.wave is None else str(org.wave), org.domain or "-")
        table.add_row(*(safe_text(c) for c in cells))  # scraped names: not markup, no control codes
    # A pipe or file gets full-width rows (nothing cut), a terminal gets its own width.
    console = out if out.is_terminal else Console(width=PIPE_WIDTH, highlight=False)
    console.print(table)
    note(ctx, f"{len(rows)} organisation{'s' if len(rows) != 1 else ''}.")
