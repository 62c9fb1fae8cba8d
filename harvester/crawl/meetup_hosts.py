"""Which hosts and page sources are Meetup's (pure): their pages go to the Meetup parser.

Apart because the plan, the dispatcher and the store step all ask it.
"""

from __future__ import annotations

MEETUP_SOURCES = ("meetup", "meetup_event")


def is_meetup_host(host: str) -> bool:
    return host == "meetup.com" or host.endswith(".meetup.com")
