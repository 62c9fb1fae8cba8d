"""How long a scraped value may be when it is stored: one rule for every writer.

Apart because page storage, the upserts and organisation matching all cut text the same way,
and the page-signals digest is sized by the same limit.
"""

from __future__ import annotations

# Values in unique keys stay under PostgreSQL's index-entry limit (about 2,700 bytes) with room
# for the URL beside them; longer scraped text is cut (facts) or refused (names are cut too).
MAX_VALUE_BYTES = 1000
MAX_NAME_CHARS = 300


def cap(text: str, limit: int = MAX_VALUE_BYTES) -> str:
    """`text` cut to `limit` UTF-8 bytes at a character boundary, marked with an ellipsis."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit - 3].decode("utf-8", "ignore") + "…"
