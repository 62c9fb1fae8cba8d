"""An organisation's own fields filled or improved from one page: name, description, logo,
schema type, registry numbers, CIC.

Apart from page storage because of its one rule set: a name is replaced only by a more trusted
source (JSON-LD over og:title over a logo's alt over the title, a home page over another), and
never when a researcher gave it (seed file or review); the others are filled when empty (a
schema type may also sharpen from plain "Organization").
"""

from __future__ import annotations

from sqlmodel import Session, select

from harvester.extract.facts import PageFacts
from harvester.models import Decision, DecisionKind, Organisation, OrganisationFact, OrgKind, OrgStatus
from harvester.names import name_key
from harvester.resolve.org_matching import is_placeholder_name
from harvester.resolve.value_limits import MAX_NAME_CHARS

# How much a name source is trusted; a researcher's name (seed file, review) is never replaced.
_NAME_RANK = {"review": 100.0, "seed": 90.0, "jsonld": 4.0, "og": 3.0, "logo_alt": 2.0,
              "title": 1.0, "resolve": 0.5, "link_text": 0.4}
_HOME_BONUS = 0.5


def _is_home(url: str | None) -> bool:
    if not url:
        return False
    from urllib.parse import urlsplit

    return urlsplit(url).path in ("", "/")


def _name_asserted(session: Session, org: Organisation) -> bool:
    """A researcher gave this name (seed file or review) and rules must not replace it."""
    if org.status == OrgStatus.seed or org.wave == 0:
        return True
    named = session.exec(select(Decision.id).where(Decision.organisation_id == org.id,
                                                   Decision.decision == DecisionKind.set_name)).first()
    if named is not None:
        return True
    asserted = session.exec(select(OrganisationFact.id).where(
        OrganisationFact.organisation_id == org.id, OrganisationFact.field == "name",
        OrganisationFact.rule.in_(("seed", "review")))).first()  # type: ignore[union-attr]
    return asserted is not None


def _current_name_rank(session: Session, org: Organisation) -> float:
    if is_placeholder_name(org):
        return 0.0
    if org.kind == OrgKind.meetup_group:
        return 50.0  # a group's own Meetup name
    rows = session.exec(select(OrganisationFact.rule, OrganisationFact.source_url).where(
        OrganisationFact.organisation_id == org.id, OrganisationFact.field == "name",
        OrganisationFact.value == org.name)).all()
    ranks = [_NAME_RANK.get(rule or "", 0.5) + (_HOME_BONUS if _is_home(url) else 0.0)
             for rule, url in rows]
    return max(ranks, default=0.5)


def set_scalars(session: Session, org: Organisation, facts: PageFacts) -> int:
    """Fill or improve the organisation's own fields from this page; returns fields changed."""
    changed = 0
    if facts.name and facts.name.strip() and not _name_asserted(session, org):
        rank = _NAME_RANK.get(facts.name_source or "", 0.5) + (
            _HOME_BONUS if _is_home(facts.url) or facts.page_kind == "home" else 0.0)
        if rank > _current_name_rank(session, org) and facts.name.strip()[:MAX_NAME_CHARS] != org.name:
            org.name = facts.name.strip()[:MAX_NAME_CHARS]
            org.name_key = name_key(org.name)
            changed += 1
    for attr, value in (("description", facts.description), ("logo", facts.logo)):
        if value and not getattr(org, attr):
            setattr(org, attr, value)
            changed += 1
    if facts.schema_type and (not org.schema_type or (org.schema_type == "Organization"
                                                      and facts.schema_type != "Organization")):
        org.schema_type = facts.schema_type
        changed += 1
    if facts.charity_numbers and not org.charity_number:
        org.charity_number = sorted(facts.charity_numbers)[0]
        changed += 1
    if facts.company_numbers and not org.company_number:
        org.company_number = sorted(facts.company_numbers)[0]
        changed += 1
    if facts.is_cic and not org.is_cic:
        org.is_cic = True
        changed += 1
    return changed
