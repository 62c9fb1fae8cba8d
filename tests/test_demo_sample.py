"""The bundled offline sample: the WARC is complete, consistent with its truth file, and reproducible."""

from __future__ import annotations

import gzip
import html
import importlib.util
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup
from warcio.archiveiterator import ArchiveIterator

from harvester.demo import SAMPLE_SEEDS, SAMPLE_WARC, SITE_DIR
from harvester.demo.build_sample import build, file_to_path
from harvester.urls import normalise_url

TRUTH_FILE = Path(__file__).parent / "fixtures" / "demo_truth.yaml"
SECTORS = {"government", "industry", "university", "third_sector"}
SEED_KEYS = {"cluster", "name", "postcode_areas", "organisations", "meetup"}
ORG_KEYS = {"name", "url", "sector", "domains", "notes"}


@dataclass
class Record:
    status: int
    headers: dict[str, str]
    body: bytes


def read_warc(path: Path) -> tuple[dict[str, Record], dict[str, int]]:
    responses: dict[str, Record] = {}
    requests: dict[str, int] = {}
    with path.open("rb") as fh:
        for rec in ArchiveIterator(fh):
            url = rec.rec_headers.get_header("WARC-Target-URI")
            if rec.rec_type == "request":
                requests[url] = requests.get(url, 0) + 1
            elif rec.rec_type == "response":
                assert url not in responses, f"two responses for {url}"
                headers = dict(rec.http_headers.headers)
                responses[url] = Record(int(rec.http_headers.get_statuscode()), headers,
                                        rec.content_stream().read())
    return responses, requests


@pytest.fixture(scope="module")
def warc() -> dict[str, Record]:
    responses, requests = read_warc(SAMPLE_WARC)
    assert set(requests) == set(responses), "every response has its request record"
    return responses


@pytest.fixture(scope="module")
def by_norm(warc: dict[str, Record]) -> dict[str, str]:
    return {normalise_url(u): u for u in warc}


@pytest.fixture(scope="module")
def truth() -> dict:
    return yaml.safe_load(TRUTH_FILE.read_text(encoding="utf-8"))


def resolve(url: str, warc: dict[str, Record], by_norm: dict[str, str]) -> Record | None:
    """Follow redirects inside the archive, as a replaying client would."""
    for _ in range(5):
        key = by_norm.get(normalise_url(url))
        if key is None:
            return None
        rec = warc[key]
        if rec.status not in (301, 302, 307, 308):
            return rec
        url = urljoin(key, rec.headers["Location"])
    return None


def charset_of(rec: Record) -> str:
    match = re.search(r"charset=([\w-]+)", rec.headers.get("Content-Type", ""))
    return match.group(1) if match else "utf-8"


def html_pages(warc: dict[str, Record]):
    for url, rec in sorted(warc.items()):
        if rec.status == 200 and rec.headers.get("Content-Type", "").startswith("text/html"):
            yield url, rec.body.decode(charset_of(rec))


def test_archive_is_small_and_has_standard_response_headers(warc):
    assert SAMPLE_WARC.stat().st_size < 2_000_000
    assert len(warc) > 200
    for url, rec in warc.items():
        assert rec.headers["Content-Length"] == str(len(rec.body)), url
        if rec.status == 200:
            assert "charset=" in rec.headers["Content-Type"], url
            assert rec.headers["ETag"].startswith('"') and rec.headers["Last-Modified"].endswith("GMT")


def test_build_is_reproducible_and_committed_archive_is_current(tmp_path):
    first, second = tmp_path / "a.warc.gz", tmp_path / "b.warc.gz"
    build(SITE_DIR, first)
    build(SITE_DIR, second)
    assert first.read_bytes() == second.read_bytes()
    # compared uncompressed: another zlib (or OS) may compress the same records to other bytes
    assert gzip.decompress(first.read_bytes()) == gzip.decompress(SAMPLE_WARC.read_bytes()), (
        "sample.warc.gz is older than site/: run python -m harvester.demo.build_sample")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def test_pages_seeds_and_truth_are_what_the_authoring_spec_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))  # gen.py adds its folder for spec/meetup/truth
    for name in ("spec", "meetup", "truth"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    spec = importlib.util.spec_from_file_location("demo_authoring_gen", SITE_DIR / "_authoring" / "gen.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    gen.main(tmp_path)
    for name in ("spec", "meetup", "truth"):
        sys.modules.pop(name, None)
    written = tree(tmp_path / "harvester/demo/site")
    committed = {k: v for k, v in tree(SITE_DIR).items()
                 if not k.startswith("_authoring/") and k != "README.md"}
    assert written.keys() == committed.keys()
    assert [k for k in written if written[k] != committed[k]] == []
    assert (tmp_path / "tests/fixtures/demo_truth.yaml").read_bytes() == TRUTH_FILE.read_bytes()
    assert tree(tmp_path / "harvester/demo/seeds") == tree(SAMPLE_SEEDS[0].parent)


def test_file_names_map_to_urls():
    assert file_to_path(Path("index.html")) == "/"
    assert file_to_path(Path("about/index.html")) == "/about/"
    assert file_to_path(Path("tîm/index.html")) == "/t%C3%AEm/"
    assert file_to_path(Path("events/calendar@month=3.page.html")) == "/events/calendar?month=3"
    assert file_to_path(Path("cdn-cgi/l/email-protection.page.html")) == "/cdn-cgi/l/email-protection"
    assert file_to_path(Path("contact.html")) == "/contact.html"
    assert file_to_path(Path("robots.txt")) == "/robots.txt"


def load_seeds() -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in SAMPLE_SEEDS]


def test_seed_files_have_the_seed_format():
    for path, seeds in zip(SAMPLE_SEEDS, load_seeds(), strict=True):
        assert set(seeds) <= SEED_KEYS and {"cluster", "name", "organisations"} <= set(seeds), path
        assert seeds["cluster"] == path.stem and re.fullmatch(r"[a-z0-9-]+", seeds["cluster"])
        assert "(sample)" in seeds["name"]
        assert all(re.fullmatch(r"[A-Z]{1,2}\d{0,2}", a) for a in seeds["postcode_areas"])
        names = [o["name"] for o in seeds["organisations"]]
        assert len(names) == len(set(names)) >= 5
        for org in seeds["organisations"]:
            assert set(org) <= ORG_KEYS and org["sector"] in SECTORS, org
        assert {o["sector"] for o in seeds["organisations"]} >= {"industry", "university", "government"}
        assert set(seeds["meetup"]) == {"groups"} and seeds["meetup"]["groups"]


def test_seed_files_pass_the_projects_seed_loader(truth):
    seeds = pytest.importorskip("harvester.seeds")
    batch = seeds.read_seed_files(list(SAMPLE_SEEDS))
    assert [c.id for c in batch.clusters] == ["bristol", "cardiff", "salford"]
    for cluster in batch.clusters:
        expected = sorted(truth["sites"][d].get("seed_url", truth["sites"][d]["homepage"])
                          for d in truth["clusters"][cluster.id]["seeds"])
        assert sorted(o.url for o in cluster.organisations) == expected


def test_every_seed_homepage_robots_and_meetup_group_is_archived(warc, by_norm):
    for seeds in load_seeds():
        for org in seeds["organisations"]:
            rec = resolve(org["url"], warc, by_norm)
            assert rec is not None and rec.status == 200, org["url"]
            origin = "https://" + urlsplit(org["url"]).hostname
            assert warc[origin + "/robots.txt"].status == 200
        for group in seeds["meetup"]["groups"]:
            assert warc[group].status == 200
            assert warc[group + "events/"].status == 200
    assert b"Allow: /" in warc["https://www.meetup.com/robots.txt"].body


def test_every_link_to_an_archived_host_resolves(warc, by_norm, truth):
    hosts = {urlsplit(u).netloc for u in warc}
    planted_404 = set(truth["planted_404"])
    checked = 0
    for url, text in html_pages(warc):
        for a in BeautifulSoup(text, "lxml").find_all("a", href=True):
            target = normalise_url(html.unescape(a["href"]), url)
            if target is None or urlsplit(target).netloc not in hosts:
                continue
            rec = resolve(target, warc, by_norm)
            assert rec is not None, f"{url} links to {target}, which is not in the archive"
            if rec.status == 404:
                assert target in planted_404, f"{url} links to an unplanted 404 {target}"
            checked += 1
    assert checked > 1000
    for url, rec in warc.items():
        if url.endswith("/sitemap.xml"):
            for loc in re.findall(r"<loc>([^<]+)</loc>", rec.body.decode()):
                assert resolve(loc, warc, by_norm).status == 200, loc


def test_planted_redirects_404s_and_external_links(warc, by_norm, truth):
    for row in truth["redirects"]:
        assert warc[row["url"]].status == 301 and warc[row["url"]].headers["Location"] == row["to"]
    for url in truth["planted_404"]:
        assert warc[url].status == 404
    hosts = {urlsplit(u).hostname.removeprefix("www.") for u in warc}
    for cluster in truth["clusters"].values():
        for ext in cluster["external_not_in_warc"]:
            assert ext["domain"] not in hosts
    calendar = [u for u in warc if "/events/calendar?month=" in u and warc[u].status == 200]
    assert len(calendar) > truth["calendar_trap"]["page_budget"]


def visible_emails(text: str) -> set[str]:
    """Emails as a reader of the page sees them, obfuscations undone (a check of the truth file)."""
    found = set()
    for hexed in re.findall(r'data-cfemail="([0-9a-f]+)"', text):
        key = int(hexed[:2], 16)
        found.add("".join(chr(int(hexed[i:i + 2], 16) ^ key) for i in range(2, len(hexed), 2)))
    plain = html.unescape(text)
    plain = re.sub(r"\s*[\[(]at[\])]\s*", "@", plain)
    plain = re.sub(r"\s*[\[(]dot[\])]\s*", ".", plain)
    found |= set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", plain))
    return found


def test_truth_facts_are_on_the_archived_pages(warc, by_norm, truth):
    texts = dict(html_pages(warc))
    assert len(truth["sites"]) >= 30
    for domain, site in truth["sites"].items():
        pages = site["pages"]
        assert all(p in texts for p in pages), domain
        joined = "\n".join(texts[p] for p in pages)
        plain = BeautifulSoup(joined, "lxml").get_text(" ")
        assert visible_emails(joined) >= set(site["emails"]), domain
        assert all(pc in plain for pc in site["postcodes"]), domain
        for number in site["charity_numbers"] + site["company_numbers"]:
            assert number in plain, (domain, number)
        for person in site["people"]:
            assert person["name"] in plain and person["role"] in plain, (domain, person)
        digits = re.sub(r"\D", "", plain)
        for phone in site["phones"]:
            assert phone[3:] in digits, (domain, phone)
        for link in site["links"]:
            assert link["url"] in joined, (domain, link)
        for secret in site["must_not_extract"]:
            assert secret not in joined, "a disallowed page's email leaked onto a public page"
        assert resolve(site["homepage"], warc, by_norm).status == 200


def test_clusters_cover_all_sector_groups_and_plant_the_snowball_answers(truth):
    sites = truth["sites"]
    for name, cluster in truth["clusters"].items():
        mine = {d: s for d, s in sites.items() if s["cluster"] == name}
        assert len(mine) >= 10
        assert {s["sector"] for s in mine.values()} == SECTORS, name
        seeds = {d for d, s in mine.items() if s["seed"]}
        assert seeds == set(cluster["seeds"])
        bridge = cluster["bridge"]["domain"]
        linking = {d for d, s in mine.items()
                   if d in seeds and any(x["domain"] == bridge for x in s["links"])}
        assert linking & set(cluster["communities"]["A"]) and linking & set(cluster["communities"]["B"])
        assert all(len({x["from"] for x in c["linked_from"]}) >= 2 for c in cluster["co_linked"])
        assert cluster["contactable_candidates"] and cluster["external_not_in_warc"]
    salford = truth["clusters"]["salford"]
    assert sites[salford["balance"]["domain"]]["sector"] == "third_sector"
    assert "third_sector" not in {sites[d]["sector"] for d in salford["seeds"]}
    link = truth["clusters"]["bristol"]["inter_cluster"]
    assert sites[link["source"]]["cluster"] == "bristol" and sites[link["target"]]["cluster"] == "cardiff"
    assert any(s["generic_contact_only"] for s in truth["clusters"].values())


def next_data(text: str) -> dict:
    match = re.search(r'<script id="__NEXT_DATA__" type="application/json">(.*?)</script>', text, re.S)
    assert match
    return json.loads(match.group(1))


def test_meetup_pages_are_shaped_like_the_real_ones(warc, truth):
    for group in truth["meetup"]:
        state = next_data(warc[group["url"]].body.decode())["props"]["pageProps"]["__APOLLO_STATE__"]
        entity = state[f"Group:{group['id']}"]
        assert entity["__typename"] == "Group" and entity["urlname"] == group["urlname"]
        assert any(k.startswith("events(") for k in entity)
        sponsors = [e["node"]["url"] for e in entity["sponsors"]["edges"]]
        assert sponsors == [s["url"] for s in group["sponsors"]]
        assert state[entity["organizer"]["__ref"]]["name"] == group["organiser"]
        website = entity["socialNetworks"][0]
        assert website["service"] == "OTHER" and website["url"] == group["owner_website"]
        for event in group["events"]:
            text = warc[event["url"]].body.decode()
            ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', text).group(1))
            assert ld["@type"] == event["jsonld_type"] and ld["@type"].endswith("Event")
            ev_state = next_data(text)["props"]["pageProps"]["__APOLLO_STATE__"][f"Event:{event['id']}"]
            assert ev_state["title"] == event["title"] and ev_state["eventType"] == event["event_type"]
            if event["venue"]:
                state = next_data(text)["props"]["pageProps"]["__APOLLO_STATE__"]
                venue = state[ev_state["venue"]["__ref"]]
                assert venue["postalCode"] == group["venue"]["postcode"]
                owner = truth["sites"][group["venue"]["matches_domain"]]
                assert group["venue"]["postcode"] in owner["postcodes"]
        past_page = next_data(warc[group["past_events_url"]].body.decode())
        past = past_page["props"]["pageProps"]["__APOLLO_STATE__"]
        past_events = [k for k, v in past.items() if v.get("__typename") == "Event"]
        assert len(past_events) == group["past_events"]
    assert any(g["past_events"] == 0 for g in truth["meetup"])  # an empty state is a valid result
    types = {e["jsonld_type"] for g in truth["meetup"] for e in g["events"]}
    modes = {e["event_type"] for g in truth["meetup"] for e in g["events"]}
    assert "EducationEvent" in types and {"HYBRID", "ONLINE", "PHYSICAL"} <= modes
