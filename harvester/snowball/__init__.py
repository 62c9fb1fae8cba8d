"""Snowball proposals: rank the organisations to approach next, say why, and whom to write to.

`propose(session, cluster=...)` reads the database and returns a `Proposal` for the next wave:
candidates (organisations discovered but not yet included, rejected, excluded or suppressed)
ranked by a documented weighted sum of features, each candidate with its features, a plain-English
explanation and the best contact to approach.

Score = Σ weight[f] × feature[f], weights in `Weights` (defaults below, overridable in the
`[snowball]` table of harvester.toml). The features:

    co_link         log2(1 + Σ kind weight) over the DISTINCT included organisations (seed,
                    accepted, contacted, interviewed) pointing at the candidate, each counted once
                    with its strongest relation kind: referral 4 > funder, partner, sponsor,
                    member_of, client 2 > hosts_event, organises, venue 1.5 > links_to 1.
                    Fewer than `weak_threshold` (2) distinct included pointers => listed apart as
                    weak, unless an interviewee referred it (a referral is never weak).
    bridging        the included organisations are split into communities (Louvain modularity,
                    fixed seed, on the graph of relations among included organisations);
                    bridging = log2(number of communities (of 2 or more organisations) the
                    candidate is linked with, either direction): 0 for one, 1 for two, 2 for four.
    balance         how under-represented the candidate's sector group is among included
                    organisations against the target share (equal over the four groups, or the
                    cluster's quotas): max(0, target - share) / target, plus half the same gap for
                    its best domain area (target: equal over the taxonomy's areas).
    locality        1 inside the cluster's postcode areas (or its city), 0.5 unknown, 0 outside;
                    outside-cluster candidates are kept and flagged `outside_cluster`.
    activity        log2(1 + Meetup groups it runs, hosts or sponsors + recent events / 4)
                    (recent: a known start within `recent_days`; an undated event does not
                    count); for a Meetup group, its own recent events.
    contactability  the best non-suppressed contact: named person's email with a role 1.0, named
                    person with a role 0.8, role address (partnerships@, director@ ...) 0.6,
                    another address 0.4, generic address (info@, hello@ ...) 0.3, phone 0.1.

Ranking is deterministic: score (rounded to 4 places) descending, then name, then id. Rejected
organisations come back only when new evidence (a relation, contact or referral) arrived after the
rejection, flagged `reconsider`. Deferred organisations stay in the ranking, marked in `why`.

Only relations touching an included organisation are read (one SELECT of plain columns), so the
cost follows the size of the sample, not of the whole harvested web (see bench/bench_propose.py).

This module is the entry point (`propose`, `candidate`, `next_wave`, `check_cluster`, the result
types and `Weights`); the work is done by one module per job, the pure ones (no Session, no I/O)
apart from those that read the database:

    weights       Weights, the [snowball] table of harvester.toml; KIND_WEIGHTS
    results       Proposal, Candidate, ProposedContact, Saturation, RunFinds (the JSON shapes)
    rows          the plain rows read from the database (_Org, ContactRow, Activity)
    features      pure: co_link, balance, activity and bridging values
    locality      pure: inside the cluster by flag, postcode area or city
    contacts      pure: contact quality, suppressed contacts, the best one to write to
    communities   pure: Louvain communities of the included organisations and their labels
    sample_graph  pure: the relations touching the sample as numpy arrays
    quotas        pure: target shares and open places from a cluster's quotas
    explanation   pure: the plain-English `why` of each candidate
    queries       every database read of a proposal
    saturation    is the snowball still finding new organisations (reads the harvest runs)

Names with a leading underscore are private to this package: shared between its modules, not
meant for callers outside it.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, select

from harvester.errors import NotFound
from harvester.models import (
    SECTOR_GROUPS,
    Cluster,
    ContactUse,
    DecisionKind,
    DomainArea,
    Organisation,
    OrgStatus,
    Referral,
    Relation,
    in_cluster,
    utcnow,
)
from harvester.snowball.communities import _community_labels, communities_of
from harvester.snowball.contacts import _proposed
from harvester.snowball.explanation import _why
from harvester.snowball.features import activity_value, balance_value
from harvester.snowball.locality import _inside, _inside_cached
from harvester.snowball.queries import (
    _INCLUDED,
    _activity,
    _best_contacts,
    _domain_areas,
    _fetch,
    _included_by_cluster_sector,
    _last_decisions,
    _orgs,
    _plain,
    _quotas,
    _reconsidered,
    _suppressions,
)
from harvester.snowball.quotas import _quota_targets, _quota_text
from harvester.snowball.results import Candidate, Proposal, ProposedContact, RunFinds, Saturation
from harvester.snowball.rows import _Org
from harvester.snowball.sample_graph import KIND_CODES, _SampleGraph
from harvester.snowball.saturation import _saturation
from harvester.snowball.weights import Weights

__all__ = ["Candidate", "Proposal", "ProposedContact", "RunFinds", "Saturation", "Weights", "candidate",
           "check_cluster", "next_wave", "propose"]

# ---------------------------------------------------------------- constants

SCORE_PLACES = 4
_ELIGIBLE = {OrgStatus.discovered.value, OrgStatus.candidate.value}


# ---------------------------------------------------------------- loading


def next_wave(session: Session, cluster: str | None = None) -> int:
    """The wave the next proposal is for: the highest wave among included organisations + 1."""
    query = select(sa.func.max(Organisation.wave)).where(Organisation.status.in_(_INCLUDED))
    if cluster:
        query = query.where(in_cluster(cluster))
    top = session.exec(query).one()
    return (top or 0) + 1


def check_cluster(session: Session, cluster: str | None) -> Cluster | None:
    if cluster is None:
        return None
    found = session.get(Cluster, cluster)
    if found is None:
        known = session.exec(select(Cluster.id).order_by(Cluster.id)).all()
        hint = f"known: {', '.join(known)}" if known else "load a seed file with `harvester seed` first"
        raise NotFound(f"no cluster {cluster!r} ({hint})")
    return found


# ---------------------------------------------------------------- propose


def propose(session: Session, *, cluster: str | None = None, top: int | None = None,
            weights: Weights | None = None, record_use: bool = False,
            now: datetime | None = None) -> Proposal:
    """Rank the candidates for the next wave of `cluster` (all clusters when None).

    `top` limits both the ranked and the weak list. `record_use` writes a ContactUse row for
    every proposed contact and marks proposed organisations `candidate` (the caller commits).
    """
    weights = weights or Weights()
    now = now or utcnow()
    scope = check_cluster(session, cluster)
    wave = next_wave(session, cluster)
    included_where = Organisation.status.in_(_INCLUDED)
    if cluster:
        included_where = sa.and_(included_where, in_cluster(cluster))
    included = _orgs(session, included_where)
    inc_ids = set(included)
    suppressed = _suppressions(session)

    # One SELECT of plain columns: every relation with an included organisation at one end
    # (two index searches joined by UNION ALL), kinds as small integers, into numpy arrays.
    inc_select = sa.select(Organisation.id).where(included_where)
    kind_code = sa.case(KIND_CODES, value=_plain(Relation.kind), else_=len(KIND_CODES))
    cols = (Relation.source_id, Relation.target_id, kind_code)
    edges = sa.union_all(
        sa.select(*cols).where(Relation.source_id.in_(inc_select)),
        sa.select(*cols).where(Relation.target_id.in_(inc_select), Relation.source_id.not_in(inc_select)))
    refs = sa.select(Referral.from_organisation_id, Referral.to_organisation_id).where(
        Referral.to_organisation_id.is_not(None), Referral.from_organisation_id.in_(inc_select))
    size = (session.exec(select(sa.func.max(Organisation.id))).one() or 0) + 1
    graph = _SampleGraph.build(_fetch(session, edges), _fetch(session, refs), inc_ids, size, weights)

    # The candidate pool: linked with the sample, or in the cluster.
    pool_where = Organisation.status.in_([*_ELIGIBLE, OrgStatus.rejected.value])
    linked = graph.linked()
    pool: dict[int, _Org] = {}
    if len(linked) <= 900:
        pool.update(_orgs(session, sa.and_(pool_where, Organisation.id.in_(linked))))
    else:  # many: one scan of every eligible organisation beats hundreds of IN (...) look-ups
        wanted = set(linked)
        pool.update({i: o for i, o in _orgs(session, pool_where).items() if i in wanted})
    local_where = in_cluster(cluster) if cluster else Organisation.cluster_id.is_not(None)
    local_ids = {r[0] for r in _fetch(session, sa.select(Organisation.id).where(pool_where, local_where))}
    missing = local_ids - set(pool)
    if missing:
        pool.update(_orgs(session, sa.and_(pool_where, local_where)))
    pool = {i: o for i, o in sorted(pool.items()) if not suppressed.domain(o.domain)}

    last_decisions = _last_decisions(session, list(pool))
    reconsider = _reconsidered(session, {i: d for i, d in last_decisions.items()
                                         if pool[i].status == OrgStatus.rejected.value}, suppressed)
    pool = {i: o for i, o in pool.items() if o.status in _ELIGIBLE or i in reconsider}

    # Communities of the included organisations, labelled by their commonest domain area.
    community = communities_of(inc_ids, graph.inc_edges)
    graph.set_communities(community)
    areas = _domain_areas(session, inc_ids | set(pool))
    area_labels = dict(session.exec(select(DomainArea.id, DomainArea.label)).all())
    labels = _community_labels(community, included, areas, area_labels, graph.inc_edges)

    # Balance: sector groups and domain areas among included organisations.
    n_inc = len(included)
    sector_counts = Counter(o.sector for o in included.values())
    area_counts = Counter(a for i in inc_ids for a in areas.get(i, ()))
    quotas = _quotas(session, cluster)
    targets = dict(weights.target_shares) or _quota_targets(quotas, cluster) or {
        s.value: 1.0 / len(SECTOR_GROUPS) for s in SECTOR_GROUPS}
    n_areas = len(area_labels)
    clusters = {c.id: c for c in session.exec(select(Cluster)).all()}
    quota_counts = _included_by_cluster_sector(session, cluster) if quotas else {}

    activity = _activity(session, list(pool), now - timedelta(days=weights.recent_days))

    # Features of every candidate as arrays over the pool (by id); explanations only for those shown.
    chosen = _best_contacts(session, set(pool), suppressed)
    ids_list = list(pool)
    orgs = list(pool.values())
    ids = np.array(ids_list, dtype=np.int64)
    sector_gaps = {sec: balance_value(sec, (), sector_counts, area_counts, n_inc, targets, n_areas)[0]
                   for sec in {o.sector for o in orgs}}
    area_gaps = {a: balance_value("", (a,), sector_counts, area_counts, n_inc, targets, n_areas)[0]
                 for a in area_labels}
    inside_cache: dict[tuple[Any, ...], bool | None] = {}
    locality = {True: 1.0, None: 0.5, False: 0.0}
    n_comm = graph.n_comm[ids]
    columns = [
        np.log2(1.0 + graph.co_sum[ids]),
        np.where(n_comm > 1, np.log2(np.maximum(n_comm, 1)), 0.0),
        np.array([sector_gaps[o.sector] + max((area_gaps.get(a, 0.0) for a in areas.get(o.id, ())),
                                              default=0.0) for o in orgs], dtype=float),
        np.array([locality[_inside_cached(o, scope or clusters.get(o.cluster_id or ""), inside_cache)]
                  for o in orgs], dtype=float),
        np.array([activity_value(*activity[i][:2]) if i in activity else 0.0 for i in ids_list], dtype=float),
        np.array([chosen[i][0] if i in chosen else 0.0 for i in ids_list], dtype=float),
    ]
    features_arr = np.round(np.column_stack(columns), SCORE_PLACES) if ids_list else np.zeros((0, 6))
    w_vec = np.array([getattr(weights, k) for k in Weights.FEATURES], dtype=float)
    scores = np.round(features_arr @ w_vec, SCORE_PLACES)
    weak_arr = (graph.n_ptrs[ids] < weights.weak_threshold) & ~graph.referred[ids]
    names = [o.name.casefold() for o in orgs]
    name_rank = np.empty(len(names), dtype=np.int64)
    name_rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    order = np.lexsort((ids, name_rank, -scores)).tolist()  # score, then name, then id
    weak_list = weak_arr.tolist()

    def row(i: int) -> tuple[float, str, int, dict[str, float], bool]:
        feats = dict(zip(Weights.FEATURES, features_arr[i].tolist(), strict=True))
        return (-float(scores[i]), names[i], ids_list[i], feats, weak_list[i])

    strong_idx = [i for i in order if not weak_list[i]]
    weak_idx = [i for i in order if weak_list[i]]
    ranks = {ids_list[i]: r for r, i in enumerate(strong_idx + weak_idx, start=1)}
    if top is not None:
        strong_idx, weak_idx = strong_idx[:top], weak_idx[:top]
    strong_rows, weak_rows = [row(i) for i in strong_idx], [row(i) for i in weak_idx]
    shown_pointers, shown_touched = graph.details([t[2] for t in strong_rows + weak_rows])

    def build(row: tuple[float, str, int, dict[str, float], bool]) -> Candidate:
        neg_score, _key, oid, features, weak = row
        org = pool[oid]
        best_kinds = shown_pointers.get(oid, {})
        ptrs = {p: {k} for p, k in best_kinds.items()}
        touched = shown_touched.get(oid, set())
        org_areas = sorted(areas.get(oid, ()))
        _b, sector_gap, gap_area = balance_value(org.sector, org_areas, sector_counts, area_counts, n_inc,
                                                 targets, n_areas)
        home = scope or clusters.get(org.cluster_id or "")
        inside = _inside(org, home)
        groups, events, roles = activity.get(oid, (0, 0, {}))
        decision = last_decisions.get(oid)
        deferred = decision is not None and decision[0] == DecisionKind.defer.value
        quota = _quota_text(quotas, quota_counts, scope.id if scope else org.cluster_id, org.sector)
        held = chosen.get(oid)
        contact = _proposed(held[1], held[2]) if held else None
        why = _why(org, ptrs, best_kinds, included, touched, labels, sector_gap, gap_area, sector_counts,
                   area_counts, n_inc, area_labels, groups, events, roles, org.kind, inside, home,
                   reconsider.get(oid), decision if deferred else None, quota, contact)
        return Candidate(
            rank=ranks[oid], organisation_id=oid, name=org.name, domain=org.domain, sector=org.sector,
            cluster=scope.id if scope else org.cluster_id, score=-neg_score, features=features, why=why,
            contact=contact, domain_areas=org_areas, weak=weak, reconsider=oid in reconsider,
            outside_cluster=inside is False, quota=quota, wave=wave, pointers=len(ptrs), deferred=deferred)

    strong = [build(t) for t in strong_rows]
    weak = [build(t) for t in weak_rows]
    saturation = _saturation(session, strong or weak, pool, last_decisions, wave, weights)
    if record_use:
        _record_use(session, strong + weak, wave)
    return Proposal(cluster=cluster, wave=wave, candidates=strong, weak=weak, saturation=saturation,
                    included=n_inc, communities=[labels[k] for k in sorted(labels)])


# ---------------------------------------------------------------- use


def _record_use(session: Session, shown: list[Candidate], wave: int) -> None:
    """Log each proposed contact (subject access reports it) and mark proposed organisations."""
    now = utcnow()
    for c in shown:
        if c.contact and c.contact.contact_id is not None:
            session.add(ContactUse(contact_id=c.contact.contact_id, purpose="proposal",
                                   detail=f"wave {wave} rank {c.rank}", at=now))
        if not c.weak:
            org = session.get(Organisation, c.organisation_id)
            if org is not None and org.status == OrgStatus.discovered:
                org.status = OrgStatus.candidate
                session.add(org)
    session.flush()


def candidate(session: Session, organisation_id: int, **kwargs: Any) -> Candidate:
    """One organisation's entry in the current proposal (for `explain` and the review page)."""
    proposal = propose(session, **kwargs)
    for c in proposal.candidates + proposal.weak:
        if c.organisation_id == organisation_id:
            return c
    raise NotFound(f"organisation {organisation_id} is not a candidate for the next wave "
                   "(included, rejected, excluded or suppressed)")
