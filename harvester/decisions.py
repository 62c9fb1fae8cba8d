"""Review decisions: find the organisation a reviewer means and record what they decided.

Decisions are append-only rows (who, when, note); a correction is a new row whose `amends_id`
names the row it corrects. Each decision moves the organisation's status:

    accept -> accepted      (joins the sample: wave, recruiter and seed are set)
    reject -> rejected      (never proposed again unless new evidence arrives)
    defer  -> candidate     (stays in the ranking, marked "deferred")
    contacted -> contacted, interviewed -> interviewed   (join the sample like accept)
    exclude -> excluded     (out of everything: proposals, crawling)
    set_sector VALUE        sector = VALUE, source "review" (wins over rules and registries)
    set_name VALUE          the organisation's display name
    note                    no change

Waves: an organisation joining the sample gets wave = the highest wave among the included
organisations pointing at it + 1 (the current proposal wave when none does); `recruited_from_id`
is the included organisation that pointed at it first (a referral beats any link; then the
earliest relation), and `seed_id` is that recruiter's seed. Nothing here commits: the caller does.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Session, select

from harvester.errors import BadInput, NotFound
from harvester.export import enum_value
from harvester.models import (
    INCLUDED_STATUSES,
    Decision,
    DecisionKind,
    Organisation,
    OrgStatus,
    Referral,
    Relation,
    Sector,
    SectorSource,
    utcnow,
)
from harvester.names import name_key
from harvester.plain_text import drop_controls
from harvester.snowball import next_wave
from harvester.snowball.sample_graph import BOTH_WAYS  # the relation kinds counted both ways
from harvester.urls import is_http_url, registrable_domain

STATUS_AFTER = {
    DecisionKind.accept: OrgStatus.accepted,
    DecisionKind.reject: OrgStatus.rejected,
    DecisionKind.defer: OrgStatus.candidate,
    DecisionKind.contacted: OrgStatus.contacted,
    DecisionKind.interviewed: OrgStatus.interviewed,
    DecisionKind.exclude: OrgStatus.excluded,
}
_INCLUDED = {s.value for s in INCLUDED_STATUSES}


class DecisionConflict(BadInput):
    """Another reviewer decided about the same organisation after this reviewer looked."""

    status_code = 409


_MEETUP_URL = re.compile(r"^(?:https?://)?(?:www\.)?meetup\.com/([^/?#]+)", re.I)


def decision_kind(value: DecisionKind | str) -> DecisionKind:
    """'accept', 'set-sector', 'Set_Sector' -> DecisionKind; BadInput naming the choices."""
    if isinstance(value, DecisionKind):
        return value
    text = str(value).strip().lower().replace("-", "_")
    try:
        return DecisionKind(text)
    except ValueError:
        choices = ", ".join(k.value.replace("_", "-") for k in DecisionKind)
        raise BadInput(f"unknown decision {value!r}; choose one of: {choices}") from None


def parse_sector(value: str | None) -> Sector:
    text = (value or "").strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return Sector(text)
    except ValueError:
        raise BadInput(f"unknown sector {value!r}; choose one of: "
                       f"{', '.join(s.value for s in Sector)}") from None


MAX_ID = 2**63 - 1  # the largest SQLite / PostgreSQL bigint


def find_organisation(session: Session, ref: str | int) -> Organisation:
    """The organisation named by id, registrable domain, URL, Meetup urlname/URL, or exact name."""
    text = str(ref).strip()
    if not text:
        raise BadInput("no organisation given: use its id, domain or URL (see `harvester orgs`)")
    if text.isdigit() and int(text) <= MAX_ID:  # a bigger number is no id (and overflows SQLite)
        org = session.get(Organisation, int(text))
        if org is not None:
            return org
    meetup = _MEETUP_URL.match(text)
    if meetup:
        org = session.exec(select(Organisation).where(
            Organisation.meetup_urlname == meetup.group(1).lower())).first()
        if org is not None:
            return org
    lowered = text.lower()
    domain = registrable_domain(text if is_http_url(text) else f"https://{lowered}") if (
        is_http_url(text) or re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", lowered)) else None
    if domain:
        org = session.exec(select(Organisation).where(Organisation.domain == domain)).first()
        if org is not None:
            return org
    org = session.exec(select(Organisation).where(Organisation.meetup_urlname == lowered)).first()
    if org is not None:
        return org
    key = name_key(text)
    if key:
        named = session.exec(select(Organisation).where(Organisation.name_key == key)
                             .order_by(Organisation.id).limit(2)).all()
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            raise BadInput(f"more than one organisation is called {text!r}: use its id or domain "
                           "(see `harvester orgs`)")
    raise NotFound(f"no organisation {text!r} in the database: use its id, domain or URL "
                   "(see `harvester orgs`)")


def default_reviewer() -> str:
    """The configured reviewer name, else the login name."""
    try:
        from harvester.config import Config

        name = Config.load().reviewer
    except Exception:  # noqa: BLE001 - a broken config must not block recording a decision
        name = ""
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return ""


def recruiter_of(session: Session, org_id: int) -> Organisation | None:
    """The included organisation that pointed at `org_id` first: a referral, else the earliest link."""
    included = select(Organisation.id).where(Organisation.status.in_(list(_INCLUDED)))
    ref = session.exec(select(Referral.from_organisation_id).where(
        Referral.to_organisation_id == org_id, Referral.from_organisation_id.in_(included),
        Referral.from_organisation_id != org_id).order_by(Referral.created_at, Referral.id)).first()
    if ref is not None:
        return session.get(Organisation, ref)
    rows = session.exec(select(Relation.source_id, Relation.target_id, Relation.kind, Relation.first_seen,
                               Relation.id).where(
        sa.or_(sa.and_(Relation.target_id == org_id, Relation.source_id.in_(included)),
               sa.and_(Relation.source_id == org_id, Relation.target_id.in_(included),
                       Relation.kind.in_(sorted(BOTH_WAYS)))))).all()
    if not rows:
        return None
    # A referral relation (recorded without a Referral row) beats links; then the earliest.
    src, dst, _kind, _seen, _id = min(rows, key=lambda r: (str(r[2]) != "referral", r[3], r[4]))
    return session.get(Organisation, src if dst == org_id else dst)


def _pointer_waves(session: Session, org_id: int) -> Iterable[int | None]:
    included = select(Organisation.id).where(Organisation.status.in_(list(_INCLUDED)))
    ids = set(session.exec(select(Relation.source_id).where(
        Relation.target_id == org_id, Relation.source_id.in_(included))).all())
    ids |= set(session.exec(select(Relation.target_id).where(
        Relation.source_id == org_id, Relation.target_id.in_(included),
        Relation.kind.in_(sorted(BOTH_WAYS)))).all())
    ids |= set(session.exec(select(Referral.from_organisation_id).where(
        Referral.to_organisation_id == org_id, Referral.from_organisation_id.in_(included))).all())
    ids.discard(org_id)
    if not ids:
        return []
    return session.exec(select(Organisation.wave).where(Organisation.id.in_(ids))).all()


def _join_sample(session: Session, org: Organisation) -> None:
    """Set wave, recruiter and seed of an organisation entering the sample."""
    if org.wave is None:
        waves = [w or 0 for w in _pointer_waves(session, org.id)]  # type: ignore[arg-type]
        org.wave = max(waves) + 1 if waves else next_wave(session, org.cluster_id)
    if org.recruited_from_id is None:
        recruiter = recruiter_of(session, org.id)  # type: ignore[arg-type]
        if recruiter is not None:
            org.recruited_from_id = recruiter.id
            org.seed_id = recruiter.seed_id or recruiter.id  # a seed may not name itself


def _same_field(kind: DecisionKind) -> tuple[DecisionKind, ...]:
    """The decision kinds that set what `kind` sets (status, sector or name); none for a note."""
    if kind in STATUS_AFTER:
        return tuple(STATUS_AFTER)
    if kind in (DecisionKind.set_sector, DecisionKind.set_name):
        return (kind,)
    return ()


def last_decision_ids(session: Session, org_ids: Iterable[int],
                      kinds: Iterable[DecisionKind] | None = tuple(STATUS_AFTER)) -> dict[int, int]:
    """Organisation id -> id of its latest decision of `kinds` (status decisions by default; None:
    any kind), 0 when none: what a review screen shows, handed back as `seen` so that a decision
    made elsewhere meanwhile is not overwritten. Any `kinds` that include the kinds a form sets
    will do: a decision made after the screen was drawn has a higher id than all of them."""
    ids = list(org_ids)
    query = select(Decision.organisation_id, sa.func.max(Decision.id)).where(
        Decision.organisation_id.in_(ids))
    if kinds is not None:
        query = query.where(Decision.decision.in_(list(kinds)))
    found = dict(session.exec(query.group_by(Decision.organisation_id)).all()) if ids else {}
    return {i: int(found.get(i) or 0) for i in ids}


def _check_unchanged(session: Session, org: Organisation, kind: DecisionKind, row: Decision,
                     seen: int) -> None:
    """Refuse `row` when another reviewer decided the same thing about `org` after decision
    `seen`, the latest the reviewer was shown: two screens at once must not silently overwrite
    each other. Called after `row` is flushed (SQLite: its INSERT holds the write lock, so of two
    such decisions the second sees the first)."""
    kinds = _same_field(kind)
    if not kinds:
        return
    other = session.exec(select(Decision).where(
        Decision.organisation_id == org.id, Decision.id > seen, Decision.id != row.id,
        Decision.decision.in_(list(kinds))).order_by(Decision.id.desc())).first()
    if other is None:
        return
    said = str(enum_value(other.decision))
    said = said.replace("_", "-") + (f" {other.value}" if other.value else "")
    raise DecisionConflict(
        f"{org.name} (#{org.id}) was decided meanwhile: {said} by {other.reviewer} at "
        f"{other.created_at:%H:%M:%S} UTC (decision {other.id}); your "
        f"{kind.value.replace('_', '-')} was not recorded. Look again, then decide "
        f"(or amend decision {other.id}).")


def record_decision(session: Session, org: Organisation, decision: DecisionKind | str, *,
                    note: str | None = None, reviewer: str | None = None, tags: Iterable[str] = (),
                    value: str | None = None, amends_id: int | None = None,
                    seen: int | None = None) -> Decision:
    """Append a decision row and apply it to the organisation (flushed, not committed).

    `seen`: the latest decision id the reviewer was shown (`last_decision_ids`); when another
    status, sector or name decision was recorded after it, DecisionConflict is raised and the
    caller rolls back. Without it (the `decide` command) decisions apply in the order given."""
    kind = decision_kind(decision)
    if org.id is None:
        raise BadInput("the organisation is not stored yet")
    if seen is not None and _same_field(kind):
        # PostgreSQL: a second decision about this organisation waits here for the first's commit.
        session.exec(select(Organisation.id).where(Organisation.id == org.id).with_for_update()).all()
        session.refresh(org)
    if amends_id is not None:
        old = session.get(Decision, amends_id) if 0 < amends_id <= MAX_ID else None
        if old is None or old.organisation_id != org.id:
            raise NotFound(f"no decision {amends_id} about organisation {org.id} to amend "
                           "(see `harvester explain ORG`)")
    if kind == DecisionKind.set_sector:
        if not (value or "").strip():
            raise BadInput("set-sector needs the new sector (e.g. harvester decide 12 set-sector "
                           f"university); one of: {', '.join(s.value for s in Sector)}")
        sector = parse_sector(value)
        org.sector, org.sector_source, org.sector_confidence = sector, SectorSource.review, 1.0
        org.sector_evidence = [*list(org.sector_evidence or []),
                               {"source": "review", "reviewer": reviewer or default_reviewer(),
                                "note": note}]
        value = sector.value
    elif kind == DecisionKind.set_name:
        # Control characters (a paste from a terminal or PDF) would corrupt exports and screens.
        name = " ".join(drop_controls(value or "", " ").split())
        if not name:
            raise BadInput("set-name needs the new name (e.g. harvester decide 12 set-name 'Watershed')")
        org.name, org.name_key, value = name, name_key(name), name
    elif kind in STATUS_AFTER:
        new_status = STATUS_AFTER[kind]
        keep_seed = org.status == OrgStatus.seed and kind == DecisionKind.accept
        if not keep_seed:
            org.status = new_status
        if OrgStatus(org.status).value in _INCLUDED:
            _join_sample(session, org)
    org.last_seen = org.last_seen or utcnow()
    session.add(org)
    row = Decision(organisation_id=org.id, decision=kind, note=note, value=value, tags=list(tags),
                   reviewer=reviewer if reviewer is not None else default_reviewer(),
                   wave=org.wave if org.wave is not None else next_wave(session, org.cluster_id),
                   amends_id=amends_id, created_at=utcnow())
    session.add(row)
    session.flush()
    if seen is not None:
        _check_unchanged(session, org, kind, row, seen)
    return row


def history(session: Session, org: Organisation) -> list[Decision]:
    """Every decision about `org`, oldest first (corrections included, with their amends_id)."""
    return list(session.exec(select(Decision).where(Decision.organisation_id == org.id)
                             .order_by(Decision.id)).all())
