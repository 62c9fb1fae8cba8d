"""Pure: the checks that need every file of one call at once, and the order problems are reported in.

A single file cannot see that another file of the same call lists its domain or gives it another
sector; these run on the whole batch after each file's own checks. No Session, no I/O.
"""

from __future__ import annotations

from harvester.seeds.records import SeedOrganisation


def in_file_order(problems: list[str], sources: list[str]) -> list[str]:
    """Problems grouped by file in the order given, each file's by line (stable otherwise)."""
    rank = {source: i for i, source in reversed(list(enumerate(sources)))}

    def key(problem: str) -> tuple[int, int]:
        for source, i in rank.items():
            if problem.startswith(source + ":"):
                line = problem[len(source) + 1:].split(":", 1)[0]
                return i, int(line) if line.isdigit() else 0
        return len(sources), 0

    return sorted(problems, key=key)


def cross_file_duplicates(orgs: list[SeedOrganisation]) -> list[str]:
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


def sector_conflicts(orgs: list[SeedOrganisation]) -> list[str]:
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
