"""Pure: a CSV seed list (`name,url,sector,cluster,domains`, one organisation a row) into SeedOrganisations.

Apart from the YAML form: its own header, row-width and spreadsheet-export problems. A row's
cluster is checked later, against the whole call and the database. No Session, no I/O.
"""

from __future__ import annotations

import csv
import io

from harvester.seeds.field_checks import Checks, Duplicates
from harvester.seeds.records import SeedOrganisation

CSV_COLUMNS = ("name", "url", "sector", "cluster", "domains")
CSV_REQUIRED = ("name", "url", "cluster")


def parse_seed_csv(text: str, source: str, area_ids: set[str],
                   problems: list[str]) -> list[SeedOrganisation]:
    """Pure: the organisations of a CSV seed file (clusters are checked later, against the
    database and the YAML files of the same call). Rows starting with `#` are comments."""
    before = len(problems)

    def report(line: int, message: str) -> None:
        problems.append(f"{source}:{line}: {message}")

    checks = Checks(area_ids, report)
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    header_line = 1
    organisations: list[SeedOrganisation] = []
    dupes = Duplicates()
    last = 0
    try:
        for row in reader:
            line, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
                continue
            if header is None:
                if len(row) == 1 and ";" in row[0]:  # Excel in many European locales saves `;`
                    report(line, "the columns are separated by ';': save the file as CSV with commas "
                           f"(the first row names the columns: {','.join(CSV_COLUMNS)})")
                    return []
                header, header_line = [c.strip().lower() for c in row], line
                unknown = [c for c in header if c not in CSV_COLUMNS]
                for col in unknown:
                    report(line, f"unknown column '{col}' (allowed: {', '.join(CSV_COLUMNS)})")
                twice = sorted({c for c in header if header.count(c) > 1})
                for col in twice:
                    report(line, f"column '{col}' is named twice")
                unknown += twice
                for col in CSV_REQUIRED:
                    if col not in header:
                        report(line, f"missing required column '{col}' (the first row names the columns: "
                               f"{','.join(CSV_COLUMNS)})")
                if unknown or any(c not in header for c in CSV_REQUIRED):
                    return []
                continue
            org = _csv_row(checks, dict(zip(header, (c.strip() for c in row), strict=False)),
                           len(row), len(header), line, source)
            if org is None:
                continue
            clash = dupes.check(org)
            if clash:
                report(line, clash)
            else:
                organisations.append(org)
    except csv.Error as exc:
        report(reader.line_num, f"CSV error: {exc}")
    if header is None:
        report(header_line, "empty CSV seed file: the first row must name the columns "
               + ",".join(CSV_COLUMNS))
    return organisations if len(problems) == before else []


def _csv_row(checks: Checks, row: dict[str, str], width: int, expected: int, line: int,
             source: str) -> SeedOrganisation | None:
    problems: list[str] = []

    def report(at: int, message: str) -> None:
        problems.append(message)
        checks.report(at, message)

    if width > expected:
        report(line, f"this row has {width} cells but the header names {expected} columns "
               "(put a list of domains in quotes or separate it with ;)")
        return None
    for col in CSV_REQUIRED:
        if not row.get(col):
            report(line, f"missing value in column '{col}'")
    if problems:
        return None
    domain = checks.url(row["url"], line)
    sector = None
    if row.get("sector"):
        ok, sector = checks.sector(row["sector"], line)
        if not ok:
            problems.append("sector")
    if not checks.cluster_id(row["cluster"], line):
        problems.append("cluster")
    domains: list[str] = []
    for area_id in (a.strip() for a in row.get("domains", "").split(";")):
        if not area_id:
            continue
        if not checks.area(area_id, line):
            problems.append("area")
        elif area_id not in domains:
            domains.append(area_id)
    if problems or domain is None:
        return None
    return SeedOrganisation(name=row["name"], url=row["url"], domain=domain, cluster=row["cluster"],
                            source=source, line=line, sector=sector, domains=tuple(domains))
