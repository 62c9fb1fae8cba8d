"""Named people with roles (harvester/extract/people.py) via extract_page."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvester.extract import people as people_module
from harvester.extract.page import extract_page
from harvester.extract.people import _ROLE, has_role_word, is_name, is_role


def people(url: str, body: str, head: str = "") -> list[tuple[str, str | None, str | None]]:
    facts = extract_page(url, f"<html><head>{head}</head><body>{body}</body></html>".encode())
    return [(p.name, p.role, p.email) for p in facts.people]


def test_cards_with_heading_and_role_and_email() -> None:
    body = ("<div class='card'><h3>Megan Pritchard</h3><p>Director</p>"
            "<p>Email: <a href='mailto:megan@taf.cymru'>megan@taf.cymru</a></p></div>"
            "<div class='card'><h3>Rhodri ap Dafydd</h3><p>Chair of Trustees</p></div>"
            "<h2>Contact</h2><p>Email: <a href='mailto:post@taf.cymru'>post@taf.cymru</a></p>")
    assert people("https://taf.cymru/team", body) == [
        ("Megan Pritchard", "Director", "megan@taf.cymru"), ("Rhodri ap Dafydd", "Chair of Trustees", None)]


def test_role_before_name_and_inline_forms() -> None:
    body = ("<p>Clerk</p><p>Kevin Phillips</p>"
            "<p>CHRIS WILTON - Chairman</p><p>Jo Bloggs (Treasurer)</p><p>Secretary: Ann Lee</p>")
    assert people("https://pc.org.uk/contact", body) == [
        ("Kevin Phillips", "Clerk", None), ("Chris Wilton", "Chairman", None),
        ("Jo Bloggs", "Treasurer", None), ("Ann Lee", "Secretary", None)]


def test_definition_list_and_table() -> None:
    body = ("<dl><dt>Priya Raman</dt><dd>Programme Manager</dd></dl>"
            "<table><tr><th>Name</th><th>Role</th></tr><tr><td>Helen McAllister</td><td>Chair</td>"
            "<td>0161 496 0777</td></tr></table>")
    facts = extract_page("https://s.org.uk/people", f"<html><body>{body}</body></html>".encode())
    assert [(p.name, p.role, p.phone) for p in facts.people] == [
        ("Priya Raman", "Programme Manager", None), ("Helen McAllister", "Chair", "+441614960777")]


def test_listing_page_names_without_job_words() -> None:
    body = "<p>ALAN BIDDLECOMBE</p><p>Responsibilities:</p><p>Terry Cook - Hangers, Common</p>"
    assert people("https://pc.org.uk/councillors.html", body) == [
        ("Alan Biddlecombe", None, None), ("Terry Cook", None, None)]
    assert people("https://pc.org.uk/history.html", body) == []  # only on team/people pages


def test_jsonld_person() -> None:
    head = ('<script type="application/ld+json">' + json.dumps(
        {"@context": "https://schema.org", "@type": "Person", "name": "Dana Okafor",
         "jobTitle": "Artistic Director", "email": "dana@s.org.uk"}) + "</script>")
    assert people("https://s.org.uk/", "<p>Hello</p>", head) == [("Dana Okafor", "Artistic Director",
                                                                 "dana@s.org.uk")]


def test_headings_and_slogans_are_not_people() -> None:
    body = ("<h2>Meet The Team</h2><p>Our Services</p><h3>Exotic Vets</h3><p>Our Best Vet</p>"
            "<h3>Developer First</h3><p>Our developer friendly API makes it easy to get started.</p>"
            "<h3>Open Studio Days</h3><p>Head to the studio</p>")
    assert people("https://x.org/", body) == []


@pytest.mark.parametrize("text, expected", [
    ("Kenneth Baillie", True), ("Cllr Jo Bloggs", True), ("Rhodri ap Dafydd", True), ("J. R. Hartley", True),
    ("Siân O'Neill-Jones", True), ("Jim MacDonald", True), ("Anne-Marie de la Cruz", True),
    ("Contact Us", False), ("Parish Council", False), ("Sound Engineer", False), ("Kenneth", False),
    ("A Very Long Line Of Capitalised Words", False), ("Unit 12", False), ("jo bloggs", False),
])
def test_is_name(text: str, expected: bool) -> None:
    assert is_name(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("Co-Director", True), ("Parish Clerk & RFO", True), ("Cadeirydd", True),
    ("Chief Technical Officer", True),
    ("We are hiring a director.", False), ("Our Best Vet", False), ("Opening hours", False),
])
def test_is_role(text: str, expected: bool) -> None:
    assert is_role(text) is expected


# Job words in several cases, a hyphenated one whose parts are no job words, look-alikes that
# IGNORECASE folds to ASCII letters (İ ı ſ K), word characters that join runs, other separators.
_ROLE_ALPHABET = st.sampled_from([
    "Director", "director", "DIRECTOR", "co-ordinator", "Co-Ordinator", "co", "-", "ordinator",
    "co-director", "Chair", "vice-chair", "chairs", "\u017fecretary", "secretary", "\u0130ntern", "intern",
    "\u0131ntern", "\u212aurator", "curator", "CEO", "_", "1", " ", "\t", ",", "&", "é", "ŵ", "Cadeirydd",
    "PhD", "x", "lead", "Leader", "vet", "vets", "\u0307"])


@settings(max_examples=600, deadline=None)
@given(st.lists(_ROLE_ALPHABET, max_size=8).map("".join))
def test_role_word_lookup_equals_the_regex(text: str) -> None:
    assert has_role_word(text) == bool(_ROLE.search(text))


def _inline_by_both_patterns(text: str) -> tuple[str, str] | None:
    """`_inline_person` trying both patterns on every line, no separator pre-checks (the reference)."""
    for pattern in (people_module._PAREN, people_module._INLINE):
        match = pattern.match(text)
        if not match:
            continue
        first, second = match.group(1).strip(), match.group(2).strip()
        if is_name(first) and is_role(second):
            return first, second
        if is_role(first) and is_name(second):
            return second, first
    return None


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(["Jo Bloggs", "Kenneth Baillie", "Chair", "Parish Clerk", "Co-Director",
                                 "–", "—", ":", "|", ",", " - ", "-", "(", ")", " ", "   ", "\n", "x" * 25,
                                 "abc", "Dr"]),
                max_size=10).map("".join))
def test_inline_separator_pre_checks_never_hide_a_match(text: str) -> None:
    assert people_module._inline_person(text) == _inline_by_both_patterns(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["Jo", "Bloggs", "Kenneth", "Dr", "Cllr", "van", "J.", "Siân", "É", "JO",
                                 "BLOGGS", " ", ",", "-", "1", "12", "\u00b2", "\u0661", "\u216b", "\uff13"]),
                max_size=8).map("".join))
def test_a_line_with_a_digit_is_no_name(text: str) -> None:
    # is_name has no digit check of its own: its word tests must reject every such line.
    if any(ch.isdigit() for ch in text):
        assert not is_name(text)
