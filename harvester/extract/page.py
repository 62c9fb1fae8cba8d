"""`extract_page`: one website page's bytes in, the facts it states about its organisation out.

Pure: no socket, no session, no clock. The page is decoded (`decode.py`), parsed once with
BeautifulSoup on lxml, and every extractor reads that one tree or the visible-text lines built
from it once. Extraction never raises on bad input: each step that fails on a mangled page
leaves its fields empty and the others still run (logged at DEBUG for bug reports).
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, NavigableString, Tag, XMLParsedAsHTMLWarning

from harvester.extract import contacts, registry_numbers
from harvester.extract.decode import decode_html
from harvester.extract.facts import PageFacts, Person
from harvester.extract.jsonld import (
    address_text,
    is_org_type,
    jsonld_nodes,
    microdata_nodes,
    strings_of,
    text_of,
)
from harvester.extract.links import scan_links
from harvester.extract.people import Line, people_from_lines
from harvester.urls import normalise_url, same_site

log = logging.getLogger(__name__)
T = TypeVar("T")


def _words(text: str) -> list[str]:
    return text.split()


# Elements whose text is never shown to a reader.
_INVISIBLE = ("script", "style", "noscript", "template", "svg", "iframe", "object", "canvas", "head")
_BLOCK = frozenset(_words("""p div li ul ol h1 h2 h3 h4 h5 h6 td th tr table tbody thead dt dd dl section
article header footer nav main aside address blockquote figure figcaption form fieldset pre hr br
option select body html center details summary caption legend label button"""))
_BLOCK_LEVELS = 30
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_INVISIBLE_CHARS = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)

# Page kinds from URL path segments and headings (English and Welsh).
PAGE_KIND_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("contact", re.compile(r"\b(?:contact(?:[ -]us)?|get[ -]in[ -]touch|find[ -]us|cysylltu|"
                           r"cysylltwch|kontakt)\b", re.I)),
    ("funders", re.compile(r"\b(?:funders?|funding|cyllidwyr|supporters?|cefnogwyr)\b", re.I)),
    ("sponsors", re.compile(r"\b(?:sponsors?|sponsorship|noddwyr)\b", re.I)),
    ("partners", re.compile(r"\b(?:partners?|partneriaid|partnerships?|collaborators?)\b", re.I)),
    ("clients", re.compile(r"\b(?:clients?|customers|cleientiaid)\b", re.I)),
    ("members", re.compile(r"\b(?:members|membership|our[ -]members|aelodau)\b", re.I)),
    ("team", re.compile(r"\b(?:team|our[ -]team|people|staff|councillors?|trustees|board|"
                        r"directors|committee|who[ -]we[ -]are|t[iî]m|pobl|staff|cynghorwyr|"
                        r"ymddiriedolwyr|contributors)\b", re.I)),
    ("about", re.compile(r"\b(?:about(?:[ -]us)?|our[ -]story|history|amdanom(?:[ -]ni)?|"
                         r"hanes|[uü]ber[ -]uns)\b", re.I)),
    ("news", re.compile(r"\b(?:news|blog|press|newyddion|articles?|stories|updates)\b", re.I)),
)
# Text per page part handed to classification: the telling words of a real page sit well inside
# this, and a hostile 5 MB page must not cost seconds of keyword matching.
MAX_CLASSIFY_CHARS = 100_000
_HOME_PATHS = re.compile(r"^/?(?:(?:index|home|default)(?:\.[a-z]{2,5})?|cy|en|hafan|welcome)?/?$", re.I)


def _safe(step: Callable[[], T], default: T) -> T:
    try:
        return step()
    except (Exception, RecursionError):  # noqa: BLE001 - one broken step must not lose the page
        log.debug("extraction step failed", exc_info=True)
        return default


def page_kind(url: str, headings: list[str]) -> str:
    """home | about | contact | team | partners | funders | sponsors | members | clients | news | other."""
    path = unquote(urlsplit(url).path)
    if _HOME_PATHS.match(path):
        return "home"
    last = path.rstrip("/").rsplit("/", 1)[-1]
    last = re.sub(r"\.[a-z]{2,5}$", "", last, flags=re.I).replace("_", "-")
    for source in (last, path.replace("_", "-"), *headings[:1]):
        for kind, pattern in PAGE_KIND_WORDS:
            if pattern.search(source.replace("-", " ")):
                return kind
    return "other"


# ---------------------------------------------------------------- visible text as lines


def _block_of(node: Any) -> Any:
    parent = node.parent
    for _ in range(_BLOCK_LEVELS):
        if parent is None or parent.name in _BLOCK:
            return parent
        parent = parent.parent
    return parent


_PARTS = {"footer": "footer", "nav": "nav", "header": "nav"}
_ROLE_PARTS = {"contentinfo": "footer", "navigation": "nav", "banner": "nav"}


def _part_of(block: Any, memo: dict[int, str]) -> str:
    """body | nav | footer for a block element; `memo` keeps each block's answer for its siblings."""
    key = id(block)
    if key in memo:
        return memo[key]
    node, part = block, "body"
    for _ in range(_BLOCK_LEVELS):
        if node is None or not isinstance(node, Tag):
            break
        found = _PARTS.get(node.name) or _ROLE_PARTS.get(str(node.get("role") or ""))
        if found:
            part = found
            break
        node = node.parent
    memo[key] = part
    return part


def visible_lines(root: Tag) -> list[Line]:
    """Visible text, one line per block element, with mailto/tel targets on the line they sit in.

    Comments are excluded on purpose: they are not published text.
    """
    lines: list[Line] = []
    parts: list[str] = []
    emails: list[str] = []
    phones: list[str] = []
    pending: tuple[list[str], list[str]] = ([], [])
    current_block: Any = None
    parts_memo: dict[int, str] = {}

    def flush() -> None:
        text = " ".join("".join(parts).translate(_INVISIBLE_CHARS).split())
        if text or emails or phones:
            lines.append(Line(text=text, emails=list(emails), phones=list(phones),
                              part=_part_of(current_block, parts_memo),
                              heading=getattr(current_block, "name", "") in _HEADING_TAGS))
        parts.clear()
        emails.clear()
        phones.clear()

    for node in root.descendants:
        if isinstance(node, Tag):
            if node.name in _BLOCK:
                flush()
                current_block = node
            if node.name == "a":
                href = node.get("href")
                if isinstance(href, str):
                    low = href[:7].lower()
                    if low == "mailto:":
                        pending[0].extend(contacts.email_from_mailto(href))
                    elif low[:4] == "tel:":
                        phone = contacts.phone_from_tel(href)
                        if phone:
                            pending[1].append(phone)
            continue
        if type(node) is not NavigableString:
            continue  # comments, CDATA, processing instructions, doctype
        block = _block_of(node)
        if block is not current_block:
            flush()
            current_block = block
        parts.append(str(node))
        if pending[0] or pending[1]:
            emails.extend(pending[0])
            phones.extend(pending[1])
            pending[0].clear()
            pending[1].clear()
    emails.extend(pending[0])
    phones.extend(pending[1])
    flush()
    return lines


# ---------------------------------------------------------------- organisation name

_TITLE_SPLIT = re.compile(r"\s{1,5}[|–—·»•/]\s{1,5}|\s{1,5}-{1,2}\s{1,5}|\s{1,5}::\s{1,5}")
_BOILERPLATE = re.compile(
    r"^(?:home(?:\s?page)?|welcome|hafan|croeso|index|main|official\s+(?:web)?site|website|"
    r"(?:(?:our|your|meet\s+the|meet\s+our)\s+)?(?:team|people|staff|councillors|trustees|board|"
    r"partners|funders|sponsors|members|clients|supporters|news|blog|events|links|contact(?:\s+us)?|"
    r"about(?:\s+us)?|who\s+we\s+are|what\s+we\s+do|our\s+work|work|services|projects|history|"
    r"gallery|donate|volunteer|privacy(?:\s+policy)?|accessibility)|contact\s+or\s+find\s+us|"
    r"get\s+in\s+touch|find\s+us|amdanom(?:\s+ni)?|cysylltu(?:\s+[aâ]\s+ni)?|cysylltwch(?:\s+[aâ]\s+ni)?|"
    r"ein\s+t[iî]m|partneriaid|noddwyr|cyllidwyr|newyddion|[uü]ber\s+uns|kontakt|impressum|"
    r"page\s+not\s+found|untitled)$", re.I)
_COPYRIGHT = re.compile(
    r"(?:©|\(c\)|copyright)\s{0,3}(?:copyright\s{0,3})?(?:©\s{0,3})?(?:\d{4}(?:\s{0,3}[-–]\s{0,3}\d{2,4})?\s{0,3})?"
    r"([A-Z][\w&'’ .,-]{1,80}?)\s{0,3}(?:\d{4}|[.|]|\s-|\s–|all\s+rights|$)", re.I)
_LOGO_WORDS = re.compile(
    r"\b(?:logo|logos|icon|image|img|header|brand|emblem)\b|\[\d+\]|\.(?:png|jpe?g|svg|gif)$", re.I)


def _clean(text: str | None) -> str | None:
    if not text:
        return None
    text = " ".join(str(text).translate(_INVISIBLE_CHARS).split()).strip(" |-–—:·")
    return text or None


def _title_candidates(title: str) -> list[str]:
    return [c for c in (_clean(s) for s in _TITLE_SPLIT.split(title)) if c and not _BOILERPLATE.match(c)
            and not re.fullmatch(r"[\W\d_]+", c)]


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def choose_name(title: str | None, og_site: str | None, brand_texts: list[str]) -> tuple[str, str] | None:
    """Pick the organisation's name from the title's parts, preferring a part that the site also
    shows as its brand (og:site_name, logo alt, site-name element, copyright line)."""
    if og_site:
        return og_site, "og"
    if not title:
        return None
    parts = _title_candidates(title)
    if not parts:
        return None
    brands = [_norm(b) for b in brand_texts if b]
    best, best_score = None, -1.0
    for i, part in enumerate(parts):
        key = _norm(part)
        score = 0.0
        if key and any(key == b for b in brands):
            score += 4
        elif key and any(key in b or (b and b in key and len(b) > 3) for b in brands):
            score += 2
        elif len(parts) > 1 and i == len(parts) - 1:
            score += 0.5  # with no brand to go by, "Page – Site" is the commoner order
        if part.isupper() and len(part) <= 6:
            score -= 0.25  # an acronym: the full name, when also shown, reads better
        if len(part.split()) > 7:
            score -= 2  # a slogan, not a name
        if score > best_score:
            best, best_score = part, score
    return (best, "title") if best else None


# ---------------------------------------------------------------- the extractor


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def extract_page(url: str, body: bytes, headers: Mapping[str, str] | None = None) -> PageFacts:
    """Everything one page states about the organisation that publishes it."""
    facts = PageFacts(url=url)
    text = _safe(lambda: decode_html(body or b"", headers), "")
    # Control characters are not text (HTML forbids them); dropped once here, so no extracted
    # name or address can carry a terminal escape sequence into the database or a report.
    text = _CONTROL.sub("", text)
    if not text.strip():
        return facts
    soup = _safe(lambda: _parse(text), None)
    if soup is None:
        return facts
    parts: dict[str, str] = {}  # the page's text by where it sits, for classification
    _safe(lambda: _extract(facts, soup, parts), None)
    if parts:
        _safe(lambda: _classify(facts, parts), None)
    return facts


class TagIndex:
    """Every element of the tree in document order, listed once.

    BeautifulSoup's find/find_all walk the whole tree on each call; on a large page a dozen of
    them cost more than the parse. One walk here, then lookups by name are list filters.
    """

    def __init__(self, soup: BeautifulSoup) -> None:
        self.tags: list[Tag] = [t for t in soup.descendants if isinstance(t, Tag)]
        self._by_name: dict[str, list[Tag]] = {}
        for tag in self.tags:
            self._by_name.setdefault(tag.name, []).append(tag)
        self._removed: set[int] = set()

    def remove(self, names: tuple[str, ...]) -> None:
        """Take these elements (and what they hold) out of the tree and out of the index."""
        for tag in self.named(*names):
            if id(tag) in self._removed:
                continue  # inside an element already removed
            self._removed.add(id(tag))
            self._removed.update(id(t) for t in tag.descendants if isinstance(t, Tag))
            tag.decompose()

    def named(self, *names: str) -> list[Tag]:
        """Elements still in the tree with one of `names`, in document order."""
        removed = self._removed
        if len(names) == 1:
            return [t for t in self._by_name.get(names[0], []) if id(t) not in removed]
        wanted = set(names)
        return [t for t in self.tags if t.name in wanted and id(t) not in removed]

    def first(self, name: str) -> Tag | None:
        found = self._by_name.get(name)
        return found[0] if found else None


def _parse(text: str) -> BeautifulSoup:
    """One parse with lxml. Attributes stay plain strings (class="a b" is "a b"): splitting them
    costs time for nothing, every reader here searches the whole value. bs4's guesses about what
    the input "looks like" (a URL, XML) are beside the point for fetched pages: silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(text, "lxml", multi_valued_attributes=None)


def _meta(index: TagIndex, *names: str) -> str | None:
    metas = index.named("meta")
    for name in names:
        for attr in ("property", "name"):
            for tag in metas:
                if str(tag.get(attr) or "").lower() == name:
                    value = _clean(tag.get("content") if isinstance(tag.get("content"), str) else None)
                    if value:
                        return value
    return None


def _extract(facts: PageFacts, soup: BeautifulSoup, text_parts: dict[str, str]) -> None:
    """Fill `facts` from the parsed page, and `text_parts` with its text by part."""
    index = TagIndex(soup)
    base = facts.url
    base_tag = next((t for t in index.named("base") if isinstance(t.get("href"), str)), None)
    if base_tag is not None:
        base = normalise_url(str(base_tag["href"]), facts.url) or facts.url

    nodes = _safe(lambda: jsonld_nodes(index.named("script")), [])
    micro = _safe(lambda: microdata_nodes(index.tags), [])
    orgs = [n for n in nodes if is_org_type(n["@type"])]
    own_orgs = [n for n in orgs if not n.get("url") or same_site(str(text_of(n.get("url")) or ""), base)]
    org = (own_orgs or orgs or [None])[0]
    micro_orgs = [n for n in micro if is_org_type(n["@type"])]
    websites = [n for n in nodes if "WebSite" in n["@type"]]

    title_tag = index.first("title")
    title = _clean(title_tag.get_text()) if isinstance(title_tag, Tag) else None
    og_site = _meta(index, "og:site_name")
    meta_description = _meta(index, "description", "og:description", "twitter:description")
    text_parts.update({
        "title": title or "",
        "og": " \n".join(v for v in (_meta(index, "og:title"), og_site) if v),
        "description": " \n".join(v for v in (_meta(index, "description"), _meta(index, "og:description"))
                                   if v),
    })
    html_tag = index.first("html")
    lang = html_tag.get("lang") if isinstance(html_tag, Tag) else None
    facts.language = _clean(lang if isinstance(lang, str) else None) or _meta(index, "og:locale", "language")
    facts.sitemaps = list(dict.fromkeys(
        u for t in index.named("link") if "sitemap" in " ".join(t.get_attribute_list("rel")).lower()
        and isinstance(t.get("href"), str) and (u := normalise_url(str(t["href"]), base))))

    # Cloudflare email protection: decode in place so the text and links show the address.
    for tag in [t for t in index.tags if t.get("data-cfemail") is not None][:500]:
        email = contacts.decode_cfemail(str(tag.get("data-cfemail")))
        tag.string = f" {email} " if email else " "
    anchors = index.named("a")
    for tag in [a for a in anchors if "/cdn-cgi/l/email-protection#" in str(a.get("href") or "")][:500]:
        email = contacts.decode_cfemail(str(tag["href"]).rsplit("#", 1)[-1])
        tag["href"] = f"mailto:{email}" if email else "#"

    # Brand texts for choosing the name: logo alts, site-name elements, the copyright holder.
    logo_img = None
    brand: list[str] = []  # site-name elements and the copyright holder: the strongest hints
    logo_alts: list[str] = []
    for img in index.named("img")[:400]:
        marks = " ".join([str(img.get("src") or ""), str(img.get("alt") or ""), str(img.get("id") or ""),
                          str(img.get("class") or "")]).lower()
        if ("logo" in marks or "brand" in marks) and _own_image(img, base):
            logo_img = logo_img or img
            alt = _clean(_LOGO_WORDS.sub(" ", str(img.get("alt") or "")))
            if alt and len(alt) > 1:
                logo_alts.append(alt)
    branded = [t for t in index.tags if t.get("class") and _BRAND_CLASS.search(str(t.get("class")))]
    for tag in branded[:20]:
        if tag.name not in ("img", "html", "body") and not tag.find("img"):
            value = _clean(tag.get_text(" "))
            if value and len(value) <= 80:
                brand.append(value)

    index.remove(_INVISIBLE)
    root = index.first("body") or soup
    headings = [h for h in (_clean(t.get_text(" ")) for t in index.named("h1", "h2")[:3]) if h]
    facts.page_kind = page_kind(facts.url, headings)

    lines = visible_lines(root)
    text = "\n".join(line.text for line in lines)
    text_parts["h1"] = " \n".join(_clean(h.get_text(" ")) or "" for h in index.named("h1")[:20])
    text_parts["headings"] = " \n".join(_clean(h.get_text(" ")) or ""
                                        for h in index.named("h2", "h3", "h4")[:300])
    for part in ("body", "nav", "footer"):
        text_parts[part] = " \n".join(line.text for line in lines if line.part == part)
    copyright_match = _COPYRIGHT.search(text[-20000:])
    if copyright_match and _clean(copyright_match.group(1)):
        brand.append(_clean(copyright_match.group(1)) or "")

    # ---- name, description, type, logo
    name, source = None, None
    if org and text_of(org.get("name")):
        name, source = text_of(org.get("name")), "jsonld"
    elif len(micro_orgs) == 1 and text_of(micro_orgs[0].get("name")):
        name, source = text_of(micro_orgs[0].get("name")), "microdata"
    else:
        site_name = og_site or next((text_of(w.get("name")) for w in websites if text_of(w.get("name"))),
                                    None)
        chosen = choose_name(title, site_name, brand + logo_alts)
        if chosen:
            name, source = chosen
        elif brand:
            name, source = brand[0], "brand"
        elif logo_alts:
            name, source = logo_alts[0], "logo_alt"
    facts.name, facts.name_source = _clean(name), source if name else None
    facts.description = (_clean(text_of(org.get("description"))) if org else None) or meta_description
    types = [t for n in (orgs or micro_orgs) for t in n["@type"]]
    facts.schema_type = (org["@type"][0] if org else None) or (types[0] if types else None)
    logo = text_of(org.get("logo")) if org else None
    if not logo and isinstance(logo_img, Tag) and isinstance(logo_img.get("src"), str):
        logo = logo_img["src"]
    facts.logo = normalise_url(logo, base) if logo else None

    # ---- contacts
    structured = ([org] if org else []) + micro_orgs + [n for n in nodes if "ContactPoint" in n["@type"]]
    same_as = [s for n in structured for s in strings_of(n.get("sameAs"))]
    emails = [e for line in lines for e in line.emails]
    emails += contacts.emails_in_text(text)
    emails += contacts.clean_emails(s.removeprefix("mailto:") for n in structured
                                    for s in strings_of(n.get("email")))
    emails += [e for s in same_as if s.lower().startswith("mailto:") for e in contacts.email_from_mailto(s)]
    facts.emails = list(dict.fromkeys(emails))

    postcodes = contacts.postcodes_in_text(text)
    postcodes += [p for n in nodes + micro for p in contacts.postcodes_in_text(str(_postal_code(n) or ""))]
    facts.postcodes = list(dict.fromkeys(postcodes))

    tel_hrefs = [str(a["href"]) for a in index.named("a")
                 if str(a.get("href") or "").lstrip()[:4].lower() == "tel:"][:500]
    phones = [p for line in lines for p in line.phones]
    text_phones = contacts.phones_in_text(text)
    text_phones += [p for n in structured for s in strings_of(n.get("telephone"))
                    if (p := contacts.uk_phone(s))]
    if _foreign_page(tel_hrefs, phones, facts.postcodes, base):
        text_phones = []  # a page whose own numbers are foreign: a 0-prefixed digit run is not British
    facts.phones = list(dict.fromkeys(phones + text_phones))

    addresses = [a for n in nodes + micro for a in [address_text(n.get("address"))] if a]
    addresses += [a for a in (_clean(t.get_text(", ")) for t in index.named("address")[:20]) if a]
    facts.addresses = list(dict.fromkeys(_ADDRESS_COMMAS.sub(", ", a).strip(", ") for a in addresses))[:20]

    facts.charity_numbers = registry_numbers.charity_numbers(text)
    facts.company_numbers = registry_numbers.company_numbers(text, exclude=facts.charity_numbers)
    facts.is_cic = registry_numbers.is_cic(text, facts.name, text_parts.get("footer", ""))

    # ---- people
    people = people_from_lines(lines, listing=facts.page_kind == "team")
    known = {p.name for p in people}
    for node in nodes + micro:
        if "Person" in node["@type"] and text_of(node.get("name")):
            pname = _clean(text_of(node.get("name")))
            if pname and pname not in known:
                known.add(pname)
                email = contacts.clean_emails(strings_of(node.get("email")))
                phone = [p for s in strings_of(node.get("telephone")) if (p := contacts.uk_phone(s))]
                people.append(Person(name=pname, role=_clean(text_of(node.get("jobTitle"))),
                                     email=email[0] if email else None, phone=phone[0] if phone else None))
    facts.people = people
    facts.emails = list(dict.fromkeys(facts.emails + [p.email for p in people if p.email]))

    # ---- links
    scan = scan_links(index.named("h1", "h2", "h3", "h4", "h5", "h6", "a", "area"), base, facts.page_kind,
                      same_as)
    facts.links = scan.links
    facts.internal_links = scan.internal
    facts.social = scan.social


_LOGO_LINK_LEVELS = 6  # how far up a logo image looks for the link around it
_BRAND_CLASS = re.compile(r"brand|site-?name|site-?title", re.I)
_ADDRESS_COMMAS = re.compile(r"\s{0,5}(?:,\s{0,5}){1,10}")


def _own_image(img: Tag, base: str) -> bool:
    """An image that is not a link to another site (a partner's logo links to the partner)."""
    anchor = img.parent
    for _ in range(_LOGO_LINK_LEVELS):
        if anchor is None or anchor.name == "a":
            break
        anchor = anchor.parent
    if anchor is None or anchor.name != "a":
        return True
    href = anchor.get("href")
    if not isinstance(href, str):
        return True
    target = normalise_url(href, base)
    return target is None or same_site(target, base)


def _postal_code(node: dict[str, Any]) -> str | None:
    address = node.get("address")
    if isinstance(address, dict):
        return text_of(address.get("postalCode"))
    return text_of(node.get("postalCode"))


def _foreign_page(tel_hrefs: list[str], uk_tel: list[str], postcodes: list[str], base: str) -> bool:
    """The page's own tel: links are all non-UK and nothing else on it says UK."""
    if uk_tel or postcodes or (urlsplit(base).hostname or "").endswith(".uk"):
        return False
    foreign = 0
    for href in tel_hrefs:
        digits = re.sub(r"[^\d+]", "", unquote(href)[4:])
        if (digits.startswith("+") and not digits.startswith("+44")) or (
                len(digits) >= 10 and not digits.startswith(("0", "+"))):
            foreign += 1
    return foreign > 0


def _classify(facts: PageFacts, parts: dict[str, str]) -> None:
    """Sector and domain areas from `classify.classify_page`, when that module is present.

    It receives the page's text split by where it sits (title, og, description, h1, headings,
    body, nav, footer), built here from the same single parse.
    """
    try:
        from harvester.extract import classify
    except ImportError:
        return
    classify_page = getattr(classify, "classify_page", None)
    if callable(classify_page):
        classify_page(facts, {k: v[:MAX_CLASSIFY_CHARS] for k, v in parts.items()})
