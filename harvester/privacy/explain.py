"""`harvester explain ORG`: every fact about one organisation with its provenance — the audit
trail a reviewer or an ethics board asks for.

    explain(session, org) -> dict        stable JSON (README "explain")
    render_text(report) -> str           the same as readable Markdown

Each item names where it came from: the page (source/evidence URL), the harvest run, first and
last seen, and the rule or the reviewer's decision that decided it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from harvester.models import (
    Contact,
    Decision,
    DecisionKind,
    DomainArea,
    HarvestRun,
    MeetupEvent,
    Organisation,
    OrganisationCluster,
    OrganisationDomainArea,
    OrganisationFact,
    Page,
    Referral,
    Relation,
    SectorSource,
)
from harvester.resolve.page_signals import SIGNALS_FIELD  # the per-page digest, not a fact a page states

# Pages listed per organisation; the count says how many there are in all.
MAX_PAGES = 500


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat() if ts else None


def _v(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _brief(session: Session, org_id: int | None) -> dict[str, Any] | None:
    if org_id is None:
        return None
    org = session.get(Organisation, org_id)
    return {"id": org_id, "name": org.name if org else None, "domain": org.domain if org else None}


def _sector_decision(session: Session, org: Organisation) -> dict[str, Any] | None:
    """The reviewer's set_sector decision behind a review-sourced sector (the latest one)."""
    if _v(org.sector_source) != SectorSource.review.value:
        return None
    d = session.exec(select(Decision).where(Decision.organisation_id == org.id,
                                            Decision.decision == DecisionKind.set_sector)
                     .order_by(Decision.id.desc())).first()  # type: ignore[union-attr]
    if d is None:
        return None
    return {"decision_id": d.id, "reviewer": d.reviewer, "at": _iso(d.created_at), "note": d.note}


def explain(session: Session, org: Organisation) -> dict[str, Any]:
    """Everything stored about `org`, each item with its source and times."""
    oid = org.id
    runs = {r.id: r for r in session.exec(select(HarvestRun)).all()}

    def run(run_id: int | None) -> dict[str, Any] | None:
        r = runs.get(run_id) if run_id is not None else None
        return {"id": run_id, "kind": r.kind, "started_at": _iso(r.started_at)} if r else (
            {"id": run_id} if run_id is not None else None)

    facts = session.exec(select(OrganisationFact).where(OrganisationFact.organisation_id == oid)
                         .order_by(OrganisationFact.field, OrganisationFact.id)).all()
    areas = session.exec(select(OrganisationDomainArea, DomainArea).join(
        DomainArea, OrganisationDomainArea.domain_area_id == DomainArea.id)
        .where(OrganisationDomainArea.organisation_id == oid)
        .order_by(OrganisationDomainArea.score.desc())).all()  # type: ignore[union-attr]
    contacts = session.exec(select(Contact).where(Contact.organisation_id == oid)
                            .order_by(Contact.kind, Contact.value)).all()

    def relations(outgoing: bool) -> list[dict[str, Any]]:
        col = Relation.source_id if outgoing else Relation.target_id
        rows = session.exec(select(Relation).where(col == oid).order_by(Relation.kind, Relation.id)).all()
        return [{"kind": _v(r.kind), "other": _brief(session, r.target_id if outgoing else r.source_id),
                 "evidence_url": r.evidence_url, "evidence": list(r.evidence or []), "count": r.count,
                 "run": run(r.run_id), "first_seen": _iso(r.first_seen), "last_seen": _iso(r.last_seen)}
                for r in rows]

    events = session.exec(select(MeetupEvent).where(sa.or_(
        MeetupEvent.group_id == oid, MeetupEvent.venue_organisation_id == oid))
        .order_by(MeetupEvent.start, MeetupEvent.id)).all()  # type: ignore[arg-type]
    decisions = session.exec(select(Decision).where(Decision.organisation_id == oid)
                             .order_by(Decision.id)).all()
    referrals = session.exec(select(Referral).where(sa.or_(
        Referral.from_organisation_id == oid, Referral.to_organisation_id == oid))
        .order_by(Referral.id)).all()
    page_total = session.exec(select(sa.func.count(Page.id)).where(Page.organisation_id == oid)).one()
    pages = session.exec(select(Page).where(Page.organisation_id == oid)
                         .order_by(Page.fetched_at, Page.url).limit(MAX_PAGES)).all()  # type: ignore[arg-type]
    clusters = session.exec(select(OrganisationCluster).where(
        OrganisationCluster.organisation_id == oid).order_by(OrganisationCluster.cluster_id)).all()
    return {
        "organisation": {
            "id": oid, "name": org.name, "kind": _v(org.kind), "domain": org.domain,
            "homepage": org.homepage, "meetup_urlname": org.meetup_urlname, "status": _v(org.status),
            "wave": org.wave, "cluster": org.cluster_id,
            "clusters": [{"cluster": c.cluster_id, "source": c.source, "at": _iso(c.created_at)}
                         for c in clusters],
            "first_seen": _iso(org.first_seen), "last_seen": _iso(org.last_seen),
            "first_run": run(org.first_run_id),
            "recruited_from": _brief(session, org.recruited_from_id),
            "seed": _brief(session, org.seed_id),
        },
        "sector": {"value": _v(org.sector), "source": _v(org.sector_source),
                   "confidence": org.sector_confidence, "evidence": list(org.sector_evidence or []),
                   "decision": _sector_decision(session, org)},
        "facts": [{"field": f.field, "value": f.value, "source_url": f.source_url, "rule": f.rule,
                   "run": run(f.run_id), "first_seen": _iso(f.first_seen),
                   "last_seen": _iso(f.last_seen)} for f in facts],
        "domain_areas": [{"id": a.id, "label": a.label, "score": round(oda.score, 3),
                          "source": oda.source, "evidence_url": oda.evidence_url,
                          "evidence": list(oda.evidence or []), "run": run(oda.run_id),
                          "first_seen": _iso(oda.first_seen), "last_seen": _iso(oda.last_seen)}
                         for oda, a in areas],
        "contacts": [{"kind": _v(c.kind), "value": c.value, "person_name": c.person_name,
                      "role": c.role, "source_url": c.source_url, "run": run(c.run_id),
                      "first_seen": _iso(c.first_seen), "last_seen": _iso(c.last_seen)}
                     for c in contacts],
        "relations_out": relations(True),
        "relations_in": relations(False),
        "meetup_events": [{"title": e.title, "url": e.url, "start": _iso(e.start),
                           "role": "group" if e.group_id == oid else "venue",
                           "source_url": e.source_url, "run": run(e.run_id),
                           "first_seen": _iso(e.first_seen), "last_seen": _iso(e.last_seen)}
                          for e in events],
        "decisions": [{"id": d.id, "decision": _v(d.decision), "value": d.value, "note": d.note,
                       "tags": list(d.tags or []), "reviewer": d.reviewer, "wave": d.wave,
                       "amends_id": d.amends_id, "at": _iso(d.created_at)} for d in decisions],
        "referrals": [{"id": r.id, "from": _brief(session, r.from_organisation_id),
                       "to": _brief(session, r.to_organisation_id), "to_name": r.to_name,
                       "to_url": r.to_url, "person_name": r.person_name, "note": r.note,
                       "reviewer": r.reviewer, "at": _iso(r.created_at)} for r in referrals],
        "pages": [{"url": p.url, "state": _v(p.state), "status_code": p.status_code,
                   "fetched_at": _iso(p.fetched_at), "run": run(p.run_id), "error": p.error,
                   "source": p.source} for p in pages],
        "pages_total": page_total,
    }


def _when(item: dict[str, Any]) -> str:
    run = item.get("run")
    run_text = f", run {run['id']}" if run else ""
    return f"first seen {item.get('first_seen') or '-'}, last seen {item.get('last_seen') or '-'}{run_text}"


def render_text(report: dict[str, Any]) -> str:
    """The audit trail as Markdown: one line per item, each with its source."""
    o, s = report["organisation"], report["sector"]
    lines = [f"# {o['name']} (#{o['id']})", "",
             f"- kind {o['kind']}, status {o['status']}, wave {o['wave'] if o['wave'] is not None else '-'}"
             f", cluster {o['cluster'] or '-'}; website {o['domain'] or '-'}"
             + (f"; Meetup {o['meetup_urlname']}" if o["meetup_urlname"] else ""),
             f"- first seen {o['first_seen']}, last seen {o['last_seen']}"
             + (f", first recorded by run {o['first_run']['id']}" if o["first_run"] else ""),
             "", "## Sector", "",
             f"- {s['value']} (source {s['source']}, confidence {s['confidence']:.2f})"]
    for ev in s["evidence"]:
        lines.append(f"  - evidence: {ev}")
    if s["decision"]:
        d = s["decision"]
        lines.append(f"  - decided by {d['reviewer'] or '-'} on {d['at']} (decision #{d['decision_id']})"
                     + (f": {d['note']}" if d["note"] else ""))

    def section(title: str, items: list[dict[str, Any]], fmt) -> None:
        lines.extend(["", f"## {title}", ""])
        if not items:
            lines.append("- none")
        lines.extend(fmt(i) for i in items)

    # page_signals rows are the harvester's own digest of each page (for recomputing the sector
    # without page bodies): one plain line here instead of clipped JSON; --json keeps them whole.
    signals = [f for f in report["facts"] if f["field"] == SIGNALS_FIELD]
    section("Facts", [f for f in report["facts"] if f["field"] != SIGNALS_FIELD],
            lambda f: f"- {f['field']} = {f['value']!s:.160} — source "
            f"{f['source_url'] or '-'} (rule {f['rule'] or '-'}; {_when(f)})")
    if signals:
        noun = "summary" if len(signals) == 1 else "summaries"
        lines.append(f"- ({len(signals)} page signal {noun}, the evidence the sector and domain "
                     "areas are computed from: see `--json`)")
    section("Domain areas", report["domain_areas"], lambda a: f"- {a['label']} {a['score']} ({a['source']})"
            f" — evidence {a['evidence_url'] or '-'}; {_when(a)}")
    section("Contacts", report["contacts"], lambda c: f"- {c['kind']}: {c['value']}"
            + (f" ({c['person_name']}, {c['role'] or '-'})" if c["person_name"] else "")
            + f" — source {c['source_url'] or '-'}; {_when(c)}")
    section("Relations out", report["relations_out"], lambda r: f"- {r['kind']} -> "
            f"{(r['other'] or {}).get('name')} — evidence {r['evidence_url'] or '-'} "
            f"({r['count']} page(s)); {_when(r)}")
    section("Relations in", report["relations_in"], lambda r: f"- {(r['other'] or {}).get('name')} "
            f"-[{r['kind']}]-> — evidence {r['evidence_url'] or '-'} ({r['count']} page(s)); {_when(r)}")
    section("Meetup events", report["meetup_events"], lambda e: f"- {e['start'] or '-'} {e['title']} "
            f"({e['role']}) — source {e['source_url'] or e['url'] or '-'}; {_when(e)}")
    section("Decisions", report["decisions"], lambda d: f"- #{d['id']} {d['decision']}"
            + (f" = {d['value']}" if d["value"] else "") + f" by {d['reviewer'] or '-'} on {d['at']}"
            + (f": {d['note']}" if d["note"] else ""))
    section("Referrals", report["referrals"], lambda r: f"- {(r['from'] or {}).get('name')} referred "
            f"{(r['to'] or {}).get('name') or r['to_name'] or r['person_name'] or '-'} on {r['at']}")
    section(f"Pages fetched ({report['pages_total']})", report["pages"],
            lambda p: f"- {p['url']} — {p['state']}"
            + (f" {p['status_code']}" if p["status_code"] else "")
            + f", fetched {p['fetched_at'] or '-'}" + (f", run {p['run']['id']}" if p["run"] else "")
            + (f", error {p['error']}" if p["error"] else ""))
    return "\n".join(lines) + "\n"
