"""GraphML / GEXF: round trip through networkx with attributes intact; GEXF valid against the
official GEXF 1.2 schema (tests/fixtures/gexf, see its README for the namespace note)."""

from __future__ import annotations

import io
from pathlib import Path

import networkx as nx
import pytest
from lxml import etree
from test_export import EVIL_NAME, populate

from harvester.errors import BadInput
from harvester.graph_export import build_graph, graph_bytes, write_graph

GEXF_DIR = Path(__file__).parent / "fixtures" / "gexf"
OFFICIAL_NS = "http://www.gexf.net/1.2"
WRITTEN_NS = "http://www.gexf.net/1.2draft"


def gexf_schema(tmp_path: Path) -> etree.XMLSchema:
    """The official GEXF 1.2 schema, its namespace mapped to the 1.2draft URI Gephi and networkx use."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    for xsd in GEXF_DIR.glob("*.xsd"):
        text = xsd.read_text(encoding="utf-8").replace(f'"{OFFICIAL_NS}"', f'"{WRITTEN_NS}"')
        text = text.replace(f'"{OFFICIAL_NS}/viz"', f'"{WRITTEN_NS}/viz"')
        (tmp_path / xsd.name).write_text(text, encoding="utf-8")
    return etree.XMLSchema(etree.parse(str(tmp_path / "gexf.xsd")))


@pytest.fixture
def orgs(session):
    return populate(session)


def _expected_nodes(orgs):
    return {o.id for k, o in orgs.items() if k != "hidden"}


def test_build_graph_nodes_edges_attributes(session, orgs):
    g = build_graph(session, scores={orgs["aardman"].id: 0.75})
    assert set(g.nodes) == _expected_nodes(orgs)  # suppressed domain left out
    w = g.nodes[orgs["watershed"].id]
    assert w["name"] == "Watershed" and w["sector"] == "third_sector" and w["cluster"] == "bristol"
    assert w["domain_areas"] == "immersive;film-tv" and w["wave"] == 0 and w["status"] == "seed"
    assert w["kind"] == "organisation" and "score" not in w
    assert g.nodes[orgs["aardman"].id]["score"] == 0.75
    assert g.nodes[orgs["meetup"].id]["kind"] == "meetup_group"
    # UWE -> Watershed: partner and links_to are two edges, keyed by kind
    uwe_w = g.get_edge_data(orgs["uwe"].id, orgs["watershed"].id)
    assert set(uwe_w) == {"partner", "links_to"}
    assert uwe_w["links_to"]["count"] == 5 and uwe_w["links_to"]["evidence"] == "https://www.uwe.ac.uk/links_to"
    assert g.number_of_edges() == 9  # the edge to the suppressed organisation is gone


def test_scores_come_from_the_snowball_proposal(session, orgs):
    from harvester.models import Relation, RelationKind
    from harvester.snowball import propose

    session.add(Relation(source_id=orgs["uwe"].id, target_id=orgs["aardman"].id, kind=RelationKind.partner))
    session.commit()
    proposal = propose(session)
    expected = {c.organisation_id: c.score for c in [*proposal.candidates, *proposal.weak]}
    assert orgs["aardman"].id in expected
    back = nx.read_gexf(io.BytesIO(graph_bytes(session, "gexf")), node_type=int)
    got = {n: d["score"] for n, d in back.nodes(data=True) if "score" in d}
    assert got == pytest.approx(expected)
    assert "score" not in back.nodes[orgs["watershed"].id]  # a seed is not a candidate


def test_cluster_filter_keeps_edges_inside(session, orgs):
    g = build_graph(session, cluster="cardiff", scores={})
    assert set(g.nodes) == {orgs["ffilm"].id, orgs["bbc"].id}
    assert [(u, v, k) for u, v, k in g.edges(keys=True)] == [(orgs["ffilm"].id, orgs["bbc"].id, "funder")]


def test_graphml_round_trip(session, orgs, tmp_path):
    scores = {orgs["aardman"].id: 0.75, orgs["evil"].id: 0.1}
    g = build_graph(session, scores=scores)
    path = tmp_path / "network.graphml"
    write_graph(g, path, "graphml")
    back = nx.read_graphml(path, node_type=int, force_multigraph=True)
    assert set(back.nodes) == set(g.nodes)
    for node, data in g.nodes(data=True):
        got = back.nodes[node]
        for key in ("name", "sector", "cluster", "domain_areas", "status", "kind", "wave", "score"):
            assert got.get(key) == data.get(key), (node, key)
    assert back.nodes[orgs["evil"].id]["name"] == EVIL_NAME
    assert back.number_of_edges() == g.number_of_edges()
    edges = {(u, v, d["kind"]): d for u, v, d in back.edges(data=True)}
    e = edges[(orgs["watershed"].id, orgs["aardman"].id, "partner")]
    assert e["count"] == 3 and e["evidence"] == "https://www.watershed.co.uk/partner"


def test_gexf_round_trip_and_schema(session, orgs, tmp_path):
    data = graph_bytes(session, "gexf")
    path = tmp_path / "network.gexf"
    path.write_bytes(data)
    schema = gexf_schema(tmp_path / "xsd")
    doc = etree.parse(str(path))
    assert schema.validate(doc), schema.error_log
    assert doc.getroot().get("version") == "1.2"
    back = nx.read_gexf(path, node_type=int)
    assert set(back.nodes) == _expected_nodes(orgs)
    w = back.nodes[orgs["watershed"].id]
    assert (w["label"], w["sector"], w["cluster"], w["domain_areas"], w["wave"], w["status"]) == (
        "Watershed", "third_sector", "bristol", "immersive;film-tv", 0, "seed")
    edges = {(u, v, d["kind"]): d for u, v, d in back.edges(data=True)}
    assert len(edges) == 9
    e = edges[(orgs["uwe"].id, orgs["watershed"].id, "links_to")]
    assert e["count"] == 5 and e["evidence"] == "https://www.uwe.ac.uk/links_to" and e["weight"] == 5.0


def test_schema_rejects_a_broken_gexf(session, orgs, tmp_path):
    """Control: the schema is strict enough to fail a file with a bad edge."""
    doc = etree.parse(io.BytesIO(graph_bytes(session, "gexf")))
    edge = doc.getroot().find(f".//{{{WRITTEN_NS}}}edge")
    del edge.attrib["target"]
    assert not gexf_schema(tmp_path).validate(doc)


def test_empty_graph_is_valid(session, tmp_path):
    data = graph_bytes(session, "gexf")
    schema = gexf_schema(tmp_path)
    assert schema.validate(etree.parse(io.BytesIO(data))), schema.error_log
    assert nx.read_graphml(io.BytesIO(graph_bytes(session, "graphml"))).number_of_nodes() == 0


def test_unknown_graph_format(session):
    with pytest.raises(BadInput, match="--format 'dot'"):
        graph_bytes(session, "dot")
