"""`harvester demo` on a bad --out: refused first, by name, before any seeding or harvesting."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from harvester.cli import app
from harvester.models import Organisation


@pytest.mark.parametrize("kind", ["file", "unwritable"])
def test_bad_out_fails_before_any_work(engine, db_url, tmp_path, kind):
    out = tmp_path / "exports.csv"
    if kind == "file":
        out.write_text("not a folder")
    else:
        out = Path("/proc/harvester-demo-out")
    res = CliRunner().invoke(app, ["--db", db_url, "demo", "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith(f"Error: --out {out}: ") and res.stderr.count("\n") == 1
    with Session(engine) as s:
        assert s.exec(select(Organisation)).first() is None  # nothing seeded, nothing harvested
