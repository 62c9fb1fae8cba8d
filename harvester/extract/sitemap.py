"""Sitemaps (sitemaps.org): the page URLs and nested sitemap URLs they list. Pure; never raises."""

from __future__ import annotations

from lxml import etree

# A sitemap may hold 50,000 URLs; the frontier's page budget keeps only the best few.
MAX_URLS = 50_000


def parse_sitemap(body: bytes) -> list[str]:
    """URLs in a <urlset> or <sitemapindex>, in document order (namespaces ignored)."""
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
        root = etree.fromstring(body, parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return []
    if root is None:
        return []
    urls: list[str] = []
    for el in root.iter():
        if isinstance(el.tag, str) and etree.QName(el).localname == "loc" and el.text:
            urls.append(el.text.strip())
            if len(urls) >= MAX_URLS:
                break
    return urls
