"""Retention: prune removes only personal contact data past the retention period of organisations
never approached; accepted organisations and role addresses keep theirs
(harvester.privacy.retention)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from harvester.models import Contact, ContactKind, ContactUse, Organisation, OrgStatus
from harvester.privacy.retention import is_personal, prune

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)


def _org(session, name: str, status: OrgStatus, last_seen_days_ago: int) -> Organisation:
    seen = NOW - timedelta(days=last_seen_days_ago)
    org = Organisation(name=name, domain=f"{name}.org.uk", status=status, first_seen=seen, last_seen=seen)
    session.add(org)
    session.flush()
    for kind, value, person in ((ContactKind.email, f"jane.doe@{name}.org.uk", "Jane Doe"),
                                (ContactKind.person, "Jane Doe", "Jane Doe"),
                                (ContactKind.phone, "+441174960001", "Jane Doe"),
                                (ContactKind.email, f"j.smith@{name}.org.uk", None),
                                (ContactKind.email, f"info@{name}.org.uk", None),
                                (ContactKind.phone, "+441174960000", None),
                                (ContactKind.social, f"https://x.com/{name}", None),
                                (ContactKind.address, "1 Harbour Road, Bristol BS1 5TX", None)):
        session.add(Contact(organisation_id=org.id, kind=kind, value=value, person_name=person,
                            source_url=f"https://{name}.org.uk/contact", first_seen=seen, last_seen=seen))
    session.flush()
    return org


def _values(session, org: Organisation) -> set[str]:
    return set(session.exec(select(Contact.value).where(Contact.organisation_id == org.id)).all())


ORG_LEVEL = {"info@{}.org.uk", "+441174960000", "https://x.com/{}", "1 Harbour Road, Bristol BS1 5TX"}


def test_prune_removes_only_personal_data_past_retention_of_organisations_never_approached(session):
    old = _org(session, "old", OrgStatus.discovered, 400)
    rejected = _org(session, "rejected", OrgStatus.rejected, 366)
    recent = _org(session, "recent", OrgStatus.candidate, 364)
    accepted = _org(session, "accepted", OrgStatus.accepted, 900)
    seed = _org(session, "seed", OrgStatus.seed, 900)
    interviewed = _org(session, "interviewed", OrgStatus.interviewed, 900)
    jane = session.exec(select(Contact).where(Contact.organisation_id == old.id,
                                              Contact.kind == ContactKind.email,
                                              Contact.person_name == "Jane Doe")).one()
    session.add(ContactUse(contact_id=jane.id, purpose="proposal", at=NOW - timedelta(days=390)))
    session.commit()
    full = {_org_name: _values(session, o) for _org_name, o in
            (("recent", recent), ("accepted", accepted), ("seed", seed), ("interviewed", interviewed))}

    dry = prune(session, now=NOW, days=365, dry_run=True)
    assert dry.counts == {"email": 4, "person": 2, "phone": 2} and dry.organisations == 2
    assert len(_values(session, old)) == 8  # a dry run changes nothing
    session.rollback()

    report = prune(session, now=NOW, days=365)
    session.commit()
    assert report.counts == {"email": 4, "person": 2, "phone": 2}
    assert report.organisations == 2 and report.contact_uses == 1 and report.kept_generic == 8
    for org in (old, rejected):
        assert _values(session, org) == {v.format(org.name) for v in ORG_LEVEL}
    assert session.exec(select(ContactUse)).all() == []
    for name, org in (("recent", recent), ("accepted", accepted), ("seed", seed),
                      ("interviewed", interviewed)):
        assert _values(session, org) == full[name]
    assert prune(session, now=NOW, days=365).counts == {}  # nothing left to do


def test_a_shorter_retention_period_reaches_more(session):
    _org(session, "recent", OrgStatus.discovered, 40)
    session.commit()
    assert prune(session, now=NOW, days=365, dry_run=True).counts == {}
    assert sum(prune(session, now=NOW, days=30).counts.values()) == 4


@pytest.mark.parametrize(("kind", "value", "person", "personal"), [
    ("email", "info@x.org", None, False), ("email", "Hello@x.org", None, False),
    ("email", "bookings+web@x.org", None, False), ("email", "jane@x.org", None, True),
    ("email", "info@x.org", "Jane Doe", True), ("phone", "+441174960000", None, False),
    ("phone", "+441174960000", "Jane Doe", True), ("person", "Jane Doe", "Jane Doe", True),
    ("social", "https://x.com/org", None, False), ("address", "1 Road", None, False),
])
def test_what_counts_as_personal(kind, value, person, personal):
    assert is_personal(Contact(organisation_id=1, kind=kind, value=value, person_name=person)) is personal
