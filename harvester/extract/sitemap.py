"""Sitemaps (sitemaps.org): the page URLs and nested sitemap URLs they list, with their `<lastmod>`.

Pure; never raises. `parse_sitemap` gives the URLs to queue; `parse_sitemap_entries` also keeps
each URL's `<lastmod>` text, which a re-harvest uses as a bulk validator (harvester/revisit.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

# A sitemap may hold 50,000 URLs; the frontier's page budget keeps only the best few.
MAX_URLS = 50_000


@dataclass(frozen=True)
class SitemapEntry:
    """One <url> of a <urlset> or one <sitemap> of a <sitemapindex>."""

    url: str
    lastmod: str | None = None  # the raw W3C datetime text; parsed by harvester.revisit
    is_sitemap: bool = False  # listed by a sitemap index: another sitemap, not a page


def _root(body: bytes) -> etree._Element | None:
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
        return etree.fromstring(body, parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _local(el: etree._Element) -> str | None:
    return etree.QName(el).localname if isinstance(el.tag, str) else None


def parse_sitemap(body: bytes) -> list[str]:
    """URLs in a <urlset> or <sitemapindex>, in document order (namespaces ignored)."""
    root = _root(body)
    if root is None:
        return []
    urls: list[str] = []
    for el in root.iter():
        if _local(el) == "loc" and el.text:
            urls.append(el.text.strip())
            if len(urls) >= MAX_URLS:
                break
    return urls


def parse_sitemap_entries(body: bytes) -> list[SitemapEntry]:
    """Each <url>/<sitemap> element's <loc> and <lastmod> (namespaces ignored), in document
    order; an element without a <loc> is skipped, one without a <lastmod> has `lastmod=None`."""
    root = _root(body)
    if root is None:
        return []
    entries: list[SitemapEntry] = []
    for el in root.iter():
        kind = _local(el)
        if kind not in ("url", "sitemap"):
            continue
        loc = lastmod = None
        for child in el:
            name = _local(child)
            if name == "loc" and child.text and child.text.strip():
                loc = child.text.strip()
            elif name == "lastmod" and child.text and child.text.strip():
                lastmod = child.text.strip()
        if loc is None:
            continue
        entries.append(SitemapEntry(loc, lastmod, is_sitemap=kind == "sitemap"))
        if len(entries) >= MAX_URLS:
            break
    return entries
