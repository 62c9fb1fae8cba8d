"""Model constraints: unique domain, unique relation per kind, UTC timestamps, enums."""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from harvester.models import (
    Contact,
    ContactKind,
    Organisation,
    OrgStatus,
    Relation,
    RelationKind,
    Sector,
)


def _org(name: str, domain: str | None) -> Organisation:
    return Organisation(name=name, domain=domain)


def test_duplicate_domain_is_refused(engine):
    with Session(engine) as s:
        s.add(_org("Watershed", "watershed.co.uk"))
        s.commit()
        s.add(_org("Watershed again", "watershed.co.uk"))
        with pytest.raises(IntegrityError):
            s.commit()


def test_many_organisations_without_domain_are_allowed(engine):
    with Session(engine) as s:
        s.add_all([_org("A", None), _org("B", None)])
        s.commit()
        assert len(s.exec(select(Organisation)).all()) == 2


def test_relation_unique_per_source_target_kind(engine):
    with Session(engine) as s:
        a, b = _org("A", "a.org"), _org("B", "b.org")
        s.add_all([a, b])
        s.commit()
        s.add(Relation(source_id=a.id, target_id=b.id, kind=RelationKind.partner))
        s.add(Relation(source_id=a.id, target_id=b.id, kind=RelationKind.funder))
        s.commit()
        s.add(Relation(source_id=a.id, target_id=b.id, kind=RelationKind.partner))
        with pytest.raises(IntegrityError):
            s.commit()


def test_foreign_keys_are_enforced_on_sqlite(engine):
    with Session(engine) as s:
        s.add(Contact(organisation_id=999, kind=ContactKind.email, value="x@y.org"))
        with pytest.raises(IntegrityError):
            s.commit()


def test_timestamps_come_back_in_utc_and_enums_as_enums(engine):
    with Session(engine) as s:
        s.add(_org("A", "a.org"))
        s.commit()
    with Session(engine) as s:
        org = s.exec(select(Organisation)).one()
        assert org.first_seen.tzinfo is UTC
        assert org.sector is Sector.unknown
        assert org.status is OrgStatus.discovered


def test_sqlite_runs_in_wal_mode(engine):
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
