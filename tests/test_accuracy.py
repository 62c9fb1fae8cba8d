"""Extraction accuracy against hand-written ground truth.

Two sets, scored the same way: the real pages in ../shared/fixtures/orgsites/ (truth in
tests/fixtures/orgsites_truth.yaml; skipped when ../shared is absent) and our authored pages in
tests/fixtures/extract/ (truth in truth.yaml beside them). Per-field scores are printed (run
`pytest -s tests/test_accuracy.py`) and written to tests/artifacts/accuracy-<set>.json.

Scoring: list fields (emails, phones, postcodes, registration numbers, people's names, social
profiles, links as (host without www., kind)) are pooled over the pages whose truth states the
field: precision = right / extracted, recall = right / expected. A field absent from a page's truth
is not scored. Names are compared after normalisation (case, punctuation, "the", "ltd", "cic")
against the name and the aliases the page itself uses. Sector is the page's own decision from
`classify.classify_page` (run by `extract_page`), scored where the truth gives one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from harvester.extract.page import extract_page

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LIST_FIELDS = ("emails", "phones", "postcodes", "charity_numbers", "company_numbers", "social")

# Thresholds from the issue: what must hold on the real pages.
THRESHOLDS = {
    ("emails", "precision"): 0.95,
    ("emails", "recall"): 0.90,
    ("name", "accuracy"): 0.90,
    ("sector", "accuracy"): 0.90,
    ("phones", "precision"): 0.95,
    ("postcodes", "precision"): 0.95,
}


def site_of(url: str) -> str:
    """The link's host without "www.": finer than the registrable domain, so two bodies on one
    shared suffix (x.gov.wales, y.gov.wales) stay apart in scoring."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def normalise_name(name: str | None) -> str:
    text = re.sub(r"[^\w]+", " ", (name or "").casefold())
    words = [w for w in text.split() if w not in {"the", "ltd", "limited", "cic", "plc", "llp"}]
    return " ".join(words)


class Tally:
    def __init__(self) -> None:
        self.right = self.extracted = self.expected = 0

    def add(self, predicted: set[Any], truth: set[Any]) -> None:
        self.right += len(predicted & truth)
        self.extracted += len(predicted)
        self.expected += len(truth)

    def scores(self) -> dict[str, float | int]:
        return {
            "precision": round(self.right / self.extracted, 3) if self.extracted else 1.0,
            "recall": round(self.right / self.expected, 3) if self.expected else 1.0,
            "right": self.right, "extracted": self.extracted, "expected": self.expected,
        }


def score(pages: dict[str, dict[str, Any]], folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Extract every page and score it; returns (per-field scores, per-page misses)."""
    tallies = {f: Tally() for f in (*LIST_FIELDS, "people", "links")}
    exact: dict[str, list[bool]] = {"name": [], "sector": [], "sector_when_decided": [], "page_kind": [],
                                     "is_cic": []}
    misses: dict[str, Any] = {}
    for filename, truth in sorted(pages.items()):
        facts = extract_page(truth["url"], (folder / filename).read_bytes())
        page_misses: dict[str, Any] = {}
        for field in LIST_FIELDS:
            if field in truth:
                predicted, expected = set(getattr(facts, field)), set(truth[field] or [])
                tallies[field].add(predicted, expected)
                if predicted != expected:
                    page_misses[field] = {"extra": sorted(predicted - expected),
                                          "missed": sorted(expected - predicted)}
        if "people" in truth:
            predicted = {normalise_name(p.name) for p in facts.people}
            expected = {normalise_name(p["name"]) for p in truth["people"] or []}
            tallies["people"].add(predicted, expected)
            if predicted != expected:
                page_misses["people"] = {"extra": sorted(predicted - expected),
                                         "missed": sorted(expected - predicted)}
        if "links" in truth:
            predicted = {(site_of(link.url), link.kind) for link in facts.links}
            expected = {(domain, kind) for domain, kind in (truth["links"] or {}).items()}
            # Links to domains the truth does not list are not scored (site furniture such as a
            # theme credit); a listed domain with the wrong kind is both an extra and a miss.
            listed = {d for d, _ in expected}
            predicted = {(d, k) for d, k in predicted if d in listed}
            tallies["links"].add(predicted, expected)
            if predicted != expected:
                page_misses["links"] = {"extra": sorted(predicted - expected),
                                        "missed": sorted(expected - predicted)}
        if "name" in truth:
            accepted = {normalise_name(n) for n in [truth["name"], *truth.get("aliases", [])]}
            ok = normalise_name(facts.name) in accepted
            exact["name"].append(ok)
            if not ok:
                page_misses["name"] = facts.name
        if "sector" in truth:
            got = facts.sector.sector if facts.sector else None
            exact["sector"].append(got == truth["sector"])
            if got not in (None, "unknown"):
                exact["sector_when_decided"].append(got == truth["sector"])
            if got != truth["sector"]:
                page_misses["sector"] = {"got": got, "expected": truth["sector"],
                                         "evidence": facts.sector.evidence if facts.sector else []}
        for field in ("page_kind", "is_cic"):
            if field in truth:
                exact[field].append(getattr(facts, field) == truth[field])
                if getattr(facts, field) != truth[field]:
                    page_misses[field] = getattr(facts, field)
        if page_misses:
            misses[filename] = page_misses
    report: dict[str, Any] = {field: tally.scores() for field, tally in tallies.items()}
    for field, results in exact.items():
        if results:
            report[field] = {"accuracy": round(sum(results) / len(results), 3), "pages": len(results)}
    return report, misses


def _print_and_save(label: str, report: dict[str, Any], misses: dict[str, Any]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"accuracy-{label}.json").write_text(
        json.dumps({"scores": report, "misses": misses}, indent=2, ensure_ascii=False) + "\n")
    print(f"\nExtraction accuracy on {label}:")
    for field, values in report.items():
        shown = ", ".join(f"{k} {v}" for k, v in values.items())
        print(f"  {field:16} {shown}")
    for page, missed in misses.items():
        print(f"  miss {page}: {json.dumps(missed, ensure_ascii=False)[:300]}")


def _check(report: dict[str, Any], only: tuple[str, ...] | None = None,
           skip: tuple[str, ...] = ()) -> list[str]:
    failures = []
    for (field, measure), minimum in THRESHOLDS.items():
        if field in skip or (only is not None and field not in only):
            continue
        value = report.get(field, {}).get(measure)
        if value is not None and value < minimum:
            failures.append(f"{field} {measure} {value} < {minimum}")
    return failures


def _real_pages(shared_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    truth = yaml.safe_load((FIXTURES / "orgsites_truth.yaml").read_text())["pages"]
    folder = shared_dir / "fixtures" / "orgsites"
    assert {p.name for p in folder.glob("*.html")} == set(truth), "truth must cover every page"
    return score(truth, folder)


def test_accuracy_on_real_pages(shared_dir: Path) -> None:
    report, misses = _real_pages(shared_dir)
    _print_and_save("orgsites", report, misses)
    assert not _check(report, skip=("sector",)), _check(report, skip=("sector",))


# Measured 2026-11-25: 0.947 over 19 pages (18 decided, all 18 right). Before the academic signals
# (research-group words, academic funders/hosts among typed links, a named research unit placed in
# an academic body) it was 0.842: the three BrainGlobe pages ended "unknown". The contact page
# still does: it says nothing about where the project sits.
def test_sector_accuracy_on_real_pages(shared_dir: Path) -> None:
    report, misses = _real_pages(shared_dir)
    print("\nSector accuracy on orgsites:")
    for field in ("sector", "sector_when_decided"):
        print(f"  {field:20} " + ", ".join(f"{k} {v}" for k, v in report[field].items()))
    for page, missed in misses.items():
        if "sector" in missed:
            print(f"  miss {page}: {json.dumps(missed['sector'], ensure_ascii=False)[:300]}")
    assert report["sector_when_decided"]["accuracy"] >= 0.95  # a decision, when made, is right
    assert not _check(report, only=("sector",)), _check(report, only=("sector",))


def test_accuracy_on_authored_pages() -> None:
    folder = FIXTURES / "extract"
    truth = yaml.safe_load((folder / "truth.yaml").read_text())["pages"]
    report, misses = score(truth, folder)
    _print_and_save("authored", report, misses)
    assert not _check(report), _check(report)
    # Our own pages are small and exact: every contact field is found in full.
    for field in ("emails", "phones", "postcodes", "links", "people"):
        assert report[field]["recall"] >= 0.9, (field, report[field], misses)


@pytest.mark.parametrize("raw, expected", [
    ("The Watershed Ltd.", "watershed"),
    ("APES: Pet Care Clinic", "apes pet care clinic"),
    ("Northern Quarter Makers CIC", "northern quarter makers"),
])
def test_name_normalisation(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected
