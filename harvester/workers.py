"""Worker mode: several `harvester harvest --worker` processes share one frontier on PostgreSQL.

A worker fetches only pages of hosts it has *claimed*. A claim is a row of the `host` table with
`claimed_by` set, taken with `SELECT ... FOR UPDATE SKIP LOCKED` so two workers never claim the
same host, refreshed while held (`claimed_at`) and expired after `CLAIM_TIMEOUT` (a crashed
worker's hosts come back). Because one host is in one worker's hands at a time, the per-host delay
of that worker's polite client holds across workers, and a page is fetched by one worker only.
A released host carries `next_request_at` (now + delay), which the next claimer respects.

SQLite has no row locks: there `--worker` falls back to one harvest at a time under the database
lock (`harvest_guard`), with a message saying so.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from harvester.errors import LockHeld
from harvester.locking import current, held_message, hold_lock, stale_reason
from harvester.models import Host, Page, PageState, utcnow

CLAIM_TIMEOUT = timedelta(minutes=5)
# Pages a worker fetches from one host before giving the host back to the pool, so that hosts
# move to whichever worker has capacity (a balance between workers of unequal speed).
LEASE_PAGES = 16
# A lock number for pg_advisory_xact_lock: workers plan the frontier one at a time.
PLAN_LOCK = 0x68617276  # "harv"

_HOST = Host.__table__
_PAGE = Page.__table__


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def supports_workers(engine: Engine) -> bool:
    """Row locks with SKIP LOCKED: PostgreSQL yes, SQLite no."""
    return engine.dialect.name == "postgresql"


@contextmanager
def harvest_guard(engine: Engine, worker: bool, say: Callable[[str], None]) -> Iterator[str | None]:
    """Around one harvest: a worker name in worker mode on PostgreSQL, else the database lock
    (a second harvest is refused with LockHeld)."""
    if worker and supports_workers(engine):
        holder = current(engine, "harvest")  # a single-process harvest does not share its hosts
        if holder is not None and stale_reason(holder, now=utcnow()) is None:
            raise LockHeld(held_message(holder))
        yield worker_name()
        return
    if worker:
        say("--worker needs PostgreSQL (hosts are claimed with SELECT ... FOR UPDATE SKIP LOCKED); "
            "on SQLite this harvest runs alone under the database lock.")
    with hold_lock(engine, "harvest"):
        busy = active_workers(engine)
        if busy:
            raise LockHeld(f"harvest workers ({', '.join(busy)}) are running against this database; "
                           "wait for them to finish, or join them with `harvester harvest --worker`")
        yield None


def active_workers(engine: Engine, now: datetime | None = None) -> list[str]:
    """Workers holding live host claims (their claims not yet expired)."""
    cutoff = (now or utcnow()) - CLAIM_TIMEOUT
    with engine.connect() as conn:
        rows = conn.execute(sa.select(_HOST.c.claimed_by).where(
            _HOST.c.claimed_by.is_not(None), _HOST.c.claimed_at >= cutoff).distinct()).all()
    return sorted(r[0] for r in rows)


def plan_serially(session: Session) -> None:
    """Hold the planning lock until `session` commits (PostgreSQL), so workers do not queue the
    same seed pages at once."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": PLAN_LOCK})


def _queued(host_filter: sa.ColumnElement[bool] | None) -> sa.Select:
    stmt = sa.select(_PAGE.c.host).where(_PAGE.c.state == PageState.queued.value)
    return stmt.where(host_filter) if host_filter is not None else stmt


def register_hosts(session: Session) -> int:
    """A `host` row for every host with queued pages (claims are taken on these rows)."""
    missing = (sa.select(_PAGE.c.host).where(_PAGE.c.state == PageState.queued.value)
               .where(~sa.exists().where(_HOST.c.host == _PAGE.c.host)).distinct())
    hosts = [h for (h,) in session.execute(missing).all()]
    if not hosts:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(_HOST).values([{"host": h} for h in hosts]).on_conflict_do_nothing())
    session.commit()
    return len(hosts)


def claim_hosts(session: Session, worker: str, *, limit: int, now: datetime | None = None,
                timeout: timedelta = CLAIM_TIMEOUT,
                host_filter: sa.ColumnElement[bool] | None = None) -> list[str]:
    """Claim up to `limit` hosts that have queued pages, are free (or their claim expired) and
    whose politeness clock allows a request now. Commits."""
    if limit <= 0:
        return []
    now = now or utcnow()
    pending = sa.exists(_queued(host_filter).where(_PAGE.c.host == _HOST.c.host))
    free = sa.or_(_HOST.c.claimed_by.is_(None), _HOST.c.claimed_at < now - timeout)
    ready = sa.or_(_HOST.c.next_request_at.is_(None), _HOST.c.next_request_at <= now)
    stmt = (sa.select(_HOST.c.host).where(free, ready, pending).order_by(sa.func.random()).limit(limit)
            .with_for_update(skip_locked=True, of=_HOST))
    hosts = [h for (h,) in session.execute(stmt).all()]
    if hosts:
        session.execute(sa.update(_HOST).where(_HOST.c.host.in_(hosts))
                        .values(claimed_by=worker, claimed_at=now))
    session.commit()
    return hosts


def refresh_claims(session: Session, worker: str, hosts: Iterable[str], now: datetime | None = None) -> None:
    hosts = list(hosts)
    if hosts:
        session.execute(sa.update(_HOST).where(_HOST.c.host.in_(hosts), _HOST.c.claimed_by == worker)
                        .values(claimed_at=now or utcnow()))
        session.commit()


def release_hosts(session: Session, worker: str, hosts: Iterable[str], *,
                  next_request_at: datetime | None = None) -> None:
    """Give hosts back; the next claimer waits until `next_request_at` (the per-host delay)."""
    hosts = list(hosts)
    if not hosts:
        return
    session.execute(sa.update(_HOST).where(_HOST.c.host.in_(hosts), _HOST.c.claimed_by == worker)
                    .values(claimed_by=None, claimed_at=None, next_request_at=next_request_at))
    session.commit()


def release_all(session: Session, worker: str) -> None:
    session.execute(sa.update(_HOST).where(_HOST.c.claimed_by == worker)
                    .values(claimed_by=None, claimed_at=None))
    session.commit()


def queued_pages(session: Session, hosts: Iterable[str]) -> list[tuple]:
    """(id, host, priority, depth, url, etag, last_modified) of queued pages of `hosts`."""
    hosts = list(hosts)
    if not hosts:
        return []
    return list(session.execute(
        sa.select(_PAGE.c.id, _PAGE.c.host, _PAGE.c.priority, _PAGE.c.depth, _PAGE.c.url, _PAGE.c.etag,
                  _PAGE.c.last_modified)
        .where(_PAGE.c.state == PageState.queued.value, _PAGE.c.host.in_(hosts))).all())


def queued_total(session: Session, host_filter: sa.ColumnElement[bool] | None = None) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(_queued(host_filter).subquery())
                           ).scalar_one()
