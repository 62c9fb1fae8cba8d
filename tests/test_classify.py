"""Sector rules, taxonomy keyword scoring and domain areas: tables of small cases."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from harvester.extract.classify import (
    _scope,
    academic_links,
    affiliation,
    classify_page,
    classify_sector,
    decide_sector,
    sector_for_pages,
    sector_words,
)
from harvester.extract.facts import Link, PageFacts, SectorDecision
from harvester.extract.keywords import (
    areas_for_meetup_topics,
    compile_areas,
    domain_areas_for_pages,
    prepare_parts,
    score_page,
    text_parts,
)
from harvester.names import name_key, similar
from harvester.taxonomy import load_taxonomy

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "classify"


@pytest.fixture(scope="module")
def areas():
    return load_taxonomy(FIXTURES / "taxonomy.yaml")


# ---------------------------------------------------------------- sector

# (case id, keyword arguments of classify_sector, expected sector)
SECTOR_CASES = [
    ("gov.uk", dict(domain="www.bristol.gov.uk"), "government"),
    ("gov.wales", dict(domain="https://www.gov.wales/creative"), "government"),
    ("llyw.cymru", dict(domain="llyw.cymru"), "government"),
    ("gov.scot", dict(domain="www.gov.scot"), "government"),
    ("police", dict(domain="avonandsomerset.police.uk"), "government"),
    ("nhs", dict(domain="www.nbt.nhs.uk"), "government"),
    ("parliament", dict(domain="committees.parliament.uk"), "government"),
    ("ac.uk", dict(domain="www.cardiff.ac.uk"), "university"),
    ("ac.uk subdomain", dict(domain="nsa.cardiff.ac.uk"), "university"),
    ("ltd.uk", dict(domain="acme.ltd.uk"), "industry"),
    ("plc.uk", dict(domain="acme.plc.uk"), "industry"),
    (".com alone is too weak", dict(domain="acme.com"), "unknown"),
    (".org alone is too weak", dict(domain="acme.org"), "unknown"),
    ("nothing", dict(), "unknown"),
    ("schema gov", dict(schema_types=["GovernmentOrganization"]), "government"),
    ("schema uni url", dict(schema_types=["https://schema.org/CollegeOrUniversity"]), "university"),
    ("schema NGO", dict(schema_types=["NGO"]), "third_sector"),
    ("schema corp + .com", dict(domain="x.com", schema_types=["Corporation"]), "industry"),
    ("schema LocalBusiness", dict(schema_types=["LocalBusiness"]), "industry"),
    ("plain Organization says nothing", dict(schema_types=["Organization"]), "unknown"),
    ("charity beats company", dict(domain="x.co.uk", charity_numbers=["1123456"],
                                   company_numbers=["01234567"]), "third_sector"),
    ("company number + .co.uk", dict(domain="x.co.uk", company_numbers=["01234567"]), "industry"),
    ("CIC beats .co.uk and company", dict(domain="x.co.uk", company_numbers=["12345678"], is_cic=True),
     "third_sector"),
    ("CIC in the name", dict(name="Ffilm Cymru CIC"), "third_sector"),
    ("council name", dict(name="Bristol City Council", domain="bristol.gov.uk"), "government"),
    ("Welsh council name", dict(name="Cyngor Caerdydd"), "government"),
    ("university name", dict(name="Prifysgol Bangor"), "university"),
    ("Ltd name + .co.uk", dict(name="Rocket Studio Ltd", domain="rocket.co.uk"), "industry"),
    ("charity words", dict(text="A registered charity. Donate today. Our volunteers and trustees."),
     "third_sector"),
    ("Welsh charity words", dict(text="Elusen gofrestredig. Gwirfoddolwyr a ymddiriedolwyr."),
     "third_sector"),
    ("one word is not enough", dict(text="The council met."), "unknown"),
    ("words cannot beat .ac.uk", dict(domain="x.ac.uk", text=(
        "our clients services pricing book a demo get a quote products customers case studies")),
     "university"),
    ("words cannot beat a charity number", dict(charity_numbers=["1000001"], text=(
        "our clients services pricing book a demo get a quote products customers case studies")),
     "third_sector"),
    ("industry words + .co.uk", dict(domain="x.co.uk", text="Our clients. Services. Pricing."), "industry"),
    ("uni words", dict(text="Undergraduate and postgraduate students in the faculty of arts"),
     "university"),
    ("charity on .org.uk", dict(domain="x.org.uk", charity_numbers=["207654"]), "third_sector"),
    ("CIO company number", dict(company_numbers=["CE012345"], domain="x.org.uk"), "third_sector"),
    ("news media", dict(schema_types=["NewsMediaOrganization"], domain="x.co.uk"), "industry"),
    ("accents folded", dict(text="Élusen gofrestredig; gwirfoddolwyr; ymddiriedolwyr"), "third_sector"),
    ("two ordinary words alone are too weak", dict(text="A trust and a foundation"), "unknown"),
    ("two strong words decide", dict(text="Elusen; gwirfoddolwyr"), "third_sector"),
    ("a strong word agrees with a weak domain", dict(domain="x.io", text="See our pricing"), "industry"),
    ("trustees on .org", dict(domain="x.org", text="Meet our trustees"), "third_sector"),
    ("one ordinary word with a weak domain is not enough", dict(domain="x.com", text="Our services"),
     "unknown"),
]


@pytest.mark.parametrize(("case", "kwargs", "expected"), SECTOR_CASES, ids=[c[0] for c in SECTOR_CASES])
def test_sector_rules(case: str, kwargs: dict, expected: str) -> None:
    decision = classify_sector(**kwargs)
    assert decision.sector == expected, decision.evidence
    assert 0.0 <= decision.confidence <= 1.0
    assert decision.evidence  # always says why, even when unknown
    if expected == "unknown":
        assert decision.confidence == 0.0
    else:
        assert decision.confidence > 0.0


def test_evidence_is_plain_english_with_points() -> None:
    d = classify_sector(domain="www.bristol.ac.uk", schema_types=["CollegeOrUniversity"])
    assert d.evidence == ["domain ends .ac.uk (+3.0 university)",
                          "schema.org type CollegeOrUniversity (+3.0 university)"]
    assert d.confidence > classify_sector(domain="www.bristol.ac.uk").confidence


def test_close_call_is_unknown() -> None:
    d = classify_sector(schema_types=["NGO"], company_numbers=["01234567"], domain="x.co.uk")
    # NGO 2.5 against company 1.5 + .co.uk 0.5: a lead of 0.5 is too close to call
    assert d.sector == "unknown" and "too close" in d.evidence[-1]


def test_sector_words_english_and_welsh() -> None:
    words = sector_words("Cyngor Sir and the COUNCIL; not-for-profit; Not for profit; prifysgol")
    assert words["government"] == ["council", "cyngor"]
    assert words["third_sector"] == ["not for profit"]
    assert words["university"] == ["prifysgol"]
    assert sector_words("") == {}


SEED_CASES = [
    # current sector, current source, rule's sector -> stored sector (None: keep)
    ("third_sector", "seed", "university", None),
    ("government", "review", "industry", None),
    ("industry", "registry", "third_sector", None),
    ("industry", "rule", "third_sector", "third_sector"),
    ("unknown", "seed", "university", "university"),  # a seed that asserted nothing
    ("unknown", "rule", "unknown", "unknown"),
    (None, None, "industry", "industry"),
]


@pytest.mark.parametrize(("current", "source", "rule", "expected"), SEED_CASES)
def test_seed_and_review_always_win(current, source, rule, expected) -> None:
    result = decide_sector(current, source, SectorDecision(rule, 0.7, ["why"]))
    if expected is None:
        assert result is None
    else:
        assert result == (expected, "rule", 0.7, ["why"])


def test_sector_for_pages_pools_signals_once() -> None:
    pages = [
        PageFacts(url="https://x.org.uk/", name="X Arts", name_source="jsonld",
                  sector_words={"third_sector": ["donate"]}),
        PageFacts(url="https://x.org.uk/about", name="About us", name_source="title",
                  sector_words={"third_sector": ["volunteers"]}, charity_numbers=["1123456"]),
        PageFacts(url="https://x.org.uk/contact", charity_numbers=["1123456"],
                  company_numbers=["01234567"]),
    ]
    d = sector_for_pages(pages, "x.org.uk")
    assert d.sector == "third_sector"
    assert sum("charity number" in e for e in d.evidence) == 1  # counted once over two pages
    assert any(e.startswith("words: donate, volunteers") for e in d.evidence)
    assert sector_for_pages([], "www.bath.ac.uk").sector == "university"
    assert sector_for_pages([], None).sector == "unknown"


# ---------------------------------------------------------------- keywords


def test_keywords_weighted_by_where_they_appear(areas) -> None:
    title = score_page({"title": "Indie games studio"}, areas)
    footer = score_page({"footer": "Indie games studio"}, areas)
    assert title["games"][1] == footer["games"][1] == ["games studio", "indie games"]
    assert title["games"][0] > footer["games"][0]
    both = score_page({"title": "Rocket: video games", "body": "We make video games and VR."}, areas)
    assert both["games"] == (3.0, ["video games"])  # a repeat adds nothing; the best weight counts
    assert both["immersive"] == (1.0, ["VR"])


KEYWORD_CASES = [
    ("whole words only", "We start with art and smart artists", {}),
    ("acronyms need capitals", "ar y ffordd, vr is not VR", {"immersive": ["VR"]}),
    ("case-insensitive phrases", "VIRTUAL REALITY and Augmented  Reality", {
        "immersive": ["augmented reality", "virtual reality"]}),
    ("dash and line break as space", "virtual-reality\nstudio", {"immersive": ["virtual reality"]}),
    ("Welsh with and without accents", "Pensaernïaeth, pensaerniaeth, gemau", {
        "architecture": ["pensaernïaeth"], "games": ["gemau"]}),
    ("longest keyword wins", "datblygu gemau", {"games": ["datblygu gemau"]}),
    ("plural is its own keyword", "video game and video games", {"games": ["video game", "video games"]}),
    ("no text", "", {}),
]


@pytest.mark.parametrize(("case", "text", "expected"), KEYWORD_CASES, ids=[c[0] for c in KEYWORD_CASES])
def test_keyword_matching(areas, case: str, text: str, expected: dict) -> None:
    got = {area: sorted(kws) for area, (_, kws) in score_page(text, areas).items()}
    assert got == expected


def test_matcher_is_linear_on_a_large_hostile_page(areas) -> None:
    matcher = compile_areas(load_taxonomy())  # the real taxonomy: hundreds of keywords
    # 5 MB of near-misses: prefixes of keywords, long runs without a boundary, accents, dashes
    text = ("video " * 200_000 + "a" * 1_500_000 + "ï-" * 500_000 + ("virtual reality " * 50 + "x") * 1000)
    assert len(text) > 4_500_000
    start = time.perf_counter()
    score_page({"body": text}, matcher)
    # linear: about a second on a loaded laptop; catastrophic backtracking would take minutes
    assert time.perf_counter() - start < 6.0
    assert compile_areas(load_taxonomy()) is matcher  # compiled once per taxonomy


def _page(url: str, hits: dict[str, list[str]], scores: dict[str, float]) -> PageFacts:
    return PageFacts(url=url, keyword_hits=hits, domain_scores=scores)


def test_domain_area_needs_more_than_one_hit() -> None:
    one = [_page("https://a.com/", {"games": ["video games"]}, {"games": 3.0})]
    assert domain_areas_for_pages(one) == []
    two = [*one, _page("https://a.com/about", {"games": ["indie games"]}, {"games": 1.0})]
    [(area, score, evidence)] = domain_areas_for_pages(two)
    assert area == "games" and 0 < score < 1
    assert evidence == [{"url": "https://a.com/", "keywords": ["video games"]},
                        {"url": "https://a.com/about", "keywords": ["indie games"]}]


def test_domain_area_footer_mentions_are_not_enough() -> None:
    pages = [_page(f"https://a.com/{i}", {"film-tv": ["film festival", "documentary"]}, {"film-tv": 0.6})
             for i in range(3)]
    assert domain_areas_for_pages(pages) == []  # the same footer on every page counts once (+25%)


def test_domain_areas_ranked_and_minor_ones_dropped() -> None:
    pages = [
        _page("https://a.com/", {"games": ["video games", "indie games", "Unity"], "immersive": ["VR", "XR"]},
              {"games": 9.0, "immersive": 4.0}),
        _page("https://a.com/jobs", {"games": ["game developer"], "film-tv": ["TV", "documentary"]},
              {"games": 3.0, "film-tv": 2.0}),
    ]
    result = domain_areas_for_pages(pages)
    assert [a for a, _, _ in result] == ["games", "immersive", "film-tv"]
    assert result[0][1] > result[1][1] > result[2][1]
    heavy = [_page("https://b.com/", {"games": ["video games"] * 1, "immersive": ["VR", "XR"]},
                   {"games": 60.0, "immersive": 2.5})]
    assert [a for a, _, _ in domain_areas_for_pages(heavy)] == []  # games: one hit; XR: < 15% of best


def test_meetup_topics_map_to_areas(areas) -> None:
    got = areas_for_meetup_topics(["Game Development", "Virtual Reality", "Knitting", "VR"], areas)
    assert got == [("games", ["Game Development"]), ("immersive", ["Virtual Reality"])]
    assert areas_for_meetup_topics([], areas) == []


def test_text_parts_splits_a_tree() -> None:
    soup = BeautifulSoup("""<html><head><title>Rocket Games</title>
        <meta property="og:site_name" content="Rocket"><meta name="description" content="Indie games">
        <script>var video_games = 1;</script></head>
        <body><nav><a>Home</a></nav><h1>We make games</h1><h2>Virtual reality</h2>
        <p>Body text here.</p><footer>Film festival sponsor</footer></body></html>""", "lxml")
    parts = text_parts(soup)
    assert parts["title"] == "Rocket Games" and parts["og"] == "Rocket"
    assert parts["description"] == "Indie games" and parts["h1"] == "We make games"
    assert parts["headings"] == "Virtual reality" and parts["nav"] == "Home"
    assert parts["footer"] == "Film festival sponsor"
    assert "Body text here." in parts["body"] and "video_games" not in parts["body"]


def test_classify_page_fills_the_facts(areas) -> None:
    facts = PageFacts(url="https://www.rocket.co.uk/", name="Rocket Games Ltd", name_source="jsonld",
                      company_numbers=["01234567"])
    classify_page(facts, {"title": "Rocket Games: indie games studio",
                          "body": "Video games for our clients; VR too. Our services."}, areas)
    assert facts.sector is not None and facts.sector.sector == "industry"
    assert facts.keyword_hits == {"games": ["games studio", "indie games", "video games"],
                                  "immersive": ["VR"]}
    assert facts.domain_scores == {"games": 7.0, "immersive": 1.0}
    assert facts.sector_words == {"industry": ["our clients", "services", "studio"]}
    classify_page(facts, "", areas)
    assert facts.keyword_hits == {} and facts.sector.sector == "industry"  # number, name, domain


# ---------------------------------------------------------------- robustness

@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=400), domain=st.one_of(st.none(), st.text(max_size=60)),
       schema=st.lists(st.text(max_size=40), max_size=3), numbers=st.lists(st.text(max_size=12), max_size=3))
def test_rules_never_raise_on_arbitrary_input(areas, text, domain, schema, numbers) -> None:
    decision = classify_sector(domain=domain, schema_types=schema, charity_numbers=numbers,
                               company_numbers=numbers, text=text, name=text[:40])
    assert decision.sector in {"government", "industry", "university", "third_sector", "unknown"}
    assert 0.0 <= decision.confidence <= 1.0
    for area, (score, keywords) in score_page({"title": text, "body": text[::-1]}, areas).items():
        assert score > 0 and keywords and area in {a.id for a in areas}
    assert isinstance(name_key(text), str) and 0.0 <= similar(text, text[:5]) <= 100.0


def test_overlapping_keywords_are_all_found(areas) -> None:
    got = score_page("an indie games studio", areas)
    assert sorted(got["games"][1]) == ["games studio", "indie games"]


# ---------------------------------------------------------------- academic signals


def _link(url: str, kind: str) -> Link:
    return Link(url=url, kind=kind)


def test_academic_funders_and_hosts() -> None:
    links = [_link("https://www.ucl.ac.uk/", "funder"), _link("https://www.ucl.ac.uk/gatsby", "funder"),
             _link("https://wellcome.org/", "funder"), _link("https://zulip.com/", "funder"),
             _link("https://www.uni-heidelberg.de/", "sponsor"), _link("https://www.mit.edu/", "links_to")]
    assert academic_links(links, "https://project.info/") == ["ucl.ac.uk", "uni-heidelberg.de",
                                                              "wellcome.org"]
    decision = classify_sector(domain="project.info", links=links[:3])
    assert decision.sector == "university"
    assert any("academic bodies: ucl.ac.uk, wellcome.org" in e for e in decision.evidence)


def test_a_university_partner_or_two_is_not_academic() -> None:
    one = [_link("https://www.bristol.ac.uk/", "partner"), _link("https://watershed.co.uk/", "partner"),
           _link("https://www.bristol.gov.uk/", "partner")]
    assert academic_links(one) == []
    mostly = [_link("https://www.bristol.ac.uk/", "partner"),
              _link("https://www.cardiff.ac.uk/", "member_of"), _link("https://watershed.co.uk/", "partner")]
    assert academic_links(mostly) == ["bristol.ac.uk", "cardiff.ac.uk"]
    own = [_link("https://www.bristol.ac.uk/a", "funder")]
    assert academic_links(own, "https://www.bristol.ac.uk/") == []  # its own site is no funder


@pytest.mark.parametrize(("text", "expected"), [
    ("Development is now led by the Neuroinformatics Unit at the Sainsbury Wellcome Centre by A. Tyson.",
     "Neuroinformatics Unit at the Sainsbury Wellcome Centre"),
    ("We are based at the Centre for Digital Music, Queen Mary University", "based at the Centre for "
     "Digital Music, Queen Mary University"),
    ("The Visual Computing Group at the University of Bath", "The Visual Computing Group at the University"),
    ("Unit 5, The Innovation Centre, Bristol BS1 4DJ", None),
    ("We are based at the Engine Shed, next to the station.", None),
    ("our unit at the university", None),
    ("", None),
])
def test_affiliation_lines(text: str, expected: str | None) -> None:
    assert affiliation(text) == expected
    # as classify_page reads it: the page's words kept to those its matchers look for
    whole = prepare_parts({"title": "Home", "body": text}, _scope(compile_areas(load_taxonomy())))[1]
    assert whole.scope is not None and affiliation(whole) == affiliation("Home \n" + text)


def test_research_group_words() -> None:
    words = sector_words("Our PhD students and a postdoctoral researcher work in the labs of Ann Lee "
                         "with a research software engineer.")
    assert words == {"university": ["labs of", "phd students", "postdoctoral researcher",
                                    "research software engineer"]}
    decision = classify_sector(text="The labs of Ann Lee and Bo Chen; our principal investigator")
    assert decision.sector == "university"
    assert classify_sector(text="A creative lab for brands").sector == "unknown"  # "lab" alone is not enough
