"""Seed files: read and check the researchers' cluster files, then load them as wave 0.

Two forms (both documented in README "Seed files"):

* YAML, one cluster a file: `cluster`, `name`, `postcode_areas`, `organisations` (each `name`,
  `url`, optional `sector`, `domains`, `notes`, `aliases`) and optional `meetup` sources
  (`groups`, `searches`, `api`). `aliases` names parts of the same organisation on the same web
  domain (Watershed's Pervasive Media Studio): one domain is one organisation.
* CSV, one organisation a row: `name,url,sector,cluster,domains` (domains separated by `;`).
  A CSV row's cluster must already be in the database or be defined by a YAML file given in the
  same command, because a cluster needs its postcode areas, which only YAML carries.

A file named like `taxonomy.yaml` (a YAML file with `areas:`) is read as the taxonomy for the
call instead of a cluster, so `harvester seed seeds/*.yaml` works.

Checking is all-or-nothing per call: every problem in every file is collected as
`FILE:LINE: message` and raised together as SeedFileError before anything is written. Loading is
idempotent: organisations are keyed on their registrable domain; loading the same files again
changes no row. Re-seeding never downgrades a reviewed organisation (accepted, contacted,
interviewed, rejected, excluded keep their status) and never overrides a sector set in review.
"""


from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from harvester.models import (
    Cluster,
    Decision,
    DecisionKind,
    Organisation,
    OrganisationCluster,
    OrganisationDomainArea,
    OrganisationFact,
    OrgKind,
    OrgStatus,
    Sector,
    SectorSource,
    utcnow,
)
from harvester.names import name_key
from harvester.seeds.cluster_yaml import parse_cluster_yaml
from harvester.seeds.field_checks import parse_sector
from harvester.seeds.read_files import read_seed_files
from harvester.seeds.records import SeedBatch, SeedCluster, SeedOrganisation
from harvester.seeds.seed_csv import parse_seed_csv
from harvester.taxonomy import sync_domain_areas

# Statuses a seed file may turn into `seed`; every other status was set in review and is kept.
PROMOTABLE = (OrgStatus.discovered, OrgStatus.candidate)


# ---------------------------------------------------------------- into the database


@dataclass
class SeedSummary:
    """What a `seed` call changed, for the command's report."""

    clusters: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    taxonomy_areas: int = 0
    taxonomy_source: str | None = None  # a taxonomy file given in the call, else the default was used
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    memberships: int = 0
    kept_status: list[str] = field(default_factory=list)  # "name (accepted)"
    by_cluster: dict[str, Counter] = field(default_factory=dict)  # cluster -> sector -> count


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
        org, state = _store_organisation(session, seed, summary)
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


def _find(session: Session, seed: SeedOrganisation) -> Organisation | None:
    org = session.exec(select(Organisation).where(Organisation.domain == seed.domain)).first()
    if org is None and name_key(seed.name):  # found earlier by name only (a Meetup sponsor)
        org = session.exec(select(Organisation).where(
            Organisation.domain.is_(None), Organisation.kind == OrgKind.organisation,  # type: ignore[union-attr]
            Organisation.name_key == name_key(seed.name))).first()
    return org


def _store_organisation(session: Session, seed: SeedOrganisation,
                        summary: SeedSummary) -> tuple[Organisation, str]:
    """Insert or update one organisation; returns it and "new", "updated" or "unchanged"."""
    org = _find(session, seed)
    state = "unchanged"
    if org is None:
        org = Organisation(name=seed.name, name_key=name_key(seed.name), domain=seed.domain,
                           homepage=seed.url, sector=seed.sector or Sector.unknown,
                           sector_source=SectorSource.seed if seed.sector else SectorSource.rule,
                           cluster_id=seed.cluster, wave=0, status=OrgStatus.seed, notes=seed.notes)
        session.add(org)
        session.flush()
        state = "new"
    else:
        changes = _seed_changes(session, org, seed, summary)
        if changes:
            for key, value in changes.items():
                setattr(org, key, value)
            session.add(org)
            state = "updated"
    if _ensure_membership(session, org, seed.cluster) and state == "unchanged":
        state = "updated"
    summary.memberships += 1
    source_url = f"seed:{seed.source}"
    facts = [("name", seed.name), ("homepage", seed.url)] + [("alias", a) for a in seed.aliases]
    for field_name, value in facts:
        if _ensure_fact(session, org.id, field_name, value, source_url) and state == "unchanged":
            state = "updated"
    for area_id in seed.domains:
        if _ensure_area(session, org.id, area_id, source_url) and state == "unchanged":
            state = "updated"
    return org, state


def _seed_changes(session: Session, org: Organisation, seed: SeedOrganisation,
                  summary: SeedSummary) -> dict[str, Any]:
    """The fields a seed file may set on an existing organisation, without downgrading it."""
    want: dict[str, Any] = {}
    if org.domain is None:
        want["domain"] = seed.domain
    if org.status in PROMOTABLE:
        want.update(status=OrgStatus.seed, wave=0)
    elif org.status is not OrgStatus.seed:
        summary.kept_status.append(f"{org.name} ({org.status.value})")
    if seed.sector is not None and org.sector_source is not SectorSource.review:
        want.update(sector=seed.sector, sector_source=SectorSource.seed)
    if org.cluster_id is None:
        want["cluster_id"] = seed.cluster
    if (org.cluster_id or seed.cluster) == seed.cluster:  # its home cluster's file describes it
        want["homepage"] = seed.url
        if seed.notes is not None:
            want["notes"] = seed.notes
        renamed = session.exec(select(Decision.id).where(
            Decision.organisation_id == org.id, Decision.decision == DecisionKind.set_name)).first()
        if renamed is None:
            want.update(name=seed.name, name_key=name_key(seed.name))
    return {k: v for k, v in want.items() if getattr(org, k) != v}


def _ensure_membership(session: Session, org: Organisation, cluster_id: str) -> bool:
    found = session.exec(select(OrganisationCluster).where(
        OrganisationCluster.organisation_id == org.id,
        OrganisationCluster.cluster_id == cluster_id)).first()
    if found is not None:
        return False
    session.add(OrganisationCluster(organisation_id=org.id, cluster_id=cluster_id, source="seed"))
    session.flush()
    return True


def _ensure_fact(session: Session, org_id: int, field_name: str, value: str, source_url: str) -> bool:
    """A seed fact is written once; reloading the file neither adds a row nor moves a timestamp."""
    found = session.exec(select(OrganisationFact.id).where(
        OrganisationFact.organisation_id == org_id, OrganisationFact.field == field_name,
        OrganisationFact.value == value, OrganisationFact.source_url == source_url)).first()
    if found is not None:
        return False
    session.add(OrganisationFact(organisation_id=org_id, field=field_name, value=value,
                                 source_url=source_url, rule="seed"))
    session.flush()
    return True


def _ensure_area(session: Session, org_id: int, area_id: str, source_url: str) -> bool:
    """A declared domain area: source "seed", full score; a rule-found row is promoted."""
    row = session.exec(select(OrganisationDomainArea).where(
        OrganisationDomainArea.organisation_id == org_id,
        OrganisationDomainArea.domain_area_id == area_id)).first()
    if row is None:
        session.add(OrganisationDomainArea(organisation_id=org_id, domain_area_id=area_id, score=1.0,
                                           source="seed", evidence_url=source_url))
        session.flush()
        return True
    if row.source in ("seed", "review"):
        return False
    row.source, row.score, row.evidence_url = "seed", max(row.score, 1.0), source_url
    session.add(row)
    return True


__all__ = ["SeedBatch", "SeedCluster", "SeedOrganisation", "SeedSummary", "load_seeds",
           "parse_cluster_yaml", "parse_seed_csv", "parse_sector", "read_seed_files", "store_batch"]
