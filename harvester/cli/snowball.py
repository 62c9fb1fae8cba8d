"""`harvester propose`, `decide`, `referral add` and `quota set|list`: the snowball commands."""

from __future__ import annotations

from typing import Annotated

import typer

from harvester.cli.app import ClusterOpt, JsonOpt, app, cluster_id, note, out, print_json, safe_text, state

DEFAULT_TOP = 20

referral_app = typer.Typer(help="Record who interviewees referred (the strongest snowball edges).\n\n"
                           "Example: harvester referral add --from watershed.co.uk --to "
                           "https://www.ukie.org.uk/ --person \"Jo Bloggs\"",
                           no_args_is_help=True, rich_markup_mode=None)
quota_app = typer.Typer(help="Recruitment quotas per cluster and sector group.\n\n"
                        "Example: harvester quota set bristol third_sector 5 && harvester quota list",
                        no_args_is_help=True, rich_markup_mode=None)
app.add_typer(referral_app, name="referral")
app.add_typer(quota_app, name="quota")


@app.command()
def propose(
    ctx: typer.Context,
    cluster: ClusterOpt = None,
    top: Annotated[int, typer.Option(
        "--top", "-n", min=1, help=f"Show this many candidates. Default: {DEFAULT_TOP}.")] = DEFAULT_TOP,
    json_: JsonOpt = False,
    weak: Annotated[bool, typer.Option("--weak", help="Also show weak candidates (linked from fewer "
                                       "than 2 included organisations), after the ranked ones.")] = False,
    record: Annotated[bool, typer.Option("--record/--no-record", help="Log the proposed contacts for "
                                         "subject access and mark proposed organisations as "
                                         "candidates. Default: --record.")] = True,
) -> None:
    """Rank the organisations to approach for the next wave, with reasons and whom to write to.

    Score = weighted sum of co_link, bridging, balance, locality, activity and contactability
    (weights in the [snowball] table of harvester.toml; see the README).

    Example: harvester propose --cluster bristol --top 10
    """
    from harvester.db import session_scope
    from harvester.snowball import propose as run_propose
    from harvester.snowball.weights import Weights

    weights = Weights.load()
    with session_scope(state(ctx).engine()) as session:
        proposal = run_propose(session, cluster=cluster, top=top, weights=weights, record_use=record)
    shown = proposal.candidates + (proposal.weak if weak else [])
    if json_:
        print_json([c.to_json() for c in shown])
    else:
        _table(proposal, shown)
        if not weak and proposal.weak:
            note(ctx, f"{len(proposal.weak)} weak candidate(s) not shown (linked from fewer than "
                 f"{weights.weak_threshold} included organisations): add --weak to see them.")
    sat = proposal.saturation
    note(ctx, f"Wave {proposal.wave}: {sat.message}.")


def _table(proposal, shown) -> None:
    from rich.table import Table

    title = f"Proposal for wave {proposal.wave}" + (f" of {proposal.cluster}" if proposal.cluster else "")
    table = Table("rank", "organisation", "sector", "domain areas", "score", "why", "proposed contact",
                  title=title, show_lines=True)
    for c in shown:
        name = c.name + (f"\n{c.domain}" if c.domain else "") + (" (weak)" if c.weak else "")
        # Text, not str: names, reasons and contacts are scraped and must not act as rich markup.
        table.add_row(str(c.rank), safe_text(name), c.sector.replace("_", " "),
                      safe_text(", ".join(c.domain_areas) or "-"), f"{c.score:.2f}", safe_text(c.why),
                      safe_text(c.contact.label() if c.contact else "-"))
    if not shown:
        out.print("No candidates yet: harvest first (`harvester harvest`), or accept more organisations.")
        return
    out.print(table)


@app.command()
def decide(
    ctx: typer.Context,
    org: Annotated[str, typer.Argument(help="The organisation: id, domain, URL or Meetup group.")],
    decision: Annotated[str, typer.Argument(
        help="accept, reject, defer, contacted, interviewed, exclude, note, set-sector or set-name.")],
    value: Annotated[str | None, typer.Argument(
        help="The new sector (set-sector) or name (set-name).")] = None,
    note_: Annotated[str | None, typer.Option("--note", help="Why: kept with the decision.")] = None,
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="Who decides. Default: the "
                                                 "`reviewer` setting, else your login name.")] = None,
    amends: Annotated[int | None, typer.Option("--amends", help="Id of an earlier decision this one "
                                               "corrects (history is never rewritten).")] = None,
    json_: JsonOpt = False,
) -> None:
    """Record a review decision about one organisation (append-only, with who and when).

    Example: harvester decide watershed.co.uk accept --note "runs the Pervasive Media Studio"
    """
    from harvester.db import session_scope
    from harvester.decisions import decision_kind, find_organisation, record_decision

    kind = decision_kind(decision)
    if value is not None and kind.value not in ("set_sector", "set_name"):
        from harvester.errors import BadInput

        raise BadInput(f"{decision} takes no value (got {value!r}); put remarks in --note")
    who = reviewer if reviewer is not None else (state(ctx).config().reviewer or None)
    with session_scope(state(ctx).engine()) as session:
        target = find_organisation(session, org)
        row = record_decision(session, target, kind, note=note_, reviewer=who, value=value,
                              amends_id=amends)
        result = {"decision_id": row.id, "organisation_id": target.id, "name": target.name,
                  "decision": row.decision.value, "value": row.value, "status": str(target.status),
                  "wave": target.wave, "recruited_from_id": target.recruited_from_id,
                  "seed_id": target.seed_id, "reviewer": row.reviewer, "created_at": row.created_at}
    if json_:
        print_json(result)
        return
    wave = f", wave {result['wave']}" if result["wave"] is not None else ""
    said = result["decision"].replace("_", "-")  # as typed: set-sector, set-name
    said += f" {result['value']}" if result["value"] else ""
    note(ctx, f"Recorded {said} for {result['name']} (#{result['organisation_id']}): "
         f"status {result['status']}{wave} (decision {result['decision_id']}).")


@referral_app.command("add")
def referral_add(
    ctx: typer.Context,
    from_: Annotated[str, typer.Option("--from", help="The interviewee's organisation: id, domain or URL.")],
    to: Annotated[str, typer.Option("--to", help="The referred organisation: its URL, domain or name.")],
    person: Annotated[str | None, typer.Option("--person", help="A person named by the interviewee.")] = None,
    role: Annotated[str | None, typer.Option("--role", help="That person's role, if said.")] = None,
    note_: Annotated[str | None, typer.Option("--note", help="Context of the referral.")] = None,
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="Who records it. Default: the "
                                                 "`reviewer` setting, else your login name.")] = None,
) -> None:
    """Record that an interviewee referred an organisation (and perhaps a person) to talk to.

    Example: harvester referral add --from watershed.co.uk --to https://www.ukie.org.uk/ --person "Jo Bloggs"
    """
    from harvester.db import session_scope
    from harvester.referrals import add_referral

    who = reviewer if reviewer is not None else (state(ctx).config().reviewer or None)
    with session_scope(state(ctx).engine()) as session:
        result = add_referral(session, from_, to, person=person, role=role, note=note_, reviewer=who)
        target, created = result.target, result.created
        message = (f"Recorded referral {result.referral.id}: {target.name} (#{target.id}, "
                   f"{'new' if created else 'known'}, status {target.status})")
    if result.person_suppressed:
        message += f"; {person} is on the do-not-contact list and was not stored"
    note(ctx, message + ".")


@quota_app.command("set")
def quota_set(
    ctx: typer.Context,
    cluster: Annotated[str, typer.Argument(help="Cluster id, e.g. bristol.", callback=cluster_id)],
    sector: Annotated[str, typer.Argument(help="government, industry, university or third_sector.")],
    target: Annotated[int, typer.Argument(min=0, max=100_000,
                                          help="How many included organisations of that sector.")],
) -> None:
    """Set how many included organisations of a sector group a cluster should have.

    Example: harvester quota set bristol third_sector 5
    """
    from harvester.db import session_scope
    from harvester.recruitment import set_quota

    with session_scope(state(ctx).engine()) as session:
        q = set_quota(session, cluster, sector, target)
        note(ctx, f"Quota {q.cluster_id} {q.sector}: {q.target}.")


@quota_app.command("list")
def quota_list(ctx: typer.Context, cluster: ClusterOpt = None, json_: JsonOpt = False) -> None:
    """List quotas with how many included organisations fill each.

    Example: harvester quota list --cluster bristol
    """
    from sqlmodel import Session

    from harvester.recruitment import list_quotas

    with Session(state(ctx).engine()) as session:
        quotas = list_quotas(session, cluster)
    if json_:
        print_json([{"cluster": q.cluster, "sector": q.sector, "target": q.target, "included": q.included,
                     "remaining": q.remaining} for q in quotas])
        return
    if not quotas:
        note(ctx, "No quotas set: `harvester quota set CLUSTER SECTOR N`.")
        return
    from rich.table import Table

    table = Table("cluster", "sector", "target", "included", "remaining")
    for q in quotas:
        table.add_row(q.cluster, q.sector, str(q.target), str(q.included), str(q.remaining))
    out.print(table)
