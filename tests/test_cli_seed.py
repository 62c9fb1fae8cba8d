"""`harvester seed` through the CLI runner (summary, every problem on stderr, exit codes, nothing
written on error) and once through the real console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from harvester.cli import app

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "seeds"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, db_url: str, *args: str):
    return runner.invoke(app, ["--db", db_url, *map(str, args)])


def count_rows(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_seed_prints_a_summary(runner, engine, db_url):
    res = run(runner, db_url, "seed", "seeds/taxonomy.yaml", "seeds/bristol.yaml", "seeds/cardiff.yaml",
              "seeds/salford.yaml", "seeds/example.csv")
    assert res.exit_code == 0, res.output
    lines = [line.rstrip() for line in res.stdout.splitlines()]
    assert lines[0] == "Loaded 4 seed files (3 clusters; taxonomy seeds/taxonomy.yaml: 17 domain areas)."
    assert lines[1].split() == ["cluster", "organisations", "government", "industry", "university",
                                "third_sector", "unknown"]
    bristol = next(line.split() for line in lines if line.startswith("bristol"))
    assert int(bristol[1]) == sum(map(int, bristol[2:])) >= 15
    assert all(int(n) > 0 for n in bristol[2:6])
    new = count_rows(engine, "organisation")
    assert lines[-1] == f"Organisations: {new} new, 0 updated, 0 unchanged."
    assert res.stderr == ""

    again = run(runner, db_url, "seed", *sorted(SEEDS.glob("*.yaml")), SEEDS / "example.csv")
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[-1] == f"Organisations: 0 new, 0 updated, {new} unchanged."
    assert count_rows(engine, "organisation") == new


def test_bad_file_prints_every_problem_and_writes_nothing(runner, engine, db_url):
    res = run(runner, db_url, "seed", "seeds/bristol.yaml", "tests/fixtures/seeds/broken.yaml")
    assert res.exit_code == 2
    f = "tests/fixtures/seeds/broken.yaml"
    assert res.stderr.splitlines() == [
        f"{f}:1: bad cluster id 'Test Ville': use lower-case letters, digits and hyphens, "
        "e.g. bristol or media-city",
        f"{f}:3: bad postcode area 'QQ': QQ is not a UK postcode area",
        f"{f}:9: unknown sector 'goverment' (use one of: government, industry, university, "
        "third_sector) (did you mean 'government'?)",
        f"{f}:11: bad URL 'www.badurl.example.com': write the full address, starting with https://",
        f"{f}:12: unknown key 'webpage' in an organisation (allowed: name, url, sector, domains, "
        "notes, aliases)",
        f"{f}:13: duplicate organisation 'Good One': same name as line 5",
        "Error: 6 problems in the seed files; nothing was loaded. Fix them and run the command again.",
    ]
    assert res.stdout == ""
    for table in ("cluster", "organisation", "organisationcluster", "organisationfact", "domainarea"):
        assert count_rows(engine, table) == 0, table


def test_one_problem_is_singular(runner, engine, db_url, tmp_path):
    bad = tmp_path / "one.yaml"
    bad.write_text("cluster: t\nname: T\norganisations:\n  - name: A\n    url: https://a.example.com/\n"
                   "    sector: charity\n")
    res = run(runner, db_url, "seed", bad)
    assert res.exit_code == 2
    assert res.stderr.splitlines() == [
        f"{bad.as_posix()}:6: unknown sector 'charity' (use one of: government, industry, university, "
        "third_sector)",
        "Error: 1 problem in the seed files; nothing was loaded. Fix them and run the command again."]


def test_missing_file(runner, engine, db_url):
    res = run(runner, db_url, "seed", "seeds/nowhere.yaml")
    assert res.exit_code == 2
    assert res.stderr.splitlines()[0] == "seeds/nowhere.yaml: file not found"


def test_seed_needs_init(runner, db_url):
    res = run(runner, db_url, "seed", "seeds/bristol.yaml")
    assert res.exit_code == 1
    assert res.stderr.startswith("Error: no database file ") and "run `harvester init`" in res.stderr


def test_real_entry_point(engine, db_url):
    """The installed console script (on a database `init` made): seed the three clusters, list
    them as JSON, refuse a broken file."""
    exe = shutil.which("harvester", path=str(Path(sys.executable).parent)) or "harvester"
    env = {**os.environ, "HARVESTER_DB": db_url}

    def call(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([exe, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    seeded = call("seed", "seeds/bristol.yaml", "seeds/cardiff.yaml", "seeds/salford.yaml")
    assert seeded.returncode == 0, seeded.stderr
    listed = call("orgs", "--json")
    assert listed.returncode == 0, listed.stderr
    records = json.loads(listed.stdout)
    assert len(records) >= 45
    assert {r["sector"] for r in records} == {"government", "industry", "university", "third_sector"}
    bad = call("seed", "tests/fixtures/seeds/broken.yaml")
    assert bad.returncode == 2
    assert bad.stderr.splitlines()[0].startswith("tests/fixtures/seeds/broken.yaml:1: bad cluster id")
    assert "Traceback" not in bad.stderr


def test_reseed_names_the_organisations_that_kept_their_review_status(runner, engine, db_url):
    assert run(runner, db_url, "seed", "tests/fixtures/seeds/mini.yaml").exit_code == 0
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE organisation SET status = 'interviewed' "
                             "WHERE domain = 'testville.ac.uk'"))
    res = run(runner, db_url, "seed", "tests/fixtures/seeds/mini.yaml")
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[-1] == "Organisations: 0 new, 0 updated, 4 unchanged."
    assert res.stderr.strip() == "Kept their review status: Testville University (interviewed)."


def test_a_folder_is_not_a_seed_file(runner, engine, db_url):
    res = run(runner, db_url, "seed", "seeds")
    assert res.exit_code == 2
    assert res.stderr.splitlines()[0] == "seeds: is a folder: name the seed files (e.g. seeds/*.yaml)"
