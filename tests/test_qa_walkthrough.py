"""What a researcher tripped on when following the README from the top, one test per fix:
names read from logo strips, a mistyped --db, exports aimed at the database, `demo` on a study's
database, control characters in a reviewer's name for an organisation, `quota set Bristol`,
subject-access's options, JSON times, and a harvest that had nothing to do."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import networkx as nx
import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from harvester.cli import app
from harvester.extract.facts import Link, PageFacts
from harvester.models import Cluster, HarvestRun, Organisation, OrgStatus
from harvester.resolve import find_or_create_organisation, store_page_facts

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "harvester" / "demo" / "sample.warc.gz"


@pytest.fixture
def runner(tmp_path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray harvester.toml; relative paths land in tmp_path
    monkeypatch.delenv("HARVESTER_CONFIG", raising=False)
    monkeypatch.delenv("HARVESTER_DB", raising=False)
    monkeypatch.setenv("COLUMNS", "300")
    return CliRunner()


def _one_error_line(res, code: int) -> str:
    assert res.exit_code == code, res.output
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:"), lines
    assert "unexpected" not in lines[0]
    return lines[0]


@pytest.fixture
def seeded(engine) -> None:
    with Session(engine) as s:
        s.add(Cluster(id="bristol", name="Bristol", postcode_areas=["BS"]))
        s.flush()
        for name, url in (("Watershed", "https://www.watershed.co.uk/"),
                          ("Rocket Games", "https://www.rocketgames.co.uk/")):
            org = find_or_create_organisation(s, name=name, url=url, cluster_id="bristol")
            org.status = OrgStatus.seed
            s.add(org)
        s.commit()


# ---------------------------------------------------------------- names from logo strips

@pytest.mark.parametrize("alt, expected", [
    ("Westcountry Research Fund logo", "Westcountry Research Fund"),
    ("Logo of Westcountry Research Fund", "Westcountry Research Fund"),
    ("Westcountry Research Fund - Logo", "Westcountry Research Fund"),
    ("The Logo Company", "The Logo Company"),  # "logo" inside a name stays
    ("logo", "westcountry-research-fund.org.uk"),  # nothing left: the domain names it
])
def test_a_logo_strip_names_the_organisation_not_its_logo(session, alt, expected) -> None:
    session.add(HarvestRun(id=1))
    session.flush()
    facts = PageFacts(url="https://www.rocketgames.co.uk/funders/", name="Rocket Games",
                      name_source="title",
                      links=[Link("https://www.westcountry-research-fund.org.uk/", "funder", alt)])
    store_page_facts(session, None, facts, run_id=1)
    target = session.exec(select(Organisation).where(
        Organisation.domain == "westcountry-research-fund.org.uk")).one()
    assert target.name == expected


# ---------------------------------------------------------------- a mistyped --db

def test_a_missing_database_is_named_and_no_folder_is_left(runner, tmp_path) -> None:
    res = runner.invoke(app, ["--db", "sqlite:///data/harvset.db", "orgs"])
    line = _one_error_line(res, 1)
    assert line.startswith("Error: no database file data/harvset.db")
    assert str(tmp_path) in line and "harvester init" in line  # where it looked, what to do
    assert not (tmp_path / "data").exists()  # reading never creates folders
    res = runner.invoke(app, ["--db", "sqlite:///data/harvset.db", "init"])
    assert res.exit_code == 0 and (tmp_path / "data" / "harvset.db").is_file()


# ---------------------------------------------------------------- exports never replace the database

@pytest.mark.parametrize("args", [
    ["export", "organisations", "--format", "csv"],
    ["export", "contacts", "--format", "json"],
    ["export", "graph", "--format", "gexf"],
    ["export", "figure", "--format", "svg"],
    ["export", "recruitment", "--format", "csv"],
    ["subject-access", "--person", "Jane Doe"],
])
def test_an_export_aimed_at_the_database_is_refused(runner, engine, db_url, seeded, args) -> None:
    path = Path(db_url.removeprefix("sqlite:///"))
    before = path.read_bytes()[:16]
    res = runner.invoke(app, ["--db", db_url, *args, "-o", str(path)])
    line = _one_error_line(res, 2)
    assert f"cannot write {path}: it is a SQLite database" in line
    assert path.read_bytes()[:16] == before == b"SQLite format 3\x00"
    res = runner.invoke(app, ["--db", db_url, "orgs", "--json"])
    assert res.exit_code == 0 and len(json.loads(res.stdout)) == 2  # the study is intact


# ---------------------------------------------------------------- demo on a study's database

def test_demo_refuses_a_database_that_holds_a_study(runner, engine, db_url, seeded, tmp_path) -> None:
    res = runner.invoke(app, ["--db", db_url, "demo", "--out", str(tmp_path / "demo-out")])
    line = _one_error_line(res, 2)
    assert "already holds 2 organisations" in line and "drop --db" in line
    with Session(engine) as s:
        assert [c.id for c in s.exec(select(Cluster))] == ["bristol"]  # no fictional cluster added
        assert len(s.exec(select(Organisation)).all()) == 2


def test_demo_leaves_the_study_named_by_harvester_db_alone(runner, engine, db_url, tmp_path,
                                                           monkeypatch) -> None:
    """HARVESTER_DB names the study (the Docker image sets it); even an empty study database
    must not receive the fictional sample."""
    monkeypatch.setenv("HARVESTER_DB", db_url)
    res = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo-out")])
    assert res.exit_code == 0, res.output
    assert "HARVESTER_DB is not used by the demo" in res.stderr
    assert (tmp_path / "data" / "demo.db").is_file() and (tmp_path / "demo-out" / "network.svg").is_file()
    with Session(engine) as s:
        assert s.exec(select(Organisation)).first() is None


# ---------------------------------------------------------------- control characters in names

def test_a_control_character_in_a_name_does_not_break_the_network_files(runner, engine, db_url,
                                                                         seeded, tmp_path) -> None:
    res = runner.invoke(app, ["--db", db_url, "decide", "watershed.co.uk", "set-name", "Water\x07shed"])
    assert res.exit_code == 0, res.output
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE organisation SET name = 'Rocket\x0bGames' WHERE domain = 'rocketgames.co.uk'")
    for suffix, read in ((".gexf", nx.read_gexf), (".graphml", nx.read_graphml)):
        out = tmp_path / f"net{suffix}"
        res = runner.invoke(app, ["--db", db_url, "export", "graph", "-o", str(out)])
        assert res.exit_code == 0, res.output
        labels = {d["label"] for _, d in read(out).nodes(data=True)}
        assert labels == {"Water shed", "RocketGames"}


# ---------------------------------------------------------------- small CLI promises

def test_quota_set_ignores_the_clusters_case(runner, engine, db_url, seeded) -> None:
    res = runner.invoke(app, ["--db", db_url, "quota", "set", "Bristol", "university", "3"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["--db", db_url, "quota", "list", "--json"])
    assert [(q["cluster"], q["target"]) for q in json.loads(res.stdout)] == [("bristol", 3)]


def test_subject_access_names_only_its_own_options(runner, engine, db_url) -> None:
    line = _one_error_line(runner.invoke(app, ["--db", db_url, "subject-access"]), 2)
    assert line == "Error: give exactly one of --email or --person"


ISO_T = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def test_json_times_are_iso_8601_with_a_t(runner, engine, db_url, seeded) -> None:
    res = runner.invoke(app, ["--db", db_url, "decide", "watershed.co.uk", "note", "--note", "x", "--json"])
    assert res.exit_code == 0 and ISO_T.match(json.loads(res.stdout)["created_at"])
    res = runner.invoke(app, ["--db", db_url, "-q", "harvest", "--replay", str(SAMPLE), "--no-meetup",
                              "--max-pages", "1", "--no-profiles"])
    assert res.exit_code == 0, res.output
    [run] = json.loads(runner.invoke(app, ["--db", db_url, "runs", "--json"]).stdout)
    assert ISO_T.match(run["started_at"]) and ISO_T.match(run["finished_at"])


# ---------------------------------------------------------------- a harvest with nothing to do

def test_a_harvest_with_nothing_due_says_why(runner, tmp_path) -> None:
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    seeds = sorted(str(p) for p in (ROOT / "harvester" / "demo" / "seeds").glob("*.yaml"))
    assert runner.invoke(app, ["--db", db, "init"]).exit_code == 0
    assert runner.invoke(app, ["--db", db, "seed", *seeds]).exit_code == 0
    args = ["--db", db, "harvest", "--cluster", "cardiff", "--replay", str(SAMPLE), "--no-meetup",
            "--no-profiles", "--max-pages", "2"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0 and "No page was due" not in first.stderr
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert re.search(r"pages fetched\s*│\s*0", again.stderr)
    assert "No page was due" in again.stderr and "--refresh" in again.stderr


def test_a_damaged_replay_archive_is_refused_before_a_run_starts(runner, engine, db_url, seeded,
                                                                 tmp_path) -> None:
    fake = tmp_path / "notes.warc.gz"
    fake.write_text("# my notes, not an archive\n")
    line = _one_error_line(runner.invoke(app, ["--db", db_url, "harvest", "--replay", str(fake)]), 2)
    assert "not a readable WARC archive" in line
    with Session(engine) as s:
        assert s.exec(select(HarvestRun)).first() is None  # no failed run, no pages queued


def test_explain_summarises_the_page_signal_digests(runner, engine, db_url, seeded) -> None:
    with Session(engine) as s:
        s.add(HarvestRun(id=1))
        s.flush()
        store_page_facts(s, None, PageFacts(url="https://www.rocketgames.co.uk/", name="Rocket Games Ltd",
                                            name_source="title", charity_numbers=["1176543"]), run_id=1)
        s.commit()
    res = runner.invoke(app, ["--db", db_url, "explain", "rocketgames.co.uk"])
    assert res.exit_code == 0, res.output
    assert "page_signals =" not in res.stdout and "(1 page signal summary," in res.stdout
    assert "charity_number = 1176543" in res.stdout
    res = runner.invoke(app, ["--db", db_url, "explain", "rocketgames.co.uk", "--json"])
    assert "page_signals" in {f["field"] for f in json.loads(res.stdout)["facts"]}  # kept whole


def test_harvest_archive_aimed_at_the_database_is_refused(runner, engine, db_url, seeded) -> None:
    path = db_url.removeprefix("sqlite:///")
    size = Path(path).stat().st_size
    res = runner.invoke(app, ["--db", db_url, "harvest", "--replay", str(SAMPLE), "--archive", path])
    assert "it is a SQLite database" in _one_error_line(res, 2)
    assert Path(path).stat().st_size == size
    with Session(engine) as s:
        assert s.exec(select(HarvestRun)).first() is None


def _commands(group, path=()):
    """Every command and command group of the CLI, as argument paths."""
    import typer.main

    click_group = typer.main.get_command(app) if group is None else group
    for name, cmd in getattr(click_group, "commands", {}).items():
        yield (*path, name)
        yield from _commands(cmd, (*path, name)) if hasattr(cmd, "commands") else ()


def test_every_command_and_group_help_ends_with_an_example(runner) -> None:
    """The README: "Every command has `--help`, with an example at the end"."""
    paths = list(_commands(None))
    assert ("export", "graph") in paths and ("quota",) in paths
    for path in paths:
        res = runner.invoke(app, [*path, "--help"])
        assert res.exit_code == 0 and "Example: harvester" in res.stdout, path


def test_decide_says_the_decision_as_typed(runner, engine, db_url, seeded) -> None:
    res = runner.invoke(app, ["--db", db_url, "decide", "watershed.co.uk", "set-sector", "third_sector"])
    assert res.exit_code == 0 and "Recorded set-sector third_sector for Watershed" in res.stderr


@pytest.mark.parametrize("args", [["orgs"], ["init"], ["demo"]])
def test_another_programs_sqlite_file_is_named_and_left_alone(runner, tmp_path, args) -> None:
    """README: "A database file that is not a harvester database (damaged, or another program's
    file) is named"; `init` must not add harvester's tables to it."""
    other = tmp_path / "accounts.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
    line = _one_error_line(runner.invoke(app, ["--db", f"sqlite:///{other}", *args]), 2)
    assert "is not a harvester database (it holds other tables: customers)" in line
    with sqlite3.connect(other) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert tables == ["customers"]


@pytest.mark.parametrize("command", ["orgs", "init"])
def test_a_db_url_naming_a_folder_says_so(runner, tmp_path, command) -> None:
    (tmp_path / "data").mkdir()
    line = _one_error_line(runner.invoke(app, ["--db", "sqlite:///data", command]), 2)
    assert line == ("Error: database URL 'sqlite:///data' names a folder: name a file in it, "
                    "e.g. sqlite:///data/harvest.db")


def test_a_scheduled_cycle_says_each_line_once(runner, engine, db_url, caplog) -> None:
    """The saturation line went to the log as a warning and was said again: twice in cron logs."""
    import logging

    caplog.set_level(logging.INFO, logger="harvester.schedule")
    res = runner.invoke(app, ["--db", db_url, "schedule", "--every", "1w", "--once"])
    assert res.exit_code == 0, res.output
    assert "Nothing to harvest yet" in res.stderr  # an empty database is said to be one
    assert res.stderr.count("cluster all: 0 candidates") == 1
    assert not [r for r in caplog.records if "candidates;" in r.getMessage()]


def test_harvest_of_one_cluster_leaves_other_clusters_queued_pages(runner, tmp_path) -> None:
    """A stopped harvest of all clusters leaves Bristol's pages queued; `harvest --cluster
    cardiff` then crawled them too. They now wait for a harvest of Bristol (or of all)."""
    from harvester.db import make_engine
    from harvester.frontier import Frontier
    from harvester.models import Page, PageState

    db = f"sqlite:///{tmp_path / 'study.db'}"
    seeds = sorted(str(p) for p in (ROOT / "harvester" / "demo" / "seeds").glob("*.yaml"))
    assert runner.invoke(app, ["--db", db, "init"]).exit_code == 0
    assert runner.invoke(app, ["--db", db, "seed", *seeds]).exit_code == 0
    engine = make_engine(db)
    with Session(engine) as s:
        bristol = s.exec(select(Organisation).where(Organisation.cluster_id == "bristol")
                         .order_by(Organisation.id)).first()
        page = Frontier(max_pages=5, max_depth=2).enqueue(
            s, bristol.homepage, depth=0, organisation_id=bristol.id, cluster_id="bristol")
        s.commit()
        left = page.id
    args = ["--db", db, "-q", "harvest", "--replay", str(SAMPLE), "--no-meetup", "--no-profiles",
            "--max-pages", "1"]
    assert runner.invoke(app, [*args, "--cluster", "cardiff"]).exit_code == 0
    with Session(engine) as s:
        assert s.get(Page, left).state == PageState.queued
        fetched = s.exec(select(Page).where(Page.state != PageState.queued)).all()
        assert fetched and all(p.cluster_id == "cardiff" for p in fetched)
    assert runner.invoke(app, [*args, "--cluster", "bristol"]).exit_code == 0
    with Session(engine) as s:
        assert s.get(Page, left).state != PageState.queued
    engine.dispose()


def test_subject_access_does_not_say_a_referred_person_was_read_from_the_web(runner, engine, db_url,
                                                                              seeded) -> None:
    res = runner.invoke(app, ["--db", db_url, "referral", "add", "--from", "watershed.co.uk", "--to",
                              "https://www.ukie.org.uk/", "--person", "Jo Bloggs", "--role", "Director"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["--db", db_url, "subject-access", "--person", "Jo Bloggs"])
    assert res.exit_code == 0, res.output
    [line] = [ln for ln in res.stdout.splitlines() if ln.startswith("- person: Jo Bloggs")]
    assert "source: recorded by a researcher, not read from the web (a referral" in line
    assert "## Referrals" in res.stdout


def test_subject_access_text_lists_uses_in_time_order() -> None:
    from harvester.privacy.subject_access import render_text

    uses = [{"purpose": "export", "at": "2026-03-02T10:00:00+00:00", "contact": "jo@x.org", "detail": None},
            {"purpose": "proposal", "at": "2026-03-01T10:00:00+00:00", "contact": "Jo", "detail": None}]
    report = {"subject": {"kind": "person", "value": "Jo"}, "generated_at": "2026-03-03T00:00:00+00:00",
              "suppressed": {"email": False, "person": False}, "contacts": [], "facts": [],
              "organisation_texts": [], "meetup_events": [], "referrals": [], "decisions": [],
              "uses": uses}
    text = render_text(report)
    assert text.index("proposal on 2026-03-01") < text.index("export on 2026-03-02")


def test_export_counts_read_as_english(runner, engine, db_url, seeded, tmp_path) -> None:
    res = runner.invoke(app, ["--db", db_url, "export", "organisations", "--sector", "unknown",
                              "-o", str(tmp_path / "one.csv")])
    assert res.exit_code == 0 and "Wrote 2 organisations to" in res.stderr
    res = runner.invoke(app, ["--db", db_url, "decide", "watershed.co.uk", "set-sector", "industry"])
    res = runner.invoke(app, ["--db", db_url, "export", "organisations", "--sector", "industry"])
    assert res.exit_code == 0 and "Wrote 1 organisation to standard output." in res.stderr


@pytest.mark.parametrize("example", ["mailto:you@your-university.ac.uk",
                                     "https://example.org/our-research-project"])
def test_the_documented_example_contact_url_is_refused(runner, engine, db_url, seeded, monkeypatch,
                                                        example) -> None:
    """Copied verbatim from the Quickstart or .env.example, it would tell site owners to write to
    nobody; the harvest stops before any request."""
    monkeypatch.setenv("HARVESTER_CONTACT_URL", example)
    line = _one_error_line(runner.invoke(app, ["--db", db_url, "harvest"]), 2)
    assert f"contact_url {example!r} is an example" in line
    with Session(engine) as s:
        assert s.exec(select(HarvestRun)).first() is None
    res = runner.invoke(app, ["--db", db_url, "-q", "harvest", "--replay", str(SAMPLE), "--no-meetup",
                              "--max-pages", "1", "--no-profiles"])
    assert res.exit_code == 0, res.output  # a replay sends nothing: no identity needed


def test_an_archive_that_cannot_be_written_is_named_before_a_run_starts(runner, engine, db_url,
                                                                         seeded) -> None:
    res = runner.invoke(app, ["--db", db_url, "harvest", "--replay", str(SAMPLE), "--archive",
                              "/proc/no-such-dir/run.warc.gz"])
    assert _one_error_line(res, 2).startswith("Error: cannot write the archive /proc/no-such-dir/run.warc.gz")
    with Session(engine) as s:
        assert s.exec(select(HarvestRun)).first() is None
