"""Subject access (UK GDPR Article 15): everything held about one person, and what it was used for.

    subject_access(session, subject) -> dict          stable JSON (README "subject-access")
    render_text(report) -> str                        a Markdown report to send to the person

Looks in every table that can hold a person: contacts (matched as `forget` matches them, across
all organisations), fact values, organisation descriptions and notes, Meetup event titles and
organiser/host entries, referrals and decision notes naming them; ContactUse rows (proposals,
exports) of their contacts; and whether they are on the do-not-contact list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from harvester.export import enum_value
from harvester.models import (
    ContactUse,
    Decision,
    HarvestRun,
    MeetupEvent,
    Organisation,
    OrganisationFact,
    OrgKind,
    Referral,
    Suppression,
    SuppressionKind,
)
from harvester.privacy.forget import (
    Subject,
    matching_contacts,
    name_email_locals,
    related_suppressions,
    text_targets,
)
from harvester.privacy.suppress_io import entry_reason
from harvester.suppression import is_suppressed, mentions, normalise, person_key

MEETUP_ROLES = ("organiser", "co-organiser", "event host")


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat() if ts else None


def _org(orgs: dict[int, Organisation], session: Session, org_id: int | None) -> dict[str, Any] | None:
    if org_id is None:
        return None
    if org_id not in orgs:
        org = session.get(Organisation, org_id)
        if org is None:
            return {"id": org_id}
        orgs[org_id] = org
    org = orgs[org_id]
    return {"id": org.id, "name": org.name, "domain": org.domain, "meetup_urlname": org.meetup_urlname,
            "kind": str(org.kind.value if hasattr(org.kind, "value") else org.kind)}


def _run(session: Session, run_id: int | None) -> dict[str, Any] | None:
    if run_id is None:
        return None
    run = session.get(HarvestRun, run_id)
    return {"id": run_id, "kind": run.kind if run else None,
            "started_at": _iso(run.started_at) if run else None}


def subject_access(session: Session, subject: Subject) -> dict[str, Any]:
    """Every piece of personal data held about the subject, with its source and use."""
    orgs: dict[int, Organisation] = {}
    contacts = matching_contacts(session, subject)
    targets = text_targets(subject, contacts)
    kw = targets.kw()
    contact_rows = []
    uses = []
    for c in contacts:
        org = _org(orgs, session, c.organisation_id)
        meetup = bool(org and org.get("kind") == OrgKind.meetup_group.value)
        contact_rows.append({
            "id": c.id, "kind": str(c.kind.value if hasattr(c.kind, "value") else c.kind),
            "value": c.value, "person_name": c.person_name, "role": c.role, "organisation": org,
            "meetup_organiser": meetup and (c.role or "").lower() in MEETUP_ROLES,
            "source_url": c.source_url, "first_seen": _iso(c.first_seen),
            "last_seen": _iso(c.last_seen), "run": _run(session, c.run_id)})
        for use in session.exec(select(ContactUse).where(ContactUse.contact_id == c.id)
                                .order_by(ContactUse.at)).all():
            uses.append({"contact_id": c.id, "contact": c.value, "purpose": use.purpose,
                         "detail": use.detail, "at": _iso(use.at)})
    facts = [{"organisation": _org(orgs, session, f.organisation_id), "field": f.field,
              "value": f.value, "source_url": f.source_url, "rule": f.rule,
              "run": _run(session, f.run_id), "first_seen": _iso(f.first_seen),
              "last_seen": _iso(f.last_seen)}
             for f in session.exec(select(OrganisationFact).order_by(OrganisationFact.id)).all()
             if targets and mentions(f.value, **kw)]
    texts = []
    for org in session.exec(select(Organisation).order_by(Organisation.id)).all():
        for attr in ("description", "notes"):
            if targets and mentions(getattr(org, attr), **kw):
                texts.append({"organisation": _org(orgs, session, org.id), "field": attr,
                              "value": getattr(org, attr)})
    events = [{"organisation": _org(orgs, session, e.group_id), "event": e.title, "url": e.url,
               "source_url": e.source_url, "first_seen": _iso(e.first_seen),
               "last_seen": _iso(e.last_seen)}
              for e in session.exec(select(MeetupEvent).order_by(MeetupEvent.id)).all()
              if targets and mentions(e.title, **kw)]
    keys = {person_key(p) for p in targets.people}
    referrals = [{"id": r.id, "from": _org(orgs, session, r.from_organisation_id),
                  "to": _org(orgs, session, r.to_organisation_id), "person_name": r.person_name,
                  "note": r.note, "reviewer": r.reviewer, "created_at": _iso(r.created_at)}
                 for r in session.exec(select(Referral).order_by(Referral.id)).all()
                 if (r.person_name and person_key(r.person_name) in keys) or mentions(r.note, **kw)]
    decisions = [{"id": d.id, "organisation": _org(orgs, session, d.organisation_id),
                  "decision": str(d.decision.value if hasattr(d.decision, "value") else d.decision),
                  "note": d.note, "reviewer": d.reviewer, "created_at": _iso(d.created_at)}
                 for d in session.exec(select(Decision).order_by(Decision.id)).all()
                 if targets and mentions(d.note, **kw)]
    suppressed = {
        "email": bool(targets.emails) and any(is_suppressed(session, email=e) for e in targets.emails),
        "person": any(is_suppressed(session, person=p) for p in targets.people),
    }
    if subject.kind is SuppressionKind.email:
        suppressed["email"] = is_suppressed(session, email=subject.value)
    # The do-not-contact entries about them are data held about them too: after `forget` they are
    # all that is left, and an address forgotten with the name (or the reverse) still counts.
    keys = {(subject.kind.value, normalise(subject.kind, subject.value))}
    keys |= {(SuppressionKind.email.value, normalise(SuppressionKind.email, e)) for e in targets.emails}
    keys |= {(SuppressionKind.person.value, normalise(SuppressionKind.person, p)) for p in targets.people}
    if subject.kind is SuppressionKind.person:
        # An address built from the name at an organisation where they appear, as `forget`
        # matches them (after `forget --email` the address is gone but the person is not).
        locals_ = name_email_locals(subject.value)
        domains = {o.domain for o in (session.get(Organisation, c.organisation_id) for c in contacts)
                   if o is not None and o.domain}
        for value in session.exec(select(Suppression.value).where(
                Suppression.kind == SuppressionKind.email)).all():
            local, _, domain = value.rpartition("@")
            if local in locals_ and any(domain == d or domain.endswith("." + d) for d in domains):
                keys.add((SuppressionKind.email.value, value))
    entries = [{"kind": str(enum_value(r.kind)), "value": r.value, "reason": r.reason,
                "forgotten_with": r.forgotten_with, "created_at": _iso(r.created_at)}
               for r in related_suppressions(session, keys)]
    for entry in entries:
        if entry["kind"] in suppressed:
            suppressed[entry["kind"]] = True
    organisations = sorted({(o["id"], o.get("name") or "") for o in
                            [c["organisation"] for c in contact_rows] if o}, key=lambda x: x[0])
    return {
        "subject": {"kind": subject.kind.value, "value": subject.value},
        "generated_at": _iso(datetime.now().astimezone()),
        "suppressed": suppressed,
        "suppressions": entries,
        "organisations": [{"id": i, "name": n} for i, n in organisations],
        "contacts": contact_rows,
        "facts": facts,
        "organisation_texts": texts,
        "meetup_events": events,
        "referrals": referrals,
        "decisions": decisions,
        "uses": uses,
    }


def _org_label(org: dict[str, Any] | None) -> str:
    if not org:
        return "-"
    where = org.get("domain") or (f"meetup.com/{org['meetup_urlname']}" if org.get("meetup_urlname")
                                  else None)
    return f"{org.get('name', '#' + str(org.get('id')))}" + (f" ({where})" if where else "")


def _source(contact: dict[str, Any], referred: bool) -> str:
    """Where a contact came from, truthfully: a web page, or (no page) a researcher's entry such
    as an interviewee's referral; the report goes to the person, who is owed the source."""
    if contact["source_url"]:
        return f"source {contact['source_url']}"
    return ("source: recorded by a researcher, not read from the web"
            + (" (a referral: see Referrals below)" if referred else ""))


def render_text(report: dict[str, Any]) -> str:
    """A plain Markdown report for the person: what is held, where it came from, how it was used."""
    s = report["subject"]
    lines = [f"# Personal data held about {s['value']}", "",
             f"Report generated {report['generated_at']}. Source: the harvester research database.",
             ""]
    empty = not any(report[k] for k in ("contacts", "facts", "organisation_texts", "meetup_events",
                                        "referrals", "decisions", "uses"))
    if empty:
        lines += ["No personal data about this person is held"
                  + (", apart from the do-not-contact entries below." if report.get("suppressions")
                     else "."), ""]
    if report["contacts"]:
        lines += ["## Contact details", "",
                  "Each was read from a public web page (the source) by the harvester, unless it "
                  "says it was recorded by a researcher.", ""]
        for c in report["contacts"]:
            role = f", {c['role']}" if c["role"] else ""
            name = f" ({c['person_name']})" if c["person_name"] and c["person_name"] != c["value"] else ""
            organiser = " — as a Meetup organiser/host" if c["meetup_organiser"] else ""
            run = f", harvest run {c['run']['id']}" if c["run"] else ""
            lines.append(f"- {c['kind']}: {c['value']}{name}{role} — {_org_label(c['organisation'])}"
                         f"{organiser}; {_source(c, bool(report['referrals']))}; first seen "
                         f"{c['first_seen']}, last seen {c['last_seen']}{run}")
        lines.append("")
    for key, title in (("facts", "Mentions in organisation facts"),
                       ("organisation_texts", "Mentions in organisation descriptions and notes"),
                       ("meetup_events", "Mentions in Meetup event titles")):
        if report[key]:
            lines += [f"## {title}", ""]
            for f in report[key]:
                label = f.get("field") or "event"
                value = f.get("value") or f.get("event")
                lines.append(f"- {_org_label(f['organisation'])}, {label}: {value!s:.200}"
                             + (f" (source {f['source_url']})" if f.get("source_url") else ""))
            lines.append("")
    if report["referrals"]:
        lines += ["## Referrals", ""]
        for r in report["referrals"]:
            lines.append(f"- referred by {_org_label(r['from'])} on {r['created_at']}"
                         + (f": {r['note']}" if r["note"] else ""))
        lines.append("")
    if report["decisions"]:
        lines += ["## Reviewers' notes", ""]
        for d in report["decisions"]:
            lines.append(f"- {_org_label(d['organisation'])}, {d['decision']} by {d['reviewer'] or '-'} "
                         f"on {d['created_at']}: {d['note']}")
        lines.append("")
    lines += ["## How it was used", ""]
    if report["uses"]:
        for u in sorted(report["uses"], key=lambda u: str(u["at"] or "")):  # one time line
            lines.append(f"- {u['purpose']} on {u['at']}: {u['contact']}"
                         + (f" ({u['detail']})" if u["detail"] else ""))
    else:
        lines.append("- not used in any proposal or export.")
    sup = report["suppressed"]
    lines += ["", "## Do-not-contact list", "",
              "On the do-not-contact list: " + ("yes" if any(sup.values()) else "no") + ". "
              "Entries on it are never stored, proposed or exported again.", ""]
    for entry in report.get("suppressions", []):
        why = entry_reason(entry)
        lines.append(f"- {entry['kind']}: {entry['value']}, added {entry['created_at']}"
                     + (f" ({why})" if why else ""))
    if report.get("suppressions"):
        lines.append("")
    return "\n".join(lines)
