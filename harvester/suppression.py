"""Do-not-contact matching: is an email, domain or person on the Suppression list?

Values are normalised the same way when stored and when checked, so `Jane.Doe@Org.uk` matches a
suppression of `jane.doe@org.uk`, and a domain suppression covers every address on that domain.
Harvest, propose, review and export all call `is_suppressed` (or `suppressed_filter`).
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from sqlmodel import Session, select

from harvester.models import Suppression, SuppressionKind
from harvester.urls import registrable_domain


def person_key(name: str) -> str:
    """Case-, accent- and punctuation-free name with titles removed: 'Dr. Jane  Doé' -> 'jane doe'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    words = [w for w in text.split() if w not in {"dr", "mr", "mrs", "ms", "miss", "prof", "cllr", "sir"}]
    return " ".join(words)


def normalise(kind: SuppressionKind | str, value: str) -> str:
    kind = SuppressionKind(kind)
    value = value.strip()
    if kind is SuppressionKind.email:
        return value.lower()
    if kind is SuppressionKind.domain:
        return registrable_domain(value.lower()) or value.lower()
    return person_key(value)


# The advisory lock key of the do-not-contact list (PostgreSQL): "harvdnc" in ASCII.
LIST_LOCK_KEY = 0x68617276646E63


def hold_list(session: Session, *, exclusive: bool = False) -> None:
    """PostgreSQL: lock the do-not-contact list until the session's transaction ends: shared by a
    writer of contacts before it reads the list, exclusive by `forget` (and `suppress import`)
    before it reads contacts. Without it a harvest batch could read the list, `forget` commit
    (the person's contacts erased, the entry added), and the batch then commit a contact of that
    person it had judged allowed. With it, either the batch waits and reads the new entry, or
    `forget` waits and erases what the batch stored. SQLite needs nothing: a writer holds the
    database's one write lock first."""
    if session.get_bind().dialect.name != "postgresql":
        return
    how = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    session.connection().execute(sa.text(f"SELECT {how}(:key)"), {"key": LIST_LOCK_KEY})


def entries_to_check(*, email: str | None = None, person: str | None = None,
                     domain: str | None = None) -> list[tuple[SuppressionKind, str]]:
    """The (kind, normalised value) entries that would suppress these values: an email, its
    domain, a person's key and a domain. One rule for the database check and the snapshot."""
    checks: list[tuple[SuppressionKind, str]] = []
    if email:
        checks.append((SuppressionKind.email, normalise(SuppressionKind.email, email)))
        if "@" in email:
            checks.append((SuppressionKind.domain,
                           normalise(SuppressionKind.domain, email.rsplit("@", 1)[1])))
    if person:
        key = person_key(person)
        if key:
            checks.append((SuppressionKind.person, key))
    if domain:
        checks.append((SuppressionKind.domain, normalise(SuppressionKind.domain, domain)))
    return checks


def is_suppressed(session: Session, *, email: str | None = None, person: str | None = None,
                  domain: str | None = None) -> bool:
    """True when any given value (or an email's domain) is on the do-not-contact list (held
    shared for the rest of the transaction, `hold_list`)."""
    checks = entries_to_check(email=email, person=person, domain=domain)
    if checks:
        hold_list(session)
    for kind, value in checks:
        hit = session.exec(select(Suppression.id).where(Suppression.kind == kind,
                                                        Suppression.value == value)).first()
        if hit is not None:
            return True
    return False


# ---------------------------------------------------------------- finding people in free text
# Used by forget (erase a name or email from facts, notes and WARC records), subject access
# (find where a person is mentioned) and by resolve/meetup storage (keep a suppressed name or
# email out of descriptions and titles stored by later harvests).

REDACTED = "[removed]"
# An "@" as written in HTML, URLs and obfuscated pages: plain, %40, &#64; / &#x40; / &commat;.
_AT = r"(?:@|%40|&#0*64;|&#x0*40;|&commat;|\s*\[at\]\s*|\s*\(at\)\s*)"


def email_pattern(email: str) -> re.Pattern[str]:
    """The address in any of its encodings (plain, percent-encoded, HTML entities), any case."""
    local, _, domain = email.strip().lower().rpartition("@")
    return re.compile(rf"(?<![\w.+-]){re.escape(local)}{_AT}{re.escape(domain)}(?![\w-])", re.I)


def domain_email_pattern(domain: str) -> re.Pattern[str]:
    """Any address on `domain` or its subdomains, in any encoding."""
    return re.compile(rf"[\w.+-]+{_AT}(?:[\w-]+\.)*{re.escape(domain.strip().lower())}(?![\w-])", re.I)


def _fold(text: str) -> tuple[str, list[int]]:
    """Accent-free lower-case text, with the index in `text` of each folded character."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode().lower()
        for f in folded:
            chars.append(f)
            where.append(i)
    return "".join(chars), where


def person_spans(text: str, name: str) -> list[tuple[int, int]]:
    """Where `name` (as person_key sees it: any case, accents, punctuation between words) occurs.
    A one-word name is never looked for in free text: it would blank out ordinary words."""
    key = person_key(name)
    words = key.split()
    if len(words) < 2 or not text:
        return []
    pattern = re.compile(r"(?<![a-z0-9])" + r"[^a-z0-9]+".join(map(re.escape, words)) + r"(?![a-z0-9])")
    folded, where = _fold(text)
    return [(where[m.start()], where[m.end() - 1] + 1) for m in pattern.finditer(folded)]


def text_spans(text: str, *, emails: tuple[str, ...] | list[str] = (),
               domains: tuple[str, ...] | list[str] = (),
               people: tuple[str, ...] | list[str] = ()) -> list[tuple[int, int]]:
    """Every span of `text` naming one of the emails, an address on one of the domains, or a person."""
    if not text:
        return []
    spans: list[tuple[int, int]] = []
    for email in emails:
        if "@" in email:
            spans += [m.span() for m in email_pattern(email).finditer(text)]
    for domain in domains:
        spans += [m.span() for m in domain_email_pattern(domain).finditer(text)]
    for name in people:
        spans += person_spans(text, name)
    return sorted(spans)


def mentions(text: str | None, **targets: tuple[str, ...] | list[str]) -> bool:
    """True when `text` names any of the targets (see text_spans)."""
    return bool(text) and bool(text_spans(text, **targets))  # type: ignore[arg-type]


def redact(text: str, **targets: tuple[str, ...] | list[str]) -> str:
    """`text` with every mention of the targets replaced by REDACTED."""
    spans = text_spans(text, **targets)  # type: ignore[arg-type]
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end in spans:
        if start < pos:  # overlapping mentions (a name inside an address)
            if end > pos:
                pos = end
            continue
        out.append(text[pos:start])
        out.append(REDACTED)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def scrub_suppressed(session: Session, text: str | None) -> str | None:
    """`text` without the suppressed emails, addresses on suppressed domains and suppressed
    people's names: what storage calls on scraped free text (descriptions, event titles)."""
    if not text:
        return text
    rows = session.exec(select(Suppression.kind, Suppression.value)).all()
    if not rows:
        return text
    targets: dict[str, list[str]] = {"emails": [], "domains": [], "people": []}
    field = {SuppressionKind.email: "emails", SuppressionKind.domain: "domains",
             SuppressionKind.person: "people"}
    for kind, value in rows:
        targets[field[SuppressionKind(kind)]].append(value)
    return redact(text, **targets)
