"""The domain-area taxonomy: the shipped file, which file is used, every mistake with its line,
and the DomainArea mirror."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from harvester.errors import BadInput, SeedFileError
from harvester.models import DomainArea
from harvester.taxonomy import TAXONOMY_ENV, Area, default_taxonomy_path, load_taxonomy, sync_domain_areas

ROOT = Path(__file__).resolve().parent.parent
REPO_TAXONOMY = ROOT / "seeds" / "taxonomy.yaml"
AREA_IDS = ["games", "immersive", "film-tv", "animation-vfx", "music-audio", "design", "software-it",
            "ai-data", "fintech", "healthtech", "edtech", "publishing", "arts-culture",
            "advertising-marketing", "skills-education", "architecture", "crafts"]
# Words that appear on nearly every organisation's site: useless as a keyword on their own.
TOO_GENERIC = {"digital", "media", "creative", "technology", "tech", "screen", "design", "innovation",
               "content", "online", "studio", "services", "community", "news and events"}


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SeedFileError) as info:
        load_taxonomy(path)
    return [p.removeprefix(f"{path.as_posix()}:") for p in info.value.problems]


def test_shipped_taxonomy_has_the_seventeen_areas():
    areas = load_taxonomy(REPO_TAXONOMY)
    assert [a.id for a in areas] == AREA_IDS
    by_id = {a.id: a for a in areas}
    assert by_id["games"].label == "Games"
    assert by_id["games"].sic[:1] == ["58.21"] and "62011" in by_id["games"].sic
    assert by_id["film-tv"].keywords_by_lang["cy"][:2] == ["ffilm", "ffilmiau"]
    for area in areas:
        assert len(area.keywords_by_lang["en"]) >= 8, area.id
        assert area.keywords == [*area.keywords_by_lang["en"], *area.keywords_by_lang.get("cy", [])]
        assert area.meetup_topics, area.id
        assert not TOO_GENERIC & {k.lower() for k in area.keywords}, area.id


def test_default_path_order(tmp_path, monkeypatch):
    monkeypatch.delenv(TAXONOMY_ENV, raising=False)
    monkeypatch.chdir(tmp_path)  # no ./seeds here: the checkout's copy
    assert default_taxonomy_path() == REPO_TAXONOMY
    (tmp_path / "seeds").mkdir()
    local = tmp_path / "seeds" / "taxonomy.yaml"
    local.write_text("version: 1\nareas:\n  - {id: games, label: Games, keywords: {en: [video game]}}\n")
    assert default_taxonomy_path() == Path("seeds/taxonomy.yaml")
    assert [a.id for a in load_taxonomy()] == ["games"]
    monkeypatch.setenv(TAXONOMY_ENV, str(REPO_TAXONOMY))
    assert len(load_taxonomy()) == 17


def test_missing_taxonomy_file(tmp_path):
    with pytest.raises(BadInput, match="taxonomy file not found"):
        load_taxonomy(tmp_path / "none.yaml")


AREA = "  - id: games\n    label: Games\n    keywords:\n      en: [video game]\n"


@pytest.mark.parametrize(("text", "expected"), [
    ("version: 2\nareas:\n" + AREA, ["1: unsupported taxonomy version '2' (this harvester reads version 1)"]),
    ("areas:\n" + AREA, ["1: missing required key 'version' in the taxonomy file"]),
    ("version: 1\nareas:\n" + AREA + "    colour: red\n",
     ["7: unknown key 'colour' in an area (allowed: id, label, sic, keywords, meetup_topics)"]),
    ("version: 1\nareas:\n  - id: games\n    keywords: {en: [x]}\n",
     ["3: missing required key 'label' in an area"]),
    ("version: 1\nareas:\n  - {id: Film TV, label: F, keywords: {en: [film]}}\n",
     ["3: bad area id 'Film TV': use lower-case letters, digits and hyphens (e.g. film-tv)"]),
    ("version: 1\nareas:\n" + AREA + AREA, ["7: duplicate area id 'games' (first on line 3)"]),
    ("version: 1\nareas:\n" + AREA + "    sic: [58.21, \"5821x\"]\n",
     ["7: bad SIC code '5821x': write a class such as \"59.11\" or a five-digit subclass such as "
      "\"59111\" (in quotes)"]),
    ("version: 1\nareas:\n  - id: games\n    label: Games\n    keywords:\n      en: [game, Games, GAME]\n",
     ["6: keyword 'GAME' is listed twice in area 'games' (first on line 6)"]),
    ("version: 1\nareas:\n  - id: games\n    label: Games\n    keywords:\n      english: [game]\n",
     ["6: bad language code 'english' in keywords: use a two-letter code such as en or cy",
      "5: area 'games' has no keywords"]),
    ("version: 1\nareas:\n  - id: games\n    label: Games\n    keywords: [game]\n",
     ["5: keywords must be a mapping of language code to a list, e.g. en: [film, cinema]"]),
    ("version: 1\nareas: [\n", ["3: YAML syntax error: expected the node content, but found '<stream end>' "
                                "(check indentation, colons and quotes)"]),
    ("", ["1: empty taxonomy file: expected `version: 1` and `areas:`"]),
])
def test_each_mistake_has_its_message_and_line(tmp_path, text, expected):
    assert problems(tmp_path, text) == expected


def test_sync_domain_areas_inserts_updates_and_repeats_nothing(engine):
    areas = [Area(id="games", label="Games", sic=["58.21"]), Area(id="crafts", label="Crafts")]
    with Session(engine) as s:
        assert sync_domain_areas(s, areas) == 2
        assert sync_domain_areas(s, areas) == 0
        assert sync_domain_areas(s, [Area(id="games", label="Video games", sic=["58.21", "62011"])]) == 1
        s.commit()
        rows = s.exec(select(DomainArea).order_by(DomainArea.id)).all()
    assert [(r.id, r.label, r.sic_codes) for r in rows] == [
        ("crafts", "Crafts", []), ("games", "Video games", ["58.21", "62011"])]
