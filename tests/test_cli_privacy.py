"""`harvester forget`, `suppress import|list`, `subject-access`, `prune` and `explain` through the
command line: exit codes, one-line errors, JSON, and help with an example."""

from __future__ import annotations

import json

import pytest
from fixtures.privacy.sample import fresh_copy, url_of
from typer.testing import CliRunner

from harvester.cli import app

runner = CliRunner()
COMMANDS = [["forget"], ["suppress"], ["suppress", "import"], ["suppress", "list"], ["subject-access"],
            ["prune"], ["explain"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_has_an_example(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Example" in result.output


@pytest.fixture
def sample(tmp_path):
    copy, engine = fresh_copy(tmp_path / "sample")
    engine.dispose()
    return copy


def _run(db, *args, input=None):
    return runner.invoke(app, ["--db", url_of(db), *args], input=input)


def test_suppress_import_then_list(tmp_path, db_url, engine):
    path = tmp_path / "list.csv"
    path.write_text("kind,value,reason\nemail,Jane@Example.org,asked\nperson,Jane Doe,\n", encoding="utf-8")
    first = runner.invoke(app, ["--db", db_url, "suppress", "import", str(path)])
    assert first.exit_code == 0, first.output
    assert "2 added to the do-not-contact list, 0 already on it." in first.output
    again = runner.invoke(app, ["--db", db_url, "suppress", "import", str(path)])
    assert "0 added to the do-not-contact list, 2 already on it." in again.output
    listed = runner.invoke(app, ["--db", db_url, "suppress", "list", "--json"])
    rows = json.loads(listed.stdout)
    assert [(r["kind"], r["value"], r["reason"]) for r in rows] == [
        ("email", "jane@example.org", "asked"), ("person", "jane doe", None)]


def test_suppress_import_bad_row_is_one_line_and_exit_2(tmp_path, db_url, engine):
    path = tmp_path / "bad.csv"
    path.write_text("email,jane@example.org\nfax,0117\n", encoding="utf-8")
    result = runner.invoke(app, ["--db", db_url, "suppress", "import", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}:2: kind 'fax' is not one of email, domain, person; " \
                            "nothing imported\n"
    listed = runner.invoke(app, ["--db", db_url, "suppress", "list", "--json"])
    assert json.loads(listed.stdout) == []


def test_forget_json_report_and_archive(sample):
    result = _run(sample.db, "forget", "--person", "Laura Finchley", "--reason", "asked", "--yes", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["erased"]["contact"] == 3
    assert {"kind": "person", "value": "laura finchley"} in data["suppressions_added"]
    assert data["archives"][0]["path"] == str(sample.archive)
    assert data["archives"][0]["status"] == "rewritten" and data["archives_still_holding"] == []
    access = _run(sample.db, "subject-access", "--person", "Laura Finchley", "--json")
    report = json.loads(access.stdout)
    assert report["contacts"] == [] and report["suppressed"]["person"] is True


def test_forget_asks_first_and_no_changes_nothing(sample):
    result = _run(sample.db, "forget", "--email", "l.finchley@weaste.ac.uk", input="n\n")
    assert result.exit_code == 1
    assert "Nothing changed." in result.stderr
    access = json.loads(_run(sample.db, "subject-access", "--email", "l.finchley@weaste.ac.uk",
                             "--json").stdout)
    assert len(access["contacts"]) == 1 and access["suppressed"]["email"] is False


def test_forget_asks_first_and_yes_erases_what_it_showed(sample):
    """The preview is rolled back before the question (nothing held while it waits); the answer
    runs the erasure again and commits it."""
    result = _run(sample.db, "forget", "--email", "l.finchley@weaste.ac.uk", input="y\n")
    assert result.exit_code == 0, result.output
    assert "To be erased" in result.stderr and "Erased: email l.finchley@weaste.ac.uk" in result.stderr
    assert "Added to the do-not-contact list: email l.finchley@weaste.ac.uk" in result.stderr
    access = json.loads(_run(sample.db, "subject-access", "--email", "l.finchley@weaste.ac.uk",
                             "--json").stdout)
    assert access["contacts"] == [] and access["suppressed"]["email"] is True


@pytest.mark.parametrize(("args", "message"), [
    (["forget", "--yes"], "Error: give exactly one of --email, --person or --domain\n"),
    (["forget", "--email", "jane", "--yes"], "Error: 'jane' is not an email address: give it as "
                                             "name@example.org\n"),
    (["forget", "--domain", "x.org", "--org", "1", "--yes"], "Error: --org only goes with --person\n"),
])
def test_forget_bad_input_exits_2(db_url, engine, args, message):
    result = runner.invoke(app, ["--db", db_url, *args])
    assert result.exit_code == 2 and result.stderr == message


def test_subject_access_to_a_file_and_explain_and_prune(sample, tmp_path):
    out = tmp_path / "laura.md"
    result = _run(sample.db, "subject-access", "--person", "Laura Finchley", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "# Personal data held about Laura Finchley" in text and "l.finchley@weaste.ac.uk" in text

    explained = _run(sample.db, "explain", "weaste.ac.uk", "--json")
    assert explained.exit_code == 0
    assert json.loads(explained.stdout)["organisation"]["domain"] == "weaste.ac.uk"
    assert "## Facts" in _run(sample.db, "explain", "https://www.weaste.ac.uk/").stdout
    missing = _run(sample.db, "explain", "nowhere.example")
    assert missing.exit_code == 2 and missing.stderr.startswith("Error: ")

    dry = json.loads(_run(sample.db, "prune", "--days", "0", "--dry-run", "--json").stdout)
    assert dry["dry_run"] is True and dry["contacts_total"] > 0
    assert json.loads(_run(sample.db, "prune", "--json").stdout)["contacts_total"] == 0  # all recent
    done = _run(sample.db, "prune", "--days", "0")
    assert done.exit_code == 0 and f"Removed {dry['contacts_total']} personal contact(s)" in done.stderr


def test_forget_without_an_answer_or_yes_is_one_line_and_changes_nothing(sample):
    result = _run(sample.db, "forget", "--email", "l.finchley@weaste.ac.uk", input="")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: forget got no answer to its question; nothing changed. Add --yes to erase without asking")
    access = json.loads(_run(sample.db, "subject-access", "--email", "l.finchley@weaste.ac.uk",
                             "--json").stdout)
    assert len(access["contacts"]) == 1


def test_scraped_markup_and_control_characters_print_literally(db_url, engine):
    result = runner.invoke(app, ["--db", db_url, "forget", "--person", "[bold red]Zed Q[/] \x1b[31mX",
                                 "--yes"])
    assert result.exit_code == 0, result.output
    assert "[bold red]Zed Q[/]" in result.stderr and "\x1b" not in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["subject-access", "--email", "a@b.example", "-o", "/proc/nope/x.md"], "Error: cannot write"),
    (["suppress", "import", "/tmp"], "Error: /tmp: is a folder"),
    (["prune", "--days", "99999999999"], "Invalid value for '--days'"),
])
def test_unwritable_or_wrong_paths_are_bad_input(db_url, engine, args, message):
    result = runner.invoke(app, ["--db", db_url, *args])
    assert result.exit_code == 2 and message in result.output + result.stderr
