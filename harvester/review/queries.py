"""What the review pages show, read from the database as plain dicts (no HTML here).

Each function takes a Session and returns JSON-ready data; views.py renders it as a page or as
JSON. The organisations table reuses harvester.export's records, so the page, its "Download CSV"
and `harvester export organisations` agree. Sorting uses a whitelist of column names: request
parameters choose among known keys and never reach SQL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from harvester.errors import BadInput, NotFound
from harvester.export import SuppressionSet, enum_value, iso, organisation_records
from harvester.graph_export import SECTOR_LABELS
from harvester.models import (
    SECTOR_GROUPS,
    Cluster,
    Contact,
    Decision,
    DomainArea,
    HarvestRun,
    MeetupEvent,
    Organisation,
    OrganisationCluster,
    OrganisationDomainArea,
    OrganisationFact,
    OrgKind,
    OrgStatus,
    Relation,
    Sector,
    in_cluster,
)

# Columns of the organisations table a visitor may sort by (query value -> record field).
SORT_KEYS: dict[str, str] = {
    "id": "id", "name": "name", "sector": "sector", "cluster": "cluster", "domain": "domain",
    "status": "status", "wave": "wave", "domain_areas": "domain_areas", "first_seen": "first_seen",
    "last_seen": "last_seen",
}
SECTOR_ORDER = [*(s.value for s in SECTOR_GROUPS), Sector.unknown.value]
RUNS_SHOWN = 50
EVENTS_SHOWN = 100


def sector_label(value: str | None) -> str:
    return SECTOR_LABELS.get(value or "", "Not yet known" if value in (None, "unknown") else str(value))


# ---------------------------------------------------------------- overview


def clusters(session: Session) -> list[dict[str, Any]]:
    """Every cluster with its organisations counted by status."""
    out = []
    for c in session.exec(select(Cluster).order_by(Cluster.id)).all():
        counts = dict(session.exec(select(Organisation.status, sa.func.count()).where(in_cluster(c.id))
                                   .group_by(Organisation.status)).all())
        by_status = {enum_value(k): v for k, v in counts.items()}
        out.append({"id": c.id, "name": c.name, "organisations": sum(by_status.values()),
                    "by_status": by_status})
    return out


def domain_areas(session: Session) -> list[dict[str, str]]:
    return [{"id": a.id, "label": a.label}
            for a in session.exec(select(DomainArea).order_by(DomainArea.label)).all()]


# ---------------------------------------------------------------- organisations table


@dataclass(frozen=True)
class TableQuery:
    """The organisations table's filters and sort, parsed and checked from the query string."""

    cluster: str | None = None
    sector: str | None = None
    domain_area: str | None = None
    status: str | None = None
    wave: int | None = None
    sort: str = "id"
    desc: bool = False

    @classmethod
    def parse(cls, params: Any) -> TableQuery:
        """From request query parameters; BadInput names the parameter at fault."""
        def get(name: str) -> str | None:
            value = (params.get(name) or "").strip()
            return value or None

        sector = get("sector")
        if sector is not None and sector not in {s.value for s in Sector}:
            raise BadInput(f"sector {sector!r} is not one of: {', '.join(s.value for s in Sector)}")
        status = get("status")
        if status is not None and status not in {s.value for s in OrgStatus}:
            raise BadInput(f"status {status!r} is not one of: {', '.join(s.value for s in OrgStatus)}")
        wave_text = get("wave")
        if wave_text is not None and not wave_text.isdigit():
            raise BadInput(f"wave {wave_text!r} is not a whole number")
        sort = get("sort") or "id"
        if sort not in SORT_KEYS:
            raise BadInput(f"cannot sort by {sort!r}; choose one of: {', '.join(SORT_KEYS)}")
        order = get("order") or "asc"
        if order not in ("asc", "desc"):
            raise BadInput(f"order {order!r} must be asc or desc")
        return cls(cluster=get("cluster"), sector=sector, domain_area=get("domain_area"), status=status,
                   wave=int(wave_text) if wave_text is not None else None, sort=sort, desc=order == "desc")

    def params(self, **change: Any) -> dict[str, str]:
        """Query parameters for a link to this table with some values changed."""
        values = {**asdict(self), **change}
        out = {k: str(v) for k, v in values.items() if k not in ("desc",) and v not in (None, "")}
        if values["desc"]:
            out["order"] = "desc"
        if out.get("sort") == "id":
            out.pop("sort")
        return out


def _sort_value(value: Any) -> tuple[int, Any]:
    """None sorts last; lists by their joined text; text without case."""
    if value is None or value == []:
        return (1, "")
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    if isinstance(value, str):
        return (0, value.casefold())
    return (0, value)


def organisation_rows(session: Session, query: TableQuery) -> list[dict[str, Any]]:
    """The export's organisation records, filtered and sorted as the table shows them."""
    records = organisation_records(session, cluster=query.cluster, sector=query.sector,
                                   status=query.status)
    if query.domain_area is not None:
        records = [r for r in records if query.domain_area in r["domain_areas"]]
    if query.wave is not None:
        records = [r for r in records if r["wave"] == query.wave]
    field = SORT_KEYS[query.sort]
    records.sort(key=lambda r: r["id"])
    # Two stable sorts: missing values last in both directions, ties kept in id order.
    present = [r for r in records if _sort_value(r[field])[0] == 0]
    missing = [r for r in records if _sort_value(r[field])[0] == 1]
    present.sort(key=lambda r: _sort_value(r[field]), reverse=query.desc)
    return present + missing


# ---------------------------------------------------------------- one organisation


def _org_brief(org: Organisation | None) -> dict[str, Any] | None:
    if org is None:
        return None
    return {"id": org.id, "name": org.name, "kind": enum_value(org.kind), "domain": org.domain,
            "sector": enum_value(org.sector), "status": enum_value(org.status)}


def _decision_record(d: Decision) -> dict[str, Any]:
    return {"id": d.id, "decision": enum_value(d.decision), "value": d.value, "note": d.note,
            "tags": list(d.tags or []), "reviewer": d.reviewer, "wave": d.wave, "amends_id": d.amends_id,
            "created_at": iso(d.created_at)}


def _relations(session: Session, org_id: int, *, outgoing: bool) -> list[dict[str, Any]]:
    mine, other = (Relation.source_id, Relation.target_id) if outgoing else (
        Relation.target_id, Relation.source_id)
    rows = session.exec(select(Relation, Organisation).join(Organisation, other == Organisation.id)
                        .where(mine == org_id).order_by(Relation.kind, Organisation.name)).all()
    return [{"kind": enum_value(r.kind), "count": r.count, "evidence_url": r.evidence_url,
             "evidence": list(r.evidence or []), "first_seen": iso(r.first_seen),
             "last_seen": iso(r.last_seen), "organisation": _org_brief(o)} for r, o in rows]


def _meetup(session: Session, org: Organisation) -> dict[str, Any]:
    """Its Meetup groups (related groups, or itself) and their events it runs, hosts or houses."""
    groups: dict[int, Organisation] = {}
    if org.kind == OrgKind.meetup_group:
        groups[org.id] = org  # type: ignore[index]
    related = session.exec(select(Organisation).join(
        Relation, sa.or_(sa.and_(Relation.source_id == org.id, Relation.target_id == Organisation.id),
                         sa.and_(Relation.target_id == org.id, Relation.source_id == Organisation.id)))
        .where(Organisation.kind == OrgKind.meetup_group).order_by(Organisation.name)).all()
    for g in related:
        groups.setdefault(g.id, g)  # type: ignore[arg-type]
    events = session.exec(select(MeetupEvent).where(sa.or_(
        MeetupEvent.group_id == org.id, MeetupEvent.venue_organisation_id == org.id))
        .order_by(MeetupEvent.start.desc())).all()
    # Events it hosted: a JSON list column, matched here rather than with database-specific SQL.
    hosted = [e for e in session.exec(select(MeetupEvent).where(MeetupEvent.group_id != org.id)).all()
              if org.id in (e.host_organisation_ids or [])]
    seen: set[int] = set()
    merged = []
    for e in [*events, *hosted]:
        if e.id in seen:
            continue
        seen.add(e.id)  # type: ignore[arg-type]
        role = ("its group's event" if e.group_id == org.id else
                "venue" if e.venue_organisation_id == org.id else "host")
        merged.append({"title": e.title, "start": iso(e.start), "url": e.url, "role": role,
                       "venue": e.venue_name, "city": e.venue_city, "rsvp_count": e.rsvp_count,
                       "group": _org_brief(groups.get(e.group_id) or session.get(Organisation, e.group_id)),
                       "source_url": e.source_url, "first_seen": iso(e.first_seen),
                       "last_seen": iso(e.last_seen)})
    merged.sort(key=lambda e: e["start"] or "", reverse=True)
    return {"groups": [_org_brief(g) for g in groups.values()], "events": merged[:EVENTS_SHOWN],
            "events_total": len(merged)}


def organisation_detail(session: Session, org_id: int) -> dict[str, Any]:
    """Everything known about one organisation, each fact with its source page and times."""
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id} in the database (see the organisations table)")
    sup = SuppressionSet(session)
    facts = session.exec(select(OrganisationFact).where(OrganisationFact.organisation_id == org_id)
                         .order_by(OrganisationFact.field, OrganisationFact.first_seen,
                                   OrganisationFact.id)).all()
    contacts = session.exec(select(Contact).where(Contact.organisation_id == org_id)
                            .order_by(Contact.kind, Contact.value)).all()
    shown_contacts = [c for c in contacts if not sup.contact(c, org.domain)]
    areas = session.exec(select(OrganisationDomainArea, DomainArea).join(
        DomainArea, OrganisationDomainArea.domain_area_id == DomainArea.id)
        .where(OrganisationDomainArea.organisation_id == org_id)
        .order_by(OrganisationDomainArea.score.desc())).all()
    memberships = session.exec(select(OrganisationCluster.cluster_id, OrganisationCluster.source)
                               .where(OrganisationCluster.organisation_id == org_id)
                               .order_by(OrganisationCluster.cluster_id)).all()
    decisions = session.exec(select(Decision).where(Decision.organisation_id == org_id)
                             .order_by(Decision.id)).all()
    recruiter = session.get(Organisation, org.recruited_from_id) if org.recruited_from_id else None
    return {
        "organisation": {
            "id": org.id, "name": org.name, "kind": enum_value(org.kind), "domain": org.domain,
            "homepage": org.homepage, "meetup_urlname": org.meetup_urlname,
            "sector": enum_value(org.sector), "sector_label": sector_label(enum_value(org.sector)),
            "sector_source": enum_value(org.sector_source), "sector_confidence": org.sector_confidence,
            "sector_evidence": list(org.sector_evidence or []), "cluster": org.cluster_id,
            "clusters": [{"cluster": c, "source": s} for c, s in memberships],
            "postcode": org.postcode, "city": org.city, "in_cluster": org.in_cluster,
            "charity_number": org.charity_number, "company_number": org.company_number,
            "is_cic": org.is_cic, "description": org.description, "member_count": org.member_count,
            "founded": org.founded, "wave": org.wave, "status": enum_value(org.status),
            "recruited_from": _org_brief(recruiter), "first_seen": iso(org.first_seen),
            "last_seen": iso(org.last_seen),
        },
        "facts": [{"field": f.field, "value": f.value, "source_url": f.source_url, "rule": f.rule,
                   "first_seen": iso(f.first_seen), "last_seen": iso(f.last_seen)} for f in facts],
        "contacts": [{"kind": enum_value(c.kind), "value": c.value, "person_name": c.person_name,
                      "role": c.role, "source_url": c.source_url, "first_seen": iso(c.first_seen),
                      "last_seen": iso(c.last_seen)} for c in shown_contacts],
        "contacts_suppressed": len(contacts) - len(shown_contacts),
        "domain_areas": [{"id": a.id, "label": a.label, "score": round(oda.score, 3), "source": oda.source,
                          "evidence_url": oda.evidence_url, "evidence": list(oda.evidence or []),
                          "first_seen": iso(oda.first_seen), "last_seen": iso(oda.last_seen)}
                         for oda, a in areas],
        "relations_out": _relations(session, org_id, outgoing=True),
        "relations_in": _relations(session, org_id, outgoing=False),
        "meetup": _meetup(session, org),
        "decisions": [_decision_record(d) for d in decisions],
    }


# ---------------------------------------------------------------- network page


def sector_matrix(session: Session, cluster: str | None) -> dict[str, Any]:
    """How many relations run from each sector group to each other, among relations with at
    least one end in `cluster` (all relations when None); suppressed domains left out."""
    src, tgt = aliased(Organisation), aliased(Organisation)
    stmt = (sa.select(src.sector, src.domain, tgt.sector, tgt.domain)
            .select_from(Relation).join(src, Relation.source_id == src.id)
            .join(tgt, Relation.target_id == tgt.id))
    if cluster:
        members = sa.select(Organisation.id).where(in_cluster(cluster))
        stmt = stmt.where(sa.or_(Relation.source_id.in_(members), Relation.target_id.in_(members)))
    sup = SuppressionSet(session)
    counts: Counter[tuple[str, str]] = Counter()
    for s_sector, s_domain, t_sector, t_domain in session.execute(stmt).all():
        if sup.domain(s_domain) or sup.domain(t_domain):
            continue
        counts[(enum_value(s_sector), enum_value(t_sector))] += 1
    rows = []
    for s in SECTOR_ORDER:
        cells = [counts.get((s, t), 0) for t in SECTOR_ORDER]
        rows.append({"from": s, "label": sector_label(s), "counts": cells, "total": sum(cells)})
    return {"sectors": [{"id": s, "label": sector_label(s)} for s in SECTOR_ORDER], "rows": rows,
            "column_totals": [sum(r["counts"][i] for r in rows) for i in range(len(SECTOR_ORDER))],
            "total": sum(counts.values())}


def harvest_runs(session: Session, limit: int = RUNS_SHOWN) -> list[dict[str, Any]]:
    """The latest harvest runs, newest first, with their counts."""
    rows = session.exec(select(HarvestRun).order_by(HarvestRun.id.desc()).limit(limit)).all()
    return [{"id": r.id, "kind": r.kind, "status": enum_value(r.status), "started_at": iso(r.started_at),
             "finished_at": iso(r.finished_at), "arguments": dict(r.arguments or {}),
             "counts": {k: v for k, v in sorted((r.counts or {}).items())}, "error": r.error}
            for r in rows]
