"""recruitment: RDS-style records (wave, seed, recruiter), transitions, recruits per seed, quotas."""

from __future__ import annotations

import csv
import io
import json

import pytest
from test_snowball_helpers import Graph, later

from harvester.decisions import record_decision
from harvester.errors import BadInput, NotFound
from harvester.models import RelationKind, Sector
from harvester.recruitment import (
    RECORD_COLUMNS,
    list_quotas,
    recruitment_records,
    recruits_per_seed,
    set_quota,
    transition_matrix,
    transitions,
    write_recruitment,
)
from harvester.referrals import add_referral


@pytest.fixture
def sample(session) -> Graph:
    """Council (seed, government) -> Arts CIC (third sector, wave 1) -> Studio (industry, wave 2);
    Uni (seed) referred Games Co (wave 1); Uni also linked Arts CIC, but later than the Council."""
    g = Graph(session)
    g.seeds("Council", sector=Sector.government)
    g.seeds("Uni", sector=Sector.university)
    g.org("Arts CIC", sector=Sector.third_sector)
    g.org("Games Co", sector=Sector.industry)
    g.org("Studio", sector=Sector.industry)
    g.org("=cmd|' /C calc'!A0", sector=Sector.industry)
    g.link("Council", "Arts CIC", RelationKind.funder)
    g.link("Uni", "Arts CIC", RelationKind.partner, first_seen=later())
    add_referral(session, "Uni", "Games Co", reviewer="r")
    for name in ("Arts CIC", "Games Co"):
        record_decision(session, g.get(name), "accept", reviewer="r")
    g.link("Arts CIC", "Studio")
    g.link("Arts CIC", "=cmd|' /C calc'!A0")
    record_decision(session, g.get("Studio"), "interviewed", reviewer="r")
    record_decision(session, g.get("=cmd|' /C calc'!A0"), "accept", reviewer="r")
    session.commit()
    return g


def test_records_have_wave_seed_and_recruiter(session, sample):
    g = sample
    recs = {r.name: r for r in recruitment_records(session, "bristol")}
    assert set(recs) == {"Council", "Uni", "Arts CIC", "Games Co", "Studio", "=cmd|' /C calc'!A0"}
    council, arts, games, studio = recs["Council"], recs["Arts CIC"], recs["Games Co"], recs["Studio"]
    assert (council.wave, council.seed_id, council.recruiter_id, council.recruited_via) == (
        0, g.ids["Council"], None, "seed")
    assert (arts.wave, arts.seed_id, arts.recruiter_id, arts.recruited_via) == (
        1, g.ids["Council"], g.ids["Council"], "relation")  # the earliest link, not Uni's later one
    assert (games.wave, games.recruiter_name, games.recruited_via) == (1, "Uni", "referral")
    assert (studio.wave, studio.seed_name, studio.recruiter_sector, studio.status) == (
        2, "Council", "third_sector", "interviewed")
    assert studio.included_at and council.included_at is None
    assert [r.wave for r in recruitment_records(session)] == [0, 0, 1, 1, 2, 2]


def test_transitions_and_recruits_per_seed(session, sample):
    g = sample
    recs = recruitment_records(session)
    assert transitions(recs) == [
        {"wave": 1, "from_sector": "government", "to_sector": "third_sector", "count": 1},
        {"wave": 1, "from_sector": "university", "to_sector": "industry", "count": 1},
        {"wave": 2, "from_sector": "third_sector", "to_sector": "industry", "count": 2},
    ]
    assert transition_matrix(recs)["third_sector"]["industry"] == 2
    assert transition_matrix(recs, wave=1)["third_sector"]["industry"] == 0
    assert recruits_per_seed(recs) == [
        {"seed_id": g.ids["Council"], "seed_name": "Council", "wave": 1, "recruits": 1},
        {"seed_id": g.ids["Council"], "seed_name": "Council", "wave": 2, "recruits": 2},
        {"seed_id": g.ids["Uni"], "seed_name": "Uni", "wave": 1, "recruits": 1},
    ]


def test_csv_is_spreadsheet_safe(session, sample, tmp_path):
    path = tmp_path / "out" / "recruitment.csv"
    assert write_recruitment(session, path, "csv", cluster="bristol") == 6
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert tuple(rows[0]) == RECORD_COLUMNS
    names = [r["name"] for r in rows]
    assert "'=cmd|' /C calc'!A0" in names and "=cmd|' /C calc'!A0" not in names
    assert rows[0]["recruiter_id"] == ""  # None is an empty cell


def test_json_holds_records_transitions_and_quotas(session, sample):
    set_quota(session, "bristol", "third_sector", 3)
    buffer = io.StringIO()
    write_recruitment(session, buffer, "json")
    data = json.loads(buffer.getvalue())
    assert set(data) == {"cluster", "records", "transitions", "recruits_per_seed", "quotas"}
    assert len(data["records"]) == 6
    assert data["quotas"] == [{"cluster": "bristol", "sector": "third_sector", "target": 3, "included": 1,
                               "remaining": 2}]
    with pytest.raises(BadInput, match="format 'xlsx' is not supported"):
        write_recruitment(session, buffer, "xlsx")


def test_quotas_validate_and_update(session):
    Graph(session)
    set_quota(session, "bristol", "university", 2)
    set_quota(session, "bristol", "university", 4)
    assert [(q.sector, q.target, q.included, q.remaining) for q in list_quotas(session)] == [
        ("university", 4, 0, 4)]
    with pytest.raises(BadInput, match="quotas are per sector group"):
        set_quota(session, "bristol", "unknown", 2)
    with pytest.raises(NotFound, match="no cluster 'leeds'"):
        set_quota(session, "leeds", "university", 2)
