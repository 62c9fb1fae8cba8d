"""Shared fixtures: a fresh database file per test, the shared/ folder beside the checkout."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from harvester.db import init_db, make_engine

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _contact_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Harvests refuse to crawl without a researcher's contact URL; tests (and the processes
    they start) crawl loopback servers as a test suite, so they say so."""
    if not os.environ.get("HARVESTER_CONTACT_URL"):
        monkeypatch.setenv("HARVESTER_CONTACT_URL", "https://harvester.invalid/test-suite")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A real SQLite database file URL in the test's own folder (not yet created)."""
    return f"sqlite:///{tmp_path / 'harvest.db'}"


@pytest.fixture
def engine(db_url: str):
    """An initialised database engine on a real file."""
    eng = make_engine(db_url)
    init_db(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def shared_dir() -> Path:
    """`../shared` beside the checkout; tests that need it skip cleanly when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the server named by HARVESTER_TEST_PG_URL, dropped
    afterwards; the test skips when the variable is unset (see .ci/run)."""
    import os
    import uuid

    import sqlalchemy as sa

    server = os.environ.get("HARVESTER_TEST_PG_URL")
    if not server:
        pytest.skip("HARVESTER_TEST_PG_URL is not set (no PostgreSQL server for tests)")
    name = f"harvester_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
