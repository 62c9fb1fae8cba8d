"""Meetup URLs: is it Meetup, which group urlname and which event id it names, its canonical form.

Apart because the I/O side (`harvester.meetup.sources`, the CLI) needs these answers without any
parser, and every parser needs them to key what it finds.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from harvester.urls import is_http_url

# First path segments of www.meetup.com that are not group urlnames.
RESERVED_SEGMENTS = frozenset({
    "find", "cities", "pro", "members", "member", "topics", "apps", "login", "register", "lp",
    "blog", "help", "api", "account", "messages", "notifications", "start", "meetup_api", "gql",
    "gql2", "gql-ext", "_next", "media", "about", "terms", "privacy", "cookie_policy", "home",
    "create", "n", "fb", "files", "preview", "search", "events", "groups",
})
# Segments after /events/ that are list pages, not event ids.
EVENT_LIST_SEGMENTS = frozenset({"past", "calendar", "ical", "upcoming", "drafts", "rss", "atom"})
_LOCALE = re.compile(r"^[a-z]{2}-[a-z]{2,4}$", re.IGNORECASE)  # /de-DE/, not a 2-letter urlname
_EVENT_ID = re.compile(r"^[A-Za-z0-9]{5,}$")
MEETUP_HOST_SUFFIX = "meetup.com"


def is_meetup_url(url: str | None) -> bool:
    if not url or not is_http_url(url):
        return False
    host = (urlsplit(url).hostname or "").lower()
    return host == MEETUP_HOST_SUFFIX or host.endswith("." + MEETUP_HOST_SUFFIX)


def meetup_path(url: str | None) -> list[str]:
    """Path segments of a meetup.com URL with a locale prefix such as `/de-DE/` removed."""
    if not is_meetup_url(url):
        return []
    parts = [p for p in urlsplit(url or "").path.split("/") if p]
    if len(parts) > 1 and _LOCALE.match(parts[0]) and parts[0].lower() not in RESERVED_SEGMENTS:
        parts = parts[1:]
    return parts


def urlname_from_url(url: str | None) -> str | None:
    """The group urlname (lower-cased) of a group, events or event URL; None for other pages."""
    parts = meetup_path(url)
    if not parts or parts[0].lower() in RESERVED_SEGMENTS:
        return None
    return parts[0].lower()


def event_id_from_url(url: str | None) -> str | None:
    """`/<urlname>/events/<id>/` -> id (numeric, or alphanumeric for recurring series)."""
    parts = meetup_path(url)
    if len(parts) >= 3 and parts[1] == "events" and parts[2].lower() not in EVENT_LIST_SEGMENTS \
            and _EVENT_ID.match(parts[2]):
        return parts[2]
    return None


def clean_event_url(url: str | None) -> str | None:
    """Canonical event URL: query (`?recId=`) and fragment dropped, trailing slash kept."""
    if not url:
        return None
    s = urlsplit(url)
    path = s.path if s.path.endswith("/") else s.path + "/"
    return f"{s.scheme}://{s.netloc}{path}"
