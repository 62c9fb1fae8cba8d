"""Engine and sessions: SQLite with WAL, foreign keys and a busy timeout; any SQLAlchemy URL.

The URL comes from `--db`, then `HARVESTER_DB`, then `sqlite:///data/harvest.db` (resolved by
`harvester.config`). SQLite files get their folder created. `init_db` creates the schema (through
Alembic migrations once they exist, else `create_all`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlmodel import Session, SQLModel

from harvester import models  # noqa: F401  (registers the tables)
from harvester.errors import BadInput, Failure

# NOTE: 30 s lets a reviewer's write wait out a harvest's page transaction instead of failing.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str, *, create_folder: bool = True, **kwargs: Any) -> Engine:
    """An engine for `url`; a SQLite file's folder is created (unless `create_folder` is False:
    a command that only reads must not leave an empty folder behind a mistyped --db), pragmas set
    on every connection."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise BadInput(f"database URL {url!r} is not a SQLAlchemy URL "
                       "(try sqlite:///data/harvest.db or postgresql+psycopg://user@host/db)") from exc
    if parsed.get_backend_name() == "sqlite":
        db_path = parsed.database
        if db_path and Path(db_path).is_dir():
            raise BadInput(f"database URL {url!r} names a folder: name a file in it, "
                           f"e.g. sqlite:///{Path(db_path) / 'harvest.db'}")
        if create_folder and db_path and db_path != ":memory:" and not db_path.startswith("file:"):
            try:
                Path(db_path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise Failure(f"cannot create the folder {Path(db_path).parent} for the database {url}: "
                              f"{exc.strerror or exc} (run from your project folder or pass --db)") from exc
        kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                                           "check_same_thread": False})
        engine = sa.create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    try:
        return sa.create_engine(parsed, **kwargs)
    except ModuleNotFoundError as exc:
        raise BadInput(f"database URL {url!r} needs a driver that is not installed: {exc.name}") from exc


# Tables whose presence marks a harvester database (current, or from before migrations).
_OWN_TABLES = frozenset({"organisation", "alembic_version"})


def _foreign_tables(engine: Engine) -> list[str]:
    """The tables of a SQLite file that belongs to another program (tables, none of ours); []
    otherwise. PostgreSQL databases are often shared on purpose, so only SQLite is judged."""
    if engine.url.get_backend_name() != "sqlite":
        return []
    tables = sa.inspect(engine).get_table_names()
    return [] if not tables or _OWN_TABLES & set(tables) else sorted(tables)


def _foreign_message(engine: Engine, tables: list[str]) -> str:
    shown = ", ".join(tables[:3]) + (", ..." if len(tables) > 3 else "")
    return (f"the database at {engine.url!r} is not a harvester database (it holds other tables: "
            f"{shown}); choose another --db (`harvester init` creates a new file)")


def init_db(engine: Engine) -> None:
    """Create (or upgrade) the schema. Idempotent. Another program's SQLite file is refused:
    harvester's tables must not be added to it."""
    try:
        from harvester import migrate  # Alembic, when present
    except ImportError:
        migrate = None  # type: ignore[assignment]
    try:
        foreign = _foreign_tables(engine)
    except OperationalError as exc:
        raise Failure(f"cannot create the database at {engine.url!r}: {exc.orig}") from exc
    except DatabaseError as exc:  # e.g. a file that is not SQLite at all
        raise Failure(_unreadable(engine, exc)) from exc
    if foreign:
        raise BadInput(_foreign_message(engine, foreign))
    try:
        if migrate is not None:
            migrate.upgrade(engine)
        else:
            SQLModel.metadata.create_all(engine)
    except OperationalError as exc:
        raise Failure(f"cannot create the database at {engine.url!r}: {exc.orig}") from exc
    except DatabaseError as exc:  # e.g. a file that is not SQLite at all
        raise Failure(_unreadable(engine, exc)) from exc


def _unreadable(engine: Engine, exc: DatabaseError) -> str:
    """The message for a database file that exists but cannot be read (corrupt, not SQLite)."""
    return (f"cannot read the database at {engine.url!r}: {exc.orig} "
            "(is it a harvester database? restore it from a backup or choose another --db)")


def ensure_schema(engine: Engine) -> None:
    """Fail with a helpful message when the database was never initialised (a SQLite file that
    does not exist is not created: a mistyped --db must not leave empty files behind)."""
    path = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if path and path != ":memory:" and not path.startswith("file:") and not Path(path).exists():
        where = "" if Path(path).is_absolute() else f" (looked in {Path.cwd()})"
        raise Failure(f"no database file {path}{where}: run `harvester init` to create it, or run "
                      "from your project folder or give the right --db")
    try:
        insp = sa.inspect(engine)
        tables = set(insp.get_table_names())
    except OperationalError as exc:
        raise Failure(f"cannot open the database at {engine.url!r}: {exc.orig}") from exc
    except DatabaseError as exc:
        raise Failure(_unreadable(engine, exc)) from exc
    if "organisation" not in tables:
        if engine.url.get_backend_name() == "sqlite" and tables and not _OWN_TABLES & tables:
            raise BadInput(_foreign_message(engine, sorted(tables)))
        raise Failure(f"the database at {engine.url!r} has no harvester tables: "
                      "run `harvester init` first")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
