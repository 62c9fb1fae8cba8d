"""Taxonomy keywords -> domain-area evidence: which areas a page speaks of, and how prominently.

Pure functions. A page's text is folded and cut into its distinct words once, in C; the
taxonomy's keywords (every language, compiled once per taxonomy into a `WordMatcher`) are found
by intersecting word sets, and only a keyword of several words whose words are all present gets a
small regular expression of its own (see "the matching engine" below): about 0.1 ms for a
typical page, under 1 ms for 60 KB of keyword-dense text, linear in the text with no
backtracking (a 5 MB page takes well under a second). Matching is on word boundaries, Unicode-aware,
accent-insensitive ("pensaernïaeth" == "pensaerniaeth"), and case-insensitive except for
acronyms written in capitals in the taxonomy (VR, AR, AI, TV, NHS...), which must appear in
capitals so the Welsh word "ar" or the English "ai" in other words are not read as AR / AI.

Where a keyword appears decides its weight (`PART_WEIGHTS`): title, h1 and OpenGraph text count
most, then headings and the meta description, then body and about-page text, least the
navigation, footer and news items. A page's score in an area is the sum, over the distinct
keywords hit, of the best weight each was seen at (repeating a word adds nothing).

    compile_areas(areas) -> Matcher                      cached per taxonomy
    score_page(text_parts | str, areas) -> {area_id: (score, [keywords])}
    prepare_parts(text_parts, scope=None) -> ({weight: Prepared}, whole page Prepared)
                                                         fold and cut once (scope: words kept)
    score_prepared(by_weight, areas) -> as score_page
    domain_areas_for_pages(pages) -> [(area_id, score 0..1, [{"url", "keywords"}])]
    areas_for_meetup_topics(topics, areas) -> [(area_id, [topics])]
    text_parts(soup) -> {"title", "h1", "og", "description", "headings", "body", "nav", "footer"}
"""

from __future__ import annotations

import math
import re
import unicodedata
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


# ---------------------------------------------------------------- the matching engine
#
# A keyword is found where the folded text holds it as whole words (see `fold`). The text is
# not scanned keyword by keyword nor position by position in Python: it is cut into its words
# once, in C (bytes.translate + split), and the set of its words is intersected with the set of
# the keywords' words (set operations run in C). A page prepared for classification keeps only
# the words its matchers look for (`prepare_parts`' scope): each word is looked up once in
# their joint vocabulary instead of gathered into a set of its own. A one-word keyword is then
# found when its word is in the set; a keyword of several words, or an acronym
# (case-sensitive), is looked for with its own small regular expression only when all its
# words are in the set. Runs of spaces and dashes are matched in place (`[\s-]+`) instead of
# folding them out of the whole text first.

# Bytes kept as word bytes by the tokeniser: ASCII letters, digits and "_" (what `\w` means in
# ASCII) and every byte of a multi-byte UTF-8 character (such pieces are cut again with `\w`).
_KEEP = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_WORD_TABLE = bytes(c if c in _KEEP or c >= 0x80 else 0x20 for c in range(256))
_ASCII_BYTES = bytes(range(0x80))
_WORD = re.compile(r"\w+")
_SPACE_RUN = r"[\s\-\u2010-\u2015]+"  # what one space of a folded keyword stands for


# Texts with at most this many distinct non-ASCII characters are folded character by character.
_FEW_CHARS = 48


def fold_letters(text: str) -> str:
    """`fold` without its space/dash step: accents and compatibility forms removed (the step
    that changes words). A text's few distinct non-ASCII characters are folded one by one and
    replaced in C, instead of normalising the whole text (see `_fold_char`)."""
    if text.isascii():
        return text
    # The few distinct non-ASCII characters, found in C.
    others = set(text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
                 .decode("utf-8", "surrogatepass"))
    if len(others) <= _FEW_CHARS:
        folds = [(char, _fold_char(char)) for char in others]
        if all(folded is not None for _, folded in folds):
            for char, folded in folds:
                if folded != char:
                    text = text.replace(char, folded)  # type: ignore[arg-type]
            return text
    return _fold_normalising(text)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str | None:
    """One character's NFKD decomposition without the combining marks U+0300..U+036F, or None
    when it holds another combining mark.

    NFKD decomposes each character on its own, then sorts each run of combining marks by
    class. When every combining mark of the decomposed text is one of those dropped, the sort
    moves nothing that is kept, so folding the text is folding each character: the pieces are
    already decomposed, so replacing one character never makes another to replace."""
    kept = []
    for piece in unicodedata.normalize("NFKD", char):
        if "\u0300" <= piece <= "\u036f":
            continue
        if unicodedata.combining(piece):
            return None
        kept.append(piece)
    return "".join(kept)


def _fold_normalising(text: str) -> str:
    """`fold_letters` by normalising the whole text: for texts of many distinct characters or
    with combining marks other than U+0300..U+036F, which the canonical ordering may move."""
    if "\xa0" in text:  # NFKD of a no-break space is a space: the commonest case, done in C
        text = text.replace("\xa0", " ")
    if not unicodedata.is_normalized("NFKD", text):
        text = unicodedata.normalize("NFKD", text)
    # The few distinct non-ASCII characters, found in C; the combining marks among them dropped.
    others = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
    # U+0300..U+036F encode as CC 80..CD AF: without those lead bytes there is nothing to drop
    if b"\xcc" in others or b"\xcd" in others:
        for char in set(others.decode("utf-8", "surrogatepass")):
            if "\u0300" <= char <= "\u036f":
                text = text.replace(char, "")
    return text


def _tokens_of(lower: str) -> list[str]:
    """The `\\w+` words of a text in order, cut in C (bytes.translate and str.split)."""
    if not lower.isascii():
        # Non-ASCII characters that are not word characters (’ © – “) become spaces, found from
        # the few distinct non-ASCII characters present; the others are kept as word bytes.
        others = lower.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
        for char in set(others.decode("utf-8", "surrogatepass")):
            if not char.isalnum():
                lower = lower.replace(char, " ")
    return (lower.encode("utf-8", "surrogatepass").translate(_WORD_TABLE)
            .decode("utf-8", "surrogatepass").split())


class Prepared:
    """A text made ready for matching once, whatever the number of matchers that read it: the
    folded text, its lower case, the set of its lower-case words and (for `adjacent`) the
    words in order.

    `scope`, when set, is the vocabulary the words were kept from: `words` then holds only the
    text's words in it (a page's hundreds of words are looked up in one set instead of being
    gathered into their own), which is all a matcher whose words the scope holds reads."""

    __slots__ = ("folded", "lower", "words", "_tokens", "_line", "scope")

    def __init__(self, folded: str, lower: str, words: frozenset[str],
                 tokens: list[str] | None = None, scope: frozenset[str] | None = None) -> None:
        self.folded, self.lower, self.words = folded, lower, words
        self._tokens = tokens
        self._line: str | None = None
        self.scope = scope

    def __bool__(self) -> bool:
        return bool(self.folded)

    @classmethod
    def of(cls, text: str) -> Prepared:
        folded = fold_letters(text)
        lower = folded.lower()
        tokens = _tokens_of(lower)
        return cls(folded, lower, frozenset(tokens), tokens)

    @classmethod
    def joined(cls, parts: Sequence[Prepared], sep: str = " \n") -> Prepared:
        """The prepared form of `sep.join(texts)` (folding works character by character, and a
        separator of non-word characters joins no two words)."""
        if len(parts) == 1:
            return parts[0]
        scope = parts[0].scope if parts else None
        if any(p.scope is not scope for p in parts):
            raise ValueError("parts prepared with different scopes cannot be joined")
        words: frozenset[str] = frozenset().union(*(p.words for p in parts))
        tokens = None if any(p._tokens is None for p in parts) else \
            [t for p in parts for t in p._tokens]  # type: ignore[union-attr]
        return cls(sep.join(p.folded for p in parts), sep.join(p.lower for p in parts), words,
                   tokens, scope)

    def adjacent(self, words: str) -> bool:
        """Whether these words (" a b ", spaces around) follow one another in the text with
        nothing but non-word characters between them: true of every match of a keyword made of
        them, so when false no regex need look (one C substring search)."""
        if self._line is None:
            if self._tokens is None:
                return True
            self._line = " " + " ".join(self._tokens) + " "
        return words in self._line


# Joins the parts of a page that weigh the same: neither a word, a space nor a dash, so no
# keyword is found across it and each part reads as if alone.
_PART_JOIN = " \x00 "


def prepare_parts(parts: Mapping[str, str], scope: frozenset[str] | None = None,
                  ) -> tuple[dict[float, Prepared], Prepared]:
    """A page's parts made ready once: those of equal weight (`PART_WEIGHTS`) read as one text,
    and the whole page (the parts joined by " \\n", in order) for the sector words.

    With a `scope` (every word the matchers that will read them look for, see
    `WordMatcher.vocabulary`), each text keeps only its words in the scope."""
    folded: list[str] = []
    lower: list[str] = []
    tokens: list[str] = []
    grouped: dict[float, tuple[list[str], list[str], list[str]]] = {}
    weights = PART_WEIGHTS
    for part, text in parts.items():
        if not text:
            continue
        if text.isascii():  # most parts: nothing to fold, words cut without the non-ASCII step
            f, low = text, text.lower()
            toks = low.encode().translate(_WORD_TABLE).decode().split()
        else:
            f = fold_letters(text)
            low = f.lower()
            toks = _tokens_of(low)
        folded.append(f)
        lower.append(low)
        tokens += toks
        group = grouped.get(weights.get(part, DEFAULT_WEIGHT))
        if group is None:
            grouped[weights.get(part, DEFAULT_WEIGHT)] = ([f], [low], toks)
        else:
            group[0].append(f)
            group[1].append(low)
            group[2].extend(toks)  # words of two parts side by side: `adjacent` may say yes, never no
    by_weight: dict[float, Prepared] = {}
    for weight, (fs, lows, toks) in grouped.items():
        by_weight[weight] = Prepared(fs[0] if len(fs) == 1 else _PART_JOIN.join(fs),
                                     lows[0] if len(lows) == 1 else _PART_JOIN.join(lows),
                                     frozenset(toks) if scope is None else scope.intersection(toks),
                                     toks, scope)
    if len(folded) == 1:
        return by_weight, next(iter(by_weight.values()))
    words: frozenset[str] = frozenset().union(*(p.words for p in by_weight.values()))
    return by_weight, Prepared(" \n".join(folded), " \n".join(lower), words, tokens, scope)


def prepare(text: str | Prepared) -> Prepared:
    """`Prepared.of(text)`, or the text itself when already prepared."""
    return text if isinstance(text, Prepared) else Prepared.of(text)


def _word_keys(folded_keyword: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(folded_keyword.lower()))


def _keyword_regex(folded_keyword: str) -> str:
    """The keyword as a whole-word pattern whose spaces stand for runs of spaces and dashes.
    It starts with its first word as a literal (the word-start test is a look-behind placed after
    it) so the regex engine skips to the candidates with a fast substring search. A match ends
    where its group 1 ends."""
    if not _WORD.match(folded_keyword):  # no literal word start: test the boundary first
        body = _SPACE_RUN.join(map(re.escape, folded_keyword.split(" ")))
        return rf"(?<!\w)(?=({body})(?!\w))"
    first = re.escape(_WORD.match(folded_keyword).group())
    rest = _SPACE_RUN.join(re.escape(piece) for piece in folded_keyword.split(" "))[len(first):]
    # The rest in a look-ahead (group 1): only the first word is consumed, so a keyword that
    # overlaps itself ("ab ab" in "ab ab ab") is found at every start, as a look-ahead scan would.
    return rf"{first}(?<!\w{first})(?=({rest})(?!\w))"


@dataclass
class _Keyword:
    key: Any
    words: tuple[str, ...]     # lower-case words, for the candidate test
    text: str                  # folded keyword (lower case unless case-sensitive)
    sensitive: bool
    _regex: re.Pattern[str] | None = None
    rest: frozenset[str] = frozenset()  # its words after the first, for the candidate test
    probe: str = ""                     # its words as `Prepared.adjacent` looks for them
    one_word: bool = False              # a single whole word (found in some case: check the case)

    def __post_init__(self) -> None:
        self.rest = frozenset(self.words[1:])
        self.probe = " " + " ".join(self.words) + " "
        self.one_word = len(self.words) == 1 and bool(_WORD.fullmatch(self.text))

    def finditer(self, prepared: Prepared) -> Iterable[re.Match[str]]:
        if self._regex is None:
            self._regex = re.compile(_keyword_regex(self.text))
        return self._regex.finditer(prepared.folded if self.sensitive else prepared.lower)


class WordMatcher:
    """Whole-word keywords of one list, found by word sets first (see above).

    `overlap=True` reads like a look-ahead scan: at each word start the longest keyword there,
    and a keyword inside an earlier, longer match is the same mention ("datblygu gemau" holds no
    "gemau") while overlapping ones both count ("indie games studio"). `overlap=False` reads like
    `re.findall`: non-overlapping matches, the longest at each point, scanning on after each.
    A keyword that does not start and end with a word character is looked for on every text."""

    def __init__(self, entries: Iterable[tuple[Any, str, bool]], overlap: bool) -> None:
        self.overlap = overlap
        self.single: dict[str, list[_Keyword]] = {}       # case-insensitive one-word keywords
        self.by_first: dict[str, list[_Keyword]] = {}     # every other keyword, by first word
        self.always: list[_Keyword] = []                    # keywords not made of whole words
        for key, folded, sensitive in entries:
            text = folded if sensitive else folded.lower()
            kw = _Keyword(key, _word_keys(folded), text, sensitive)
            if not (_WORD.match(text) and _WORD.match(text[-1])):
                self.always.append(kw)  # "c++", ".net": looked for on every text
            elif not sensitive and len(kw.words) == 1 and _WORD.fullmatch(text):
                self.single.setdefault(kw.words[0], []).append(kw)
            else:
                self.by_first.setdefault(kw.words[0], []).append(kw)
        self.single_words = frozenset(self.single)
        self.single_keys = {w: tuple(kw.key for kw in kws) for w, kws in self.single.items()}
        self.first_words = frozenset(self.by_first)
        # Every word a candidate test below reads (a `Prepared.scope` must hold them all).
        self.vocabulary: frozenset[str] = self.single_words | self.first_words | frozenset(
            word for kws in self.by_first.values() for kw in kws for word in kw.rest)
        self._scope_checked: frozenset[str] | None = None

    def _check_scope(self, scope: frozenset[str]) -> None:
        """A text whose words were kept from a scope can be read only when the scope holds
        every word this matcher looks for (checked once per scope in a row)."""
        if not self.vocabulary <= scope:
            raise ValueError("the text was prepared for other keywords (its scope lacks words)")
        self._scope_checked = scope

    def find(self, prepared: Prepared) -> set[Any]:
        """The keys of the keywords found in this text."""
        scope = prepared.scope
        if scope is not None and scope is not self._scope_checked:
            self._check_scope(scope)
        words = prepared.words
        single_hits = words & self.single_words
        firsts = words & self.first_words
        if not firsts and not self.always:  # one-word keywords only: set operations alone
            return {key for w in single_hits for key in self.single_keys[w]}
        spans: dict[bool, list[tuple[int, int, _Keyword]]] = {}
        acronyms: list[_Keyword] = []  # case-sensitive one-word keywords found in their case
        candidates = [kw for first in firsts for kw in self.by_first[first] if kw.rest <= words]
        for kw in candidates + self.always:
            if kw.one_word:  # an acronym: its word is here in some case
                for _ in kw.finditer(prepared):
                    acronyms.append(kw)
                    break
                continue
            if kw.rest and not prepared.adjacent(kw.probe):
                continue  # its words are all here, but never one after the other
            spans.setdefault(kw.sensitive, []).extend(
                (m.start(), m.end(1), kw) for m in kw.finditer(prepared))
        if not spans:  # no longer keyword here: every one-word keyword found counts
            found = {key for w in single_hits for key in self.single_keys[w]}
            found.update(kw.key for kw in acronyms)
            return found
        found = set()
        singles = [kw for w in single_hits for kw in self.single[w]]
        singles += acronyms
        covered: dict[bool, list[tuple[int, int]]] = {}
        for sensitive, matches in spans.items():
            counted, cover = self._resolve(matches)
            found.update(kw.key for kw in counted)
            covered[sensitive] = cover
        inner = {sensitive: {w for _, _, kw in matches for w in kw.words}
                 for sensitive, matches in spans.items()}
        for kw in singles:
            cover = covered.get(kw.sensitive)
            # A word is not counted alone where it is part of a longer keyword's match.
            if (not cover or kw.words[0] not in inner[kw.sensitive]
                    or any(not _inside(m.start(), cover) for m in kw.finditer(prepared))):
                found.add(kw.key)
        return found

    def _resolve(self, matches: list[tuple[int, int, _Keyword]],
                 ) -> tuple[list[_Keyword], list[tuple[int, int]]]:
        """The several-word keywords counted, and the spans whose words are not counted alone."""
        longest: dict[int, tuple[int, _Keyword]] = {}
        for start, end, kw in matches:
            if start not in longest or end > longest[start][0]:
                longest[start] = (end, kw)
        counted: list[_Keyword] = []
        cover: list[tuple[int, int]] = []
        reach = 0
        for start in sorted(longest):
            end, kw = longest[start]
            if self.overlap:
                if end > reach:
                    counted.append(kw)
                    reach = end
                cover.append((start, end))
            elif start >= reach:
                counted.append(kw)
                cover.append((start, end))
                reach = end
        return counted, cover


def _inside(position: int, cover: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in cover)


@dataclass(frozen=True)
class Matcher:
    """The compiled keywords of a taxonomy: which (area, keyword) a matched text stands for."""

    words: WordMatcher
    lookup: dict[str, tuple[tuple[str, str], ...]]  # folded key -> ((area_id, keyword), ...)
    area_ids: tuple[str, ...]

    def hits(self, text: str | Prepared) -> set[tuple[str, str]]:
        """The distinct (area_id, keyword) pairs found in `text`; overlapping keywords both count
        ("indie games studio"), a keyword inside a longer one does not ("datblygu gemau")."""
        found: set[tuple[str, str]] = set()
        if not text:
            return found
        for key in self.words.find(prepare(text)):
            found.update(self.lookup[key])
        return found


def _signature(areas: Sequence[AreaLike]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((a.id, tuple(getattr(a, "keywords", None) or ())) for a in areas)


_BY_IDENTITY: dict[int, tuple[Sequence[AreaLike], Matcher]] = {}


def compile_areas(areas: Sequence[AreaLike]) -> Matcher:
    """The matcher of these areas' keywords (cached: compiling is done once per taxonomy; the
    same tuple of areas passed again is recognised without reading its keywords)."""
    if isinstance(areas, tuple):
        known = _BY_IDENTITY.get(id(areas))
        if known is not None and known[0] is areas:
            return known[1]
        matcher = _compile(_signature(areas))
        if len(_BY_IDENTITY) >= 16:
            _BY_IDENTITY.clear()
        _BY_IDENTITY[id(areas)] = (areas, matcher)  # holding `areas` keeps its id unique
        return matcher
    return _compile(_signature(areas))


@lru_cache(maxsize=16)
def _compile(signature: tuple[tuple[str, tuple[str, ...]], ...]) -> Matcher:
    lookup: dict[str, list[tuple[str, str]]] = {}
    entries: dict[str, tuple[str, str, bool]] = {}
    for area_id, keywords in signature:
        for keyword in keywords:
            folded = fold(keyword.strip()).strip()
            if not folded:
                continue
            if _is_acronym(folded):
                key = "cs:" + folded
                entries.setdefault(key, (key, folded, True))
            else:
                key = "ci:" + folded.casefold()
                entries.setdefault(key, (key, folded.casefold(), False))
            pairs = lookup.setdefault(key, [])
            if (area_id, keyword) not in pairs:
                pairs.append((area_id, keyword))
    return Matcher(words=WordMatcher(entries.values(), overlap=True),
                   lookup={k: tuple(v) for k, v in lookup.items()},
                   area_ids=tuple(a for a, _ in signature))


# ---------------------------------------------------------------- one page


def score_page(parts: Mapping[str, str] | str, areas: Sequence[AreaLike] | Matcher,
               ) -> dict[str, tuple[float, list[str]]]:
    """Each area hit on this page: (weighted score, keywords in order of weight then name)."""
    if isinstance(parts, str):
        parts = {"body": parts}
    return score_prepared(prepare_parts(parts)[0], areas)


def score_prepared(by_weight: Mapping[float, Prepared], areas: Sequence[AreaLike] | Matcher,
                   ) -> dict[str, tuple[float, list[str]]]:
    """`score_page` of a page whose parts `prepare_parts` made ready, grouped by weight."""
    matcher = areas if isinstance(areas, Matcher) else compile_areas(areas)
    find, lookup = matcher.words.find, matcher.lookup
    best: dict[tuple[str, str], float] = {}
    for weight, text in by_weight.items():
        if not text:
            continue
        for key in find(prepare(text)):  # `matcher.hits`, without a set of pairs per part
            for pair in lookup[key]:
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
