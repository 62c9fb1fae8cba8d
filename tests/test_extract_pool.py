"""Extraction in worker processes gives the same facts as in the harvest's own process."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from harvester.extract.page import extract_page
from harvester.extract.pool import ExtractPool, default_workers

DEMO_SITE = Path(__file__).resolve().parent.parent / "harvester" / "demo" / "site"


def test_pool_results_equal_in_process_results():
    pages = sorted(DEMO_SITE.glob("www.*/*/index.html"))[:6]
    assert pages
    pool = ExtractPool(2)
    pool.start()
    try:
        deadline = time.monotonic() + 60
        while not pool.ready and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool.ready

        async def run():
            return await asyncio.gather(*(pool.extract(f"https://{p.parent.parent.name}/x/", p.read_bytes(),
                                                       {"content-type": "text/html"}) for p in pages))

        results = asyncio.run(run())
    finally:
        pool.close()
    for page, facts in zip(pages, results, strict=True):
        assert facts is not None
        local = extract_page(f"https://{page.parent.parent.name}/x/", page.read_bytes(),
                             {"content-type": "text/html"})
        assert facts.to_dict() == local.to_dict()


def test_a_pool_that_is_not_ready_asks_for_in_process_extraction():
    pool = ExtractPool(0)
    pool.start()
    assert not pool.ready
    assert asyncio.run(pool.extract("https://x.org/", b"<html></html>", {})) is None


def test_worker_count_from_the_environment(monkeypatch):
    monkeypatch.setenv("HARVESTER_EXTRACT_WORKERS", "0")
    assert default_workers() == 0
    monkeypatch.setenv("HARVESTER_EXTRACT_WORKERS", "3")
    assert default_workers() == 3


def test_the_pool_starts_only_when_extraction_is_costly(monkeypatch):
    from harvester.extract import pool

    monkeypatch.delenv("HARVESTER_EXTRACT_WORKERS", raising=False)
    assert not pool.worth_starting(0.001 * pool.MIN_EXTRACT_MS * 100, 5)  # too few pages to judge
    assert not pool.worth_starting(0.001 * (pool.MIN_EXTRACT_MS / 2) * 100, 100)  # cheap pages
    assert pool.worth_starting(0.001 * (pool.MIN_EXTRACT_MS * 2) * 100, 100)
    monkeypatch.setenv("HARVESTER_EXTRACT_WORKERS", "1")  # set explicitly: always
    assert pool.worth_starting(0.0, 0)
    monkeypatch.setenv("HARVESTER_EXTRACT_WORKERS", "0")
    assert not pool.worth_starting(1.0, 100)


def test_default_workers_leave_a_core_to_the_harvest_process(monkeypatch):
    from harvester.extract import pool

    monkeypatch.delenv("HARVESTER_EXTRACT_WORKERS", raising=False)
    monkeypatch.setattr(pool.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    assert default_workers() == 1
    monkeypatch.setattr(pool.os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    assert default_workers() == 0
    monkeypatch.setattr(pool.os, "sched_getaffinity", lambda _pid: set(range(16)), raising=False)
    assert default_workers() == pool.MAX_WORKERS
