"""Control characters out of untrusted text: one rule for the terminal, the review panel and names.

C0/C1 control characters but tab and newline: an ESC in a scraped or pasted name could recolour,
clear or retitle a researcher's terminal, plant a hyperlink, or corrupt an export. Bidirectional
embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069) too: a terminal line has
no cell boundary to end them, so one in a name reverses the columns printed after it.
"""

from __future__ import annotations

import re
from typing import Any

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Extraction's rule for a page's own text (and JSON strings in it): C0/C1 controls but tab, newline
# and CR, which are line structure there. Bidi controls stay in the stored facts (they are text);
# output drops them (`CONTROL_CHARS`).
TEXT_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def plain(value: Any) -> str:
    """`value` as text with no control characters (tab and newline kept)."""
    return CONTROL_CHARS.sub("", str(value))


# What json.dumps(ensure_ascii=False) leaves raw but a terminal acts on: DEL, C1 controls and bidi
# controls. They only occur inside JSON strings, so spelling them as \u escapes keeps the same data.
_RAW_IN_JSON = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe_json(text: str) -> str:
    """JSON text (from json.dumps) with the characters a terminal would act on written as escapes."""
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
