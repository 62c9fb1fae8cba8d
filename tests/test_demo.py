"""`harvester demo`: the README's main job, end to end on the bundled offline sample."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx
from lxml import etree
from sqlmodel import Session, select
from typer.testing import CliRunner

from harvester.cli import app
from harvester.db import make_engine
from harvester.demo import SAMPLE_CLUSTERS
from harvester.models import HarvestRun, MeetupEvent, Organisation, OrgKind, Relation, RunStatus
from harvester.snowball import propose


def test_demo_runs_the_whole_pipeline_offline(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["--db", db, "-q", "demo", "--out", str(out)])
    assert result.exit_code == 0, result.output

    with (out / "organisations.csv").open(encoding="utf-8", newline="") as fh:
        orgs = list(csv.DictReader(fh))
    assert len(orgs) >= 30
    assert {"government", "industry", "university", "third_sector"} <= {o["sector"] for o in orgs}
    graph = nx.read_graphml(out / "network.graphml")
    assert graph.number_of_nodes() >= 30 and graph.number_of_edges() >= 20
    etree.fromstring((out / "network.svg").read_bytes())  # valid XML
    with (out / "relations.csv").open(encoding="utf-8", newline="") as fh:
        kinds = {r["kind"] for r in csv.DictReader(fh)}
    assert {"partner", "sponsor"} <= kinds

    engine = make_engine(db)
    with Session(engine) as s:
        run = s.exec(select(HarvestRun)).one()
        assert run.status == RunStatus.completed and run.kind == "demo"
        assert run.arguments["replay"].endswith("sample.warc.gz")
        groups = s.exec(select(Organisation).where(Organisation.kind == OrgKind.meetup_group)).all()
        assert len(groups) >= 6
        assert len(s.exec(select(MeetupEvent)).all()) >= 6
        assert len(s.exec(select(Relation)).all()) >= 40
        for cluster in SAMPLE_CLUSTERS:
            proposal = propose(s, cluster=cluster, top=5)
            assert proposal.wave == 1
            assert proposal.candidates, cluster
            for cand in proposal.candidates:
                assert cand.why, cand.name
                assert cand.contact is not None, cand.name
            json.dumps([c.to_json() for c in proposal.candidates])
