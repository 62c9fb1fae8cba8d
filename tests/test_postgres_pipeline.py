"""The whole pipeline (init -> seed -> harvest by replaying the bundled sample -> propose ->
export) through the command line, on SQLite and on a real PostgreSQL server; both databases must
give the same answers. The PostgreSQL case needs HARVESTER_TEST_PG_URL (.ci/run sets it)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from harvester.cli import app
from harvester.demo import SAMPLE_CLUSTERS, SAMPLE_SEEDS, SAMPLE_WARC

ANSWERS: dict[str, dict] = {}


def _cli(url: str, *args: str) -> str:
    res = CliRunner().invoke(app, ["--db", url, "-q", *args])
    assert res.exit_code == 0, (args, res.output)
    return res.stdout


def _pipeline(url: str, tmp_path) -> dict:
    _cli(url, "init")
    _cli(url, "seed", *[str(p) for p in SAMPLE_SEEDS])
    _cli(url, "harvest", "--replay", str(SAMPLE_WARC))
    runs = json.loads(_cli(url, "runs", "--json"))
    assert runs[0]["status"] == "completed" and runs[0]["counts"]["pages_fetched"] > 20
    proposals = {c: json.loads(_cli(url, "propose", "--cluster", c, "--json")) for c in SAMPLE_CLUSTERS}
    assert any(proposals.values())
    orgs = json.loads(_cli(url, "export", "organisations", "--format", "json"))
    out = tmp_path / "relations.csv"
    _cli(url, "export", "relations", "-o", str(out))
    assert out.read_text(encoding="utf-8-sig").count("\n") > 5
    # A second harvest of the same sample adds nothing (idempotent store).
    _cli(url, "harvest", "--replay", str(SAMPLE_WARC), "--refresh")
    assert len(json.loads(_cli(url, "export", "organisations", "--format", "json"))) == len(orgs)
    return {
        "organisations": sorted((o["domain"] or "", o["name"], o["sector"], o["status"]) for o in orgs),
        "proposals": {c: [(p["domain"], p["rank"]) for p in ps] for c, ps in proposals.items()},
    }


@pytest.mark.integration
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_pipeline(backend, tmp_path, request):
    url = f"sqlite:///{tmp_path / 'p.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    ANSWERS[backend] = _pipeline(url, tmp_path)
    other = ANSWERS.get("sqlite" if backend == "postgresql" else "postgresql")
    if other is not None:  # both ran in this session: the same organisations and proposals
        assert ANSWERS[backend] == other
