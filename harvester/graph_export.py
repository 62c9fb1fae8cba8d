"""The organisation network as GraphML (yEd, Cytoscape, networkx) or GEXF (Gephi).

Nodes are organisations and Meetup groups (filtered like the other exports; suppressed domains
left out) with the attributes name, kind, domain, sector, cluster, domain_areas (';'-joined), wave,
status and score (the snowball score when a proposal can be computed; absent otherwise). Edges are
the Relation rows, one per (source, target, kind), with kind, count (also the edge weight) and
evidence (the first evidence URL). The graph is a networkx MultiDiGraph keyed by kind, written with
networkx: GEXF in the 1.2draft namespace with version 1.2 (what Gephi writes and reads), which
validates against the official GEXF 1.2 schema.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import IO, Any

import networkx as nx
from lxml import etree
from sqlmodel import Session, select

from harvester.errors import BadInput, HarvesterError
from harvester.export import domain_areas_by_org, enum_value, select_organisations
from harvester.models import Relation, Sector

log = logging.getLogger(__name__)

GRAPH_FORMATS = ("graphml", "gexf")
GEXF_NS = "http://www.gexf.net/1.2draft"

# Okabe & Ito's colour-blind-safe palette, one colour per sector group; grey for unknown.
SECTOR_COLOURS: dict[str, str] = {
    Sector.government.value: "#0072B2",
    Sector.industry.value: "#E69F00",
    Sector.university.value: "#009E73",
    Sector.third_sector.value: "#CC79A7",
    Sector.unknown.value: "#999999",
}
SECTOR_LABELS: dict[str, str] = {
    Sector.government.value: "Government",
    Sector.industry.value: "Industry",
    Sector.university.value: "University",
    Sector.third_sector.value: "Third sector",
    Sector.unknown.value: "Unknown",
}


# Characters XML 1.0 cannot hold (C0 controls but tab and newlines, lone surrogates, U+FFFE/FFFF):
# one of them in a name (a reviewer's paste, an odd page) would make the whole file unwritable.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(value: Any) -> Any:
    """`value` with the characters XML cannot carry removed (strings only)."""
    return _NOT_XML.sub("", value) if isinstance(value, str) else value


def snowball_scores(session: Session, cluster: str | None) -> dict[int, float]:
    """Candidate scores (ranked and weak) from the snowball proposal, or {} when none can be computed."""
    try:
        from harvester.snowball import propose
    except ImportError:
        return {}
    try:
        proposal = propose(session, cluster=cluster, top=None, record_use=False)
    except HarvesterError as exc:
        log.info("no snowball scores for the graph: %s", exc)
        return {}
    return {c.organisation_id: float(c.score) for c in [*proposal.candidates, *proposal.weak]}


def build_graph(session: Session, *, cluster: str | None = None, sector: str | None = None,
                status: str | None = None, scores: dict[int, float] | None = None) -> nx.MultiDiGraph:
    """The organisation graph; `scores` None computes them from snowball (when available).

    No Gephi `viz:` colours or sizes: the published GEXF 1.2 schema puts those elements in the
    main namespace, so files that carry them fail validation. Colour by the `sector` attribute in
    Gephi's Appearance panel instead.
    """
    orgs = select_organisations(session, cluster=cluster, sector=sector, status=status)
    ids = [o.id for o in orgs if o.id is not None]
    areas = domain_areas_by_org(session, ids)
    if scores is None:
        scores = snowball_scores(session, cluster)
    # No graph-level attributes: GEXF's <graph> element has no place for them.
    graph = nx.MultiDiGraph()
    for org in orgs:
        attrs: dict[str, Any] = {
            "label": org.name, "name": org.name, "kind": enum_value(org.kind), "domain": org.domain or "",
            "sector": enum_value(org.sector), "cluster": org.cluster_id or "",
            "domain_areas": ";".join(areas.get(org.id or 0, [])), "status": enum_value(org.status),
        }
        if org.wave is not None:
            attrs["wave"] = int(org.wave)
        if org.id in scores:
            attrs["score"] = float(scores[org.id])
        graph.add_node(org.id, **{k: _xml_safe(v) for k, v in attrs.items()})
    if ids:
        rels = session.exec(select(Relation).where(Relation.source_id.in_(ids), Relation.target_id.in_(ids))
                            .order_by(Relation.source_id, Relation.target_id, Relation.kind)).all()
        for r in rels:
            kind = enum_value(r.kind)
            evidence = r.evidence_url or next((str(u) for u in r.evidence or [] if u), "")
            graph.add_edge(r.source_id, r.target_id, key=kind, id=f"{r.source_id}-{r.target_id}-{kind}",
                           kind=kind, count=int(r.count), weight=float(r.count), evidence=_xml_safe(evidence))
    return graph


def write_graph(graph: nx.MultiDiGraph, target: str | Path | IO[bytes], fmt: str) -> None:
    """Write `graph` as GraphML or GEXF to a path or a binary stream."""
    if fmt == "graphml":
        nx.write_graphml(graph, target, encoding="utf-8", prettyprint=True)
    elif fmt == "gexf":
        data = gexf_bytes(graph)
        if isinstance(target, (str, Path)):
            Path(target).write_bytes(data)
        else:
            target.write(data)
    else:
        raise BadInput(f"--format {fmt!r} is not one of: {', '.join(GRAPH_FORMATS)}")


def gexf_bytes(graph: nx.MultiDiGraph) -> bytes:
    """GEXF 1.2 (1.2draft namespace) from networkx, minus the `name` attribute networkx puts on
    <graph>, which the GEXF schema does not allow (Gephi ignores it; validators refuse it)."""
    buf = io.BytesIO()
    nx.write_gexf(graph, buf, encoding="utf-8", prettyprint=True, version="1.2draft")
    root = etree.fromstring(buf.getvalue())
    for element in root.iter(f"{{{GEXF_NS}}}graph"):
        element.attrib.pop("name", None)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def graph_bytes(session: Session, fmt: str, **filters: Any) -> bytes:
    """The network as GraphML or GEXF bytes (for the web app's downloads)."""
    if fmt not in GRAPH_FORMATS:
        raise BadInput(f"--format {fmt!r} is not one of: {', '.join(GRAPH_FORMATS)}")
    buf = io.BytesIO()
    write_graph(build_graph(session, **filters), buf, fmt)
    return buf.getvalue()
