"""Outbound links and the relation kind their context implies; internal links to crawl.

A link's kind comes from the nearest evidence, in order:
1. the id/class of the section that holds it (`<section id="funders">`, `class="partner-logos"`);
2. the nearest preceding heading in the same part of the page (main content, or the same
   header/footer/nav: a footer link never takes its kind from a heading in the article above);
3. a logo strip: an image-only link whose image alt says "Sponsors", "Partners", ... (after the
   heading, because themes often give every logo one generic alt text);
4. the kind of the page itself (a link in the main content of a /partners page is a partner);
otherwise `links_to`. Links to platforms (see `platforms.py`) are not relations: the
organisation's own social profiles are kept apart, the rest dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from harvester.extract.facts import Link
from harvester.extract.platforms import is_platform, is_social
from harvester.urls import normalise_url, registrable_domain

MAX_LINKS = 5000  # anchors read per page
_ANCESTOR_LEVELS = 8  # how far up a link looks for a telling section id/class
_LANDMARK_LEVELS = 40

# Order matters: "funded by our partners" is funding, "sponsor members" is sponsorship.
KIND_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:funders?|funded|funding\s+partners?|cyllidwyr|ariennir|arianwyr|"
                r"supported\s+by|supporters?|cefnogwyr|backers?)\b", re.I), "funder"),
    (re.compile(r"\b(?:sponsors?|sponsored|sponsorship|noddwyr|noddir|noddwr)\b", re.I), "sponsor"),
    (re.compile(r"\b(?:partners?|partnerships?|partneriaid|partner\s+organisations?|collaborators?|"
                r"in\s+association\s+with|working\s+with)\b", re.I), "partner"),
    (re.compile(r"\b(?:members?|membership|memberships|member\s+of|accredited|aelod(?:au)?)\b", re.I),
     "member_of"),
    (re.compile(r"\b(?:clients?|customers|cleientiaid|trusted\s+by|we['’]ve\s+worked\s+with)\b", re.I),
     "client"),
)
PAGE_KIND_RELATION = {"partners": "partner", "funders": "funder", "sponsors": "sponsor",
                      "members": "member_of", "clients": "client"}

_ASSET = re.compile(
    r"\.(?:jpe?g|png|gif|svg|webp|ico|bmp|tiff?|avif|css|js|mjs|json|xml|rss|atom|woff2?|ttf|eot|otf|"
    r"mp[34]|m4a|wav|ogg|webm|mov|avi|zip|gz|tgz|rar|7z|exe|dmg|pdf|docx?|xlsx?|pptx?|odt|ods|csv|"
    r"txt|ics)$", re.I)
# Mastodon and other fediverse profiles live on thousands of hosts; their paths look like /@name.
_FEDIVERSE = re.compile(r"^/@[A-Za-z0-9_.]{1,64}/?$")
_LANDMARKS = frozenset({"header", "footer", "nav"})
_LANDMARK_ROLES = frozenset({"banner", "contentinfo", "navigation"})
_NOT_PROFILE = re.compile(
    r"/(?:sharer|share|sharing|intent|hashtag|search|watch|embed|shorts|status|posts|photos|events|"
    r"videos|p|reel|pin|explore|login|signup|dialog|plugins|tr|groups/.+/posts)\b|share\.php", re.I)


def kind_for(text: str | None) -> str | None:
    """The relation kind a heading, class name or alt text names, if any."""
    if not text:
        return None
    cleaned = re.sub(r"[_\-]+", " ", text[:300])
    for pattern, kind in KIND_PATTERNS:
        if pattern.search(cleaned):
            return kind
    return None


def _landmark(tag: Tag) -> Tag | None:
    node = tag.parent
    for _ in range(_LANDMARK_LEVELS):
        if node is None or not isinstance(node, Tag):
            return None
        if node.name in _LANDMARKS or node.get("role") in _LANDMARK_ROLES:
            return node
        node = node.parent
    return None


def _section_context(tag: Tag, stop: Tag | None) -> tuple[str | None, str | None]:
    node = tag.parent
    for _ in range(_ANCESTOR_LEVELS):
        if node is None or not isinstance(node, Tag) or node is stop or node.name in ("body", "html"):
            return None, None
        classes = node.get("class") or ""
        classes = classes if isinstance(classes, str) else " ".join(classes)
        names = f"{node.get('id') or ''} {classes}"
        kind = kind_for(names) if names.strip() else None
        if kind:
            return kind, names.strip()
        node = node.parent
    return None, None


def _image_only(anchor: Tag) -> tuple[bool, str]:
    text = " ".join(anchor.get_text(" ").split())
    images = anchor.find_all("img", limit=4)
    alts = " ".join(str(i.get("alt") or i.get("title") or "") for i in images)
    return (bool(images) and not text), alts.strip()


def profile_url(url: str) -> str | None:
    """The canonical form of a social profile link, or None for share/post/video links."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if not path or _NOT_PROFILE.search(path + "/"):
        return None
    segments = [s for s in path.split("/") if s]
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if host.endswith("linkedin.com") and segments[:1] == ["in"]:
        return None  # a person's profile; organisations are /company/, /school/, /showcase/
    limit = 1 if host in ("github.com", "gitlab.com", "twitter.com", "x.com", "instagram.com") else 3
    if len(segments) > limit:
        return None
    return f"https://{host}/{'/'.join(segments)}"


def links_and_headings(soup: BeautifulSoup) -> list[Tag]:
    """The tags `scan_links` reads, for callers without an index."""
    return soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "a", "area"])


@dataclass
class LinkScan:
    links: list[Link]
    internal: list[str]
    social: list[str]


def scan_links(tags: Iterable[Tag], base_url: str, page_kind: str | None,
               jsonld_same_as: list[str] | None = None) -> LinkScan:
    """Walk the page's headings and anchors (`tags`, in document order) once; see the module
    docstring. `extract_page` passes them from its index; `links_and_headings(soup)` finds them."""
    own_site = registrable_domain(base_url)
    heading_by_landmark: dict[int, str] = {}
    found: dict[str, Link] = {}
    internal: dict[str, None] = {}
    social_all: list[tuple[str, bool]] = []
    seen = 0
    for tag in tags:
        landmark = _landmark(tag)
        key = id(landmark) if landmark is not None else 0
        if tag.name.startswith("h") and tag.name != "area":
            heading_by_landmark[key] = " ".join(tag.get_text(" ").split())[:200]
            continue
        seen += 1
        if seen > MAX_LINKS:
            break
        href = tag.get("href")
        if not isinstance(href, str) or not href.strip() or href.strip().startswith("#"):
            continue
        url = normalise_url(href, base_url)
        if url is None:
            continue
        host = urlsplit(url).hostname or ""
        site = registrable_domain(url)
        if site == own_site:
            if not _ASSET.search(urlsplit(url).path):
                internal.setdefault(url, None)
            continue
        if is_platform(host) or _FEDIVERSE.match(urlsplit(url).path):
            if is_social(host) or _FEDIVERSE.match(urlsplit(url).path):
                profile = profile_url(url)
                if profile:
                    social_all.append((profile, landmark is not None))
            continue
        image_only, alts = _image_only(tag)
        kind, context = _section_context(tag, landmark)
        if kind is None:
            heading = heading_by_landmark.get(key)
            kind = kind_for(heading)
            context = heading if kind else None
        if kind is None and image_only:
            kind = kind_for(alts)
            context = alts if kind else None
        if kind is None and landmark is None and page_kind in PAGE_KIND_RELATION:
            kind, context = PAGE_KIND_RELATION[page_kind], f"{page_kind} page"
        kind = kind or "links_to"
        text = " ".join(tag.get_text(" ").split())[:200] or alts[:200] or None
        previous = found.get(url)
        if previous is None or (previous.kind == "links_to" and kind != "links_to"):
            found[url] = Link(url=url, kind=kind, text=text or (previous.text if previous else None),
                              context=context)
    return LinkScan(links=list(found.values()), internal=list(internal),
                    social=_own_profiles(social_all, page_kind, jsonld_same_as or []))


# More profiles than this on one platform means a list of people (contributors, a team grid).
_MAX_PROFILES_PER_PLATFORM = 3


def _own_profiles(candidates: list[tuple[str, bool]], page_kind: str | None,
                  same_as: list[str]) -> list[str]:
    """The organisation's own profiles: those it names in JSON-LD sameAs or shows in its header,
    footer or navigation; elsewhere only when the page is not about people and does not list many
    profiles on one platform (a contributors list)."""
    per_platform: dict[str, set[str]] = {}
    for url, _ in candidates:
        per_platform.setdefault(registrable_domain(url) or "", set()).add(url)
    out: dict[str, None] = {}
    for raw in same_as:
        url = normalise_url(raw)
        if url and is_social(urlsplit(url).hostname or ""):
            profile = profile_url(url)
            if profile:
                out.setdefault(profile, None)
    for url, in_landmark in candidates:
        crowded = len(per_platform[registrable_domain(url) or ""]) > _MAX_PROFILES_PER_PLATFORM
        if in_landmark or (page_kind != "team" and not crowded):
            out.setdefault(url, None)
    return list(out)
