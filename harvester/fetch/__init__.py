"""Polite fetching: one async httpx client, robots.txt, per-host pacing, retries, WARC."""

from harvester.fetch.archive import ReplayTransport, WarcWriter, iter_records, rewrite_without
from harvester.fetch.client import FetchStats, PoliteClient
from harvester.fetch.result import ERROR_SLUGS, FetchResult

__all__ = ["ERROR_SLUGS", "FetchResult", "FetchStats", "PoliteClient", "ReplayTransport", "WarcWriter",
           "iter_records", "rewrite_without"]
