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
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

from harvester.extract.facts import Link
from harvester.extract.platforms import is_platform, is_social
from harvester.urls import host_of, normalise_url, registrable_domain, registrable_domain_of_host

MAX_LINKS = 5000  # anchors read per page
_ANCESTOR_LEVELS = 8  # how far up a link looks for a telling section id/class

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
_NOT_PROFILE = re.compile(
    r"/(?:sharer|share|sharing|intent|hashtag|search|watch|embed|shorts|status|posts|photos|events|"
    r"videos|p|reel|pin|explore|login|signup|dialog|plugins|tr|groups/.+/posts)\b|share\.php", re.I)


# Every alternative of KIND_PATTERNS holds one of these (lower case; multi-word ones by a word
# that dashes or underscores cannot split).
_KIND_STEMS = ("fund", "cyllid", "arien", "arian", "support", "cefnog", "backer", "sponsor", "nodd",
               "partner", "collaborat", "association", "working", "member", "accredit", "aelod",
               "client", "customer", "cleient", "trusted", "worked")


def _literal_trie(words: Iterable[str]) -> str:
    """A pattern for exactly these literal words with their common prefixes factored out
    ("a(?:elod|ri(?:an|en))"), so that a search tries one character at most offsets rather than
    every word in turn."""
    tails: dict[str, list[str]] = {}
    ends_here = False
    for word in sorted(set(words)):
        if word:
            tails.setdefault(word[0], []).append(word[1:])
        else:
            ends_here = True
    branches = [re.escape(first) + _literal_trie(rest) for first, rest in tails.items()]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if ends_here else body


_KIND_STEM = re.compile(_literal_trie(_KIND_STEMS))
_DASHES = re.compile(r"[_\-]+")


def kind_for(text: str | None) -> str | None:
    """The relation kind a heading, class name or alt text names, if any."""
    if not text:
        return None
    head = text[:300]
    low = head.lower()
    if not _KIND_STEM.search(low):
        return None  # most class names and headings: one plain scan, none of the patterns
    cleaned = _DASHES.sub(" ", head)
    for pattern, kind in KIND_PATTERNS:
        if pattern.search(cleaned):
            return kind
    return None


# A logo strip's alt text names the image, not only the organisation: "Gullfire Publishing logo",
# "Logo of Gullfire Publishing", "Gullfire Publishing - logo".
_LOGO_AFFIX = re.compile(r"^(?:the\s+)?(?:logo|logotype)\s*(?:of|for|:|-|–)\s*"
                         r"|\s*(?:[-–|:]\s*)?\b(?:logo|logos|logotype)\b\.?$", re.I)


def link_name(text: str) -> str:
    """The organisation name in a link's text or image alt, without "logo" around it."""
    return " ".join(_LOGO_AFFIX.sub("", text).split())


class _Kinds(dict[str, str | None]):
    """`kind_for` of each distinct text of one page, asked once: the items of a list or a logo
    grid repeat one class name, and the links under one heading share it."""

    def __missing__(self, text: str) -> str | None:
        kind = self[text] = kind_for(text)
        return kind


def _section_context(tag: Any, stop: Any, memo: dict[Any, tuple[str | None, str]], kinds: _Kinds
                     ) -> tuple[str | None, str | None]:
    """The kind the id/class of an enclosing section names. `memo`: each ancestor's reading,
    shared by the links of one page (a logo grid's links share their ancestors)."""
    node = tag.getparent()
    for _ in range(_ANCESTOR_LEVELS):
        if node is None or node is stop or node.tag in ("body", "html"):
            return None, None
        reading = memo.get(node)
        if reading is None:
            ident, classes = node.get("id"), node.get("class")
            if ident or classes:
                names = f"{ident or ''} {classes or ''}"
                reading = memo[node] = (kinds[names], names.strip())
            else:
                reading = memo[node] = (None, "")
        if reading[0]:
            return reading
        node = node.getparent()
    return None, None


def _words(anchor: Any) -> str:
    """The anchor's text, words joined by single spaces. Most links have no child element: their
    text is all itertext would give, without the cost of setting up its iterator."""
    if len(anchor) == 0:
        return " ".join((anchor.text or "").split())
    return " ".join(" ".join(anchor.itertext()).split())


def _image_alts(anchor: Any) -> tuple[bool, str]:
    """Whether a link without words holds an image (an image-only link), and the alt texts of
    its first images."""
    images = list(islice(anchor.iter("img"), 4))
    alts = " ".join(i.get("alt") or i.get("title") or "" for i in images)
    return bool(images), alts.strip()


def profile_url(url: str) -> str | None:
    """The canonical form of a social profile link, or None for share/post/video links."""
    parts = urlsplit(url)
    return _profile((parts.hostname or "").lower(), parts.path)


def _profile(host: str, path: str) -> str | None:
    """`profile_url` from the URL's lower-case host name and path, for a caller that has them."""
    path = path.rstrip("/")
    if not path or _NOT_PROFILE.search(path + "/"):
        return None
    segments = [s for s in path.split("/") if s]
    if host.startswith("www."):
        host = host[4:]
    if host.endswith("linkedin.com") and segments[:1] == ["in"]:
        return None  # a person's profile; organisations are /company/, /school/, /showcase/
    limit = 1 if host in ("github.com", "gitlab.com", "twitter.com", "x.com", "instagram.com") else 3
    if len(segments) > limit:
        return None
    return f"https://{host}/{'/'.join(segments)}"


@dataclass
class LinkScan:
    links: list[Link]
    internal: list[str]
    social: list[str]


def scan_links(tags: Iterable[tuple[Any, Any]], base_url: str, page_kind: str | None,
               jsonld_same_as: list[str] | None = None) -> LinkScan:
    """Walk the page's headings, anchors and areas once; see the module docstring.

    `tags`: (lxml element, the header/footer/nav landmark holding it or None), in document order,
    as `page.PageWalk` lists them. Each distinct href is resolved once; a target on the page's
    own host is internal without asking the Public Suffix List, and only links to other sites get
    the context work (section, heading, logo alts).
    """
    own_site = registrable_domain(base_url)
    try:
        own_host = host_of(base_url)
    except ValueError:
        own_host = ""
    heading_by_landmark: dict[Any, Any] = {}  # the last heading element seen in each landmark
    # Each heading's text and the kind it names, read only when a link to another site needs it.
    heading_kinds: dict[Any, tuple[str | None, str | None]] = {None: (None, None)}
    found: dict[str, Link] = {}
    internal: dict[str, None] = {}
    social_all: list[tuple[str, bool]] = []
    targets: dict[str, tuple[int, str | None]] = {}  # href -> (what it is, its url or profile)
    sections: dict[Any, tuple[str | None, str]] = {}
    kinds = _Kinds()
    seen = 0
    for tag, landmark in tags:
        if tag.tag[0] == "h":
            heading_by_landmark[landmark] = tag
            continue
        seen += 1
        if seen > MAX_LINKS:
            break
        href = tag.get("href")
        if not href:
            continue
        target = targets.get(href)
        if target is None:
            target = targets[href] = _target(href, base_url, own_host, own_site)
        what, url = target
        if url is None:
            continue
        if what == _INTERNAL:
            internal.setdefault(url, None)
            continue
        if what == _PROFILE:
            social_all.append((url, landmark is not None))
            continue
        words = _words(tag)
        # Image alts only matter for a link without words (its text, and the logo-strip rule).
        image_only, alts = (False, "") if words else _image_alts(tag)
        kind, context = _section_context(tag, landmark, sections, kinds)
        if kind is None:
            heading_tag = heading_by_landmark.get(landmark)
            reading = heading_kinds.get(heading_tag)
            if reading is None:
                heading = _words(heading_tag)[:200]
                reading = heading_kinds[heading_tag] = (heading, kinds[heading])
            heading, kind = reading
            context = heading if kind else None
        if kind is None and image_only:
            kind = kinds[alts]
            context = alts if kind else None
        if kind is None and landmark is None and page_kind in PAGE_KIND_RELATION:
            kind, context = PAGE_KIND_RELATION[page_kind], f"{page_kind} page"
        kind = kind or "links_to"
        text = words[:200] or alts[:200] or None
        previous = found.get(url)
        if previous is None or (previous.kind == "links_to" and kind != "links_to"):
            found[url] = Link(url=url, kind=kind, text=text or (previous.text if previous else None),
                              context=context)
    return LinkScan(links=list(found.values()), internal=list(internal),
                    social=_own_profiles(social_all, page_kind, jsonld_same_as or []))


_NOTHING, _INTERNAL, _PROFILE, _EXTERNAL = 0, 1, 2, 3


def _target(href: str, base_url: str, own_host: str, own_site: str | None) -> tuple[int, str | None]:
    """What a link target is, worked out once per distinct href: (_INTERNAL, url) for a page of
    the own site, (_PROFILE, profile url) for a social profile, (_EXTERNAL, url) for another
    site, (_NOTHING, None) for fragments, assets, other schemes and other platform links. The
    own host's site is known without the Public Suffix List."""
    stripped = href.strip()
    if not stripped or stripped.startswith("#"):
        return _NOTHING, None
    url = normalise_url(href, base_url)
    if url is None:
        return _NOTHING, None
    # A normalised URL is "scheme://host[:port]/path[?query]": read it without urlsplit.
    netloc, _, rest = url.partition("://")[2].partition("/")
    path = "/" + rest.partition("?")[0]
    plain = not (":" in netloc or "[" in netloc or "@" in netloc)
    if plain:
        host = netloc  # already lower case, no port: what host_of would return
        site = own_site if netloc == own_host else registrable_domain_of_host(netloc)
    else:
        host = urlsplit(url).hostname or ""
        site = own_site if netloc == own_host else registrable_domain(url)
    if site == own_site:
        return (_NOTHING, None) if _ASSET.search(path) else (_INTERNAL, url)
    if is_platform(host) or _FEDIVERSE.match(path):
        if is_social(host) or _FEDIVERSE.match(path):
            # A plain ASCII netloc is urlsplit's host name as it is, and `path` its path.
            return _PROFILE, (_profile(host, path) if plain and netloc.isascii() else profile_url(url))
        return _NOTHING, None
    return _EXTERNAL, url


# More profiles than this on one platform means a list of people (contributors, a team grid).
_MAX_PROFILES_PER_PLATFORM = 3


def _own_profiles(candidates: list[tuple[str, bool]], page_kind: str | None,
                  same_as: list[str]) -> list[str]:
    """The organisation's own profiles: those it names in JSON-LD sameAs or shows in its header,
    footer or navigation; elsewhere only when the page is not about people and does not list many
    profiles on one platform (a contributors list)."""
    platform_of = {url: _profile_site(url) for url in dict.fromkeys(url for url, _ in candidates)}
    per_platform: dict[str, set[str]] = {}
    for url, _ in candidates:
        per_platform.setdefault(platform_of[url], set()).add(url)
    out: dict[str, None] = {}
    for raw in same_as:
        url = normalise_url(raw)
        if url and is_social(urlsplit(url).hostname or ""):
            profile = profile_url(url)
            if profile:
                out.setdefault(profile, None)
    for url, in_landmark in candidates:
        crowded = len(per_platform[platform_of[url]]) > _MAX_PROFILES_PER_PLATFORM
        if in_landmark or (page_kind != "team" and not crowded):
            out.setdefault(url, None)
    return list(out)


_PLAIN_HOST = re.compile(r"[a-z0-9.-]+")


def _profile_site(profile: str) -> str:
    """`registrable_domain(profile) or ""` for a `profile_url` result ("https://host/..."):
    a host of plain lower-case letters, digits, dots and hyphens is read without urlsplit."""
    netloc = profile[8:].partition("/")[0] if profile.startswith("https://") else ""
    if netloc and _PLAIN_HOST.fullmatch(netloc):
        return registrable_domain_of_host(netloc.rstrip(".")) or ""
    return registrable_domain(profile) or ""
