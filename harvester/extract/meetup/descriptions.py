"""A group's or event's description -> its plain text and the outbound links it names.

Apart because descriptions arrive as HTML (REST, MWP pages), markdown (GraphQL) or plain text,
and every surface's parser needs the same text and the same non-Meetup links out of them.
"""

from __future__ import annotations

import re

from harvester.extract.meetup.soup import html_soup
from harvester.extract.meetup.urls import is_meetup_url
from harvester.urls import is_http_url

_MD_LINK = re.compile(r"\[[^\]]*\]\((https?://[^)\s]+)\)")
_BARE_URL = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!])")
_TRAILING = ".,;:!?'\""


def extract_links(text: str | None) -> list[str]:
    """Outbound (non-Meetup) links in a description: HTML anchors, `[t](url)` and bare URLs."""
    if not text:
        return []
    found: list[str] = []
    if "<" in text and ">" in text:
        soup = html_soup(text)
        found += [a.get("href", "") for a in soup.find_all("a")]
        text = soup.get_text(" ")
    text = _MD_ESCAPE.sub(r"\1", text)
    found += _MD_LINK.findall(text)
    found += _BARE_URL.findall(text)
    out: list[str] = []
    for raw in found:
        url = re.split(r"\]\(|\s", str(raw).strip())[0].rstrip(_TRAILING)
        if is_http_url(url) and not is_meetup_url(url) and url not in out:
            out.append(url)
    return out


def html_to_text(value: str | None) -> str | None:
    """Plain text of an HTML description (REST, MWP); markdown-ish text is returned unchanged."""
    if not value:
        return None
    if re.search(r"<(p|br|a|div|span|b|i|ul|li)\b", value, re.IGNORECASE):
        value = re.sub(r"<br\s*/?>|</p>|</li>|</div>", "\n", value, flags=re.IGNORECASE)
        text = html_soup(value).get_text("")
        return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+", " ", text)).strip() or None
    return value.strip() or None
