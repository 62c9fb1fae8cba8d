"""An organisation's derived fields, re-derived from its pages: sector and rule-sourced areas.

Apart from page storage because it also runs on its own: a crawl that stores pages with
recompute=False recomputes each touched organisation once at the end. It needs no page bodies:
each page's stored signals digest (`page_signals.py`) is enough.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from harvester.extract.classify import decide_sector, sector_for_pages
from harvester.extract.facts import PageFacts
from harvester.extract.keywords import domain_areas_for_pages
from harvester.models import (
    DomainArea,
    Organisation,
    OrganisationDomainArea,
    OrganisationFact,
    OrgKind,
    Sector,
    SectorSource,
    utcnow,
)
from harvester.resolve.page_signals import SIGNALS_FIELD, page_from_digest


def stored_pages(session: Session, org_id: int) -> list[PageFacts]:
    """The latest classification signals of each page of an organisation, from the database."""
    rows = session.exec(select(OrganisationFact).where(
        OrganisationFact.organisation_id == org_id, OrganisationFact.field == SIGNALS_FIELD,
    ).order_by(OrganisationFact.source_url, OrganisationFact.last_seen.desc(),  # type: ignore[union-attr]
               OrganisationFact.id.desc())).all()  # type: ignore[union-attr]
    pages: list[PageFacts] = []
    seen: set[str | None] = set()
    for row in rows:
        if row.source_url in seen:
            continue
        seen.add(row.source_url)
        page = page_from_digest(row.source_url or "", row.value)
        if page is not None:
            pages.append(page)
    return pages


# Labels of the taxonomy's areas by (file, modification time): parsing the YAML took ~80 ms, paid
# for every new domain area row of a harvest.
_AREA_LABELS: dict[tuple[str, float], dict[str, str]] = {}


def _area_label(area_id: str) -> str:
    try:
        from harvester.taxonomy import default_taxonomy_path, load_taxonomy

        path = default_taxonomy_path()
        key = (str(path.resolve()), path.stat().st_mtime)
        labels = _AREA_LABELS.get(key)
        if labels is None:
            labels = _AREA_LABELS[key] = {area.id: area.label for area in load_taxonomy(path)}
        return labels.get(area_id, area_id)
    except Exception:  # noqa: BLE001 - no taxonomy file: the id is label enough
        pass
    return area_id


def recompute_organisation(session: Session, org_id: int, pages: list[PageFacts] | None = None, *,
                           run_id: int | None = None) -> dict[str, Any]:
    """Re-derive an organisation's sector (unless a seed file, a reviewer or a register set it,
    or it is a Meetup group) and its rule-sourced domain areas from its pages' signals: `pages`
    when given, else the signals stored for each of its pages (the latest per page). Areas from
    seeds, Meetup or review are kept; rule areas no page supports any more are removed. Returns
    what it decided."""
    org = session.get(Organisation, org_id)
    if org is None:
        return {}
    if pages is None:
        pages = stored_pages(session, org_id)
    now = utcnow()
    decision = sector_for_pages(pages, org.domain)
    # A Meetup group's sector comes from its owner or its community (meetup/store.py).
    chosen = None if org.kind == OrgKind.meetup_group else decide_sector(org.sector, org.sector_source,
                                                                         decision)
    if chosen is not None:
        sector, source, confidence, evidence = chosen
        if (org.sector, org.sector_source, org.sector_confidence, list(org.sector_evidence)) != (
                Sector(sector), SectorSource(source), confidence, evidence):
            org.sector, org.sector_source = Sector(sector), SectorSource(source)
            org.sector_confidence, org.sector_evidence = confidence, evidence
            session.add(org)

    areas = domain_areas_for_pages(pages)
    wanted = {area_id for area_id, _, _ in areas}
    existing = {row.domain_area_id: row for row in session.exec(select(OrganisationDomainArea).where(
        OrganisationDomainArea.organisation_id == org_id)).all()}
    for area_id, row in existing.items():
        if row.source == "rule" and area_id not in wanted:
            session.delete(row)
    for area_id, score, evidence in areas:
        row = existing.get(area_id)
        if row is not None and row.source != "rule":
            continue  # a seed file, Meetup or a reviewer said so: rules do not overwrite
        if session.get(DomainArea, area_id) is None:
            session.add(DomainArea(id=area_id, label=_area_label(area_id)))
            session.flush()
        first_url = evidence[0]["url"] if evidence else None
        if row is None:
            session.add(OrganisationDomainArea(organisation_id=org_id, domain_area_id=area_id,
                                               score=score, source="rule", evidence_url=first_url,
                                               evidence=evidence, run_id=run_id,
                                               first_seen=now, last_seen=now))
            continue
        row.last_seen = now
        if (row.score, row.evidence_url, list(row.evidence)) != (score, first_url, evidence):
            row.score, row.evidence_url, row.evidence = score, first_url, evidence
        session.add(row)
    session.flush()
    return {"sector": org.sector.value if isinstance(org.sector, Sector) else org.sector,
            "sector_source": str(org.sector_source), "areas": [a for a, _, _ in areas]}
