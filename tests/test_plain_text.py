"""The shared rule for control characters in untrusted text: escape sequences go whole (a terminal
hyperlink must not leave its URL glued to its label), then single control characters."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvester.extract.jsonld import loads_clean
from harvester.extract.meetup.descriptions import extract_links
from harvester.plain_text import (
    CONTROL_CHARS,
    ESCAPE_SEQUENCES,
    TEXT_CONTROL_CHARS,
    drop_controls,
    drop_text_controls,
    plain,
)

OSC8_BEL = "\x1b]8;;https://x.example/\x07label\x1b]8;;\x07"
OSC8_ST = "\x1b]8;;https://x.example/\x1b\\label\x1b]8;;\x1b\\"


@pytest.mark.parametrize(("text", "expected"), [
    (OSC8_BEL, "label"),
    (OSC8_ST, "label"),
    ("\x9d8;;https://x.example/\x9clabel\x9d8;;\x9c", "label"),  # 8-bit OSC and ST
    ("a\x1b[31mred\x1b[0m b", "ared b"),  # CSI (SGR)
    ("a\x1b[?25l\x1b[2J\x1b[1;31;4mb", "ab"),  # private and multi-parameter CSI
    ("a\x9b31mb", "ab"),  # 8-bit CSI
    ("a\x1b]0;title\x07b", "ab"),  # OSC window title
    ("a\x1bP1$r0m\x1b\\b", "ab"),  # DCS
    ("a\x1b_apc\x1b\\b\x1b^pm\x07c\x1bXsos\x9cd", "abcd"),  # APC, PM, SOS
    ("a\x1b(Bb\x1bcc\x1b7d", "abcd"),  # designate charset, reset, save cursor
    ("a\x1b]0;unterminated", "a0;unterminated"),  # no terminator: only the introducer goes
    ("a\x1b]0;cut\nb\x07c", "a0;cut\nbc"),  # a control character ends the string: not a sequence
    ("a\x1b[12", "a12"),  # no final byte
    ("tab\tnew\nline\r", "tab\tnew\nline\r"),
])
def test_escape_sequences_go_whole(text: str, expected: str) -> None:
    assert drop_text_controls(text) == expected


def test_output_rule_drops_sequences_and_bidi_controls() -> None:
    assert plain("Esc \x1b[2J\x1b]8;;http://evil.example\x07click\x1b]8;;\x07 \u202eLtd") == "Esc click Ltd"
    assert drop_controls("a\x1b[31mb\x00c", " ") == "a b c"


def test_a_hyperlink_in_a_meetup_description_is_no_link() -> None:
    """The case the rule is for: a description carrying an OSC 8 hyperlink (JSON-escaped, as an
    Apollo state holds it) names no host; before, `https://x.example/label` was found."""
    text = '{"description": "See ' + OSC8_BEL.replace("\x1b", "\\u001b").replace("\x07", "\\u0007") + ' now"}'
    description = loads_clean(text)["description"]
    assert description == "See label now"
    assert extract_links(description) == []


_PIECES = st.sampled_from(["\x1b", "[", "]", "\\", "\x07", "\x9b", "\x9c", "\x9d", "8", ";", "m", "(",
                           "P", "_", "a", " ", "\n", "\u202e", ":", "/", "x.example"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_no_control_character_survives_and_the_rule_is_stable(text: str) -> None:
    once = drop_text_controls(text)
    assert not TEXT_CONTROL_CHARS.search(once)
    assert drop_text_controls(once) == once
    assert not CONTROL_CHARS.search(plain(text))


_SAFE = st.text(alphabet=st.sampled_from("ab ;[]8:/.\\\n"), max_size=12)
_SEQUENCE = st.sampled_from(["\x1b]8;;https://x.example/\x07", "\x1b]8;id=2;https://x.example/\x1b\\",
                             "\x1b]8;;\x07", "\x1b[31m", "\x1b[0m", "\x9b1;2H", "\x1b]0;t\x9c", "\x1b(B",
                             "\x1bc", "\x1bP+q\x1b\\"])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(_SAFE, _SEQUENCE)), _SAFE)
def test_well_formed_sequences_between_text_leave_exactly_the_text(pairs: list[tuple[str, str]],
                                                                     tail: str) -> None:
    text = "".join(safe + seq for safe, seq in pairs) + tail
    assert drop_text_controls(text) == "".join(safe for safe, _ in pairs) + tail


@pytest.mark.parametrize("hostile", [
    "\x1b]" * 100_000,  # unterminated control strings, each stopped by the next introducer
    "\x1b]8;;" + "x" * 300_000,  # one unterminated string running to the end of the text
    ("\x1b]8;;" + "x" * 30) * 10_000,
    "\x1b[" + "1;" * 150_000,  # a CSI with no final byte
    ("\x1b[" + "1" * 30) * 10_000,
    "\x9d" * 300_000,
])
def test_unterminated_sequences_cost_linear_time(hostile: str) -> None:
    """Possessive quantifiers and a body without control characters: about one pass over the text
    (a quadratic scan of these would take minutes)."""
    start = time.process_time()
    out = drop_text_controls(hostile)
    assert time.process_time() - start < 1.0
    assert not TEXT_CONTROL_CHARS.search(out)


def test_the_pattern_is_anchored_on_an_introducer() -> None:
    """Every match starts at ESC or a C1 introducer: plain text is never touched."""
    for m in ESCAPE_SEQUENCES.finditer("a\x1b[1mb\x9b2mc\x1b]0;t\x07" + OSC8_ST):
        assert re.match(r"[\x1b\x9b\x90\x98\x9d\x9e\x9f]", m.group())
