"""forget: every trace of a person leaves every table, every export and the WARC archive, and a
later harvest of the same pages does not bring it back (harvester.privacy.forget).

Runs on the Salford part of the offline demo sample, harvested by replay with an archive written
(tests/fixtures/privacy/sample.py). Dr Laura Finchley is named on Weaste University's pages and
organises the Quays Broadcast Tech Meetup group: two organisations.
"""

from __future__ import annotations

import asyncio
import io
import json

import httpx
import pytest
import sqlalchemy as sa
from fixtures.privacy.sample import dump, fresh_copy, harvest
from sqlmodel import Session, select

from harvester.export import contact_records, export_table
from harvester.fetch.archive import ReplayTransport, WarcEntry, iter_records
from harvester.graph_export import graph_bytes
from harvester.models import (
    Contact,
    ContactUse,
    Decision,
    DecisionKind,
    Organisation,
    Page,
    Referral,
    Suppression,
)
from harvester.privacy.forget import (
    Subject,
    Targets,
    archive_paths,
    erase_from_archives,
    forget,
    record_predicate,
)
from harvester.privacy.subject_access import subject_access

NAME, EMAIL = "Laura Finchley", "l.finchley@weaste.ac.uk"


def _traces(engine) -> dict[str, list[str]]:
    """Rows (of tables other than the suppression list) that mention her."""
    found = {t: [row for row in text.splitlines() if "finchley" in row.lower()]
             for t, text in dump(engine).items()}
    return {t: rows for t, rows in found.items() if rows}


def _org(session: Session, *, domain: str | None = None, urlname: str | None = None) -> Organisation:
    col, value = (Organisation.domain, domain) if domain else (Organisation.meetup_urlname, urlname)
    return session.exec(select(Organisation).where(col == value)).one()


def _add_mentions(session: Session) -> None:
    """What reviewers and earlier uses add: notes, referrals, proposals and exports."""
    weaste = _org(session, domain="weaste.ac.uk")
    group = _org(session, urlname="quays-broadcast-tech")
    session.add(Decision(organisation_id=weaste.id, decision=DecisionKind.note,
                         note="Met Dr Laura Finchley at the games showcase", reviewer="ana"))
    session.add(Referral(from_organisation_id=weaste.id, to_organisation_id=group.id,
                         person_name="Laura Finchley", note="ask for Laura Finchley", reviewer="ana"))
    session.add(Referral(from_organisation_id=group.id, person_name="Dr. Laura FINCHLEY", reviewer="ana"))
    group.description = (group.description or "") + " Run by Laura Finchley."
    session.add(group)
    contact_records(session, record_use=True, detail="contacts.csv")
    session.commit()


def _exports(session: Session) -> str:
    parts = []
    for table in ("organisations", "contacts", "relations"):
        for fmt in ("csv", "json"):
            buf = io.StringIO()
            export_table(session, table, buf, fmt=fmt)
            parts.append(buf.getvalue())
    parts.append(graph_bytes(session, "graphml").decode("utf-8"))
    return "\n".join(parts)


def test_forget_person_erases_every_trace_and_a_later_harvest_does_not_restore_it(tmp_path):
    copy, engine = fresh_copy(tmp_path)
    with Session(engine) as s:
        _add_mentions(s)
        assert {"contact", "decision", "referral", "organisation"} <= set(_traces(engine))
        her = [c.id for c in s.exec(select(Contact)).all()
               if "finchley" in f"{c.value} {c.person_name}".lower()]
        assert len(her) == 3  # email and person at Weaste, organiser of the Meetup group
        assert "finchley" in _exports(s).lower()
        s.commit()
        uses_before = s.exec(select(sa.func.count(ContactUse.id)).where(
            ContactUse.contact_id.in_(her))).one()
        assert uses_before >= 2

        report = forget(s, Subject.parse(person="Dr Laura Finchley"), reason="asked by email")
        s.commit()
        erase_from_archives(report, archive_paths(s))

    assert report.counts["contact"] == 3
    assert report.counts["contactuse"] == uses_before
    assert report.counts["decision"] == 1 and report.counts["referral"] == 2
    assert report.suppressions_added == [("person", "laura finchley"), ("email", EMAIL)]
    assert _traces(engine) == {}
    with Session(engine) as s:
        assert "finchley" not in _exports(s).lower()
        # the referral of an organisation stays (without her name); the referral of her alone goes
        refs = s.exec(select(Referral)).all()
        assert [(r.to_organisation_id is not None, r.person_name) for r in refs] == [(True, None)]
        note = s.exec(select(Decision.note)).one()
        assert note == "Met Dr. [removed] at the games showcase" or note.startswith("Met Dr [removed]")
        access = subject_access(s, Subject.parse(person=NAME))
        assert access["suppressed"]["person"] is True
        assert all(access[k] == [] for k in ("contacts", "facts", "organisation_texts", "meetup_events",
                                              "referrals", "decisions", "uses"))
        # control: a colleague's data removed without a suppression must come back below
        kwame = s.exec(select(Contact).where(Contact.person_name.contains("Ellison-Brooks"))).all()
        assert kwame
        for c in kwame:
            s.exec(sa.delete(ContactUse).where(ContactUse.contact_id == c.id))
            s.delete(c)
        s.exec(sa.update(Page).values(etag=None, last_modified=None, content_hash=None))
        s.commit()

    summary = harvest(engine, refresh=True)
    assert summary.counts.get("pages_changed", 0) > 10
    with Session(engine) as s:
        back = s.exec(select(Contact).where(Contact.person_name.contains("Ellison-Brooks"))).all()
        assert back, "the control: the re-harvest stored the pages again"
        assert s.exec(select(Suppression).where(Suppression.value == "laura finchley")).one()
    assert _traces(engine) == {}
    engine.dispose()


def _mentions_her(entry: WarcEntry) -> bool:
    text = (entry.target_uri or "") + entry.body.decode("utf-8", "replace")
    return "finchley" in text.lower()


def test_forget_rewrites_the_archive_the_harvest_wrote(tmp_path):
    copy, engine = fresh_copy(tmp_path)
    before = list(iter_records(copy.archive))
    holding = [e.target_uri for e in before if e.record_type == "response" and _mentions_her(e)]
    assert holding, "the sample's pages name her"
    with Session(engine) as s:
        report = forget(s, Subject.parse(person=NAME))
        s.commit()
        paths = archive_paths(s)
    assert paths == [copy.archive]
    erase_from_archives(report, paths)
    engine.dispose()

    [outcome] = report.archives
    assert outcome.status == "rewritten" and outcome.records_removed >= 2 * len(holding)
    after = list(iter_records(copy.archive))
    assert after and not any(_mentions_her(e) for e in after)
    assert len(after) == len(before) - outcome.records_removed

    async def replay(url: str) -> httpx.Response:
        async with httpx.AsyncClient(transport=ReplayTransport(copy.archive)) as client:
            return await client.get(url)

    gone = asyncio.run(replay(holding[0]))
    assert gone.status_code == 404 and gone.headers.get("x-harvester-replay") == "missing"
    kept = next(e.target_uri for e in after if e.record_type == "response" and e.status == 200)
    assert asyncio.run(replay(kept)).status_code == 200


def test_an_archive_that_is_gone_is_reported_as_still_to_delete(tmp_path):
    copy, engine = fresh_copy(tmp_path)
    copy.archive.unlink()
    with Session(engine) as s:
        report = forget(s, Subject.parse(person=NAME))
        s.commit()
        erase_from_archives(report, archive_paths(s))
    engine.dispose()
    data = report.as_dict()
    assert data["archives_still_holding"] == [str(copy.archive)]
    assert data["archives"][0]["status"] == "missing" and "delete" in data["archives"][0]["action"]


@pytest.mark.parametrize("body", [
    "write to L.Finchley@Weaste.ac.uk today",
    "mailto:l.finchley%40weaste.ac.uk",
    "l.finchley&#64;weaste.ac.uk",
    "l.finchley&#x40;weaste.ac.uk",
])
def test_archive_records_holding_an_encoded_address_are_found(body):
    entry = WarcEntry("response", "https://www.example.org/", None, None, None, {}, body=body.encode())
    assert record_predicate(Targets(emails=[EMAIL]))(entry)
    assert not record_predicate(Targets(emails=["a.finchley@weaste.ac.uk"]))(entry)


def test_forget_email_also_forgets_the_person_it_names_everywhere(tmp_path):
    copy, engine = fresh_copy(tmp_path)
    with Session(engine) as s:
        report = forget(s, Subject.parse(email="priya@seedley-gameslab.co.uk"))
        s.commit()
        assert ("email", "priya@seedley-gameslab.co.uk") in report.suppressions_added
        assert ("person", "priya chandran") in report.suppressions_added
        left = [c for c in s.exec(select(Contact)).all() if "priya" in f"{c.value} {c.person_name}".lower()]
        assert left == []
        # the organisation and its generic address stay
        seedley = _org(s, domain="seedley-gameslab.co.uk")
        assert s.exec(select(Contact).where(Contact.organisation_id == seedley.id,
                                            Contact.value == "play@seedley-gameslab.co.uk")).first()
    engine.dispose()


def test_forget_domain_erases_its_emails_and_the_organisations_contacts(tmp_path):
    copy, engine = fresh_copy(tmp_path)
    with Session(engine) as s:
        quayside = _org(s, domain="quayside-broadcast.co.uk")
        assert s.exec(select(Contact).where(Contact.organisation_id == quayside.id)).all()
        report = forget(s, Subject.parse(domain="quayside-broadcast.co.uk"))
        s.commit()
        assert s.exec(select(Contact).where(Contact.organisation_id == quayside.id)).all() == []
        assert not [c for c in s.exec(select(Contact)).all() if "quayside-broadcast" in c.value
                    and c.kind == "email"]
        assert s.get(Organisation, quayside.id) is not None  # organisation-level facts stay
        assert report.suppressions_added == [("domain", "quayside-broadcast.co.uk")]
        json.dumps(report.as_dict())
    engine.dispose()


def test_forget_person_at_one_organisation_keeps_the_other(tmp_path):
    copy, engine = fresh_copy(tmp_path)
    with Session(engine) as s:
        weaste = _org(s, domain="weaste.ac.uk")
        forget(s, Subject.parse(person=NAME, org_id=weaste.id))
        s.commit()
        left = [(c.organisation_id, c.role) for c in s.exec(select(Contact)).all()
                if "finchley" in f"{c.value} {c.person_name}".lower()]
        assert left == [(_org(s, urlname="quays-broadcast-tech").id, "organiser")]
    engine.dispose()
