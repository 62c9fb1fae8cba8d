"""Seed files: the three real clusters, every kind of mistake with its exact message and line,
all-or-nothing loading, idempotent reloads, the CSV form and what re-seeding must not undo."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from harvester.errors import SeedFileError
from harvester.models import (
    SECTOR_GROUPS,
    Cluster,
    Decision,
    DecisionKind,
    DomainArea,
    Organisation,
    OrganisationCluster,
    OrganisationDomainArea,
    OrganisationFact,
    OrgStatus,
    Sector,
    SectorSource,
)
from harvester.seeds import load_seeds, parse_sector, read_seed_files

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "seeds"
REAL = [SEEDS / "bristol.yaml", SEEDS / "cardiff.yaml", SEEDS / "salford.yaml"]
SEED_TABLES = (Cluster, Organisation, OrganisationCluster, OrganisationFact, DomainArea,
               OrganisationDomainArea)


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch):
    """Paths in messages are relative to the working folder: run from the checkout."""
    monkeypatch.chdir(ROOT)


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table seeding writes, all columns, in key order."""
    with engine.connect() as conn:
        return {t.__tablename__: [tuple(r) for r in conn.execute(
            sa.select(t).order_by(*t.__table__.primary_key.columns))] for t in SEED_TABLES}


def load(engine, *paths: Path):
    with Session(engine) as session:
        summary = load_seeds(session, list(paths))
        session.commit()
    return summary


def problems_of(tmp_path: Path, text: str, name: str = "c.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SeedFileError) as info:
        read_seed_files([path])
    prefix = f"{path.as_posix()}:"
    return [p.removeprefix(prefix) for p in info.value.problems]


HEAD = "cluster: t\nname: T\npostcode_areas: [BS]\norganisations:\n"
ORG = "  - name: A\n    url: https://a.example.com/\n"


# ---------------------------------------------------------------- the real files


def test_real_cluster_files_cover_all_four_sectors():
    batch = read_seed_files(REAL)
    assert [c.id for c in batch.clusters] == ["bristol", "cardiff", "salford"]
    for cluster in batch.clusters:
        sectors = Counter(o.sector for o in cluster.organisations)
        assert len(cluster.organisations) >= 15, cluster.id
        assert all(sectors[s] >= 2 for s in SECTOR_GROUPS), (cluster.id, sectors)
        assert cluster.meetup["groups"] and cluster.meetup["searches"] and cluster.meetup["api"]
    by_id = {c.id: c for c in batch.clusters}
    assert by_id["bristol"].postcode_areas == ["BS", "BA"]
    assert by_id["cardiff"].postcode_areas == ["CF", "NP"]
    assert by_id["salford"].postcode_areas[0] == "M50"
    assert len({o.domain for o in batch.organisations()}) >= 45


def test_real_files_load_with_shared_anchors(engine):
    summary = load(engine, *REAL)
    with Session(engine) as s:
        orgs = s.exec(select(Organisation)).all()
        bbc = s.exec(select(Organisation).where(Organisation.domain == "bbc.co.uk")).one()
        bbc_clusters = s.exec(select(OrganisationCluster.cluster_id).where(
            OrganisationCluster.organisation_id == bbc.id).order_by(OrganisationCluster.cluster_id)).all()
        watershed = s.exec(select(Organisation).where(Organisation.domain == "watershed.co.uk")).one()
        facts = s.exec(select(OrganisationFact.field, OrganisationFact.value, OrganisationFact.source_url,
                              OrganisationFact.rule).where(
            OrganisationFact.organisation_id == watershed.id).order_by(OrganisationFact.id)).all()
        areas = s.exec(select(OrganisationDomainArea.domain_area_id, OrganisationDomainArea.source).where(
            OrganisationDomainArea.organisation_id == watershed.id)).all()
        n_areas = len(s.exec(select(DomainArea)).all())
    assert len(orgs) == summary.new >= 45
    assert all(o.status == OrgStatus.seed and o.wave == 0 for o in orgs)
    assert all(o.sector in SECTOR_GROUPS and o.sector_source == SectorSource.seed for o in orgs)
    assert list(bbc_clusters) == ["bristol", "cardiff", "salford"]
    assert bbc.cluster_id == "bristol"
    assert facts == [("name", "Watershed", "seed:seeds/bristol.yaml", "seed"),
                     ("homepage", "https://www.watershed.co.uk/", "seed:seeds/bristol.yaml", "seed"),
                     ("alias", "Pervasive Media Studio", "seed:seeds/bristol.yaml", "seed"),
                     ("alias", "Watershed Cinema", "seed:seeds/bristol.yaml", "seed")]
    assert sorted(areas) == [("arts-culture", "seed"), ("film-tv", "seed"), ("immersive", "seed")]
    assert n_areas == 17


def test_taxonomy_and_example_csv_in_the_same_call(engine):
    """`harvester seed seeds/*.yaml seeds/example.csv`: the taxonomy is read as the taxonomy."""
    summary = load(engine, *sorted(SEEDS.glob("*.yaml")), SEEDS / "example.csv")
    assert sorted(summary.clusters) == ["bristol", "cardiff", "salford"]
    with Session(engine) as s:
        college = s.exec(select(Organisation).where(Organisation.domain == "cavc.ac.uk")).one()
    assert (college.cluster_id, college.sector) == ("cardiff", Sector.university)


# ---------------------------------------------------------------- idempotence and safety


def test_reload_changes_nothing(engine):
    load(engine, *REAL, FIXTURES / "mini.yaml")
    before = snapshot(engine)
    summary = load(engine, *REAL, FIXTURES / "mini.yaml")
    assert snapshot(engine) == before
    assert (summary.new, summary.updated) == (0, 0)
    assert summary.unchanged == len(before["organisation"])


def test_file_with_errors_writes_nothing(engine):
    load(engine, FIXTURES / "mini.yaml")
    before = snapshot(engine)
    with pytest.raises(SeedFileError):
        load(engine, SEEDS / "bristol.yaml", FIXTURES / "broken.yaml")
    assert snapshot(engine) == before
    with Session(engine) as s:
        assert s.get(Cluster, "bristol") is None


def test_every_problem_of_a_file_in_line_order():
    with pytest.raises(SeedFileError) as info:
        read_seed_files([FIXTURES / "broken.yaml"])
    f = "tests/fixtures/seeds/broken.yaml"
    assert info.value.problems == [
        f"{f}:1: bad cluster id 'Test Ville': use lower-case letters, digits and hyphens, "
        "e.g. bristol or media-city",
        f"{f}:3: bad postcode area 'QQ': QQ is not a UK postcode area",
        f"{f}:9: unknown sector 'goverment' (use one of: government, industry, university, "
        "third_sector) (did you mean 'government'?)",
        f"{f}:11: bad URL 'www.badurl.example.com': write the full address, starting with https://",
        f"{f}:12: unknown key 'webpage' in an organisation (allowed: name, url, sector, domains, "
        "notes, aliases)",
        f"{f}:13: duplicate organisation 'Good One': same name as line 5",
    ]


def test_reseeding_keeps_review_decisions(engine):
    load(engine, FIXTURES / "mini.yaml")
    with Session(engine) as s:
        studio = s.exec(select(Organisation).where(Organisation.domain == "testville-studio.co.uk")).one()
        studio.status, studio.wave = OrgStatus.accepted, 2
        studio.sector, studio.sector_source = Sector.third_sector, SectorSource.review
        studio.name = "Renamed In Review"
        s.add(studio)
        s.add(Decision(organisation_id=studio.id, decision=DecisionKind.set_name, value=studio.name))
        s.commit()
    summary = load(engine, FIXTURES / "mini.yaml")
    with Session(engine) as s:
        studio = s.exec(select(Organisation).where(Organisation.domain == "testville-studio.co.uk")).one()
    assert (studio.status, studio.wave) == (OrgStatus.accepted, 2)
    assert (studio.sector, studio.sector_source) == (Sector.third_sector, SectorSource.review)
    assert studio.name == "Renamed In Review"
    assert summary.kept_status == ["Renamed In Review (accepted)"]


def test_seed_promotes_a_discovered_organisation(engine):
    with Session(engine) as s:
        s.add(Organisation(name="Home - Testville Studio", domain="testville-studio.co.uk",
                           status=OrgStatus.discovered, wave=3, sector=Sector.unknown))
        s.add(Organisation(name="Testville University", name_key="testville university",
                           status=OrgStatus.discovered, wave=1))  # known by name only (a sponsor)
        s.commit()
    summary = load(engine, FIXTURES / "mini.yaml")
    with Session(engine) as s:
        orgs = {o.domain: o for o in s.exec(select(Organisation)).all()}
    studio, uni = orgs["testville-studio.co.uk"], orgs["testville.ac.uk"]
    assert (studio.name, studio.status, studio.wave, studio.sector, studio.cluster_id) == (
        "Testville Studio", OrgStatus.seed, 0, Sector.industry, "testville")
    assert (uni.status, uni.wave) == (OrgStatus.seed, 0)
    assert len(orgs) == 4
    assert (summary.new, summary.updated) == (2, 2)


# ---------------------------------------------------------------- each kind of mistake


@pytest.mark.parametrize(("text", "expected"), [
    (HEAD + ORG + "    colour: red\n",
     ["7: unknown key 'colour' in an organisation (allowed: name, url, sector, domains, notes, aliases)"]),
    ("cluster: t\nname: T\norganisations:\n  - name: A\n",
     ["4: missing required key 'url' in an organisation"]),
    ("name: T\norganisations: []\n",
     ["1: missing required key 'cluster' in the seed file",
      "2: the cluster has no organisations: list at least one"]),
    (HEAD + "  - name: A\n    url: ftp://a.example.com/\n",
     ["6: bad URL 'ftp://a.example.com/': write the full address, starting with https://"]),
    (HEAD + "  - name: A\n    url: https://localhostish/\n",
     ["6: bad URL 'https://localhostish/': write the full address, starting with https://"]),
    (HEAD + ORG + "    sector: charity\n",
     ["7: unknown sector 'charity' (use one of: government, industry, university, third_sector)"]),
    (HEAD + ORG + "    domains: [games, gaming, film]\n",
     ["7: unknown domain area 'gaming' (the ids are in seeds/taxonomy.yaml)",
      "7: unknown domain area 'film' (the ids are in seeds/taxonomy.yaml) (did you mean 'film-tv'?)"]),
    (HEAD + ORG + "    domains:\n      - games\n      - filmtv\n",
     ["9: unknown domain area 'filmtv' (the ids are in seeds/taxonomy.yaml) (did you mean 'film-tv'?)"]),
    ("cluster: Bristol_City\nname: T\norganisations:\n" + ORG,
     ["1: bad cluster id 'Bristol_City': use lower-case letters, digits and hyphens, "
      "e.g. bristol or media-city"]),
    ("cluster: t\nname: T\npostcode_areas: [BS, BS1 4DJ, XX9]\norganisations:\n" + ORG,
     ["3: bad postcode area 'BS1 4DJ': write an area (BS) or a district (BS1, M50), not a full postcode",
      "3: bad postcode area 'XX9': XX is not a UK postcode area"]),
    (HEAD + ORG + "  - name: B\n    url: https://www.a.example.com/b/\n",
     ["7: duplicate organisation 'B': same domain example.com as 'A' on line 5 (one domain is one "
      "organisation: list its parts under `aliases` of that entry)"]),
    (HEAD + ORG + "  - name: a\n    url: https://b.example.org/\n",
     ["7: duplicate organisation 'a': same name as line 5"]),
    (HEAD + "  - name: A\n    url: https://a.example.com/\n   sector: industry\n",
     ["7: YAML syntax error: expected <block end>, but found '<block mapping start>' "
      "(check indentation, colons and quotes)"]),
    (HEAD + '  - name: "A\n',
     ["6: YAML syntax error: found unexpected end of stream (check indentation, colons and quotes)"]),
    ("", ["1: empty seed file: expected `cluster:`, `name:` and `organisations:`"]),
    ("- just\n- a list\n", ["1: the seed file must be a mapping of `key: value` lines"]),
    (HEAD + ORG + "meetup:\n  groups: [https://www.eventbrite.co.uk/o/x]\n  api:\n"
     "    - {query: tech, lat: 151.4, lon: -2.5, radius: 10}\n    - {query: tech, lat: 51.4, lon: x}\n",
     ["8: bad Meetup URL 'https://www.eventbrite.co.uk/o/x': write a full https://www.meetup.com/... address",
      "10: lat 151.4 is out of range (-90 to 90)",
      "11: missing required key 'radius' in a meetup api query",
      "11: lon must be a number"]),
    (HEAD + ORG + "organisations: []\n",
     ["7: duplicate key 'organisations' in the seed file (first on line 4)"]),
])
def test_each_mistake_has_its_message_and_line(tmp_path, text, expected):
    assert problems_of(tmp_path, text) == expected


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes((HEAD + ORG).encode() + "  - name: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(SeedFileError) as info:
        read_seed_files([path])
    assert info.value.problems == [f"{path.as_posix()}:7: the file is not UTF-8 text: save it as UTF-8 "
                                   "and try again"]


def test_missing_file_and_unknown_extension(tmp_path):
    other = tmp_path / "list.txt"
    other.write_text("x")
    with pytest.raises(SeedFileError) as info:
        read_seed_files([tmp_path / "nope.yaml", other])
    assert info.value.problems == [
        f"{(tmp_path / 'nope.yaml').as_posix()}: file not found",
        f"{other.as_posix()}: not a seed file: use .yaml (one cluster) or .csv "
        "(name,url,sector,cluster,domains)",
    ]


def test_sector_spellings():
    assert parse_sector("Third sector") is Sector.third_sector
    assert parse_sector("third-sector") is Sector.third_sector
    assert parse_sector(" GOVERNMENT ") is Sector.government
    assert parse_sector("charity") is None


# ---------------------------------------------------------------- several files, CSV


def test_a_cluster_in_two_files_and_conflicting_sectors(tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text(HEAD + ORG + "    sector: industry\n")
    b = tmp_path / "b.yaml"
    b.write_text("cluster: u\nname: U\norganisations:\n" + ORG + "    sector: government\n")
    c = tmp_path / "c.yaml"
    c.write_text(HEAD + ORG)
    with pytest.raises(SeedFileError) as info:
        read_seed_files([a, b, c])
    assert info.value.problems == [
        f"{b.as_posix()}:4: sector 'government' for example.com conflicts with 'industry' in "
        f"{a.as_posix()}:5",
        f"{c.as_posix()}:1: cluster 't' is also defined in {a.as_posix()}:1: give each cluster one YAML file",
    ]


def test_one_domain_for_one_cluster_in_two_files(tmp_path):
    rows = tmp_path / "more.csv"
    rows.write_text("name,url,cluster\nStudio Two,https://testville-studio.co.uk/two,testville\n")
    with pytest.raises(SeedFileError) as info:
        read_seed_files([FIXTURES / "mini.yaml", rows])
    assert info.value.problems == [
        f"{rows.as_posix()}:2: duplicate organisation 'Studio Two': same domain testville-studio.co.uk in "
        "cluster 'testville' as 'Testville Studio' in tests/fixtures/seeds/mini.yaml:6"]


def test_csv_with_its_cluster_in_the_same_call(engine):
    summary = load(engine, FIXTURES / "mini.yaml", FIXTURES / "mini.csv")
    with Session(engine) as s:
        games = s.exec(select(Organisation).where(Organisation.domain == "testvillegames.com")).one()
        other = s.exec(select(Organisation).where(Organisation.domain == "example.org")).one()
        areas = s.exec(select(OrganisationDomainArea.domain_area_id).where(
            OrganisationDomainArea.organisation_id == games.id).order_by(
            OrganisationDomainArea.domain_area_id)).all()
        fact = s.exec(select(OrganisationFact.source_url).where(
            OrganisationFact.organisation_id == games.id, OrganisationFact.field == "name")).one()
    assert (games.sector, games.sector_source, games.cluster_id) == (Sector.industry, SectorSource.seed,
                                                                     "testville")
    assert (other.sector, other.sector_source) == (Sector.unknown, SectorSource.rule)
    assert list(areas) == ["games", "software-it"]
    assert fact == "seed:tests/fixtures/seeds/mini.csv"
    assert summary.new == 6


def test_csv_cluster_from_the_database_or_refused(engine, tmp_path):
    with pytest.raises(SeedFileError) as info:
        load(engine, FIXTURES / "mini.csv")
    assert info.value.problems == [
        "tests/fixtures/seeds/mini.csv:3: unknown cluster 'testville': load its YAML seed file first, "
        "or in the same command",
        "tests/fixtures/seeds/mini.csv:4: unknown cluster 'testville': load its YAML seed file first, "
        "or in the same command",
    ]
    load(engine, FIXTURES / "mini.yaml")
    assert load(engine, FIXTURES / "mini.csv").new == 2


def test_csv_mistakes(tmp_path):
    text = ("name,url,sector,cluster,domains\n"
            "A,https://a.example.com/,industry,t,games\n"
            "B,a.example.net,industri,t,game\n"
            "\n"
            '"Multi\nline",https://m.example.com/,,T T,\n'
            "A,https://x.example.net/,,t,\n"
            "C,https://c.example.com/,,t,games,film-tv\n"
            ",https://d.example.com/,,t,\n")
    assert problems_of(tmp_path, text, "s.csv") == [
        "3: bad URL 'a.example.net': write the full address, starting with https://",
        "3: unknown sector 'industri' (use one of: government, industry, university, third_sector) "
        "(did you mean 'industry'?)",
        "3: unknown domain area 'game' (the ids are in seeds/taxonomy.yaml) (did you mean 'games'?)",
        "5: bad cluster id 'T T': use lower-case letters, digits and hyphens, e.g. bristol or media-city",
        "7: duplicate organisation 'A': same name as line 2",
        "8: this row has 6 cells but the header names 5 columns (put a list of domains in quotes or "
        "separate it with ;)",
        "9: missing value in column 'name'",
    ]


def test_csv_header_mistakes(tmp_path):
    assert problems_of(tmp_path, "name,website,cluster\n", "h.csv") == [
        "1: unknown column 'website' (allowed: name, url, sector, cluster, domains)",
        "1: missing required column 'url' (the first row names the columns: name,url,sector,cluster,domains)",
    ]
    assert problems_of(tmp_path, "name,url,cluster,url\n", "t.csv") == ["1: column 'url' is named twice"]
    assert problems_of(tmp_path, "# only a comment\n", "e.csv") == [
        "1: empty CSV seed file: the first row must name the columns name,url,sector,cluster,domains"]


def test_own_taxonomy_file_is_used_for_checking(tmp_path):
    taxonomy = tmp_path / "taxonomy.yaml"
    taxonomy.write_text("version: 1\nareas:\n  - id: games\n    label: Games\n"
                        "    keywords: {en: [video game]}\n")
    cluster = tmp_path / "c.yaml"
    cluster.write_text(HEAD + ORG + "    domains: [games, film-tv]\n")
    with pytest.raises(SeedFileError) as info:
        read_seed_files([cluster, taxonomy])
    assert info.value.problems == [
        f"{cluster.as_posix()}:7: unknown domain area 'film-tv' (the ids are in seeds/taxonomy.yaml)"]


def test_semicolon_separated_csv_says_so(tmp_path):
    """Excel in many European locales saves CSV with `;`: one clear problem, not five."""
    path = tmp_path / "orgs.csv"
    path.write_text("name;url;sector;cluster;domains\r\nA;https://a.example/;industry;bristol;\r\n")
    with pytest.raises(SeedFileError) as info:
        read_seed_files([path])
    assert info.value.problems == [
        f"{path.as_posix()}:1: the columns are separated by ';': save the file as CSV with commas "
        "(the first row names the columns: name,url,sector,cluster,domains)"]
