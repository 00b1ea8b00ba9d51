"""HODI subtask A (hodi_a): the synthetic sample (no real file is shared), CSV quoting inside a
TSV, the scorer's header, malformed files, the decoder."""

import collections

import pytest

from biss_helpers.tasks import hodi
from biss_helpers.tasks.files import FormatError

from . import common

T = hodi.HODI_A
HEAD = "id\ttext\thomotransphobic\n"


def round_trip(gold, folder):
    return common.round_trip(T, gold, folder)


def test_sample_round_trip_is_perfect(tmp_path):
    examples, [written], scores = round_trip(T.sample_paths("gold"), tmp_path / "run")
    assert scores == {"macro_f1": 1.0, "accuracy": 1.0}
    assert written.name == "biss.A.run1"
    lines = written.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "id\thomotransphobic"  # the scorer reads the columns by name
    assert lines[1:] == [f"{e.id}\t{e.gold}" for e in examples] + [""]


def test_submission_may_be_given_as_a_file_name(tmp_path):
    examples = T.read(T.sample_paths("test"))
    [written] = T.write_submission([e.id for e in examples], [1] * 16, T.sample_paths("test"),
                                   tmp_path / "mine.A.run2")
    assert written == tmp_path / "mine.A.run2" and set(T.read_submission(written).values()) == {1}
    assert T.read_submission(tmp_path) == T.read_submission(written)  # the one *.A.run* of the folder


def test_sample_is_balanced_and_has_the_format_pitfalls():
    sizes = {split: len(T.read(T.sample_paths(split))) for split in ("train", "dev", "test", "gold")}
    assert sizes == {"train": 48, "dev": 16, "test": 16, "gold": 16}
    train = T.read(T.sample_paths("train"))
    assert collections.Counter(e.gold for e in train) == {0: 24, 1: 24}
    blind = T.sample_paths("test")[0]
    assert blind.suffix == ".csv" and blind.read_text(encoding="utf-8").startswith("id\ttext\n")
    raw = T.sample_paths("train")[0].read_text(encoding="utf-8")
    assert raw.startswith("id\ttext\thomotransphobic\n") and "\r" not in raw
    # quoted texts: the wrapper quotes go, the doubled inner quotes become single
    quoted = [line for line in raw.splitlines() if '""' in line]
    assert len(quoted) >= 5
    texts = {e.id: e.fields["text"] for e in train}
    for line in quoted:
        key, rest = line.split("\t", 1)
        text = rest.rsplit("\t", 1)[0]
        assert text.startswith('"') and texts[key] == text[1:-1].replace('""', '"')
    gold_raw = T.sample_paths("gold")[0].read_text(encoding="utf-8")
    assert '""' in gold_raw and all(isinstance(e.id, str) for e in train)


def test_quote_inside_an_unquoted_text_is_kept(tmp_path):
    path = tmp_path / "t.tsv"
    # no final newline either
    path.write_text(HEAD + '7\til mio "amico" è qui\t0\n8\t"a\tb ""c"""\t1', encoding="utf-8")
    assert [(e.id, e.fields["text"], e.gold) for e in T.read(path)] == [
        ("7", 'il mio "amico" è qui', 0), ("8", 'a\tb "c"', 1)]


def test_headerless_submission_names_the_scorer(tmp_path):
    path = tmp_path / "biss.A.run1"
    path.write_text("5001\t1\n5002\t0\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"A.run1, line 1: no header line .* the official scorer needs it"):
        T.read_submission(path)


def test_bad_submissions_are_refused(tmp_path):
    path = tmp_path / "biss.A.run1"
    path.write_text("id\thomotransphobic\n1\t1\n1\t0\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 3: id '1' appears twice"):
        T.read_submission(path)
    path.write_text("id\thomotransphobic\n1\tsì\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 2: unknown homotransphobic 'sì'"):
        T.read_submission(path)
    (tmp_path / "biss.A.run2").write_text("id\thomotransphobic\n1\t1\n", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="found 2"):
        T.read_submission(tmp_path)


def test_missing_and_unknown_ids_are_refused(tmp_path):
    gold = T.read(T.sample_paths("gold"))
    ids = [e.id for e in gold]
    with pytest.raises(ValueError, match=r"1 of the 16 ids of .*GOLD.tsv have no prediction: '5001'$"):
        T.write_submission(ids[1:], [0] * 15, T.sample_paths("gold"), tmp_path)
    with pytest.raises(ValueError, match=r"1 predicted ids are not in .*GOLD.tsv: '1'$"):
        T.write_submission(ids + ["1"], [0] * 17, T.sample_paths("gold"), tmp_path)



@pytest.mark.parametrize("text, message", [
    ("id\ttesto\thomotransphobic\n1\tciao\t0\n", "line 1: missing column(s) 'text'"),
    (HEAD + '1\tciao\t0\n2\t"due\nrighe"\t2\n', "line 3: unknown homotransphobic '2'"),
    (HEAD + "1\tciao\t0\n2\tciao\n", "line 3: expected 3 fields"),
    ("id,text,homotransphobic\n1,ciao,0\n", "commas: wrong delimiter?"),
    (HEAD + '1\tciao\t0\n2\t"aperto\t1\n', "line 3: not valid CSV"),
    (HEAD + "1\t \t0\n", "line 2: empty 'text'"),
])
def test_malformed_files_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "HODI_2023_train_subtaskA.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError) as error:
        T.read(path)
    assert str(error.value).startswith(f"{path}, line ") and message in str(error.value)


@pytest.mark.parametrize("text, label", [
    ("omotransfobico", 1), ("non_omotransfobico", 0),       # ExtremITA
    ("sì", 1), ("no", 0), ("Sì.", 1), ("No!", 0),          # BISS-2024 binary answers
    ("OMOTRANSFOBICO", 1), ("Non omotransfobico.", 0), ("non è omotransfobico", 0),
    ("Risposta: non_omotransfobico", 0), ("il tweet è omotransfobico", 1),
    ("omotransfobio", 1), ("non_omotrasfobico", 0), ("omofobo", 1), ("non omofobo", 0),
])
def test_decode_is_tolerant(text, label):
    d = T.decode(text)
    assert (d.prediction, d.parsed) == (label, True)


@pytest.mark.parametrize("garbage", ["", "   ", "boh", "#@!?", "\x00\t\n", "7"])
def test_garbage_decodes_to_the_fallback(garbage):
    d = T.decode(garbage)
    assert (d.prediction, d.parsed) == (0, False)



# --- subtask B (hodi_b): rationales as character positions -----------------------------------

B = hodi.HODI_B


def post(text, *pieces):
    """An example whose rationale is `pieces` (a piece, or (piece, n) for its n-th occurrence)."""
    positions = [p for start, end in common.spans(text, *pieces) for p in range(start, end)]
    return hodi.Example("1", {"text": text}, sorted(positions))


def test_b_sample_round_trip_is_perfect(tmp_path):
    examples, [written], scores = common.round_trip(B, B.sample_paths("gold"), tmp_path / "run")
    assert scores == {"f1": 1.0, "f1_on_rationale_posts": 1.0}
    lines = written.read_text(encoding="utf-8").split("\n")
    assert written.name == "biss.B.run1" and lines[0] == "id\trationales"
    assert "5001\t[]" in lines and any(line.startswith("5002\t[16,17,") for line in lines)


def test_b_sample_matches_subtask_a():
    """Same posts as A; a post has a rationale exactly when A calls it homotransphobic."""
    for split in ("train", "dev", "gold"):
        a, b = a_by_id(split), {e.id: e for e in B.read(B.sample_paths(split))}
        assert a.keys() == b.keys()
        assert all(bool(b[k].gold) == (a[k].gold == 1) and b[k].fields == a[k].fields for k in a)
    assert B.sample_paths("test")[0].read_bytes() == T.sample_paths("test")[0].read_bytes()


def a_by_id(split):
    return {e.id: e for e in T.read(T.sample_paths(split))}


def test_b_repeated_words_spans_at_the_edges_and_pattern_characters():
    cases = [post("amo i gay ma i gay fanno schifo", ("gay", 2)),  # the 2nd only: "#2"
             post("Schifo! (sì) *malati*? [URL] schifo", "Schifo!", "*malati*?", "schifo"),
             post("malati\ncontro  natura, curateli", "malati\ncontro  natura"),  # a newline inside
             post("nessuna pietà", )]
    targets = [B.encode(e).target for e in cases]
    assert targets == ["gay #2", "Schifo! [gap] *malati*? [gap] schifo", "malati contro natura", "nessuna"]
    for example, target in zip(cases, targets, strict=True):
        assert B.decode(target, example).prediction == example.gold


def test_b_answers_the_model_gets_wrong():
    example = post("I gay sono malati, vanno curati", "malati", "vanno curati")
    loose = B.decode("  MALATI [GAP]vanno   curati [ gap ] zzz", example)
    assert loose.prediction == example.gold and loose.parsed and loose.unplaced == ("zzz",)
    assert B.decode("Nessuna", example) == hodi.Decoded([], True)
    for garbage in ("", "[gap]", "qwerty", "[gap] xyz [gap]"):
        assert B.decode(garbage, example).prediction == [] and not B.decode(garbage, example).parsed
    with pytest.raises(ValueError, match="pass the example"):
        B.decode("malati")


def test_b_rationale_cells_are_checked(tmp_path):
    path = tmp_path / "HODI_2023_train_subtaskB.tsv"
    path.write_text("id\ttext\trationales\n1\tciao\t\n2\tciao\t[3,1,1]\n", encoding="utf-8")
    assert [e.gold for e in B.read(path)] == [[], [1, 3]]  # empty cell: no rationale (as ExtremITA)
    for cell, problem in (("[1,x]", "line 2: rationales '\\[1,x\\]' is not a list"),
                          ("[-1]", "is not a list"), ("[4]", "line 2: position 4 is past the end")):
        path.write_text(f"id\ttext\trationales\n1\tciao\t{cell}\n", encoding="utf-8")
        with pytest.raises(FormatError, match=problem):
            B.read(path)


def test_b_score_is_the_mean_per_post_f1(tmp_path):
    gold = tmp_path / "gold.tsv"
    gold.write_text("id\ttext\trationales\n1\tabcdef\t[0,1,2,3]\n2\tabcdef\t[]\n3\tabcdef\t[]\n",
                    encoding="utf-8")
    B.write_submission(["1", "2", "3"], [[2, 3, 4, 5], [], [1]], gold, tmp_path / "run")
    # post 1: 2 shared of 4 + 4 -> 0.5; post 2: both empty -> 1; post 3: a false alarm -> 0
    assert B.score(tmp_path / "run", gold) == {"f1": 0.5, "f1_on_rationale_posts": 0.5}


def positions_of(text, *pieces):
    return sorted(i for start, end in common.spans(text, *pieces) for i in range(start, end))


def test_b_extremita_nan_is_no_rationale():
    example = post("Sei un frocio", "frocio")
    assert B.decode("nan", example) == hodi.Decoded([], True) == B.decode(" NaN ", example)


def test_b_extremita_words_joined_by_spaces_are_placed_as_runs():
    text = 'Vergogna, il solito delirio della Rossi: «È normale crescere i figli con due "papà" gay» [URL]'
    example = hodi.Example("6", {"text": text})
    decoded = B.decode('Vergogna il solito delirio È normale crescere i figli con due "papà" gay', example)
    # two runs, each from its first word to its last: the punctuation inside a run is covered too
    assert decoded.prediction == positions_of(text, "Vergogna, il solito delirio",
                                              'È normale crescere i figli con due "papà" gay')
    assert decoded.parsed and not decoded.unplaced
    # re-encoded in the course's form: the runs' text joined by [gap]
    assert B.target(hodi.Example("6", {"text": text}, decoded.prediction)) == (
        'Vergogna, il solito delirio [gap] È normale crescere i figli con due "papà" gay')


def test_b_runs_go_forward_and_list_the_words_found_nowhere():
    text = "froci di merda, siete malati. Froci!"
    example = hodi.Example("1", {"text": text})
    decoded = B.decode("froci merda siete zzz qqq malati froci", example)
    # "malati froci" is one run: "malati. Froci" are neighbouring words of the post
    assert decoded.prediction == positions_of(text, "froci", "merda, siete", "malati. Froci")
    assert decoded.unplaced == ("zzz qqq",)
    # the course's own pieces first: "[gap]" pieces that the post holds whole are placed as before
    assert B.decode("froci di merda [gap] malati", example).prediction == positions_of(
        text, "froci di merda", "malati")
    only_symbols = B.decode("froci [gap] !!!", example)
    assert only_symbols.prediction == positions_of(text, "froci") and only_symbols.unplaced == ("!!!",)


def test_b_example_from_text_is_the_post():
    example = B.example_from_text("430", "il tuo amico è gay")
    assert example.fields == {"text": "il tuo amico è gay"} and example.gold is None
    assert B.decode("amico gay", example).prediction == [7, 8, 9, 10, 11, 15, 16, 17]
