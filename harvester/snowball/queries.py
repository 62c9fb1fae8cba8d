"""The database reads of a proposal: organisations, suppressions, decisions, areas, activity,
contacts, quotas.

Kept together, apart from the pure scoring, so that every SELECT a proposal makes is in one place
(plain columns, read once, the cost following the sample's size; see bench/bench_propose.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from harvester.models import (
    INCLUDED_STATUSES,
    Contact,
    ContactKind,
    Decision,
    DecisionKind,
    MeetupEvent,
    Organisation,
    OrganisationDomainArea,
    OrgKind,
    Quota,
    Referral,
    Relation,
    Suppression,
    in_cluster,
)
from harvester.snowball.contacts import CONTACT_SCORES, _Suppressions, contact_quality
from harvester.snowball.rows import Activity, ContactRow, _Org

# Relations with a Meetup group that make an organisation active in the community.
ACTIVITY_KINDS = {"organises": "runs", "hosts_event": "hosts", "sponsor": "sponsors", "venue": "hosts"}


def _plain(column: Any) -> Any:
    """An enum column read as its stored string: no per-row conversion on big reads."""
    return sa.type_coerce(column, sa.String())


_ORG_COLUMNS = (Organisation.id, Organisation.name, _plain(Organisation.kind), Organisation.domain,
                _plain(Organisation.sector), _plain(Organisation.status), Organisation.cluster_id,
                Organisation.postcode, Organisation.in_cluster, Organisation.city, Organisation.wave)
_INCLUDED = [s.value for s in INCLUDED_STATUSES]


def _fetch(session: Session, statement: Any) -> list[tuple[Any, ...]]:
    """Plain tuples straight from the DB-API cursor, for big reads of ints and strings.

    The statement is compiled by SQLAlchemy with bound parameters (never text pasted into SQL);
    only columns without result processing (ints, strings, enums read as strings) may be used.
    """
    conn = session.connection()
    if conn.dialect.name != "sqlite":  # other drivers: SQLAlchemy Core rows (proven, a little slower)
        return [tuple(row) for row in conn.execute(statement).all()]
    compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    args: Any = tuple(params[name] for name in compiled.positiontup) if compiled.positional else params
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), args)
        return cursor.fetchall()
    finally:
        cursor.close()


def _orgs(session: Session, where: Any) -> dict[int, _Org]:
    rows = _fetch(session, sa.select(*_ORG_COLUMNS).where(where).order_by(Organisation.id))
    return {r[0]: _Org(*r) for r in rows}


def _suppressions(session: Session) -> _Suppressions:
    s = _Suppressions(set(), set(), set())
    for kind, value in session.exec(select(Suppression.kind, Suppression.value)).all():
        {"email": s.emails, "domain": s.domains, "person": s.persons}[str(kind)].add(value)
    return s


def _last_decisions(session: Session, ids: list[int]) -> dict[int, tuple[str, datetime, str]]:
    """Organisation -> (decision, time, reviewer) of its latest status decision."""
    status_kinds = [k.value for k in (DecisionKind.accept, DecisionKind.reject, DecisionKind.defer,
                                      DecisionKind.contacted, DecisionKind.interviewed,
                                      DecisionKind.exclude)]
    out: dict[int, tuple[str, datetime, str]] = {}
    rows = session.exec(select(Decision.organisation_id, Decision.decision, Decision.created_at,
                               Decision.reviewer).where(Decision.decision.in_(status_kinds))
                        .order_by(Decision.id)).all()
    wanted = set(ids)
    for oid, kind, at, reviewer in rows:
        if oid in wanted:
            out[oid] = (str(kind), at, reviewer)
    return out


def _reconsidered(session: Session, rejected: dict[int, tuple[str, datetime, str]],
                  suppressed: _Suppressions) -> dict[int, str]:
    """Rejected organisations with evidence newer than their rejection -> what that evidence is.

    A new contact counts only if it could be proposed: one on the do-not-contact list is no reason
    to look at the organisation again."""
    found: dict[int, str] = {}
    for oid, (_kind, at, _who) in sorted(rejected.items()):
        rel = session.exec(select(Relation.kind).where(
            sa.or_(Relation.target_id == oid, Relation.source_id == oid),
            Relation.first_seen > at).order_by(Relation.first_seen)).first()
        ref = session.exec(select(Referral.id).where(Referral.to_organisation_id == oid,
                                                     Referral.created_at > at)).first()
        contacts = _fetch(session, sa.select(_plain(Contact.kind), Contact.value, Contact.person_name,
                                             Contact.role)
                          .where(Contact.organisation_id == oid, Contact.first_seen > at))
        contact = next((kind for kind, value, person, role in contacts
                        if contact_quality(kind, value, person, role, suppressed) is not None), None)
        evidence = ("a new referral" if ref is not None else f"a new {str(rel).replace('_', ' ')} link"
                    if rel is not None else "a new contact" if contact is not None else None)
        if evidence:
            found[oid] = f"reconsider: {evidence} since it was rejected on {at:%Y-%m-%d}"
    return found


def _domain_areas(session: Session, ids: set[int]) -> dict[int, set[str]]:
    """Organisation -> its domain areas (score > 0), for the organisations in `ids`."""
    out: dict[int, set[str]] = defaultdict(set)
    for oid, area in _fetch(session, sa.select(OrganisationDomainArea.organisation_id,
                                              OrganisationDomainArea.domain_area_id).where(
            OrganisationDomainArea.score > 0).order_by(OrganisationDomainArea.id)):
        if oid in ids:
            out[oid].add(area)
    return out


def _activity(session: Session, ids: list[int], since: datetime) -> dict[int, Activity]:
    """Organisation -> (Meetup groups it runs/hosts/sponsors, their recent events, role -> groups).

    Recent means a known start on or after `since`: an event whose date was not found is not
    counted, as "N recent events" in an explanation must be checkable against the events' dates."""
    if not ids:
        return {}
    wanted = set(ids)
    group_select = sa.select(Organisation.id).where(_plain(Organisation.kind) == OrgKind.meetup_group.value)
    groups = {r[0] for r in _fetch(session, group_select)}
    if not groups:
        return {}
    links: dict[int, dict[int, str]] = defaultdict(dict)
    cols = (Relation.id, Relation.source_id, Relation.target_id, _plain(Relation.kind))
    kinds = _plain(Relation.kind).in_(list(ACTIVITY_KINDS))
    rows = sorted(_fetch(session, sa.union_all(
        sa.select(*cols).where(kinds, Relation.source_id.in_(group_select)),
        sa.select(*cols).where(kinds, Relation.target_id.in_(group_select),
                               Relation.source_id.not_in(group_select)))))
    rows = [r[1:] for r in rows]
    for src, dst, kind in rows:
        for org, group in ((src, dst), (dst, src)):
            if org in wanted and group in groups and org not in groups:
                links[org].setdefault(group, ACTIVITY_KINDS[kind])
    recent: Counter[int] = Counter()
    events = session.exec(select(MeetupEvent.group_id, MeetupEvent.host_organisation_ids,
                                 MeetupEvent.venue_organisation_id).where(
        MeetupEvent.start >= since)).all()
    for group, hosts, venue in events:
        recent[group] += 1
        for org in [*(hosts or []), venue]:
            if org in wanted and org not in groups:
                links[org].setdefault(group, "hosts")
    out: dict[int, Activity] = {}
    for org, by_group in links.items():
        roles = Counter(by_group.values())
        out[org] = (len(by_group), sum(recent[g] for g in by_group), dict(roles))
    for group in wanted & groups:
        if recent[group]:
            out[group] = (0, recent[group], {})
    return out


def _best_contacts(session: Session, ids: set[int], suppressed: _Suppressions,
                   ) -> dict[int, tuple[float, ContactRow, str]]:
    """Organisation -> (score, contact row, quality) of its best contact, in one pass over contacts."""
    best: dict[int, tuple[float, ContactRow, str]] = {}
    rows = _fetch(session, sa.select(Contact.organisation_id, Contact.id, _plain(Contact.kind), Contact.value,
                                     Contact.person_name, Contact.role).where(
        _plain(Contact.kind).in_([ContactKind.email.value, ContactKind.person.value,
                                  ContactKind.phone.value]))
        .order_by(Contact.id))
    for oid, cid, kind, value, person, role in rows:
        if oid not in ids:
            continue
        quality = contact_quality(kind, value, person, role, suppressed)
        if quality is None:
            continue
        score = CONTACT_SCORES[quality]
        held = best.get(oid)
        if held is None or score > held[0]:  # rows come by id: on a tie the first stored stays
            best[oid] = (score, (cid, kind, value, person, role), quality)
    return best


def _quotas(session: Session, cluster: str | None) -> dict[tuple[str, str], int]:
    query = select(Quota.cluster_id, Quota.sector, Quota.target)
    if cluster:
        query = query.where(Quota.cluster_id == cluster)
    return {(c, str(s)): t for c, s, t in session.exec(query).all()}


def _included_by_cluster_sector(session: Session, cluster: str | None) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    if cluster:
        rows = session.exec(select(Organisation.sector).where(
            Organisation.status.in_(_INCLUDED), in_cluster(cluster))).all()
        counts.update((cluster, str(s)) for s in rows)
    else:
        rows = session.exec(select(Organisation.cluster_id, Organisation.sector).where(
            Organisation.status.in_(_INCLUDED))).all()
        counts.update((c, str(s)) for c, s in rows if c)
    return counts
