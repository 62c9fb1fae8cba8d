"""Alembic migrations: `harvester init` migrates SQLite and PostgreSQL to the models' schema, a
database made by create_all before migrations is stamped, and a model change without a migration
fails here (alembic's compare_metadata against SQLModel.metadata)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel
from typer.testing import CliRunner

from harvester.cli import app
from harvester.db import init_db, make_engine
from harvester.migrate import INITIAL, current_revision, head, schema_differences, upgrade


def _check_fresh(url: str) -> None:
    engine = make_engine(url)
    try:
        assert upgrade(engine) == "created"
        assert current_revision(engine) == head()
        assert schema_differences(engine) == [], "models changed without a migration: run " \
            "`python -m harvester.migrate --revision MESSAGE` and check the file"
        assert upgrade(engine) == "current"  # idempotent
        tables = set(sa.inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
    finally:
        engine.dispose()


def test_sqlite_migrated_schema_matches_models(db_url):
    _check_fresh(db_url)


@pytest.mark.postgres
@pytest.mark.integration
def test_postgresql_migrated_schema_matches_models(pg_url):
    _check_fresh(pg_url)


def test_create_all_database_is_stamped_not_recreated(db_url):
    engine = make_engine(db_url)
    SQLModel.metadata.create_all(engine)  # as `harvester init` did before migrations
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO cluster (id, name, postcode_areas, meetup, created_at, updated_at) "
                             "VALUES ('x', 'X', '[]', '{}', '2026-01-01', '2026-01-01')"))
    assert upgrade(engine) == "stamped"
    assert current_revision(engine) == head()
    with engine.connect() as conn:  # data kept
        assert conn.execute(sa.text("SELECT name FROM cluster")).scalar_one() == "X"
    engine.dispose()


def test_init_command_applies_migrations(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    runner = CliRunner()
    for _ in range(2):  # safe to run twice
        res = runner.invoke(app, ["--db", url, "init"])
        assert res.exit_code == 0, res.output
    engine = make_engine(url)
    assert current_revision(engine) == head()
    engine.dispose()


def test_missing_migration_is_detected(db_url):
    """The comparison the first test relies on really sees a column the migrations lack."""
    engine = make_engine(db_url)
    init_db(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE harvestrun DROP COLUMN worker"))
    diffs = schema_differences(engine)
    assert any(d[0] == "add_column" and d[3].name == "worker" for d in diffs if isinstance(d, tuple))
    engine.dispose()


def test_initial_revision_is_the_base():
    assert INITIAL == "0001"
    assert head()


def test_tables_dropped_without_alembic_version_are_created_again(db_url):
    engine = make_engine(db_url)
    init_db(engine)
    SQLModel.metadata.drop_all(engine)  # leaves alembic_version behind
    assert upgrade(engine) == "created"
    assert schema_differences(engine) == []
    engine.dispose()
