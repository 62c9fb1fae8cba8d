"""The word-set keyword engine (keywords.WordMatcher) against a plain regex reading of the same
rules, on generated texts dense in keywords, near-misses, accents, dashes and odd spacing.

The reference below is the scanner the engine replaced: the folded text scanned once with a
prefix-tree regex per case rule, in a look-ahead (keywords: overlapping matches, a keyword inside
an earlier longer match not counted) or with findall (sector words: non-overlapping)."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvester.extract.classify import _WORD_SECTORS, _scope, affiliation, sector_words
from harvester.extract.keywords import (
    _PART_JOIN,
    PART_WEIGHTS,
    Prepared,
    WordMatcher,
    _is_acronym,
    _trie_pattern,
    compile_areas,
    fold,
    fold_letters,
    prepare_parts,
    score_page,
    score_prepared,
)
from harvester.taxonomy import load_taxonomy

AREAS = tuple(load_taxonomy())


def _reference_hits(text: str) -> set[tuple[str, str]]:
    """(area, keyword) pairs by the regex scanner: one look-ahead trie per case rule."""
    matcher = compile_areas(AREAS)
    ci = sorted({k[3:] for k in matcher.lookup if k.startswith("ci:")})
    cs = sorted({k[3:] for k in matcher.lookup if k.startswith("cs:")})
    found: set[tuple[str, str]] = set()
    folded = fold(text)
    for words, flags, prefix in ((ci, re.IGNORECASE, "ci:"), (cs, 0, "cs:")):
        pattern = re.compile(r"(?<!\w)(?=(" + _trie_pattern(words) + r")(?!\w))", flags)
        reach, seen = 0, set()
        for match in pattern.finditer(folded):
            if match.end(1) <= reach:
                continue
            reach = match.end(1)
            raw = match.group(1)
            if raw not in seen:
                seen.add(raw)
                found.update(matcher.lookup.get(prefix + (raw.casefold() if flags else raw), ()))
    return found


def _reference_sector_words(text: str) -> dict[str, list[str]]:
    pattern = re.compile(rf"(?<!\w)(?:{_trie_pattern(sorted(_WORD_SECTORS))})(?!\w)", re.IGNORECASE)
    found: dict[str, set[str]] = {}
    for raw in set(pattern.findall(fold(text))):
        key = raw.casefold()
        for sector in _WORD_SECTORS.get(key, ()):
            found.setdefault(sector, set()).add(key)
    return {sector: sorted(words) for sector, words in found.items()}


_KEYWORD_WORDS = sorted({w for a in AREAS for k in a.keywords for w in k.split()}
                        | {w for k in _WORD_SECTORS for w in k.split()})
_PIECES = [*_KEYWORD_WORDS, "VR", "vr", "Ar", "AR", "AI", "ai", "GAMES", "Gemau", "pensaernïaeth",
           "e\u0301", "ß", "’", "©", "café", "x", "_", "9"]
_GLUE = [" ", "  ", "-", " - ", "\u2013", "\n", "\xa0", ", ", ".", "", "&", "/", " \u2014 ", "\t"]

texts = st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_GLUE)), max_size=60).map(
    lambda items: "".join(piece + glue for piece, glue in items))


@settings(max_examples=400, deadline=None)
@given(text=texts)
def test_engine_reads_keywords_like_the_regex_scanner(text: str) -> None:
    assert compile_areas(AREAS).hits(text) == _reference_hits(text)


@settings(max_examples=400, deadline=None)
@given(text=texts)
def test_engine_reads_sector_words_like_findall(text: str) -> None:
    assert sector_words(text) == _reference_sector_words(text)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_engine_on_arbitrary_unicode(text: str) -> None:
    assert compile_areas(AREAS).hits(text) == _reference_hits(text)
    assert sector_words(text) == _reference_sector_words(text)


@pytest.mark.parametrize("text", [
    "indie games studio", "datblygu gemau and gemau", "games studio games", "county council council",
    "the county council", "virtual-reality\nstudio", "VR vr Vr", "r & d, c++ and .net", "",
    "Pensaernïaeth – pensaerniaeth", "video\xa0games", "registered charity, charity",
])
def test_engine_examples(text: str) -> None:
    assert compile_areas(AREAS).hits(text) == _reference_hits(text)
    assert sector_words(text) == _reference_sector_words(text)


def test_prepared_words_match_a_unicode_regex() -> None:
    text = "Don’t stop — café ß Straße naïve e\u0301t\u00e9 ©2024 x_y 9am\xa0VR"
    prepared = Prepared.of(text)
    assert prepared.words == frozenset(re.findall(r"\w+", fold(text).lower()))
    assert re.sub(r"[\s\-\u2010-\u2015]+", " ", fold_letters(text)) == fold(text)


def test_joined_parts_read_like_the_joined_text() -> None:
    parts = ["school", "of art", "Department", "of Film; council"]
    joined = Prepared.joined([Prepared.of(p) for p in parts])
    assert sector_words(joined) == sector_words(" \n".join(parts))


def test_keywords_that_are_not_whole_words() -> None:
    matcher = WordMatcher([("c++", "c++", False), (".net", ".net", False), ("c", "c", False)],
                          overlap=True)
    assert matcher.find(Prepared.of("We write C++ and .NET; c")) == {"c++", ".net", "c"}
    assert matcher.find(Prepared.of("C++ only")) == {"c++"}
    assert _is_acronym("VR")


def test_parts_of_one_weight_do_not_join_into_a_keyword() -> None:
    parts = {"title": "Indie", "h1": "games studio", "og": "video", "body": "games"}
    scored = score_page(parts, AREAS)
    assert scored["games"][1] == ["games studio"]  # no "indie games", no "video games"
    assert score_page({"title": "Indie games"}, AREAS)["games"][1] == ["indie games"]


def test_adjacent_words_probe() -> None:
    prepared = Prepared.of("Our clients, and our members - all welcome")
    assert prepared.adjacent(" our members ") and prepared.adjacent(" clients and ")
    assert not prepared.adjacent(" our clients and our clients ")
    assert not prepared.adjacent(" members our ")


def test_a_keyword_that_overlaps_itself() -> None:
    matcher = WordMatcher([("ab ab", "ab ab", False), ("ab", "ab", False)], overlap=True)
    assert matcher.find(Prepared.of("ab ab ab")) == {"ab ab"}  # the last "ab" is in the 2nd match
    assert matcher.find(Prepared.of("ab ab, ab")) == {"ab ab", "ab"}
    findall = WordMatcher([("ab ab", "ab ab", False), ("ab", "ab", False)], overlap=False)
    assert findall.find(Prepared.of("ab ab ab")) == {"ab ab", "ab"}  # findall resumes after the 1st


# fold_letters folds a text's few distinct non-ASCII characters one by one; the reference
# normalises the whole text. Characters whose decomposition or own combining class the
# canonical ordering could move (Thai and Hebrew marks, U+0344, dakuten) sit beside accents.
_FOLD_CHARS = ("aeiouAEIOU ,-\xa0\u00e9\u00fc\u00dc\u00f6\u00df\u00e2\u00ee\u0177\u0175\u2019\u2013"
               "\u2014\u2026\u00a9\ufb01\u2167\u2460\u00bd\u0130\u0131\u017f\u212a\u03a3\u03c2"
               "\u0301\u0308\u0323\u0327\u034f\u0344\u0345\u0e48\u0e01\u05b8\u05d0\u3099\u304b"
               "\u30ac\uac00\u1100\u1161\u0915\u093c\u1e9b\u01c4\ud800\u00a8\u0385")


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=_FOLD_CHARS, max_size=40) | st.text(max_size=60))
def test_fold_letters_is_nfkd_without_the_combining_accents(text: str) -> None:
    expected = re.sub("[\u0300-\u036f]", "", unicodedata.normalize("NFKD", text))
    assert fold_letters(text) == expected


def test_fold_letters_of_many_distinct_characters() -> None:
    text = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 200)) + " caf\u00e9 \u0e01\u0e48"
    assert fold_letters(text) == re.sub("[\u0300-\u036f]", "", unicodedata.normalize("NFKD", text))


# classify_page prepares a page's parts keeping only the words its matchers look for (a scope):
# the same keywords, sector words and affiliation as the full word sets and the regex reading.
_PART_NAMES = ["title", "og", "description", "h1", "headings", "body", "about", "nav", "footer",
               "news", "other"]
pages = st.dictionaries(st.sampled_from(_PART_NAMES), texts | st.text(max_size=40), max_size=8)


@settings(max_examples=300, deadline=None)
@given(parts=pages)
def test_scoped_parts_read_like_full_word_sets(parts: dict[str, str]) -> None:
    matcher = compile_areas(AREAS)
    scope = _scope(matcher)
    scoped, whole_scoped = prepare_parts(parts, scope)
    full, whole_full = prepare_parts(parts)
    assert score_prepared(scoped, matcher) == score_prepared(full, matcher)
    expected_words = _reference_sector_words(" \n".join(t for t in parts.values() if t))
    assert sector_words(whole_scoped) == sector_words(whole_full) == expected_words
    assert affiliation(whole_scoped) == affiliation(whole_full) == affiliation(whole_full.folded)
    for weight, prepared in scoped.items():
        group = [t for p, t in parts.items() if t and PART_WEIGHTS.get(p, 1.0) == weight]
        assert matcher.hits(prepared) == _reference_hits(_PART_JOIN.join(group))
        assert prepared.words == full[weight].words & scope


def test_a_scope_must_hold_the_matchers_words() -> None:
    small = frozenset({"games"})
    by_weight, whole = prepare_parts({"title": "Indie games studio", "body": "council"}, small)
    assert by_weight[3.0].words == {"games"}
    with pytest.raises(ValueError):
        compile_areas(AREAS).hits(by_weight[3.0])
    with pytest.raises(ValueError):
        sector_words(whole)
    with pytest.raises(ValueError):
        affiliation(whole)
    with pytest.raises(ValueError):
        Prepared.joined([by_weight[3.0], Prepared.of("studio")])
