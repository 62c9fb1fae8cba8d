"""Store a checked SeedBatch in the database: the taxonomy, the clusters, then each organisation.

The entry points that write (`load_seeds`, `store_batch`), in the caller's transaction; one
organisation's rows are written by store_organisation.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlmodel import Session, select

from harvester.models import Cluster, utcnow
from harvester.seeds.read_files import read_seed_files
from harvester.seeds.records import SeedBatch, SeedCluster
from harvester.seeds.store_organisation import store_organisation
from harvester.seeds.summary import SeedSummary
from harvester.taxonomy import sync_domain_areas


def load_seeds(session: Session, paths: list[Path]) -> SeedSummary:
    """Check `paths` and load them in the caller's transaction (nothing is written on error)."""
    known = set(session.exec(select(Cluster.id)).all())
    batch = read_seed_files(paths, known_clusters=known)
    return store_batch(session, batch)


def store_batch(session: Session, batch: SeedBatch) -> SeedSummary:
    """Upsert the clusters, organisations, memberships, seed domain areas and name/homepage facts."""
    summary = SeedSummary(taxonomy_areas=len(batch.taxonomy), taxonomy_source=batch.taxonomy_source)
    sync_domain_areas(session, batch.taxonomy)
    for cluster in batch.clusters:
        _store_cluster(session, cluster)
        summary.clusters.append(cluster.id)
    summary.files = sorted({c.source for c in batch.clusters} | {o.source for o in batch.csv_organisations})
    touched: dict[int, str] = {}  # organisation id -> its strongest state in this call
    rank = {"unchanged": 0, "updated": 1, "new": 2}
    for seed in batch.organisations():
        org, state = store_organisation(session, seed, summary)
        touched[org.id] = max(state, touched.get(org.id, "unchanged"), key=rank.__getitem__)
        counts = summary.by_cluster.setdefault(seed.cluster, Counter())
        counts[org.sector.value] += 1
    states = Counter(touched.values())
    summary.new, summary.updated, summary.unchanged = states["new"], states["updated"], states["unchanged"]
    for seed in batch.csv_organisations:
        if seed.cluster not in summary.clusters:
            summary.clusters.append(seed.cluster)
    session.flush()
    return summary


def _store_cluster(session: Session, seed: SeedCluster) -> None:
    row = session.get(Cluster, seed.id)
    values = {"name": seed.name, "postcode_areas": seed.postcode_areas, "meetup": seed.meetup,
              "source_file": seed.source}
    if row is None:
        session.add(Cluster(id=seed.id, **values))
    elif any(getattr(row, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        session.add(row)
    session.flush()
