"""Terminal review: injected keys write the right Decision rows at once; skip/quit/unknown keys;
scraped names shown as text, not rich markup; `harvester review` through a plain stdin pipe."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from sqlmodel import Session, select
from test_export import populate
from typer.testing import CliRunner

from harvester.cli import app
from harvester.models import (
    ContactUse,
    Decision,
    DecisionKind,
    Organisation,
    OrgStatus,
    Relation,
    RelationKind,
)
from harvester.review.terminal import review, review_cluster
from harvester.snowball import propose


def make_queue(session: Session) -> dict[str, Organisation]:
    """The export data plus links that make Aardman and the formula-named site ranked candidates."""
    orgs = populate(session)
    links = [("uwe", "aardman", RelationKind.partner, "https://www.uwe.ac.uk/partners"),
             ("council", "aardman", RelationKind.funder, "https://www.bristol.gov.uk/funding"),
             ("uwe", "evil", RelationKind.links_to, "https://www.uwe.ac.uk/links"),
             ("council", "evil", RelationKind.links_to, "https://www.bristol.gov.uk/links")]
    for src, tgt, kind, url in links:
        session.add(Relation(source_id=orgs[src].id, target_id=orgs[tgt].id, kind=kind, evidence_url=url))
    session.commit()
    return orgs


def keys(*presses: str):
    """A reader returning the given keys in turn, then end of input."""
    queue = list(presses)

    def read(_prompt: str) -> str:
        if not queue:
            raise EOFError
        return queue.pop(0)

    return read


def quiet() -> Console:
    return Console(file=io.StringIO(), width=120, record=True)


@pytest.fixture
def queue(session):
    orgs = make_queue(session)
    candidates = propose(session, cluster="bristol").candidates
    assert len(candidates) >= 2
    return orgs, candidates


def _decisions(session, org_id):
    return session.exec(select(Decision).where(Decision.organisation_id == org_id)
                        .order_by(Decision.id)).all()


def test_keys_write_decisions(session, queue):
    orgs, candidates = queue
    first, second = candidates[0], candidates[1]
    summary = review(session, candidates, reviewer="tester",
                     read_key=keys("x", "n", "a", "r"), read_line=keys("called, wants the report"),
                     console=quiet())
    rows = _decisions(session, first.organisation_id)
    assert [(d.decision, d.note, d.reviewer) for d in rows] == [
        (DecisionKind.note, "called, wants the report", "tester"), (DecisionKind.accept, None, "tester")]
    assert [d.decision for d in _decisions(session, second.organisation_id)] == [DecisionKind.reject]
    session.expire_all()
    assert session.get(Organisation, first.organisation_id).status == OrgStatus.accepted
    assert session.get(Organisation, second.organisation_id).status == OrgStatus.rejected
    assert summary.decisions == {"accept": 1, "reject": 1, "note": 1} and summary.shown == 2


def test_decisions_are_committed_at_once(session, engine, queue):
    """A decision is visible to another connection before the review ends."""
    orgs, candidates = queue
    seen: list[int] = []

    def read(_prompt: str) -> str:
        with Session(engine) as other:
            seen.append(len(other.exec(select(Decision)).all()))
        if len(seen) == 1:
            return "d"
        raise EOFError

    review(session, candidates, reviewer="tester", read_key=read, console=quiet())
    assert seen == [0, 1]
    assert [d.decision for d in _decisions(session, candidates[0].organisation_id)] == [DecisionKind.defer]


def test_skip_and_quit_write_nothing(session, queue):
    _, candidates = queue
    summary = review(session, candidates, read_key=keys("s", "q"), console=quiet())
    assert session.exec(select(Decision)).all() == []
    assert summary.skipped == 1 and summary.quit_early and summary.shown == 2


def test_scraped_text_is_not_markup_and_contact_use_logged(session, queue):
    orgs, candidates = queue
    evil = next(c for c in candidates if c.organisation_id == orgs["evil"].id)
    evil.name = "[bold red]Evil[/] =HYPERLINK()"
    console = quiet()
    review(session, [evil, *[c for c in candidates if c is not evil]], read_key=keys("s", "s"),
           console=console)
    text = console.export_text()
    assert "[bold red]Evil[/] =HYPERLINK()" in text
    assert "https://www.uwe.ac.uk/links" in text  # evidence links are listed
    top = next(c for c in candidates if c.contact is not None)
    uses = session.exec(select(ContactUse).where(ContactUse.purpose == "review")).all()
    assert [u.contact_id for u in uses] == [top.contact.contact_id]


def test_review_cluster_empty_queue(session):
    console = quiet()
    summary = review_cluster(session, read_key=keys(), console=console)
    assert summary.shown == 0 and "No candidates to review" in console.export_text()


def test_cli_review_through_stdin_pipe(engine, db_url):
    with Session(engine, expire_on_commit=False) as s:
        make_queue(s)
        top = propose(s, cluster="bristol").candidates[0]
    res = CliRunner().invoke(app, ["--db", db_url, "review", "--cluster", "bristol", "--reviewer", "ana"],
                             input="a\nq\n")
    assert res.exit_code == 0, res.output
    assert "Reviewed 2 candidate(s): 1 accept, 0 skipped." in res.stderr
    with Session(engine) as s:
        rows = s.exec(select(Decision)).all()
        assert [(r.organisation_id, r.decision, r.reviewer) for r in rows] == [
            (top.organisation_id, DecisionKind.accept, "ana")]


def test_cli_review_unknown_cluster(engine, db_url):
    res = CliRunner().invoke(app, ["--db", db_url, "review", "--cluster", "atlantis"])
    assert res.exit_code == 2 and res.stderr.startswith("Error: no cluster 'atlantis'")
