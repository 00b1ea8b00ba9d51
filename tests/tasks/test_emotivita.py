"""EmotivITA: the synthetic sample (names with spaces, CRLF, no final newline), the positional
submission, malformed files and the decoder. No real EmotivITA file is in ../shared."""

import re

import pytest

from biss_helpers.tasks import emotivita
from biss_helpers.tasks.files import FormatError

TASK = emotivita.EMOTIVITA


def test_sample_round_trip_is_perfect(tmp_path):
    gold = TASK.sample_paths("gold")
    examples = TASK.read(gold)
    decoded = [TASK.decode(TASK.encode(e).target, e) for e in examples]
    assert all(d.parsed for d in decoded)
    ids = [e.id for e in examples]
    [written] = TASK.write_submission(ids, [d.prediction for d in decoded], gold, tmp_path)
    assert written.name == "biss_SubtaskB_unconstrained_run1.csv"
    predicted = TASK.read_submission(tmp_path)
    assert list(predicted) == [e.id for e in examples] == [str(i) for i in range(65, 81)]
    assert all(all(abs(p - g) <= 0.005 + 1e-9 for p, g in zip(predicted[e.id], e.gold, strict=True))
               for e in examples)
    scores = TASK.score(tmp_path, gold)
    assert scores["pearson_mean"] >= 0.99 and all(scores[f"mae_{d}"] < 0.01 for d in "VAD")
    assert set(scores) == {"pearson_V", "pearson_A", "pearson_D", "pearson_mean", "mae_V", "mae_A", "mae_D"}


def test_sample_has_the_format_pitfalls():
    sizes = {split: len(TASK.read(TASK.sample_paths(split))) for split in ("train", "dev", "test", "gold")}
    assert sizes == {"train": 48, "dev": 16, "test": 16, "gold": 16}
    for split in ("train", "dev", "test", "gold"):
        [path] = TASK.sample_paths(split)
        raw = path.read_bytes()
        assert " " in path.name and raw.count(b"\n") == raw.count(b"\r\n") > 0  # spaces, CRLF only
        assert raw.endswith(b"\r\n") == (split == "test")  # dev and gold: no final newline
        assert raw.startswith(b"id,text,V,A,D\r\n" if split != "test" else b"id,text\r\n")
    train = TASK.read(TASK.sample_paths("train"))
    assert max(e.gold[0] for e in train) > 5  # gold values exceed the guidelines' 1-5 scale
    assert any('"' in e.fields["text"] for e in train) and any("," in e.fields["text"] for e in train)
    assert {TASK.stratum(e) for e in train} == {"low", "mid", "high"}


def test_submission_layout(tmp_path):
    blind = TASK.sample_paths("test")
    ids = [e.id for e in TASK.read(blind)]
    [written] = TASK.write_submission(ids[::-1], [(3.256, 1, 5.5)] * 16, blind, tmp_path / "run.csv")
    lines = written.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "id,V,A,D" and lines[-1] == "" and [line.split(",")[0] for line in lines[1:-1]] == ids
    assert all(re.fullmatch(r"\d+,3\.26,1\.00,5\.50", line) for line in lines[1:-1])
    with pytest.raises(ValueError, match="expected 3 numbers"):
        TASK.write_submission(ids, [(3.0, 2.0)] * 16, blind, tmp_path)


def test_score_refuses_rows_out_of_the_gold_order(tmp_path):
    """The official evaluation.py pairs rows by position: a shuffled file would score garbage."""
    gold = TASK.sample_paths("gold")
    examples = TASK.read(gold)
    lines = ["id,V,A,D"] + [f"{e.id},{e.gold[0]},{e.gold[1]},{e.gold[2]}" for e in examples]
    path = tmp_path / "biss_SubtaskB_unconstrained_run1.csv"
    path.write_text("\n".join(lines[:1] + lines[2:3] + lines[1:2] + lines[3:]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="row 2 has id '66' where the gold file has '65'.*by position"):
        TASK.score(path, gold)


def test_gold_with_renamed_columns_reads_too(tmp_path):
    path = tmp_path / "gold.csv"
    path.write_bytes(b"id,text,VE,AE,DE\r\n8001,\"Bene, grazie.\",3.5,2,4.25")
    [example] = TASK.read(path)
    assert (example.id, example.fields["text"], example.gold) == ("8001", "Bene, grazie.", (3.5, 2.0, 4.25))


@pytest.mark.parametrize("text, message", [
    ("id,V,A,D\r\n1,3,3,3", "line 1: missing column(s) 'text'"),
    ("id,text,V,A\r\n1,ciao,3,3", "line 1: missing column(s) 'D'"),
    ("id,text,V,A,D\r\n1,ciao,3,3,3\r\n2,ciao,tre,3,3", "line 3: V 'tre' is not a number"),
    ("id,text,V,A,D\r\n1,ciao,3,3,3\r\n2,ciao,3,,3", "line 3: V, A and D must be all given or all empty"),
    ("id,text,V,A,D\r\n1,ciao,3,3,3\r\n2,\"ciao, ciao\",3,3", "line 3: expected 5 fields"),
    ("id,text,V,A,D\r\n1,ciao,nan,3,3", "line 2: V 'nan' is not a finite number"),
    ("id,text,V,A,D\r\n1,ciao,3,-inf,3", "line 2: A '-inf' is not a finite number"),
    ("id,text,V,A,D\r\n1,ciao,3,3,3\r\n2,ciao,3,3,5.51", "line 3: D '5.51' is outside the range [1, 5.5]"),
    ("id,text,V,A,D\r\n1,ciao,0.9,3,3", "line 2: V '0.9' is outside the range [1, 5.5]"),
    ("id;text;V;A;D\r\n1;ciao;3;3;3", "semicolons: wrong delimiter?"),
])
def test_malformed_files_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "Development set.csv"
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(FormatError) as error:
        TASK.read(path)
    assert str(error.value).startswith(f"{path}, line ") and message in str(error.value)


def test_bad_submissions_are_refused(tmp_path):
    path = tmp_path / "x_SubtaskB_unconstrained_run1.csv"
    path.write_text("id,V,A,D\n1,3,3,3\n1,2,2,2\n", encoding="utf-8")
    with pytest.raises(FormatError, match="run1.csv, line 3: id '1' appears twice"):
        TASK.read_submission(path)
    path.write_text("id,V,A\n1,3,3\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 1: missing column"):
        TASK.read_submission(tmp_path)
    path.write_text("id,V,A,D\n1,3,3,3\n2,3,nan,3\n", encoding="utf-8")
    with pytest.raises(FormatError, match="run1.csv, line 3: A 'nan' is not a finite number"):
        TASK.read_submission(path)
    path.write_text("id,V,A,D\n1,3,3,7\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"run1.csv, line 2: D '7' is outside the range \[1, 5.5\]"):
        TASK.read_submission(path)


@pytest.mark.parametrize("text, values", [
    ("3.25 2.75 3.33", (3.25, 2.75, 3.33)),                      # ours
    ("3.2 2.7 3.3", (3.2, 2.7, 3.3)),                             # ExtremITA (and BISS-2024)
    ("valenza 3.25 attivazione 2.75 dominanza 3.33", (3.25, 2.75, 3.33)),
    ("Valenza: 3,5\nAttivazione: 2\nDominanza: 4", (3.5, 2.0, 4.0)),
    ("V: 4, A: 2, D: 3.5", (4.0, 2.0, 3.5)), ("dominanza 2 - valenza 4 - arousal 3", (4.0, 3.0, 2.0)),
    ("3,5 2,5 4", (3.5, 2.5, 4.0)), ("3.5, 2.5, 4", (3.5, 2.5, 4.0)),
    ("Risposta: 3.1 2.2 1.3.", (3.1, 2.2, 1.3)),
    ("5.5 1 1e0", (5.5, 1.0, 1.0)),                               # the scale's ends
])
def test_decode_is_tolerant(text, values):
    assert TASK.decode(text) == emotivita.Decoded(values, True)


@pytest.mark.parametrize("text, values", [
    ("", (3.0, 3.0, 3.0)), ("boh", (3.0, 3.0, 3.0)), ("#@!?\x00\t\n", (3.0, 3.0, 3.0)),
    ("3.5 2", (3.5, 2.0, 3.0)), ("valenza 4.5", (4.5, 3.0, 3.0)), ("9" * 400, (3.0, 3.0, 3.0)),
    ("9 0 3", (3.0, 3.0, 3.0)), ("3.2 5.6 2", (3.2, 3.0, 2.0)),   # off the scale: never clipped
    ("V: 1e999, A: 2, D: 3", (3.0, 2.0, 3.0)), ("3 -3 3", (3.0, 3.0, 3.0)),
])
def test_incomplete_answers_keep_what_parses_and_count_as_unparsed(text, values):
    assert TASK.decode(text) == emotivita.Decoded(values, False)


def test_docstring_examples():
    import doctest

    result = doctest.testmod(emotivita)
    assert result.attempted > 0 and result.failed == 0
