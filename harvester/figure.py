"""A picture of a cluster's organisation network, like the figures of a cluster report.

Organisations are nodes coloured by sector group (Okabe–Ito colour-blind-safe palette, with a
legend), sized by degree; Meetup groups are squares, organisations circles. Edges are styled by
kind: solid for funding and partnership ties, dashed for plain links, dotted for Meetup ties
(hosts, organises, venue), dash-dot for interview referrals. The most connected organisations are
labelled. The layout is a seeded spring layout, so the same database gives the same picture.

Each node is its own SVG element with id `node-<organisation id>` (tests and the web page can
find them). matplotlib is imported lazily (no pyplot, no display needed) so the CLI starts fast.
"""

from __future__ import annotations

import io
import math
import warnings
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import networkx as nx
from sqlmodel import Session

from harvester.errors import BadInput
from harvester.graph_export import SECTOR_COLOURS, SECTOR_LABELS, build_graph
from harvester.models import Cluster, OrgKind

FIGURE_FORMATS = ("svg", "png")
LAYOUT_SEED = 42
PNG_DPI = 150
EDGE_STYLES: dict[str, str] = {
    "funder": "solid", "partner": "solid", "sponsor": "solid", "member_of": "solid", "client": "solid",
    "links_to": "dashed", "hosts_event": "dotted", "organises": "dotted", "venue": "dotted",
    "referral": "dashdot",
}
EDGE_LEGEND = (("solid", "funder, partner, sponsor, member, client"), ("dashed", "links to"),
               ("dotted", "Meetup: hosts, organises, venue"), ("dashdot", "interview referral"))
MAX_LABEL_CHARS = 28


def _labels_wanted(n: int) -> int:
    """How many of the most connected nodes get a label: all of a small graph, ~20 of a big one."""
    return n if n <= 12 else min(20, max(12, n // 20))


def _layout(graph: nx.Graph) -> dict[Any, tuple[float, float]]:
    """Seeded spring layout of the connected part in [-1, 1]²; organisations without any relation
    go in a grid underneath, so they neither vanish nor squeeze the network into a corner."""
    linked = sorted(n for n in graph.nodes if graph.degree(n) > 0)
    alone = sorted(n for n in graph.nodes if graph.degree(n) == 0)
    pos: dict[Any, tuple[float, float]] = {}
    if len(linked) > 1:
        adjacency = nx.to_numpy_array(graph, nodelist=linked, weight=None)
        xy = spring_positions(adjacency, seed=LAYOUT_SEED)
        # Stretch each axis to [-1, 1]: a long chain would otherwise sit in a thin band with the
        # labels piled on each other and most of the picture empty.
        for axis in (0, 1):
            low, high = float(xy[:, axis].min()), float(xy[:, axis].max())
            if high - low > 1e-9:
                xy[:, axis] = (xy[:, axis] - low) / (high - low) * 2.0 - 1.0
        pos = {node: (float(x), float(y)) for node, (x, y) in zip(linked, xy, strict=True)}
    elif linked:  # one organisation related only to itself
        pos[linked[0]] = (0.0, 0.0)
    if alone:
        cols = max(1, math.ceil(math.sqrt(len(alone) * 4)))
        step = 2.0 / cols
        top = -1.25 if pos else 0.0
        for i, node in enumerate(alone):
            row, col = divmod(i, cols)
            pos[node] = (-1.0 + step * (col + 0.5), top - step * row)
    return pos


def spring_positions(adjacency: Any, *, seed: int = LAYOUT_SEED, iterations: int = 100) -> Any:
    """Fruchterman–Reingold force layout (as networkx's dense spring_layout) in [-1, 1]².

    Our own dozen lines so that 500 nodes take a second (networkx switches to a slow sparse or
    optimiser path from 500 nodes) and the picture does not change with the networkx version.
    """
    import numpy as np

    n = adjacency.shape[0]
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2))
    k = 2.0 / math.sqrt(n)  # optimal distance: more room than networkx's 1/sqrt(n)
    t = 0.1 * max(float(np.ptp(pos[:, 0])), float(np.ptp(pos[:, 1])))
    cooling = t / (iterations + 1)
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.linalg.norm(delta, axis=-1)
        np.clip(dist, 0.01, None, out=dist)
        force = k * k / dist**2 - adjacency * dist / k
        disp = np.einsum("ijk,ij->ik", delta, force)
        length = np.linalg.norm(disp, axis=-1)
        length = np.where(length < 0.01, 0.1, length)
        pos += disp * (t / length)[:, None]
        t -= cooling
    pos -= pos.mean(axis=0)
    scale = float(np.abs(pos).max()) or 1.0
    return pos / scale


def _short(name: str) -> str:
    name = " ".join(name.split())
    return name if len(name) <= MAX_LABEL_CHARS else name[: MAX_LABEL_CHARS - 1] + "…"


def render_figure(session: Session, *, cluster: str | None = None, fmt: str = "svg",
                  path: str | Path | None = None, when: date | None = None,
                  sector: str | None = None, status: str | None = None) -> bytes:
    """Draw the network of `cluster` (all clusters when None) as SVG or PNG bytes; also write
    them to `path` when given. `when` is the date in the title (today, UTC, by default)."""
    if fmt not in FIGURE_FORMATS:
        raise BadInput(f"--format {fmt!r} is not one of: {', '.join(FIGURE_FORMATS)}")
    graph = build_graph(session, cluster=cluster, sector=sector, status=status, scores={})
    title_place = "All clusters"
    if cluster:
        row = session.get(Cluster, cluster)
        title_place = row.name if row else cluster
    when = when or datetime.now(UTC).date()
    with warnings.catch_warnings():
        # A scraped name with an emoji the font lacks is drawn as a box; matplotlib's warning
        # (a Python source line per glyph on the researcher's screen) says nothing they can act on.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
        data = _draw(graph, f"{title_place}: organisation network, {when.isoformat()}", fmt)
    if path is not None:
        Path(path).write_bytes(data)
    return data


# Where a label may sit around its node, in points from the node's centre (x, y, alignment), tried in
# this order: up-right first (the usual place), then the other corners and sides.
_LABEL_SPOTS = ((6, 6, "left"), (6, -14, "left"), (-6, 6, "right"), (-6, -14, "right"),
                (9, -4, "left"), (-9, -4, "right"), (0, 11, "center"), (0, -19, "center"))


def place_labels(fig: Any, ax: Any, labels: list[tuple[str, tuple[float, float]]], *,
                 fontsize: float = 8) -> list[Any]:
    """Label nodes (most connected first) where the label overlaps no label placed before it:
    a report's figure must be readable. Each label tries `_LABEL_SPOTS` in turn; when every spot
    collides, it takes the one that overlaps least. Needs the axes limits set (positions are
    measured on the drawn figure)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if hasattr(fig.canvas, "get_renderer") else FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    ax.apply_aspect()
    placed: list[Any] = []  # window extents of the labels placed so far
    annotations = []
    for text, (x, y) in labels:
        ann = ax.annotate(text, (x, y), xytext=_LABEL_SPOTS[0][:2], textcoords="offset points",
                          fontsize=fontsize, zorder=3, parse_math=False,
                          bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})
        best, best_box, best_overlap = _LABEL_SPOTS[0], None, float("inf")
        for spot in _LABEL_SPOTS:
            ann.xyann = spot[:2]
            ann.set_horizontalalignment(spot[2])
            box = ann.get_window_extent(renderer).expanded(1.04, 1.1)
            overlap = sum(_overlap_area(box, other) for other in placed)
            if overlap < best_overlap:
                best, best_box, best_overlap = spot, box, overlap
            if overlap == 0:
                break
        ann.xyann = best[:2]
        ann.set_horizontalalignment(best[2])
        placed.append(best_box)
        annotations.append(ann)
    return annotations


def _overlap_area(a: Any, b: Any) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width * height if width > 0 and height > 0 else 0.0


def _draw(graph: nx.MultiDiGraph, title: str, fmt: str) -> bytes:
    # A bare Figure renders through the Agg/SVG canvases without pyplot or a display, and never
    # touches the global backend (safe inside the web server's threads).
    import matplotlib
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle, Rectangle

    simple = nx.Graph(graph)  # degree and layout ignore direction and parallel kinds
    n = simple.number_of_nodes()
    degree = dict(simple.degree())
    pos = _layout(simple)
    side = 8.0 if n <= 60 else 11.0 if n <= 200 else 14.0
    fig = Figure(figsize=(side * 1.3, side))
    # Fixed axes (no constrained layout: it redraws every artist) with the legend on the right.
    ax = fig.add_axes((0.01, 0.01, 0.70, 0.93))
    ax.set_axis_off()
    ax.set_aspect("equal", adjustable="box")
    fig.text(0.01, 0.975, title, fontsize=13, ha="left", va="top", parse_math=False)

    # Edges under the nodes: one collection per line style, one segment per relation kind.
    segments: dict[str, list[list[tuple[float, float]]]] = {}
    for u, v, kind in sorted(graph.edges(keys=True)):
        if u != v:
            segments.setdefault(EDGE_STYLES.get(kind, "solid"), []).append([pos[u], pos[v]])
    for style, lines in sorted(segments.items()):
        ax.add_collection(LineCollection(lines, linestyles=style, colors="#555555", alpha=0.6,
                                         linewidths=0.8 if n <= 200 else 0.5, zorder=1))

    # Nodes: one patch each (an SVG element with id node-<id>); radius in layout units.
    max_degree = max(degree.values(), default=0) or 1
    scale = 1.0 if n <= 60 else 0.7 if n <= 200 else 0.5
    for node in sorted(graph.nodes):
        data = graph.nodes[node]
        radius = scale * (0.018 + 0.045 * (degree.get(node, 0) / max_degree) ** 0.8)
        colour = SECTOR_COLOURS.get(data.get("sector", "unknown"), SECTOR_COLOURS["unknown"])
        x, y = pos[node]
        style = {"facecolor": colour, "edgecolor": "#222222", "linewidth": 0.6, "zorder": 2}
        if data.get("kind") == OrgKind.meetup_group.value:
            patch = Rectangle((x - radius, y - radius), 2 * radius, 2 * radius, **style)
        else:
            patch = Circle((x, y), radius, **style)
        patch.set_gid(f"node-{node}")
        ax.add_artist(patch)  # not add_patch: limits are set once below, not per node

    ranked = sorted(graph.nodes, key=lambda nd: (-degree.get(nd, 0), str(graph.nodes[nd].get("name", ""))))
    labels = [(_short(str(graph.nodes[node].get("name", node))), pos[node])
              for node in ranked[: _labels_wanted(n)] if not (n > 12 and degree.get(node, 0) == 0)]

    alone = [nd for nd in graph.nodes if degree.get(nd, 0) == 0]
    if alone and len(alone) < n:
        top = max(pos[nd][1] for nd in alone)
        ax.text(-1.0, top + 0.1, "Without relations yet", fontsize=8, color="#555555", parse_math=False)
    if graph.number_of_edges() == 0:
        ax.text(0.5, 0.5 if n == 0 else 0.97, "No relations yet: harvest first, then draw again.",
                transform=ax.transAxes, ha="center", va="center", fontsize=14, color="#333333",
                parse_math=False)
    if n:
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        pad = 0.1 * max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
        ax.set_xlim(min(xs) - pad, max(xs) + pad)
        ax.set_ylim(min(ys) - pad, max(ys) + pad)
    else:
        ax.set_xlim(-1, 1)
        ax.set_ylim(-1, 1)
    place_labels(fig, ax, labels, fontsize=8 if n <= 200 else 7)

    handles = [Line2D([], [], marker="o", linestyle="none", markersize=9, markerfacecolor=colour,
                      markeredgecolor="#222222", label=SECTOR_LABELS[sector])
               for sector, colour in SECTOR_COLOURS.items()]
    handles.append(Line2D([], [], marker="s", linestyle="none", markersize=9, markerfacecolor="white",
                          markeredgecolor="#222222", label="Meetup group"))
    handles += [Line2D([], [], linestyle=style, color="#555555", label=label) for style, label in EDGE_LEGEND]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.76, 0.94), frameon=False, fontsize=9,
               title="Sector group / tie", title_fontsize=9, alignment="left")

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "harvester", "svg.fonttype": "none"}):
        # "tight" keeps the whole legend in the picture whatever the length of its labels.
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight", pad_inches=0.2)
        else:
            fig.savefig(buf, format="png", dpi=PNG_DPI, metadata={"Software": None}, bbox_inches="tight",
                        pad_inches=0.2)
    return buf.getvalue()
