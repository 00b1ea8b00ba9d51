"""CLinkaRT (clinkart): PubTator-like files, sentence windows that lose no relation silently,
relations placed back on exact offsets (nearest test, shared and repeated results, #N), the
submission and the relation F1."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from biss_helpers.tasks import Example, clinkart
from biss_helpers.tasks.files import FormatError
from biss_helpers.tasks.pubtator import documents

from . import common

T = clinkart.CLINKART


def window(text, gold=None, start=0):
    return Example("1#1", {"text": text, "start": start, "doc": "1"}, gold)


def relation(text, result, test):
    (rs, re_), (ts, te) = common.spans(text, result, test)
    return (rs, re_, ts, te)


def test_sample_round_trip_is_perfect(tmp_path):
    examples, [written], scores = common.round_trip(T, T.sample_paths("gold"), tmp_path / "run")
    assert scores["f1"] == 1.0 and scores["relations"] == scores["predicted"] == 8
    assert written.name == "biss_clinkart.txt"
    raw = written.read_text(encoding="utf-8")
    assert raw.endswith("\n\n") and raw.startswith("300301|t|Donna di 48 anni")
    assert "300302\tREL\t51-55\t30-48\t8,4%\temoglobina glicata\n" in raw
    gold = documents(T.sample_paths("gold")[0])
    assert [d.relations for d in documents(written)] == [d.relations for d in gold]


def test_windows_overlap_and_ids_match_between_blind_and_gold():
    blind, gold = T.read(T.sample_paths("test")), T.read(T.sample_paths("gold"))
    assert [e.id for e in blind] == [e.id for e in gold] and blind[0].id == "300301#1"
    doc = gold[0].extra["document"]
    first, second = (e for e in gold if e.fields["doc"] == "300301")
    assert first.fields["text"] == doc[:first.fields["start"] + len(first.fields["text"])]
    assert second.fields["start"] < first.fields["start"] + len(first.fields["text"])  # one shared sentence
    assert doc.endswith(second.fields["text"])


def test_a_relation_no_window_holds_is_reported_and_still_scored(tmp_path, capsys):
    text = "Primo. La PCR. Niente. Altro. Ancora. Il valore di 12 mg/l."
    path = tmp_path / "training.txt"
    rs, re_, ts, te = relation(text, "12 mg/l", "PCR")  # five sentences apart
    path.write_text(f"9|t|{text}\n9\tREL\t{rs}-{re_}\t{ts}-{te}\n\n", encoding="utf-8")
    examples = T.read(path)
    assert "1 relations lie in no window of 3 sentences" in capsys.readouterr().out
    assert all(e.gold == [] for e in examples)
    T.write_submission([e.id for e in examples], [[] for _ in examples], path, tmp_path / "run")
    assert T.score(tmp_path / "run", path)["recall"] == 0.0  # counted as missed, not dropped


def test_nearest_test_shared_and_repeated_results():
    text = "Test per HIV negativo, HCV negativo. Emocromo e funzionalità renale nella norma."
    gold = sorted([relation(text, "negativo", "HIV"), relation(text, ("negativo", 2), "HCV"),
                   relation(text, "nella norma", "Emocromo"),
                   relation(text, "nella norma", "funzionalità renale")])
    example = window(text, gold)
    target = T.encode(example).target
    assert "#" not in target and target.count("[risultato] negativo") == 2
    assert T.decode(target, example).prediction == gold


def test_hint_where_the_nearest_test_is_not_the_right_one():
    text = "Dosata la PCR: valore di 12 mg/l; la PCR di controllo non è stata eseguita."
    gold = [relation(text, "12 mg/l", "PCR")]  # the first PCR, though the second is nearer
    example = window(text, gold)
    assert T.encode(example).target == "[risultato] 12 mg/l [esame] PCR #1"
    assert T.decode("[risultato] 12 mg/l [esame] PCR #1", example).prediction == gold
    assert T.decode("[risultato] 12 mg/l [esame] PCR", example).prediction == [
        relation(text, "12 mg/l", ("PCR", 2))]


def test_offsets_are_shifted_by_the_window_start_and_windows_merge(tmp_path):
    examples = T.read(T.sample_paths("gold"))
    later = next(e for e in examples if e.fields["start"] > 0 and e.gold)
    decoded = T.decode(T.encode(later).target, later)
    assert decoded.prediction == later.gold and min(min(r) for r in later.gold) >= later.fields["start"]
    doubled = [T.decode(T.encode(e).target, e).prediction for e in examples]  # shared sentences: twice
    [written] = T.write_submission([e.id for e in examples], doubled, T.sample_paths("gold"), tmp_path / "r")
    lines = [line for line in written.read_text(encoding="utf-8").splitlines() if "\tREL\t" in line]
    assert len(lines) == len(set(lines)) == 8


def test_pattern_characters_in_the_text():
    text = "Il Na+ è 140 mEq/l [basso?] e la PCR (proteina C reattiva) è 3* mg/l."
    gold = sorted([relation(text, "140 mEq/l [basso?]", "Na+"),
                   relation(text, "3* mg/l", "PCR (proteina C reattiva)")])
    example = window(text, gold)
    assert T.decode(T.encode(example).target, example).prediction == gold


def test_answers_the_model_gets_wrong():
    text = "La glicemia è 180 mg/dl e la VES 35 mm/h."
    example = window(text, [relation(text, "180 mg/dl", "glicemia")], start=100)
    right = [tuple(x + 100 for x in relation(text, "180 mg/dl", "glicemia"))]
    sloppy = T.decode("[Risultato]180mg/dl,[ESAME] Glicemia; [risultato] 9 [esame] PCR [esame] VES", example)
    assert sloppy.prediction == right and sloppy.parsed
    assert set(sloppy.unplaced) == {"[risultato] 9 [esame] PCR", "[esame] VES"}
    twice = T.decode("[risultato] 180 mg/dl [esame] glicemia " * 2, example)
    assert twice.prediction == right and not twice.unplaced  # said twice: one relation
    assert T.decode("[risultato] 180 mg/dl", example).unplaced == ("[risultato] 180 mg/dl",)
    assert T.decode("Nessuna relazione.", example) == clinkart.Decoded([], True)
    for garbage in ("", "glicemia 180", "[REL] x"):
        assert T.decode(garbage, example) == clinkart.Decoded([], False)


def test_malformed_files_name_the_line(tmp_path):
    path = tmp_path / "x.txt"
    cases = [("1|t|Hb 9.\n1\tREL\t3-20\t0-2\n", "line 2: offsets '3-20' are not start-end inside"),
             ("1|t|Hb 9.\n1\tREL\t3-4\t0-2\t8\tHb\n", "line 2: offsets 3-4 give '9', but the line says '8'"),
             ("1|t|Hb 9.\n1 REL 3-4 0-2\n", "line 2: expected DOCID.*spaces instead of TABs"),
             ("1|t|Hb 9.\n2\tREL\t3-4\t0-2\n", "line 2: expected DOCID"),
             ("1|t|Hb.\n\n1|t|Hb.\n", "line 3: document '1' appears twice"), ("\n", "no document")]
    for body, problem in cases:
        path.write_text(body, encoding="utf-8")
        with pytest.raises(FormatError, match=problem):
            documents(path)


def test_scorer_matches_hand_counts_and_needs_every_document(tmp_path):
    gold = T.sample_paths("gold")[0]
    examples = T.read(gold)
    keep = {"300301#1"}  # only the first window of the first case: 2 of 8 relations
    predicted = [e.gold if e.id in keep else [] for e in examples]
    T.write_submission([e.id for e in examples], predicted, gold, tmp_path / "run")
    scores = T.score(tmp_path / "run", gold)
    assert (scores["precision"], scores["recall"], scores["f1"]) == (1.0, 0.25, 0.4)
    (tmp_path / "run" / "biss_clinkart.txt").write_text("300301|t|x\n\n", encoding="utf-8")
    with pytest.raises(ValueError, match="3 gold documents are missing"):
        T.score(tmp_path / "run", gold)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["[risultato]", "[esame]", "[", "PCR", "12 mg/l", "#2", "(", "negativo",
                                 " ", ",", "nessuna"]), max_size=14).map("".join))
def test_any_answer_gives_valid_offsets(answer):
    text = "PCR 12 mg/l (alta), poi PCR negativo; HIV negativo."
    decoded = T.decode(answer, window(text, start=7))
    for rs, re_, ts, te in decoded.prediction:
        assert 7 <= rs < re_ <= 7 + len(text) and 7 <= ts < te <= 7 + len(text)
        assert re_ <= ts or te <= rs  # a result never overlaps its test
    assert len(set(decoded.prediction)) == len(decoded.prediction)


def test_extremita_forms_read_as_ours():
    text = "La glicemia è 180 mg/dl e la VES 35 mm/h."
    example = window(text, start=10)
    both = [tuple(x + 10 for x in relation(text, "180 mg/dl", "glicemia")),
            tuple(x + 10 for x in relation(text, "35 mm/h", "VES"))]
    theirs = T.decode("[BREL] 180 mg/dl [SEP] glicemia [EREL] [BREL] 35 mm/h [SEP] VES [EREL]", example)
    assert theirs == clinkart.Decoded(both, True)
    assert T.decode("[brel]35 mm/h[sep]VES[erel]", example).prediction == both[1:]
    assert T.decode("[BREL] 9 [SEP] PCR [EREL]", example).unplaced == ("[risultato] 9 [esame] PCR",)
    for none in ("[NOREL]", "nan", "NaN"):
        assert T.decode(none, example) == clinkart.Decoded([], True)
    assert T.decode("[SEP] glicemia", example) == clinkart.Decoded([], False)  # [SEP] alone is no form


def test_example_from_text_is_a_window_of_its_own():
    text = "PCR 12 mg/l, poi PCR 3 mg/l."
    example = T.example_from_text("7", text)
    assert example.fields == {"text": text, "start": 0, "doc": "7"} and example.gold is None
    assert T.decode("[risultato] 3 mg/l [esame] PCR", example).prediction == [relation(text, "3 mg/l",
                                                                                       ("PCR", 2))]
