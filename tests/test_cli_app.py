"""The command line as a whole: help for every command, exit codes, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from harvester.cli import app

runner = CliRunner()


def _commands() -> list[list[str]]:
    root = get_command(app)
    names: list[list[str]] = []
    for name, cmd in root.commands.items():
        sub = getattr(cmd, "commands", None)
        if sub:
            names.extend([name, s] for s in sub)
        else:
            names.append([name])
    return names


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_every_command_has_help_ending_with_an_example(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert "Example" in result.output


def test_usage_error_exits_2_with_usage_message():
    result = runner.invoke(app, ["harvest", "--max-pages", "many"])
    assert result.exit_code == 2
    assert "Invalid value for '--max-pages'" in result.output


def test_missing_database_is_one_line_and_exit_1(tmp_path):
    result = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'none.db'}", "runs"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: no database file {tmp_path / 'none.db'}: run `harvester init` to create it, "
        "or run from your project folder or give the right --db"]


def test_bad_database_url_is_bad_input(tmp_path):
    result = runner.invoke(app, ["--db", "not a url", "init"])
    assert result.exit_code == 2
    assert "is not a SQLAlchemy URL" in result.stderr


def test_init_then_runs_through_the_real_entry_point(tmp_path):
    db = f"sqlite:///{tmp_path / 'h.db'}"
    for args in (["init"], ["runs"]):
        proc = subprocess.run([sys.executable, "-m", "harvester", "--db", db, *args],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
    assert "No harvest runs yet" in proc.stderr
    assert (tmp_path / "h.db").is_file()


def test_open_web_harvest_needs_a_contact_url(tmp_path, monkeypatch):
    monkeypatch.delenv("HARVESTER_CONTACT_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no harvester.toml here
    db = f"sqlite:///{tmp_path / 'h.db'}"
    assert runner.invoke(app, ["--db", db, "init"]).exit_code == 0
    result = runner.invoke(app, ["--db", db, "harvest"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: set contact_url to your project page or email")
    assert len(result.stderr.strip().splitlines()) == 1
