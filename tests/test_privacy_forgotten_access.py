"""After `forget`, `subject-access` still reports every do-not-contact entry held about the person:
the address erased with a name (--person) and the name erased with an address (--email), which
nothing else links to them once their contacts are gone."""

from __future__ import annotations

import json

import pytest
from fixtures.privacy.sample import fresh_copy, url_of
from typer.testing import CliRunner

from harvester.cli import app

runner = CliRunner()
NAME, EMAIL = "Laura Finchley", "l.finchley@weaste.ac.uk"


@pytest.fixture
def sample(tmp_path):
    copy, engine = fresh_copy(tmp_path / "sample")
    engine.dispose()
    return copy


def _run(db, *args):
    result = runner.invoke(app, ["--db", url_of(db), *args])
    assert result.exit_code == 0, result.output
    return result


def _access(db, *args) -> dict:
    return json.loads(_run(db, "subject-access", *args, "--json").stdout)


def test_subject_access_after_forget_person_shows_the_whole_do_not_contact_entry(sample):
    _run(sample.db, "forget", "--person", NAME, "--yes", "--json")
    for asked in (["--person", NAME], ["--email", EMAIL]):
        report = _access(sample.db, *asked)
        assert report["contacts"] == [] and report["facts"] == [] and report["uses"] == []
        assert report["suppressed"] == {"email": True, "person": True}, asked
        assert {(e["kind"], e["value"]) for e in report["suppressions"]} == {
            ("person", "laura finchley"), ("email", EMAIL)}
    text = _run(sample.db, "subject-access", "--person", NAME).stdout
    assert "apart from the do-not-contact entries below" in text and f"email: {EMAIL}" in text


def test_subject_access_by_name_after_forget_email_shows_the_address_entry(sample):
    """The sample's page shows the address without a name, so `forget --email` keeps her name
    (as documented); asked by name, the report still lists the address built from it."""
    _run(sample.db, "forget", "--email", EMAIL, "--yes")
    report = _access(sample.db, "--person", NAME)
    assert {c["kind"] for c in report["contacts"]} == {"person"}  # not forgotten: not asked
    assert report["suppressed"] == {"email": True, "person": False}
    assert [(e["kind"], e["value"]) for e in report["suppressions"]] == [("email", EMAIL)]


def test_another_persons_entry_is_not_shown(sample):
    _run(sample.db, "suppress", "list")  # empty list: nothing to show
    _run(sample.db, "forget", "--person", NAME, "--yes")
    report = _access(sample.db, "--person", "Kwame Ellison-Brooks")
    assert report["suppressions"] == [] and report["suppressed"] == {"email": False, "person": False}


def test_forget_names_the_request_in_its_own_column_and_leaves_the_reason_human(sample):
    _run(sample.db, "forget", "--person", NAME, "--reason", "asked by phone", "--yes")
    rows = json.loads(_run(sample.db, "suppress", "list", "--json").stdout)
    assert [(r["kind"], r["value"], r["reason"], r["forgotten_with"]) for r in rows
            if r["value"] in ("laura finchley", EMAIL)] == [
        ("person", "laura finchley", "asked by phone", None),
        ("email", EMAIL, "asked by phone", "person laura finchley")]
    report = _access(sample.db, "--email", EMAIL)
    assert [(e["value"], e["forgotten_with"]) for e in report["suppressions"]] == [
        ("laura finchley", None), (EMAIL, "person laura finchley")]
    text = _run(sample.db, "subject-access", "--email", EMAIL).stdout
    assert f"email: {EMAIL}" in text and "(asked by phone; added with the request about person laura " \
        "finchley)" in text and "[forgotten with" not in text
    listed = runner.invoke(app, ["--db", url_of(sample.db), "suppress", "list"], env={"COLUMNS": "250"})
    assert "asked by phone; added with the request about person laura finchley" in listed.stdout
