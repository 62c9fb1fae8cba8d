"""Locality: is an organisation inside its cluster (by the recorded flag, its postcode area or city)?

Pure (no Session, no I/O): the cluster comes in as a loaded row, so the postcode rules are tested
without a database and the answer can be remembered per postcode district.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from harvester.models import Cluster
from harvester.snowball.rows import _Org


def outward_code(postcode: str) -> str:
    """'BS1 4DJ' -> 'BS1': all but the inward code (its last three characters), spaces ignored."""
    compact = postcode.upper().replace(" ", "")
    return compact[:-3] if len(compact) > 4 else compact


def postcode_inside(postcode: str, areas: Iterable[str]) -> bool:
    """'BS1 4DJ' is inside areas ['BS'] or ['BS1']; 'BS14 ...' is not inside ['BS1']."""
    outward = outward_code(postcode)
    letters = re.match(r"[A-Z]+", outward)
    for area in areas:
        area = area.upper().strip()
        if area.isalpha():
            if letters and letters.group(0) == area:
                return True
        elif outward == area:
            return True
    return False


def _inside_cached(org: _Org, cluster: Cluster | None,
                   cache: dict[tuple[Any, ...], bool | None]) -> bool | None:
    """`_inside`, remembered per (cluster, postcode district, city): many organisations share them.

    The district is read exactly as `postcode_inside` reads it, so two postcodes share an answer
    only when the rule cannot tell them apart (a missing postcode keys apart from an empty one)."""
    district = outward_code(org.postcode) if org.postcode else None
    key = (cluster.id if cluster else None, org.in_cluster, org.cluster_id, district, org.city)
    if key not in cache:
        cache[key] = _inside(org, cluster)
    return cache[key]


def _inside(org: _Org, cluster: Cluster | None) -> bool | None:
    """Inside the cluster (True), outside (False) or unknown (None)."""
    if org.in_cluster is not None and (cluster is None or org.cluster_id in (None, cluster.id)):
        return bool(org.in_cluster)
    if cluster is None:
        return None
    if org.postcode and cluster.postcode_areas:
        return postcode_inside(org.postcode, cluster.postcode_areas)
    if org.city:
        words = set(re.findall(r"[a-z]+", f"{cluster.id} {cluster.name}".lower()))
        if org.city.strip().lower() in words:
            return True
    return None
