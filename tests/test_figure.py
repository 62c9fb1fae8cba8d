"""The network figure: valid SVG with one node element per organisation, valid PNG, deterministic,
an empty database gives a "no relations yet" picture, and scraped names stay text."""

from __future__ import annotations

import struct
import time
from datetime import date

import pytest
from lxml import etree
from sqlmodel import Session
from test_export import EVIL_NAME, populate

from harvester.errors import BadInput, NotFound
from harvester.figure import render_figure
from harvester.models import Organisation, OrgKind, Relation, RelationKind, Sector

SVG_NS = "{http://www.w3.org/2000/svg}"
DAY = date(2026, 3, 1)


def _node_ids(svg: bytes) -> list[str]:
    root = etree.fromstring(svg)
    return [el.get("id") for el in root.iter() if (el.get("id") or "").startswith("node-")]


def test_svg_has_one_node_per_organisation(session):
    orgs = populate(session)
    svg = render_figure(session, cluster="bristol", when=DAY)
    root = etree.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    ids = _node_ids(svg)
    bristol = {o.id for k, o in orgs.items() if k not in {"hidden", "ffilm"}}  # BBC is a member
    assert sorted(ids) == sorted(f"node-{i}" for i in bristol)
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG_NS}text"))
    assert "Bristol and Bath: organisation network, 2026-03-01" in text
    assert "Third sector" in text and "Meetup group" in text
    assert EVIL_NAME[:20] in text  # a scraped formula is plain, escaped text in the picture


def test_svg_is_deterministic(session):
    populate(session)
    assert render_figure(session, when=DAY) == render_figure(session, when=DAY)


def test_png_signature_and_size(session, tmp_path):
    populate(session)
    out = tmp_path / "net.png"
    png = render_figure(session, fmt="png", path=out, when=DAY)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and out.read_bytes() == png
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 1000 and height >= 800


def test_empty_database_says_no_relations_yet(session):
    svg = render_figure(session, when=DAY)
    assert _node_ids(svg) == []
    assert b"No relations yet" in svg
    png = render_figure(session, fmt="png", when=DAY)
    assert png.startswith(b"\x89PNG")


def test_nodes_without_relations_are_still_drawn(session):
    a = Organisation(name="Lonely Ltd", domain="lonely.example", cluster_id=None)
    session.add(a)
    session.commit()
    svg = render_figure(session, when=DAY)
    assert _node_ids(svg) == [f"node-{a.id}"] and b"No relations yet" in svg


def test_dollar_signs_are_not_mathtext(session):
    a = Organisation(name="$5 Games $x^2$", domain="five.example")
    b = Organisation(name="Other", domain="other.example")
    session.add_all([a, b])
    session.commit()
    session.add(Relation(source_id=a.id, target_id=b.id, kind=RelationKind.partner))
    session.commit()
    assert b"$5 Games $x^2$" in render_figure(session, when=DAY)


@pytest.mark.parametrize("n", [500])
def test_large_graph_renders_quickly(engine, n):
    with Session(engine) as s:
        orgs = [Organisation(name=f"Org {i}", domain=f"org{i}.example", sector=list(Sector)[i % 5],
                             kind=OrgKind.meetup_group if i % 17 == 0 else OrgKind.organisation)
                for i in range(n)]
        s.add_all(orgs)
        s.commit()
        s.add_all(Relation(source_id=orgs[i].id, target_id=orgs[(i * 7 + 3) % n].id,
                           kind=list(RelationKind)[i % 10]) for i in range(n) if (i * 7 + 3) % n != i)
        s.commit()
        start = time.perf_counter()
        svg = render_figure(s, when=DAY)
        elapsed = time.perf_counter() - start
    assert len(_node_ids(svg)) == n
    assert elapsed < 10  # measured ~3 s on the CI machine


def test_unknown_cluster_is_an_error(session):
    with pytest.raises(NotFound, match="no cluster 'bristol'"):
        render_figure(session, cluster="bristol")


def test_unknown_format(session):
    with pytest.raises(BadInput, match="--format 'pdf'"):
        render_figure(session, fmt="pdf")


def test_labels_of_nodes_close_together_do_not_overlap():
    # The demo's Bristol figure had "Brunelgate Creative Code" over "Avonmere City Council".
    from matplotlib.figure import Figure

    from harvester.figure import _overlap_area, place_labels

    fig = Figure(figsize=(6, 4))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    points = [(0.0, 0.0), (0.05, 0.0), (0.0, 0.04), (0.1, -0.03), (-0.08, 0.02)]
    labels = [(f"Organisation number {i} Ltd", p) for i, p in enumerate(points)]
    annotations = place_labels(fig, ax, labels)
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else None
    if renderer is None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [a.get_window_extent(renderer) for a in annotations]
    assert [a.get_text() for a in annotations] == [text for text, _ in labels]
    assert all(_overlap_area(a, b) == 0 for i, a in enumerate(boxes) for b in boxes[i + 1:])
    # The most connected (first) label keeps the usual place, up and to the right of its node.
    assert tuple(annotations[0].xyann) == (6, 6)
