"""The frontier: priorities, page budget, depth limit, resume after a kill."""

from __future__ import annotations

from sqlmodel import Session, select

from harvester.frontier import Frontier, page_priority, requeue_due, reset_interrupted
from harvester.models import Organisation, OrgStatus, Page, PageState


def test_organisational_pages_come_first():
    urls = ["https://x.org/news/2024/item", "https://x.org/contact/", "https://x.org/about-us",
            "https://x.org/our-team", "https://x.org/partners", "https://x.org/p/17",
            "https://x.org/amdanom", "https://x.org/cysylltu"]
    ranked = sorted(urls, key=lambda u: page_priority(u, 1))
    assert ranked[:2] == ["https://x.org/contact/", "https://x.org/cysylltu"]
    assert set(ranked[2:4]) == {"https://x.org/about-us", "https://x.org/amdanom"}
    assert ranked[-1] == "https://x.org/news/2024/item"


def _seed(session: Session) -> Organisation:
    org = Organisation(name="Seed", domain="x.org", homepage="https://x.org/", status=OrgStatus.seed)
    session.add(org)
    session.commit()
    return org


def test_page_budget_bounds_an_endless_calendar(engine):
    frontier = Frontier(max_pages=5, max_depth=50)
    with Session(engine) as s:
        org = _seed(s)
        added = [frontier.enqueue(s, f"https://x.org/calendar?month={m}", depth=m,
                                  organisation_id=org.id) for m in range(100)]
        s.commit()
        assert sum(1 for a in added if a) == 5
        assert len(s.exec(select(Page)).all()) == 5


def test_depth_limit_and_duplicates_after_normalisation(engine):
    frontier = Frontier(max_pages=30, max_depth=2)
    with Session(engine) as s:
        org = _seed(s)
        assert frontier.enqueue(s, "https://x.org/a?utm_source=x#top", depth=1, organisation_id=org.id)
        assert frontier.enqueue(s, "https://X.org/a", depth=1, organisation_id=org.id) is None
        assert frontier.enqueue(s, "https://x.org/deep", depth=3, organisation_id=org.id) is None
        assert frontier.enqueue(s, "https://x.org/logo.png", depth=1, organisation_id=org.id) is None
        s.commit()
        assert [p.url for p in s.exec(select(Page)).all()] == ["https://x.org/a"]


def test_candidate_sites_get_a_small_profile_budget(engine):
    frontier = Frontier(max_pages=30, max_depth=3, profile_pages=2)
    with Session(engine) as s:
        cand = Organisation(name="Cand", domain="c.org", status=OrgStatus.discovered)
        s.add(cand)
        s.commit()
        added = [frontier.enqueue(s, f"https://c.org/{p}", depth=1, organisation_id=cand.id)
                 for p in ("", "contact", "about", "team")]
        assert sum(1 for a in added if a) == 2


def test_best_links_spend_the_budget(engine):
    frontier = Frontier(max_pages=2, max_depth=3)
    with Session(engine) as s:
        org = _seed(s)
        frontier.enqueue_many(s, ["https://x.org/news/1", "https://x.org/p/2", "https://x.org/contact",
                                  "https://x.org/about"], depth=1, organisation_id=org.id)
        s.commit()
        assert sorted(p.url for p in s.exec(select(Page)).all()) == [
            "https://x.org/about", "https://x.org/contact"]


def test_pages_in_flight_when_killed_are_requeued(engine):
    with Session(engine) as s:
        s.add(Page(url="https://x.org/", host="x.org", site="x.org", state=PageState.fetching))
        s.add(Page(url="https://x.org/a", host="x.org", site="x.org", state=PageState.fetched))
        s.commit()
        assert reset_interrupted(s) == 1
        s.commit()
        states = {p.url: p.state for p in s.exec(select(Page)).all()}
        assert states == {"https://x.org/": PageState.queued, "https://x.org/a": PageState.fetched}


def test_requeue_due_only_takes_pages_past_their_revisit_time(engine):
    from datetime import timedelta

    from harvester.models import utcnow

    now = utcnow()
    with Session(engine) as s:
        s.add(Page(url="https://x.org/old", host="x.org", site="x.org", state=PageState.fetched,
                   fetched_at=now - timedelta(days=10)))
        s.add(Page(url="https://x.org/new", host="x.org", site="x.org", state=PageState.fetched,
                   fetched_at=now - timedelta(days=1)))
        s.commit()
        assert requeue_due(s, now=now, revisit_days=7) == 1
        s.commit()
        queued = [p.url for p in s.exec(select(Page).where(Page.state == PageState.queued)).all()]
        assert queued == ["https://x.org/old"]


def test_a_pages_links_are_queued_in_one_flush(engine):
    """A homepage queues dozens of links: one flush of the session for them all (a flush per
    link was most of the cost of storing a homepage), each recorded with its id."""
    import sqlalchemy as sa

    frontier = Frontier(max_pages=40, max_depth=3)
    flushes: list[int] = []
    with Session(engine) as s:
        org = _seed(s)
        s.commit()
        sa.event.listen(s, "after_flush", lambda session, context: flushes.append(len(session.new)))
        queued = frontier.enqueue_many(s, [f"https://x.org/page/{n}/" for n in range(30)],
                                       depth=1, organisation_id=org.id)
        s.commit()
        added = frontier.drain_added()
        assert queued == 30 and len(added) == 30
        assert flushes[:1] == [30]  # the first flush wrote all 30 (the commit's own is empty)
        stored = {p.id: p.url for p in s.exec(select(Page)).all()}
        assert all(stored[page_id] == url for _, _, _, page_id, url in added)
