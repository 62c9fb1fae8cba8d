"""Entity resolution: the one Organisation a name, website or Meetup group stands for.

Matching order: the registrable domain (or a Meetup urlname), then the exact name key, then a
fuzzy name among organisations without a website; otherwise a new `discovered` organisation.
A match only moves upwards (status never down, missing fields filled). Apart from page storage
because seeds, Meetup storage and referrals find organisations the same way.
"""

from __future__ import annotations

from datetime import datetime

from rapidfuzz import fuzz, process
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from harvester.models import Organisation, OrgKind, OrgStatus, utcnow
from harvester.names import name_key
from harvester.resolve.cluster_membership import add_membership
from harvester.resolve.upserts import record_fact
from harvester.resolve.value_limits import MAX_NAME_CHARS
from harvester.urls import is_http_url, registrable_domain

# Names at least this similar (rapidfuzz 0..100 on name keys) are one organisation, when neither
# has a domain to say otherwise.
FUZZY_THRESHOLD = 92.0

# Status ranks: a new sighting may move an organisation up, never down (a rejected or excluded
# organisation stays so however often it is seen again).
STATUS_RANK = {
    OrgStatus.discovered: 0, OrgStatus.candidate: 1, OrgStatus.seed: 2, OrgStatus.accepted: 2,
    OrgStatus.rejected: 2, OrgStatus.contacted: 3, OrgStatus.interviewed: 4, OrgStatus.excluded: 5,
}


def _domain_for(url: str | None) -> str | None:
    if not url or not is_http_url(url):
        return None
    return registrable_domain(url)


def is_placeholder_name(org: Organisation) -> bool:
    """The organisation is still named after its domain (a link target nobody has named yet)."""
    return not org.name or (org.domain is not None and org.name.lower() == org.domain)


def _touch(org: Organisation, *, status: OrgStatus, cluster_id: str | None, url: str | None,
           name: str, now: datetime) -> None:
    org.last_seen = now
    if STATUS_RANK.get(OrgStatus(status), 0) > STATUS_RANK.get(OrgStatus(org.status), 0):
        org.status = OrgStatus(status)
    if cluster_id and not org.cluster_id:
        org.cluster_id = cluster_id
    if url and not org.homepage and org.kind == OrgKind.organisation and org.domain:
        org.homepage = url
    if name and is_placeholder_name(org) and name.lower() != (org.domain or ""):
        org.name = name
        org.name_key = name_key(name)


def _match_by_name(session: Session, key: str, kind: OrgKind, *, domainless_only: bool,
                   fuzzy: bool) -> Organisation | None:
    """An organisation of `kind` with this name key (exact; none when several websites share the
    name), else the most similar name among those with no domain (fuzzy, >= FUZZY_THRESHOLD)."""
    if not key:
        return None
    query = select(Organisation).where(Organisation.name_key == key, Organisation.kind == kind)
    if domainless_only:
        query = query.where(Organisation.domain.is_(None))  # type: ignore[union-attr]
    same = session.exec(query.order_by(Organisation.id).limit(20)).all()
    without_domain = [o for o in same if o.domain is None]
    if without_domain:
        return without_domain[0]
    if len(same) == 1:
        return same[0]
    if len(same) > 1 or not fuzzy:
        return None  # one name, several websites: which one is meant cannot be told
    rows = session.exec(select(Organisation.id, Organisation.name_key).where(
        Organisation.domain.is_(None), Organisation.kind == kind,  # type: ignore[union-attr]
        Organisation.meetup_urlname.is_(None))).all()  # type: ignore[union-attr]
    if not rows:
        return None
    choices = {org_id: k for org_id, k in rows if k}
    best = process.extractOne(key, choices, scorer=fuzz.token_sort_ratio,
                              score_cutoff=FUZZY_THRESHOLD)
    return session.get(Organisation, best[2]) if best else None


def find_or_create_organisation(session: Session, *, name: str, url: str | None = None,
                                kind: OrgKind = OrgKind.organisation, cluster_id: str | None = None,
                                status: OrgStatus = OrgStatus.discovered, source_url: str | None = None,
                                run_id: int | None = None, meetup_urlname: str | None = None,
                                ) -> Organisation:
    """The one Organisation for this name/URL, created as `status` when none matches.

    Matching order: registrable domain of `url` (or `meetup_urlname` for a Meetup group); then
    the exact name key; then a fuzzy name among organisations without a domain. An organisation
    that has a domain is never matched to a different domain. A match is updated only upwards:
    status never goes down, cluster/homepage/name are filled only when missing, sector untouched.
    """
    return find_or_create(session, name=name, url=url, kind=kind, cluster_id=cluster_id,
                          status=status, source_url=source_url, run_id=run_id,
                          meetup_urlname=meetup_urlname)[0]


def find_or_create(session: Session, *, name: str, url: str | None, kind: OrgKind,
                   cluster_id: str | None, status: OrgStatus, source_url: str | None,
                   run_id: int | None, meetup_urlname: str | None) -> tuple[Organisation, bool]:
    """find_or_create_organisation, also saying whether the organisation is new."""
    kind = OrgKind(kind)
    now = utcnow()
    name = (name or "").strip()[:MAX_NAME_CHARS]
    urlname = meetup_urlname.strip().lower() if meetup_urlname else None
    domain = None if kind == OrgKind.meetup_group else _domain_for(url)
    key = name_key(name)
    membership_source = ("seed" if OrgStatus(status) == OrgStatus.seed
                         else "meetup" if kind == OrgKind.meetup_group else "crawl")

    org: Organisation | None = None
    if urlname:
        org = session.exec(select(Organisation).where(Organisation.meetup_urlname == urlname)).first()
    if org is None and domain:
        org = session.exec(select(Organisation).where(Organisation.domain == domain)).first()
        if org is None and name and name.lower() != domain:
            # Someone named it before its website was known (a Meetup sponsor, a referral).
            org = _match_by_name(session, key, kind, domainless_only=True, fuzzy=True)
            if org is not None:
                org.domain = domain
    if org is None and not domain and not urlname:
        org = _match_by_name(session, key, kind, domainless_only=False, fuzzy=False)
        if org is None:
            org = _match_by_name(session, key, kind, domainless_only=True, fuzzy=True)
    if org is not None:
        if urlname and not org.meetup_urlname:
            org.meetup_urlname = urlname
        _touch(org, status=status, cluster_id=cluster_id, url=url, name=name, now=now)
        session.add(org)
        add_membership(session, org, cluster_id, membership_source)
        return org, False

    org = Organisation(
        name=name or domain or urlname or "(unnamed)", name_key=key or name_key(domain or urlname),
        kind=kind, domain=domain, meetup_urlname=urlname,
        homepage=url if (url and domain) else None,
        cluster_id=cluster_id, status=OrgStatus(status), first_seen=now, last_seen=now,
        first_run_id=run_id,
    )
    created = True
    try:
        if session.get_bind().dialect.name == "sqlite":
            # SQLite serialises writers, and a SAVEPOINT opening pysqlite's transaction would
            # commit it on release: a plain insert keeps the caller's one transaction per page.
            session.add(org)
            session.flush()
        else:
            with session.begin_nested():
                session.add(org)
                session.flush()
    except IntegrityError:
        created = False
        # Another worker created it between our look-up and insert: use theirs.
        other = None
        if urlname:
            other = session.exec(select(Organisation).where(Organisation.meetup_urlname == urlname)).first()
        if other is None and domain:
            other = session.exec(select(Organisation).where(Organisation.domain == domain)).first()
        if other is None:
            raise
        _touch(other, status=status, cluster_id=cluster_id, url=url, name=name, now=now)
        org = other
    if source_url:
        record_fact(session, org.id, "name", org.name, source_url=source_url,  # type: ignore[arg-type]
                    rule="resolve", run_id=run_id)
    add_membership(session, org, cluster_id, membership_source)
    return org, created
