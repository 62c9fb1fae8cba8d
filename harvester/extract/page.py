"""`extract_page`: one website page's bytes in, the facts it states about its organisation out.

Pure: no socket, no session, no clock. The page is decoded (`decode.py`), parsed once with lxml
(libxml2's HTML parser, the parser behind `lxml.html`), and every extractor reads that one tree or
the visible-text lines built from it in one walk. Extraction never raises on bad input: each step
that fails on a mangled page leaves its fields empty and the others still run (logged at DEBUG).

Why lxml and not BeautifulSoup (issue #4): the target is extraction at >= 0.5 of a bare lxml
parse's throughput, and building a BeautifulSoup tree alone (lxml parses, then bs4 rebuilds every
node as a Python object) runs at under 0.1 of it. So the page is parsed once with lxml and every
extractor works on the lxml tree: element lookups by tag run in C (`iter`, compiled XPath), the
invisible elements are dropped in C (`strip_elements`), and one recursive walk builds the visible
lines, the link list with each link's landmark, and the line parts classification weighs.
BeautifulSoup stays where speed does not matter (the Meetup extractor, tests).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from itertools import chain
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from lxml import etree

from harvester.extract import contacts, registry_numbers
from harvester.extract.decode import decode_html_codec
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
from harvester.plain_text import drop_text_controls
from harvester.urls import normalise_url, same_site

log = logging.getLogger(__name__)
T = TypeVar("T")


def _words(text: str) -> list[str]:
    return text.split()


# Elements whose text is never shown to a reader.
_INVISIBLE = ("script", "style", "noscript", "template", "svg", "iframe", "object", "canvas", "head")
_INVISIBLE_TAGS = frozenset(_INVISIBLE)
_BLOCK = frozenset(_words("""p div li ul ol h1 h2 h3 h4 h5 h6 td th tr table tbody thead dt dd dl section
article header footer nav main aside address blockquote figure figcaption form fieldset pre hr br
option select body html center details summary caption legend label button"""))
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


_PARTS = {"footer": "footer", "nav": "nav", "header": "nav"}
_ROLE_PARTS = {"contentinfo": "footer", "navigation": "nav", "banner": "nav"}
_LANDMARKS = frozenset({"header", "footer", "nav"})
_LANDMARK_ROLES = frozenset({"banner", "contentinfo", "navigation"})
_LINKISH = frozenset({"a", "area", "h1", "h2", "h3", "h4", "h5", "h6"})
# What each tag means to the walk, as bits, so one dict look-up answers every question. A landmark
# role (`_ROLE_PARTS`) adds _ROLE_KIND, and _LANDMARK_KIND when it is in `_LANDMARK_ROLES`.
_BLOCK_KIND, _PART_KIND, _LANDMARK_KIND, _LINK_KIND, _INVISIBLE_KIND, _ADDRESS_KIND = 1, 2, 4, 8, 16, 32
_HEADING_KIND, _ROLE_KIND = 64, 128
_CHANGES = _BLOCK_KIND | _PART_KIND | _LANDMARK_KIND | _ROLE_KIND
_TAG_KINDS: dict[str, int] = {}
for _tags, _bit in ((_BLOCK, _BLOCK_KIND), (_PARTS, _PART_KIND), (_LANDMARKS, _LANDMARK_KIND),
                    (_LINKISH, _LINK_KIND), (_INVISIBLE, _INVISIBLE_KIND), (("address",), _ADDRESS_KIND),
                    (_HEADING_TAGS, _HEADING_KIND)):
    for _tag in _tags:
        _TAG_KINDS[_tag] = _TAG_KINDS.get(_tag, 0) | _bit


class PageWalk:
    """One walk over the visible tree, in document order.

    `lines`: the visible text, one line per block element, with the mailto/tel targets of the
    links inside it (comments are not published text and are not read). `linkish`: the headings,
    anchors and areas with the header/footer/nav landmark that holds each (None in the main
    content), for `links.scan_links`; `addresses`: the <address> elements. One `iterwalk` (C)
    drives the loop and skips what is never shown (script, style, svg, ...: `_INVISIBLE`); the
    enclosing block, part and landmark are kept on a stack, so no node ever climbs its ancestors
    and no depth can exhaust Python's own stack. `roles=False`: no landmark role is read (the
    caller knows the page holds none).
    """

    def __init__(self, root: Any, roles: bool = True) -> None:
        self.lines: list[Line] = []
        self.linkish: list[tuple[Any, Any]] = []
        self.addresses: list[Any] = []  # the <address> elements
        self._walk(root, roles)

    def _walk(self, root: Any, read_roles: bool) -> None:
        lines = self.lines
        linkish = self.linkish
        texts: list[str] = []
        emails: list[str] = []
        phones: list[str] = []
        pending_emails: list[str] = []
        pending_phones: list[str] = []
        current: Any = None  # the block the line being built belongs to
        current_part, current_heading = "body", False

        def flush() -> None:
            text = texts[0] if len(texts) == 1 else "".join(texts)
            if not text.isascii():
                text = text.translate(_INVISIBLE_CHARS)
            text = " ".join(text.split())
            if emails or phones:
                lines.append(Line(text, emails[:], phones[:], current_part, current_heading))
                emails.clear()
                phones.clear()
            elif text:
                lines.append(Line(text, [], [], current_part, current_heading))
            texts.clear()

        # Elements that change the block, part or landmark push what they change on a stack and
        # restore it at their end; the others (most of a page: inline elements) push nothing.
        stack: list[tuple[Any, Any, str, str, Any]] = []
        top: Any = None
        block, block_part, part, landmark = root, "body", "body", None
        walker = etree.iterwalk(root, events=("start", "end"))
        for event, el in walker:
            if event == "start":
                tag = el.tag
                if type(tag) is not str:
                    continue  # a comment or processing instruction: its tail is read at "end"
                kind = _TAG_KINDS.get(tag, 0)
                if kind & _INVISIBLE_KIND:
                    walker.skip_subtree()
                    continue  # never shown; its tail is read at "end"
                if read_roles:
                    role = el.get("role")
                    if role and role in _ROLE_PARTS:
                        kind |= _ROLE_KIND | (_LANDMARK_KIND if role in _LANDMARK_ROLES else 0)
                # Links and addresses first: a landmark link belongs to the landmark around it.
                if kind & _LINK_KIND:
                    linkish.append((el, landmark))
                    if tag == "a":
                        href = el.get("href")
                        if href:
                            low = href[:7].lower()
                            if low == "mailto:":
                                pending_emails += contacts.email_from_mailto(href)
                            elif low[:4] == "tel:":
                                phone = contacts.phone_from_tel(href)
                                if phone:
                                    pending_phones.append(phone)
                elif kind & _ADDRESS_KIND:
                    self.addresses.append(el)
                if kind & _CHANGES:
                    stack.append((el, top, block, block_part, part, landmark))
                    top = el
                    if kind & (_PART_KIND | _ROLE_KIND):
                        part = _PARTS.get(tag) or _ROLE_PARTS[role]
                    if kind & _BLOCK_KIND:
                        if texts or emails or phones:
                            flush()
                        current = block = el
                        current_part = block_part = part
                        current_heading = (kind & _HEADING_KIND) != 0
                    if kind & _LANDMARK_KIND:
                        landmark = el
                text = el.text
            else:
                if el is top:
                    _, top, block, block_part, part, landmark = stack.pop()
                if el is root:
                    break
                text = el.tail
            if text:
                if block is not current:
                    if text.isspace() and not (pending_emails or pending_phones):
                        # Indentation between blocks: it would only end the line being built,
                        # which the next text or block does just the same.
                        continue
                    if texts or emails or phones:
                        flush()
                    current, current_part, current_heading = block, block_part, block.tag in _HEADING_TAGS
                elif not texts and not (pending_emails or pending_phones) and text.isspace():
                    continue  # indentation before the line's first text: it changes nothing
                texts.append(text)
                if pending_emails or pending_phones:
                    emails += pending_emails
                    phones += pending_phones
                    pending_emails.clear()
                    pending_phones.clear()
        emails += pending_emails
        phones += pending_phones
        flush()


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


# libxml2's HTML parser, the one behind lxml.html, fed UTF-8 bytes with the encoding stated (so a
# page's own XML or meta declaration cannot re-decode it). Plain etree elements: lxml.html's
# element classes are looked up in Python for every node the walk touches. Comments and
# processing instructions are not published text: dropped while parsing.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
                           default_doctype=False)


def extract_page(url: str, body: bytes, headers: Mapping[str, str] | None = None) -> PageFacts:
    """Everything one page states about the organisation that publishes it."""
    facts = PageFacts(url=url)
    text, codec = _safe(lambda: decode_html_codec(body or b"", headers), ("", ""))
    if not text or text.isspace():
        return facts
    same_bytes = codec == "utf-8" or (codec == "cp1252" and body.isascii())
    data = _safe(lambda: _utf8(text, body if same_bytes else None), b"")
    root = _safe(lambda: _parse(data), None) if data.strip() else None
    if root is None:
        return facts
    parts: dict[str, str] = {}  # the page's text by where it sits, for classification
    _safe(lambda: _extract(facts, root, data, parts), None)
    if parts:
        _safe(lambda: _classify(facts, parts), None)
    return facts


_RESOURCE_LIMIT = etree.ErrorTypes.ERR_RESOURCE_LIMIT


def _parse(data: bytes) -> Any:
    """The page's root element: one libxml2 parse into a C tree.

    libxml2 stops building a tree nested deeper than 256 elements and drops the rest of the page;
    such a page (rare, usually unclosed tags) is parsed again through Python tree-builder
    callbacks, which have no depth limit, so its text is not lost.
    """
    root = etree.fromstring(data, _PARSER)
    last = _PARSER.error_log.last_error
    if last is not None and last.type == _RESOURCE_LIMIT:
        parser = etree.HTMLParser(target=etree.TreeBuilder(), encoding="utf-8", remove_comments=True,
                                  remove_pis=True, no_network=True, default_doctype=False)
        parser.feed(data)
        root = parser.close()
        etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    return root


_C0 = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


def _utf8(text: str, data: bytes | None = None) -> bytes:
    """The decoded page as UTF-8 bytes for libxml2, control characters dropped.

    Control characters are not text (HTML forbids them); dropped once here, so no extracted name
    or address can carry a terminal escape sequence into the database or a report. The checks
    run on the bytes (a C translate and a literal-prefixed search), the regex on the text only
    when one is there. `data`: the text's UTF-8 when the caller has it (a UTF-8 page's body).
    """
    if data is None:
        data = text.encode("utf-8")
    # References first, so a sequence spelt with them (`&#27;[31m`) goes whole with the raw ones.
    if b"&#" in data and _CONTROL_REF.search(data):
        data = _CONTROL_REF.sub(_control_ref, data)
        text = data.decode("utf-8")
    # A C1 character's UTF-8 starts with 0xC2: its absence (a C search) settles most pages.
    if len(data.translate(None, _C0)) != len(data) or (b"\xc2" in data and _C1_UTF8.search(data)):
        data = drop_text_controls(text).encode("utf-8")
    return data


# A character reference to a control character (`&#27;`, `&#x1b;`, `&#x9b;`): libxml2 would turn
# it into the character after the control rule ran, so `_utf8` spells it out first and the rule
# drops it, whole sequence and all; C1 references become the Windows-1252 character they mean in
# HTML (`&#x93;` is a quotation mark, as browsers read it).
_CONTROL_REF = re.compile(
    rb"&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|12[7-9]|1[3-5][0-9])(?![0-9])"
    rb"|[xX]0*(?:[0-8bcefBCEF]|1[0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])(?![0-9a-fA-F]));?")


def _control_ref(m: re.Match[bytes]) -> bytes:
    digits = m[0][2:].rstrip(b";")
    code = int(digits[1:], 16) if digits[:1] in b"xX" else int(digits)
    # C0 and DEL as the raw character, for the control rule that runs next; C1 as Windows-1252.
    return bytes([code]).decode("cp1252", "ignore").encode("utf-8") if code >= 0x80 else bytes([code])


def _text(el: Any, sep: str = "") -> str:
    """All the text inside an element (BeautifulSoup's get_text(sep))."""
    return sep.join(el.itertext())


_CFEMAIL = etree.XPath("//*[@data-cfemail]")
_CF_ANCHORS = etree.XPath("//a[contains(@href, '/cdn-cgi/l/email-protection#')]")
_BRAND_CLASS = re.compile(r"brand|site-?name|site-?title", re.I)
# Words a brand class holds: "brand", or "site" then "name"/"title" (a regex led by a literal
# finds it in C faster than four separate searches of the page's bytes).
_SITE_WORDS = re.compile(rb"site-?(?:name|title)")


def _branded(elements: Iterable[Any]) -> list[Any]:
    """The elements whose class matches `_BRAND_CLASS`, in order: a pass of its own, made only on
    pages whose bytes spell a brand word (reading every class inside the walk cost more). Each
    class is tested by lower-cased substrings before the IGNORECASE regex, which would cost more
    than the rest of the walk if it scanned every class."""
    found = []
    search = _BRAND_CLASS.search
    for el in elements:
        classes = el.get("class")
        if classes:
            low = classes.lower()
            if ("brand" in low or "site" in low) and search(classes) is not None:
                found.append(el)
    return found


def _metas(tags: list[Any]) -> dict[tuple[str, str], str]:
    """(attribute, lower-cased value) -> the first non-empty content, for property= and name=."""
    found: dict[tuple[str, str], str] = {}
    for tag in tags:
        if tag.get("content") is None:
            continue
        content = None
        for attr in ("property", "name"):
            key = tag.get(attr)
            if key is None:
                continue
            key = (attr, key.lower())
            if key in found:
                continue
            if content is None:
                content = _clean(tag.get("content")) or ""
            if content:
                found[key] = content
    return found


def _meta(metas: dict[tuple[str, str], str], *names: str) -> str | None:
    for name in names:
        for attr in ("property", "name"):
            value = metas.get((attr, name))
            if value:
                return value
    return None


def _extract(facts: PageFacts, root: Any, data: bytes, text_parts: dict[str, str]) -> None:
    """Fill `facts` from the parsed page, and `text_parts` with its text by part."""
    base = facts.url
    low = data.lower()  # for pre-checks: libxml2 lower-cases attribute names too
    # The elements read by tag name before the walk, found in one pass over the tree (C).
    named: dict[str, list[Any]] = {"base": [], "meta": [], "img": [], "script": [], "link": [], "title": []}
    for el in root.iter(*named):
        named[el.tag].append(el)
    base_tag = next((t for t in named["base"] if t.get("href") is not None), None)
    if base_tag is not None:
        base = normalise_url(base_tag.get("href"), facts.url) or facts.url

    # What the page cannot hold is not looked for: a search of the lower-cased bytes (C) says
    # whether any element can carry these attributes.
    nodes = _safe(lambda: jsonld_nodes(named["script"]), [])
    micro = _safe(lambda: microdata_nodes(root), []) if b"itemtype" in low else []
    orgs = [n for n in nodes if is_org_type(n["@type"])]
    own_orgs = [n for n in orgs if not n.get("url") or same_site(str(text_of(n.get("url")) or ""), base)]
    org = (own_orgs or orgs or [None])[0]
    micro_orgs = [n for n in micro if is_org_type(n["@type"])]
    # Structured data that names the organisation settles the name; the page's brand hints (site-
    # name elements, the copyright holder) are looked for only when there is none.
    named_in_data = bool(org and text_of(org.get("name"))) or bool(
        len(micro_orgs) == 1 and text_of(micro_orgs[0].get("name")))
    websites = [n for n in nodes if "WebSite" in n["@type"]]

    title_tag = named["title"][0] if named["title"] else None
    title = _clean(_text(title_tag)) if title_tag is not None else None
    metas = _metas(named["meta"])
    og_site = _meta(metas, "og:site_name")
    # The brand hints (logo alts, site-name elements, the copyright holder) only choose among the
    # title's parts: neither needed nor looked for when structured data or a site name settles it.
    site_name = None if named_in_data else og_site or next(
        (text_of(w.get("name")) for w in websites if text_of(w.get("name"))), None)
    needs_hints = not named_in_data and not site_name
    meta_description = _meta(metas, "description", "og:description", "twitter:description")
    text_parts.update({
        "title": title or "",
        "og": " \n".join(v for v in (_meta(metas, "og:title"), og_site) if v),
        "description": " \n".join(v for v in (_meta(metas, "description"), _meta(metas, "og:description"))
                                   if v),
    })
    html_tag = root if root.tag == "html" else next(root.iter("html"), None)
    lang = html_tag.get("lang") if html_tag is not None else None
    facts.language = _clean(lang) or _meta(metas, "og:locale", "language")
    facts.sitemaps = list(dict.fromkeys(
        u for t in named["link"] if t.get("href") is not None
        and "sitemap" in t.get("rel", "").lower() and (u := normalise_url(t.get("href"), base))))

    # Cloudflare email protection: decode in place so the text and links show the address.
    for tag in _CFEMAIL(root)[:500] if b"data-cfemail" in low else ():
        email = contacts.decode_cfemail(tag.get("data-cfemail"))
        for child in list(tag):
            tag.remove(child)
        tag.text = f" {email} " if email else " "
    for tag in _CF_ANCHORS(root)[:500] if b"email-protection" in data else ():
        email = contacts.decode_cfemail(tag.get("href").rsplit("#", 1)[-1])
        tag.set("href", f"mailto:{email}" if email else "#")

    # Brand texts for choosing the name: logo alts, site-name elements, the copyright holder.
    logo_img = None
    brand: list[str] = []  # site-name elements and the copyright holder: the strongest hints
    logo_alts: list[str] = []
    for img in named["img"][:400]:
        get = img.get
        marks = f"{get('src') or ''} {get('alt') or ''} {get('id') or ''} {get('class') or ''}".lower()
        if ("logo" in marks or "brand" in marks) and _own_image(img, base):
            logo_img = logo_img if logo_img is not None else img
            if not needs_hints:
                break  # the first own logo image is all that is used
            alt = _clean(_LOGO_WORDS.sub(" ", get("alt") or ""))
            if alt and len(alt) > 1:
                logo_alts.append(alt)
    # Site-name elements (class "brand", "site-name", ...): most pages never spell the words, so
    # the lower-cased bytes are searched first (C); only then does `_branded` read each class.
    brand_words = needs_hints and (b"brand" in low or _SITE_WORDS.search(low) is not None)
    body = root.find("body")
    if body is None:
        body = next(root.iter("body"), None)
    # Every element's role is read: three searches of the page's bytes for the landmark roles, to
    # skip that on pages without them, cost more than the reads (and missed entity-spelt roles).
    walk = PageWalk(body if body is not None else root)
    if brand_words:
        head = root.find("head")
        if head is None:
            head = next(root.iter("head"), None)
        outside = [root, *(head.iter() if head is not None else ())] if body is not None else []
        # The head, then the body's elements, invisible ones included, in document order.
        for tag in _branded(chain(outside, (body if body is not None else root).iter()))[:20]:
            if tag.tag not in ("img", "html", "body") and next(tag.iter("img"), None) is None:
                value = _clean(_text(tag, " "))
                if value and len(value) <= 80:
                    brand.append(value)

    # What a reader never sees goes, in C, before the texts read below (tails stay: visible).
    etree.strip_elements(root, *_INVISIBLE, with_tail=False)
    # Headings and addresses as the walk met them (the visible ones, in document order).
    tagged = [el for el, _ in walk.linkish if el.tag[0] == "h"]
    h1s = [t for t in tagged if t.tag == "h1"]
    headings = [h for h in (_clean(_text(t, " ")) for t in [t for t in tagged if t.tag in ("h1", "h2")][:3])
                if h]
    facts.page_kind = page_kind(facts.url, headings)

    lines = walk.lines
    text = "\n".join([line.text for line in lines])
    text_parts["h1"] = " \n".join(_clean(_text(h, " ")) or "" for h in h1s[:20])
    text_parts["headings"] = " \n".join(_clean(_text(h, " ")) or ""
                                        for h in [t for t in tagged if t.tag in ("h2", "h3", "h4")][:300])
    by_part: dict[str, list[str]] = {"body": [], "nav": [], "footer": []}
    for line in lines:
        by_part[line.part].append(line.text)
    for part, texts in by_part.items():
        text_parts[part] = " \n".join(texts)
    copyright_match = (_COPYRIGHT.search(text[-20000:])
                       if needs_hints and _may_have_copyright(text[-20000:]) else None)
    if copyright_match and _clean(copyright_match.group(1)):
        brand.append(_clean(copyright_match.group(1)) or "")

    # ---- name, description, type, logo
    name, source = None, None
    if org and text_of(org.get("name")):
        name, source = text_of(org.get("name")), "jsonld"
    elif len(micro_orgs) == 1 and text_of(micro_orgs[0].get("name")):
        name, source = text_of(micro_orgs[0].get("name")), "microdata"
    else:
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
    if not logo and logo_img is not None and logo_img.get("src") is not None:
        logo = logo_img.get("src")
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

    phones = [p for line in lines for p in line.phones]
    text_phones = contacts.phones_in_text(text)
    text_phones += [p for n in structured for s in strings_of(n.get("telephone"))
                    if (p := contacts.uk_phone(s))]
    if _foreign_page(walk.linkish, phones, facts.postcodes, base):
        text_phones = []  # a page whose own numbers are foreign: a 0-prefixed digit run is not British
    facts.phones = list(dict.fromkeys(phones + text_phones))

    addresses = [a for n in nodes + micro for a in [address_text(n.get("address"))] if a]
    addresses += [a for a in (_clean(_text(t, ", ")) for t in walk.addresses[:20]) if a]
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
    scan = scan_links(walk.linkish, base, facts.page_kind, same_as)
    facts.links = scan.links
    facts.internal_links = scan.internal
    facts.social = scan.social


def _may_have_copyright(text: str) -> bool:
    """Cheap pre-check for `_COPYRIGHT`, whose search tries every position."""
    return "©" in text or "(c)" in text or "(C)" in text or "copyright" in text.lower()


_LOGO_LINK_LEVELS = 6  # how far up a logo image looks for the link around it
_ADDRESS_COMMAS = re.compile(r"\s{0,5}(?:,\s{0,5}){1,10}")


def _own_image(img: Any, base: str) -> bool:
    """An image that is not a link to another site (a partner's logo links to the partner)."""
    anchor = img.getparent()
    for _ in range(_LOGO_LINK_LEVELS):
        if anchor is None or anchor.tag == "a":
            break
        anchor = anchor.getparent()
    if anchor is None or anchor.tag != "a":
        return True
    href = anchor.get("href")
    if href is None:
        return True
    target = normalise_url(href, base)
    return target is None or same_site(target, base)


def _postal_code(node: dict[str, Any]) -> str | None:
    address = node.get("address")
    if isinstance(address, dict):
        return text_of(address.get("postalCode"))
    return text_of(node.get("postalCode"))


def _foreign_page(linkish: list[tuple[Any, Any]], uk_tel: list[str], postcodes: list[str], base: str) -> bool:
    """The page's own tel: links are all non-UK and nothing else on it says UK. The tel: hrefs are
    read off the walk's anchors only when nothing else settles it (most pages: a UK number or
    postcode)."""
    if uk_tel or postcodes or (urlsplit(base).hostname or "").endswith(".uk"):
        return False
    tel_hrefs = [href for el, _ in linkish
                 if el.tag == "a" and (href := el.get("href")) and href.lstrip()[:4].lower() == "tel:"][:500]
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
