"""Recruitment records in the shape survey statisticians use for snowball / RDS samples.

For every included organisation (seed, accepted, contacted, interviewed): its wave, its seed, its
recruiter (who nominated or linked it first), its sector group. From those: per wave the
cross-sector transitions (recruiter sector -> recruit sector) and the recruits per seed. Quotas
per cluster x sector group are stored in the Quota table; `harvester propose` says which quota a
candidate fills, and quotas set the balance feature's target shares for that cluster.

`write_recruitment(session, path_or_stream, fmt="csv"|"json", cluster=None)` is what
`harvester export recruitment` calls. CSV: one row per included organisation (columns in
`RECORD_COLUMNS`), cells that a spreadsheet would run as formulas neutralised. JSON: an object
with "records", "transitions", "recruits_per_seed" and "quotas".
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from sqlmodel import Session, select

from harvester.decisions import parse_sector, recruiter_of
from harvester.errors import BadInput
from harvester.models import (
    INCLUDED_STATUSES,
    SECTOR_GROUPS,
    Decision,
    DecisionKind,
    Organisation,
    Quota,
    Referral,
    in_cluster,
    utcnow,
)
from harvester.snowball import check_cluster

RECORD_COLUMNS = ("organisation_id", "name", "domain", "cluster", "sector", "status", "wave", "seed_id",
                  "seed_name", "recruiter_id", "recruiter_name", "recruiter_sector", "recruited_via",
                  "included_at")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class RecruitmentRecord:
    organisation_id: int
    name: str
    domain: str | None
    cluster: str | None
    sector: str
    status: str
    wave: int | None
    seed_id: int | None
    seed_name: str | None
    recruiter_id: int | None
    recruiter_name: str | None
    recruiter_sector: str | None
    recruited_via: str | None  # seed | referral | relation | none
    included_at: str | None  # first accept/contacted/interviewed decision (UTC ISO), None for seeds


@dataclass
class QuotaStatus:
    cluster: str
    sector: str
    target: int
    included: int

    @property
    def remaining(self) -> int:
        return max(0, self.target - self.included)


def recruitment_records(session: Session, cluster: str | None = None) -> list[RecruitmentRecord]:
    """One record per included organisation, by wave then id."""
    check_cluster(session, cluster)
    query = select(Organisation).where(Organisation.status.in_([s.value for s in INCLUDED_STATUSES]))
    if cluster:
        query = query.where(in_cluster(cluster))
    orgs = session.exec(query.order_by(Organisation.id)).all()
    by_id = {o.id: o for o in orgs}
    joined = _joined_at(session)
    referred = set(session.exec(select(Referral.to_organisation_id).where(
        Referral.to_organisation_id.is_not(None))).all())
    records = []
    for org in orgs:
        is_seed = org.wave == 0 or str(org.status) == "seed"
        recruiter = None
        if org.recruited_from_id is not None:
            recruiter = by_id.get(org.recruited_from_id) or session.get(Organisation, org.recruited_from_id)
        elif not is_seed:
            recruiter = recruiter_of(session, org.id)  # type: ignore[arg-type]
        seed_id = org.id if is_seed else org.seed_id or (
            (recruiter.seed_id or recruiter.id) if recruiter is not None else None)
        seed = by_id.get(seed_id) or (session.get(Organisation, seed_id) if seed_id else None)
        via = ("seed" if is_seed else "none" if recruiter is None
               else "referral" if org.id in referred else "relation")
        at = joined.get(org.id)  # type: ignore[arg-type]
        records.append(RecruitmentRecord(
            organisation_id=org.id, name=org.name, domain=org.domain,  # type: ignore[arg-type]
            cluster=org.cluster_id, sector=str(org.sector), status=str(org.status), wave=org.wave,
            seed_id=seed_id, seed_name=seed.name if seed else None,
            recruiter_id=recruiter.id if recruiter else None,
            recruiter_name=recruiter.name if recruiter else None,
            recruiter_sector=str(recruiter.sector) if recruiter else None, recruited_via=via,
            included_at=at.isoformat() if at and not is_seed else None))
    records.sort(key=lambda r: (r.wave if r.wave is not None else 1 << 30, r.organisation_id))
    return records


def _joined_at(session: Session) -> dict[int, Any]:
    kinds = [DecisionKind.accept.value, DecisionKind.contacted.value, DecisionKind.interviewed.value]
    out: dict[int, Any] = {}
    for oid, at in session.exec(select(Decision.organisation_id, Decision.created_at).where(
            Decision.decision.in_(kinds)).order_by(Decision.id)).all():
        out.setdefault(oid, at)
    return out


def transitions(records: list[RecruitmentRecord]) -> list[dict[str, Any]]:
    """Per wave, how many recruits of each sector came from recruiters of each sector."""
    counts = Counter((r.wave, r.recruiter_sector, r.sector) for r in records
                     if r.recruiter_sector is not None and r.wave is not None)
    return [{"wave": w, "from_sector": a, "to_sector": b, "count": n}
            for (w, a, b), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2]))]


def transition_matrix(records: list[RecruitmentRecord], wave: int | None = None) -> dict[str, dict[str, int]]:
    """from_sector -> to_sector -> recruits (one wave, or all waves when None)."""
    sectors = [s.value for s in SECTOR_GROUPS] + ["unknown"]
    matrix = {a: dict.fromkeys(sectors, 0) for a in sectors}
    for t in transitions(records):
        if wave is None or t["wave"] == wave:
            matrix[t["from_sector"]][t["to_sector"]] += t["count"]
    return matrix


def recruits_per_seed(records: list[RecruitmentRecord]) -> list[dict[str, Any]]:
    """Per seed and wave, how many organisations its chain recruited."""
    counts = Counter((r.seed_id, r.wave) for r in records if r.recruited_via != "seed" and r.seed_id)
    names = {r.organisation_id: r.name for r in records}
    return [{"seed_id": s, "seed_name": names.get(s), "wave": w, "recruits": n}
            for (s, w), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))]


# ---------------------------------------------------------------- quotas


def set_quota(session: Session, cluster: str, sector: str, target: int) -> Quota:
    """Store (or change) the quota of one cluster x sector group; flushed, not committed."""
    check_cluster(session, cluster)
    sec = parse_sector(sector)
    if sec.value not in {s.value for s in SECTOR_GROUPS}:
        raise BadInput(f"quotas are per sector group: {', '.join(s.value for s in SECTOR_GROUPS)}")
    if target < 0:
        raise BadInput(f"quota target must be 0 or more, not {target}")
    quota = session.exec(select(Quota).where(Quota.cluster_id == cluster, Quota.sector == sec)).first()
    if quota is None:
        quota = Quota(cluster_id=cluster, sector=sec, target=target)
    quota.target, quota.updated_at = target, utcnow()
    session.add(quota)
    session.flush()
    return quota


def list_quotas(session: Session, cluster: str | None = None) -> list[QuotaStatus]:
    """Every quota with how many included organisations already fill it."""
    check_cluster(session, cluster)
    query = select(Quota).order_by(Quota.cluster_id, Quota.sector)
    if cluster:
        query = query.where(Quota.cluster_id == cluster)
    out = []
    for q in session.exec(query).all():
        have = session.exec(select(Organisation.id).where(
            Organisation.status.in_([s.value for s in INCLUDED_STATUSES]), in_cluster(q.cluster_id),
            Organisation.sector == q.sector)).all()
        out.append(QuotaStatus(q.cluster_id, str(q.sector), q.target, len(have)))
    return out


# ---------------------------------------------------------------- writers


def _cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@contextmanager
def _opened(target: str | Path | IO[str]) -> Iterator[IO[str]]:
    if isinstance(target, (str, Path)):
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig" if path.suffix == ".csv" else "utf-8", newline="") as fh:
            yield fh
    else:
        yield target


def recruitment_json(session: Session, cluster: str | None = None) -> dict[str, Any]:
    records = recruitment_records(session, cluster)
    return {"cluster": cluster, "records": [asdict(r) for r in records],
            "transitions": transitions(records), "recruits_per_seed": recruits_per_seed(records),
            "quotas": [{**asdict(q), "remaining": q.remaining} for q in list_quotas(session, cluster)]}


def write_recruitment(session: Session, path_or_stream: str | Path | IO[str], fmt: str = "csv",
                      cluster: str | None = None) -> int:
    """Write the recruitment records; returns how many organisations were written."""
    fmt = fmt.lower()
    if fmt not in ("csv", "json"):
        raise BadInput(f"recruitment export format {fmt!r} is not supported: use csv or json")
    if fmt == "json":
        data = recruitment_json(session, cluster)
        with _opened(path_or_stream) as fh:
            fh.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
        return len(data["records"])
    records = recruitment_records(session, cluster)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(RECORD_COLUMNS)
    for r in records:
        row = asdict(r)
        writer.writerow([_cell(row[c]) for c in RECORD_COLUMNS])
    with _opened(path_or_stream) as fh:
        fh.write(buffer.getvalue())
    return len(records)
