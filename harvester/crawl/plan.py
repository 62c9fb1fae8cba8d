"""The plan: what a harvest queues before it crawls, and the queued pages it loads to fetch.

Seed and accepted organisations' homepages, pages whose revisit time has come, the Meetup sources
of the cluster files. Apart from the loop because planning is done once, in the caller's
transaction (the loop commits it), before the event loop starts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from harvester.config import Config
from harvester.crawl.meetup_api_pass import meetup_token
from harvester.crawl.meetup_hosts import is_meetup_host
from harvester.crawl.options import HarvestOptions
from harvester.frontier import Frontier, site_key
from harvester.models import (
    INCLUDED_STATUSES,
    Cluster,
    HarvestRun,
    Organisation,
    Page,
    PageState,
    RunStatus,
    in_cluster,
    utcnow,
)


def included(s: Session, cluster: str | None) -> list[Organisation]:
    stmt = select(Organisation).where(Organisation.status.in_(INCLUDED_STATUSES))
    if cluster:
        stmt = stmt.where(in_cluster(cluster))
    return list(s.exec(stmt.order_by(Organisation.id)).all())


def plan_pages(s: Session, options: HarvestOptions, config: Config, frontier: Frontier,
               counts: Counter, run_id: int | None) -> None:
    """Queue the run's starting pages in the session's transaction (the caller commits)."""
    from harvester.frontier import requeue_due

    if options.worker:
        from harvester.workers import plan_serially

        plan_serially(s)
    if options.cluster and s.get(Cluster, options.cluster) is None:
        from harvester.errors import BadInput

        raise BadInput(f"unknown cluster {options.cluster!r}: load its seed file with "
                       "`harvester seed FILE` or check `harvester orgs`")
    orgs = included(s, options.cluster)
    if options.web:
        for org in orgs:
            if org.homepage and frontier.enqueue(
                    s, org.homepage, depth=0, organisation_id=org.id,
                    cluster_id=org.cluster_id, run_id=run_id):
                counts["planned_pages"] += 1
        revisit = 0.0 if options.refresh else config.revisit_days
        ids = [o.id for o in orgs]
        if ids:
            # Workers: a page another worker of this harvest fetched is not due again.
            busy = (s.exec(select(HarvestRun.id).where(
                HarvestRun.status == RunStatus.running,
                HarvestRun.started_at >= utcnow() - timedelta(days=1))).all()
                if options.worker else None)
            counts["revisits"] += requeue_due(s, revisit_days=revisit, organisation_ids=ids,
                                              skip_run_ids=busy)
    if options.meetup:
        plan_meetup(s, options.cluster, frontier, counts, run_id)


def plan_meetup(s: Session, cluster_id: str | None, frontier: Frontier, counts: Counter,
                run_id: int | None) -> None:
    from harvester.meetup.sources import jobs_for_cluster

    stmt = select(Cluster)
    if cluster_id:
        stmt = stmt.where(Cluster.id == cluster_id)
    api_mode = meetup_token() is not None
    for cluster in s.exec(stmt).all():
        for job in jobs_for_cluster(cluster.meetup or {}, api_mode=api_mode):
            if job.kind.startswith("api_"):
                continue  # answered by the official API after the crawl (`meetup_api_pass`)
            site = f"meetup:{job.urlname}" if job.urlname else site_key(job.url)
            if frontier.enqueue(s, job.url, depth=0, source="meetup", cluster_id=cluster.id,
                                run_id=run_id, site=site):
                counts["planned_meetup_pages"] += 1


def queued_rows(s: Session, options: HarvestOptions) -> Sequence[Any]:
    """The queued pages this harvest fetches: (page id, host, priority, depth, url, etag,
    last-modified) rows."""
    stmt = select(Page.id, Page.host, Page.priority, Page.depth, Page.url, Page.etag,
                  Page.last_modified).where(Page.state == PageState.queued)
    if options.cluster:
        # `--cluster C` crawls C: pages another cluster's stopped harvest left queued wait for
        # the next harvest of that cluster (or of all) instead of being fetched here.
        members = select(Organisation.id).where(in_cluster(options.cluster))
        stmt = stmt.where(sa.or_(Page.cluster_id == options.cluster,
                                 Page.organisation_id.in_(members)))
    rows = s.exec(stmt).all()
    if not options.web:
        rows = [r for r in rows if is_meetup_host(r[1])]
    if not options.meetup:
        rows = [r for r in rows if not is_meetup_host(r[1])]
    return rows
