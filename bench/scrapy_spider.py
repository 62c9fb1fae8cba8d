"""The Scrapy side of bench/bench_crawl.py: the same crawl as `harvester harvest`, done by Scrapy.

Runs ONLY inside the benchmark's own virtualenv (bench/.venv-scrapy, made by bench_crawl.py);
Scrapy is never a project dependency. Configured like harvester: robots.txt obeyed, the same
per-host delay and concurrency, the same global concurrency, link depth and per-site page budget,
links restricted to the site, and an item per page (title, emails by a simple regex, outlinks)
written to a JSON-lines feed, so Scrapy does comparable light work per page.

    bench/.venv-scrapy/bin/python bench/scrapy_spider.py --urls urls.txt --delay 0.5 \
        --per-host 1 --concurrency 32 --depth 3 --budget 40 --items /tmp/items.jl

Every simulated host is 127.0.0.1 on its own port, and Scrapy keys its download slots (delay and
per-domain concurrency) on the host name alone, so each request gets the slot of its host:port
(`download_slot` in its meta) when the spider creates it: one slot per site, as harvester has.
It must be set there, before scheduling: `DownloaderAwarePriorityQueue` picks requests by their
slot when they are scheduled, and a slot set only later by a downloader middleware leaves every
request in one slot "127.0.0.1" for the scheduler, whose queue then feeds the downloader's 32
places with requests of a few sites waiting out their delays (measured: 5 pages/s polite). The
middleware remains for the requests Scrapy makes itself (robots.txt).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor
from scrapy.settings import default_settings
from w3lib.url import url_query_cleaner

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
LINKS = LinkExtractor()  # the site filter is by host:port below (allow_domains ignores ports)
SESSION_PARAMS = ("sessionid", "jsessionid", "phpsessid", "sid")
# Organisational pages first, as harvester's frontier does (contact, about, team, partners).
PREFERRED = ("contact", "about", "team", "people", "partners")


def slot_meta(url: str) -> dict[str, str]:
    """The request meta that puts `url` in the download slot of its host:port."""
    return {"download_slot": urlsplit(url).netloc}


class SlotPerNetloc:
    """Downloader middleware: one download slot per host:port for requests the spider did not
    make (robots.txt); the spider's own carry theirs from creation (`slot_meta`)."""

    def process_request(self, request, spider=None):  # noqa: ANN001 - Scrapy's interface
        request.meta.setdefault("download_slot", urlsplit(request.url).netloc)


def normalise(url: str) -> str:
    """Drop the fragment, `;jsessionid=...` and session parameters, like harvester's frontier."""
    url = url_query_cleaner(url, SESSION_PARAMS, remove=True)
    parts = urlsplit(url)
    path = parts.path.split(";", 1)[0] or "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, parts.query, ""))


def rank(url: str) -> tuple[int, str]:
    parts = urlsplit(url)
    preferred = any(w in parts.path for w in PREFERRED)
    return (0 if preferred else 2 if parts.query else 1, url)


class SiteSpider(scrapy.Spider):
    name = "sites"

    def __init__(self, urls: list[str], budget: int, **kw) -> None:
        super().__init__(**kw)
        self.start_list = urls
        self.budget = budget
        self.queued: dict[str, set[str]] = {}  # netloc -> normalised URLs scheduled (the budget)

    def _admit(self, url: str) -> bool:
        seen = self.queued.setdefault(urlsplit(url).netloc, set())
        if url in seen or len(seen) >= self.budget:
            return False
        seen.add(url)
        return True

    async def start(self):
        for url in self.start_list:
            url = normalise(url)
            if self._admit(url):
                yield scrapy.Request(url, callback=self.parse, meta=slot_meta(url))

    def start_requests(self):  # Scrapy < 2.13
        for url in self.start_list:
            url = normalise(url)
            if self._admit(url):
                yield scrapy.Request(url, callback=self.parse, meta=slot_meta(url))

    def parse(self, response):
        netloc = urlsplit(response.url).netloc
        links = [normalise(link.url) for link in LINKS.extract_links(response)]
        outlinks = sorted({u for u in links if urlsplit(u).netloc != netloc})
        text = response.text
        yield {"url": response.url, "title": response.css("title::text").get(default="").strip(),
               "emails": sorted(set(EMAIL.findall(text))), "outlinks": outlinks}
        for url in sorted({u for u in links if urlsplit(u).netloc == netloc}, key=rank):
            if self._admit(url):
                yield response.follow(url, callback=self.parse, meta=slot_meta(url))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--urls", required=True, help="file with one start URL per line")
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--per-host", type=int, default=1)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--budget", type=int, default=40)
    p.add_argument("--items", required=True, help="JSON-lines feed written by the crawl")
    a = p.parse_args()
    urls = [u.strip() for u in Path(a.urls).read_text(encoding="utf-8").splitlines() if u.strip()]
    settings = {
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_DELAY": a.delay,
        # RANDOMIZE_DOWNLOAD_DELAY=False; newer Scrapy (2.19) spells it DOWNLOAD_DELAY_JITTER=0.
        **({"DOWNLOAD_DELAY_JITTER": 0} if hasattr(default_settings, "DOWNLOAD_DELAY_JITTER")
           else {"RANDOMIZE_DOWNLOAD_DELAY": False}),
        "CONCURRENT_REQUESTS_PER_DOMAIN": a.per_host,
        "CONCURRENT_REQUESTS": a.concurrency,
        "DEPTH_LIMIT": a.depth,
        "HTTPCACHE_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "RETRY_TIMES": 3,
        "COOKIES_ENABLED": False,
        "USER_AGENT": "scrapy-bench (+https://example.invalid/bench)",
        "DOWNLOADER_MIDDLEWARES": {f"{__name__}.SlotPerNetloc": 50},
        # Scrapy's setting for broad crawls: take requests of the least busy download slots. The
        # default queue hands the downloader one site's requests in a row, which then wait out
        # that site's delay while the other 49 sites idle (measured: 5 pages/s polite instead of
        # ~100); harvester's dispatcher takes hosts round-robin, so this is the same treatment.
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        "FEEDS": {a.items: {"format": "jsonlines", "overwrite": True}},
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    }
    process = CrawlerProcess(settings)
    process.crawl(SiteSpider, urls=urls, budget=a.budget)
    process.start()


if __name__ == "__main__":
    main()
