"""Answer words placed as the longest in-order runs of a text's words (ExtremITA's joined mentions
and rationales): longest first, forward only, free words only, a bounded budget, each word once."""

from hypothesis import given, settings
from hypothesis import strategies as st

from biss_helpers.tasks.inorder import RUN_WORK, InOrder, Run


def words_of(text):
    return text.split()


def test_in_order_runs_are_the_longest_then_the_next_after_it():
    text = words_of("le Autorità Militari Alleate e lo Stato italiano , non lo Stato")
    runs, missing = InOrder(text).place(words_of("Autorità Militari Alleate Stato italiano"))
    assert runs == [Run(0, 1, 3), Run(3, 6, 2)] and missing == []
    # "Stato" alone is also at 10, "lo Stato" at 5 and 9: the longest wins, then the earliest of those
    runs, _ = InOrder(text).place(words_of("lo Stato italiano"))
    assert runs == [Run(0, 5, 3)]
    runs, _ = InOrder(text).place(words_of("lo Stato"))
    assert runs == [Run(0, 5, 2)]


def test_in_order_runs_go_forward_only_and_list_what_is_missing():
    text = words_of("B a c x")
    # "b" is found (any case); "a" after it; "zz yy" nowhere (one range); "b" again: only before -> missing
    runs, missing = InOrder(text).place(words_of("b a zz yy c b"))
    assert runs == [Run(0, 0, 2), Run(4, 2, 1)] and missing == [(2, 4), (5, 6)]
    runs, missing = InOrder(text).place(words_of("a B"), start=1)  # the first run from word 1 on
    assert runs == [Run(0, 1, 1)] and missing == [(1, 2)]
    assert InOrder(text).place([]) == ([], [])


def test_in_order_runs_use_free_words_only():
    text = words_of("Ferri e Ferri e Ferri")
    taken = {0}
    runs, missing = InOrder(text).place(words_of("Ferri Ferri"), free=lambda i: i not in taken)
    assert runs == [Run(0, 2, 1), Run(1, 4, 1)] and missing == []
    runs, missing = InOrder(text).place(words_of("Ferri e Ferri"), free=lambda i: i not in (1, 3))
    assert runs == [Run(0, 0, 1), Run(2, 2, 1)] and missing == [(1, 2)]  # every "e" is taken
    runs, _ = InOrder(text).place(words_of("Ferri e Ferri"), free=lambda i: i != 1)
    assert runs == [Run(0, 2, 3)]  # the one whole run left starts at the second "Ferri"


def test_in_order_runs_stay_within_their_budget():
    text = ["a", "b"] * 300
    finder = InOrder(text, work=5_000)
    runs, missing = finder.place(["a"] * 4_000)
    assert finder.work < 0 and missing[-1][1] == 4_000  # spent: the words left are missing, in one range
    assert all(r.length == 1 for r in runs) and len(runs) < 300
    assert finder.place(["a", "b"]) == ([], [(0, 2)])  # spent for the text: nothing more is looked for
    # a long run ends the search early: the text after it has no room for a longer one
    finder = InOrder(text, work=RUN_WORK)
    runs, missing = finder.place(["b", "a"] * 2_000)
    assert runs[0] == Run(0, 1, 599) and RUN_WORK - finder.work < 5_000


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from("abcAB"), max_size=15), st.lists(st.sampled_from("abcdA"), max_size=12),
       st.integers(0, 15))
def test_in_order_runs_cover_each_answer_word_once(text, answer, start):
    runs, missing = InOrder(text).place(answer, start)
    covered = sorted([i for r in runs for i in range(r.answer, r.answer + r.length)]
                     + [i for a, b in missing for i in range(a, b)])
    assert covered == list(range(len(answer)))  # placed or missing, each word once
    edge = start
    for run in runs:  # in order, each after the previous, the same words (any case)
        assert run.text >= edge and run.length >= 1
        assert [w.lower() for w in text[run.text:run.text + run.length]] == \
               [w.lower() for w in answer[run.answer:run.answer + run.length]]
        edge = run.text + run.length


def test_text_words_give_back_character_positions_punctuation_between_words_included():
    from biss_helpers.tasks.inorder import TextWords

    text = "Malati? Sono malati, da curare!"
    words = TextWords(text)
    found, missing = words.place("malati da curare", 0)       # the longest run wins: the second
    assert [text[r.start:r.stop] for r in found] == ["malati, da curare"] and missing == []
    found, missing = words.place("Malati curare", 0)
    assert [text[r.start:r.stop] for r in found] == ["Malati", "curare"] and missing == []
    found, missing = words.place("Malati curare", 1)          # from character 1 on: not the first
    assert [text[r.start:r.stop] for r in found] == ["malati", "curare"] and missing == []
    assert words.place("?!", 0) == ([], ["?!"])               # no word at all: named, not placed
