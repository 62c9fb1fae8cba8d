"""The review pages: each view reads the database and returns a `Page` (template + data).

The data is what the `.json` variant of the page serves; `extra` holds what only the HTML needs
(form choices, the parsed filters). Decisions posted from the page go through
harvester.decisions.record_decision, so they are the same rows `harvester decide` writes.
Views are plain functions of a Session (views run in a worker thread; app.py does the HTTP).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from harvester.decisions import decision_kind, find_organisation, last_decision_ids, record_decision
from harvester.errors import BadInput, NotFound
from harvester.export import ORGANISATION_FIELDS, iso
from harvester.models import Cluster, Decision, DecisionKind, OrgStatus, Sector
from harvester.review import queries
from harvester.snowball import check_cluster, propose

MAX_NOTE_CHARS = 2000
MAX_TAGS = 20
MAX_TAG_CHARS = 40
# Decisions offered as buttons on an organisation page (corrections have their own form).
STATUS_DECISIONS = ("accept", "reject", "defer", "contacted", "interviewed", "exclude")


@dataclass
class Page:
    template: str
    data: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


def _area_labels(session: Session) -> dict[str, str]:
    return {a["id"]: a["label"] for a in queries.domain_areas(session)}


def _done(session: Session, decision_id: str | None) -> dict[str, Any] | None:
    """The decision just saved (from the ?done= of the redirect), to confirm it on the page."""
    if not decision_id or not decision_id.isdigit():
        return None
    row = session.get(Decision, int(decision_id))
    if row is None:
        return None
    org = find_organisation(session, row.organisation_id)
    return {"id": row.id, "decision": row.decision.value if hasattr(row.decision, "value") else row.decision,
            "value": row.value, "organisation_id": org.id, "name": org.name, "reviewer": row.reviewer,
            "created_at": iso(row.created_at)}


def index(session: Session, params: Any) -> Page:
    return Page("index.html", {"clusters": queries.clusters(session)})


def queue(session: Session, params: Any, cluster: str | None) -> Page:
    """The ranked candidates of the next wave of `cluster` (all clusters when None)."""
    scope = check_cluster(session, cluster)
    proposal = propose(session, cluster=cluster)
    data = {
        "cluster": cluster, "cluster_name": scope.name if scope else "All clusters", "wave": proposal.wave,
        "included": proposal.included, "saturation": proposal.saturation.to_json(),
        "candidates": [c.to_json() for c in proposal.candidates],
        "weak": [c.to_json() for c in proposal.weak],
    }
    # The latest decision shown with each card: a decision made elsewhere meanwhile is refused.
    seen = last_decision_ids(session, [c["organisation_id"] for c in data["candidates"] + data["weak"]])
    for c in data["candidates"] + data["weak"]:
        c["seen"] = seen[c["organisation_id"]]
    return Page("queue.html", data, {"areas": _area_labels(session), "clusters": queries.clusters(session),
                                     "done": _done(session, params.get("done"))})


def organisation(session: Session, params: Any, org_id: int) -> Page:
    data = queries.organisation_detail(session, org_id)
    return Page("organisation.html", data, {
        # The page shows the whole history: its latest decision of any kind is what every form
        # (decide, correct, amend) hands back as `seen`.
        "seen": last_decision_ids(session, [org_id], kinds=None)[org_id],
        "done": _done(session, params.get("done")), "sectors": [s.value for s in Sector],
        "status_decisions": STATUS_DECISIONS,
        "amend_choices": [k.value for k in DecisionKind if k not in (DecisionKind.set_sector,
                                                                     DecisionKind.set_name)]})


def organisations(session: Session, params: Any) -> Page:
    query = queries.TableQuery.parse(params)
    rows = queries.organisation_rows(session, query)
    return Page("organisations.html", {"filters": query.params(), "count": len(rows), "rows": rows}, {
        "query": query, "fields": ORGANISATION_FIELDS, "areas": _area_labels(session),
        "clusters": [c.id for c in session.exec(select(Cluster).order_by(Cluster.id)).all()],
        "sectors": [s.value for s in Sector], "statuses": [s.value for s in OrgStatus],
        "sort_keys": list(queries.SORT_KEYS)})


def network(session: Session, params: Any, cluster: str | None) -> Page:
    scope = check_cluster(session, cluster)
    data = {"cluster": cluster, "cluster_name": scope.name if scope else "All clusters",
            "sector_matrix": queries.sector_matrix(session, cluster), "runs": queries.harvest_runs(session)}
    return Page("network.html", data, {"clusters": queries.clusters(session)})


# ---------------------------------------------------------------- decisions from forms


def parse_tags(text: str | None) -> list[str]:
    """'funder, games ,games' -> ['funder', 'games']: comma-separated, trimmed, no repeats."""
    tags: list[str] = []
    for raw in (text or "").split(","):
        tag = " ".join(raw.split())[:MAX_TAG_CHARS]
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise BadInput(f"at most {MAX_TAGS} tags per decision")
    return tags


def _note(text: str | None) -> str | None:
    note = (text or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise BadInput(f"the note is longer than {MAX_NOTE_CHARS} characters; shorten it")
    return note or None


def decide(session: Session, org_id: int, form: Any, reviewer: str) -> Decision:
    """A status decision or a note from a form (fields decision, note, tags); committed."""
    org = find_organisation(session, org_id)
    kind = decision_kind(form.get("decision") or "")
    if kind in (DecisionKind.set_sector, DecisionKind.set_name):
        raise BadInput("correct the sector or name with the correction form")
    note = _note(form.get("note"))
    if kind == DecisionKind.note and not note:
        raise BadInput("write the note first, then save it")
    row = record_decision(session, org, kind, note=note, reviewer=reviewer, tags=parse_tags(form.get("tags")),
                          seen=_seen(form))
    session.commit()
    return row


def _seen(form: Any) -> int | None:
    """The latest decision the page showed (hidden field `seen`); None from a form without it."""
    text = form.get("seen")
    if not isinstance(text, str) or not text.strip():
        return None
    if not text.strip().isdigit() or len(text.strip()) > 18:
        raise BadInput("the form's `seen` field must be a decision id; reload the page")
    return int(text)


def correct(session: Session, org_id: int, form: Any, reviewer: str) -> Decision:
    """A reviewer's sector or name (fields field=sector|name, value, note, seen): wins over rules;
    refused (409) when another sector or name decision was recorded after `seen`."""
    org = find_organisation(session, org_id)
    what = form.get("field")
    kinds = {"sector": DecisionKind.set_sector, "name": DecisionKind.set_name}
    if what not in kinds:
        raise BadInput("choose what to correct: sector or name")
    row = record_decision(session, org, kinds[what], value=form.get("value") or "",
                          note=_note(form.get("note")), reviewer=reviewer, tags=parse_tags(form.get("tags")),
                          seen=_seen(form))
    session.commit()
    return row


def amend(session: Session, org_id: int, decision_id: int, form: Any, reviewer: str) -> Decision:
    """An edit of a past decision: a new row naming the old one (the history stays); refused
    (409) like any decision when one setting the same thing was recorded after `seen`."""
    org = find_organisation(session, org_id)
    old = session.get(Decision, decision_id)
    if old is None or old.organisation_id != org.id:
        raise NotFound(f"no decision {decision_id} about organisation {org_id}")
    kind = decision_kind(form.get("decision") or old.decision)
    value = form.get("value") or old.value
    row = record_decision(session, org, kind, note=_note(form.get("note")), reviewer=reviewer,
                          tags=parse_tags(form.get("tags")), value=value, amends_id=decision_id,
                          seen=_seen(form))
    session.commit()
    return row
