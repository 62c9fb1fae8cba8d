"""`harvester export ...` (organisations, contacts, relations, recruitment, graph, figure, all) and
`harvester import DIR`.

Each command opens the database, calls one writer and reports where the output went. Data goes to
`-o FILE` or stdout; errors (unknown format, unwritable path, non-empty database on import) are one
line and exit 2.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO

import typer

from harvester.cli.app import ClusterOpt, app, note, state
from harvester.errors import BadInput, Failure

export_app = typer.Typer(
    name="export",
    help="Write organisations, contacts, relations, the recruitment list, the network (GraphML, "
    "GEXF), a network figure (SVG, PNG) or the whole database (CSV + manifest).\n\n"
    "Example: harvester export organisations --cluster bristol -o bristol.csv --excel",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(export_app, name="export")

OutputOpt = Annotated[Path | None, typer.Option("--output", "-o",
                                                help="File to write. Default: standard output.")]
SectorOpt = Annotated[str | None, typer.Option(
    "--sector", "-s", help="Only this sector: government, industry, university, third_sector, unknown.")]
StatusOpt = Annotated[str | None, typer.Option(
    "--status", help="Only this status: seed, discovered, candidate, accepted, rejected, contacted, "
    "interviewed, excluded.")]
ExcelOpt = Annotated[bool, typer.Option(
    "--excel", help="CSV for Excel: a UTF-8 byte-order mark and CRLF line ends.")]


def _format(fmt: str | None, output: Path | None, allowed: tuple[str, ...], default: str) -> str:
    """The output format: --format, else the -o suffix, else `default`. A suffix naming another
    format (orgs.xlsx) is refused: the file would not open as what its name promises."""
    suffix = output.suffix.lower().lstrip(".") if output is not None else ""
    if fmt is None and suffix in allowed:
        fmt = suffix
    elif fmt is None and suffix:
        hint = " (for Excel: name it .csv and add --excel)" if suffix in ("xlsx", "xls", "ods") else ""
        raise BadInput(f"cannot tell the format from {output.name!r}: name the file "
                       f"{' or '.join('.' + a for a in allowed)}, or pass --format{hint}")
    fmt = (fmt or default).lower()
    if fmt not in allowed:
        raise BadInput(f"--format {fmt!r} is not one of: {', '.join(allowed)}")
    return fmt


@contextmanager
def open_text(output: Path | None) -> Iterator[TextIO]:
    """A UTF-8 text stream (newline="") on `output`, or on stdout when it is None."""
    if output is None:
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # a captured stdout without bytes underneath
            yield sys.stdout
            return
        sys.stdout.flush()
        stream = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)
        try:
            yield stream
        finally:
            stream.flush()
            stream.detach()
        return
    with _replace_on_success(output, "w", encoding="utf-8", newline="") as fh:
        yield fh


@contextmanager
def open_binary(output: Path) -> Iterator[io.BufferedWriter]:
    with _replace_on_success(output, "wb") as fh:
        yield fh


SQLITE_MAGIC = b"SQLite format 3\x00"


def refuse_database_target(output: Path, option: str = "-o") -> None:
    """An export or report must never replace a database: `--format csv -o data/harvest.db`
    would otherwise overwrite the study with a spreadsheet."""
    try:
        with output.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError:
        return  # missing or unreadable: opening it for writing reports the problem
    if head == SQLITE_MAGIC:
        raise BadInput(f"cannot write {output}: it is a SQLite database (harvester's data?) that "
                       f"must not be written over; choose another {option} file")


@contextmanager
def _replace_on_success(output: Path, mode: str, **kwargs) -> Iterator:
    """Write into a temporary file beside `output` and put it in place only when the export
    succeeded: a bad filter or a crash half-way never empties the user's existing file."""
    if output.is_dir():
        raise BadInput(f"cannot write {output}: it is a folder; give a file name with -o")
    refuse_database_target(output)
    direct = output.exists() and not output.is_file()  # /dev/stdout, a named pipe
    target = output if direct else output.with_name(f".{output.name}.{os.getpid()}.part")
    try:
        fh = open(target, mode, **kwargs)  # noqa: SIM115 - closed below
    except OSError as exc:
        raise BadInput(f"cannot write {output}: {exc.strerror or exc}; choose another -o path") from exc
    try:
        with fh:
            yield fh
        if not direct:
            os.replace(target, output)
    except OSError as exc:
        raise Failure(f"cannot write {output}: {exc.strerror or exc}") from exc
    finally:
        if not direct:
            target.unlink(missing_ok=True)


def _table(ctx: typer.Context, table: str, output: Path | None, fmt: str | None, excel: bool,
           cluster: str | None, sector: str | None, status: str | None) -> None:
    from harvester.db import session_scope
    from harvester.export import FORMATS, export_table

    fmt = _format(fmt, output, FORMATS, "csv")
    if excel and fmt != "csv":
        raise BadInput(f"--excel shapes CSV for Excel; this export is {fmt}: drop --excel, "
                       "or write a .csv file")
    engine = state(ctx).engine()
    with session_scope(engine) as session, open_text(output) as stream:
        n = export_table(session, table, stream, fmt=fmt, excel=excel, cluster=cluster,
                         sector=sector, status=status,
                         detail=f"export {table} to {output.name if output else 'stdout'}")
    noun = table if n != 1 else table.removesuffix("s")  # "1 organisation", "2 organisations"
    note(ctx, f"Wrote {n} {noun} to {output if output else 'standard output'}.")


@export_app.command()
def organisations(ctx: typer.Context, output: OutputOpt = None,
                  fmt: Annotated[str | None, typer.Option(
                      "--format", "-f", help="csv or json. Default: from the -o suffix, else csv.")] = None,
                  cluster: ClusterOpt = None, sector: SectorOpt = None, status: StatusOpt = None,
                  excel: ExcelOpt = False) -> None:
    """Organisations with sector, cluster, domain areas, wave and status.

    Columns: id, name, kind, domain, homepage, sector, sector_source, cluster, postcode,
    charity_number, company_number, domain_areas (';'-separated), wave, status, first_seen, last_seen.

    Example: harvester export organisations --cluster bristol --status accepted -o accepted.csv
    """
    _table(ctx, "organisations", output, fmt, excel, cluster, sector, status)


@export_app.command()
def contacts(ctx: typer.Context, output: OutputOpt = None,
             fmt: Annotated[str | None, typer.Option(
                 "--format", "-f", help="csv or json. Default: from the -o suffix, else csv.")] = None,
             cluster: ClusterOpt = None, sector: SectorOpt = None, status: StatusOpt = None,
             excel: ExcelOpt = False) -> None:
    """Public business contacts of the organisations; do-not-contact entries are left out and each
    personal contact exported is logged for subject access.

    Columns: organisation_id, organisation_domain, kind, value, person_name, role, source_url,
    organisation_name.

    Example: harvester export contacts --cluster cardiff --status accepted -o contacts.csv --excel
    """
    _table(ctx, "contacts", output, fmt, excel, cluster, sector, status)


@export_app.command()
def relations(ctx: typer.Context, output: OutputOpt = None,
              fmt: Annotated[str | None, typer.Option(
                  "--format", "-f", help="csv or json. Default: from the -o suffix, else csv.")] = None,
              cluster: ClusterOpt = None, sector: SectorOpt = None, status: StatusOpt = None,
              excel: ExcelOpt = False) -> None:
    """Relations (partner, funder, links_to, ...) with at least one end among the organisations
    the filters select.

    Columns: source_id, source_domain, target_id, target_domain, kind, count, evidence_url,
    source_name, target_name.

    Example: harvester export relations --cluster salford -o relations.csv
    """
    _table(ctx, "relations", output, fmt, excel, cluster, sector, status)


def _write_bytes(data: bytes, output: Path | None) -> None:
    if output is None:
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:
            sys.stdout.write(data.decode("utf-8"))
        else:
            sys.stdout.flush()
            buffer.write(data)
            buffer.flush()
        return
    with open_binary(output) as fh:
        fh.write(data)


@export_app.command()
def graph(ctx: typer.Context, output: OutputOpt = None,
          fmt: Annotated[str | None, typer.Option(
              "--format", "-f", help="graphml or gexf. Default: from the -o suffix, else graphml.")] = None,
          cluster: ClusterOpt = None, sector: SectorOpt = None, status: StatusOpt = None) -> None:
    """The organisation network for Gephi (GEXF) or yEd/Cytoscape/networkx (GraphML).

    Node attributes: name, kind, domain, sector, cluster, domain_areas, wave, status, score.
    Edge attributes: kind, count (also the weight), evidence (first evidence URL).

    Example: harvester export graph --cluster bristol -o bristol.gexf
    """
    from sqlmodel import Session

    from harvester.graph_export import GRAPH_FORMATS, graph_bytes

    fmt = _format(fmt, output, GRAPH_FORMATS, "graphml")
    with Session(state(ctx).engine()) as session:
        data = graph_bytes(session, fmt, cluster=cluster, sector=sector, status=status)
    _write_bytes(data, output)
    note(ctx, f"Wrote the network ({fmt}) to {output if output else 'standard output'}.")


@export_app.command()
def figure(ctx: typer.Context,
           output: Annotated[Path, typer.Option("--output", "-o",
                                                help="Picture to write: FILE.svg or FILE.png.")],
           fmt: Annotated[str | None, typer.Option(
               "--format", "-f", help="svg or png. Default: from the -o suffix.")] = None,
           cluster: ClusterOpt = None, sector: SectorOpt = None, status: StatusOpt = None) -> None:
    """A network diagram: organisations coloured by sector group, sized by degree, Meetup groups
    as squares, ties styled by kind, the most connected labelled.

    Example: harvester export figure --cluster bristol -o bristol-network.svg
    """
    from sqlmodel import Session

    from harvester.figure import FIGURE_FORMATS, render_figure

    if fmt is None and output.suffix.lower().lstrip(".") not in FIGURE_FORMATS:
        raise BadInput(f"cannot tell the picture format from {output.name!r}: "
                       "name it .svg or .png, or pass --format svg|png")
    fmt = _format(fmt, output, FIGURE_FORMATS, "svg")
    with Session(state(ctx).engine()) as session:
        data = render_figure(session, cluster=cluster, sector=sector, status=status, fmt=fmt)
    _write_bytes(data, output)
    note(ctx, f"Wrote the network figure to {output}.")


@export_app.command("all")
def all_tables(ctx: typer.Context,
               output: Annotated[Path, typer.Option("--output", "-o",
                                                    help="A new (or empty) folder to write into.")]) -> None:
    """Every table as CSV (one file per table) plus manifest.json with row counts and SHA-256
    checksums: a complete archive that `harvester import` loads into an empty database.

    The files are raw data (NULL is \\N, JSON columns hold JSON); they are not made safe for
    spreadsheets, so open the organisations/contacts/relations exports in Excel instead.

    Example: harvester export all -o archive-2026-03-01
    """
    from harvester.archive_io import export_all, manifest_summary

    manifest = export_all(state(ctx).engine(), output)
    note(ctx, f"Wrote {manifest_summary(manifest)} to {output}/ (manifest.json lists the checksums).")


@app.command("import")
def import_(ctx: typer.Context,
            folder: Annotated[Path, typer.Argument(help="A folder written by `harvester export all`.")],
            ) -> None:
    """Load a full-data export (`harvester export all`) into an EMPTY database, checking the
    manifest and every file's checksum first; all or nothing (one transaction).

    Example: harvester --db sqlite:///data/copy.db import archive-2026-03-01
    """
    from harvester.archive_io import import_all

    loaded = import_all(state(ctx).engine(must_exist=False), folder)
    note(ctx, f"Imported {sum(loaded.values()):,} rows into {len(loaded)} tables from {folder}.")


@export_app.command()
def recruitment(ctx: typer.Context, output: OutputOpt = None,
                fmt: Annotated[str | None, typer.Option(
                    "--format", "-f", help="csv or json. Default: from the -o suffix, else csv.")] = None,
                cluster: ClusterOpt = None) -> None:
    """The recruitment record of the snowball sample: who joined in which wave, recruited by whom,
    from which seed (the JSON adds wave-to-wave sector transitions and quotas).

    Example: harvester export recruitment --cluster bristol -o recruitment.csv
    """
    from harvester.db import session_scope
    from harvester.recruitment import write_recruitment

    fmt = _format(fmt, output, ("csv", "json"), "csv")
    # Through the same writer as the other exports: the file is replaced only on success, a
    # missing folder or a database named by -o is refused. A .csv file keeps its byte-order mark
    # (it always had one, for Excel).
    with session_scope(state(ctx).engine()) as session, open_text(output) as stream:
        if output is not None and fmt == "csv" and output.suffix.lower() == ".csv":
            stream.write("\ufeff")
        n = write_recruitment(session, stream, fmt=fmt, cluster=cluster)
    note(ctx, f"Wrote {n} recruitment record{'s' if n != 1 else ''} to "
              f"{output if output else 'standard output'}.")
