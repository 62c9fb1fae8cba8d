"""Read the files of one `seed` call (YAML clusters, CSV lists, a taxonomy) into a checked SeedBatch.

The one place that touches the file system and decides what each file is; all-or-nothing: every
problem of every file is raised together as SeedFileError. Never opens the database: the caller
passes the cluster ids it already holds.
"""

from __future__ import annotations

import re
from pathlib import Path

from harvester.errors import SeedFileError
from harvester.seeds.cluster_yaml import parse_cluster_yaml
from harvester.seeds.cross_file import cross_file_duplicates, in_file_order, sector_conflicts
from harvester.seeds.field_checks import suggest
from harvester.seeds.records import SeedBatch
from harvester.seeds.seed_csv import CSV_COLUMNS, parse_seed_csv
from harvester.taxonomy import Area, load_taxonomy, parse_taxonomy
from harvester.yamlfile import display_path, read_text


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
                                + suggest(org.cluster, sorted(set(defined) | set(known_clusters))))
            else:
                batch.csv_organisations.append(org)
    problems.extend(cross_file_duplicates(batch.organisations()))
    problems.extend(sector_conflicts(batch.organisations()))
    if problems:
        raise SeedFileError(in_file_order(problems, [display_path(p) for p in paths]))
    return batch
