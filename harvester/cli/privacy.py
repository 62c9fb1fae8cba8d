"""`harvester forget`, `suppress import|list`, `subject-access`, `prune` and `explain`: data
protection and the audit trail (harvester.privacy)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text
from sqlmodel import Session

from harvester.cli.app import JsonOpt, app, err, note, out, plain, print_json, safe_text, state
from harvester.errors import BadInput

suppress_app = typer.Typer(help="The do-not-contact list (emails, domains, people), honoured by "
                           "harvest, propose, review and export.\n\n"
                           "Example: harvester suppress import do-not-contact.csv && harvester suppress list",
                           no_args_is_help=True,
                           rich_markup_mode=None)
app.add_typer(suppress_app, name="suppress")


def _org_id(session: Session, ref: str | None) -> int | None:
    if not ref:
        return None
    from harvester.decisions import find_organisation

    return find_organisation(session, ref).id


@app.command()
def forget(
    ctx: typer.Context,
    email: Annotated[str | None, typer.Option("--email", help="Forget this email address.")] = None,
    person: Annotated[str | None, typer.Option("--person", help="Forget this person (by name).")] = None,
    domain: Annotated[str | None, typer.Option(
        "--domain", help="Forget every email on this domain and every contact of the organisation "
        "whose website it is.")] = None,
    org: Annotated[str | None, typer.Option(
        "--org", help="With --person: only at this organisation (id, domain or URL).")] = None,
    reason: Annotated[str | None, typer.Option(
        "--reason", help="Why (kept with the do-not-contact entry). Default: 'forget request'.")] = None,
    archive: Annotated[list[Path] | None, typer.Option(
        "--archive", help="Also rewrite this WARC file (repeatable); archives written by "
        "`harvest --archive` are found by themselves.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Erase a person's data (contacts, names in facts and notes, WARC records) and add them to
    the do-not-contact list so later harvests never store them again. Organisation facts stay.

    Prints what was erased per table, and the archives that still hold the data (read-only or
    missing files: delete them yourself).

    Example: harvester forget --email jane.doe@example.org --reason "asked by email 2026-05-01" --yes
    """
    from harvester.privacy.forget import Subject, archive_paths, archives_in_use, erase_from_archives
    from harvester.privacy.forget import forget as run_forget

    engine = state(ctx).engine()
    with Session(engine) as session:
        subject = Subject.parse(email=email, person=person, domain=domain)
        if org:
            subject = Subject.parse(person=person, org_id=_org_id(session, org)) if person else \
                Subject.parse(email=email, domain=domain, org_id=0)  # says --org needs --person
        if not yes:
            # A preview, rolled back before the question: nothing is held while it waits (on
            # PostgreSQL the do-not-contact list's lock would stop every harvest batch).
            preview = run_forget(session, subject, reason=reason)
            paths = archive_paths(session, archive or [])
            session.rollback()
            _print_counts(preview.as_dict()["erased"], title="To be erased")
            try:
                agreed = typer.confirm(f"Erase this and add {subject.kind.value} {subject.value!r} to "
                                       f"the do-not-contact list ({len(paths)} archive(s) to rewrite)?")
            except typer.Abort:  # no answer: standard input closed (a script, cron)
                raise BadInput("forget got no answer to its question; nothing changed. Add --yes to "
                               "erase without asking") from None
            if not agreed:
                note(ctx, "Nothing changed.")
                raise typer.Exit(1)
        report = run_forget(session, subject, reason=reason)
        paths = archive_paths(session, archive or [])
        session.commit()
    with archives_in_use(engine) as busy:  # an archive a running harvest writes is left alone
        erase_from_archives(report, paths, busy=busy)
    data = report.as_dict()
    if json_:
        print_json(data)
    else:
        _print_counts(data["erased"], title=f"Erased: {subject.kind.value} {subject.value}")
        for kind, value in report.suppressions_added:
            note(ctx, f"Added to the do-not-contact list: {kind} {value}")
        for a in report.archives:
            if a.status in ("rewritten", "unchanged"):
                note(ctx, f"Archive {a.path}: {a.records_removed} record(s) removed")
    for a in report.archives:
        if a.action:
            err.print(Text.assemble(("Still holds the data: ", "bold"), plain(f"{a.path}: {a.action}")))


def _print_counts(counts: dict[str, int], *, title: str) -> None:
    err.print(safe_text(title, style="bold"))
    table = Table("table", "rows")
    for name, n in counts.items():
        table.add_row(name, str(n))
    if not counts:
        table.add_row("(nothing held)", "0")
    err.print(table)


@suppress_app.command("import")
def suppress_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV with columns kind,value[,reason]; kind is email, "
                                         "domain or person.")],
) -> None:
    """Add a do-not-contact list from a CSV file. A bad row stops the import (nothing is added) with
    FILE:LINE; rows already listed are skipped, so importing twice is safe.

    Example: harvester suppress import do-not-contact.csv
    """
    from harvester.db import session_scope
    from harvester.privacy.suppress_io import import_suppressions, read_suppressions

    rows = read_suppressions(file)
    with session_scope(state(ctx).engine()) as session:
        added, already = import_suppressions(session, rows)
    note(ctx, f"{added} added to the do-not-contact list, {already} already on it.")


@suppress_app.command("list")
def suppress_list(ctx: typer.Context, json_: JsonOpt = False) -> None:
    """Show the do-not-contact list.

    Example: harvester suppress list --json
    """
    from harvester.privacy.suppress_io import entry_reason, list_suppressions

    with Session(state(ctx).engine()) as session:
        rows = list_suppressions(session)
    if json_:
        print_json(rows)
        return
    if not rows:
        note(ctx, "The do-not-contact list is empty.")
        return
    table = Table("kind", "value", "reason", "added (UTC)")
    for r in rows:
        table.add_row(r["kind"], safe_text(r["value"]), safe_text(entry_reason(r) or "-"),
                      (r["created_at"] or "-")[:16])
    out.print(table)


@app.command("subject-access")
def subject_access(
    ctx: typer.Context,
    email: Annotated[str | None, typer.Option("--email", help="The person's email address.")] = None,
    person: Annotated[str | None, typer.Option("--person", help="The person's name.")] = None,
    json_: JsonOpt = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this "
                                                "file instead of stdout.")] = None,
) -> None:
    """Everything held about one person across organisations: contacts with their source pages and
    dates, mentions, referrals, and what the data was used for (proposals, exports).

    The text report is Markdown, suitable to send to the person.

    Example: harvester subject-access --person "Jane Doe" -o jane-doe.md
    """
    from harvester.cli.export import refuse_database_target
    from harvester.privacy.forget import Subject
    from harvester.privacy.subject_access import render_text
    from harvester.privacy.subject_access import subject_access as run_access

    if bool(email) == bool(person):
        raise BadInput("give exactly one of --email or --person")
    subject = Subject.parse(email=email, person=person)
    if output is not None:
        refuse_database_target(output)
    with Session(state(ctx).engine()) as session:
        report = run_access(session, subject)
    text = (json.dumps(report, indent=2, ensure_ascii=False) + "\n") if json_ else render_text(report)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except IsADirectoryError:
            raise BadInput(f"{output}: is a folder; give a file name such as {output}/report.md") from None
        except OSError as exc:
            raise BadInput(f"cannot write {output}: {exc.strerror}") from None
        note(ctx, f"Written {output} ({len(report['contacts'])} contact(s)).")
    else:
        typer.echo(plain(text), nl=False)


@app.command()
def prune(
    ctx: typer.Context,
    days: Annotated[int | None, typer.Option("--days", min=0, max=36_500, help="Keep this many days after an "
                                             "organisation was last seen. Default: retention_days "
                                             "in harvester.toml (365).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would go.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Delete personal contact data (named people, their emails and phones) of organisations never
    accepted, contacted or interviewed and not seen for the retention period. Role addresses such
    as info@ and organisation facts are kept.

    Example: harvester prune --days 365 --dry-run
    """
    from harvester.db import session_scope
    from harvester.privacy.retention import prune as run_prune

    keep = days if days is not None else state(ctx).config().retention_days
    with session_scope(state(ctx).engine()) as session:
        report = run_prune(session, days=keep, dry_run=dry_run)
        if dry_run:
            session.rollback()
    data = report.as_dict()
    if json_:
        print_json(data)
        return
    verb = "Would remove" if dry_run else "Removed"
    by_kind = ", ".join(f"{n} {k}" for k, n in data["contacts"].items()) or "nothing"
    note(ctx, f"{verb} {data['contacts_total']} personal contact(s) ({by_kind}) of "
              f"{data['organisations']} organisation(s) last seen before {data['cutoff'][:10]}; "
              f"{data['kept_generic']} role address(es) kept.")


@app.command()
def explain(
    ctx: typer.Context,
    org: Annotated[str, typer.Argument(help="The organisation: id, domain, URL or Meetup urlname.")],
    json_: JsonOpt = False,
) -> None:
    """Every fact about one organisation with its provenance: page, run, time, and the rule or
    reviewer that decided it — the audit trail for a reviewer or an ethics board.

    Example: harvester explain harbourside-games.co.uk
    """
    from harvester.decisions import find_organisation
    from harvester.privacy.explain import explain as run_explain
    from harvester.privacy.explain import render_text

    with Session(state(ctx).engine()) as session:
        report = run_explain(session, find_organisation(session, org))
    if json_:
        print_json(report)
    else:
        typer.echo(plain(render_text(report)), nl=False)
