"""Retention (UK GDPR Article 5(1)(e)): personal contact data of organisations never approached
is deleted a set time after they were last seen.

    prune(session, *, now=None, days=365, dry_run=False) -> PruneReport     (caller commits)
    is_personal(contact) -> bool

Personal: a person contact; an email or phone carrying a person's name; an email whose local part
is not a role address (GENERIC_LOCALS: info@, hello@, office@...). Organisation-level contacts
(role addresses, switchboard numbers, postal addresses, organisation social profiles) are kept.
Organisations whose status is accepted, contacted, interviewed or seed keep everything: the
research relationship is the reason to hold the data (`KEPT_STATUSES`). `harvester schedule`
calls `prune` each cycle with its own clock.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from harvester.models import Contact, ContactKind, ContactUse, Organisation, OrgStatus, utcnow

KEPT_STATUSES = (OrgStatus.accepted, OrgStatus.contacted, OrgStatus.interviewed, OrgStatus.seed)
DEFAULT_RETENTION_DAYS = 365

# Local parts of role addresses: they reach an organisation, not a person, so they are not
# personal data and outlive the retention period.
GENERIC_LOCALS = frozenset({
    "info", "hello", "helo", "hi", "enquiries", "enquiry", "inquiries", "contact", "contactus",
    "office", "admin", "mail", "post", "team", "studio", "studios", "general", "reception",
    "bookings", "booking", "boxoffice", "press", "media", "news", "marketing", "sales", "support",
    "help", "jobs", "careers", "recruitment", "hr", "accounts", "finance", "billing", "events",
    "partnerships", "business", "membership", "members", "volunteer", "volunteers", "education",
    "learning", "programmes", "ymholiadau", "hq", "webmaster", "privacy", "dpo", "communications",
    "comms", "feedback", "service", "customerservice", "customerservices", "newsletter",
})
# Any other local part (jane@, j.doe@, desk@...) counts as personal: when unsure, the retention
# rule deletes, which costs an organisation never approached nothing.


def is_personal(contact: Contact) -> bool:
    """Whether the contact is an individual's (see the module docstring)."""
    kind = ContactKind(contact.kind)
    if kind == ContactKind.person:
        return True
    if kind in (ContactKind.email, ContactKind.phone) and contact.person_name:
        return True
    if kind == ContactKind.email:
        local = contact.value.split("@", 1)[0].lower().split("+", 1)[0]
        return local not in GENERIC_LOCALS
    return False


@dataclass
class PruneReport:
    cutoff: datetime
    days: int
    dry_run: bool
    organisations: int = 0
    counts: Counter = field(default_factory=Counter)  # contact kind -> rows removed
    contact_uses: int = 0
    kept_generic: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"cutoff": self.cutoff.isoformat(), "days": self.days, "dry_run": self.dry_run,
                "organisations": self.organisations, "contacts": dict(sorted(self.counts.items())),
                "contacts_total": sum(self.counts.values()), "contact_uses": self.contact_uses,
                "kept_generic": self.kept_generic}


def prune(session: Session, *, now: datetime | None = None, days: int = DEFAULT_RETENTION_DAYS,
          dry_run: bool = False) -> PruneReport:
    """Delete the personal contacts of organisations outside KEPT_STATUSES last seen before
    `now - days`; with `dry_run` only count. The caller commits."""
    if days < 0:
        raise ValueError("retention days must be 0 or more")
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    report = PruneReport(cutoff=cutoff, days=days, dry_run=dry_run)
    kept = [s.value for s in KEPT_STATUSES]
    orgs = session.exec(select(Organisation.id).where(
        Organisation.status.not_in(kept),  # type: ignore[union-attr]
        Organisation.last_seen < cutoff)).all()
    touched: set[int] = set()
    for start in range(0, len(orgs), 500):
        chunk = orgs[start:start + 500]
        contacts = session.exec(select(Contact).where(Contact.organisation_id.in_(chunk))).all()  # type: ignore[attr-defined]
        for c in contacts:
            if not is_personal(c):
                report.kept_generic += 1
                continue
            touched.add(c.organisation_id)
            report.counts[str(ContactKind(c.kind).value)] += 1
            uses = session.exec(select(ContactUse).where(ContactUse.contact_id == c.id)).all()
            report.contact_uses += len(uses)
            if not dry_run:
                for use in uses:
                    session.delete(use)
                session.flush()
                session.delete(c)
    report.organisations = len(touched)
    session.flush()
    return report
