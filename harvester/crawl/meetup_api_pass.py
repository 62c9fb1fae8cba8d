"""The Meetup API pass after the crawl (HARVESTER_MEETUP_TOKEN set): the clusters' groups and
`api` queries through Meetup's official GraphQL API.

Apart from the loop because it is its own step with its own event loop, after the crawl's; the
plan asks `meetup_token` too, to leave the API's jobs to this pass.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy.engine import Engine

from harvester.config import Config
from harvester.crawl.options import HarvestOptions


def meetup_token() -> str | None:
    from harvester.meetup.api import token_from_env

    return token_from_env()


def meetup_api(engine: Engine, config: Config, options: HarvestOptions, run_id: int | None,
               counts: Counter) -> None:
    """API mode (HARVESTER_MEETUP_TOKEN set): the clusters' groups and `api` queries through
    Meetup's official GraphQL API; the token is never stored, logged or archived."""
    token = meetup_token()
    if token is None or not options.meetup or options.replay is not None:
        return
    from harvester.meetup import harvest_api

    api_counts = asyncio.run(harvest_api(
        engine, token=token, run_id=run_id, cluster_id=options.cluster,
        requests_per_minute=config.meetup_requests_per_minute,
        user_agent=config.user_agent))
    counts.update({k: v for k, v in api_counts.items() if isinstance(v, int)})
