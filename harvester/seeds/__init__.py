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

This package's `__init__` keeps the entry points callers use (`read_seed_files`, `load_seeds`,
`store_batch`, `parse_cluster_yaml`, `parse_seed_csv`, `parse_sector` and the result types); the
work is done by one module per job, the pure ones (no Session, no I/O) apart from those that read
files or write the database:

    records             SeedOrganisation, SeedCluster, SeedBatch: what the files say, checked
    field_checks        pure: URL, sector, area and cluster-id checks, duplicates, suggestions
    cluster_yaml        pure: a YAML cluster file into a SeedCluster
    seed_csv            pure: a CSV seed list into SeedOrganisations
    cross_file          pure: duplicates and sector conflicts across a call's files; problem order
    read_files          reads a call's files (and its taxonomy) into one checked SeedBatch
    summary             SeedSummary, what a `seed` call changed
    store               load_seeds, store_batch: a batch into the database
    store_organisation  one organisation's row, membership, facts and areas, never downgraded
"""

from __future__ import annotations

from harvester.seeds.cluster_yaml import parse_cluster_yaml
from harvester.seeds.field_checks import parse_sector
from harvester.seeds.read_files import read_seed_files
from harvester.seeds.records import SeedBatch, SeedCluster, SeedOrganisation
from harvester.seeds.seed_csv import parse_seed_csv
from harvester.seeds.store import load_seeds, store_batch
from harvester.seeds.summary import SeedSummary

__all__ = ["SeedBatch", "SeedCluster", "SeedOrganisation", "SeedSummary", "load_seeds",
           "parse_cluster_yaml", "parse_seed_csv", "parse_sector", "read_seed_files", "store_batch"]
