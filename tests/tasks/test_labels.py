"""Labels as words and back: normalising, the tolerant Verbaliser, numbers in text (tasks.labels)."""

import math
import random

import pytest

from biss_helpers.tasks.labels import Verbaliser, edit_distance, normalise, numbers, shingles

HATE = Verbaliser({1: "odio", 0: "non_odio"}, aliases={"sì": 1, "no": 0}, fallback=0)
TOPIC = Verbaliser({0: "Covid", 1: "Qanon", 3: "Terra Piatta"}, aliases={"q anon": 1}, fallback=0)


@pytest.mark.parametrize("text, norm", [
    ("  Sì, NON_Coerente!! nn è odio", "si non coerente non e odio"),
    ("l’odio", "l odio"),                      # a typographic apostrophe separates words
    ("Perché\tNON\n", "perche non"),
    ("nnodio nn", "nnodio non"),               # "nn" only as a word of its own
    ("Terra—Piatta", "terra piatta"),
    ("", ""),
    ("?!", ""),
])
def test_normalise(text, norm):
    assert normalise(text) == norm


@pytest.mark.parametrize("a, b, distance", [
    ("kitten", "sitting", 3), ("sitting", "kitten", 3), ("", "abc", 3), ("abc", "", 3), ("abc", "abc", 0),
    ("ab", "ba", 2), ("omotransfobico", "omotransfobio", 1), ("odio", "odiio", 1),
])
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b) == distance


def test_word_gives_the_verbalisation_and_refuses_unknown_labels():
    assert HATE.word(0) == "non_odio" and HATE.word(1) == "odio"
    with pytest.raises(KeyError) as error:
        HATE.word(3)
    assert error.value.args == ("unknown label 3; known: 1, 0",)


@pytest.mark.parametrize("words, aliases, message", [
    ({1: "odio", 0: "ODIO!"}, None, "verbalisation 'ODIO!' of 0 is empty or not distinct"),
    ({1: "", 0: "x"}, None, "verbalisation '' of 1 is empty or not distinct"),
    ({1: "?!"}, None, "verbalisation '?!' of 1 is empty or not distinct"),
    ({1: "a"}, {"b": 2}, "alias 'b' names unknown label 2"),
])
def test_bad_label_sets_are_refused(words, aliases, message):
    with pytest.raises(ValueError) as error:
        Verbaliser(words, aliases=aliases)
    assert str(error.value) == message


@pytest.mark.parametrize("text", ["non odio", "Non odio.", "NON_ODIO!", "nn odio", "risposta: non_odio",
                                  "odio non odio", "non odio odio", "non odiio", "nonodio", "Nonodio!"])
def test_the_longest_phrase_wins_so_non_odio_is_never_odio(text):
    d = HATE.decode(text)
    assert (d.prediction, d.parsed) == (0, True)


@pytest.mark.parametrize("text", ["odio", "ODIO", "Odio!", "Òdìo", "credo sia odio", "odio, non credo",
                                  "odiio", "sì", "Sì.", "SI!"])
def test_the_positive_label_in_any_case_accent_and_punctuation(text):
    d = HATE.decode(text)
    assert (d.prediction, d.parsed) == (1, True)


def test_multi_word_labels_split_joined_or_mistyped():
    for text in ("Terra Piatta", "terra_piatta", "terrapiatta", "TÈRRA\nPIÀTTA", "terra-piatta.",
                 "Terra Piata", "la risposta è terra piatta"):
        assert (TOPIC.decode(text).prediction, TOPIC.decode(text).parsed) == (3, True), text
    for text in ("q anon", "Q-Anon", "qanon", "Qanom"):
        assert (TOPIC.decode(text).prediction, TOPIC.decode(text).parsed) == (1, True), text
    # the phrase with more words wins over an earlier one
    assert TOPIC.find("covid o terra piatta") == (3, 2)


def test_find_gives_label_and_word_position():
    assert HATE.find("Risposta: non_odio") == (0, 1)
    assert HATE.find("credo sia odio") == (1, 2)
    assert HATE.find("odio non odio") == (0, 1)
    assert HATE.find("NON ODIO") == (0, 0)
    assert HATE.find("boh") == (None, -1) and HATE.find("") == (None, -1)


def test_typo_allowance_grows_with_the_word():
    v = Verbaliser({1: "sì", 2: "abcd", 3: "abcdefgh", 4: "abcdefghilm"}, fallback=0)
    cases = {"si": 1, "sii": 0,                        # under 4 letters: no typo
             "abxd": 2, "axxd": 0,                     # 4 to 8 letters: one
             "abcdefgx": 3, "abcdefxx": 0,
             "abcdefghixx": 4, "abcdefgxxxm": 0}       # 9 or more: two
    assert {text: v.decode(text).prediction for text in cases} == cases
    assert [v.decode(text).parsed for text in cases] == [label != 0 for label in cases.values()]


def test_typos_are_looked_for_in_the_first_six_words_only():
    assert HATE.decode("uno due tre quattro cinque odiio").prediction == 1
    assert HATE.decode("uno due tre quattro cinque sei odiio") == HATE.decode("boh")
    assert HATE.decode("uno due tre quattro cinque sei odio").prediction == 1  # an exact word anywhere


def test_aliases_never_override_a_word():
    v = Verbaliser({1: "si", 0: "no"}, aliases={"si": 0, "yes": 1}, fallback=0)
    assert v.decode("si").prediction == 1 and v.decode("Yes!").prediction == 1


@pytest.mark.parametrize("text", ["", "   ", "boh", "#@!?", "\x00\t\n", "1234", "noo", "oddiio"])
def test_text_that_matches_nothing_gives_the_fallback_unparsed(text):
    d = HATE.decode(text)
    assert (d.prediction, d.parsed) == (0, False)
    assert Verbaliser({"a": "alfa", "b": "beta"}).decode(text).prediction is None


@pytest.mark.parametrize("text, found", [
    ("V 3,5 A 2.75 e D -1", [3.5, 2.75, -1.0]),
    ("voto: +4.", [4.0]),
    ("tra 1 e 2,5 punti", [1.0, 2.5]),
    ("nessun numero", []),
    (7, [7.0]),
    ("1e5", [100000.0]),                       # scientific notation is one number
    ("2.5E-1 e 3,5e2", [0.25, 350.0]),
    ("1e999", [math.inf]),                     # too large: inf, which decoders refuse
    ("3-5", [3.0, 5.0]),                       # a range, not 3 and -5
    ("V -1", [-1.0]), ("V-1", [1.0]), ("x=-2 (+3)", [-2.0, 3.0]),
    ("3,5", [3.5]), ("2023-10-05", [2023.0, 10.0, 5.0]),
    ("9" * 400, [math.inf]),                   # never cut into two numbers
    ("1" * 20 + " 2", [float("1" * 20), 2.0]),
    ("1e", [1.0]), ("e5", [5.0]),
])
def test_numbers(text, found):
    assert numbers(text) == found


def test_edit_distance_with_a_limit_skips_strings_too_different_in_length():
    assert edit_distance("x" * 10**6, "odio", limit=2) == 3
    assert edit_distance("odiio", "odio", limit=1) == 1
    assert edit_distance("abc", "xyz", limit=1) == 3  # same length: computed, over the limit


def _levenshtein(a, b):  # the textbook table, to check the bit-parallel one against
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def test_edit_distance_agrees_with_the_textbook_table():
    rng = random.Random(0)
    for _ in range(2000):
        a, b = ("".join(rng.choices("abcé ", k=rng.randint(0, 14))) for _ in range(2))
        assert edit_distance(a, b) == _levenshtein(a, b), (a, b)
    long = "".join(rng.choices("abcdefgh", k=300))
    assert edit_distance(long, long[::-1]) == _levenshtein(long, long[::-1])


def test_shingles_are_word_runs_without_numbers_or_skipped_words():
    assert shingles("Rispondi con un numero da 1 a 4", 3) == {
        ("rispondi", "con", "un"), ("con", "un", "numero"), ("un", "numero", "da")}
    assert shingles("uno due tre", 4) == set()
    assert shingles("a b c d", 2, frozenset({"c"})) == {("a", "b")}
