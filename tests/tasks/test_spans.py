"""Finding a model's quotes in the input: every occurrence, whitespace and case tolerance, text
that looks like a pattern, the `#N` hint, the sentence splitter."""

from hypothesis import given
from hypothesis import strategies as st

from biss_helpers.tasks.spans import (
    Locator,
    after,
    at_word_edges,
    place,
    quote,
    runs,
    sentences,
    split_hint,
)


def test_every_occurrence_in_text_order_exact_case_first():
    finder = Locator("Roma e roma e ROMA, Roma")
    assert finder.find_all("Roma") == [(0, 4), (20, 24)]
    assert finder.find_all("rOmA") == [(0, 4), (7, 11), (14, 18), (20, 24)]  # no exact match: any case
    assert finder.find_all("Milano") == [] and finder.find_all("   ") == []


def test_whitespace_is_ignored_and_offsets_are_raw():
    text = "nel l' Istituto\n\tLama  di Roma"
    finder = Locator(text)
    [(start, end)] = finder.find_all("l'Istituto Lama")
    assert text[start:end] == "l' Istituto\n\tLama"


def test_text_that_looks_like_a_pattern_is_found_literally():
    text = "prezzi (+2,1 %) e [URL] o a|b, .* ? \\d"
    finder = Locator(text)
    for piece in ("(+2,1 %)", "[URL]", "a|b", ".*", "?", "\\d"):
        [(start, end)] = finder.find_all(piece)
        assert text[start:end] == piece
    assert finder.find_all(".") == [(text.index("."), text.index(".") + 1)]  # a dot, not any character


def test_ranking_and_hints():
    text = "gay e gay: i gay malati"
    finder = Locator(text)
    assert place(finder, "gay", after(0, text)) == (0, 3)
    assert place(finder, "gay", after(4, text)) == (6, 9)
    assert place(finder, "gay", after(17, text)) == (0, 3)  # nothing after: wrap to the first
    assert place(finder, "gay #3", after(0, text)) == (13, 16)
    assert place(finder, "gay #9", after(0, text)) is None  # no ninth one
    assert quote(finder, (13, 16), after(0, text)) == "gay #3"
    assert quote(finder, (6, 9), after(4, text)) == "gay"  # order alone is enough
    assert split_hint("Roma #12") == ("Roma", 12) and split_hint("#2") == ("#2", None)


def test_a_literal_hash_number_in_the_text_is_not_a_hint():
    text = "vota #1 oggi"
    assert place(Locator(text), "vota #1", after(0, text)) == (0, 7)


def test_whole_words_come_before_parts_of_words():
    text = "gayfriendly ma i gay no"
    assert at_word_edges(text, (17, 20)) and not at_word_edges(text, (0, 3))
    assert place(Locator(text), "gay", after(0, text)) == (17, 20)


def test_runs():
    assert runs([]) == [] and runs([5, 3, 4, 4]) == [(3, 6)]


def test_sentences_cover_the_text_and_respect_abbreviations():
    text = ("Il dott. Bianchi visita la pz. alle 8. Emocolture positive per E. coli. La PCR è 12 mg/l. "
            "«Bene», dice. (Nota) finale")
    parts = [text[s:e] for s, e in sentences(text)]
    assert "".join(parts) == text
    assert parts == ["Il dott. Bianchi visita la pz. alle 8. ", "Emocolture positive per E. coli. ",
                     "La PCR è 12 mg/l. ", "«Bene», dice. ", "(Nota) finale"]


@given(st.text(alphabet="ab .A(*\n", max_size=60))
def test_sentences_always_cover_any_text(text):
    cuts = sentences(text)
    assert "".join(text[s:e] for s, e in cuts) == text
    assert all(s < e for s, e in cuts) or text == ""


@given(st.text(alphabet="ab a.(*", min_size=1, max_size=40), st.data())
def test_quote_then_place_gives_the_span_back(text, data):
    """Whatever the text and the span (its edges not spaces) and wherever the cursor is."""
    solid = [i for i, c in enumerate(text) if not c.isspace()]
    if not solid:
        return
    start = data.draw(st.sampled_from(solid))
    end = data.draw(st.sampled_from([i + 1 for i in solid if i >= start]))
    rank = after(data.draw(st.integers(0, len(text))), text)
    finder = Locator(text)
    assert place(finder, quote(finder, (start, end), rank), rank) == (start, end)
