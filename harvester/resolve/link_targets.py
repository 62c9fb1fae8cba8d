"""The organisation a link on a page points at: found or created as `discovered`.

Apart from page storage because this is where a page creates other organisations (the
snowball's raw material): internal, malformed and suppressed targets are skipped, a Meetup link
makes a Meetup group (not Meetup's own pages), a target is named from the link's text only when
that text is telling, and its sector is guessed from its domain until its own pages are read.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlmodel import Session

from harvester.extract.classify import classify_sector, decide_sector
from harvester.extract.facts import Link
from harvester.extract.links import link_name
from harvester.models import Organisation, OrgKind, OrgStatus, RelationKind, Sector, SectorSource
from harvester.names import name_key
from harvester.resolve.org_matching import find_or_create, is_placeholder_name
from harvester.resolve.suppression_snapshot import SuppressionSnapshot
from harvester.resolve.upserts import record_fact
from harvester.urls import is_http_url, normalise_url, registrable_domain

_GENERIC_LINK_TEXT = frozenset({
    "here", "click here", "read more", "more", "website", "visit website", "visit", "link",
    "learn more", "find out more", "home", "view", "open", "see more", "more info", "go",
})
_MEETUP_NON_GROUPS = frozenset({"find", "topics", "cities", "login", "register", "pro", "apps",
                                "lp", "blog", "help", "media", "about", "terms", "privacy", "en-us",
                                "gb", "start", "meetup-pro", "events", "home", "search"})


def link_target(session: Session, link: Link, org: Organisation, *, source_url: str,
                run_id: int | None, suppressed: SuppressionSnapshot) -> tuple[Organisation | None, bool]:
    """The organisation a link points at (created as `discovered`), or None for an internal,
    malformed or suppressed one."""
    url = normalise_url(link.url)
    if not url:
        return None, False
    domain = registrable_domain(url)
    if not domain or domain in (org.domain, registrable_domain(source_url)):
        return None, False
    if domain == "meetup.com":
        parts = [p for p in urlsplit(url).path.split("/") if p]
        if not parts or parts[0].lower() in _MEETUP_NON_GROUPS:
            return None, False
        urlname = parts[0].lower()
        return find_or_create(session, name=urlname, url=f"https://www.meetup.com/{urlname}/",
                              kind=OrgKind.meetup_group, cluster_id=None, status=OrgStatus.discovered,
                              source_url=source_url, run_id=run_id, meetup_urlname=urlname)
    if suppressed(domain=domain):
        return None, False
    name = domain
    text = link_name((link.text or "").strip())
    words = text.split()
    if (RelationKind(link.kind) != RelationKind.links_to and 0 < len(words) <= 8 and len(text) <= 80
            and text.casefold() not in _GENERIC_LINK_TEXT and any(c.isalpha() for c in text)
            and not is_http_url(text) and registrable_domain(text) != domain):
        name = text
    parts = urlsplit(url)
    target, created = find_or_create(session, name=domain, url=f"{parts.scheme}://{parts.netloc}/",
                                     kind=OrgKind.organisation, cluster_id=None,
                                     status=OrgStatus.discovered, source_url=None, run_id=run_id,
                                     meetup_urlname=None)
    if name != domain and is_placeholder_name(target):
        target.name, target.name_key = name, name_key(name)
        record_fact(session, target.id, "name", name, source_url=source_url,  # type: ignore[arg-type]
                    rule="link_text", run_id=run_id)
        session.add(target)
    return target, created


def sector_from_domain(org: Organisation) -> None:
    """A new link target's sector from its domain alone, until its own pages are read."""
    chosen = decide_sector(org.sector, org.sector_source, classify_sector(domain=org.domain))
    if chosen is not None and chosen[0] != Sector.unknown.value:
        org.sector, org.sector_source = Sector(chosen[0]), SectorSource(chosen[1])
        org.sector_confidence, org.sector_evidence = chosen[2], chosen[3]
