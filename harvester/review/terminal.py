"""The candidate queue in the terminal: one candidate at a time, one key per decision.

Keys: a accept, r reject, d defer, n note (asks for the text), s skip, q quit. Every decision is
written at once (harvester.decisions.record_decision, then commit), so quitting or a crash loses
nothing. In a terminal a single key press is enough; when input comes from a pipe (scripts, tests)
each key is one line. Input is read through injectable functions, so tests drive the loop.

The queue is the snowball proposal computed when the review starts (ranked candidates, best
first); it is not re-ranked after each decision: run `harvester review` again for a fresh ranking.
Scraped text (names, reasons, contacts) is shown as plain text, never as rich markup.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from sqlmodel import Session, select

from harvester.models import ContactUse, DecisionKind, Organisation, Relation
from harvester.plain_text import plain

KEYS = {"a": DecisionKind.accept, "r": DecisionKind.reject, "d": DecisionKind.defer}
HELP = "a accept · r reject · d defer · n note · s skip · q quit"
MAX_EVIDENCE = 5


@dataclass
class ReviewSummary:
    """What a review session did, for the closing line."""

    shown: int = 0
    decisions: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    quit_early: bool = False
    conflicts: int = 0  # keys not recorded: another reviewer decided the candidate meanwhile

    def line(self) -> str:
        done = ", ".join(f"{n} {kind}" for kind, n in sorted(self.decisions.items())) or "no decisions"
        clash = (f", {self.conflicts} not recorded (decided elsewhere meanwhile)"
                 if self.conflicts else "")
        return f"Reviewed {self.shown} candidate(s): {done}, {self.skipped} skipped{clash}."


def line_reader(stream=None) -> Callable[[str], str]:
    """Read one line (without its newline) after printing `prompt` on stderr; '' at end of input."""

    def read(prompt: str) -> str:
        source = stream or sys.stdin
        sys.stderr.write(prompt)
        sys.stderr.flush()
        line = source.readline()
        if not line:
            raise EOFError
        return line.rstrip("\r\n")

    return read


def key_reader() -> Callable[[str], str]:
    """One key press in a terminal (no Enter needed); one line per key from a pipe."""
    if not sys.stdin.isatty():
        return line_reader()
    import click

    def read(prompt: str) -> str:
        sys.stderr.write(prompt)
        sys.stderr.flush()
        key = click.getchar(echo=False)
        sys.stderr.write(key + "\n")
        if key in ("\x03", "\x04"):  # Ctrl-C, Ctrl-D
            raise EOFError
        return key

    return read


def evidence_links(session: Session, org_id: int, limit: int = MAX_EVIDENCE) -> list[tuple[str, str, str]]:
    """(other organisation's name, relation kind, evidence URL) for the strongest relations."""
    other = sa.case((Relation.source_id == org_id, Relation.target_id), else_=Relation.source_id)
    rows = session.exec(
        select(Organisation.name, Relation.kind, Relation.evidence_url, Relation.source_id)
        .join(Organisation, Organisation.id == other)
        .where(sa.or_(Relation.source_id == org_id, Relation.target_id == org_id),
               Relation.evidence_url.is_not(None))
        .order_by(Relation.count.desc(), Relation.id).limit(limit)).all()
    links = []
    for name, kind, url, source in rows:
        kind = getattr(kind, "value", kind)
        arrow = f"{name} → this ({kind})" if source != org_id else f"this → {name} ({kind})"
        links.append((arrow, str(kind), url))
    return links


def _text(value: str, **kwargs) -> Text:
    """Untrusted text for the panel: never markup, never terminal control sequences."""
    return Text(plain(value), **kwargs)


def render(candidate, links: list[tuple[str, str, str]], position: int, total: int) -> Panel:
    """The candidate as a rich panel; every scraped string goes in as Text (never markup)."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    flags = [f for f, on in (("weak", candidate.weak), ("reconsider", candidate.reconsider),
                             ("deferred", getattr(candidate, "deferred", False)),
                             ("outside cluster", candidate.outside_cluster)) if on]
    table.add_row("Rank", _text(f"{candidate.rank}" + (f"  ({', '.join(flags)})" if flags else "")))
    table.add_row("Domain", _text(candidate.domain or "-"))
    table.add_row("Sector", _text(str(candidate.sector).replace("_", " ")))
    table.add_row("Domain areas", _text(", ".join(candidate.domain_areas) or "-"))
    table.add_row("Score", _text(f"{candidate.score:.2f}"))
    table.add_row("Why", _text(candidate.why or "-"))
    contact = candidate.contact.label() if candidate.contact else "none found"
    table.add_row("Contact", _text(contact))
    if candidate.quota:
        table.add_row("Quota", _text(candidate.quota))
    for i, (what, _kind, url) in enumerate(links):
        table.add_row("Evidence" if i == 0 else "", _text(f"{what}: {url}"))
    title = _text(f"{position}/{total}  {candidate.name}")
    return Panel(table, title=title, title_align="left", subtitle=HELP, subtitle_align="left")


def review(session: Session, candidates: list, *, reviewer: str | None = None,
           read_key: Callable[[str], str] | None = None, read_line: Callable[[str], str] | None = None,
           console: Console | None = None) -> ReviewSummary:
    """Show each candidate and record the reviewer's key; returns what was done."""
    from harvester.decisions import DecisionConflict, last_decision_ids, record_decision

    read_key = read_key or key_reader()
    read_line = read_line or line_reader()
    console = console or Console(stderr=True, highlight=False)
    summary = ReviewSummary()
    total = len(candidates)
    for position, candidate in enumerate(candidates, start=1):
        org = session.get(Organisation, candidate.organisation_id)
        if org is None:
            continue
        summary.shown += 1
        # The latest decision when shown: one made elsewhere (web page, `decide`) meanwhile is not
        # overwritten by this key press.
        seen = last_decision_ids(session, [org.id])[org.id]
        console.print(render(candidate, evidence_links(session, org.id), position, total))
        if candidate.contact and candidate.contact.contact_id:
            session.add(ContactUse(contact_id=candidate.contact.contact_id, purpose="review",
                                   detail="harvester review"))
            session.commit()
        while True:
            try:
                key = read_key("> ").strip().lower()[:1]
            except (EOFError, KeyboardInterrupt):
                key = "q"
            if key in KEYS:
                try:
                    record_decision(session, org, KEYS[key], reviewer=reviewer, seen=seen)
                except DecisionConflict as exc:
                    session.rollback()
                    summary.conflicts += 1
                    console.print(_text(str(exc), style="yellow"))
                    break  # on to the next candidate; `harvester explain` shows the history
                session.commit()
                kind = KEYS[key].value
                summary.decisions[kind] = summary.decisions.get(kind, 0) + 1
                console.print(_text(f"Saved: {kind} {org.name}", style="green"))
                break
            if key == "n":
                try:
                    text = read_line("Note: ").strip()
                except (EOFError, KeyboardInterrupt):
                    text = ""
                if text:
                    record_decision(session, org, DecisionKind.note, note=text, reviewer=reviewer)
                    session.commit()
                    summary.decisions["note"] = summary.decisions.get("note", 0) + 1
                    console.print(_text("Note saved.", style="green"))
                continue
            if key == "s":
                summary.skipped += 1
                break
            if key == "q":
                summary.quit_early = True
                return summary
            if key:
                console.print(_text(f"Unknown key {key!r}. Keys: {HELP}", style="yellow"))
    if not candidates:
        console.print("No candidates to review: harvest first (`harvester harvest`), "
                      "or accept more organisations.")
    else:
        console.print("End of the queue.")
    return summary


def review_cluster(session: Session, *, cluster: str | None = None, reviewer: str | None = None,
                   top: int | None = None, **io) -> ReviewSummary:
    """Compute the proposal for `cluster` and review its ranked candidates."""
    from harvester.snowball import propose

    proposal = propose(session, cluster=cluster, top=top, record_use=False)
    return review(session, list(proposal.candidates), reviewer=reviewer, **io)
