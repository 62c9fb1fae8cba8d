"""Full-data export and re-import: every table as CSV plus a manifest, for a team moving machines
or an archive deposited with a paper.

`export_all(engine, folder)` writes one `<table>.csv` per table (header = column names, rows in
primary-key order) and `manifest.json` (harvester version, export time, database dialect, and per
table its file, columns, row count and SHA-256). `import_all(engine, folder)` checks the manifest
and every checksum, then loads the rows into an EMPTY database in one transaction, parents before
children; on PostgreSQL it moves the id sequences past the imported ids.

Cell encoding (exact and reversible, unlike a spreadsheet export): NULL is `\\N` (PostgreSQL's COPY
convention) and a text value that starts with a backslash gets one more; JSON columns hold compact
JSON text; timestamps are ISO 8601 in UTC; booleans `true`/`false`; floats in Python's shortest
round-trip form. Cells are NOT neutralised against formula injection: this is a data archive that
must read back exactly, not a list for Excel (use `harvester export organisations|contacts|...`).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from harvester import __version__
from harvester.errors import BadInput, Failure
from harvester.export import CsvRowWriter
from harvester.models import UTCDateTime

MANIFEST = "manifest.json"
README = "README.txt"
ARCHIVE_FORMAT = "harvester-archive"
ARCHIVE_VERSION = 1
NULL = "\\N"
BATCH_ROWS = 1000
README_TEXT = """\
A full-data export of a harvester database (`harvester export all`).
Load it into an empty database with: harvester --db URL import THIS_FOLDER
manifest.json lists each table's file, columns, row count and SHA-256.
Cells are raw data: NULL is \\N, JSON columns hold JSON text, times are UTC.
They are not protected against spreadsheet formulas: do not open these files in Excel;
use `harvester export organisations|contacts|relations` for spreadsheets.
"""


def tables() -> list[sa.Table]:
    """Every harvester table, parents before children (the import order)."""
    return list(SQLModel.metadata.sorted_tables)


# ---------------------------------------------------------------- cell encoding


def encode(value: Any, column: sa.Column) -> str:
    """One database value as a CSV cell (see the module docstring)."""
    if value is None:
        return NULL
    if isinstance(column.type, sa.JSON):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    elif isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        text = value.astimezone(UTC).isoformat()
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, Enum):
        text = str(value.value)
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = str(value)
    return "\\" + text if text.startswith("\\") else text


def decode(cell: str, column: sa.Column) -> Any:
    """The inverse of `encode` for `column`'s type."""
    if cell == NULL:
        return None
    if cell.startswith("\\"):
        cell = cell[1:]
    ctype = column.type
    if isinstance(ctype, sa.JSON):
        return json.loads(cell)
    if isinstance(ctype, UTCDateTime | sa.DateTime):
        return datetime.fromisoformat(cell)
    if isinstance(ctype, sa.Boolean):
        if cell not in ("true", "false"):
            raise ValueError(f"not a boolean: {cell!r}")
        return cell == "true"
    if isinstance(ctype, sa.Enum) and ctype.enum_class is not None:
        return ctype.enum_class(cell)
    if isinstance(ctype, sa.Integer):
        return int(cell)
    if isinstance(ctype, sa.Float):
        return float(cell)
    return cell


# ---------------------------------------------------------------- export


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _rows(conn: sa.Connection, table: sa.Table) -> Iterator[sa.Row]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = conn.execution_options(yield_per=BATCH_ROWS).execute(sa.select(table).order_by(*order))
    yield from result


def export_all(engine: Engine, folder: str | Path, *, now: datetime | None = None) -> dict[str, Any]:
    """Write every table and the manifest into `folder` (new or empty); returns the manifest."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise BadInput(f"{folder} is a file, not a folder: choose a new folder for `export all -o`")
    if folder.exists() and any(folder.iterdir()):
        raise BadInput(f"{folder} is not an empty folder: choose a new folder for `export all -o`")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"cannot create {folder}: {exc.strerror or exc}; choose another -o folder") from exc
    entries = []
    with engine.connect() as conn:
        for table in tables():
            path = folder / f"{table.name}.csv"
            columns = list(table.columns)
            count = 0
            with path.open("w", encoding="utf-8", newline="") as fh:
                writer = CsvRowWriter(fh, "\n")
                writer.write([c.name for c in columns])
                for row in _rows(conn, table):
                    writer.write([encode(row._mapping[c], c) for c in columns])
                    count += 1
            entries.append({"name": table.name, "file": path.name, "columns": [c.name for c in columns],
                            "rows": count, "sha256": _sha256(path)})
    (folder / README).write_text(README_TEXT, encoding="utf-8")
    manifest = {
        "format": ARCHIVE_FORMAT, "format_version": ARCHIVE_VERSION, "harvester_version": __version__,
        "exported_at": (now or datetime.now(UTC)).astimezone(UTC).isoformat(),
        "database": engine.dialect.name, "tables": entries,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    return manifest


# ---------------------------------------------------------------- import


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of an export folder, checked against this version's schema and checksums."""
    folder = Path(folder)
    path = folder / MANIFEST
    if folder.is_file():  # e.g. manifest.json itself, or a zip of the folder
        raise BadInput(f"{folder} is a file: give the folder written by `harvester export all -o DIR` "
                       "(unzip it first if it was sent as a zip)")
    if not path.is_file():
        raise BadInput(f"{path} not found: give the folder written by `harvester export all -o DIR`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT:
        raise BadInput(f"{path} is not a harvester export manifest (format != {ARCHIVE_FORMAT!r})")
    if manifest.get("format_version") != ARCHIVE_VERSION:
        raise BadInput(f"{path}: archive format version {manifest.get('format_version')!r} is not "
                       f"supported (this harvester reads version {ARCHIVE_VERSION})")
    known = {t.name: t for t in tables()}
    for entry in manifest.get("tables") or []:
        name = entry.get("name")
        if name not in known:
            raise BadInput(f"{path}: table {name!r} is not in this version's schema; "
                           "import with the harvester version that exported it")
        unknown = set(entry.get("columns") or []) - set(known[name].columns.keys())
        if unknown:
            raise BadInput(f"{path}: table {name!r} has columns this version does not know: "
                           f"{', '.join(sorted(unknown))}")
        file = folder / str(entry.get("file", ""))
        if not file.is_file() or file.parent.resolve() != folder.resolve():
            raise BadInput(f"{file} is missing: the export folder is incomplete")
        if _sha256(file) != entry.get("sha256"):
            raise BadInput(f"{file}: checksum does not match manifest.json (the file was changed "
                           "or damaged); re-export or restore it")
    return manifest


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per harvester table (tables that do not exist count 0)."""
    existing = set(sa.inspect(engine).get_table_names())
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for table in tables():
            if table.name in existing:
                counts[table.name] = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            else:
                counts[table.name] = 0
    return counts


def _read_rows(path: Path, table: sa.Table, header_expected: list[str]) -> Iterator[tuple[int, dict]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != header_expected:
            raise BadInput(f"{path}:1: header does not match manifest.json's columns")
        columns = [table.columns[name] for name in header]
        for line_no, cells in enumerate(reader, start=2):
            if len(cells) != len(columns):
                raise BadInput(f"{path}:{line_no}: {len(cells)} cells, expected {len(columns)}")
            try:
                yield line_no, {c.name: decode(cell, c) for c, cell in zip(columns, cells, strict=True)}
            except (ValueError, json.JSONDecodeError) as exc:
                raise BadInput(f"{path}:{line_no}: {exc}") from exc


def _self_references(table: sa.Table) -> list[str]:
    """Columns pointing at the same table (inserted NULL first, set once every row exists)."""
    return [c.name for c in table.columns
            if any(fk.column.table is table for fk in c.foreign_keys)]


def import_all(engine: Engine, folder: str | Path) -> dict[str, int]:
    """Load an `export_all` folder into an empty database in one transaction; rows per table."""
    from harvester.db import init_db

    folder = Path(folder)
    manifest = read_manifest(folder)
    init_db(engine)
    counts = row_counts(engine)
    filled = {name: n for name, n in counts.items() if n}
    if filled:
        sample = ", ".join(f"{n} in {name}" for name, n in list(filled.items())[:3])
        raise BadInput(f"the database at {engine.url.render_as_string(hide_password=True)} is not empty "
                       f"({sample}): import into a new database (harvester --db URL import DIR)")
    entries = {e["name"]: e for e in manifest.get("tables") or []}
    loaded: dict[str, int] = {}
    try:
        with engine.begin() as conn:
            for table in tables():
                entry = entries.get(table.name)
                if entry is None:
                    continue
                loaded[table.name] = _load_table(conn, table, folder / entry["file"], list(entry["columns"]))
                if loaded[table.name] != entry.get("rows"):
                    raise BadInput(f"{folder / entry['file']}: {loaded[table.name]} rows, manifest.json "
                                   f"says {entry.get('rows')}")
            if conn.dialect.name == "postgresql":
                _fix_sequences(conn)
    except sa.exc.IntegrityError as exc:
        raise Failure(f"import refused by the database ({exc.orig}); nothing was imported") from exc
    return loaded


def _load_table(conn: sa.Connection, table: sa.Table, path: Path, columns: list[str]) -> int:
    deferred = _self_references(table)
    pk = [c.name for c in table.primary_key.columns]
    updates: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    count = 0
    for _line, row in _read_rows(path, table, columns):
        later = {name: row[name] for name in deferred if row.get(name) is not None}
        if later:
            updates.append({**{f"pk_{k}": row[k] for k in pk}, **{f"v_{k}": v for k, v in later.items()}})
            row = {**row, **{name: None for name in later}}
        batch.append(row)
        count += 1
        if len(batch) >= BATCH_ROWS:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
    for update in updates:
        where = [table.c[k] == sa.bindparam(f"pk_{k}") for k in pk]
        values = {k[2:]: sa.bindparam(k) for k in update if k.startswith("v_")}
        conn.execute(table.update().where(*where).values(**values), update)
    return count


def _fix_sequences(conn: sa.Connection) -> None:
    """After explicit ids, move each serial sequence past the largest id (PostgreSQL only)."""
    for table in tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, sa.Integer):
            continue
        name = table.name
        col = pk[0].name
        conn.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('\"{name}\"', '{col}'), "
            f"COALESCE(MAX(\"{col}\"), 1), MAX(\"{col}\") IS NOT NULL) FROM \"{name}\""))


def manifest_summary(manifest: dict[str, Any]) -> str:
    """'12 tables, 3,456 rows' for the CLI's closing line."""
    entries = manifest.get("tables") or []
    return f"{len(entries)} tables, {sum(int(e.get('rows', 0)) for e in entries):,} rows"
