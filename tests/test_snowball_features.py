"""The pure feature functions of harvester.snowball, case by case."""

from __future__ import annotations

import pytest

from harvester.models import Cluster
from harvester.snowball.communities import communities_of
from harvester.snowball.contacts import _Suppressions, address_quality, choose_contact
from harvester.snowball.explanation import name_list
from harvester.snowball.features import activity_value, balance_value, bridging_value, co_link_value
from harvester.snowball.locality import _inside, _inside_cached, postcode_inside
from harvester.snowball.rows import _Org
from harvester.snowball.weights import KIND_WEIGHTS

NONE = _Suppressions(set(), set(), set())


@pytest.mark.parametrize(("email", "quality"), [
    ("info@x.org", "generic_address"), ("hello@x.org", "generic_address"),
    ("enquiries@x.org", "generic_address"), ("partnerships@x.org", "role_address"),
    ("director@x.org", "role_address"), ("head.of.partnerships@x.org", "role_address"),
    ("events+bristol@x.org", "role_address"), ("jane.doe@x.org", "other_address"),
])
def test_address_quality(email, quality):
    assert address_quality(email) == quality


def test_choose_contact_order_and_suppression():
    rows = [(1, "email", "info@x.org", None, None), (2, "phone", "+441179000000", None, None),
            (3, "email", "partnerships@x.org", None, None),
            (4, "person", "Jo Bloggs", "Jo Bloggs", "Producer"),
            (5, "email", "jane@x.org", "Jane Doe", "Director")]
    assert choose_contact(rows, NONE)[0].contact_id == 5
    assert choose_contact(rows[:4], NONE)[0].contact_id == 4
    assert choose_contact(rows[:3], NONE)[1] == 0.6
    assert choose_contact(rows[:2], NONE)[1] == 0.3
    assert choose_contact(rows[1:2], NONE)[1] == 0.1
    assert choose_contact([], NONE) == (None, 0.0)
    blocked = _Suppressions({"jane@x.org"}, {"y.org"}, {"jo bloggs"})
    best, score = choose_contact(rows, blocked)
    assert (best.contact_id, score) == (3, 0.6)
    assert choose_contact([(9, "email", "boss@mail.y.org", "Al", "CEO")], blocked) == (None, 0.0)
    # A tie goes to the contact stored first.
    assert choose_contact([(8, "email", "b@x.org", None, None), (7, "email", "a@x.org", None, None)],
                          NONE)[0].contact_id == 7


def test_co_link_sums_the_strongest_kind_of_each_pointer():
    assert co_link_value([], KIND_WEIGHTS) == 0.0
    assert co_link_value(["links_to"], KIND_WEIGHTS) == 1.0
    assert co_link_value(["links_to", "partner"], KIND_WEIGHTS) == 2.0  # log2(1 + 1 + 2)
    assert co_link_value(["referral"], KIND_WEIGHTS) > co_link_value(["links_to", "links_to"], KIND_WEIGHTS)


def test_bridging_and_activity_values():
    assert [bridging_value(set(range(n))) for n in (0, 1, 2, 4)] == [0.0, 0.0, 1.0, 2.0]
    assert activity_value(0, 0) == 0.0 and activity_value(1, 0) == 1.0 and activity_value(2, 4) == 2.0


def test_balance_value():
    targets = {"industry": 0.25, "third_sector": 0.25, "university": 0.25, "government": 0.25}
    counts = {"industry": 3, "university": 1}
    value, gap, area = balance_value("third_sector", [], counts, {}, 4, targets, 0)
    assert (value, gap, area) == (1.0, 1.0, None)
    assert balance_value("industry", [], counts, {}, 4, targets, 0)[0] == 0.0
    assert balance_value("university", [], counts, {}, 4, targets, 0)[0] == 0.0  # 1 of 4 = 25%: met
    assert balance_value("unknown", [], counts, {}, 4, targets, 0)[0] == 0.0
    # Domain areas: half weight, the most under-represented one named.
    value, gap, area = balance_value("industry", ["games", "music"], counts, {"games": 2}, 4, targets, 2)
    assert (value, gap, area) == (0.5, 0.0, "music")


@pytest.mark.parametrize(("postcode", "areas", "inside"), [
    ("BS1 4DJ", ["BS"], True), ("bs1 4dj", ["BS"], True), ("BS14DJ", ["BS1"], True),
    ("BS14 8AA", ["BS1"], False), ("B1 1AA", ["BS"], False), ("M50 2EQ", ["M50"], True),
    ("M5 3EQ", ["M50"], False), ("CF10 1AA", ["CF", "NP"], True),
])
def test_postcode_inside(postcode, areas, inside):
    assert postcode_inside(postcode, areas) is inside


def test_name_list():
    assert name_list([]) == ""
    assert name_list(["A"]) == "A"
    assert name_list(["A", "B"]) == "A and B"
    assert name_list(["A", "B", "C"]) == "A, B and C"
    assert name_list(["A", "B", "C", "D", "E"]) == "A, B, C and 2 more"


def test_communities_are_deterministic_and_skip_loners():
    edges = [(1, 2, 1.0), (2, 3, 1.0), (1, 3, 1.0), (4, 5, 1.0), (5, 6, 1.0), (4, 6, 1.0), (3, 4, 0.1)]
    first = communities_of([1, 2, 3, 4, 5, 6, 7], edges)
    assert first == communities_of([7, 6, 5, 4, 3, 2, 1], list(reversed(edges)))
    assert first[1] == first[2] == first[3] != first[4] == first[5] == first[6]
    assert 7 not in first  # a lone organisation is no community
    assert communities_of([], []) == {}


def test_remembered_locality_answers_as_the_rule_does():
    """The per-district memo keys postcodes as `postcode_inside` reads them: 'BS14 DJ' (outward
    BS1) and 'BS14 4DJ' (outward BS14) start alike but fall on either side of ['BS1']."""
    cluster = Cluster(id="bristol", name="Bristol", postcode_areas=["BS1"])
    cache: dict = {}
    for postcode in ("BS14 4DJ", "BS14 DJ", "BS1 4DJ", "BS14DJ", None, "", "  "):
        org = _Org(1, "X", "organisation", None, "industry", "discovered", None, postcode, None, None, None)
        assert _inside_cached(org, cluster, cache) is _inside(org, cluster), postcode
