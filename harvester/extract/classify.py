"""Sector type from weighted signals, and the per-page hook that fills a PageFacts' classification.

Pure functions (see ../shared/reference/sector-signals.md for where the signals come from).
Each signal adds points to one sector and leaves a plain-English line of evidence:

    domain suffix     .gov.uk .gov.wales .llyw.cymru .gov.scot .police.uk .nhs.uk .mod.uk
                      .parliament.uk -> government +3; .ac.uk -> university +3;
                      .ltd.uk .plc.uk -> industry +3; .org.uk .org -> third sector +0.7;
                      .co.uk .com .io .tech .studio ... -> industry +0.5
    schema.org type   GovernmentOrganization +3, CollegeOrUniversity +3, NGO +2.5, Corporation /
                      LocalBusiness / ProfessionalService / NewsMediaOrganization +1.5, ...
    registers         a charity number +3.5 (outranks a company number, many charities are
                      companies too), CIC +3, a company number +1.5 (an LLP's too; a CIO's or a
                      registered society's counts for the third sector)
    name              "... University" / "Prifysgol ..." +2, "... Council" / "Cyngor ..." +2,
                      "... Ltd" / "PLC" / "LLP" +1.5, "Trust" / "Foundation" / "Charity" +1
    telling words     0.4 per distinct word (0.8 for the few that rarely appear outside their
                      sector: "trustees", "volunteers", "our clients", "pricing", "councillors",
                      "undergraduate"...), counted from 0.8 up, at most 2.0 per sector: words
                      alone never outweigh one strong signal. English and Welsh.
    academic links    universities and research funders among the page's funders/sponsors
                      (.ac.*, .edu, uni-*.de, wellcome.org, ukri.org ...), or among its partners
                      when mostly academic: university +0.6 each, at most 1.2
    affiliation       a named research unit placed in an academic body ("the Neuroinformatics
                      Unit at the Sainsbury Wellcome Centre", "based at ... University College
                      London"): university +1.0

The sector with the most points wins when it leads the next by MARGIN and scores MIN_SCORE;
otherwise the answer is `unknown`. Confidence = lead / (winner's points + 1), in 0..1.
A sector asserted by a seed file or a reviewer always wins (`decide_sector`).

For the page extractor, one call per page fills the classification fields of its PageFacts:

    classify_page(facts, text_parts, areas=None)
        text_parts: {"title", "h1", "og", "description", "headings", "body", "about", "nav",
        "footer", "news"} -> sets facts.sector, facts.sector_words, facts.keyword_hits,
        facts.domain_scores. `areas` defaults to the taxonomy file (load_taxonomy, cached);
        `keywords.text_parts(soup)` builds text_parts from a BeautifulSoup tree.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from harvester.extract.facts import PageFacts, SectorDecision
from harvester.extract.keywords import (
    Matcher,
    Prepared,
    WordMatcher,
    compile_areas,
    fold,
    prepare,
    prepare_parts,
    score_prepared,
)
from harvester.models import Sector, SectorSource
from harvester.urls import host_of, is_http_url, registrable_domain

GOV, IND, UNI, THIRD, UNKNOWN = (Sector.government.value, Sector.industry.value,
                                 Sector.university.value, Sector.third_sector.value,
                                 Sector.unknown.value)
MIN_SCORE = 1.0
MARGIN = 1.0

# (suffix, sector, points): the first suffix the host ends with decides; longest listed first.
DOMAIN_SIGNALS: tuple[tuple[str, str, float], ...] = (
    (".gov.uk", GOV, 3.0), (".gov.wales", GOV, 3.0), (".llyw.cymru", GOV, 3.0),
    (".gov.scot", GOV, 3.0), (".police.uk", GOV, 3.0), (".nhs.uk", GOV, 3.0), (".mod.uk", GOV, 3.0),
    (".parliament.uk", GOV, 3.0), (".parliament.scot", GOV, 3.0), (".senedd.wales", GOV, 3.0),
    (".ac.uk", UNI, 3.0),
    (".ltd.uk", IND, 3.0), (".plc.uk", IND, 3.0),
    (".org.uk", THIRD, 0.7), (".org", THIRD, 0.7),
    (".co.uk", IND, 0.5), (".com", IND, 0.5), (".io", IND, 0.5), (".tech", IND, 0.5),
    (".studio", IND, 0.5), (".agency", IND, 0.5), (".digital", IND, 0.5), (".ai", IND, 0.5),
    (".co", IND, 0.5), (".biz", IND, 0.5), (".games", IND, 0.5), (".design", IND, 0.5),
)
# A few whole hosts whose suffix says nothing: the Welsh and UK parliaments.
HOST_SIGNALS = {"senedd.wales": (GOV, 3.0), "senedd.cymru": (GOV, 3.0)}

SCHEMA_SIGNALS: dict[str, tuple[str, float]] = {
    "governmentorganization": (GOV, 3.0),
    "collegeoruniversity": (UNI, 3.0),
    "researchorganization": (UNI, 1.5),
    "educationalorganization": (UNI, 1.0),
    "ngo": (THIRD, 2.5),
    "performinggroup": (THIRD, 1.0), "musicgroup": (THIRD, 1.0), "theatergroup": (THIRD, 1.0),
    "dancegroup": (THIRD, 1.0), "museum": (THIRD, 1.0), "librarysystem": (THIRD, 1.0),
    "fundingscheme": (THIRD, 0.5),
    "corporation": (IND, 1.5), "localbusiness": (IND, 1.5), "professionalservice": (IND, 1.5),
    "newsmediaorganization": (IND, 1.5), "onlinebusiness": (IND, 1.5), "onlinestore": (IND, 1.5),
    "store": (IND, 1.0), "entertainmentbusiness": (IND, 1.0), "financialservice": (IND, 1.0),
    "legalservice": (IND, 1.0), "homeandconstructionbusiness": (IND, 1.0),
    "foodestablishment": (IND, 1.0), "lodgingbusiness": (IND, 1.0), "medicalbusiness": (IND, 1.0),
}

CHARITY_POINTS = 3.5
CIC_POINTS = 3.0
COMPANY_POINTS = 1.5
# Companies House prefixes that are not trading companies (sector-signals.md).
_THIRD_COMPANY_PREFIXES = ("CE", "CS", "IP", "SP", "NP")

# Telling words, English and Welsh, matched on whole words after folding accents.
WORDS: dict[str, tuple[str, ...]] = {
    GOV: ("council", "cyngor", "borough", "combined authority", "government", "llywodraeth",
          "public body", "local authority", "ministry", "mayor", "county council", "city council",
          "councillor", "councillors", "cynghorydd", "awdurdod lleol", "corff cyhoeddus",
          "constituency", "statutory"),
    UNI: ("university", "prifysgol", "faculty", "school of", "department of", "research centre",
          "students", "undergraduate", "postgraduate", "higher education", "myfyrwyr",
          "addysg uwch", "phd", "lecturer", "professor", "academic", "alumni", "campus",
          # how research groups describe themselves and their people
          "research group", "laboratory", "labs of", "lab of", "host institution",
          "host institutions", "phd student", "phd students", "phd candidate", "postdoc",
          "postdoctoral", "postdoctoral researcher", "research fellow",
          "research software engineer", "principal investigator"),
    THIRD: ("charity", "elusen", "not-for-profit", "not for profit", "non-profit", "nonprofit",
            "foundation", "trust", "volunteers", "volunteer", "donate", "social enterprise",
            "community interest company", "arts organisation", "registered charity",
            "gwirfoddolwyr", "cyfrannu", "menter gymdeithasol", "fundraising", "trustees",
            "ymddiriedolwyr", "our members", "membership organisation"),
    IND: ("our clients", "clients", "agency", "studio", "services", "pricing", "book a demo",
          "get a quote", "products", "customers", "case studies", "request a demo", "free trial",
          "consultancy", "cleientiaid", "ein cleientiaid", "hire us", "work with us"),
}
# Words that rarely appear outside their sector count double ("trustees", "our clients").
STRONG_WORDS = frozenset({
    "councillor", "councillors", "local authority", "combined authority", "county council",
    "city council", "cynghorydd", "awdurdod lleol",
    "undergraduate", "postgraduate", "higher education", "addysg uwch", "faculty",
    "labs of", "lab of", "host institution", "host institutions", "phd student", "phd students",
    "phd candidate", "postdoc", "postdoctoral", "postdoctoral researcher", "research fellow",
    "research software engineer", "principal investigator",
    "registered charity", "charity", "elusen", "trustees", "ymddiriedolwyr", "social enterprise",
    "not for profit", "non profit", "nonprofit", "community interest company", "menter gymdeithasol",
    "volunteers", "volunteer", "gwirfoddolwyr", "donate",
    "our clients", "ein cleientiaid", "pricing", "book a demo", "request a demo", "get a quote",
    "free trial", "case studies",
})
WORD_POINTS = 0.4
STRONG_WORD_POINTS = 0.8
WORD_CAP = 2.0
MIN_WORD_POINTS = 0.8  # one strong word or two ordinary ones

# Funders and hosts that are universities or research funders: an academic project's own site
# thanks them ("grant funding and the support of host institutions"). Academic by suffix
# (.ac.uk, .ac.nz, .edu, .edu.au), by a university's name in the host (uni-heidelberg.de,
# universiteitleiden.nl), or a research funder below. Partners count only when they are mostly
# academic: companies and councils list a university partner or two as a matter of course.
_ACADEMIC_HOST = re.compile(r"(?:\.ac\.[a-z]{2}|\.edu(?:\.[a-z]{2})?)$"
                            r"|(?:^|\.)(?:uni|univ)-[a-z0-9-]+\.[a-z]{2,}$|universit")
RESEARCH_FUNDERS = frozenset({
    "ukri.org", "wellcome.org", "royalsociety.org", "britac.ac.uk", "leverhulme.ac.uk",
    "erc.europa.eu", "nih.gov", "nsf.gov", "hhmi.org", "simonsfoundation.org", "dfg.de", "snf.ch",
    "nwo.nl", "anr.fr",
})
FUNDER_KINDS = frozenset({"funder", "sponsor"})
PARTNER_KINDS = frozenset({"partner", "member_of"})
_TYPED_KINDS = FUNDER_KINDS | PARTNER_KINDS
ACADEMIC_LINK_POINTS = 0.6
ACADEMIC_LINK_CAP = 1.2

# A research unit placed inside an academic body, as research groups' pages say where they sit:
# "the Neuroinformatics Unit at the Sainsbury Wellcome Centre", "based at the Centre for X,
# University College London". Capitalised names only (a named unit), on the folded text. Each
# pattern starts with its key words, so the regex engine skips to them; the unit's own name
# before them is checked afterwards.
_NAMED = r"(?:(?:[A-Z][\w'’&-]*|of|for|and|&),?\s+){0,8}?"
_UNIT_IN_BODY = re.compile(
    rf"(?:Unit|Lab|Laboratory|Group|Institute)\s+(?:at|of|in|within)\s+(?:the\s+)?{_NAMED}"
    rf"(?:University|College|Institute|Centre|Center)\b")
_UNIT_NAME = re.compile(r"(?:[A-Z][\w'’-]*\s+){1,4}$")
_BASED_IN_BODY = re.compile(
    rf"(?<!\w)(?:based|hosted|housed)\s+(?:at|in|within)\s+(?:the\s+)?{_NAMED}(?:University|College)\b")
_UNIT_WORDS = frozenset({"unit", "lab", "laboratory", "group", "institute"})
_UNIT_BODIES = frozenset({"university", "college", "institute", "centre", "center"})
_BASED_WORDS = frozenset({"based", "hosted", "housed"})
_BASED_BODIES = frozenset({"university", "college"})
_AFFILIATION_WORDS = _UNIT_WORDS | _UNIT_BODIES | _BASED_WORDS | _BASED_BODIES
AFFILIATION_POINTS = 1.0


def academic_host(host: str, domain: str | None = None) -> bool:
    """A university's or research body's host, or a research funder's (`domain`: the host's
    registrable domain, when known)."""
    host = host.lower().rstrip(".")
    domain = domain or registrable_domain(host) or host
    return bool(_ACADEMIC_HOST.search(host)) or domain in RESEARCH_FUNDERS or host in RESEARCH_FUNDERS


def academic_links(links: Iterable[Any], own_url: str | None = None) -> list[str]:
    """The academic bodies (registrable domains) this page names as its funders or hosts, and as
    its partners when most of its partners are academic."""
    typed = [link for link in links if getattr(link, "kind", "links_to") in _TYPED_KINDS]
    if not typed:
        return []
    own = registrable_domain(own_url) if own_url else None
    funders: set[str] = set()
    partners: dict[str, bool] = {}
    for link in typed:
        kind = link.kind
        host = _host(getattr(link, "url", ""))
        domain = registrable_domain(host) if host else None
        if not domain or domain == own:
            continue
        academic = academic_host(host, domain)
        if kind in FUNDER_KINDS:
            if academic:
                funders.add(domain)
        else:
            partners[domain] = academic
    academic_partners = {d for d, a in partners.items() if a}
    if len(academic_partners) >= 2 and 2 * len(academic_partners) >= len(partners):
        funders |= academic_partners
    return sorted(funders)


def affiliation(text: str | Prepared) -> str | None:
    """The first phrase placing a named research unit inside an academic body, if any."""
    prepared = prepare(text)
    words, folded = prepared.words, prepared.folded
    if prepared.scope is not None and not prepared.scope >= _AFFILIATION_WORDS:
        raise ValueError("the text was prepared for other words (its scope lacks the unit words)")
    if words & _UNIT_WORDS and words & _UNIT_BODIES:
        for match in _UNIT_IN_BODY.finditer(folded):
            name = _UNIT_NAME.search(folded, max(0, match.start() - 120), match.start())
            if name and (name.start() == 0 or not folded[name.start() - 1].isalnum()):
                return " ".join((name.group() + match.group()).split()).rstrip(",")
    if words & _BASED_WORDS and words & _BASED_BODIES:
        match = _BASED_IN_BODY.search(folded)
        if match:
            return " ".join(match.group().split()).rstrip(",")
    return None


# Words in the organisation's own name: stronger than the same words in running text.
_NAME_SIGNALS: tuple[tuple[re.Pattern[str], str, float, str], ...] = (
    (re.compile(r"\b(university|prifysgol)\b", re.I), UNI, 2.0, "university"),
    (re.compile(r"\b(college|coleg)\b", re.I), UNI, 1.0, "college"),
    (re.compile(r"\b(council|cyngor|borough|combined authority)\b", re.I), GOV, 2.0, "council"),
    (re.compile(r"\b(government|llywodraeth)\b", re.I), GOV, 2.0, "government"),
    (re.compile(r"\b(ltd|limited|plc|llp|cyf|cyfyngedig)\.?\s*$", re.I), IND, 1.5, "a company form"),
    (re.compile(r"\b(trust|foundation|charity|elusen|ymddiriedolaeth)\b", re.I), THIRD, 1.0,
     "a charitable form"),
    (re.compile(r"\b(cic|community interest company|cbc)\.?\s*$", re.I), THIRD, 3.0, "CIC"),
)


_WORD_SECTORS: dict[str, list[str]] = {}
for _sector, _words in WORDS.items():
    for _w in _words:
        _WORD_SECTORS.setdefault(fold(_w).casefold().replace("-", " "), []).append(_sector)
# Read like one `re.findall` of all the words: the longest at each point, not overlapping.
_WORDS_MATCHER = WordMatcher(((key, key, False) for key in _WORD_SECTORS), overlap=False)


def sector_words(text: str | Prepared) -> dict[str, list[str]]:
    """The telling words of each sector found in `text` (distinct, sorted)."""
    if not text:
        return {}
    found: dict[str, set[str]] = {}
    for key in _WORDS_MATCHER.find(prepare(text)):
        for sector in _WORD_SECTORS[key]:
            found.setdefault(sector, set()).add(key)
    return {sector: sorted(words) for sector, words in found.items()}


# ---------------------------------------------------------------- signals -> decision


class _Tally:
    """Points by sector and the evidence lines, in the order the signals were added."""

    __slots__ = ("points", "evidence")

    def __init__(self) -> None:
        self.points: dict[str, float] = {}
        self.evidence: list[str] = []

    def add(self, sector: str, points: float, why: str) -> None:
        self.points[sector] = self.points.get(sector, 0) + points
        self.evidence.append(f"{why} (+{points:.1f} {sector})")

    def decision(self) -> SectorDecision:
        ranked = sorted(self.points.items(), key=lambda kv: (-kv[1], kv[0]))
        if not ranked:
            return SectorDecision(UNKNOWN, 0.0, ["no sector signals"])
        (best, top), runner = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
        if top < MIN_SCORE or top - runner < MARGIN:
            why = "too weak" if top < MIN_SCORE else f"too close to {ranked[1][0]}"
            return SectorDecision(UNKNOWN, 0.0, [*self.evidence, f"undecided: {best} {why}"])
        confidence = round(min(1.0, (top - runner) / (top + 1.0)), 3)
        return SectorDecision(best, confidence, list(self.evidence))


def _host(domain: str | None) -> str:
    if not domain:
        return ""
    text = domain.strip().lower()
    host = host_of(text) if is_http_url(text) else text.split("/", 1)[0]
    return host.split(":", 1)[0].rstrip(".")


def _schema_name(schema_type: str) -> str:
    return re.split(r"[/:#]", schema_type.strip())[-1]


def _add_domain(tally: _Tally, domain: str | None) -> None:
    signal = _domain_signal(domain) if domain else None
    if signal is not None:
        tally.add(*signal)


@lru_cache(maxsize=4096)
def _domain_signal(domain: str) -> tuple[str, float, str] | None:
    """(sector, points, why) of a site's host (cached: every page of a site asks again)."""
    host = _host(domain)
    if not host:
        return None
    for whole, (sector, points) in HOST_SIGNALS.items():
        if host == whole or host.endswith("." + whole):
            return sector, points, f"site is {whole}"
    for suffix, sector, points in DOMAIN_SIGNALS:
        if host.endswith(suffix) or host == suffix[1:]:
            return sector, points, f"domain ends {suffix}"
    return None


def _add_registers(tally: _Tally, charity_numbers: Iterable[str], company_numbers: Iterable[str],
                   is_cic: bool) -> None:
    # An empty list or set (most pages) has nothing to sort; any other iterable is read.
    charities = sorted({c.strip() for c in charity_numbers if c and c.strip()}) \
        if charity_numbers else ()
    if charities:
        tally.add(THIRD, CHARITY_POINTS, f"registered charity number {', '.join(charities[:3])}")
    if is_cic:
        tally.add(THIRD, CIC_POINTS, "Community Interest Company")
    if not company_numbers:
        return
    companies = sorted({c.strip().upper() for c in company_numbers if c and c.strip()})
    trading = [c for c in companies if not c.startswith(_THIRD_COMPANY_PREFIXES)]
    other = [c for c in companies if c.startswith(_THIRD_COMPANY_PREFIXES)]
    if trading:
        tally.add(IND, COMPANY_POINTS, f"company number {', '.join(trading[:3])}")
    if other:
        tally.add(THIRD, 1.0, f"charitable incorporated organisation or society number {other[0]}")


def _add_schema(tally: _Tally, schema_types: Iterable[str]) -> None:
    best: dict[str, tuple[float, str]] = {}
    for raw in schema_types:
        if not raw:
            continue
        name = _schema_name(raw)
        signal = SCHEMA_SIGNALS.get(name.lower())
        if signal and signal[1] > best.get(signal[0], (0.0, ""))[0]:
            best[signal[0]] = (signal[1], name)
    for sector, (points, name) in sorted(best.items()):
        tally.add(sector, points, f"schema.org type {name}")


def _add_name(tally: _Tally, name: str | None, is_cic: bool) -> None:
    if not name:
        return
    for sector, points, label in _name_signals(name):
        if label == "CIC" and is_cic:
            continue  # already counted from the page
        tally.add(sector, points, f"name {name!r} has {label}")


@lru_cache(maxsize=4096)
def _name_signals(name: str) -> tuple[tuple[str, float, str], ...]:
    """What the words of a name say (cached: every page of a site gives the same name)."""
    text = fold(name)
    return tuple((sector, points, label) for pattern, sector, points, label in _NAME_SIGNALS
                 if pattern.search(text))


def _add_words(tally: _Tally, words: Mapping[str, Iterable[str]]) -> None:
    for sector in (GOV, UNI, THIRD, IND):
        seen = words.get(sector)
        if not seen:  # no words of this sector (most of them, on most pages)
            continue
        found = sorted(set(seen))
        points = sum(STRONG_WORD_POINTS if w in STRONG_WORDS else WORD_POINTS for w in found)
        if points < MIN_WORD_POINTS:
            continue
        points = min(WORD_CAP, points)
        shown = ", ".join(found[:6]) + (" ..." if len(found) > 6 else "")
        tally.add(sector, points, f"words: {shown}")


def _add_academic(tally: _Tally, academic: Sequence[str], placed: str | None) -> None:
    if academic:
        points = min(ACADEMIC_LINK_CAP, ACADEMIC_LINK_POINTS * len(academic))
        tally.add(UNI, points, f"funded or hosted by academic bodies: {', '.join(academic[:4])}")
    if placed:
        tally.add(UNI, AFFILIATION_POINTS, f"a research unit in an academic body: {placed[:80]!r}")


def _decide(*, domain: str | None, schema_types: Iterable[str], charity_numbers: Iterable[str],
            company_numbers: Iterable[str], is_cic: bool, words: Mapping[str, Iterable[str]],
            name: str | None, academic: Sequence[str] = (), placed: str | None = None,
            ) -> SectorDecision:
    tally = _Tally()
    _add_domain(tally, domain)
    _add_schema(tally, schema_types)
    _add_registers(tally, charity_numbers, company_numbers, is_cic)
    _add_name(tally, name, is_cic)
    _add_words(tally, words)
    _add_academic(tally, academic, placed)
    return tally.decision()


def classify_sector(*, domain: str | None = None, schema_types: Sequence[str] = (),
                    charity_numbers: Iterable[str] = (), company_numbers: Iterable[str] = (),
                    is_cic: bool = False, text: str = "", name: str | None = None,
                    links: Iterable[Any] = ()) -> SectorDecision:
    """The sector these signals point to, with a confidence 0..1 and the evidence; `unknown`
    when the evidence is too weak or two sectors are too close. `links` are the page's typed
    outbound links (extract.facts.Link)."""
    prepared = prepare(text)
    return _decide(domain=domain, schema_types=schema_types, charity_numbers=charity_numbers,
                   company_numbers=company_numbers, is_cic=is_cic, words=sector_words(prepared),
                   name=name, academic=academic_links(links, domain), placed=affiliation(prepared))


def sector_for_pages(pages: Sequence[PageFacts], domain: str | None) -> SectorDecision:
    """An organisation's sector from all its pages: each signal counts once however many pages
    repeat it; telling words are pooled across pages; the name is the most common one given by
    JSON-LD or OpenGraph (else by any page)."""
    schema_types = sorted({p.schema_type for p in pages if p.schema_type})
    charities = {c for p in pages for c in p.charity_numbers}
    companies = {c for p in pages for c in p.company_numbers}
    is_cic = any(p.is_cic for p in pages)
    words: dict[str, set[str]] = {}
    for page in pages:
        for sector, found in (page.sector_words or {}).items():
            words.setdefault(sector, set()).update(found)
    strong = [p.name for p in pages if p.name and p.name_source in ("jsonld", "og")]
    names = strong or [p.name for p in pages if p.name]
    name = Counter(names).most_common(1)[0][0] if names else None
    academic = sorted({body for p in pages for body in academic_links(p.links, p.url)})
    return _decide(domain=domain, schema_types=schema_types, charity_numbers=charities,
                   company_numbers=companies, is_cic=is_cic, words=words, name=name,
                   academic=academic)


# Who may overrule whom: a researcher's word (seed file, review) over a register, over rules.
_SOURCE_RANK = {SectorSource.rule: 0, SectorSource.registry: 1, SectorSource.seed: 2,
                SectorSource.review: 3}


def decide_sector(current_sector: str | None, current_source: str | None,
                  rule: SectorDecision) -> tuple[str, str, float, list[str]] | None:
    """What to store given the organisation's current sector and a new rule decision:
    (sector, source, confidence, evidence), or None to keep what is stored. A sector asserted by
    a seed file or a reviewer, or confirmed by a register, is never replaced by rules."""
    source = SectorSource(current_source) if current_source else SectorSource.rule
    asserted = current_sector not in (None, "", UNKNOWN)
    if asserted and _SOURCE_RANK[source] > _SOURCE_RANK[SectorSource.rule]:
        return None
    return rule.sector, SectorSource.rule.value, rule.confidence, list(rule.evidence)


# ---------------------------------------------------------------- one page, for the extractor


@lru_cache(maxsize=1)
def _default_areas() -> tuple[Any, ...]:
    from harvester.taxonomy import load_taxonomy

    return tuple(load_taxonomy())


_SCOPES: dict[int, tuple[Matcher, frozenset[str]]] = {}


def _scope(matcher: Matcher) -> frozenset[str]:
    """Every word `classify_page`'s matchers look for (the taxonomy's keywords, the sector
    words, the affiliation test's): a page's text keeps only those (`prepare_parts`). Cached
    per compiled taxonomy, which is held so that its id stays unique."""
    known = _SCOPES.get(id(matcher))
    if known is not None and known[0] is matcher:
        return known[1]
    scope = matcher.words.vocabulary | _WORDS_MATCHER.vocabulary | _AFFILIATION_WORDS
    if len(_SCOPES) >= 16:
        _SCOPES.clear()
    _SCOPES[id(matcher)] = (matcher, scope)
    return scope


def classify_page(facts: PageFacts, text_parts: Mapping[str, str] | str,
                  areas: Sequence[Any] | None = None) -> None:
    """Fill `facts.sector`, `sector_words`, `keyword_hits` and `domain_scores` from this page's
    text (split by where it sits, see keywords.PART_WEIGHTS) and its already-extracted facts.
    Each part is folded once, parts of one weight are cut into words together, and the sector
    words read all parts joined."""
    parts = {"body": text_parts} if isinstance(text_parts, str) else text_parts
    matcher = compile_areas(_default_areas() if areas is None else tuple(areas))
    by_weight, whole = prepare_parts(parts, _scope(matcher))
    facts.sector_words = sector_words(whole)
    facts.sector = _decide(domain=facts.url, schema_types=[facts.schema_type] if facts.schema_type else [],
                           charity_numbers=facts.charity_numbers, company_numbers=facts.company_numbers,
                           is_cic=facts.is_cic, words=facts.sector_words, name=facts.name,
                           academic=academic_links(facts.links, facts.url), placed=affiliation(whole))
    scored = score_prepared(by_weight, matcher)
    ordered = sorted(scored.items())
    facts.keyword_hits = {area_id: kws for area_id, (_, kws) in ordered}
    facts.domain_scores = {area_id: score for area_id, (score, _) in ordered}
