"""Meetup harvesting: sources (seed block -> jobs), the gql-ext API client, storage of facts.

Parsing lives in `harvester.extract.meetup` (pure); this package does the I/O around it:

    sources.jobs_for_cluster(cluster.meetup, api_mode=...)   what to fetch
    api.MeetupApi(token, ...)                                 the official GraphQL API (token mode)
    store.store_meetup_facts(session, facts, ...)            facts -> organisations, events, relations
    harvest_api(engine, token=..., run_id=...)                API mode for every cluster, end to end

HTML mode runs inside the crawler (pages go through the polite client, robots.txt obeyed):
`crawl/plan.py` queues `jobs_for_cluster(...)` URLs, `crawl/store.py` parses each fetched page with
`parse_meetup_page`, stores it with `store_meetup_facts` and queues `event_jobs(facts)`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("harvester.meetup")

# Groups found by one API search whose full record (sponsors, organisers, events) is fetched too.
FOLLOW_GROUPS_PER_SEARCH = 15


async def harvest_api(engine: Any, *, token: str, run_id: int | None, cluster_id: str | None = None,
                      requests_per_minute: int = 30, client: Any = None, follow_groups: bool = True,
                      user_agent: str | None = None,
                      clock: Callable[[], float] | None = None,
                      sleep: Callable[[float], Awaitable[Any]] | None = None) -> dict[str, int]:
    """API mode: every cluster's (or `cluster_id`'s) Meetup sources through gql-ext, stored.

    One transaction per API answer. A refused query (GraphQL errors, HTTP errors) is counted in
    `meetup_errors`, logged with the query's name (never the token) and does not stop the rest.
    Groups found by searches are fetched in full (at most FOLLOW_GROUPS_PER_SEARCH per search).
    Returns summed counts from `store_meetup_facts` plus `meetup_api_requests` and `meetup_errors`.
    """
    from sqlmodel import select

    from harvester.db import session_scope
    from harvester.meetup.api import MeetupApi, MeetupApiError
    from harvester.meetup.sources import MeetupJob, api_url, jobs_for_cluster
    from harvester.meetup.store import store_meetup_facts
    from harvester.models import Cluster

    with session_scope(engine) as s:
        stmt = select(Cluster).order_by(Cluster.id)
        if cluster_id:
            stmt = stmt.where(Cluster.id == cluster_id)
        plans = [(c.id, [j for j in jobs_for_cluster(c.meetup or {}, api_mode=True)
                         if j.kind.startswith("api_")]) for c in s.exec(stmt).all()]
    totals: dict[str, int] = {"meetup_errors": 0}
    extra: dict[str, Any] = {k: v for k, v in (("clock", clock), ("sleep", sleep)) if v is not None}
    async with MeetupApi(token, client=client, requests_per_minute=requests_per_minute,
                         user_agent=user_agent, **extra) as api:
        for cid, jobs in plans:
            done: set[str] = {j.urlname for j in jobs if j.urlname}
            queue = list(jobs)
            while queue:
                job = queue.pop(0)
                try:
                    facts = await api.run_job(job)
                except MeetupApiError as exc:
                    totals["meetup_errors"] += 1
                    log.warning("%s", exc)
                    continue
                with session_scope(engine) as s:
                    counts = store_meetup_facts(s, facts, cluster_id=cid, run_id=run_id)
                for key, value in counts.items():
                    totals[f"meetup_{key}"] = totals.get(f"meetup_{key}", 0) + value
                if follow_groups and job.kind in ("api_group_search", "api_event_search"):
                    found = [g.urlname.lower() for g in facts.groups] + [
                        (e.group_urlname or "").lower() for e in facts.events]
                    for urlname in [u for u in dict.fromkeys(found) if u and u not in done][
                            :FOLLOW_GROUPS_PER_SEARCH]:
                        done.add(urlname)
                        queue.append(MeetupJob(api_url("groupByUrlname", urlname=urlname), "api_group",
                                               urlname, {"urlname": urlname}))
        totals["meetup_api_requests"] = api.requests
    return totals
