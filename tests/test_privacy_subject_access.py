"""Subject access: one person found across organisations, with sources, dates and uses
(harvester.privacy.subject_access)."""

from __future__ import annotations

import json

from fixtures.privacy.sample import fresh_copy
from sqlmodel import Session, select

from harvester.export import contact_records
from harvester.models import Referral
from harvester.privacy.forget import Subject
from harvester.privacy.subject_access import render_text, subject_access


def test_a_person_is_found_at_a_university_and_as_a_meetup_organiser(tmp_path):
    _, engine = fresh_copy(tmp_path)
    with Session(engine) as s:
        contact_records(s, cluster="salford", record_use=True, detail="contacts.csv")
        s.commit()
        report = subject_access(s, Subject.parse(person="laura finchley"))
    engine.dispose()
    names = {o["name"] for o in report["organisations"]}
    assert names == {"Weaste University", "Quays Broadcast Tech"}
    by_org = {(c["organisation"]["name"], c["kind"]): c for c in report["contacts"]}
    assert set(by_org) == {("Weaste University", "email"), ("Weaste University", "person"),
                           ("Quays Broadcast Tech", "person")}
    email = by_org[("Weaste University", "email")]
    assert email["value"] == "l.finchley@weaste.ac.uk"
    assert email["source_url"] == "https://www.weaste.ac.uk/contact/"
    assert email["first_seen"] <= email["last_seen"] and email["run"]["id"] == 1
    organiser = by_org[("Quays Broadcast Tech", "person")]
    assert organiser["meetup_organiser"] is True and organiser["role"] == "organiser"
    assert organiser["source_url"].startswith("https://www.meetup.com/quays-broadcast-tech/")
    assert {u["purpose"] for u in report["uses"]} == {"export"}
    assert report["suppressed"] == {"email": False, "person": False}
    json.dumps(report)

    text = render_text(report)
    assert text.startswith("# Personal data held about laura finchley")
    for expected in ("l.finchley@weaste.ac.uk", "Weaste University (weaste.ac.uk)",
                     "meetup.com/quays-broadcast-tech", "export on", "On the do-not-contact list: no"):
        assert expected in text


def test_referrals_and_notes_naming_the_person_are_listed(tmp_path):
    _, engine = fresh_copy(tmp_path)
    with Session(engine) as s:
        s.add(Referral(from_organisation_id=1, person_name="Priya Chandran", note="runs the game jam",
                       reviewer="ana"))
        s.commit()
        report = subject_access(s, Subject.parse(email="priya@seedley-gameslab.co.uk"))
        assert [r["note"] for r in report["referrals"]] == ["runs the game jam"]
        assert s.exec(select(Referral)).one()
    engine.dispose()
    kinds = sorted((c["organisation"]["name"], c["kind"]) for c in report["contacts"])
    assert ("Salford Seedley Game Jam", "person") in kinds and ("Seedley Games Lab", "email") in kinds


def test_nobody_known_gives_an_empty_report(session):
    report = subject_access(session, Subject.parse(email="nobody@example.org"))
    assert report["contacts"] == [] and report["uses"] == []
    assert "No personal data about this person is held." in render_text(report)
