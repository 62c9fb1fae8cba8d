"""Cross-cutting CLI checks, the way a researcher meets them: every command on bad input ends with
the right exit code and one `Error:` line (or a usage message) on stderr, never a traceback; a
corrupt or never-initialised database is named; scraped names never act as rich markup; every
`--json` parses."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from sqlmodel import Session
from test_snowball_helpers import Graph
from typer.testing import CliRunner

from harvester.cli import app
from harvester.models import ContactKind, Sector

ROOT = Path(__file__).resolve().parent.parent
MARKUP_NAME = "[bold red]x[/]"
LINK_NAME = "[link=http://evil.example]click[/link]"
FORMULA_NAME = '=HYPERLINK("http://x")'
SCRIPT_NAME = "<script>alert(1)</script>"
BIG = "99999999999999999999"


@pytest.fixture
def runner(tmp_path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray harvester.toml
    monkeypatch.delenv("HARVESTER_CONFIG", raising=False)
    monkeypatch.setenv("COLUMNS", "300")  # table cells on one line
    return CliRunner()


@pytest.fixture
def graph(engine):
    """Two seeds pointing at candidates whose scraped names are hostile."""
    with Session(engine, expire_on_commit=False) as s:
        g = Graph(s)
        g.seeds("Watershed", "UWE Bristol")
        g.org(MARKUP_NAME, sector=Sector.industry)
        g.org(FORMULA_NAME, sector=Sector.third_sector)
        g.org(SCRIPT_NAME, sector=Sector.university)
        g.org(LINK_NAME, sector=Sector.government)
        for c in (MARKUP_NAME, FORMULA_NAME, SCRIPT_NAME, LINK_NAME):
            g.link("Watershed", c)
            g.link("UWE Bristol", c)
        g.contact(MARKUP_NAME, ContactKind.email, "jo@markup.example", person="[blink]Jo[/]", role="=cmd|x")
        yield g


def run(runner: CliRunner, db_url: str, *args: str, input: str | None = None):
    return runner.invoke(app, ["--db", db_url, *args], input=input)


def assert_clean_failure(res, code: int, *, problem_lines: bool = False) -> None:
    """Exit `code`, no traceback, and stderr is a usage message or ends in one `Error:` line
    (`seed` first lists every FILE:LINE problem, one a line: `problem_lines`)."""
    assert res.exit_code == code, (res.exit_code, res.output)
    assert "Traceback" not in res.output and res.exception is None or isinstance(res.exception, SystemExit)
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert lines, "no message on stderr"
    if lines[0].startswith("Usage:"):
        assert lines[-1].startswith("Error:")
    elif problem_lines:
        assert lines[-1].startswith("Error:") and all(": " in line for line in lines[:-1]), lines
    else:
        assert len(lines) == 1 and lines[0].startswith("Error:"), lines
    assert "unexpected" not in lines[-1], lines[-1]


# Commands that read the database, with arguments that are fine on a good one.
DB_COMMANDS = [
    ["runs"], ["orgs"], ["propose"], ["decide", "1", "accept"], ["review"], ["explain", "1"],
    ["export", "organisations"], ["export", "contacts"], ["export", "relations"], ["export", "graph"],
    ["export", "recruitment"], ["quota", "list"], ["quota", "set", "bristol", "industry", "3"],
    ["referral", "add", "--from", "1", "--to", "x.example"], ["suppress", "list"],
    ["subject-access", "--email", "a@b.example"], ["prune", "--dry-run"],
    ["forget", "--email", "a@b.example", "--yes"], ["seed", str(ROOT / "seeds" / "bristol.yaml")],
]


@pytest.mark.parametrize("args", DB_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_corrupt_database_is_named_not_a_crash(runner, tmp_path, args):
    bad = tmp_path / "corrupt.db"
    bad.write_bytes(bytes(range(256)) * 16)
    res = run(runner, f"sqlite:///{bad}", *args)
    assert_clean_failure(res, 1)
    assert str(bad) in res.stderr and "not a database" in res.stderr


@pytest.mark.parametrize("args", DB_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_database_never_initialised(runner, tmp_path, args):
    res = run(runner, f"sqlite:///{tmp_path / 'never.db'}", *args)
    assert_clean_failure(res, 1)
    assert "harvester init" in res.stderr


def test_init_on_a_corrupt_file_refuses(runner, tmp_path):
    bad = tmp_path / "corrupt.db"
    bad.write_bytes(b"\x00garbage" * 500)
    assert_clean_failure(run(runner, f"sqlite:///{bad}", "init"), 1)


BAD_INPUTS = [
    (["nosuchcommand"], 2), (["orgs", "--bogus"], 2), (["orgs", "--cluster", "nosuch"], 2),
    (["orgs", "--sector", "banana"], 2), (["orgs", "--status", "banana"], 2),
    (["propose", "--cluster", "nosuch"], 2), (["propose", "--top", "0"], 2), (["propose", "--top", "x"], 2),
    (["decide", "nosuch.example", "accept"], 2), (["decide", "99999", "accept"], 2),
    (["decide", "1", "banana"], 2), (["decide", "1", "accept", "extra"], 2),
    (["decide", "1", "set-sector"], 2), (["decide", "1", "set-sector", "banana"], 2),
    (["decide", "1", "set-name"], 2), (["decide", "1", "accept", "--amends", "99999"], 2), (["decide"], 2),
    (["explain", "nosuch.example"], 2), (["explain", "99999"], 2),
    (["referral", "add", "--from", "nosuch.example", "--to", "x.example"], 2),
    (["referral", "add", "--from", "1"], 2), (["referral", "add", "--from", "1", "--to", " "], 2),
    (["quota", "set", "nosuch", "industry", "3"], 2), (["quota", "set", "bristol", "banana", "3"], 2),
    (["quota", "set", "bristol", "industry", "abc"], 2), (["quota", "list", "--cluster", "nosuch"], 2),
    (["review", "--cluster", "nosuch"], 2), (["runs", "--limit", "0"], 2), (["runs", "--limit", "-3"], 2),
    (["export", "organisations", "--cluster", "nosuch"], 2),
    (["export", "organisations", "--format", "xml"], 2),
    (["export", "contacts", "--sector", "banana"], 2), (["export", "relations", "--status", "banana"], 2),
    (["export", "organisations", "-o", "/proc/x.csv"], 2), (["export", "graph", "--format", "csv"], 2),
    (["export", "graph", "-o", "/proc/x.gexf"], 2), (["export", "figure"], 2),
    (["export", "figure", "-o", "x.pdf"], 2), (["export", "figure", "-o", "/proc/x.svg"], 2),
    (["export", "all", "-o", "/proc/x"], 2), (["export", "recruitment", "--cluster", "nosuch"], 2),
    (["export", "recruitment", "-o", "/proc/x.csv"], 2), (["import", "/nonexistent-folder"], 2),
    (["seed"], 2), (["seed", "/nonexistent.yaml"], 2), (["inspect"], 2),
    (["inspect", "/nonexistent.html"], 2),
    (["inspect", "ftp://example.org/"], 2), (["harvest", "--replay", "/nonexistent.warc.gz"], 2),
    (["harvest", "--meetup-only", "--no-meetup"], 2), (["harvest", "--delay", "-1"], 2),
    (["harvest", "--cluster", "nosuch", "--replay", str(ROOT / "harvester" / "demo" / "sample.warc.gz")], 2),
    (["serve", "--port", "0"], 2), (["schedule"], 2), (["schedule", "--every", "banana", "--once"], 2),
    (["suppress", "import", "/nonexistent.csv"], 2), (["forget"], 2),
    # numbers no column can hold
    (["decide", BIG, "accept"], 2), (["explain", BIG], 2),
    (["referral", "add", "--from", BIG, "--to", "x.org"], 2),
    (["decide", "1", "accept", "--amends", BIG], 2), (["quota", "set", "bristol", "industry", BIG], 2),
    (["runs", "--limit", BIG], 2), (["prune", "--days", BIG, "--dry-run"], 2),
]


@pytest.mark.parametrize("args,code", BAD_INPUTS, ids=lambda a: " ".join(a) if isinstance(a, list) else None)
def test_bad_input_is_one_line_and_the_right_exit_code(runner, db_url, graph, args, code):
    assert_clean_failure(run(runner, db_url, *args), code, problem_lines=args[0] == "seed")


def test_export_to_a_folder_or_unwritable_path_names_it(runner, db_url, graph, tmp_path):
    res = run(runner, db_url, "export", "organisations", "-o", str(tmp_path))
    assert_clean_failure(res, 2)
    assert str(tmp_path) in res.stderr and "folder" in res.stderr


def test_propose_shows_scraped_names_literally(runner, db_url, graph):
    res = run(runner, db_url, "propose", "--cluster", "bristol", "--no-record")
    assert res.exit_code == 0, res.output
    for name in (MARKUP_NAME, LINK_NAME, FORMULA_NAME, SCRIPT_NAME, "[blink]Jo[/]", "=cmd|x"):
        assert name in res.stdout, name


def test_decide_and_referral_notes_show_names_literally(runner, db_url, graph):
    res = run(runner, db_url, "decide", str(graph.ids[MARKUP_NAME]), "defer")
    assert res.exit_code == 0 and MARKUP_NAME in res.stderr, res.output
    res = run(runner, db_url, "referral", "add", "--from", str(graph.ids["Watershed"]),
              "--to", "[bold]Evil[/] Org", "--person", "[i]Someone[/i]")
    assert res.exit_code == 0 and "[bold]Evil[/] Org" in res.stderr, res.output


def test_review_and_orgs_show_names_literally(runner, db_url, graph):
    res = run(runner, db_url, "review", "--cluster", "bristol", input="s\ns\ns\ns\n")
    assert res.exit_code == 0, res.output
    for name in (MARKUP_NAME, LINK_NAME, SCRIPT_NAME, FORMULA_NAME):
        assert name in res.output
    res = run(runner, db_url, "orgs")
    assert MARKUP_NAME in res.stdout and LINK_NAME in res.stdout


def test_explain_shows_names_literally(runner, db_url, graph):
    res = run(runner, db_url, "explain", str(graph.ids[MARKUP_NAME]))
    assert res.exit_code == 0 and MARKUP_NAME in res.stdout


def test_csv_exports_neutralise_formulas_and_open_cleanly(runner, db_url, graph, tmp_path):
    for table in ("organisations", "contacts", "relations"):
        out = tmp_path / f"{table}.csv"
        assert run(runner, db_url, "export", table, "-o", str(out), "--excel").exit_code == 0
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        assert rows, table
        for row in rows:
            for value in row.values():
                assert (value or " ")[0] not in "=+-@\t\r", (table, value)
    names = {r["name"] for r in csv.DictReader(io.StringIO(
        (tmp_path / "organisations.csv").read_text("utf-8-sig"), newline=""))}
    assert "'" + FORMULA_NAME in names and SCRIPT_NAME in names


JSON_COMMANDS = [
    ["orgs", "--json"], ["propose", "--json", "--no-record"], ["runs", "--json"], ["quota", "list", "--json"],
    ["suppress", "list", "--json"], ["explain", "1", "--json"], ["prune", "--dry-run", "--json"],
    ["subject-access", "--email", "jo@markup.example", "--json"],
    ["export", "organisations", "--format", "json"], ["export", "contacts", "--format", "json"],
    ["export", "relations", "--format", "json"], ["export", "recruitment", "--format", "json"],
]


@pytest.mark.parametrize("args", JSON_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_json_output_parses(runner, db_url, graph, args):
    res = run(runner, db_url, *args)
    assert res.exit_code == 0, res.output
    json.loads(res.stdout)


def test_cluster_option_ignores_case(runner, db_url, graph):
    upper = run(runner, db_url, "orgs", "--json", "--cluster", "Bristol")
    assert upper.exit_code == 0, upper.output
    lower = run(runner, db_url, "orgs", "--json", "-c", "bristol")
    assert json.loads(upper.stdout) == json.loads(lower.stdout) != []


def test_database_folder_that_cannot_be_made_is_named(runner):
    res = run(runner, "sqlite:////proc/no-such-dir/harvest.db", "init")  # only init creates it
    assert_clean_failure(res, 1)
    assert "cannot create the folder /proc/no-such-dir" in res.stderr and "--db" in res.stderr
    res = run(runner, "sqlite:////proc/no-such-dir/harvest.db", "orgs")
    assert_clean_failure(res, 1)
    assert "no database file /proc/no-such-dir/harvest.db" in res.stderr and "--db" in res.stderr


def test_paths_with_brackets_are_printed_whole(runner, db_url, graph, tmp_path):
    """`[draft]` in a file name is a valid rich tag: notes print it literally."""
    out = tmp_path / "contacts [draft].csv"
    res = run(runner, db_url, "export", "organisations", "-o", str(out))
    assert res.exit_code == 0 and out.is_file()
    assert f"to {out}." in res.stderr


def test_import_of_a_file_instead_of_the_folder(runner, tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text("{}")
    res = run(runner, f"sqlite:///{tmp_path / 'new.db'}", "import", str(manifest))
    assert_clean_failure(res, 2)
    assert res.stderr.startswith(f"Error: {manifest} is a file: give the folder")


def test_export_all_onto_a_file_says_it_is_a_file(runner, db_url, graph, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    res = run(runner, db_url, "export", "all", "-o", str(target))
    assert_clean_failure(res, 2)
    assert "is a file, not a folder" in res.stderr and target.read_text() == "keep me"


def test_terminal_control_sequences_in_names_are_not_sent(runner, db_url, graph, engine, tmp_path):
    """ESC in a scraped name (colours, clear screen, OSC 8 links) never reaches the terminal."""
    evil = "Evil\x1b[2J\x1b]8;;http://x.example\x07Co\x1b]8;;\x07"
    with Session(engine) as s:
        org = graph.get(SCRIPT_NAME)
        org = s.get(type(org), org.id)
        org.name = evil
        s.add(org)
        s.commit()
    for args in (["orgs"], ["propose", "--no-record"]):
        res = run(runner, db_url, *args)
        assert res.exit_code == 0, res.output
        assert "\x1b" not in res.output and "\x07" not in res.output
        assert "EvilCo" in res.stdout  # the sequences gone whole, no URL glued to the label
    res = run(runner, db_url, "review", "--cluster", "bristol", input="s\ns\ns\ns\n")
    assert res.exit_code == 0 and "\x1b" not in res.output and "EvilCo" in res.output
    page = tmp_path / "page.html"
    page.write_bytes(b"<html><head><title>Evil\x1b[31mRed Ltd</title></head><body></body></html>")
    res = runner.invoke(app, ["inspect", str(page)])
    assert res.exit_code == 0 and "\x1b" not in res.stdout and "EvilRed Ltd" in res.stdout


def test_bidi_overrides_and_control_characters_never_reach_the_terminal(runner, db_url, graph, engine):
    """A right-to-left override in a name reverses the rest of a terminal line (there is no cell
    edge to end it), and `export` writes CSV to the terminal by default: a name stored with an ESC
    (by an older harvest) must not drive it there either."""
    spoof = "Bidi\u202eevil\u2066 Ltd"
    evil = "Evil\x1b[2J\x1b]0;title\x07\x00 Co"
    with Session(engine) as s:
        for old, new in ((SCRIPT_NAME, spoof), (LINK_NAME, evil)):
            org = s.get(type(graph.get(old)), graph.get(old).id)
            org.name = new
            s.add(org)
        s.commit()
    for args in (["orgs"], ["propose", "--no-record"], ["explain", str(graph.get(SCRIPT_NAME).id)],
                 ["export", "organisations"], ["export", "relations"],
                 ["export", "organisations", "--excel"]):
        res = run(runner, db_url, *args)
        assert res.exit_code == 0, res.output
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]",
                             res.stdout.replace("\r\n", "\n")), (args, res.stdout)
        assert "Bidievil Ltd" in res.stdout, args
    res = run(runner, db_url, "export", "organisations")
    assert "Evil Co" in res.stdout
    for args in (["orgs", "--json"], ["export", "organisations", "-f", "json"]):
        res = run(runner, db_url, *args)  # JSON keeps the data, the controls spelt as escapes
        assert "\u202e" not in res.stdout and "\\u202e" in res.stdout, args
        assert spoof in [o["name"] for o in json.loads(res.stdout)], args


def test_mistyped_database_path_leaves_no_file_behind(runner, tmp_path):
    typo = tmp_path / "harvset.db"
    res = run(runner, f"sqlite:///{typo}", "orgs")
    assert_clean_failure(res, 1)
    assert "harvester init" in res.stderr and not typo.exists()
