"""Personal data minimisation, checked on what a harvest of the offline sample stores: no
personal social profiles, no Meetup member lists (organisers and hosts only), an individual's
email only with the organisation whose page shows it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fixtures.privacy.sample import fresh_copy
from sqlmodel import Session, select

from harvester.demo import SAMPLE_WARC
from harvester.extract.page import extract_page
from harvester.fetch.archive import iter_records
from harvester.models import Contact, ContactKind, Organisation, OrgKind, Page
from harvester.privacy.subject_access import MEETUP_ROLES
from harvester.resolve import store_page_facts
from harvester.urls import registrable_domain

PERSONAL_PROFILE = re.compile(r"linkedin\.com/in/|facebook\.com/profile\.php", re.I)

TEAM_PAGE = b"""<html><head><title>Team | Kite Studio</title></head><body><h1>Our team</h1>
<ul><li><strong>Jane Example</strong>, Creative Director
 <a href="https://www.linkedin.com/in/jane-example-123/">LinkedIn</a>
 <a href="mailto:jane@kite-studio.co.uk">jane@kite-studio.co.uk</a></li></ul>
<footer><a href="https://www.linkedin.com/company/kite-studio/">Kite Studio on LinkedIn</a>
<a href="https://x.com/kitestudio">X</a></footer></body></html>"""


def test_a_team_page_keeps_the_organisation_profile_not_the_persons(session):
    org = Organisation(name="Kite Studio", domain="kite-studio.co.uk")
    session.add(org)
    session.flush()
    page = Page(url="https://kite-studio.co.uk/team/", host="kite-studio.co.uk", organisation_id=org.id)
    session.add(page)
    session.flush()
    facts = extract_page(page.url, TEAM_PAGE, {"content-type": "text/html"})
    store_page_facts(session, page, facts, run_id=None)
    session.commit()
    social = session.exec(select(Contact.value).where(Contact.kind == ContactKind.social)).all()
    assert "https://linkedin.com/company/kite-studio" in social
    assert not [v for v in social if PERSONAL_PROFILE.search(v)]
    assert session.exec(select(Contact).where(Contact.value == "jane@kite-studio.co.uk")).one()


def _meetup_member_names() -> set[str]:
    names: set[str] = set()
    for entry in iter_records(SAMPLE_WARC):
        if entry.record_type == "response" and "meetup.com" in (entry.target_uri or ""):
            text = entry.body.decode("utf-8", "replace")
            names |= set(re.findall(r'"__typename":"Member","id":"\d+","name":"([^"]+)"', text))
    return names


def test_harvested_data_is_minimal(tmp_path):
    _, engine = fresh_copy(tmp_path)
    with Session(engine) as s:
        contacts = s.exec(select(Contact)).all()
        orgs = {o.id: o for o in s.exec(select(Organisation)).all()}
    engine.dispose()
    assert len(contacts) > 50

    social = [c for c in contacts if c.kind == ContactKind.social]
    assert social and not [c.value for c in social if PERSONAL_PROFILE.search(c.value)]
    assert not [c.value for c in social if c.person_name]  # profiles are organisations'

    meetup_people = [c for c in contacts if c.kind == ContactKind.person
                     and orgs[c.organisation_id].kind == OrgKind.meetup_group]
    assert meetup_people
    assert {c.role for c in meetup_people} <= set(MEETUP_ROLES)
    assert {c.value for c in meetup_people} <= _meetup_member_names()  # people the pages show

    for c in contacts:
        if c.kind != ContactKind.email or not c.source_url:
            continue
        org = orgs[c.organisation_id]
        if org.kind == OrgKind.meetup_group:
            assert urlsplit(c.source_url).path.strip("/").split("/")[0] == org.meetup_urlname, c.value
        else:
            assert registrable_domain(c.source_url) == org.domain, (c.value, c.source_url, org.domain)
