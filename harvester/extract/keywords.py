"""Taxonomy keywords -> domain-area evidence: which areas a page speaks of, and how prominently.

Pure functions. The taxonomy's keywords (every language) are compiled once into two regular
expressions shaped as a prefix tree ("game(?:s|[ -]studio)?"), so a page is scanned once whatever
the number of keywords, with no nested repetition (no catastrophic backtracking, linear in the
text: a 5 MB page takes well under a second). Matching is on word boundaries, Unicode-aware,
accent-insensitive ("pensaernïaeth" == "pensaerniaeth"), and case-insensitive except for
acronyms written in capitals in the taxonomy (VR, AR, AI, TV, NHS...), which must appear in
capitals so the Welsh word "ar" or the English "ai" in other words are not read as AR / AI.

Where a keyword appears decides its weight (`PART_WEIGHTS`): title, h1 and OpenGraph text count
most, then headings and the meta description, then body and about-page text, least the
navigation, footer and news items. A page's score in an area is the sum, over the distinct
keywords hit, of the best weight each was seen at (repeating a word adds nothing).

    compile_areas(areas) -> Matcher                      cached per taxonomy
    score_page(text_parts | str, areas) -> {area_id: (score, [keywords])}
    domain_areas_for_pages(pages) -> [(area_id, score 0..1, [{"url", "keywords"}])]
    areas_for_meetup_topics(topics, areas) -> [(area_id, [topics])]
    text_parts(soup) -> {"title", "h1", "og", "description", "headings", "body", "nav", "footer"}
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

# Weight of a hit by the part of the page it sits in; unknown part names count as body text.
PART_WEIGHTS: dict[str, float] = {
    "title": 3.0, "h1": 3.0, "og": 3.0, "name": 3.0,
    "description": 2.0, "headings": 2.0,
    "about": 1.5, "body": 1.0,
    "news": 0.3, "nav": 0.3, "footer": 0.3,
}
DEFAULT_WEIGHT = 1.0
# An organisation is tagged with an area only with at least this many keyword hits (distinct
# page x keyword pairs) and this raw weighted score across its pages, and when the area's score
# is at least this share of its best area's.
MIN_HITS = 2
MIN_RAW_SCORE = 2.0
MIN_SHARE_OF_BEST = 0.15
# raw -> 0..1: 1 - exp(-raw / SATURATION); raw 2 -> 0.28, 6 -> 0.63, 15 -> 0.92.
SATURATION = 6.0
# Pages repeating the exact keyword set of a page already counted (shared navigation, footer,
# sidebar) count only this much again.
REPEAT_FACTOR = 0.25
MAX_EVIDENCE_PAGES = 10

_COMBINING = re.compile("[\u0300-\u036f]")
# Runs of spaces/dashes other than a lone plain space (replacing " " by " " is most of the text).
_SPACE_OR_DASH = re.compile(r"(?: (?=[\s\-\u2010-\u2015])|[^\S ]|[\-\u2010-\u2015])[\s\-\u2010-\u2015]*")
_ACRONYM_MAX = 5


class AreaLike(Protocol):
    id: str
    keywords: list[str]


def fold(text: str) -> str:
    """Accents removed and runs of spaces/dashes made one space: what the matchers read."""
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return _SPACE_OR_DASH.sub(" ", text)


def _is_acronym(keyword: str) -> bool:
    letters = keyword.replace(" ", "")
    return letters.isupper() and len(letters) <= _ACRONYM_MAX


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex alternation shaped as a prefix tree (text and keywords are folded first, so a
    space in a keyword stands for any run of spaces or dashes)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        end = "" in node
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        if len(alts) == 1:
            return f"(?:{alts[0]})?" if end else alts[0]
        body = "(?:" + "|".join(alts) + ")"
        return body + "?" if end else body

    return build(trie)


@dataclass(frozen=True)
class Matcher:
    """The compiled keywords of a taxonomy: which (area, keyword) a matched text stands for."""

    insensitive: re.Pattern[str] | None
    sensitive: re.Pattern[str] | None
    lookup: dict[str, tuple[tuple[str, str], ...]]  # folded key -> ((area_id, keyword), ...)
    area_ids: tuple[str, ...]

    def hits(self, text: str) -> set[tuple[str, str]]:
        """The distinct (area_id, keyword) pairs found in `text`; overlapping keywords both count
        ("indie games studio"), a keyword inside a longer one does not ("datblygu gemau")."""
        found: set[tuple[str, str]] = set()
        if not text:
            return found
        text = fold(text)
        for pattern, ci in ((self.insensitive, True), (self.sensitive, False)):
            if pattern is None:
                continue
            counted = _counted_raws(pattern, text)
            if counted is not None:
                for raw in counted:
                    key = ("ci:" + raw.casefold()) if ci else ("cs:" + raw)
                    found.update(self.lookup.get(key, ()))
                continue
            seen: set[str] = set()
            reach = 0  # end of the furthest match so far: a keyword inside it is the same mention
            for match in pattern.finditer(text):
                if match.end(1) <= reach:
                    continue
                reach = match.end(1)
                raw = match.group(1)
                if raw in seen:
                    continue
                seen.add(raw)
                key = ("ci:" + raw.casefold()) if ci else ("cs:" + raw)
                found.update(self.lookup.get(key, ()))
        return found


def _counted_raws(pattern: re.Pattern[str], text: str) -> set[str] | None:
    """The distinct matched texts that `Matcher.hits` would count, found with one C-level
    `findall` instead of a Python loop over every match; None when that cannot be decided so.

    A match is skipped only when an earlier match's span contains it, which needs a matched text
    containing it at an offset > 0 (one match per start position). A text with more matches than
    the containing matches could hide is counted for sure; otherwise the caller walks the matches.
    """
    counts = Counter(pattern.findall(text))
    if len(counts) < 2:
        return set(counts)
    for raw in counts:
        hidden = 0
        for other, n in counts.items():
            if len(other) <= len(raw):
                continue
            at = other.find(raw, 1)
            while at >= 0:
                hidden += n
                at = other.find(raw, at + 1)
        if hidden and counts[raw] <= hidden:
            return None
    return set(counts)


def _signature(areas: Sequence[AreaLike]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((a.id, tuple(getattr(a, "keywords", None) or ())) for a in areas)


def compile_areas(areas: Sequence[AreaLike]) -> Matcher:
    """The matcher of these areas' keywords (cached: compiling is done once per taxonomy)."""
    return _compile(_signature(areas))


@lru_cache(maxsize=16)
def _compile(signature: tuple[tuple[str, tuple[str, ...]], ...]) -> Matcher:
    lookup: dict[str, list[tuple[str, str]]] = {}
    ci_words: set[str] = set()
    cs_words: set[str] = set()
    for area_id, keywords in signature:
        for keyword in keywords:
            folded = fold(keyword.strip()).strip()
            if not folded:
                continue
            if _is_acronym(folded):
                cs_words.add(folded)
                key = "cs:" + folded
            else:
                ci_words.add(folded.casefold())
                key = "ci:" + folded.casefold()
            pairs = lookup.setdefault(key, [])
            if (area_id, keyword) not in pairs:
                pairs.append((area_id, keyword))

    def compiled(words: set[str], flags: int) -> re.Pattern[str] | None:
        if not words:
            return None
        # The longest keyword starting at each word start (the tree tries longer branches
        # first), inside a lookahead so overlapping keywords are all found ("indie games
        # studio": "indie games" and "games studio"); the boundaries keep keywords whole words
        # ("art" not in "start").
        return re.compile(r"(?<!\w)(?=(" + _trie_pattern(sorted(words)) + r")(?!\w))", flags)

    return Matcher(insensitive=compiled(ci_words, re.IGNORECASE), sensitive=compiled(cs_words, 0),
                   lookup={k: tuple(v) for k, v in lookup.items()},
                   area_ids=tuple(a for a, _ in signature))


# ---------------------------------------------------------------- one page


def score_page(parts: Mapping[str, str] | str, areas: Sequence[AreaLike] | Matcher,
               ) -> dict[str, tuple[float, list[str]]]:
    """Each area hit on this page: (weighted score, keywords in order of weight then name)."""
    matcher = areas if isinstance(areas, Matcher) else compile_areas(areas)
    if isinstance(parts, str):
        parts = {"body": parts}
    best: dict[tuple[str, str], float] = {}
    for part, text in parts.items():
        if not text:
            continue
        weight = PART_WEIGHTS.get(part, DEFAULT_WEIGHT)
        for pair in matcher.hits(text):
            if weight > best.get(pair, 0.0):
                best[pair] = weight
    by_area: dict[str, list[tuple[float, str]]] = {}
    for (area_id, keyword), weight in best.items():
        by_area.setdefault(area_id, []).append((weight, keyword))
    result: dict[str, tuple[float, list[str]]] = {}
    for area_id, items in by_area.items():
        items.sort(key=lambda wk: (-wk[0], wk[1].casefold()))
        result[area_id] = (round(sum(w for w, _ in items), 3), [k for _, k in items])
    return result


# ---------------------------------------------------------------- an organisation


class PageLike(Protocol):
    url: str
    keyword_hits: dict[str, list[str]]
    domain_scores: dict[str, float]


def domain_areas_for_pages(pages: Iterable[PageLike],
                           ) -> list[tuple[str, float, list[dict[str, Any]]]]:
    """An organisation's domain areas across its pages, best first: (area_id, score 0..1,
    evidence [{"url", "keywords"}] best pages first). An area needs MIN_HITS keyword hits and a
    raw score of MIN_RAW_SCORE; pages that repeat a keyword set already counted add little."""
    raw: dict[str, float] = {}
    hits: dict[str, int] = {}
    evidence: dict[str, list[tuple[float, str, list[str]]]] = {}
    seen_sets: dict[str, set[tuple[str, ...]]] = {}
    for page in pages:
        for area_id, keywords in (page.keyword_hits or {}).items():
            if not keywords:
                continue
            score = float((page.domain_scores or {}).get(area_id, 0.0))
            signature = tuple(sorted(k.casefold() for k in keywords))
            repeated = signature in seen_sets.setdefault(area_id, set())
            seen_sets[area_id].add(signature)
            raw[area_id] = raw.get(area_id, 0.0) + score * (REPEAT_FACTOR if repeated else 1.0)
            hits[area_id] = hits.get(area_id, 0) + len(keywords)
            evidence.setdefault(area_id, []).append((score, page.url, list(keywords)))
    if not raw:
        return []
    top = max(raw.values())
    result = []
    for area_id, value in raw.items():
        if hits[area_id] < MIN_HITS or value < MIN_RAW_SCORE or value < MIN_SHARE_OF_BEST * top:
            continue
        pages_sorted = sorted(evidence[area_id], key=lambda e: (-e[0], e[1]))[:MAX_EVIDENCE_PAGES]
        result.append((area_id, round(1.0 - math.exp(-value / SATURATION), 3),
                       [{"url": url, "keywords": kws} for _, url, kws in pages_sorted]))
    result.sort(key=lambda r: (-r[1], r[0]))
    return result


# ---------------------------------------------------------------- Meetup topics


def _topic_key(text: str) -> str:
    return fold(text).casefold().strip()


def areas_for_meetup_topics(topics: Iterable[str], areas: Sequence[Any],
                            ) -> list[tuple[str, list[str]]]:
    """Areas whose `meetup_topics` or keywords name one of a group's topics (case-insensitive,
    whole topic), with the topics that matched; areas in taxonomy order."""
    wanted = {_topic_key(t): t for t in topics if t and t.strip()}
    result = []
    for area in areas:
        names = {_topic_key(t) for t in (getattr(area, "meetup_topics", None) or [])}
        names |= {_topic_key(k) for k in (getattr(area, "keywords", None) or []) if not _is_acronym(k)}
        matched = [original for key, original in wanted.items() if key in names]
        if matched:
            result.append((area.id, matched))
    return result


# ---------------------------------------------------------------- a parsed page

_SKIP = frozenset({"script", "style", "noscript", "template", "svg"})
_HEADINGS = ("h2", "h3", "h4")


def text_parts(soup: Any) -> dict[str, str]:
    """Split a BeautifulSoup tree into the parts `score_page` weighs: title, h1, og (OpenGraph
    title/site name), description (meta/og description), headings (h2-h4), nav (nav, header),
    footer, body (everything else)."""
    def meta(*names: str) -> str:
        out = []
        for tag in soup.find_all("meta"):
            key = (tag.get("property") or tag.get("name") or "").lower()
            if key in names and tag.get("content"):
                out.append(str(tag.get("content")))
        return " \n".join(out)

    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    parts = {
        "title": title,
        "og": meta("og:title", "og:site_name"),
        "description": meta("description", "og:description"),
        "h1": " \n".join(h.get_text(" ", strip=True) for h in soup.find_all("h1")),
        "headings": " \n".join(h.get_text(" ", strip=True) for h in soup.find_all(_HEADINGS)),
    }
    nav, footer, body = [], [], []
    for string in soup.find_all(string=True):
        parent_names = [p.name for p in string.parents]
        if any(n in _SKIP for n in parent_names) or "head" in parent_names:
            continue
        text = str(string).strip()
        if not text:
            continue
        if "footer" in parent_names:
            footer.append(text)
        elif "nav" in parent_names or "header" in parent_names:
            nav.append(text)
        else:
            body.append(text)
    parts.update(nav=" \n".join(nav), footer=" \n".join(footer), body=" \n".join(body))
    return parts
