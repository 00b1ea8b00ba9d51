"""PoliticIT's answer words: every consistent answer round-trips, variants and typos read, missing
fields take the fallback's value and say so, ordinary words are not read as labels."""

import itertools

import pytest

from biss_helpers.tasks import ideology


@pytest.mark.parametrize("gender, multiclass", itertools.product(*(ideology.VALUES[k] for k in
                                                                  ("gender", "ideology_multiclass"))))
def test_every_consistent_answer_round_trips(gender, multiclass):
    side = ideology.SIDE_OF[multiclass]
    words = " ".join(ideology.WORDS[v] for v in (gender, side, multiclass))
    assert ideology.read(words).prediction == (gender, side, multiclass)
    assert ideology.read(words).parsed


@pytest.mark.parametrize("text, expected", [
    ("Donna, centro sinistra", ("female", "left", "moderate_left")),
    ("male moderate right", ("male", "right", "moderate_right")),
    ("uomo centrosinistr", ("male", "left", "moderate_left")),  # a typo in a long word
    ("una ministra di destra, donna", ("female", "right", "right")),        # "ministra" is not "sinistra"
])
def test_variants_and_typos(text, expected):
    assert ideology.read(text).prediction == expected


def test_missing_fields_take_the_fallback_and_are_unparsed():
    assert ideology.read("non saprei") == ideology.read("")
    found = ideology.read("destra")
    assert found.prediction == ("male", "right", "right") and not found.parsed
    assert not ideology.read("uno righe").parsed  # short words and English aliases are not typos
