"""PostgreSQL: `forget` committed while a harvest batch is between reading the do-not-contact list
and committing its contacts must not let one of the person's contacts back in. Each side holds a
transaction-scoped advisory lock on the list (suppression.hold_list): the batch a shared one
before it reads the list, `forget` an exclusive one before it reads contacts. SQLite needs none
(a writer takes the one write lock first); these tests run where HARVESTER_TEST_PG_URL is set."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from harvester.db import init_db, make_engine
from harvester.models import Contact, ContactKind, Organisation, Suppression
from harvester.privacy.forget import Subject, forget
from harvester.resolve.suppression_snapshot import SuppressionSnapshot
from harvester.resolve.upserts import upsert_contact

EMAIL = "jane.doe@studio.example"


@pytest.fixture
def pg_engine(pg_url):
    engine = make_engine(pg_url)
    init_db(engine)
    with Session(engine) as s:
        org = Organisation(name="Studio", name_key="studio", domain="studio.example")
        s.add(org)
        s.commit()
    yield engine
    engine.dispose()


def _org_id(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(Organisation.id)).one()


def _forget_in_thread(engine, done: list[str]) -> threading.Thread:
    def run() -> None:
        with Session(engine) as s:
            forget(s, Subject.parse(email=EMAIL), reason="asked")
            s.commit()
        done.append("forgotten")

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _waiting_for_the_list(engine, timeout: float = 10.0) -> bool:
    """Whether a session waits for an advisory lock (the list's), polled up to `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            waiting = conn.execute(sa.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND "
                "database = (SELECT oid FROM pg_database WHERE datname = current_database())")).scalar_one()
            if waiting:
                return True
        time.sleep(0.05)
    return False


@pytest.mark.postgres
@pytest.mark.integration
def test_forget_waits_for_a_batch_that_read_the_list_then_erases_its_contact(pg_engine):
    org_id = _org_id(pg_engine)
    done: list[str] = []
    with Session(pg_engine) as batch:
        snapshot = SuppressionSnapshot.for_session(batch)  # the batch reads the list: no entry
        forgetting = _forget_in_thread(pg_engine, done)
        assert _waiting_for_the_list(pg_engine) and done == []  # forget waits for the batch
        assert upsert_contact(batch, org_id, ContactKind.email, EMAIL, source_url=None, run_id=None,
                              suppressed=snapshot) is not None
        batch.commit()
    forgetting.join(30)
    assert done == ["forgotten"]
    with Session(pg_engine) as s:
        assert s.exec(select(Contact).where(Contact.value == EMAIL)).all() == []  # erased after all
        assert s.exec(select(Suppression.value)).all() == [EMAIL]


@pytest.mark.postgres
@pytest.mark.integration
def test_a_batch_waits_for_forget_then_reads_its_entry(pg_engine):
    org_id = _org_id(pg_engine)
    with Session(pg_engine) as forgetting:
        forget(forgetting, Subject.parse(email=EMAIL), reason="asked")  # holds the list
        stored: list[object] = []

        def batch_run() -> None:
            with Session(pg_engine) as batch:
                stored.append(upsert_contact(batch, org_id, ContactKind.email, EMAIL, source_url=None,
                                             run_id=None, suppressed=SuppressionSnapshot.for_session(batch)))
                batch.commit()

        thread = threading.Thread(target=batch_run)
        thread.start()
        assert _waiting_for_the_list(pg_engine) and stored == []
        forgetting.commit()
    thread.join(30)
    assert stored == [None]  # refused: the batch read the list after forget's commit
    with Session(pg_engine) as s:
        assert s.exec(select(Contact).where(Contact.value == EMAIL)).all() == []


def test_no_lock_is_taken_on_sqlite(engine):
    from harvester.suppression import hold_list

    with Session(engine) as s:
        hold_list(s, exclusive=True)  # a no-op: nothing to wait for, nothing held
        SuppressionSnapshot.for_session(s)
