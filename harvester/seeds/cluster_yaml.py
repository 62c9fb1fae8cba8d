"""Pure: a YAML cluster seed file (cluster, name, postcode areas, organisations, meetup) into a SeedCluster.

Apart from the CSV form and from the database: it only turns text into checked values and
`FILE:LINE: message` problems. No Session, no I/O.
"""

from __future__ import annotations

import re
from typing import Any

from yaml.nodes import Node, ScalarNode

from harvester.seeds.field_checks import Checks, Duplicates
from harvester.seeds.records import SeedCluster, SeedOrganisation
from harvester.urls import host_of, is_http_url
from harvester.yamlfile import YamlChecker, construct, line_of

CLUSTER_KEYS = ("cluster", "name", "postcode_areas", "organisations", "meetup")
ORG_KEYS = ("name", "url", "sector", "domains", "notes", "aliases")
MEETUP_KEYS = ("groups", "searches", "api")
API_KEYS = ("query", "lat", "lon", "radius", "topic_category")
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
    checks = Checks(area_ids, check.problem)
    cluster_id = check.string(keys["cluster"][1], "cluster") if "cluster" in keys else None
    if cluster_id is not None and not checks.cluster_id(cluster_id, line_of(keys["cluster"][1])):
        cluster_id = None
    name = check.string(keys["name"][1], "name") if "name" in keys else None
    areas = _postcode_areas(check, keys["postcode_areas"][1]) if "postcode_areas" in keys else []
    meetup = _meetup(check, keys["meetup"][1]) if "meetup" in keys else {}
    organisations: list[SeedOrganisation] = []
    dupes = Duplicates()
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


def _organisation(check: YamlChecker, checks: Checks, node: Node, cluster: str,
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
