"""The README stays true: every command, every setting, the set-up and test commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.main import get_command

from harvester.cli import app
from harvester.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _command_paths() -> list[str]:
    root = get_command(app)
    paths = []
    for name, cmd in root.commands.items():
        subs = getattr(cmd, "commands", None)
        paths.extend(f"{name} {s}" for s in subs) if subs else paths.append(name)
    return paths


@pytest.mark.parametrize("command", _command_paths())
def test_every_command_is_documented(command):
    first, *rest = command.split()
    pattern = rf"harvester {re.escape(first)}\b"
    assert re.search(pattern, README), f"README does not mention `harvester {command}`"
    for word in rest:
        assert re.search(rf"harvester {re.escape(first)}[^\n]*\b{re.escape(word)}\b", README), command


@pytest.mark.parametrize("setting", [s.name for s in SETTINGS])
def test_every_setting_is_documented(setting):
    assert f"`{setting}`" in README


def test_readme_names_the_two_setup_commands_and_ci_runs_the_test_command():
    assert ".venv/bin/pip install -e '.[dev]' && .venv/bin/harvester demo" in README
    assert ".venv/bin/pytest -q" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert ".venv/bin/pytest -q" in ci and "pip install -q -e '.[dev]'" in ci
