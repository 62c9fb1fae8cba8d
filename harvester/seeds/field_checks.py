"""Pure: the field checks shared by the YAML and CSV seed forms (URL, sector, area, cluster id, duplicates).

Both forms must word a bad value the same way, so the checks and their messages live once, here,
with the sector words and the "did you mean" suggestion. No Session, no I/O.
"""

from __future__ import annotations

import difflib
import re

from harvester.models import Sector
from harvester.names import name_key
from harvester.seeds.records import SeedOrganisation
from harvester.urls import host_of, is_http_url, registrable_domain

SECTOR_CHOICES = ", ".join(s.value for s in Sector if s is not Sector.unknown)
CLUSTER_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CLUSTER_ID_MAX = 64


def parse_sector(text: str) -> Sector | None:
    """"Third sector", "third-sector" and "Third_Sector" all mean third_sector; None if unknown."""
    key = re.sub(r"[\s\-]+", "_", text.strip().lower())
    try:
        return Sector(key)
    except ValueError:
        return None


def suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Checks:
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
                        + suggest(text.lower(), SECTOR_CHOICES.split(", ")))
            return False, None
        return True, None if sector is Sector.unknown else sector

    def area(self, area_id: str, line: int) -> bool:
        if area_id in self.area_ids:
            return True
        self.report(line, f"unknown domain area '{area_id}' (the ids are in seeds/taxonomy.yaml)"
                    + suggest(area_id, sorted(self.area_ids)))
        return False

    def cluster_id(self, cluster_id: str, line: int) -> bool:
        if CLUSTER_ID.match(cluster_id) and len(cluster_id) <= CLUSTER_ID_MAX:
            return True
        self.report(line, f"bad cluster id '{cluster_id}': use lower-case letters, digits and "
                    "hyphens, e.g. bristol or media-city")
        return False


class Duplicates:
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
