"""`harvester harvest` on bad input through the CLI runner: a damaged --replay archive or an
unwritable --archive path is one `Error:` line naming the file (exit 2), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from harvester.cli import app
from harvester.seeds import load_seeds

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "harvester" / "demo" / "sample.warc.gz"


@pytest.fixture
def seeded(engine, db_url):
    with Session(engine) as s:
        load_seeds(s, [ROOT / "seeds" / "bristol.yaml"])
        s.commit()
    return db_url


@pytest.mark.parametrize("content", [b"garbage, not a WARC\n",
                                     b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 9999\r\n\r\nshort"],
                         ids=["not-warc", "bad-record"])
def test_damaged_replay_archive_is_named(seeded, tmp_path, content):
    warc = tmp_path / "damaged.warc"
    warc.write_bytes(content)
    res = CliRunner().invoke(app, ["--db", seeded, "harvest", "--replay", str(warc), "--cluster", "bristol"])
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith(f"Error: {warc}: not a readable WARC archive")
    assert res.stderr.count("\n") == 1 and "unexpected" not in res.stderr


def test_unwritable_archive_path_is_named(seeded):
    res = CliRunner().invoke(app, ["--db", seeded, "harvest", "--replay", str(SAMPLE), "--cluster", "bristol",
                                   "--archive", "/proc/nope/x.warc.gz"])
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("Error: cannot write the archive /proc/nope/x.warc.gz")
    assert res.stderr.count("\n") == 1


def test_error_after_start_is_the_only_stderr_line(seeded):
    """Off a terminal the progress bar is not drawn, so a failure stays one line for scripts."""
    res = CliRunner().invoke(app, ["--db", seeded, "harvest", "--replay", str(SAMPLE), "--cluster", "nosuch"])
    assert res.exit_code == 2
    assert res.stderr.startswith("Error: unknown cluster 'nosuch'") and res.stderr.count("\n") == 1


def test_empty_or_folder_replay_is_named(seeded, tmp_path):
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    for path, says in ((empty, "the WARC file is empty"), (tmp_path, "is a folder")):
        res = CliRunner().invoke(app, ["--db", seeded, "harvest", "--replay", str(path)])
        assert res.exit_code == 2, res.output
        assert res.stderr.startswith(f"Error: {path}: {says}") and res.stderr.count("\n") == 1


def test_empty_database_says_to_seed_first(engine, db_url):
    res = CliRunner().invoke(app, ["--db", db_url, "harvest", "--replay", str(SAMPLE)])
    assert res.exit_code == 0, res.output
    assert "Nothing to harvest" in res.stderr and "harvester seed seeds/*.yaml" in res.stderr


def test_seeded_database_gets_no_such_note(seeded, tmp_path):
    res = CliRunner().invoke(app, ["--db", seeded, "harvest", "--replay", str(SAMPLE), "--no-meetup",
                                   "--max-pages", "1", "--cluster", "bristol"])
    assert res.exit_code == 0, res.output
    assert "Nothing to harvest" not in res.stderr
