"""Control characters out of untrusted text: one rule for the terminal, the review panel and names.

C0/C1 control characters but tab and newline: an ESC in a scraped or pasted name could recolour,
clear or retitle a researcher's terminal, plant a hyperlink, or corrupt an export. Bidirectional
embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069) too: a terminal line has
no cell boundary to end them, so one in a name reverses the columns printed after it.

Whole escape sequences go before single characters: dropping only the ESC of a terminal hyperlink
(`ESC ] 8 ; ; URL BEL label ESC ] 8 ; ; BEL`) would leave `]8;;URLlabel]8;;`, its URL glued to the
label, which a link finder then reads as a URL with a bogus host or path.
"""

from __future__ import annotations

import re
from typing import Any

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Extraction's rule for a page's own text (and JSON strings in it): C0/C1 controls but tab, newline
# and CR, which are line structure there. Bidi controls stay in the stored facts (they are text);
# output drops them (`CONTROL_CHARS`).
TEXT_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# ANSI/ECMA-48 escape sequences, 7-bit (ESC ...) and 8-bit (a C1 introducer), in this order:
# - CSI (`ESC [` or U+009B), parameter bytes, intermediate bytes, one final byte (`ESC [ 31 m`);
# - a control string: OSC (`ESC ]`, U+009D), DCS (`ESC P`, U+0090), SOS (`ESC X`, U+0098), PM
#   (`ESC ^`, U+009E), APC (`ESC _`, U+009F), up to BEL or ST (`ESC \`, U+009C);
# - any other escape: ESC, intermediate bytes, one final byte (`ESC ( B`, `ESC c`).
# Bounded work: the quantifiers are possessive (no backtracking), and a control string's body holds
# no control character, so an unterminated one stops at the next control character (where the next
# match attempt starts) instead of scanning on: the whole text is read about once. An unterminated
# control string is not a sequence here; its introducer goes and its text stays, visible.
ESCAPE_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*+[ -/]*+[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x00-\x1f\x7f-\x9f]*+(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*+[0-~]")


def drop_controls(text: str, repl: str = "") -> str:
    """`text` without escape sequences and control or bidi characters (the output rule,
    `CONTROL_CHARS`); each becomes `repl`. Every sequence starts with a control character, so
    text without one (nearly all) costs one character-class search, as before sequences."""
    if not CONTROL_CHARS.search(text):
        return text
    return CONTROL_CHARS.sub(repl, ESCAPE_SEQUENCES.sub(repl, text))


def drop_text_controls(text: str) -> str:
    """A page's text (or a JSON string in it) without escape sequences and control characters
    (`TEXT_CONTROL_CHARS`: tab, newline and CR kept as line structure, bidi controls kept)."""
    if not TEXT_CONTROL_CHARS.search(text):
        return text
    return TEXT_CONTROL_CHARS.sub("", ESCAPE_SEQUENCES.sub("", text))


def plain(value: Any) -> str:
    """`value` as text with no escape sequences or control characters (tab and newline kept)."""
    return drop_controls(str(value))


# What json.dumps(ensure_ascii=False) leaves raw but a terminal acts on: DEL, C1 controls and bidi
# controls. They only occur inside JSON strings, so spelling them as \u escapes keeps the same data.
_RAW_IN_JSON = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe_json(text: str) -> str:
    """JSON text (from json.dumps) with the characters a terminal would act on written as escapes."""
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
