"""Website extraction throughput on one core, against the parse floor measured in the same run.

Pages: the real pages in ../shared/fixtures/orgsites/ (when present) and the authored pages in
tests/fixtures/extract/. For each, in one process pinned to one CPU where the OS allows it:

    lxml floor       lxml.html.document_fromstring(body)           (parse only, C)
    bs4 parse        BeautifulSoup(text, "lxml")                    (the tree extraction walks)
    extract          harvester.extract.page.extract_page(url, body) (everything, classification included)
    extract (no classify)  the same with the classification hook switched off

    C text + text regexes  a ceiling for any design that reads the page's text in Python: parse,
                     drop invisible elements and take the visible text in C (no walk, no lines),
                     then only the text scans (emails, phones, postcodes, registry numbers)

Prints pages/s for each and extract / floor (the issue's target: >= 0.5).

    .venv/bin/python bench/bench_extract.py [--rounds 5] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_PAGES = ROOT.parent / "shared" / "fixtures" / "orgsites"
OWN_PAGES = ROOT / "tests" / "fixtures" / "extract"


def load_pages() -> list[tuple[str, bytes]]:
    pages = []
    for folder in (SHARED_PAGES, OWN_PAGES):
        if folder.is_dir():
            pages += [(f"https://{path.stem}.example.org/", path.read_bytes())
                      for path in sorted(folder.glob("*.html"))]
    if not pages:
        sys.exit("no fixture pages found")
    return pages


def rate(pages: list[tuple[str, bytes]], work: Callable[[str, bytes], object], rounds: int) -> float:
    """Best-of-`rounds` pages per CPU second over the whole set.

    CPU time of this process (pinned to one core), not wall time: on a machine shared with other
    jobs wall time counts the time they take the core away; best of N drops the rounds disturbed
    by cache misses and the collector."""
    timings = []
    for _ in range(rounds):
        started = time.process_time()
        for url, body in pages:
            work(url, body)
        timings.append(time.process_time() - started)
    return len(pages) / min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the page set (default 5)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--steps", action="store_true", help="also print CPU time per extraction step")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    import lxml.html
    from bs4 import BeautifulSoup

    from harvester.extract import page as page_module
    from harvester.extract.decode import decode_html
    from harvester.extract.page import extract_page

    pages = load_pages()
    extract_page(*pages[0])  # warm-up: imports, compiled patterns, phone metadata

    floor = rate(pages, lambda url, body: lxml.html.document_fromstring(body), args.rounds)
    bs4_parse = rate(pages, lambda url, body: BeautifulSoup(decode_html(body), "lxml",
                                                            multi_valued_attributes=None), args.rounds)
    extract = rate(pages, extract_page, args.rounds)
    ceiling = rate(pages, text_scans_only, args.rounds)
    original = page_module._classify
    page_module._classify = lambda facts, parts: None
    try:
        extract_no_classify = rate(pages, extract_page, args.rounds)
    finally:
        page_module._classify = original

    if args.steps:
        # The BeautifulSoup trees above are reference cycles: collected now, not by a collection
        # that would land in (and double) whichever step happened to trigger it.
        gc.collect()
        print_steps(pages, args.rounds)
    megabytes = sum(len(body) for _, body in pages) / 1e6
    figures = {
        "pages": len(pages), "megabytes": round(megabytes, 2), "rounds": args.rounds,
        "lxml_floor_pages_per_s": round(floor, 1), "bs4_parse_pages_per_s": round(bs4_parse, 1),
        "extract_pages_per_s": round(extract, 1),
        "extract_no_classify_pages_per_s": round(extract_no_classify, 1),
        "extract_vs_floor": round(extract / floor, 3),
        "extract_vs_bs4_parse": round(extract / bs4_parse, 3),
        "c_text_and_text_scans_pages_per_s": round(ceiling, 1),
        "c_text_and_text_scans_vs_floor": round(ceiling / floor, 3),
        "median_page_kb": round(statistics.median(len(b) for _, b in pages) / 1000, 1),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{len(pages)} pages, {megabytes:.2f} MB, best of {args.rounds} rounds, one core")
    for label, key in (("lxml parse (floor)", "lxml_floor_pages_per_s"),
                       ("bs4+lxml parse", "bs4_parse_pages_per_s"), ("extract_page", "extract_pages_per_s"),
                       ("extract_page, no classify", "extract_no_classify_pages_per_s")):
        print(f"  {label:28} {figures[key]:8.1f} pages/s")
    print(f"  extract / floor              {figures['extract_vs_floor']:8.3f}   (target >= 0.5)")
    print(f"  extract / bs4 parse          {figures['extract_vs_bs4_parse']:8.3f}")
    print(f"  C text + text regexes        {figures['c_text_and_text_scans_pages_per_s']:8.1f} pages/s"
          f" = {figures['c_text_and_text_scans_vs_floor']:.3f} of the floor (a ceiling: no walk, lines,"
          " names, people, links or classification)")


def text_scans_only(url: str, body: bytes) -> None:
    """The least a Python extractor of contacts and numbers does: decode, parse, drop what is
    never shown and serialise the visible text in C, then run the text scans once each."""
    from lxml import etree

    from harvester.extract import contacts, registry_numbers
    from harvester.extract.decode import decode_html_codec
    from harvester.extract.page import _INVISIBLE, _PARSER

    text, _ = decode_html_codec(body, None)
    root = etree.fromstring(text.encode("utf-8"), _PARSER)
    if root is None:
        return
    etree.strip_elements(root, *_INVISIBLE, with_tail=False)
    visible = etree.tostring(root, method="text", encoding=str)
    contacts.emails_in_text(visible)
    contacts.phones_in_text(visible)
    contacts.postcodes_in_text(visible)
    charities = registry_numbers.charity_numbers(visible)
    registry_numbers.company_numbers(visible, exclude=charities)
    registry_numbers.is_cic(visible)


def print_steps(pages: list[tuple[str, bytes]], rounds: int) -> None:
    """CPU microseconds per page for each step `extract_page` calls, from wrappers put around
    them for one extra set of passes (nested calls are counted in their caller's step)."""
    from harvester.extract import contacts, registry_numbers
    from harvester.extract import page as page_module

    spent: dict[str, float] = {}

    def timed(owner: object, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            started = time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - started

        setattr(owner, name, wrapper)

    steps = [
        (page_module, "decode_html_codec", "decode"), (page_module, "_utf8", "control chars + UTF-8"),
        (page_module, "_parse", "lxml parse"), (page_module, "jsonld_nodes", "JSON-LD"),
        (page_module, "microdata_nodes", "microdata"), (page_module, "_metas", "meta tags"),
        (page_module, "PageWalk", "visible lines walk"),
        (contacts, "emails_in_text", "emails"), (contacts, "phones_in_text", "phones"),
        (contacts, "postcodes_in_text", "postcodes"),
        (registry_numbers, "charity_numbers", "charity numbers"),
        (registry_numbers, "company_numbers", "company numbers"), (registry_numbers, "is_cic", "CIC"),
        (page_module, "people_from_lines", "people"), (page_module, "scan_links", "links"),
        (page_module, "_classify", "classification (classify.py)"),
    ]
    # C calls made straight from _extract, by name.
    from lxml import etree

    steps.append((etree, "strip_elements", "strip invisible elements"))
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in steps]
    for owner, name, label in steps:
        timed(owner, name, label)
    try:
        from harvester.extract.page import extract_page

        started = time.process_time()
        for _ in range(rounds):
            for url, body in pages:
                extract_page(url, body)
        total = time.process_time() - started
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
    per_page = 1e6 / (rounds * len(pages))
    print(f"CPU per page by step ({rounds} passes, wrapped; the wrappers add about 1 us a call):")
    for label, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"  {label:32} {seconds * per_page:8.1f} us")
    rest = total - sum(spent.values())
    print(f"  {'everything else in _extract':32} {rest * per_page:8.1f} us")
    print(f"  {'total':32} {total * per_page:8.1f} us")


if __name__ == "__main__":
    main()
