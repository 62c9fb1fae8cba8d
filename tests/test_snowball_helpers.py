"""Hand-built organisation graphs for the snowball tests (a helper module: it holds no tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from harvester.models import (
    Cluster,
    Contact,
    ContactKind,
    DomainArea,
    Organisation,
    OrganisationDomainArea,
    OrgKind,
    OrgStatus,
    Relation,
    RelationKind,
    Sector,
)
from harvester.names import name_key

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Graph:
    """Builds organisations, relations and contacts in one session; `ids` maps names to ids."""

    def __init__(self, session: Session, cluster: str = "bristol"):
        self.session = session
        self.cluster = cluster
        self.ids: dict[str, int] = {}
        if session.get(Cluster, cluster) is None:
            session.add(Cluster(id=cluster, name=cluster.title(), postcode_areas=["BS", "BA"]))
            session.commit()

    def org(self, name: str, *, status: OrgStatus = OrgStatus.discovered, sector: Sector = Sector.industry,
            wave: int | None = None, domain: str | None = None, postcode: str | None = None,
            kind: OrgKind = OrgKind.organisation, cluster: str | None = None,
            first_seen: datetime = T0) -> int:
        if wave is None and status == OrgStatus.seed:
            wave = 0
        org = Organisation(name=name, name_key=name_key(name), status=status, sector=sector, wave=wave,
                           domain=domain if domain is not None else f"{name.lower().replace(' ', '')}.org.uk",
                           kind=kind, postcode=postcode, cluster_id=cluster or self.cluster,
                           meetup_urlname=name.lower().replace(" ", "-") if kind == OrgKind.meetup_group
                           else None, first_seen=first_seen, last_seen=first_seen)
        if kind == OrgKind.meetup_group:
            org.domain = None
        self.session.add(org)
        self.session.commit()
        self.ids[name] = org.id
        return org.id

    def seeds(self, *names: str, sector: Sector = Sector.industry) -> list[int]:
        return [self.org(n, status=OrgStatus.seed, sector=sector) for n in names]

    def link(self, src: str, dst: str, kind: RelationKind = RelationKind.links_to,
             first_seen: datetime = T0) -> None:
        self.session.add(Relation(source_id=self.ids[src], target_id=self.ids[dst], kind=kind,
                                  first_seen=first_seen, last_seen=first_seen))
        self.session.commit()

    def clique(self, *names: str) -> None:
        for a in names:
            for b in names:
                if a < b:
                    self.link(a, b, RelationKind.partner)

    def contact(self, name: str, kind: ContactKind, value: str, *, person: str | None = None,
                role: str | None = None, first_seen: datetime = T0) -> int:
        c = Contact(organisation_id=self.ids[name], kind=kind, value=value, person_name=person, role=role,
                    first_seen=first_seen, last_seen=first_seen)
        self.session.add(c)
        self.session.commit()
        return c.id

    def area(self, name: str, area: str) -> None:
        if self.session.get(DomainArea, area) is None:
            self.session.add(DomainArea(id=area, label=area.replace("-", " ")))
        self.session.add(OrganisationDomainArea(organisation_id=self.ids[name], domain_area_id=area,
                                                score=1.0))
        self.session.commit()

    def get(self, name: str) -> Organisation:
        return self.session.get(Organisation, self.ids[name])


def later(days: int = 1) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)
