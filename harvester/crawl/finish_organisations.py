"""After the crawl: each organisation touched typed from all its pages, and Meetup venues matched.

Apart from the loop because it is a step of its own after the crawl, one short transaction per
organisation (sector and domain areas are recomputed once per organisation, not per page).
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session


def finish_organisations(engine: Engine, run_id: int | None, touched: set[int], worker: str | None,
                         counts: Counter) -> None:
    """Sector and domain areas from all pages of each organisation touched in this run, and
    Meetup venues matched to organisations whose sites were crawled after the group page."""
    from harvester.meetup.store import reconcile_venues
    from harvester.resolve.recompute import recompute_organisation

    with Session(engine) as s:
        counts["meetup_venues_reconciled"] += reconcile_venues(s, run_id=run_id)
        s.commit()
    for org_id in sorted(touched):
        # Workers may both create a missing row (a domain area) at once: the loser retries.
        for attempt in range(3 if worker else 1):
            try:
                with Session(engine) as s:
                    recompute_organisation(s, org_id)
                    s.commit()
                break
            except sa.exc.DBAPIError:  # unique violation or deadlock with another worker
                if attempt == 2 or not worker:
                    raise
    counts["organisations_typed"] += len(touched)
