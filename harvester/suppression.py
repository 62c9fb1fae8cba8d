"""Do-not-contact matching: is an email, domain or person on the Suppression list?

Values are normalised the same way when stored and when checked, so `Jane.Doe@Org.uk` matches a
suppression of `jane.doe@org.uk`, and a domain suppression covers every address on that domain.
Harvest, propose, review and export all call `is_suppressed` (or `suppressed_filter`).
"""

from __future__ import annotations

import re
import unicodedata

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


def is_suppressed(session: Session, *, email: str | None = None, person: str | None = None,
                  domain: str | None = None) -> bool:
    """True when any given value (or an email's domain) is on the do-not-contact list."""
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
    for kind, value in checks:
        hit = session.exec(select(Suppression.id).where(Suppression.kind == kind,
                                                        Suppression.value == value)).first()
        if hit is not None:
            return True
    return False
