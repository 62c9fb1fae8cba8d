"""Which hosts and page sources are Meetup's (pure, no I/O): their pages go to the Meetup parser,
and `--no-web` / `--no-meetup` keep one side or the other.

Apart because the plan, the dispatcher, worker mode and the store step all ask it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from harvester.crawl.options import HarvestOptions
from harvester.models import Page

MEETUP_SOURCES = ("meetup", "meetup_event")


def is_meetup_host(host: str) -> bool:
    return host == "meetup.com" or host.endswith(".meetup.com")


def host_filter(options: HarvestOptions) -> Any:
    """The same test on `Page.host` in SQL (worker mode claims hosts in the database), or None
    when both sides are harvested."""
    col = Page.__table__.c.host
    meetup = sa.or_(col == "meetup.com", col.like("%.meetup.com"))
    if not options.web:
        return meetup
    if not options.meetup:
        return ~meetup
    return None
