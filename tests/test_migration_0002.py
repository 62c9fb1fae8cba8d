"""Migration 0002: `suppression.forgotten_with` replaces the `[forgotten with KIND VALUE]` tag that
`forget` wrote into a do-not-contact entry's reason. A database made at 0001 with tagged rows is
upgraded (the tags move to the column, the reasons are left as written) on SQLite, and on
PostgreSQL when HARVESTER_TEST_PG_URL is set; the downgrade puts the tags back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import Session

from harvester.db import make_engine
from harvester.migrate import alembic_config, current_revision, head, schema_differences, upgrade
from harvester.privacy.forget import Subject
from harvester.privacy.subject_access import subject_access

# As 0001-era `forget --person 'Jane Doe' --reason 'asked by phone'` and `forget --email` left them.
ROWS = [
    ("person", "jane doe", "asked by phone"),
    ("email", "jane.doe@studio.example", "asked by phone [forgotten with person jane doe]"),
    ("email", "jd@studio.example", "asked by phone [forgotten with person jane doe]"),
    ("email", "sam@studio.example", "forget request"),
    ("person", "sam smith", "forget request [forgotten with email sam@studio.example]"),
    ("email", "x@other.example", "[forgotten with person kim lee]"),  # no reason before the tag
    ("domain", "spam.example", "imported from the council's list"),
    ("email", "odd@studio.example", None),
]


def _at_0001_with_tagged_rows(url: str):
    engine = make_engine(url)
    assert upgrade(engine, "0001") == "created"
    with engine.begin() as conn:
        for kind, value, reason in ROWS:
            conn.execute(sa.text("INSERT INTO suppression (kind, value, reason, created_at) "
                                 "VALUES (:k, :v, :r, '2026-11-01 10:00:00')"),
                         {"k": kind, "v": value, "r": reason})
    return engine


def _rows(engine) -> dict[str, tuple[str | None, str | None]]:
    with engine.connect() as conn:
        return {v: (r, w) for v, r, w in conn.execute(sa.text(
            "SELECT value, reason, forgotten_with FROM suppression ORDER BY id")).all()}


def _check_upgrade(url: str) -> None:
    engine = _at_0001_with_tagged_rows(url)
    try:
        assert "forgotten_with" not in {c["name"] for c in sa.inspect(engine).get_columns("suppression")}
        assert upgrade(engine) == "upgraded"
        assert current_revision(engine) == head()
        assert schema_differences(engine) == []
        indexes = {i["name"] for i in sa.inspect(engine).get_indexes("suppression")}
        assert "ix_suppression_forgotten_with" in indexes
        assert _rows(engine) == {
            "jane doe": ("asked by phone", None),
            "jane.doe@studio.example": ("asked by phone", "person jane doe"),
            "jd@studio.example": ("asked by phone", "person jane doe"),
            "sam@studio.example": ("forget request", None),
            "sam smith": ("forget request", "email sam@studio.example"),
            "x@other.example": (None, "person kim lee"),
            "spam.example": ("imported from the council's list", None),
            "odd@studio.example": (None, None),
        }
        # subject access reads the column: the whole entry of each request, and nothing else
        with Session(engine) as s:
            jane = subject_access(s, Subject.parse(person="Jane Doe"))
            entries = [(e["kind"], e["value"], e["reason"], e["forgotten_with"])
                       for e in jane["suppressions"]]
            assert entries == [
                ("person", "jane doe", "asked by phone", None),
                ("email", "jane.doe@studio.example", "asked by phone", "person jane doe"),
                ("email", "jd@studio.example", "asked by phone", "person jane doe")]
            for asked in (Subject.parse(email="sam@studio.example"), Subject.parse(person="Sam Smith")):
                sam = subject_access(s, asked)
                assert {e["value"] for e in sam["suppressions"]} == {"sam@studio.example", "sam smith"}
        assert upgrade(engine) == "current"
    finally:
        engine.dispose()


def test_sqlite_upgrade_moves_the_tags_into_the_column(db_url):
    _check_upgrade(db_url)


@pytest.mark.postgres
@pytest.mark.integration
def test_postgresql_upgrade_moves_the_tags_into_the_column(pg_url):
    _check_upgrade(pg_url)


def test_downgrade_puts_the_tags_back(db_url):
    engine = _at_0001_with_tagged_rows(db_url)
    upgrade(engine)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
    assert current_revision(engine) == "0001"
    assert "forgotten_with" not in {c["name"] for c in sa.inspect(engine).get_columns("suppression")}
    with engine.connect() as conn:
        after = {v: r for v, r in conn.execute(sa.text("SELECT value, reason FROM suppression")).all()}
    assert after == {v: r for _k, v, r in ROWS}
    engine.dispose()
