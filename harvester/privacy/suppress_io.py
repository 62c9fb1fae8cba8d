"""The do-not-contact list in and out: `suppress import FILE.csv` and `suppress list`.

    read_suppressions(path) -> list[SuppressionRow]      validates every row; BadInput "FILE:LINE: ..."
    import_suppressions(session, rows) -> (added, already)    idempotent; caller commits
    list_suppressions(session) -> list[dict]
    entry_reason(entry) -> str                          its reason and the request it came with

CSV columns: kind,value[,reason] with kind one of email, domain, person; a header row naming the
columns is optional; blank lines and lines starting with # are skipped. Values are stored
normalised (harvester.suppression.normalise), so `Jane.Doe@Org.UK` and `jane.doe@org.uk` are one
entry.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from harvester.errors import BadInput
from harvester.models import Suppression, SuppressionKind
from harvester.suppression import hold_list, normalise

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DOMAIN = re.compile(r"(?:https?://)?[a-z0-9-]+(?:\.[a-z0-9-]+)+/?", re.I)
KINDS = ", ".join(k.value for k in SuppressionKind)


@dataclass(frozen=True)
class SuppressionRow:
    kind: SuppressionKind
    value: str  # normalised
    reason: str | None
    line: int


def _check(kind_text: str, value: str, where: str) -> tuple[SuppressionKind, str]:
    try:
        kind = SuppressionKind(kind_text.strip().lower())
    except ValueError:
        raise BadInput(f"{where}: kind {kind_text.strip()!r} is not one of {KINDS}") from None
    value = value.strip()
    if not value:
        raise BadInput(f"{where}: empty value; give an email, a domain or a person's name")
    if kind is SuppressionKind.email and not _EMAIL.fullmatch(value):
        raise BadInput(f"{where}: {value!r} is not an email address (name@example.org)")
    if kind is SuppressionKind.domain and not _DOMAIN.fullmatch(value):
        raise BadInput(f"{where}: {value!r} is not a domain (example.org)")
    key = normalise(kind, value.removeprefix("https://").removeprefix("http://").rstrip("/")
                    if kind is SuppressionKind.domain else value)
    if not key:
        raise BadInput(f"{where}: {value!r} has no letters of a name in it")
    return kind, key


def read_suppressions(path: Path) -> list[SuppressionRow]:
    """Every row of the CSV file, validated; the first bad row raises BadInput naming FILE:LINE
    (and how many more are bad), so nothing is imported from a file with errors."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file; give a CSV file with columns kind,value,reason") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a folder; give a CSV file with columns kind,value,reason") from None
    except PermissionError:
        raise BadInput(f"{path}: cannot be read (permission denied)") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None
    rows: list[SuppressionRow] = []
    errors: list[str] = []
    for number, cells in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].lower() == "kind":
            continue  # header row
        where = f"{path}:{number}"
        try:
            if len(cells) < 2 or len(cells) > 3:
                raise BadInput(f"{where}: expected kind,value[,reason], got {len(cells)} column(s)")
            kind, key = _check(cells[0], cells[1], where)
        except BadInput as exc:
            errors.append(str(exc))
            continue
        reason = cells[2] if len(cells) == 3 and cells[2] else None
        rows.append(SuppressionRow(kind, key, reason, number))
    if errors:
        more = f" (and {len(errors) - 1} more bad row(s)); nothing imported" if len(errors) > 1 \
            else "; nothing imported"
        raise BadInput(errors[0] + more)
    return rows


def import_suppressions(session: Session, rows: list[SuppressionRow]) -> tuple[int, int]:
    """Add the rows not already listed; returns (added, already listed)."""
    hold_list(session, exclusive=True)  # PostgreSQL: a harvest batch reads the list before or after
    existing = {(str(k.value if hasattr(k, "value") else k), v)
                for k, v in session.exec(select(Suppression.kind, Suppression.value)).all()}
    added = already = 0
    for row in rows:
        key = (row.kind.value, row.value)
        if key in existing:
            already += 1
            continue
        existing.add(key)
        session.add(Suppression(kind=row.kind, value=row.value, reason=row.reason))
        added += 1
    session.flush()
    return added, already


def entry_reason(entry: dict[str, Any]) -> str:
    """An entry's reason for people to read: its own words and, for one `forget` added with a
    request, that request ("asked by phone; added with the request about person jane doe")."""
    parts = [entry.get("reason") or "", entry.get("forgotten_with") or ""]
    parts[1] = f"added with the request about {parts[1]}" if parts[1] else ""
    return "; ".join(p for p in parts if p)


def list_suppressions(session: Session) -> list[dict[str, Any]]:
    """The do-not-contact list, oldest first."""
    return [{"id": s.id, "kind": str(s.kind.value if hasattr(s.kind, "value") else s.kind),
             "value": s.value, "reason": s.reason, "forgotten_with": s.forgotten_with,
             "created_at": s.created_at.isoformat() if s.created_at else None}
            for s in session.exec(select(Suppression).order_by(Suppression.id)).all()]
