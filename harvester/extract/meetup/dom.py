"""Meetup pages' HTML -> facts by DOM selectors: the 2023 and post-October-2025 layouts.

Apart because it is the last resort, read with BeautifulSoup rather than JSON: what a page shows
(heading, member count, "Organized by", sponsors, social buttons, event links) when no embedded
state carries it, and the event links a group page lists for the crawler to follow.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from harvester.extract.facts import MeetupEventFacts, MeetupFacts, MeetupGroupFacts, MeetupSponsor, Person
from harvester.extract.meetup.descriptions import extract_links
from harvester.extract.meetup.merge import add_event, add_group
from harvester.extract.meetup.soup import html_soup
from harvester.extract.meetup.times import iso_time
from harvester.extract.meetup.urls import clean_event_url, event_id_from_url, is_meetup_url, urlname_from_url
from harvester.extract.meetup.values import as_int, as_str
from harvester.urls import is_http_url

_ORGANISED_BY = re.compile(r"^\s*(organi[sz]ed|hosted)\s+by\b\s*:?\s*(.*)", re.IGNORECASE | re.DOTALL)
_SOCIAL_LABEL = re.compile(r"^group-([a-z]+)-button$")
_MEMBERS = re.compile(r"([\d,.]+)\s+members?", re.IGNORECASE)


def _text(el: Any) -> str | None:
    return as_str(el.get_text(" ", strip=True)) if isinstance(el, Tag) else None


def _next_element_sibling(el: Tag | None) -> Tag | None:
    return el.find_next_sibling() if isinstance(el, Tag) else None


def _people_after_label(soup: BeautifulSoup, kind: str) -> list[str]:
    """Names shown after "Organized by" / "Hosted by" (same text node or the next one)."""
    names: list[str] = []
    for node in soup.find_all(string=_ORGANISED_BY):
        m = _ORGANISED_BY.search(str(node))
        if not m or not m.group(1).lower().startswith(kind) or node.find_parent(["script", "style"]):
            continue
        name = as_str(m.group(2))
        if not name:
            nxt = node.find_next(string=lambda s: bool(s and s.strip()))
            name = as_str(nxt)
        name = name.strip(" .,;:") if name else None
        if name and len(name) <= 120 and name not in names:
            names.append(name)
    return names


def _dom_social(soup: BeautifulSoup) -> dict[str, str]:
    out: dict[str, str] = {}
    for el in soup.find_all(attrs={"data-event-label": _SOCIAL_LABEL}):
        service = _SOCIAL_LABEL.match(el["data-event-label"]).group(1).upper()  # type: ignore[union-attr]
        href = el.get("href") if el.name == "a" else None
        if not href and (parent := el.find_parent("a")):
            href = parent.get("href")
        if href and is_http_url(str(href)):
            out.setdefault(service, str(href))
    return out


def _dom_sponsors(soup: BeautifulSoup) -> list[MeetupSponsor]:
    sponsors: list[MeetupSponsor] = []
    for slide in soup.select("li.swiper-slide"):
        link = slide.select_one('a[data-event-label="sponsor-group-home-button"]')
        name = _text(slide.select_one(".break-words.font-medium"))
        if not name or not (link or slide.find_parent(id=re.compile("sponsor"))):
            continue
        sponsors.append(MeetupSponsor(name=name, url=as_str(link.get("href")) if link else None,
                                      description=_text(slide.select_one(".text-sm"))))
    section = soup.find(id=re.compile(r"^sponsors?-section$"))
    if isinstance(section, Tag):
        container = section.find_parent() or section
        for a in container.find_all("a", href=True):
            name = _text(a)
            if name and is_http_url(a["href"]) and not is_meetup_url(a["href"]) \
                    and all(s.name != name for s in sponsors):
                sponsors.append(MeetupSponsor(name=name, url=a["href"]))
    return sponsors


def _dom_topics(soup: BeautifulSoup) -> list[str]:
    topics = [t for t in (_text(a) for a in soup.select('a[data-event-label="topic-link"]')) if t]
    section = soup.find(id="topics-section")
    if isinstance(section, Tag) and (grand := section.parent and section.parent.parent):
        holder = _next_element_sibling(grand)
        if holder is not None:
            topics += [t for t in (_text(s) for s in holder.find_all("span")) if t and t not in topics]
    return topics


def _dom_event_urls(soup: BeautifulSoup, urlname: str | None) -> list[str]:
    out: list[str] = []
    for a in soup.find_all("a", href=True):
        href = str(a["href"])
        if href.startswith("/"):
            href = "https://www.meetup.com" + href
        if event_id_from_url(href) and (not urlname or urlname_from_url(href) == urlname):
            url = clean_event_url(href)
            if url and url not in out:
                out.append(url)
    return out


def parse_dom(source_url: str, html: str) -> MeetupFacts:
    """DOM selectors of the 2023 and post-October-2025 layouts (and a few older ones)."""
    facts = MeetupFacts(source_url=source_url, source_kind="dom")
    soup = html_soup(html or "")
    urlname = urlname_from_url(source_url)
    facts.event_urls = _dom_event_urls(soup, urlname)
    if not urlname:
        return facts
    event_id = event_id_from_url(source_url)
    if event_id:
        title = _text(soup.select_one("main h1") or soup.select_one("h1"))
        time_el = soup.select_one("main aside time[datetime]") or soup.select_one("time[datetime]")
        if title:
            add_event(facts, MeetupEventFacts(
                key=event_id, title=title, url=clean_event_url(source_url), group_urlname=urlname,
                start=iso_time(time_el.get("datetime")) if time_el else None,
                hosts=_people_after_label(soup, "hosted"), id=event_id))
        return facts
    name = _text(soup.select_one("main section h1") or soup.select_one("a.groupHomeHeader-groupNameLink")
                 or soup.select_one("h1"))
    members = (_MEMBERS.search(_text(soup.select_one("#member-count-link")) or "")
               or _MEMBERS.search(_text(soup.select_one("a.groupHomeHeaderInfo-memberLink")) or "")
               or _MEMBERS.search(_text(soup.select_one("main section")) or ""))
    about = soup.find(id="about-section")
    description = _text(_next_element_sibling(about.parent)) if isinstance(about, Tag) and about.parent \
        else _text(soup.select_one(".group-description--wrapper"))
    city_text = _text(soup.select_one("#city-link"))
    social = _dom_social(soup)
    for a in soup.select("li.group-description-socialLink a[href]"):
        host = (urlsplit(a["href"]).hostname or "").lower()
        service = next((s for s in ("twitter", "facebook", "linkedin", "instagram") if s in host), "other")
        social.setdefault(service.upper(), a["href"])
    group = MeetupGroupFacts(
        urlname=urlname,
        name=name,
        link=f"https://www.meetup.com/{urlname}/",
        description=description,
        city=city_text.split(",")[0].strip() if city_text else None,
        member_count=as_int(members.group(1)) if members else None,
        topics=_dom_topics(soup),
        organisers=[Person(name=n, role="organiser") for n in _people_after_label(soup, "organi")],
        sponsors=_dom_sponsors(soup),
        social=social,
        website=social.get("OTHER"),
        links=extract_links(description),
    )
    if any([group.name, group.member_count, group.topics, group.organisers, group.sponsors, group.social]):
        add_group(facts, group)
    return facts
