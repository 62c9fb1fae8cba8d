"""`harvester review`: the candidate queue in the terminal, one key per decision."""

from __future__ import annotations

from typing import Annotated

import typer

from harvester.cli.app import ClusterOpt, app, note, state


@app.command()
def review(
    ctx: typer.Context,
    cluster: ClusterOpt = None,
    reviewer: Annotated[str | None, typer.Option(
        "--reviewer", "-r", help="Name recorded on each decision. Default: the `reviewer` setting, "
        "else your login name.")] = None,
    top: Annotated[int | None, typer.Option(
        "--top", "-n", min=1, help="Review only the best N candidates. Default: all.")] = None,
) -> None:
    """Review the next-wave candidates one at a time: a accept, r reject, d defer, n note,
    s skip, q quit. Each decision is saved at once (the same rows `harvester decide` writes).

    Example: harvester review --cluster bristol --reviewer "A. Researcher"
    """
    from harvester.db import session_scope
    from harvester.review.terminal import review_cluster

    name = reviewer or state(ctx).config().reviewer or None
    with session_scope(state(ctx).engine()) as session:
        summary = review_cluster(session, cluster=cluster, reviewer=name, top=top)
    note(ctx, summary.line())
