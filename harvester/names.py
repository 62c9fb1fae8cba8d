"""Organisation-name normalisation and similarity, for resolving organisations without a domain.

`name_key` folds the ways one organisation is written on different pages into one key:
case, accents, punctuation, "&"/"and", a leading "The", legal-form suffixes (Ltd, Limited, PLC,
LLP, CIC, Community Interest Company, Welsh "Cyf"/"Cyfyngedig" and "CBC"), and the two word
orders of a university ("University of Bristol" == "Bristol University"). Welsh "Prifysgol X"
is read as "X University", with the few Welsh city names that differ from the English ones
mapped ("Prifysgol Caerdydd" == "Cardiff University"); other Welsh names stay as written.

`similar` scores two names 0..100 on their keys (rapidfuzz), so word order and legal forms do
not count against a match.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

# Legal-form words dropped from the end of a name (several may stack: "Foo Holdings Ltd").
_LEGAL_SUFFIXES = (
    ("community", "interest", "company"),
    ("cwmni", "buddiant", "cymunedol"),
    ("limited", "liability", "partnership"),
    ("public", "limited", "company"),
    ("ltd",), ("limited",), ("plc",), ("llp",), ("cic",), ("cbc",), ("cyf",), ("cyfyngedig",),
    ("inc",), ("llc",), ("co",), ("uk", "ltd"), ("gmbh",),
)
# Welsh place names whose English form differs: "Prifysgol Caerdydd" == "Cardiff University".
_WELSH_PLACES = {
    "caerdydd": "cardiff", "abertawe": "swansea", "casnewydd": "newport",
    "de cymru": "south wales", "cymru": "wales", "wrecsam": "wrexham", "caerfyrddin": "carmarthen",
    "met caerdydd": "cardiff metropolitan",
}
_NON_WORD = re.compile(r"[^a-z0-9]+")
_APOSTROPHE = re.compile(r"['\u2019`]")


def _fold(text: str) -> str:
    """Lower-case ASCII with accents removed: 'Pensaernïaeth' -> 'pensaerniaeth'."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _strip_legal(words: list[str]) -> list[str]:
    changed = True
    while changed and len(words) > 1:
        changed = False
        for suffix in _LEGAL_SUFFIXES:
            n = len(suffix)
            if len(words) > n and tuple(words[-n:]) == suffix:
                words = words[:-n]
                changed = True
                break
    return words


def _university_order(key: str) -> str:
    """'university of bristol' / 'prifysgol bristol' -> 'bristol university'."""
    for prefix in ("the university of ", "university of ", "prifysgol "):
        if key.startswith(prefix) and len(key) > len(prefix):
            place = key[len(prefix):]
            if prefix == "prifysgol ":
                place = _WELSH_PLACES.get(place, place)
            return f"{place} university"
    return key


def name_key(name: str | None) -> str:
    """The matching key of an organisation name: 'The Watershed Media Centre Ltd.' ->
    'watershed media centre'; '' for empty or punctuation-only names."""
    if not name:
        return ""
    text = _APOSTROPHE.sub("", _fold(name.replace("&", " and ").replace("+", " and ")))
    text = _NON_WORD.sub(" ", text)
    words = text.split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    words = _strip_legal(words)
    return _university_order(" ".join(words))


def similar(a: str | None, b: str | None) -> float:
    """0..100: how alike two organisation names are once normalised (100 = same key)."""
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 100.0
    return float(fuzz.token_sort_ratio(ka, kb))
