"""Whom to write to: how good each contact is, never a suppressed one, and the best of an organisation's.

Pure (no Session, no I/O): the do-not-contact list comes in as `_Suppressions`, so the rules for
mailbox names and for choosing can be tested case by case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from harvester.models import SuppressionKind
from harvester.snowball.results import ProposedContact
from harvester.snowball.rows import ContactRow
from harvester.suppression import normalise, person_key

# Mailbox names of a function someone answers for (better than a generic inbox).
ROLE_LOCALPARTS = frozenset({
    "partnerships", "partnership", "partners", "director", "directors", "ceo", "md", "founder",
    "founders", "head", "manager", "research", "innovation", "business", "bd", "engagement",
    "community", "programmes", "programs", "projects", "membership", "members", "events",
    "sponsorship", "outreach", "collaborations", "collaborate", "impact", "knowledge-exchange",
    "ke", "enterprise", "marketing", "press", "media", "comms", "communications", "policy",
    "development", "funding", "grants", "studio-manager", "producer", "creative",
})
# Shared inboxes nobody in particular reads.
GENERIC_LOCALPARTS = frozenset({
    "info", "hello", "hi", "enquiries", "enquiry", "inquiries", "contact", "contactus", "office",
    "admin", "mail", "email", "general", "team", "reception", "support", "help", "post", "studio",
    "web", "webmaster", "noreply", "no-reply", "sales", "accounts", "jobs", "careers", "hr",
})
CONTACT_SCORES = {"person_email": 1.0, "person": 0.8, "role_address": 0.6, "other_address": 0.4,
                  "generic_address": 0.3, "phone": 0.1}


@lru_cache(maxsize=4096)
def _local_quality(base: str) -> str:
    if base in GENERIC_LOCALPARTS:
        return "generic_address"
    if base in ROLE_LOCALPARTS or any(part in ROLE_LOCALPARTS for part in re.split(r"[._-]", base)):
        return "role_address"
    return "other_address"


def address_quality(email: str) -> str:
    """role_address, generic_address or other_address, from the mailbox name."""
    return _local_quality(email.split("@", 1)[0].lower().split("+", 1)[0])


@dataclass
class _Suppressions:
    emails: set[str]
    domains: set[str]
    persons: set[str]

    def email(self, value: str) -> bool:
        if not self.emails and not self.domains:
            return False
        value = normalise(SuppressionKind.email, value)
        dom = value.rsplit("@", 1)[1] if "@" in value else ""
        return value in self.emails or (bool(dom) and self.domain(dom))

    def person(self, name: str | None) -> bool:
        return bool(self.persons) and bool(name) and person_key(name) in self.persons  # type: ignore[arg-type]

    def domain(self, domain: str | None) -> bool:
        if not self.domains or not domain:
            return False
        return domain.lower() in self.domains or normalise(SuppressionKind.domain, domain) in self.domains


def contact_quality(kind: str, value: str, person: str | None, role: str | None,
                    suppressed: _Suppressions) -> str | None:
    """person_email, person, role_address, other_address, generic_address, phone; None if unusable.

    A named person with a role beats a role address beats a generic one; anything suppressed
    (the email, its domain, or the person) is never proposed and never counts.
    """
    if kind == "email":
        if suppressed.email(value) or suppressed.person(person):
            return None
        if person:
            return "person_email" if role else "person"
        return address_quality(value)
    if kind == "person":
        if suppressed.person(person or value):
            return None
        return "person" if role else "other_address"
    if kind == "phone":
        return None if suppressed.person(person) else "phone"
    return None


def _proposed(row: ContactRow, quality: str) -> ProposedContact:
    cid, kind, value, person, role = row
    if kind == "person":
        person = person or value
    return ProposedContact(kind=kind, value=value, person_name=person, role=role, contact_id=cid,
                           quality=quality)


def choose_contact(rows: Iterable[ContactRow],
                   suppressed: _Suppressions) -> tuple[ProposedContact | None, float]:
    """The best contact (id, kind, value, person_name, role) to write to, and its score; ties go to
    the contact stored first."""
    best: tuple[float, int, ContactRow, str] | None = None
    for row in rows:
        quality = contact_quality(str(row[1]), row[2], row[3], row[4], suppressed)
        if quality is None:
            continue
        score = CONTACT_SCORES[quality]
        if best is None or score > best[0] or (score == best[0] and row[0] < best[1]):
            best = (score, row[0], row, quality)
    return (_proposed(best[2], best[3]), best[0]) if best else (None, 0.0)
