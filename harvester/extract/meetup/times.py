"""Meetup's times -> ISO 8601: GraphQL date-times and durations, REST epoch milliseconds.

Apart because every surface states a start, an end or a founding date in its own format, and all
of them must land in one (ISO 8601 with its offset) before facts from two surfaces can merge.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any


def iso_time(value: Any) -> str | None:
    """ISO 8601 with offset; accepts `...Z`, a `[Europe/London]` suffix and minute precision."""
    if value is None or value == "":
        return None
    text = str(value).split("[", 1)[0].strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        return None


def epoch_ms_time(ms: Any, offset_ms: Any = None) -> str | None:
    """REST v3 epoch milliseconds (+ `utc_offset` in ms) -> ISO 8601 with that offset."""
    if not isinstance(ms, (int, float)) or isinstance(ms, bool):
        return None
    tz = timezone(timedelta(milliseconds=offset_ms)) if isinstance(offset_ms, (int, float)) else UTC
    return datetime.fromtimestamp(ms / 1000, tz).isoformat()


_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def duration_delta(value: Any) -> timedelta | None:
    """ISO 8601 duration (`PT7H`, GraphQL) or milliseconds (REST) -> timedelta."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(milliseconds=value)
    m = _DURATION.match(str(value or ""))
    if not m or not any(m.groups()):
        return None
    d, h, mi, s = m.groups()
    return timedelta(days=int(d or 0), hours=int(h or 0), minutes=int(mi or 0), seconds=float(s or 0))
