"""Erasure on request (UK GDPR Articles 17 and 21): `forget` a person, an email or a domain.

    Subject(kind, value, org_id=None)                what to forget (or report on)
    matching_contacts(session, subject) -> list[Contact]
    forget(session, subject, *, reason=None) -> ForgetReport        (caller commits)
    erase_from_archives(report, paths) -> None      WARC files rewritten after the commit
    archive_paths(session, extra=()) -> list[Path]  archives the tool wrote (HarvestRun.arguments)

What each kind erases (organisation-level facts stay: names, sector, relations, pages):
- email E: the email contact(s); when the address carries a person's name, that person's other
  contacts everywhere too (as for --person); the address and the name in fact values,
  descriptions, notes, Meetup event titles and decision notes; referral names; page rows whose
  URL holds the address. Suppressions: the email, the person's other addresses, and the
  person's name when known.
- person NAME [--org ORG]: contacts whose person (name or person contact) matches person_key, at
  ORG only when given, plus addresses derived from the name (jane.doe@, jdoe@, j.doe@, jane@) with
  no name attached at the organisations where the person appears; the name in the same free-text
  places. Suppressions: the person (everywhere: a do-not-contact request is not per
  organisation) and each of their addresses erased (one shown without the name comes back else).
- domain D: an email domain / a person's domain of work: every email on D or a subdomain, and
  every contact of the organisation whose website is D (resolve refuses them all once D is
  suppressed); addresses on D in free text. Suppression: the domain.

Everything happens in the caller's transaction; the CLI shows the counts, commits, and only then
rewrites the WARC archives (a failed rewrite never undoes the database erasure; it is reported).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from harvester.errors import BadInput
from harvester.export import enum_value
from harvester.models import (
    Contact,
    ContactKind,
    ContactUse,
    Decision,
    HarvestRun,
    MeetupEvent,
    Organisation,
    OrganisationFact,
    Page,
    Referral,
    RunStatus,
    Suppression,
    SuppressionKind,
)
from harvester.suppression import hold_list, mentions, normalise, person_key, redact
from harvester.urls import registrable_domain

DEFAULT_REASON = "forget request"


@dataclass(frozen=True)
class Subject:
    """Whom a request is about: an email, a person's name (optionally at one organisation) or a
    domain."""

    kind: SuppressionKind
    value: str
    org_id: int | None = None

    @classmethod
    def parse(cls, *, email: str | None = None, person: str | None = None, domain: str | None = None,
              org_id: int | None = None) -> Subject:
        given = [(k, v) for k, v in ((SuppressionKind.email, email), (SuppressionKind.person, person),
                                     (SuppressionKind.domain, domain)) if v]
        if len(given) != 1:
            raise BadInput("give exactly one of --email, --person or --domain")
        kind, value = given[0]
        value = value.strip()
        if kind is SuppressionKind.email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise BadInput(f"{value!r} is not an email address: give it as name@example.org")
        if kind is SuppressionKind.person and not person_key(value):
            raise BadInput(f"{value!r} is not a name: give the person's name, e.g. --person 'Jane Doe'")
        if kind is SuppressionKind.domain and "." not in value:
            raise BadInput(f"{value!r} is not a domain: give it as example.org")
        if org_id is not None and kind is not SuppressionKind.person:
            raise BadInput("--org only goes with --person")
        return cls(kind, value, org_id)

    @property
    def key(self) -> str:
        return normalise(self.kind, self.value)


def name_email_locals(name: str) -> set[str]:
    """Local parts an organisation may build from a name: jane.doe, janedoe, jdoe, j.doe, jane,
    jane_doe, doe.jane... compared without case."""
    words = [w for w in person_key(name).split() if w]
    if len(words) < 2:
        return set(words)
    first, last = words[0], words[-1]
    return {f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}", f"{first[0]}.{last}",
            f"{first}_{last}", f"{first}-{last}", f"{last}.{first}", f"{last}{first[0]}", first}


def _person_of(contact: Contact) -> str | None:
    return contact.person_name or (contact.value if contact.kind == ContactKind.person else None)


def _email_domain(value: str) -> str:
    return value.rsplit("@", 1)[-1].lower()


def matching_contacts(session: Session, subject: Subject) -> list[Contact]:
    """Every contact holding the subject's personal data (see the module docstring)."""
    key = subject.key
    found: dict[int, Contact] = {}
    if subject.kind is SuppressionKind.email:
        for c in session.exec(select(Contact).where(Contact.kind == ContactKind.email,
                                                    sa.func.lower(Contact.value) == key)).all():
            found[c.id] = c  # type: ignore[index]
            if person_key(c.person_name or ""):  # the address's owner: their data everywhere
                for other in matching_contacts(session, Subject(SuppressionKind.person, c.person_name or "")):
                    found[other.id] = other  # type: ignore[index]
    elif subject.kind is SuppressionKind.person:
        query = select(Contact)
        if subject.org_id is not None:
            query = query.where(Contact.organisation_id == subject.org_id)
        rows = session.exec(query).all()
        named = [c for c in rows if person_key(_person_of(c) or "") == key]
        orgs = {c.organisation_id for c in named}
        locals_ = name_email_locals(subject.value)
        for c in named:
            found[c.id] = c  # type: ignore[index]
        for c in rows:
            if (c.kind == ContactKind.email and not c.person_name and c.organisation_id in orgs
                    and c.value.split("@", 1)[0].lower() in locals_):
                found[c.id] = c  # type: ignore[index]
    else:
        domain = key
        org_ids = set(session.exec(select(Organisation.id).where(Organisation.domain == domain)).all())
        for c in session.exec(select(Contact)).all():
            on_domain = c.kind == ContactKind.email and (
                _email_domain(c.value) == domain or _email_domain(c.value).endswith("." + domain))
            if on_domain or c.organisation_id in org_ids:
                found[c.id] = c  # type: ignore[index]
    return sorted(found.values(), key=lambda c: c.id or 0)


@dataclass
class Targets:
    """What to look for in free text: emails, email domains, names."""

    emails: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)

    def kw(self) -> dict[str, list[str]]:
        return {"emails": self.emails, "domains": self.domains, "people": self.people}

    def __bool__(self) -> bool:
        return bool(self.emails or self.domains or self.people)


def text_targets(subject: Subject, contacts: list[Contact]) -> Targets:
    """The subject and the emails/names of its contacts, to find in facts, notes and archives."""
    t = Targets()
    if subject.kind is SuppressionKind.domain:
        t.domains.append(subject.key)
        return t
    if subject.kind is SuppressionKind.email:
        t.emails.append(subject.key)
    else:
        t.people.append(subject.value)
    for c in contacts:
        if c.kind == ContactKind.email and c.value.lower() not in t.emails:
            t.emails.append(c.value.lower())
        who = _person_of(c)
        if who and person_key(who) not in {person_key(p) for p in t.people}:
            t.people.append(who)
    return t


@dataclass
class ArchiveOutcome:
    path: str
    status: str  # rewritten | unchanged | read-only | missing | error | busy
    records_removed: int = 0
    action: str | None = None  # what the user must do when the file still holds the data


@dataclass
class ForgetReport:
    subject: Subject
    counts: Counter = field(default_factory=Counter)  # table -> rows erased or redacted
    suppressions_added: list[tuple[str, str]] = field(default_factory=list)
    targets: Targets = field(default_factory=Targets)
    archives: list[ArchiveOutcome] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": {"kind": self.subject.kind.value, "value": self.subject.value,
                        "organisation_id": self.subject.org_id},
            "erased": dict(sorted(self.counts.items())),
            "suppressions_added": [{"kind": k, "value": v} for k, v in self.suppressions_added],
            "archives": [vars(a) for a in self.archives],
            "archives_still_holding": [a.path for a in self.archives
                                       if a.status in ("read-only", "missing", "error", "busy")],
        }


def _redact_rows(session: Session, report: ForgetReport, rows: list[Any], attr: str, table: str) -> None:
    kw = report.targets.kw()
    for row in rows:
        text = getattr(row, attr)
        if mentions(text, **kw):
            setattr(row, attr, redact(text, **kw))
            session.add(row)
            report.counts[table] += 1


def _redact_facts(session: Session, report: ForgetReport, org_ids: set[int] | None) -> None:
    """Fact values naming the subject are redacted; one that then equals another is dropped."""
    kw = report.targets.kw()
    query = select(OrganisationFact)
    if org_ids is not None:
        query = query.where(OrganisationFact.organisation_id.in_(org_ids))  # type: ignore[attr-defined]
    for fact in session.exec(query).all():
        if not mentions(fact.value, **kw):
            continue
        value = redact(fact.value, **kw)
        twin = session.exec(select(OrganisationFact.id).where(
            OrganisationFact.organisation_id == fact.organisation_id,
            OrganisationFact.field == fact.field, OrganisationFact.value == value,
            OrganisationFact.id != fact.id,
            OrganisationFact.source_url.is_(None) if fact.source_url is None  # type: ignore[union-attr]
            else OrganisationFact.source_url == fact.source_url)).first()
        if twin is not None:
            session.delete(fact)
        else:
            fact.value = value
            session.add(fact)
        report.counts["organisationfact"] += 1


def _add_suppression(session: Session, report: ForgetReport, kind: SuppressionKind, value: str,
                     reason: str, forgotten_with: str | None = None) -> None:
    key = normalise(kind, value)
    if not key:
        return
    exists = session.exec(select(Suppression.id).where(Suppression.kind == kind,
                                                       Suppression.value == key)).first()
    if exists is None:
        session.add(Suppression(kind=kind, value=key, reason=reason, forgotten_with=forgotten_with))
        session.flush()
        report.suppressions_added.append((kind.value, key))


def forget(session: Session, subject: Subject, *, reason: str | None = None) -> ForgetReport:
    """Erase the subject's personal data and add the suppressions; the caller commits (or not)."""
    report = ForgetReport(subject)
    reason = reason or DEFAULT_REASON
    hold_list(session, exclusive=True)  # PostgreSQL: no harvest batch stores a contact meanwhile
    contacts = matching_contacts(session, subject)
    report.targets = text_targets(subject, contacts)
    contact_ids = [c.id for c in contacts]
    if contact_ids:
        uses = session.exec(select(ContactUse).where(ContactUse.contact_id.in_(contact_ids))).all()  # type: ignore[attr-defined]
        for use in uses:
            session.delete(use)
        if uses:
            report.counts["contactuse"] += len(uses)
        session.flush()
        for c in contacts:
            session.delete(c)
        report.counts["contact"] += len(contacts)
        session.flush()

    org_scope = {subject.org_id} if subject.org_id is not None else None
    _redact_facts(session, report, org_scope)
    orgs = session.exec(select(Organisation) if org_scope is None else
                        select(Organisation).where(Organisation.id == subject.org_id)).all()
    _redact_rows(session, report, list(orgs), "description", "organisation")
    _redact_rows(session, report, list(orgs), "notes", "organisation")
    events = select(MeetupEvent) if org_scope is None else select(MeetupEvent).where(
        MeetupEvent.group_id == subject.org_id)
    _redact_rows(session, report, list(session.exec(events).all()), "title", "meetupevent")
    decisions = select(Decision) if org_scope is None else select(Decision).where(
        Decision.organisation_id == subject.org_id)
    _redact_rows(session, report, list(session.exec(decisions).all()), "note", "decision")
    _forget_referrals(session, report)
    _forget_pages(session, report)
    session.flush()

    _add_suppression(session, report, subject.kind, subject.value, reason)
    if subject.kind is not SuppressionKind.domain:
        # Their addresses (one may carry no name on the page) and, for an email, its owner; each
        # names the request it came from (`forgotten_with`), so `subject-access` can still show
        # the whole entry once the contacts that linked them are gone.
        request = suppression_link(subject.kind, subject.value)
        for email in report.targets.emails:
            _add_suppression(session, report, SuppressionKind.email, email, reason, request)
        for who in report.targets.people if subject.kind is SuppressionKind.email else ():
            _add_suppression(session, report, SuppressionKind.person, who, reason, request)
    return report


def suppression_link(kind: SuppressionKind | str, value: str) -> str:
    """A request as a derived do-not-contact entry names it (`Suppression.forgotten_with`):
    "KIND VALUE", the value normalised ("person jane doe")."""
    kind = SuppressionKind(kind)
    return f"{kind.value} {normalise(kind, value)}"


def _entries(keys: set[tuple[str, str]]) -> sa.ColumnElement[bool]:
    """SQL: the entry is one of these (kind, normalised value) pairs."""
    return sa.or_(sa.false(), *[sa.and_(Suppression.kind == SuppressionKind(k), Suppression.value == v)
                                for k, v in sorted(keys)])


def related_suppressions(session: Session, keys: set[tuple[str, str]]) -> list[Suppression]:
    """Do-not-contact entries for these (kind, normalised value) pairs, and the entries `forget`
    added with them (an address of a forgotten person, the owner of a forgotten address): those
    naming one of them, or named by one of them, in `forgotten_with`."""
    if not keys:
        return []
    direct = session.exec(select(Suppression).where(_entries(keys))).all()
    wanted = {(str(enum_value(r.kind)), r.value) for r in direct}
    wanted |= {(k, v) for k, _, v in (r.forgotten_with.partition(" ") for r in direct if r.forgotten_with)}
    requests = sorted({suppression_link(k, v) for k, v in wanted})
    return list(session.exec(select(Suppression).where(
        sa.or_(_entries(wanted), Suppression.forgotten_with.in_(requests)))  # type: ignore[union-attr]
        .order_by(Suppression.id)).all())


def _forget_referrals(session: Session, report: ForgetReport) -> None:
    """A referral of the person alone goes; one of an organisation keeps the organisation."""
    kw = report.targets.kw()
    keys = {person_key(p) for p in report.targets.people}
    for ref in session.exec(select(Referral)).all():
        named = bool(ref.person_name) and person_key(ref.person_name or "") in keys
        noted = mentions(ref.note, **kw) or mentions(ref.to_name, **kw)
        if not (named or noted):
            continue
        if named and ref.to_organisation_id is None and not ref.to_name and not ref.to_url:
            session.delete(ref)
        else:
            ref.person_name = None if named else ref.person_name
            ref.note = redact(ref.note, **kw) if ref.note else ref.note
            ref.to_name = redact(ref.to_name, **kw) if ref.to_name else ref.to_name
            session.add(ref)
        report.counts["referral"] += 1


def _forget_pages(session: Session, report: ForgetReport) -> None:
    """Page rows whose URL carries the address (a web form's ?email=, a profile path) go."""
    if not (report.targets.emails or report.targets.domains):
        return
    kw = {"emails": report.targets.emails, "domains": report.targets.domains}
    for page in session.exec(select(Page).where(Page.url.contains("@") | Page.url.contains("%40")  # type: ignore[union-attr]
                                                | Page.url.contains("&#"))).all():
        if mentions(page.url, **kw) or mentions(page.final_url, **kw):
            session.delete(page)
            report.counts["page"] += 1


# ---------------------------------------------------------------- WARC archives


def archive_paths(session: Session, extra: list[Path] | tuple[Path, ...] = ()) -> list[Path]:
    """The WARC files harvests wrote (HarvestRun.arguments["archive"]) and any given, once each."""
    seen: dict[str, Path] = {}
    for args in session.exec(select(HarvestRun.arguments)).all():
        path = (args or {}).get("archive")
        if isinstance(path, str) and path:
            seen.setdefault(os.path.abspath(path), Path(path))
    for path in extra:
        seen.setdefault(os.path.abspath(path), Path(path))
    return list(seen.values())


def record_predicate(targets: Targets):
    """Whether a WARC record holds the data: its URL or its body names a target. For a domain,
    also every record of a page on that domain (the pages listed its people)."""
    kw = targets.kw()

    def holds(entry: Any) -> bool:
        uri = entry.target_uri or ""
        if targets.domains and registrable_domain(uri) in targets.domains:
            return True
        if mentions(uri, **kw):
            return True
        body = entry.body.decode("utf-8", "replace") if entry.body else ""
        return mentions(body, **kw)

    return holds


@contextmanager
def archives_in_use(engine: Engine) -> Iterator[dict[str, int]]:
    """Around rewriting archives: hold the harvest lock so that no harvest starts appending to one
    meanwhile, and yield the archives a running harvest is writing (absolute path -> its run id),
    which must not be rewritten: the harvest appends to the file it opened, so a rewritten copy
    would lose every record it writes afterwards (and those written during the rewrite)."""
    from harvester.errors import LockHeld
    from harvester.locking import acquire
    from harvester.workers import active_workers

    try:
        held = acquire(engine, "harvest", what="forget")
    except LockHeld:
        held = None
    try:
        busy: dict[str, int] = {}
        if held is None or active_workers(engine):
            with Session(engine) as s:
                for run_id, args in s.exec(select(HarvestRun.id, HarvestRun.arguments).where(
                        HarvestRun.status == RunStatus.running)).all():
                    path = (args or {}).get("archive")
                    if isinstance(path, str) and path:
                        busy[os.path.abspath(path)] = run_id
        yield busy
    finally:
        if held is not None:
            held.release()


def erase_from_archives(report: ForgetReport, paths: list[Path], *,
                        busy: dict[str, int] | None = None) -> None:
    """Rewrite each archive without the records holding the subject's data; files that cannot be
    rewritten (or that a running harvest is writing: `busy`, from `archives_in_use`) are listed
    with what to do. Appends to report.archives."""
    from harvester.fetch.archive import rewrite_without

    predicate = record_predicate(report.targets)
    for path in paths:
        run_id = (busy or {}).get(os.path.abspath(path))
        if run_id is not None:
            report.archives.append(ArchiveOutcome(
                str(path), "busy", action=f"a running harvest (run {run_id}) is writing it, so it was "
                "not rewritten and still holds the data: run forget again when the harvest ends"))
            continue
        if not path.exists():
            report.archives.append(ArchiveOutcome(
                str(path), "missing", action="recorded by a harvest but not found: if it was moved, "
                "delete it or run forget again with --archive NEW_PATH"))
            continue
        if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
            report.archives.append(ArchiveOutcome(
                str(path), "read-only", action="read-only: it still holds the data; delete the file "
                "or make it writable and run forget again"))
            continue
        try:
            removed = rewrite_without(path, predicate)
        except (OSError, ValueError) as exc:
            report.archives.append(ArchiveOutcome(
                str(path), "error", action=f"could not be rewritten ({exc}); delete the file"))
            continue
        report.archives.append(ArchiveOutcome(str(path), "rewritten" if removed else "unchanged",
                                              records_removed=removed))
