"""Store one seed organisation: its row, cluster membership, seed facts and declared domain areas.

Apart from the batch loop because this is where the re-seeding rules live: keyed on the
registrable domain, never downgrading a reviewed status or a reviewed sector or name, and
idempotent (a reload changes no row).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from harvester.models import (
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
)
from harvester.names import name_key
from harvester.seeds.records import SeedOrganisation
from harvester.seeds.summary import SeedSummary

# Statuses a seed file may turn into `seed`; every other status was set in review and is kept.
PROMOTABLE = (OrgStatus.discovered, OrgStatus.candidate)


def _find(session: Session, seed: SeedOrganisation) -> Organisation | None:
    org = session.exec(select(Organisation).where(Organisation.domain == seed.domain)).first()
    if org is None and name_key(seed.name):  # found earlier by name only (a Meetup sponsor)
        org = session.exec(select(Organisation).where(
            Organisation.domain.is_(None), Organisation.kind == OrgKind.organisation,  # type: ignore[union-attr]
            Organisation.name_key == name_key(seed.name))).first()
    return org


def store_organisation(session: Session, seed: SeedOrganisation,
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
