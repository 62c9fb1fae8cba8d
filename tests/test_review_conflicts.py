"""Two review decisions about one candidate at once (web page, terminal, `decide`): the second is
refused with a message naming the first, instead of silently overwriting it, and exactly one of two
simultaneous decisions is recorded."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient
from test_review_app import REVIEWER, seed_review_data, soup, token_of
from test_review_terminal import keys, make_queue, quiet

from harvester.db import make_engine
from harvester.decisions import DecisionConflict, last_decision_ids, record_decision
from harvester.models import Decision, DecisionKind, Organisation, OrgStatus
from harvester.review import csrf
from harvester.review.app import create_app
from harvester.review.terminal import review
from harvester.snowball import propose


def decide_elsewhere(engine, org_id: int, kind: DecisionKind, reviewer: str = "ben",
                     value: str | None = None) -> int:
    """A decision from another screen (`harvester decide`: no `seen`)."""
    with Session(engine) as s:
        row = record_decision(s, s.get(Organisation, org_id), kind, reviewer=reviewer, value=value)
        s.commit()
        return row.id


@pytest.fixture
def ids(engine) -> dict[str, int]:
    with Session(engine) as s:
        return seed_review_data(s)


@pytest.mark.parametrize("where", ["/queue/bristol", "/org/{id}"])
def test_a_page_opened_before_another_decision_cannot_overwrite_it(engine, ids, where):
    org_id = ids["top"]
    with TestClient(create_app(engine, reviewer=REVIEWER)) as client:
        page = soup(client.get(where.format(id=org_id)))
        form = page.select_one(f'form[action="/org/{org_id}/decide"]')
        seen = form.select_one('input[name="seen"]')["value"]
        assert seen == "0"
        accepted = decide_elsewhere(engine, org_id, DecisionKind.accept)

        resp = client.post(f"/org/{org_id}/decide", data={
            csrf.FIELD_NAME: token_of(page), "decision": "reject", "seen": seen, "next": "/queue/bristol"},
            follow_redirects=False)
        assert resp.status_code == 409
        assert f"decision {accepted}" in resp.text and "accept by ben" in resp.text
        assert "was not recorded" in resp.text
        as_json = client.post(f"/org/{org_id}/decide", data={
            csrf.FIELD_NAME: token_of(page), "decision": "reject", "seen": seen},
            headers={"Accept": "application/json"})
        assert as_json.status_code == 409 and "decided meanwhile" in as_json.json()["error"]

        # Looking again shows the accept; deciding from there is a change of mind, recorded.
        fresh = soup(client.get(f"/org/{org_id}"))
        seen = fresh.select_one(f'form[action="/org/{org_id}/decide"] input[name="seen"]')["value"]
        assert seen == str(accepted)
        ok = client.post(f"/org/{org_id}/decide", data={
            csrf.FIELD_NAME: token_of(fresh), "decision": "reject", "seen": seen}, follow_redirects=False)
        assert ok.status_code == 303
        # A note is never a conflict.
        note = client.post(f"/org/{org_id}/decide", data={
            csrf.FIELD_NAME: token_of(fresh), "decision": "note", "note": "called them", "seen": "0"},
            follow_redirects=False)
        assert note.status_code == 303
    with Session(engine) as s:
        rows = s.exec(select(Decision).where(Decision.organisation_id == org_id).order_by(Decision.id)).all()
        assert [(r.decision, r.reviewer) for r in rows] == [
            (DecisionKind.accept, "ben"), (DecisionKind.reject, REVIEWER), (DecisionKind.note, REVIEWER)]
        assert s.get(Organisation, org_id).status == OrgStatus.rejected


def _form(page, action: str, field: str | None = None):
    forms = [f for f in page.select(f'form[action="{action}"]')
             if field is None or f.select_one(f'input[name="field"][value="{field}"]')]
    assert len(forms) == 1, (action, field)
    return forms[0]


def _post_form(client, form, **changes: str):
    """Submit `form` as a browser would: its inputs and selected options, with `changes`."""
    data = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    for select_ in form.select("select[name]"):
        chosen = select_.select_one("option[selected]") or select_.select_one("option")
        data[select_["name"]] = chosen["value"]
    data.update(changes)
    return client.post(form["action"], data=data, follow_redirects=False)


@pytest.mark.parametrize(("field", "kind", "theirs", "mine", "said"), [
    ("sector", DecisionKind.set_sector, "government", "university", "set-sector government by ben"),
    ("name", DecisionKind.set_name, "Harbour Games Ltd", "Harbour Games",
     "set-name Harbour Games Ltd by ben"),
])
def test_a_correction_form_opened_before_another_correction_cannot_overwrite_it(engine, ids, field, kind,
                                                                                theirs, mine, said):
    org_id = ids["top"]
    with TestClient(create_app(engine, reviewer=REVIEWER)) as client:
        page = soup(client.get(f"/org/{org_id}"))
        form = _form(page, f"/org/{org_id}/correct", field)
        assert form.select_one('input[name="seen"]')["value"] == "0"
        decide_elsewhere(engine, org_id, DecisionKind.accept)  # another field: no conflict
        theirs_id = decide_elsewhere(engine, org_id, kind, value=theirs)

        resp = _post_form(client, form, value=mine)
        assert resp.status_code == 409
        assert said in resp.text and f"decision {theirs_id}" in resp.text and "UTC" in resp.text
        assert "was not recorded" in resp.text
        as_json = client.post(form["action"], data={
            csrf.FIELD_NAME: token_of(page), "field": field, "value": mine,
            "seen": form.select_one('input[name="seen"]')["value"]}, headers={"Accept": "application/json"})
        assert as_json.status_code == 409 and "decided meanwhile" in as_json.json()["error"]
        with Session(engine) as s:
            org = s.get(Organisation, org_id)
            assert (org.sector.value if field == "sector" else org.name) == theirs

        # Looking again shows their correction; correcting from there is recorded.
        fresh = soup(client.get(f"/org/{org_id}"))
        ok = _post_form(client, _form(fresh, f"/org/{org_id}/correct", field), value=mine)
        assert ok.status_code == 303
    with Session(engine) as s:
        org = s.get(Organisation, org_id)
        assert (org.sector.value if field == "sector" else org.name) == mine
        assert [(r.decision, r.reviewer) for r in s.exec(select(Decision).order_by(Decision.id))] == [
            (DecisionKind.accept, "ben"), (kind, "ben"), (kind, REVIEWER)]


def test_corrections_shown_on_the_page_are_no_conflict(engine, ids):
    """`seen` on an organisation page is its latest decision of any kind: a sector set before the
    page was opened, after its latest status decision, does not refuse the next correction."""
    org_id = ids["top"]
    decide_elsewhere(engine, org_id, DecisionKind.accept)
    decide_elsewhere(engine, org_id, DecisionKind.set_sector, value="government")
    decide_elsewhere(engine, org_id, DecisionKind.set_name, value="Harbour Games Ltd")
    with TestClient(create_app(engine, reviewer=REVIEWER)) as client:
        page = soup(client.get(f"/org/{org_id}"))
        assert _post_form(client, _form(page, f"/org/{org_id}/correct", "sector"),
                          value="university").status_code == 303
        assert _post_form(client, _form(page, f"/org/{org_id}/correct", "name"),
                          value="Harbour").status_code == 303  # the sector was another field
    with Session(engine) as s:
        org = s.get(Organisation, org_id)
        assert (org.sector.value, org.name) == ("university", "Harbour")


def test_an_amend_form_opened_before_another_decision_cannot_overwrite_it(engine, ids):
    org_id = ids["top"]
    accepted = decide_elsewhere(engine, org_id, DecisionKind.accept, reviewer=REVIEWER)
    with TestClient(create_app(engine, reviewer=REVIEWER)) as client:
        page = soup(client.get(f"/org/{org_id}"))
        form = _form(page, f"/org/{org_id}/decisions/{accepted}/amend")
        assert form.select_one('input[name="seen"]')["value"] == str(accepted)
        rejected = decide_elsewhere(engine, org_id, DecisionKind.reject)

        resp = _post_form(client, form, decision="defer", note="misread their site")
        assert resp.status_code == 409
        assert "reject by ben at" in resp.text and f"decision {rejected}" in resp.text
        # A note amended is never a conflict.
        note = _post_form(client, form, decision="note", note="called them")
        assert note.status_code == 303
    with Session(engine) as s:
        assert s.get(Organisation, org_id).status == OrgStatus.rejected
        rows = s.exec(select(Decision).order_by(Decision.id)).all()
        assert [(r.decision, r.amends_id) for r in rows] == [
            (DecisionKind.accept, None), (DecisionKind.reject, None), (DecisionKind.note, accepted)]


def test_the_terminal_does_not_overwrite_a_decision_made_on_the_web_meanwhile(session, engine):
    make_queue(session)
    candidates = propose(session, cluster="bristol").candidates
    first = candidates[0].organisation_id

    def press(prompt: str) -> str:
        if not pressed:
            decide_elsewhere(engine, first, DecisionKind.reject, reviewer="web")
        pressed.append(prompt)
        return "a"

    pressed: list[str] = []
    console = quiet()
    summary = review(session, candidates[:1], reviewer="terminal", read_key=press,
                     read_line=keys(), console=console)
    assert summary.conflicts == 1 and summary.decisions == {}
    assert "not recorded" in summary.line()
    assert "reject by web" in console.export_text()
    with Session(engine) as s:
        assert s.get(Organisation, first).status == OrgStatus.rejected
        assert [d.reviewer for d in s.exec(select(Decision)).all()] == ["web"]


def _decide_at_once(url: str, org_id: int, kind: DecisionKind, who: str, seen: int,
                    barrier: threading.Barrier, outcome: list[str]) -> None:
    """One reviewer's decision on its own connection, released with the other's by `barrier`."""
    eng = make_engine(url)
    try:
        with Session(eng) as s:
            org = s.get(Organisation, org_id)
            barrier.wait()
            try:
                record_decision(s, org, kind, reviewer=who, seen=seen)
                s.commit()
                outcome.append(who)
            except DecisionConflict:
                s.rollback()
                outcome.append("refused")
    finally:
        eng.dispose()


def test_of_two_simultaneous_decisions_from_the_same_view_one_is_recorded(engine, ids):
    """Two threads, two connections to the same SQLite file, both having seen the same decision."""
    org_id = ids["script"]
    for round_ in range(4):
        with Session(engine) as s:
            seen = last_decision_ids(s, [org_id])[org_id]
        barrier = threading.Barrier(2)
        outcome: list[str] = []
        threads = [threading.Thread(target=_decide_at_once, args=(str(engine.url), org_id, k, w, seen,
                                                                  barrier, outcome))
                   for k, w in ((DecisionKind.accept, f"a{round_}"), (DecisionKind.reject, f"r{round_}"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(outcome)[-1] == "refused" and len(outcome) == 2, outcome
        [winner] = [o for o in outcome if o != "refused"]
        with Session(engine) as s:
            last = s.exec(select(Decision).order_by(Decision.id.desc())).first()
            assert last.reviewer == winner
            assert s.get(Organisation, org_id).status == (
                OrgStatus.accepted if winner.startswith("a") else OrgStatus.rejected)
