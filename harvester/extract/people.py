"""Named people with their roles, from team, staff, board and councillor listings.

Works on the page's visible text as lines (one per block element) in document order, each
line carrying the emails and phones of the links inside it. A person is a name-shaped line next
to a role-shaped line ("Kenneth Baillie" / "Co-Director"; "Clerk" / "Kevin Phillips"; label lines
such as "Name" and "Role" are skipped), or one line "Name – Role" / "Name (Role)". Name shape:
2–4 capitalised words, an optional title (Cllr, Dr), no words that headings use. Role shape: a
short line with a job word. An email or phone in the following lines, before the next person,
belongs to that person (the same card).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter

from harvester.extract.contacts import emails_in_text as _emails_in
from harvester.extract.contacts import has_case_exotics
from harvester.extract.contacts import phones_in_text as _phones_in
from harvester.extract.facts import Person


@dataclass
class Line:
    """One block of visible text with the contacts linked inside it."""

    text: str
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    part: str = "body"  # body | nav (header, nav) | footer: where on the page the line sits
    heading: bool = False  # an h1-h6: ends the card of the person above it


MAX_PEOPLE = 300
_CARD_LINE_WORDS = 8
_CARD_LINES = 8  # a card holds a name, a role and a few contact lines


def _words(text: str) -> list[str]:
    return text.split()


_TITLES = frozenset({"cllr", "councillor", "dr", "prof", "professor", "mr", "mrs", "ms", "miss", "mx",
                     "sir", "dame", "rev", "revd", "lord", "lady"})
_PARTICLES = frozenset({"de", "van", "von", "der", "den", "da", "di", "du", "del", "della", "le", "la",
                        "ap", "bin", "ter", "ten", "dos", "das", "y"})
_ROLE_WORDS = (
    "director", "directors", "co-director", "chair", "chairman", "chairwoman", "chairperson",
    "vice-chair", "clerk", "councillor", "councillors", "officer", "manager", "head", "lead",
    "founder", "co-founder", "trustee", "ceo", "cto", "coo", "cfo", "secretary", "treasurer",
    "coordinator", "co-ordinator", "producer", "curator", "editor", "engineer", "designer",
    "developer", "researcher", "professor", "lecturer", "fellow", "president", "vice-president",
    "partner", "administrator", "assistant", "chief", "executive", "principal", "dean", "mayor",
    "member", "convenor", "organiser", "organizer", "volunteer", "ambassador", "consultant",
    "advisor", "adviser", "scientist", "analyst", "architect", "artist", "programmer", "rfo",
    "owner", "proprietor", "governor", "patron", "producer", "intern", "apprentice", "technician",
    "cadeirydd", "clerc", "cynghorydd", "ysgrifennydd", "trysorydd", "rheolwr", "cyfarwyddwr",
    "postdoc", "phd", "student", "maintainer", "contributor", "vet", "nurse", "receptionist",
)
_ROLE = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in _ROLE_WORDS) + r")(?![\w])", re.I)
# `_ROLE` by set lookup: a job word without a hyphen matches exactly where a whole \w-run of the
# lower-cased text equals it; a hyphenated one ("co-director") holds such a word ("director")
# unless none of its parts is a job word ("co-ordinator"), and then the text must contain it.
_ROLE_RUN_WORDS = frozenset(w for w in _ROLE_WORDS if "-" not in w)
_ROLE_HYPHENATED_ONLY = tuple(w for w in _ROLE_WORDS if "-" in w
                              and _ROLE_RUN_WORDS.isdisjoint(w.split("-")))
_WORD_RUN = re.compile(r"\w+")
# Job words that are never part of a name ("Sound Engineer" is a role); a few are also names.
_ROLE_TOKENS = frozenset(_ROLE_WORDS) - {"dean", "principal", "mayor", "patron", "partner"}
# Words that make a capitalised line a heading or a place, not a person's name.
_NOT_NAME = frozenset(_words("""
about contact contacts us our your team home news events event email e-mail phone telephone tel
mobile address council parish district county borough city town village community society
university college school department centre center institute trust foundation charity group
club association project programme program services service company limited ltd plc llp cic
studio agency network hub partners partner funders sponsors members clients the and of for to in
on at by with from a an meet staff people board trustees councillors officers welcome register
interests declaration privacy policy notice cookies accessibility statement terms conditions
minutes agenda meetings meeting documents links volunteers volunteer support donate shop shops
clinic hospital museum hall house road street lane avenue way close drive park court square
place gardens cambridge london bristol cardiff salford manchester england wales scotland
ireland united kingdom uk north south east west upper lower new old great little saint st
monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december read more view all see learn find out get
involved join sign up log login download skip main content menu search open close opening
hours times directions parking map vacancies jobs careers role roles title name position
responsibilities responsibility committee sub-committee finance planning highways chair clerk
vice-chair founder director officer manager head lead coordinator vets vet care services
solutions design media digital creative films productions studios labs lab first developer
"""))
_NOT_NAME_TOKENS = _NOT_NAME | _ROLE_TOKENS  # one lookup per word of a name-shaped line
_LABELS = frozenset({"name", "role", "title", "position", "job title", "email", "e-mail", "phone",
                     "telephone", "tel", "mobile", "contact", "enw", "rôl", "swydd", "ebost"})
_NAME_TOKEN = re.compile(r"^(?:[A-Z][a-zà-ÿ'’]{0,3})?[A-ZÀ-Þ][a-zà-ÿ'’]{1,30}(?:-[A-ZÀ-Þ][a-zà-ÿ'’]{1,30})?$")
_NOT_ROLE_START = re.compile(r"^(?:our|your|we|i|find|finding|get|join|become|meet|contact|call|email)\b",
                             re.I)
_INITIAL = re.compile(r"^[A-Z]\.?$")
_INLINE = re.compile(r"^(.{3,60}?)\s{0,3}(?:[–—:|,]|\s-)\s{0,3}(.{2,80})$")
# One of these is in every _INLINE match, at an offset from 3 (after the 3 characters the name
# side needs at least) to 64 (60 characters, 3 spaces, then "\s-"): searched there only.
_INLINE_SEPARATOR = re.compile(r"[–—:|,-]")
_INLINE_SEPARATOR_FROM, _INLINE_SEPARATOR_TO = 3, 65
_INLINE_MAX = 150  # 60 + 3 + 2 + 3 + 80 characters, and a final newline `$` allows
_PAREN = re.compile(r"^(.{3,60}?)\s{0,3}\((.{2,60})\)$")


def is_name(text: str) -> bool:
    """Name shape: 2–4 capitalised words (particles and initials allowed), no heading words."""
    if not text or len(text) > 60 or "@" in text:
        return False
    tokens = text.replace(",", " ").split()
    if len(tokens) < 2 or (len(tokens) > 4 and tokens[0].lower().rstrip(".") not in _TITLES):
        return False  # cheapest rejection first: most lines are one word or a sentence
    # No digit check: a word with a digit ("Unit 12") is no title, label, particle, initial or
    # name word, so the word loop below rejects it whichever way it is reached.
    if text.isupper():
        tokens = text.title().replace(",", " ").split()  # "CHRIS WILTON - Chairman" listings
    while tokens and tokens[0].lower().rstrip(".") in _TITLES:
        tokens = tokens[1:]
    if not 2 <= len(tokens) <= 4:
        return False
    capitalised = 0
    for i, token in enumerate(tokens):
        low = token.lower()
        if low in _NOT_NAME_TOKENS:
            return False
        if low in _PARTICLES and 0 < i < len(tokens) - 1:
            continue
        if len(token) <= 2 and _INITIAL.match(token) and i < len(tokens) - 1:
            continue  # an initial is one or two characters long
        if not _NAME_TOKEN.match(token):
            return False
        capitalised += 1
    return capitalised >= 1  # with 2+ tokens: "J. R. Hartley" has one full word


def is_role(text: str) -> bool:
    """Role shape: a short line (≤ 12 words) holding a job word."""
    if not text or len(text) > 90 or len(text.split()) > 10 or "@" in text:
        return False
    if text.rstrip()[-1:] in ".?!" or _NOT_ROLE_START.match(text):
        return False  # a sentence, not a job title
    return has_role_word(text)


def has_role_word(text: str) -> bool:
    """`_ROLE.search(text)`, without trying its hundred IGNORECASE alternatives at every offset.

    Without the characters that IGNORECASE folds to an ASCII letter but lower() does not map
    alike (`contacts.has_case_exotics`), lower() keeps every offset and every \\w character, so
    the runs of the lower-cased text are the original runs and a run matches a job word under
    IGNORECASE exactly when it equals it; anything else goes to the regex."""
    if has_case_exotics(text):
        return _ROLE.search(text) is not None
    low = text.lower()
    if not _ROLE_RUN_WORDS.isdisjoint(_WORD_RUN.findall(low)):
        return True
    for word in _ROLE_HYPHENATED_ONLY:
        if word in low:
            return _ROLE.search(text) is not None
    return False


def _clean_name(text: str) -> str:
    text = " ".join(text.replace(",", " ").split())
    return text.title() if text.isupper() else text


_CONTACT_LABEL = re.compile(r"^(?:e-?mail|tel|telephone|phone|mobile|responsibilities|contact|ebost|ffôn)\b",
                            re.I)
_DASH = re.compile(r"^(.{3,60}?)\s{1,3}[-–—]\s{1,3}(.{2,80})$")


def _inline_person(text: str) -> tuple[str, str] | None:
    """(name, role) from one line: "Name – Role", "Name (Role)", "Role: Name"."""
    if len(text) > _INLINE_MAX:
        return None  # longer than either pattern can match
    # Each pattern only where its separator can be: no need to try every split otherwise.
    if ")" in text:
        person = _person_of(_PAREN.match(text))
        if person:
            return person
    if _INLINE_SEPARATOR.search(text, _INLINE_SEPARATOR_FROM, _INLINE_SEPARATOR_TO):
        return _person_of(_INLINE.match(text))
    return None


def _person_of(match: re.Match[str] | None) -> tuple[str, str] | None:
    """(name, role) from the two sides of an inline match, in either order."""
    if not match:
        return None
    first, second = match.group(1).strip(), match.group(2).strip()
    if is_name(first) and is_role(second):
        return first, second
    if is_name(second) and is_role(first):  # the cheaper test first: most sides are no name
        return second, first
    return None


def people_from_lines(lines: list[Line], listing: bool = False) -> list[Person]:
    """People in page order, each once (the first role found wins).

    `listing` says the page is a team/people/councillors page: there a name line directly followed
    by a contact label ("Email:", "Responsibilities:") or a number, or written "Name – duties",
    is a person even without a job word (role left empty rather than guessed).
    """
    texts = [" ".join(line.text.split()) for line in lines]
    content = [i for i, t in enumerate(texts) if t and t.lower().rstrip(":") not in _LABELS]
    # Each line's name shape, asked once (a line of one word, spaces normalised, is no name).
    shaped = {idx: (" " in texts[idx] or "," in texts[idx]) and is_name(texts[idx]) for idx in content}
    # Each other line read as "Name – Role" once: pass 1 asks for every such line, and again for
    # the line after a name, as pass 2 does for the line before one.
    inline = {idx: _inline_person(texts[idx]) for idx in content if not shaped[idx]}
    roles: dict[int, bool] = {}  # is_role of a line, asked at most once

    def role_at(idx: int) -> bool:
        known = roles.get(idx)
        if known is None:
            known = roles[idx] = is_role(texts[idx])
        return known

    found: dict[str, tuple[int, str | None]] = {}  # name -> (line index, role)
    used_roles: set[int] = set()

    def add(name: str, idx: int, role: str | None) -> None:
        key = _clean_name(name)
        if key not in found and len(found) < MAX_PEOPLE:
            found[key] = (idx, role)

    # Passes 1 and 2 only look at the lines that are a name or read as "Name – Role": (position
    # among the content lines, line index), in page order.
    candidates = [(n, idx) for n, idx in enumerate(content) if shaped[idx] or inline[idx]]
    # Pass 1: a name line followed by a role line; or both on one line.
    for n, idx in candidates:
        if shaped[idx]:
            nxt = content[n + 1] if n + 1 < len(content) else None
            if nxt is not None and not shaped[nxt] and role_at(nxt) and not inline[nxt]:
                add(texts[idx], idx, texts[nxt])
                used_roles.add(nxt)
        elif person := inline[idx]:
            add(person[0], idx, person[1])
    # Pass 2: a role line followed by a name line ("Clerk" / "Kevin Phillips").
    for n, idx in candidates:
        if n == 0 or not shaped[idx]:
            continue
        text = texts[idx]
        prev = content[n - 1]
        if _clean_name(text) in found or prev in used_roles:
            continue
        if not shaped[prev] and role_at(prev) and not inline[prev]:
            add(text, idx, texts[prev])
            used_roles.add(prev)

    # Pass 3, listing pages only: people without a stated job title.
    if listing:
        for idx in content:
            text = texts[idx]
            match = _DASH.match(text)
            if match and is_name(match.group(1).strip()) and not match.group(2).rstrip().endswith((".", "?")):
                add(match.group(1).strip(), idx, None)
                continue
            if not shaped[idx] or _clean_name(text) in found:
                continue
            nxt = idx + 1 if idx + 1 < len(lines) else None
            if nxt is not None and (_CONTACT_LABEL.match(texts[nxt]) or lines[nxt].emails
                                    or lines[nxt].phones or _phones_in(texts[nxt])):
                add(text, idx, None)

    # Contacts in the same card: the lines after the name, up to the next person.
    starts = sorted(i for i, _ in found.values())
    people = []
    for name, (idx, role) in sorted(found.items(), key=lambda item: item[1][0]):
        later = [s for s in starts if s > idx]
        end = min(later[0] if later else len(lines), idx + _CARD_LINES)
        end = next((i for i in range(idx + 2, end) if lines[i].heading), end)
        # Only short lines ("Email: ...", the address itself): a sentence with an address in it
        # ("We're hiring, write to ...") speaks for the organisation, not for this person.
        card = [line for line in lines[idx:end] if len(line.text.split()) <= _CARD_LINE_WORDS]
        email = _first_contact(card, attrgetter("emails"), _emails_in)
        phone = _first_contact(card, attrgetter("phones"), _phones_in)
        people.append(Person(name=name, role=role, email=email, phone=phone))
    return people


def _first_contact(card: list[Line], linked: Callable[[Line], list[str]],
                   in_text: Callable[[str], list[str]]) -> str | None:
    """The first contact of the card: each line's linked ones (mailto:/tel:), then those written
    in its text. The text is only read when the line links none: a written phone costs a
    phone-number parse, and a linked one comes first anyway."""
    for line in card:
        found = linked(line) or in_text(line.text)
        if found:
            return found[0]
    return None
