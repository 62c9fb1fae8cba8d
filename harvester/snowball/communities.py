"""Communities of the included organisations (Louvain, fixed seed) and their plain-English labels.

Pure (no Session, no I/O): bridging counts the communities a candidate ties, and explanations
name them, so the grouping is decided here once, deterministically.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

import networkx as nx

from harvester.snowball.rows import _Org

LOUVAIN_SEED = 42  # fixed, so identical inputs give identical communities
MIN_COMMUNITY = 2  # organisations in a community that bridging counts


def communities_of(nodes: Iterable[int], edges: Iterable[tuple[int, int, float]]) -> dict[int, int]:
    """Node -> community number (Louvain, fixed seed), numbered by each community's smallest id;
    organisations in no community of MIN_COMMUNITY or more are left out."""
    graph = nx.Graph()
    graph.add_nodes_from(sorted(nodes))
    for a, b, w in sorted(edges):
        if a == b:
            continue
        if graph.has_edge(a, b):
            graph[a][b]["weight"] += w
        else:
            graph.add_edge(a, b, weight=w)
    if graph.number_of_nodes() == 0:
        return {}
    parts = nx.community.louvain_communities(graph, weight="weight", seed=LOUVAIN_SEED)
    # A lone organisation is no community: tying two unlinked seeds is what co_link already counts.
    ordered = sorted((sorted(p) for p in parts if len(p) >= MIN_COMMUNITY), key=lambda p: p[0])
    return {node: i for i, part in enumerate(ordered) for node in part}


def _community_labels(community: dict[int, int], included: dict[int, _Org], areas: dict[int, set[str]],
                      area_labels: dict[str, str], inc_edges: list[tuple[int, int, float]]) -> dict[int, str]:
    """Community -> 'games' (its commonest domain area) or 'Watershed's' (its best-linked member)."""
    degree: Counter[int] = Counter()
    for a, b, _w in inc_edges:
        degree[a] += 1
        degree[b] += 1
    members: dict[int, list[int]] = defaultdict(list)
    for node, c in community.items():
        members[c].append(node)
    raw: dict[int, tuple[str | None, str]] = {}
    for c, nodes in members.items():
        counts = Counter(a for n in nodes for a in areas.get(n, ()))
        area = min(counts, key=lambda a: (-counts[a], a)) if counts else None
        hub = min(nodes, key=lambda n: (-degree[n], included[n].name.casefold(), n))
        raw[c] = (area_labels.get(area, area) if area else None, included[hub].name)
    seen = Counter(label for label, _hub in raw.values() if label)
    return {c: (label if label and seen[label] == 1 else f"{hub}'s") for c, (label, hub) in raw.items()}
