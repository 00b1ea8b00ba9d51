"""A NERMuD answer placed on its sentence: whole free tokens only, the next occurrence first, ExtremITA's
joined mentions as runs, typos within a bounded budget."""

from biss_helpers.tasks import tagging
from biss_helpers.tasks.tagging import Sentence


def test_a_span_is_free_only_on_whole_untagged_tokens():
    s = Sentence("Il dott. Rossi visita Roma".split())   # Rossi 9-14, Roma 22-26
    assert s.free((9, 14)) and not s.free((9, 13)) and not s.free((10, 14))   # part of a token: no
    s.take((9, 14), "PER")
    assert s.tags == ["O", "O", "B-PER", "O", "O"] and not s.free((9, 14)) and not s.free((3, 14))
    s.take((3, 26), "ORG")                                 # several tokens: B- then I-
    assert s.tags == ["O", "B-ORG", "I-ORG", "I-ORG", "I-ORG"]


def test_joined_mentions_split_on_free_tokens_and_the_rest_is_named():
    s = Sentence("Neri e Ferri con Neri a Roma".split())
    s.take((0, 4), "PER")                                  # the first Neri is taken already
    spans, missing = s.split("Neri Ferri Bianchi")         # forward only: Ferri is before that Neri
    assert spans == [(17, 21)] and missing == ["Ferri Bianchi"]
    spans, missing = s.split("Ferri Neri Bianchi")
    assert spans == [(7, 12), (17, 21)] and missing == ["Bianchi"]
    assert s.split("Roma") == ([], ["Roma"])               # one word: `place` has looked already


def test_a_typo_finds_the_nearest_free_spelling_and_short_words_are_not_guessed():
    s = Sentence("Incontro con Alcide De Gasperi a Trento".split())
    assert s.nearest_spelling("Alcide De Gaspari") == (13, 30)
    assert s.nearest_spelling("Trentp") == (33, 39)
    assert s.nearest_spelling("Tnto") is None               # under 5 characters a typo is another word


def test_the_typo_search_stops_when_its_budget_is_spent(monkeypatch):
    monkeypatch.setattr(tagging, "FUZZY_WORK", 50)
    s = Sentence(("parola " * 200).split())
    assert s.nearest_spelling("parolla parolla parolla") is None and s.work < 0
    assert s.nearest_spelling("parola") is None            # spent for the whole sentence
