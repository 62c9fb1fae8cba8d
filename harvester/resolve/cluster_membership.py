"""Which clusters an organisation belongs to: memberships, and the cluster a postcode lies in.

Apart from organisation matching and page storage because all of them (and merging) add
memberships, and a page's postcodes decide an organisation's cluster, its own postcode and
whether it is inside its cluster. The postcode rules themselves are pure (`postcodes.py`).
"""

from __future__ import annotations

import re

from sqlmodel import Session, select

from harvester.models import Cluster, Organisation, OrganisationCluster
from harvester.resolve.postcodes import area_matches, normalise_postcode


def add_membership(session: Session, org: Organisation, cluster_id: str | None, source: str) -> None:
    """`org` a member of `cluster_id` once, with what put it there (seed, crawl, meetup, postcode)."""
    if not cluster_id or org.id is None:
        return
    exists = session.exec(select(OrganisationCluster.id).where(
        OrganisationCluster.organisation_id == org.id,
        OrganisationCluster.cluster_id == cluster_id)).first()
    if exists is None:
        session.add(OrganisationCluster(organisation_id=org.id, cluster_id=cluster_id, source=source))


def cluster_for_postcode(session: Session, postcode: str | None) -> str | None:
    """The cluster whose postcode areas cover `postcode`, the longest (most specific) entry
    winning: a cluster listing district M50 beats one listing area M; None when none does."""
    normal = normalise_postcode(postcode)
    if not normal:
        return None
    best: tuple[int, str] | None = None
    for cluster in session.exec(select(Cluster).order_by(Cluster.id)).all():
        for raw in cluster.postcode_areas or []:
            entry = re.sub(r"\s+", " ", str(raw).strip().upper())
            if entry and area_matches(entry, normal) and (best is None or len(entry) > best[0]):
                best = (len(entry), cluster.id)
    return best[1] if best else None


def set_postcodes(session: Session, org: Organisation, postcodes: list[str]) -> int:
    """Postcodes -> org.postcode, in_cluster and cluster memberships; returns fields changed."""
    changed = 0
    matched: list[tuple[str, str]] = []
    normals = [n for n in (normalise_postcode(p) for p in postcodes) if n]
    for normal in normals:
        cluster_id = cluster_for_postcode(session, normal)
        if cluster_id:
            matched.append((normal, cluster_id))
            add_membership(session, org, cluster_id, "postcode")
    if not normals:
        return 0
    if not org.postcode:
        home = [pc for pc, cl in matched if cl == org.cluster_id] or [pc for pc, _ in matched] or normals
        org.postcode = home[0]
        changed += 1
    if matched and not org.cluster_id:
        org.cluster_id = matched[0][1]
        changed += 1
    inside = any(cl == org.cluster_id for _, cl in matched)
    if inside and org.in_cluster is not True:
        org.in_cluster = True
        changed += 1
    elif not inside and org.in_cluster is None:
        org.in_cluster = False
        changed += 1
    return changed
