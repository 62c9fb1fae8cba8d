"""explain: every fact about an organisation with its provenance (harvester.privacy.explain)."""

from __future__ import annotations

import json

from fixtures.privacy.sample import fresh_copy
from sqlmodel import Session, select

from harvester.decisions import find_organisation, record_decision
from harvester.models import Organisation, OrganisationFact, Page, PageState
from harvester.privacy.explain import explain, render_text


def test_explain_lists_every_fact_with_its_source(tmp_path):
    _, engine = fresh_copy(tmp_path)
    with Session(engine) as s:
        org = find_organisation(s, "weaste.ac.uk")
        record_decision(s, org, "set_sector", value="government", note="funded by the council",
                        reviewer="ana")
        s.commit()
        report = explain(s, org)
        stored = s.exec(select(OrganisationFact).where(OrganisationFact.organisation_id == org.id)).all()
        pages = s.exec(select(Page).where(Page.organisation_id == org.id)).all()
        group = find_organisation(s, "quays-broadcast-tech")
        group_report = explain(s, group)
    engine.dispose()
    json.dumps(report)

    assert len(report["facts"]) == len(stored) > 10
    for fact in report["facts"]:
        assert fact["source_url"] and fact["rule"] and fact["first_seen"] and fact["last_seen"]
        assert fact["run"] is not None or fact["source_url"].startswith("seed:")
    assert report["contacts"] and all(c["source_url"] and c["run"] for c in report["contacts"])
    assert report["relations_out"] and all(r["evidence_url"] for r in report["relations_out"])
    assert all(r["evidence_url"] for r in report["relations_in"])
    assert report["domain_areas"] and all(a["evidence_url"] for a in report["domain_areas"])
    assert report["sector"]["value"] == "government" and report["sector"]["source"] == "review"
    assert report["sector"]["decision"]["reviewer"] == "ana"
    assert [d["decision"] for d in report["decisions"]] == ["set_sector"]
    assert report["pages_total"] == len(pages) == len(report["pages"])
    fetched = [p for p in report["pages"] if p["state"] == PageState.fetched.value]
    assert fetched and all(p["fetched_at"] and p["run"] for p in fetched)
    # the Meetup group: its events, each with the page it was read from
    assert group_report["meetup_events"] and all(e["source_url"] for e in group_report["meetup_events"])

    text = render_text(report)
    assert text.startswith("# Weaste University (#")
    for fact in report["facts"]:
        assert fact["source_url"] in text
    assert "decided by ana" in text and "## Pages fetched" in text


def test_explain_of_a_bare_organisation(session):
    org = Organisation(name="Lonely Ltd")
    session.add(org)
    session.commit()
    report = explain(session, org)
    assert report["facts"] == [] and report["pages_total"] == 0
    assert "- none" in render_text(report)
