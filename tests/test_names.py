"""name_key folds the ways one organisation is written; similar scores names on their keys."""

from __future__ import annotations

import pytest

from harvester.names import name_key, similar

SAME = [
    ("The Watershed Ltd.", "Watershed"),
    ("Watershed Limited", "watershed"),
    ("Rocket & Co", "Rocket and Co"),
    ("Ffilm Cymru Wales CIC", "Ffilm Cymru Wales"),
    ("Ffilm Cymru Wales Community Interest Company", "ffilm cymru wales"),
    ("Foo Bar PLC", "Foo-Bar"),
    ("Smith Partners LLP", "smith partners"),
    ("University of Bristol", "Bristol University"),
    ("The University of Salford", "University of Salford"),
    ("Prifysgol Caerdydd", "Cardiff University"),
    ("Prifysgol Bangor", "Bangor University"),
    ("Café Ménage", "Cafe Menage"),
    ("Children’s Media Foundation", "Childrens Media Foundation"),
    ("Cwmni Da Cyf", "Cwmni Da"),
    ("Acme Holdings Ltd", "ACME HOLDINGS LIMITED"),
]

DIFFERENT = [
    ("Bristol University", "Bristol City Council"),
    ("The Studio", "Studio Ltd Two"),
    ("Cardiff Metropolitan University", "Cardiff University"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_variants_share_a_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)
    assert similar(a, b) == 100.0


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)
    assert similar(a, b) < 92


def test_key_of_odd_inputs() -> None:
    assert name_key(None) == ""
    assert name_key("") == ""
    assert name_key("!!!") == ""
    assert name_key("The") == "the"  # a name that is only "The" keeps its one word
    assert name_key("Ltd") == "ltd"


def test_similar_tolerates_a_typo_and_word_order() -> None:
    assert similar("Bristol Games Hub", "Bristol Gmaes Hub") >= 85
    assert similar("Games Hub Bristol", "Bristol Games Hub") == 100.0
    assert similar("", "x") == 0.0
