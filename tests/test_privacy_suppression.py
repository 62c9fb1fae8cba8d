"""The do-not-contact list: import and list (harvester.privacy.suppress_io), and that harvest,
propose, the review queue and export all honour it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.privacy.sample import SUPPRESSED_BEFORE, fresh_copy, harvested_once
from sqlmodel import Session, select

from harvester.errors import BadInput
from harvester.export import contact_records
from harvester.fetch.archive import iter_records
from harvester.models import Contact, ContactUse, Organisation, OrganisationFact, Suppression
from harvester.privacy.suppress_io import import_suppressions, list_suppressions, read_suppressions
from harvester.review import views
from harvester.snowball import propose
from harvester.suppression import person_key, redact, scrub_suppressed

FIXTURES = Path(__file__).parent / "fixtures" / "privacy"


def test_import_reads_kinds_normalises_and_is_idempotent(session):
    rows = read_suppressions(FIXTURES / "do-not-contact.csv")
    assert [(r.kind.value, r.value, r.reason, r.line) for r in rows] == [
        ("email", "jane.doe@example.org", "asked by phone 2026-03-02", 3),
        ("domain", "example.com", None, 4),
        ("person", "sian mathers", "objected", 6),
        ("email", "jane.doe@example.org", "same address, other case", 7),
    ]
    assert import_suppressions(session, rows) == (3, 1)
    session.commit()
    assert import_suppressions(session, read_suppressions(FIXTURES / "do-not-contact.csv")) == (0, 4)
    session.commit()
    listed = list_suppressions(session)
    assert [(r["kind"], r["value"], r["reason"]) for r in listed] == [
        ("email", "jane.doe@example.org", "asked by phone 2026-03-02"),
        ("domain", "example.com", None),
        ("person", "sian mathers", "objected"),
    ]


@pytest.mark.parametrize(("text", "message"), [
    ("kind,value\nphone,0117 496 0000\n", "bad.csv:2: kind 'phone' is not one of email, domain, person"),
    ("email,not-an-address\n", "bad.csv:1: 'not-an-address' is not an email address"),
    ("domain,localhost\n", "bad.csv:1: 'localhost' is not a domain"),
    ("person,\n", "bad.csv:1: empty value"),
    ("person,Dr.\n", "bad.csv:1: 'Dr.' has no letters of a name in it"),
    ("email\n", "bad.csv:1: expected kind,value[,reason], got 1 column(s)"),
    ("email,a@b.org\nemail,x\nperson,\n", "bad.csv:2: 'x' is not an email address (name@example.org) "
     "(and 1 more bad row(s)); nothing imported"),
])
def test_bad_rows_name_file_and_line_and_nothing_is_imported(tmp_path, session, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        read_suppressions(path)
    assert str(caught.value).replace(str(tmp_path) + "/", "").startswith(message)
    assert session.exec(select(Suppression)).all() == []


def test_missing_file_says_what_to_give(tmp_path):
    with pytest.raises(BadInput, match="no such file"):
        read_suppressions(tmp_path / "nope.csv")


# ---------------------------------------------------------------- honoured everywhere


def test_harvest_never_stores_suppressed_people_or_domains():
    sample = harvested_once()  # harvested with SUPPRESSED_BEFORE already listed
    assert SUPPRESSED_BEFORE == [("person", "Sam Whitworth"), ("domain", "langworthy-media.org.uk")]
    archived = " ".join(e.body.decode("utf-8", "replace") for e in iter_records(sample.archive))
    assert "Sam Whitworth" in archived  # control: his page was fetched, and named him
    from harvester.db import make_engine

    engine = make_engine(f"sqlite:///{sample.db}")
    with Session(engine) as s:
        contacts = s.exec(select(Contact)).all()
        assert contacts
        assert not [c for c in contacts if person_key(c.person_name or c.value) == "sam whitworth"]
        langworthy = s.exec(select(Organisation.id).where(
            Organisation.domain == "langworthy-media.org.uk")).all()  # the crawl leaves it out
        assert [c for c in contacts if c.organisation_id in langworthy] == []
        assert not [c for c in contacts if c.value.endswith("@langworthy-media.org.uk")]
        facts = " ".join(f.value for f in s.exec(select(OrganisationFact)).all())
        assert "Sam Whitworth" not in facts
    engine.dispose()


def _person_candidate(proposal):
    return next(c for c in proposal.candidates if c.contact is not None and c.contact.person_name)


def test_propose_review_queue_and_export_leave_a_suppressed_person_out(tmp_path):
    _, engine = fresh_copy(tmp_path)
    with Session(engine) as s:
        before = _person_candidate(propose(s, cluster="salford"))
        person = before.contact.person_name
        exported = [r for r in contact_records(s, cluster="salford", record_use=False)
                    if r.get("person_name") == person]
        assert exported  # control: shown and exported while not suppressed
        s.add(Suppression(kind="person", value=person_key(person), reason="test"))
        s.commit()

        proposal = propose(s, cluster="salford", record_use=True)
        s.commit()
        shown = [c.contact.person_name for c in proposal.candidates + proposal.weak if c.contact]
        assert person not in shown
        again = next(c for c in proposal.candidates if c.organisation_id == before.organisation_id)
        assert again.contact is None or again.contact.person_name != person
        hers = [c.id for c in s.exec(select(Contact).where(Contact.person_name == person)).all()]
        assert s.exec(select(ContactUse).where(ContactUse.contact_id.in_(hers))).all() == []

        page = views.queue(s, {}, "salford")
        queued = [c["contact"] for c in page.data["candidates"] + page.data["weak"] if c["contact"]]
        assert queued and person not in [c["person_name"] for c in queued]

        assert [r for r in contact_records(s, cluster="salford", record_use=False)
                if r.get("person_name") == person] == []
    engine.dispose()


# ---------------------------------------------------------------- finding people in text


@pytest.mark.parametrize(("text", "expected"), [
    ("Talk by Dr. Laura Finchley", "Talk by Dr. [removed]"),
    ("LAURA  FINCHLÉY hosts", "[removed] hosts"),
    ("Laura-Finchley's slides", "[removed]'s slides"),
    ("Lauran Finchley and Laura Finchleys", "Lauran Finchley and Laura Finchleys"),
    ("write to L.Finchley@Weaste.ac.uk", "write to [removed]"),
    ("mailto:l.finchley%40weaste.ac.uk or l.finchley&#64;weaste.ac.uk", "mailto:[removed] or [removed]"),
    ("al.finchley@weaste.ac.uk", "al.finchley@weaste.ac.uk"),
    ("jobs@langworthy-media.org.uk, x@mail.langworthy-media.org.uk", "[removed], [removed]"),
    ("Laura and art", "Laura and art"),  # one-word names are not looked for in free text
])
def test_redact_finds_names_and_addresses_in_any_form(text, expected):
    assert redact(text, emails=["l.finchley@weaste.ac.uk"], domains=["langworthy-media.org.uk"],
                  people=["Dr Laura Finchley", "Laura", "Art"]) == expected


def test_storage_scrubs_suppressed_names_from_free_text(session):
    assert scrub_suppressed(session, "Run by Jane Doe") == "Run by Jane Doe"
    session.add(Suppression(kind="person", value="jane doe"))
    session.commit()
    assert scrub_suppressed(session, "Run by Jane Doe") == "Run by [removed]"
    assert scrub_suppressed(session, None) is None


def test_suppression_snapshot_is_read_once_a_transaction_and_follows_its_changes(session):
    """A batch of pages reads the do-not-contact list once; a suppression written in the same
    transaction, a commit or a rollback gives the next page a fresh read."""
    from harvester.resolve import SuppressionSnapshot

    first = SuppressionSnapshot.for_session(session)
    session.flush()  # a flush's own sub-transaction keeps it
    assert SuppressionSnapshot.for_session(session) is first
    assert not first(person="Jane Doe")
    session.add(Suppression(kind="person", value="jane doe"))
    session.flush()
    second = SuppressionSnapshot.for_session(session)
    assert second is not first and second(person="Jane Doe")
    session.rollback()
    third = SuppressionSnapshot.for_session(session)
    assert third is not second and not third(person="Jane Doe")
    session.add(Suppression(kind="person", value="jane doe"))
    session.commit()
    assert SuppressionSnapshot.for_session(session)(person="Jane Doe")
