"""`harvester orgs` through the CLI runner: the table, filters, stable JSON and bad options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from harvester.cli import app
from harvester.models import Organisation, OrgStatus
from harvester.seeds import load_seeds

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
STABLE_FIELDS = ["id", "name", "kind", "domain", "homepage", "sector", "sector_source", "cluster",
                 "postcode", "charity_number", "company_number", "domain_areas", "wave", "status",
                 "first_seen", "last_seen"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def seeded(engine, db_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    with Session(engine) as s:
        load_seeds(s, [SEEDS / "bristol.yaml", SEEDS / "cardiff.yaml", SEEDS / "salford.yaml"])
        s.commit()
    return db_url


def run(runner: CliRunner, db_url: str, *args: str):
    return runner.invoke(app, ["--db", db_url, *args])


def table_rows(stdout: str) -> list[list[str]]:
    """Data rows of the table: the lines that start with an organisation id."""
    return [line.split() for line in stdout.splitlines() if line.strip()[:1].isdigit()]


def test_table_lists_every_organisation(runner, seeded, engine):
    res = run(runner, seeded, "orgs")
    assert res.exit_code == 0, res.output
    header = res.stdout.splitlines()[1].split()
    assert header == ["id", "name", "sector", "cluster", "status", "wave", "domain"]
    rows = table_rows(res.stdout)
    with Session(engine) as s:
        total = len(s.exec(select(Organisation)).all())
    assert len(rows) == total >= 45
    watershed = next(r for r in rows if r[-1] == "watershed.co.uk")
    assert watershed[1:] == ["Watershed", "third_sector", "bristol", "seed", "0", "watershed.co.uk"]
    bbc = next(r for r in rows if r[-1] == "bbc.co.uk")
    assert bbc[1:7] == ["BBC", "industry", "bristol,", "cardiff,", "salford", "seed"]
    assert res.stderr.strip() == f"{total} organisations."


def test_filters(runner, seeded):
    res = run(runner, seeded, "orgs", "--cluster", "cardiff", "--sector", "university")
    assert res.exit_code == 0, res.output
    domains = sorted(r[-1] for r in table_rows(res.stdout))
    assert domains == ["cardiff.ac.uk", "cardiffmet.ac.uk", "clwstwr.org.uk", "creativecardiff.org.uk",
                       "media.cymru", "rwcmd.ac.uk", "southwales.ac.uk"]
    res = run(runner, seeded, "orgs", "--cluster", "salford", "--sector", "industry")
    assert "bbc.co.uk" in [r[-1] for r in table_rows(res.stdout)]  # a member, home cluster bristol
    res = run(runner, seeded, "orgs", "--status", "accepted")
    assert res.exit_code == 0 and table_rows(res.stdout) == []
    assert res.stderr.strip() == "No organisations match these filters."


def test_json_has_the_stable_fields(runner, seeded, engine):
    with Session(engine) as s:
        org = s.exec(select(Organisation).where(Organisation.domain == "s4c.cymru")).one()
        org.status = OrgStatus.accepted
        s.add(org)
        s.commit()
    res = run(runner, seeded, "orgs", "--json", "--status", "accepted")
    assert res.exit_code == 0, res.output
    records = json.loads(res.stdout)
    assert len(records) == 1
    record = records[0]
    assert list(record)[:len(STABLE_FIELDS)] == STABLE_FIELDS
    assert {k: record[k] for k in ("name", "kind", "domain", "homepage", "sector", "sector_source",
                                   "cluster", "postcode", "domain_areas", "wave", "status")} == {
        "name": "S4C", "kind": "organisation", "domain": "s4c.cymru", "homepage": "https://www.s4c.cymru/",
        "sector": "industry", "sector_source": "seed", "cluster": "cardiff", "postcode": None,
        "domain_areas": ["film-tv"], "wave": 0, "status": "accepted"}
    assert record["first_seen"].endswith("+00:00")
    everything = json.loads(run(runner, seeded, "orgs", "--json", "--cluster", "bristol").stdout)
    assert "bbc.co.uk" in {r["domain"] for r in everything}


@pytest.mark.parametrize(("args", "message"), [
    (["--sector", "charity"],
     "Error: --sector 'charity' is not one of: government, industry, university, third_sector, unknown"),
    (["--status", "done"], "Error: --status 'done' is not one of: seed, discovered, candidate, accepted, "
                           "rejected, contacted, interviewed, excluded"),
    (["--cluster", "leeds"], "Error: no cluster 'leeds' in the database (known: bristol, cardiff, salford); "
                             "load its seed file with `harvester seed`"),
])
def test_bad_options_exit_2(runner, seeded, args, message):
    res = run(runner, seeded, "orgs", *args)
    assert res.exit_code == 2
    assert res.stderr.strip() == message
    assert res.stdout == ""


def test_empty_database_says_what_to_do(runner, engine, db_url):
    res = run(runner, db_url, "orgs")
    assert res.exit_code == 0
    assert res.stderr.strip() == "No organisations match: load seed files with `harvester seed seeds/*.yaml`."
    assert run(runner, db_url, "orgs", "--json").stdout.strip() == "[]"
