"""Seed files: read and check the researchers' cluster files, then load them as wave 0.

Two forms (both documented in README "Seed files"):

* YAML, one cluster a file: `cluster`, `name`, `postcode_areas`, `organisations` (each `name`,
  `url`, optional `sector`, `domains`, `notes`, `aliases`) and optional `meetup` sources
  (`groups`, `searches`, `api`). `aliases` names parts of the same organisation on the same web
  domain (Watershed's Pervasive Media Studio): one domain is one organisation.
* CSV, one organisation a row: `name,url,sector,cluster,domains` (domains separated by `;`).
  A CSV row's cluster must already be in the database or be defined by a YAML file given in the
  same command, because a cluster needs its postcode areas, which only YAML carries.

A file named like `taxonomy.yaml` (a YAML file with `areas:`) is read as the taxonomy for the
call instead of a cluster, so `harvester seed seeds/*.yaml` works.

Checking is all-or-nothing per call: every problem in every file is collected as
`FILE:LINE: message` and raised together as SeedFileError before anything is written. Loading is
idempotent: organisations are keyed on their registrable domain; loading the same files again
changes no row. Re-seeding never downgrades a reviewed organisation (accepted, contacted,
interviewed, rejected, excluded keep their status) and never overrides a sector set in review.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select
from yaml.nodes import Node, ScalarNode

from harvester.errors import SeedFileError
from harvester.models import (
    Cluster,
    Decision,
    DecisionKind,
    Organisation,
    OrganisationCluster,
    OrganisationDomainArea,
    OrganisationFact,
    OrgKind,
    OrgStatus,
    Sector,
    SectorSource,
    utcnow,
)
from harvester.names import name_key
from harvester.taxonomy import Area, load_taxonomy, parse_taxonomy, sync_domain_areas
from harvester.urls import host_of, is_http_url, registrable_domain
from harvester.yamlfile import YamlChecker, construct, display_path, line_of, read_text

CLUSTER_KEYS = ("cluster", "name", "postcode_areas", "organisations", "meetup")
ORG_KEYS = ("name", "url", "sector", "domains", "notes", "aliases")
MEETUP_KEYS = ("groups", "searches", "api")
API_KEYS = ("query", "lat", "lon", "radius", "topic_category")
CSV_COLUMNS = ("name", "url", "sector", "cluster", "domains")
CSV_REQUIRED = ("name", "url", "cluster")
SECTOR_CHOICES = ", ".join(s.value for s in Sector if s is not Sector.unknown)
CLUSTER_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CLUSTER_ID_MAX = 64
POSTCODE = re.compile(r"^([A-Z]{1,2})(\d[A-Z\d]?)?$")
# Largest Meetup search radius worth asking for (miles): a cluster is a travel-to-work area.
MAX_RADIUS_MILES = 100
# The 121 geographic UK postcode areas (Royal Mail), plus the Crown dependencies'.
_POSTCODE_AREA_LIST = """
AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC
EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU
M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS
ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE
"""
POSTCODE_AREAS = frozenset(_POSTCODE_AREA_LIST.split())
# Statuses a seed file may turn into `seed`; every other status was set in review and is kept.
PROMOTABLE = (OrgStatus.discovered, OrgStatus.candidate)


# ---------------------------------------------------------------- what a file says


@dataclass(frozen=True)
class SeedOrganisation:
    """One seed organisation as written in a file (checked)."""

    name: str
    url: str
    domain: str
    cluster: str
    source: str
    line: int
    sector: Sector | None = None
    domains: tuple[str, ...] = ()
    notes: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass
class SeedCluster:
    """One YAML cluster file (checked)."""

    id: str
    name: str
    source: str
    line: int = 1
    postcode_areas: list[str] = field(default_factory=list)
    meetup: dict[str, Any] = field(default_factory=dict)
    organisations: list[SeedOrganisation] = field(default_factory=list)


@dataclass
class SeedBatch:
    """Everything the files of one `seed` call say, checked together."""

    clusters: list[SeedCluster] = field(default_factory=list)
    csv_organisations: list[SeedOrganisation] = field(default_factory=list)
    taxonomy: list[Area] = field(default_factory=list)
    taxonomy_source: str | None = None

    def organisations(self) -> list[SeedOrganisation]:
        return [o for c in self.clusters for o in c.organisations] + self.csv_organisations


def parse_sector(text: str) -> Sector | None:
    """"Third sector", "third-sector" and "Third_Sector" all mean third_sector; None if unknown."""
    key = re.sub(r"[\s\-]+", "_", text.strip().lower())
    try:
        return Sector(key)
    except ValueError:
        return None


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Checks:
    """Field checks shared by the YAML and CSV forms; problems go to `report(line, message)`."""

    def __init__(self, area_ids: set[str], report) -> None:
        self.area_ids = area_ids
        self.report = report

    def url(self, url: str, line: int) -> str | None:
        """The registrable domain of a seed URL, or None after reporting why it is bad."""
        domain = registrable_domain(url) if is_http_url(url) and not re.search(r"\s", url) else None
        bare_host = host_of(url).split(":")[0] if domain else ""
        if domain is None or ("." not in bare_host and bare_host != "localhost"):
            self.report(line, f"bad URL '{url}': write the full address, starting with https://")
            return None
        return domain

    def sector(self, text: str, line: int) -> tuple[bool, Sector | None]:
        sector = parse_sector(text)
        if sector is None:
            self.report(line, f"unknown sector '{text}' (use one of: {SECTOR_CHOICES})"
                        + _suggest(text.lower(), SECTOR_CHOICES.split(", ")))
            return False, None
        return True, None if sector is Sector.unknown else sector

    def area(self, area_id: str, line: int) -> bool:
        if area_id in self.area_ids:
            return True
        self.report(line, f"unknown domain area '{area_id}' (the ids are in seeds/taxonomy.yaml)"
                    + _suggest(area_id, sorted(self.area_ids)))
        return False

    def cluster_id(self, cluster_id: str, line: int) -> bool:
        if CLUSTER_ID.match(cluster_id) and len(cluster_id) <= CLUSTER_ID_MAX:
            return True
        self.report(line, f"bad cluster id '{cluster_id}': use lower-case letters, digits and "
                    "hyphens, e.g. bristol or media-city")
        return False


class _Duplicates:
    """Finds a second organisation with the same name or registrable domain in one file."""

    def __init__(self) -> None:
        self.by_domain: dict[tuple[str, str], tuple[str, int]] = {}
        self.by_name: dict[tuple[str, str], int] = {}

    def check(self, org: SeedOrganisation) -> str | None:
        name = (org.cluster, name_key(org.name) or org.name.casefold())
        if name in self.by_name:
            return f"duplicate organisation '{org.name}': same name as line {self.by_name[name]}"
        domain = (org.cluster, org.domain)
        if domain in self.by_domain:
            first, line = self.by_domain[domain]
            return (f"duplicate organisation '{org.name}': same domain {org.domain} as '{first}' "
                    f"on line {line} (one domain is one organisation: list its parts under "
                    "`aliases` of that entry)")
        self.by_name[name] = org.line
        self.by_domain[domain] = (org.name, org.line)
        return None


def parse_cluster_yaml(text: str, source: str, area_ids: set[str],
                       problems: list[str]) -> SeedCluster | None:
    """Pure: the cluster in a YAML seed file, or None; every problem appended to `problems`."""
    check = YamlChecker(source, problems)
    before = len(problems)
    root = check.compose(text)
    if root is None:
        if len(problems) == before:
            check.problem(1, "empty seed file: expected `cluster:`, `name:` and `organisations:`")
        return None
    keys = check.mapping(root, "the seed file", allowed=CLUSTER_KEYS,
                         required=("cluster", "name", "organisations"))
    if keys is None:
        return None
    checks = _Checks(area_ids, check.problem)
    cluster_id = check.string(keys["cluster"][1], "cluster") if "cluster" in keys else None
    if cluster_id is not None and not checks.cluster_id(cluster_id, line_of(keys["cluster"][1])):
        cluster_id = None
    name = check.string(keys["name"][1], "name") if "name" in keys else None
    areas = _postcode_areas(check, keys["postcode_areas"][1]) if "postcode_areas" in keys else []
    meetup = _meetup(check, keys["meetup"][1]) if "meetup" in keys else {}
    organisations: list[SeedOrganisation] = []
    dupes = _Duplicates()
    org_nodes = check.sequence(keys["organisations"][1], "organisations") \
        if "organisations" in keys else None
    for node in org_nodes or []:
        org = _organisation(check, checks, node, cluster_id or "?", source)
        if org is None:
            continue
        clash = dupes.check(org)
        if clash:
            check.problem(org.line, clash)
            continue
        organisations.append(org)
    if org_nodes == [] and "organisations" in keys:
        check.problem(keys["organisations"][0], "the cluster has no organisations: list at least one")
    if len(problems) > before or cluster_id is None or name is None:
        return None
    return SeedCluster(id=cluster_id, name=name, source=source, line=line_of(root),
                       postcode_areas=areas, meetup=meetup, organisations=organisations)


def _postcode_areas(check: YamlChecker, node: Node) -> list[str]:
    areas: list[str] = []
    for text, item in check.strings(node, "postcode_areas"):
        code = text.upper().replace(" ", "")
        match = POSTCODE.match(code)
        if not match:
            check.problem(item, f"bad postcode area '{text}': write an area (BS) or a district "
                          "(BS1, M50), not a full postcode")
        elif match.group(1) not in POSTCODE_AREAS:
            check.problem(item, f"bad postcode area '{text}': {match.group(1)} is not a UK postcode area")
        elif code not in areas:
            areas.append(code)
    return areas


def _organisation(check: YamlChecker, checks: _Checks, node: Node, cluster: str,
                  source: str) -> SeedOrganisation | None:
    before = len(check.problems)
    keys = check.mapping(node, "an organisation", allowed=ORG_KEYS, required=("name", "url"))
    if keys is None:
        return None
    name = check.string(keys["name"][1], "name") if "name" in keys else None
    url = check.string(keys["url"][1], "url") if "url" in keys else None
    domain = checks.url(url, line_of(keys["url"][1])) if url else None
    sector = None
    if "sector" in keys:
        text = check.string(keys["sector"][1], "sector")
        if text is not None:
            sector = checks.sector(text, line_of(keys["sector"][1]))[1]
    domains: list[str] = []
    for area_id, item in check.strings(keys["domains"][1], "domains") if "domains" in keys else []:
        if checks.area(area_id, line_of(item)) and area_id not in domains:
            domains.append(area_id)
    notes = None
    if "notes" in keys and not _is_null(keys["notes"][1]):
        notes = check.string(keys["notes"][1], "notes")
    aliases = [a for a, _ in check.strings(keys["aliases"][1], "aliases")] if "aliases" in keys else []
    if len(check.problems) > before or name is None or url is None or domain is None:
        return None
    return SeedOrganisation(name=name, url=url, domain=domain, cluster=cluster, source=source,
                            line=line_of(node), sector=sector, domains=tuple(domains), notes=notes,
                            aliases=tuple(aliases))


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _meetup(check: YamlChecker, node: Node) -> dict[str, Any]:
    keys = check.mapping(node, "meetup", allowed=MEETUP_KEYS)
    if keys is None:
        return {}
    meetup: dict[str, Any] = {"groups": [], "searches": [], "api": []}
    for key in ("groups", "searches"):
        for url, item in check.strings(keys[key][1], f"meetup {key}") if key in keys else []:
            host = host_of(url) if is_http_url(url) else ""
            if host != "meetup.com" and not host.endswith(".meetup.com"):
                check.problem(item, f"bad Meetup URL '{url}': write a full "
                              "https://www.meetup.com/... address")
            elif url not in meetup[key]:
                meetup[key].append(url)
    for item in (check.sequence(keys["api"][1], "meetup api") or []) if "api" in keys else []:
        query = _api_query(check, item)
        if query is not None:
            meetup["api"].append(query)
    return meetup


def _api_query(check: YamlChecker, node: Node) -> dict[str, Any] | None:
    before = len(check.problems)
    keys = check.mapping(node, "a meetup api query", allowed=API_KEYS,
                         required=("query", "lat", "lon", "radius"))
    if keys is None:
        return None
    query: dict[str, Any] = {}
    if "query" in keys:
        query["query"] = check.string(keys["query"][1], "query")
    limits = {"lat": (-90.0, 90.0), "lon": (-180.0, 180.0), "radius": (0.0, MAX_RADIUS_MILES)}
    for key, (low, high) in limits.items():
        if key not in keys:
            continue
        value = check.number(keys[key][1], key)
        if value is not None and not (low < value <= high if key == "radius" else low <= value <= high):
            check.problem(keys[key][1], f"{key} {value:g} is out of range ({low:g} to {high:g})")
        query[key] = value
    if "topic_category" in keys:
        value = construct(keys["topic_category"][1])
        if not isinstance(value, int | str) or isinstance(value, bool) or value == "":
            check.problem(keys["topic_category"][1], "topic_category must be a Meetup category id "
                          "(a number) or name")
        query["topic_category"] = value
    return query if len(check.problems) == before else None


# ---------------------------------------------------------------- CSV


def parse_seed_csv(text: str, source: str, area_ids: set[str],
                   problems: list[str]) -> list[SeedOrganisation]:
    """Pure: the organisations of a CSV seed file (clusters are checked later, against the
    database and the YAML files of the same call). Rows starting with `#` are comments."""
    before = len(problems)

    def report(line: int, message: str) -> None:
        problems.append(f"{source}:{line}: {message}")

    checks = _Checks(area_ids, report)
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    header_line = 1
    organisations: list[SeedOrganisation] = []
    dupes = _Duplicates()
    last = 0
    try:
        for row in reader:
            line, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
                continue
            if header is None:
                if len(row) == 1 and ";" in row[0]:  # Excel in many European locales saves `;`
                    report(line, "the columns are separated by ';': save the file as CSV with commas "
                           f"(the first row names the columns: {','.join(CSV_COLUMNS)})")
                    return []
                header, header_line = [c.strip().lower() for c in row], line
                unknown = [c for c in header if c not in CSV_COLUMNS]
                for col in unknown:
                    report(line, f"unknown column '{col}' (allowed: {', '.join(CSV_COLUMNS)})")
                twice = sorted({c for c in header if header.count(c) > 1})
                for col in twice:
                    report(line, f"column '{col}' is named twice")
                unknown += twice
                for col in CSV_REQUIRED:
                    if col not in header:
                        report(line, f"missing required column '{col}' (the first row names the columns: "
                               f"{','.join(CSV_COLUMNS)})")
                if unknown or any(c not in header for c in CSV_REQUIRED):
                    return []
                continue
            org = _csv_row(checks, dict(zip(header, (c.strip() for c in row), strict=False)),
                           len(row), len(header), line, source)
            if org is None:
                continue
            clash = dupes.check(org)
            if clash:
                report(line, clash)
            else:
                organisations.append(org)
    except csv.Error as exc:
        report(reader.line_num, f"CSV error: {exc}")
    if header is None:
        report(header_line, "empty CSV seed file: the first row must name the columns "
               + ",".join(CSV_COLUMNS))
    return organisations if len(problems) == before else []


def _csv_row(checks: _Checks, row: dict[str, str], width: int, expected: int, line: int,
             source: str) -> SeedOrganisation | None:
    problems: list[str] = []

    def report(at: int, message: str) -> None:
        problems.append(message)
        checks.report(at, message)

    if width > expected:
        report(line, f"this row has {width} cells but the header names {expected} columns "
               "(put a list of domains in quotes or separate it with ;)")
        return None
    for col in CSV_REQUIRED:
        if not row.get(col):
            report(line, f"missing value in column '{col}'")
    if problems:
        return None
    domain = checks.url(row["url"], line)
    sector = None
    if row.get("sector"):
        ok, sector = checks.sector(row["sector"], line)
        if not ok:
            problems.append("sector")
    if not checks.cluster_id(row["cluster"], line):
        problems.append("cluster")
    domains: list[str] = []
    for area_id in (a.strip() for a in row.get("domains", "").split(";")):
        if not area_id:
            continue
        if not checks.area(area_id, line):
            problems.append("area")
        elif area_id not in domains:
            domains.append(area_id)
    if problems or domain is None:
        return None
    return SeedOrganisation(name=row["name"], url=row["url"], domain=domain, cluster=row["cluster"],
                            source=source, line=line, sector=sector, domains=tuple(domains))


# ---------------------------------------------------------------- a call's files


def is_taxonomy_text(text: str) -> bool:
    """A YAML file with `areas:` and no `cluster:` is a taxonomy, not a cluster file."""
    return bool(re.search(r"^areas\s*:", text, re.M)) and not re.search(r"^cluster\s*:", text, re.M)


def read_seed_files(paths: list[Path], *, known_clusters: set[str] | frozenset[str] = frozenset(),
                    taxonomy: list[Area] | None = None) -> SeedBatch:
    """Read and check every file; raise SeedFileError with every problem of every file.

    `known_clusters` are the cluster ids already in the database (CSV rows may name them).
    A taxonomy file among `paths` replaces `taxonomy`; without either the default one is loaded.
    """
    problems: list[str] = []
    batch = SeedBatch()
    texts: list[tuple[Path, str, str]] = []
    for path in paths:
        source = display_path(path)
        if Path(path).is_dir():
            problems.append(f"{source}: is a folder: name the seed files (e.g. {source}/*.yaml)")
            continue
        text = read_text(Path(path), source, problems)
        if text is None:
            continue
        if Path(path).suffix.lower() in (".yaml", ".yml") and is_taxonomy_text(text):
            if batch.taxonomy_source is not None:
                problems.append(f"{source}:1: a second taxonomy file in one call "
                                f"(the first is {batch.taxonomy_source}): give only one")
                continue
            batch.taxonomy = parse_taxonomy(text, source, problems)
            batch.taxonomy_source = source
        elif Path(path).suffix.lower() in (".yaml", ".yml", ".csv"):
            texts.append((Path(path), source, text))
        else:
            problems.append(f"{source}: not a seed file: use .yaml (one cluster) or .csv "
                            f"({','.join(CSV_COLUMNS)})")
    if batch.taxonomy_source is None:
        batch.taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    area_ids = {a.id for a in batch.taxonomy}

    defined: dict[str, str] = {}
    for path, source, text in texts:
        if path.suffix.lower() == ".csv":
            continue
        cluster = parse_cluster_yaml(text, source, area_ids, problems)
        if cluster is None:
            continue
        if cluster.id in defined:
            problems.append(f"{source}:{cluster.line}: cluster '{cluster.id}' is also defined in "
                            f"{defined[cluster.id]}: give each cluster one YAML file")
            continue
        defined[cluster.id] = f"{source}:{cluster.line}"
        batch.clusters.append(cluster)
    for path, source, text in texts:
        if path.suffix.lower() != ".csv":
            continue
        for org in parse_seed_csv(text, source, area_ids, problems):
            if org.cluster not in defined and org.cluster not in known_clusters:
                problems.append(f"{source}:{org.line}: unknown cluster '{org.cluster}': load its YAML "
                                "seed file first, or in the same command"
                                + _suggest(org.cluster, sorted(set(defined) | set(known_clusters))))
            else:
                batch.csv_organisations.append(org)
    problems.extend(_cross_file_duplicates(batch.organisations()))
    problems.extend(_sector_conflicts(batch.organisations()))
    if problems:
        raise SeedFileError(_in_file_order(problems, [display_path(p) for p in paths]))
    return batch


def _in_file_order(problems: list[str], sources: list[str]) -> list[str]:
    """Problems grouped by file in the order given, each file's by line (stable otherwise)."""
    rank = {source: i for i, source in reversed(list(enumerate(sources)))}

    def key(problem: str) -> tuple[int, int]:
        for source, i in rank.items():
            if problem.startswith(source + ":"):
                line = problem[len(source) + 1:].split(":", 1)[0]
                return i, int(line) if line.isdigit() else 0
        return len(sources), 0

    return sorted(problems, key=key)


def _cross_file_duplicates(orgs: list[SeedOrganisation]) -> list[str]:
    """One domain listed for one cluster by two files of the same call (within a file, the
    file's own check has already said so)."""
    first: dict[tuple[str, str], SeedOrganisation] = {}
    problems = []
    for org in orgs:
        seen = first.setdefault((org.cluster, org.domain), org)
        if seen is not org and seen.source != org.source:
            problems.append(f"{org.source}:{org.line}: duplicate organisation '{org.name}': same domain "
                            f"{org.domain} in cluster '{org.cluster}' as '{seen.name}' in "
                            f"{seen.source}:{seen.line}")
    return problems


def _sector_conflicts(orgs: list[SeedOrganisation]) -> list[str]:
    """Two files of one call asserting different sectors for one domain cannot both win."""
    first: dict[str, SeedOrganisation] = {}
    problems = []
    for org in orgs:
        if org.sector is None:
            continue
        seen = first.setdefault(org.domain, org)
        if seen.sector != org.sector:
            problems.append(f"{org.source}:{org.line}: sector '{org.sector.value}' for {org.domain} "
                            f"conflicts with '{seen.sector.value}' in {seen.source}:{seen.line}")
    return problems


# ---------------------------------------------------------------- into the database


@dataclass
class SeedSummary:
    """What a `seed` call changed, for the command's report."""

    clusters: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    taxonomy_areas: int = 0
    taxonomy_source: str | None = None  # a taxonomy file given in the call, else the default was used
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    memberships: int = 0
    kept_status: list[str] = field(default_factory=list)  # "name (accepted)"
    by_cluster: dict[str, Counter] = field(default_factory=dict)  # cluster -> sector -> count


def load_seeds(session: Session, paths: list[Path]) -> SeedSummary:
    """Check `paths` and load them in the caller's transaction (nothing is written on error)."""
    known = set(session.exec(select(Cluster.id)).all())
    batch = read_seed_files(paths, known_clusters=known)
    return store_batch(session, batch)


def store_batch(session: Session, batch: SeedBatch) -> SeedSummary:
    """Upsert the clusters, organisations, memberships, seed domain areas and name/homepage facts."""
    summary = SeedSummary(taxonomy_areas=len(batch.taxonomy), taxonomy_source=batch.taxonomy_source)
    sync_domain_areas(session, batch.taxonomy)
    for cluster in batch.clusters:
        _store_cluster(session, cluster)
        summary.clusters.append(cluster.id)
    summary.files = sorted({c.source for c in batch.clusters} | {o.source for o in batch.csv_organisations})
    touched: dict[int, str] = {}  # organisation id -> its strongest state in this call
    rank = {"unchanged": 0, "updated": 1, "new": 2}
    for seed in batch.organisations():
        org, state = _store_organisation(session, seed, summary)
        touched[org.id] = max(state, touched.get(org.id, "unchanged"), key=rank.__getitem__)
        counts = summary.by_cluster.setdefault(seed.cluster, Counter())
        counts[org.sector.value] += 1
    states = Counter(touched.values())
    summary.new, summary.updated, summary.unchanged = states["new"], states["updated"], states["unchanged"]
    for seed in batch.csv_organisations:
        if seed.cluster not in summary.clusters:
            summary.clusters.append(seed.cluster)
    session.flush()
    return summary


def _store_cluster(session: Session, seed: SeedCluster) -> None:
    row = session.get(Cluster, seed.id)
    values = {"name": seed.name, "postcode_areas": seed.postcode_areas, "meetup": seed.meetup,
              "source_file": seed.source}
    if row is None:
        session.add(Cluster(id=seed.id, **values))
    elif any(getattr(row, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        session.add(row)
    session.flush()


def _find(session: Session, seed: SeedOrganisation) -> Organisation | None:
    org = session.exec(select(Organisation).where(Organisation.domain == seed.domain)).first()
    if org is None and name_key(seed.name):  # found earlier by name only (a Meetup sponsor)
        org = session.exec(select(Organisation).where(
            Organisation.domain.is_(None), Organisation.kind == OrgKind.organisation,  # type: ignore[union-attr]
            Organisation.name_key == name_key(seed.name))).first()
    return org


def _store_organisation(session: Session, seed: SeedOrganisation,
                        summary: SeedSummary) -> tuple[Organisation, str]:
    """Insert or update one organisation; returns it and "new", "updated" or "unchanged"."""
    org = _find(session, seed)
    state = "unchanged"
    if org is None:
        org = Organisation(name=seed.name, name_key=name_key(seed.name), domain=seed.domain,
                           homepage=seed.url, sector=seed.sector or Sector.unknown,
                           sector_source=SectorSource.seed if seed.sector else SectorSource.rule,
                           cluster_id=seed.cluster, wave=0, status=OrgStatus.seed, notes=seed.notes)
        session.add(org)
        session.flush()
        state = "new"
    else:
        changes = _seed_changes(session, org, seed, summary)
        if changes:
            for key, value in changes.items():
                setattr(org, key, value)
            session.add(org)
            state = "updated"
    if _ensure_membership(session, org, seed.cluster) and state == "unchanged":
        state = "updated"
    summary.memberships += 1
    source_url = f"seed:{seed.source}"
    facts = [("name", seed.name), ("homepage", seed.url)] + [("alias", a) for a in seed.aliases]
    for field_name, value in facts:
        if _ensure_fact(session, org.id, field_name, value, source_url) and state == "unchanged":
            state = "updated"
    for area_id in seed.domains:
        if _ensure_area(session, org.id, area_id, source_url) and state == "unchanged":
            state = "updated"
    return org, state


def _seed_changes(session: Session, org: Organisation, seed: SeedOrganisation,
                  summary: SeedSummary) -> dict[str, Any]:
    """The fields a seed file may set on an existing organisation, without downgrading it."""
    want: dict[str, Any] = {}
    if org.domain is None:
        want["domain"] = seed.domain
    if org.status in PROMOTABLE:
        want.update(status=OrgStatus.seed, wave=0)
    elif org.status is not OrgStatus.seed:
        summary.kept_status.append(f"{org.name} ({org.status.value})")
    if seed.sector is not None and org.sector_source is not SectorSource.review:
        want.update(sector=seed.sector, sector_source=SectorSource.seed)
    if org.cluster_id is None:
        want["cluster_id"] = seed.cluster
    if (org.cluster_id or seed.cluster) == seed.cluster:  # its home cluster's file describes it
        want["homepage"] = seed.url
        if seed.notes is not None:
            want["notes"] = seed.notes
        renamed = session.exec(select(Decision.id).where(
            Decision.organisation_id == org.id, Decision.decision == DecisionKind.set_name)).first()
        if renamed is None:
            want.update(name=seed.name, name_key=name_key(seed.name))
    return {k: v for k, v in want.items() if getattr(org, k) != v}


def _ensure_membership(session: Session, org: Organisation, cluster_id: str) -> bool:
    found = session.exec(select(OrganisationCluster).where(
        OrganisationCluster.organisation_id == org.id,
        OrganisationCluster.cluster_id == cluster_id)).first()
    if found is not None:
        return False
    session.add(OrganisationCluster(organisation_id=org.id, cluster_id=cluster_id, source="seed"))
    session.flush()
    return True


def _ensure_fact(session: Session, org_id: int, field_name: str, value: str, source_url: str) -> bool:
    """A seed fact is written once; reloading the file neither adds a row nor moves a timestamp."""
    found = session.exec(select(OrganisationFact.id).where(
        OrganisationFact.organisation_id == org_id, OrganisationFact.field == field_name,
        OrganisationFact.value == value, OrganisationFact.source_url == source_url)).first()
    if found is not None:
        return False
    session.add(OrganisationFact(organisation_id=org_id, field=field_name, value=value,
                                 source_url=source_url, rule="seed"))
    session.flush()
    return True


def _ensure_area(session: Session, org_id: int, area_id: str, source_url: str) -> bool:
    """A declared domain area: source "seed", full score; a rule-found row is promoted."""
    row = session.exec(select(OrganisationDomainArea).where(
        OrganisationDomainArea.organisation_id == org_id,
        OrganisationDomainArea.domain_area_id == area_id)).first()
    if row is None:
        session.add(OrganisationDomainArea(organisation_id=org_id, domain_area_id=area_id, score=1.0,
                                           source="seed", evidence_url=source_url))
        session.flush()
        return True
    if row.source in ("seed", "review"):
        return False
    row.source, row.score, row.evidence_url = "seed", max(row.score, 1.0), source_url
    session.add(row)
    return True


__all__ = ["SeedBatch", "SeedCluster", "SeedOrganisation", "SeedSummary", "load_seeds",
           "parse_cluster_yaml", "parse_seed_csv", "parse_sector", "read_seed_files", "store_batch"]
