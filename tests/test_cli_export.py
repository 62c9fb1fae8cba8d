"""`harvester export ...` and `harvester import` through the CLI runner, including bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlmodel import Session
from test_export import EVIL_NAME, populate
from typer.testing import CliRunner

from harvester.cli import app


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def populated(engine, db_url):
    with Session(engine, expire_on_commit=False) as s:
        orgs = populate(s)
    return db_url, orgs


def _run(runner: CliRunner, db_url: str, *args: str, **kw):
    return runner.invoke(app, ["--db", db_url, *args], **kw)


def test_export_organisations_csv_file(runner, populated, tmp_path):
    db_url, orgs = populated
    out = tmp_path / "orgs.csv"
    res = _run(runner, db_url, "export", "organisations", "--cluster", "bristol", "-o", str(out))
    assert res.exit_code == 0, res.output
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 7  # six Bristol organisations + the BBC (member), the suppressed one left out
    assert {r["name"] for r in rows} >= {"Watershed", "Aardman", "BBC", "'" + EVIL_NAME}
    assert "Wrote 7 organisations" in res.stderr


def test_export_organisations_json_stdout_with_filters(runner, populated):
    db_url, orgs = populated
    res = _run(runner, db_url, "export", "organisations", "--format", "json", "--sector", "government")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert sorted(d["name"] for d in data) == ["BBC", "Bristol City Council"]


def test_export_format_from_suffix_and_excel(runner, populated, tmp_path):
    db_url, _ = populated
    out = tmp_path / "orgs.json"
    assert _run(runner, db_url, "export", "organisations", "-o", str(out)).exit_code == 0
    assert isinstance(json.loads(out.read_text(encoding="utf-8")), list)
    xl = tmp_path / "orgs-excel.csv"
    assert _run(runner, db_url, "export", "organisations", "--excel", "-o", str(xl)).exit_code == 0
    raw = xl.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,name,") and b"\r\n" in raw


def test_export_contacts_and_relations_csv(runner, populated, tmp_path):
    db_url, _ = populated
    res = _run(runner, db_url, "export", "contacts", "--cluster", "bristol")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(res.stdout.splitlines()))
    assert "optout@aardman.com" not in {r["value"] for r in rows}
    assert "'+441179276444" in {r["value"] for r in rows}
    res = _run(runner, db_url, "export", "relations", "--format", "json")
    assert res.exit_code == 0, res.output
    assert {"source_id", "target_id", "kind", "count", "evidence_url"} <= set(json.loads(res.stdout)[0])


@pytest.mark.parametrize("args,message", [
    (["export", "organisations", "--format", "xlsx"], "Error: --format 'xlsx' is not one of: csv, json\n"),
    (["export", "organisations", "--sector", "charity"],
     "Error: --sector 'charity' is not one of: government, industry, university, third_sector, unknown\n"),
    (["export", "contacts", "--status", "maybe"], None),
    (["export", "organisations", "--format", "json", "--excel"],
     "Error: --excel shapes CSV for Excel; this export is json: drop --excel, or write a .csv file\n"),
])
def test_export_bad_options(runner, populated, args, message):
    db_url, _ = populated
    res = _run(runner, db_url, *args)
    assert res.exit_code == 2
    if message:
        assert res.stderr == message
    assert res.stdout == ""


def test_export_unwritable_path(runner, populated, tmp_path):
    db_url, _ = populated
    target = tmp_path / "no-such-folder" / "orgs.csv"
    res = _run(runner, db_url, "export", "organisations", "-o", str(target))
    assert res.exit_code == 2
    assert res.stderr.startswith(f"Error: cannot write {target}:")
    assert res.stderr.count("\n") == 1


def test_export_without_database(runner, tmp_path):
    res = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'none.db'}", "export", "organisations"])
    assert res.exit_code == 1
    assert "run `harvester init`" in res.stderr
    assert not Path(tmp_path / "orgs.csv").exists()


def test_export_graph_gexf_and_graphml(runner, populated, tmp_path):
    import networkx as nx

    db_url, orgs = populated
    out = tmp_path / "net.gexf"
    res = _run(runner, db_url, "export", "graph", "--cluster", "cardiff", "-o", str(out))
    assert res.exit_code == 0, res.output
    g = nx.read_gexf(out, node_type=int)
    assert set(g.nodes) == {orgs["ffilm"].id, orgs["bbc"].id}
    res = _run(runner, db_url, "export", "graph")
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("<?xml") and "graphml" in res.stdout
    res = _run(runner, db_url, "export", "graph", "--format", "dot")
    assert res.exit_code == 2 and res.stderr == "Error: --format 'dot' is not one of: graphml, gexf\n"


def test_export_figure(runner, populated, tmp_path):
    db_url, _ = populated
    svg = tmp_path / "net.svg"
    res = _run(runner, db_url, "export", "figure", "--cluster", "bristol", "-o", str(svg))
    assert res.exit_code == 0, res.output
    assert svg.read_bytes().lstrip().startswith(b"<?xml") and b"node-" in svg.read_bytes()
    png = tmp_path / "net.png"
    assert _run(runner, db_url, "export", "figure", "-o", str(png)).exit_code == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    res = _run(runner, db_url, "export", "figure", "-o", str(tmp_path / "net.pdf"))
    assert res.exit_code == 2 and "name it .svg or .png" in res.stderr
    res = _run(runner, db_url, "export", "figure", "-o", str(tmp_path / "x.svg"), "--format", "gif")
    assert res.exit_code == 2 and res.stderr == "Error: --format 'gif' is not one of: svg, png\n"


def test_export_recruitment(runner, populated, tmp_path):
    db_url, orgs = populated
    out = tmp_path / "recruitment.csv"
    res = _run(runner, db_url, "export", "recruitment", "--cluster", "bristol", "-o", str(out))
    assert res.exit_code == 0, res.output
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and "Watershed" in {r.get("name") for r in rows}
    res = _run(runner, db_url, "export", "recruitment", "--format", "json")
    assert res.exit_code == 0, res.output
    assert isinstance(json.loads(res.stdout)["records"], list)
    res = _run(runner, db_url, "export", "recruitment", "--format", "xml")
    assert res.exit_code == 2


@pytest.mark.parametrize("args", [["organisations", "--cluster", "nosuch"],
                                  ["contacts", "--sector", "banana"], ["relations", "--status", "banana"],
                                  ["graph", "--cluster", "nosuch"], ["figure", "--cluster", "nosuch"]])
def test_failed_export_leaves_the_existing_file_alone(runner, populated, tmp_path, args):
    db_url, _ = populated
    out = tmp_path / ("net.svg" if args[0] == "figure" else "kept.csv")
    out.write_text("last week's export\n")
    res = _run(runner, db_url, "export", *args, "-o", str(out))
    assert res.exit_code == 2, res.output
    assert out.read_text() == "last week's export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_export_replaces_the_file_only_when_done(runner, populated, tmp_path):
    db_url, _ = populated
    out = tmp_path / "orgs.csv"
    out.write_text("old\n")
    assert _run(runner, db_url, "export", "organisations", "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("id,name,")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".db" and "harvest" not in p.name) == [
        "orgs.csv"]


def test_export_to_a_folder_says_so(runner, populated, tmp_path):
    db_url, _ = populated
    res = _run(runner, db_url, "export", "organisations", "-o", str(tmp_path))
    assert res.exit_code == 2 and "is a folder" not in res.stdout
    assert res.stderr.strip() == f"Error: cannot write {tmp_path}: it is a folder; give a file name with -o"


def test_suffix_of_another_format_is_refused(runner, populated, tmp_path):
    db_url, _ = populated
    res = _run(runner, db_url, "export", "organisations", "-o", str(tmp_path / "orgs.xlsx"))
    assert res.exit_code == 2 and not (tmp_path / "orgs.xlsx").exists()
    assert res.stderr == ("Error: cannot tell the format from 'orgs.xlsx': name the file .csv or .json, "
                          "or pass --format (for Excel: name it .csv and add --excel)\n")
    res = _run(runner, db_url, "export", "graph", "-o", str(tmp_path / "net.txt"))
    assert res.exit_code == 2 and ".graphml or .gexf" in res.stderr
    res = _run(runner, db_url, "export", "graph", "-o", str(tmp_path / "net.txt"), "--format", "gexf")
    assert res.exit_code == 0 and (tmp_path / "net.txt").read_text().startswith("<?xml")
