"""A named lock in the database, so two harvests never run against one database at once.

The lock is one row of the `lock` table, taken with a plain INSERT (the primary key makes it
atomic on SQLite and PostgreSQL alike). While it is held a background thread refreshes its
`heartbeat_at`. A lock whose holder crashed is *stale* when its heartbeat is older than `timeout`
or, on the same machine, its process no longer exists; it is then taken over with a
compare-and-swap UPDATE (only one of two contenders wins) and a note in the log.

    with hold_lock(engine, "harvest"):
        ...  # raises LockHeld before the block when another process holds it
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from harvester.errors import LockHeld
from harvester.models import Lock, utcnow

log = logging.getLogger("harvester.locking")

# A holder refreshes its heartbeat every HEARTBEAT; without one for TIMEOUT its lock is stale.
HEARTBEAT = timedelta(seconds=30)
TIMEOUT = timedelta(minutes=10)

_LOCK = Lock.__table__


@dataclass(frozen=True)
class LockInfo:
    """Who holds a lock (a row of the `lock` table)."""

    name: str
    owner: str
    pid: int | None
    hostname: str | None
    acquired_at: datetime
    heartbeat_at: datetime


def pid_alive(pid: int) -> bool:
    """True when a process with this id exists on this machine."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def stale_reason(info: LockInfo, *, now: datetime, timeout: timedelta = TIMEOUT,
                 hostname: str | None = None) -> str | None:
    """Why the holder of `info` is gone (a sentence), or None when it looks alive."""
    age = now - info.heartbeat_at
    if age > timeout:
        return f"no heartbeat for {int(age.total_seconds() // 60)} min"
    here = hostname or socket.gethostname()
    if info.hostname == here and info.pid is not None and not pid_alive(info.pid):
        return f"process {info.pid} on {here} no longer exists"
    return None


def held_message(info: LockInfo, what: str = "harvest") -> str:
    """The one-line refusal a second harvest prints."""
    started = info.acquired_at.strftime("%Y-%m-%d %H:%M UTC")
    return (f"another {what} (pid {info.pid} on host {info.hostname}, started {started}) is running "
            f"against this database; wait for it to finish or stop it (a crashed {what}'s lock is "
            f"taken over after {int(TIMEOUT.total_seconds() // 60)} minutes without a heartbeat)")


def current(engine: Engine, name: str) -> LockInfo | None:
    """The holder of lock `name`, or None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(_LOCK).where(_LOCK.c.name == name)).mappings().first()
    return LockInfo(**row) if row else None


class HeldLock:
    """A lock this process holds; `release()` (or leaving `hold_lock`) gives it back."""

    def __init__(self, engine: Engine, name: str, owner: str, *, heartbeat: timedelta = HEARTBEAT,
                 taken_over: str | None = None):
        self.engine = engine
        self.name = name
        self.owner = owner
        self.taken_over = taken_over
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, args=(heartbeat.total_seconds(),),
                                        name=f"harvester-lock-{name}", daemon=True)
        self._thread.start()

    def beat(self) -> bool:
        """Refresh the heartbeat now; False when the lock is no longer ours."""
        with self.engine.begin() as conn:
            n = conn.execute(sa.update(_LOCK).where(_LOCK.c.name == self.name, _LOCK.c.owner == self.owner)
                             .values(heartbeat_at=utcnow())).rowcount
        if not n and not self.lost:
            self.lost = True
            log.warning("lock %r was taken over by another process", self.name)
        return bool(n)

    def _beat(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                self.beat()
            except Exception:  # noqa: BLE001 - a missed heartbeat must not kill the harvest
                log.warning("could not refresh the %r lock's heartbeat", self.name, exc_info=True)

    def release(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        with self.engine.begin() as conn:
            conn.execute(sa.delete(_LOCK).where(_LOCK.c.name == self.name, _LOCK.c.owner == self.owner))


def acquire(engine: Engine, name: str = "harvest", *, what: str = "harvest",
            timeout: timedelta = TIMEOUT, heartbeat: timedelta = HEARTBEAT,
            pid: int | None = None, hostname: str | None = None) -> HeldLock:
    """Take lock `name` or raise LockHeld naming its holder; a stale lock is taken over."""
    pid = os.getpid() if pid is None else pid
    hostname = hostname or socket.gethostname()
    owner = f"{hostname}:{pid}:{uuid.uuid4().hex[:8]}"
    now = utcnow()
    row = {"name": name, "owner": owner, "pid": pid, "hostname": hostname, "acquired_at": now,
           "heartbeat_at": now}
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(_LOCK).values(**row))
        return HeldLock(engine, name, owner, heartbeat=heartbeat)
    except IntegrityError:
        pass
    holder = current(engine, name)
    if holder is None:  # released between our INSERT and SELECT: try once more
        return acquire(engine, name, what=what, timeout=timeout, heartbeat=heartbeat, pid=pid,
                       hostname=hostname)
    reason = stale_reason(holder, now=now, timeout=timeout, hostname=hostname)
    if reason is None:
        raise LockHeld(held_message(holder, what))
    # Compare-and-swap: of two processes taking over the same stale lock, one wins.
    with engine.begin() as conn:
        won = conn.execute(sa.update(_LOCK).where(_LOCK.c.name == name, _LOCK.c.owner == holder.owner,
                                                  _LOCK.c.heartbeat_at == holder.heartbeat_at)
                           .values(**{k: v for k, v in row.items() if k != "name"})).rowcount
    if not won:
        latest = current(engine, name) or holder
        raise LockHeld(held_message(latest, what))
    note = (f"took over the {name!r} lock of pid {holder.pid} on {holder.hostname} "
            f"(started {holder.acquired_at:%Y-%m-%d %H:%M} UTC): {reason}")
    log.warning(note)
    return HeldLock(engine, name, owner, heartbeat=heartbeat, taken_over=note)


@contextmanager
def hold_lock(engine: Engine, name: str = "harvest", **kw) -> Iterator[HeldLock]:
    """Hold lock `name` for the block; released however the block ends."""
    held = acquire(engine, name, **kw)
    try:
        yield held
    finally:
        try:
            held.release()
        except Exception:  # noqa: BLE001 - the lock goes stale on its own if this fails
            log.warning("could not release the %r lock", name, exc_info=True)
