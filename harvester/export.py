"""Organisations, contacts and relations as CSV or JSON: the lists researchers open in Excel.

Records are plain dicts with the stable fields of DESIGN.md ("Stable JSON"); the writers take any
text stream, so the CLI writes to a file or stdout and the web app to a response body.

Safety: every CSV cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is
neutralised with a leading single quote (OWASP "CSV injection"), so scraped text never runs as a
formula. That includes E.164 phone numbers (`+44...`): a spreadsheet shows them as `'+44...`,
which is the price of safety (the JSON export keeps them as they are). Suppressed emails, people
and domains (harvester.suppression) are never exported, and every personal contact written out
(an email or a person) is recorded as a ContactUse(purpose="export") for subject access.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TextIO

import sqlalchemy as sa
from sqlmodel import Session, select

from harvester.errors import BadInput, NotFound
from harvester.models import (
    Cluster,
    Contact,
    ContactKind,
    ContactUse,
    Organisation,
    OrganisationDomainArea,
    OrgStatus,
    Relation,
    Sector,
    Suppression,
    SuppressionKind,
    in_cluster,
)
from harvester.plain_text import plain, terminal_safe_json
from harvester.suppression import normalise, person_key

ORGANISATION_FIELDS: tuple[str, ...] = (
    "id", "name", "kind", "domain", "homepage", "sector", "sector_source", "cluster", "postcode",
    "charity_number", "company_number", "domain_areas", "wave", "status", "first_seen", "last_seen",
)
CONTACT_FIELDS: tuple[str, ...] = (
    "organisation_id", "organisation_domain", "kind", "value", "person_name", "role", "source_url",
    "organisation_name",
)
RELATION_FIELDS: tuple[str, ...] = (
    "source_id", "source_domain", "target_id", "target_domain", "kind", "count", "evidence_url",
    "source_name", "target_name",
)
FIELDS = {"organisations": ORGANISATION_FIELDS, "contacts": CONTACT_FIELDS, "relations": RELATION_FIELDS}

# OWASP: a spreadsheet treats a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Contact kinds that name or reach a person: exporting them is recorded for subject access.
PERSONAL_KINDS = (ContactKind.email, ContactKind.person)
LIST_SEPARATOR = ";"


def neutralise(cell: str) -> str:
    """Prefix a single quote to a cell a spreadsheet would run as a formula."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def iso(ts: datetime | None) -> str | None:
    """A timestamp as ISO 8601 in UTC (`2026-01-31T12:00:00+00:00`), None stays None."""
    if ts is None:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).isoformat()


def enum_value(v: Any) -> Any:
    return v.value if isinstance(v, Enum) else v


# ---------------------------------------------------------------- filters


def _choice(enum: type[Enum], value: str | None, option: str) -> Any:
    if value is None:
        return None
    try:
        return enum(value.strip().lower())
    except ValueError:
        choices = ", ".join(m.value for m in enum)  # type: ignore[attr-defined]
        raise BadInput(f"{option} {value!r} is not one of: {choices}") from None


def organisation_filter(*, cluster: str | None = None, sector: str | None = None,
                        status: str | None = None) -> list[Any]:
    """WHERE clauses on Organisation for the --cluster/--sector/--status options."""
    clauses: list[Any] = []
    if cluster:
        clauses.append(in_cluster(cluster))
    sector_v = _choice(Sector, sector, "--sector")
    if sector_v is not None:
        clauses.append(Organisation.sector == sector_v)
    status_v = _choice(OrgStatus, status, "--status")
    if status_v is not None:
        clauses.append(Organisation.status == status_v)
    return clauses


class SuppressionSet:
    """The do-not-contact list loaded once, matched the way harvester.suppression matches."""

    def __init__(self, session: Session):
        rows = session.exec(select(Suppression.kind, Suppression.value)).all()
        self.values: dict[SuppressionKind, set[str]] = {k: set() for k in SuppressionKind}
        for kind, value in rows:
            self.values[SuppressionKind(kind)].add(value)

    def domain(self, domain: str | None) -> bool:
        return bool(domain) and normalise(SuppressionKind.domain, domain) in self.values[
            SuppressionKind.domain]

    def email(self, email: str | None) -> bool:
        if not email:
            return False
        if normalise(SuppressionKind.email, email) in self.values[SuppressionKind.email]:
            return True
        return "@" in email and self.domain(email.rsplit("@", 1)[1])

    def person(self, name: str | None) -> bool:
        key = person_key(name) if name else ""
        return bool(key) and key in self.values[SuppressionKind.person]

    def contact(self, contact: Contact, org_domain: str | None) -> bool:
        """A contact is suppressed by its email, its person's name or its organisation's domain."""
        if self.domain(org_domain) or self.person(contact.person_name):
            return True
        if contact.kind == ContactKind.email:
            return self.email(contact.value)
        if contact.kind == ContactKind.person:
            return self.person(contact.value)
        return False


# ---------------------------------------------------------------- records


def domain_areas_by_org(session: Session, org_ids: Sequence[int]) -> dict[int, list[str]]:
    """Domain-area ids per organisation, strongest first."""
    out: dict[int, list[str]] = {}
    if not org_ids:
        return out
    rows = session.exec(
        select(OrganisationDomainArea.organisation_id, OrganisationDomainArea.domain_area_id)
        .where(OrganisationDomainArea.organisation_id.in_(list(org_ids)))
        .order_by(OrganisationDomainArea.organisation_id, OrganisationDomainArea.score.desc(),
                  OrganisationDomainArea.domain_area_id)).all()
    for org_id, area in rows:
        out.setdefault(org_id, []).append(area)
    return out


def organisation_record(org: Organisation, domain_areas: list[str]) -> dict[str, Any]:
    """One organisation in the stable JSON shape of DESIGN.md."""
    return {
        "id": org.id, "name": org.name, "kind": enum_value(org.kind), "domain": org.domain,
        "homepage": org.homepage, "sector": enum_value(org.sector),
        "sector_source": enum_value(org.sector_source), "cluster": org.cluster_id,
        "postcode": org.postcode, "charity_number": org.charity_number,
        "company_number": org.company_number, "domain_areas": list(domain_areas), "wave": org.wave,
        "status": enum_value(org.status), "first_seen": iso(org.first_seen), "last_seen": iso(org.last_seen),
    }


def select_organisations(session: Session, *, cluster: str | None = None, sector: str | None = None,
                         status: str | None = None, include_suppressed: bool = False,
                         ) -> list[Organisation]:
    """Organisations matching the filters, by id; suppressed domains left out.

    An unknown cluster is an error (NotFound, exit 2) rather than an empty list: a typo should
    not look like an empty cluster.
    """
    if cluster and session.get(Cluster, cluster) is None:
        known = session.exec(select(Cluster.id).order_by(Cluster.id)).all()
        hint = f"known: {', '.join(known)}" if known else "load a seed file with `harvester seed` first"
        raise NotFound(f"no cluster {cluster!r} ({hint})")
    stmt = select(Organisation).where(*organisation_filter(cluster=cluster, sector=sector,
                                                           status=status)).order_by(Organisation.id)
    orgs = list(session.exec(stmt).all())
    if include_suppressed:
        return orgs
    sup = SuppressionSet(session)
    return [o for o in orgs if not sup.domain(o.domain)]


def organisation_records(session: Session, *, cluster: str | None = None, sector: str | None = None,
                         status: str | None = None) -> list[dict[str, Any]]:
    """Organisations as stable records (the `export organisations` rows)."""
    orgs = select_organisations(session, cluster=cluster, sector=sector, status=status)
    areas = domain_areas_by_org(session, [o.id for o in orgs if o.id is not None])
    return [organisation_record(o, areas.get(o.id or 0, [])) for o in orgs]


def contact_records(session: Session, *, cluster: str | None = None, sector: str | None = None,
                    status: str | None = None, record_use: bool = True,
                    detail: str | None = None) -> list[dict[str, Any]]:
    """Contacts of the matching organisations, suppressed ones left out.

    With `record_use`, each personal contact (email or person) gets a ContactUse row
    (purpose "export", `detail` e.g. the file name); the caller commits.
    """
    orgs = {o.id: o for o in select_organisations(session, cluster=cluster, sector=sector,
                                                  status=status)}
    if not orgs:
        return []
    sup = SuppressionSet(session)
    contacts = session.exec(select(Contact).where(Contact.organisation_id.in_(list(orgs)))
                            .order_by(Contact.organisation_id, Contact.kind, Contact.value)).all()
    records = []
    for c in contacts:
        org = orgs[c.organisation_id]
        if sup.contact(c, org.domain):
            continue
        records.append({
            "organisation_id": c.organisation_id, "organisation_domain": org.domain,
            "kind": enum_value(c.kind), "value": c.value, "person_name": c.person_name, "role": c.role,
            "source_url": c.source_url, "organisation_name": org.name,
        })
        if record_use and (c.kind in PERSONAL_KINDS or c.person_name):
            session.add(ContactUse(contact_id=c.id, purpose="export", detail=detail))
    if record_use:
        session.flush()
    return records


def relation_records(session: Session, *, cluster: str | None = None, sector: str | None = None,
                     status: str | None = None) -> list[dict[str, Any]]:
    """Relations with at least one end among the matching organisations.

    An end whose domain is suppressed drops the relation.
    """
    orgs = {o.id: o for o in select_organisations(session, cluster=cluster, sector=sector,
                                                  status=status)}
    if not orgs:
        return []
    ids = list(orgs)
    rels = session.exec(select(Relation).where(sa.or_(Relation.source_id.in_(ids),
                                                      Relation.target_id.in_(ids)))
                        .order_by(Relation.source_id, Relation.target_id, Relation.kind)).all()
    others = {r.source_id for r in rels} | {r.target_id for r in rels}
    missing = [i for i in others if i not in orgs]
    ends = dict(orgs)
    if missing:
        ends.update({o.id: o for o in session.exec(select(Organisation)
                                                   .where(Organisation.id.in_(missing))).all()})
    sup = SuppressionSet(session)
    records = []
    for r in rels:
        src, tgt = ends[r.source_id], ends[r.target_id]
        if sup.domain(src.domain) or sup.domain(tgt.domain):
            continue
        records.append({
            "source_id": r.source_id, "source_domain": src.domain, "target_id": r.target_id,
            "target_domain": tgt.domain, "kind": enum_value(r.kind), "count": r.count,
            "evidence_url": r.evidence_url, "source_name": src.name, "target_name": tgt.name,
        })
    return records


# ---------------------------------------------------------------- writers


def csv_cell(value: Any) -> str:
    """A record value as a safe CSV cell: lists joined by ';', None empty, formulas neutralised,
    no control characters (a CSV export goes to stdout by default: an ESC in a name stored by an
    older harvest would drive the researcher's terminal)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        value = LIST_SEPARATOR.join(str(enum_value(v)) for v in value)
    elif isinstance(value, datetime):
        value = iso(value)
    return neutralise(plain(enum_value(value)))


def write_csv(records: Iterable[dict[str, Any]], fields: Sequence[str], stream: TextIO, *,
              excel: bool = False) -> int:
    """Write records as CSV to a text stream (opened with newline=""); returns the row count.

    `excel` starts with a byte-order mark and ends lines with CRLF, so Excel reads UTF-8.
    """
    if excel:
        stream.write("\ufeff")
    row = CsvRowWriter(stream, "\r\n" if excel else "\n")
    row.write(list(fields))
    n = 0
    for rec in records:
        row.write([csv_cell(rec.get(f)) for f in fields])
        n += 1
    return n


class CsvRowWriter:
    """csv.writer with a chosen line end that still quotes cells holding a bare CR or LF.

    (Python's csv quotes only the characters of its own line terminator, so a "\n" writer
    would leave a scraped "\r" unquoted and split the row when read back.)
    """

    def __init__(self, stream: TextIO, line_end: str):
        self.stream, self.line_end = stream, line_end
        self.buffer = io.StringIO(newline="")
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def write(self, cells: list[str]) -> None:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow(cells)
        self.stream.write(self.buffer.getvalue()[:-2] + self.line_end)


def write_json(records: Sequence[dict[str, Any]], stream: TextIO) -> int:
    """Write records as a JSON array (stable fields, UTF-8 kept readable); returns the count."""
    # Bidi and C1 controls escaped: the same data, and inert when the array goes to a terminal.
    text = json.dumps(list(records), indent=2, ensure_ascii=False, default=str)
    stream.write(terminal_safe_json(text) + "\n")
    return len(records)


TABLES = ("organisations", "contacts", "relations")
FORMATS = ("csv", "json")


def export_table(session: Session, table: str, stream: TextIO, *, fmt: str = "csv",
                 excel: bool = False, cluster: str | None = None, sector: str | None = None,
                 status: str | None = None, detail: str | None = None) -> int:
    """Write one of organisations / contacts / relations to `stream`; returns the row count."""
    if table not in TABLES:
        raise BadInput(f"unknown export {table!r}: use one of {', '.join(TABLES)}")
    if fmt not in FORMATS:
        raise BadInput(f"--format {fmt!r} is not one of: {', '.join(FORMATS)}")
    filters = {"cluster": cluster, "sector": sector, "status": status}
    if table == "organisations":
        records = organisation_records(session, **filters)
    elif table == "contacts":
        records = contact_records(session, **filters, detail=detail or f"export contacts ({fmt})")
    else:
        records = relation_records(session, **filters)
    if fmt == "json":
        return write_json(records, stream)
    return write_csv(records, FIELDS[table], stream, excel=excel)
