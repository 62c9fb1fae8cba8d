"""The domain-area taxonomy (`seeds/taxonomy.yaml`): load it, check it, mirror it into DomainArea.

The file names each area's id, label, the DCMS SIC codes it maps to, its keywords per language
(`en`, `cy`, ...) and the Meetup topic names that count as evidence for it. Classification
(`extract/classify.py`) reads `Area.keywords`; seed files are checked against the area ids.

Which file: the `path` given, else `HARVESTER_TAXONOMY`, else `./seeds/taxonomy.yaml`, else the
copy beside the package in a source checkout. Every problem is reported as `FILE:LINE: message`
(raised together as `SeedFileError`), like seed files.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session
from yaml.nodes import MappingNode

from harvester.errors import BadInput, SeedFileError
from harvester.models import DomainArea
from harvester.yamlfile import YamlChecker, display_path, line_of, read_text

TAXONOMY_ENV = "HARVESTER_TAXONOMY"
TAXONOMY_VERSION = 1
AREA_KEYS = ("id", "label", "sic", "keywords", "meetup_topics")
AREA_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANG = re.compile(r"^[a-z]{2,3}$")
# SIC 2007: a division "59", a class "59.11" or a five-digit Companies House subclass "59111".
SIC = re.compile(r"^\d{2}(?:\.\d{1,2}|\d{3})?$")


@dataclass(frozen=True)
class Area:
    """One domain area. `keywords` holds every language's keywords, in file order, without
    repeats; `keywords_by_lang` keeps them apart (`{"en": [...], "cy": [...]}`)."""

    id: str
    label: str
    sic: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    keywords_by_lang: dict[str, list[str]] = field(default_factory=dict)
    meetup_topics: list[str] = field(default_factory=list)


def default_taxonomy_path() -> Path:
    """`HARVESTER_TAXONOMY`, else `./seeds/taxonomy.yaml`, else the repository's copy."""
    env = os.environ.get(TAXONOMY_ENV)
    if env:
        return Path(env)
    local = Path("seeds") / "taxonomy.yaml"
    if local.is_file():
        return local
    import harvester

    return Path(harvester.__file__).resolve().parent.parent / "seeds" / "taxonomy.yaml"


def load_taxonomy(path: Path | None = None) -> list[Area]:
    """The areas of a taxonomy file; raises SeedFileError listing every problem."""
    path = Path(path) if path is not None else default_taxonomy_path()
    if not path.is_file():
        raise BadInput(f"{display_path(path)}: taxonomy file not found "
                       f"(set {TAXONOMY_ENV} or run from the folder that holds seeds/taxonomy.yaml)")
    source = display_path(path)
    problems: list[str] = []
    text = read_text(path, source, problems)
    areas = parse_taxonomy(text, source, problems) if text is not None else []
    if problems:
        raise SeedFileError(problems)
    return areas


def parse_taxonomy(text: str, source: str, problems: list[str]) -> list[Area]:
    """Pure: the areas in `text`; problems are appended as `FILE:LINE: message`."""
    check = YamlChecker(source, problems)
    root = check.compose(text)
    if root is None:
        if not problems:
            check.problem(1, "empty taxonomy file: expected `version: 1` and `areas:`")
        return []
    top = check.mapping(root, "the taxonomy file", allowed=("version", "areas"),
                        required=("version", "areas"))
    if top is None:
        return []
    if "version" in top:
        node = top["version"][1]
        if node.value != str(TAXONOMY_VERSION):
            check.problem(node, f"unsupported taxonomy version '{node.value}' "
                          f"(this harvester reads version {TAXONOMY_VERSION})")
    areas: list[Area] = []
    first_line: dict[str, int] = {}
    for item in (check.sequence(top["areas"][1], "areas") or []) if "areas" in top else []:
        area = _parse_area(check, item)
        if area is None:
            continue
        if area.id in first_line:
            check.problem(item, f"duplicate area id '{area.id}' (first on line {first_line[area.id]})")
            continue
        first_line[area.id] = line_of(item)
        areas.append(area)
    if "areas" in top and not areas and not problems:
        check.problem(top["areas"][1], "the taxonomy has no areas")
    return areas


def _parse_area(check: YamlChecker, node) -> Area | None:
    before = len(check.problems)
    keys = check.mapping(node, "an area", allowed=AREA_KEYS, required=("id", "label", "keywords"))
    if keys is None:
        return None
    area_id = check.string(keys["id"][1], "id") if "id" in keys else None
    if area_id is not None and not AREA_ID.match(area_id):
        check.problem(keys["id"][1], f"bad area id '{area_id}': use lower-case letters, digits "
                      "and hyphens (e.g. film-tv)")
    label = check.string(keys["label"][1], "label") if "label" in keys else None
    sic: list[str] = []
    if "sic" in keys:
        for code, code_node in check.strings(keys["sic"][1], "sic"):
            if SIC.match(code):
                sic.append(code)
            else:
                check.problem(code_node, f"bad SIC code '{code}': write a class such as \"59.11\" "
                              "or a five-digit subclass such as \"59111\" (in quotes)")
    by_lang: dict[str, list[str]] = {}
    if "keywords" in keys:
        by_lang = _parse_keywords(check, *keys["keywords"], area_id or "?")
    topics = [t for t, _ in check.strings(keys["meetup_topics"][1], "meetup_topics")] \
        if "meetup_topics" in keys else []
    if len(check.problems) > before or area_id is None or label is None:
        return None
    every: list[str] = []
    for words in by_lang.values():
        every.extend(w for w in words if w not in every)
    return Area(id=area_id, label=label, sic=sic, keywords=every, keywords_by_lang=by_lang,
                meetup_topics=topics)


def _parse_keywords(check: YamlChecker, key_node, node, area_id: str) -> dict[str, list[str]]:
    """`{lang: [keyword, ...]}`; a keyword listed twice in one area is a mistake worth naming."""
    if not isinstance(node, MappingNode):
        check.problem(node, "keywords must be a mapping of language code to a list, e.g. en: [film, cinema]")
        return {}
    by_lang: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    for lang_node, words_node in node.value:
        lang = str(lang_node.value)
        if not LANG.match(lang):
            check.problem(lang_node, f"bad language code '{lang}' in keywords: use a two-letter code "
                          "such as en or cy")
            continue
        words = []
        for word, word_node in check.strings(words_node, f"keywords.{lang}"):
            folded = word.casefold()
            if folded in seen:
                check.problem(word_node, f"keyword '{word}' is listed twice in area '{area_id}' "
                              f"(first on line {seen[folded]})")
                continue
            seen[folded] = line_of(word_node)
            words.append(word)
        by_lang[lang] = words
    if not seen:
        check.problem(key_node, f"area '{area_id}' has no keywords")
    return by_lang


def sync_domain_areas(session: Session, areas: list[Area]) -> int:
    """Insert or update one DomainArea per area; returns how many rows changed. Areas dropped
    from the file are kept (organisations may still refer to them)."""
    changed = 0
    for area in areas:
        row = session.get(DomainArea, area.id)
        if row is None:
            session.add(DomainArea(id=area.id, label=area.label, sic_codes=list(area.sic)))
            changed += 1
        elif row.label != area.label or list(row.sic_codes) != list(area.sic):
            row.label, row.sic_codes = area.label, list(area.sic)
            session.add(row)
            changed += 1
    session.flush()
    return changed
