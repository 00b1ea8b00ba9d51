"""ACTI (acti_a, acti_b): the synthetic sample, the real Kaggle files, malformed files, decoders."""

import collections

import pytest

from biss_helpers.tasks import acti
from biss_helpers.tasks.files import FormatError

from .common import round_trip, write

A, B = acti.ACTI_A, acti.ACTI_B


@pytest.mark.parametrize("task", [A, B])
def test_sample_round_trip_is_perfect(task, tmp_path):
    examples, written, scores = round_trip(task, task.sample_paths("gold"), tmp_path)
    assert [p.name for p in written] == [f"biss_subtask{task.subtask}.csv"]
    assert scores == {"macro_f1": 1.0, "accuracy": 1.0}
    assert [e.id for e in examples] == [str(i) for i in range(16)]


@pytest.mark.parametrize("task", [A, B])
def test_sample_is_balanced_and_has_the_format_pitfalls(task):
    sizes = {split: len(task.read(task.sample_paths(split))) for split in ("train", "dev", "test", "gold")}
    assert sizes == {"train": 48, "dev": 16, "test": 16, "gold": 16}
    train = task.read(task.sample_paths("train"))
    counts = collections.Counter(e.gold for e in train)
    assert set(counts) == set(task.labels) and len(set(counts.values())) == 1
    assert train[0].id == "0"  # ids restart at 0 in every file
    assert any("\n" in e.fields["text"] for e in train)
    blind = task.sample_paths("test")[0].read_text(encoding="utf-8")
    assert blind.startswith("Id,comment_text\n") and '""' in blind and "\r" not in blind


def test_subtasks_share_texts_without_crossing_splits():
    def texts(task, split):
        return {e.fields["text"] for e in task.read(task.sample_paths(split))}

    a_texts = {split: texts(A, split) for split in ("train", "test")}
    b_texts = {split: texts(B, split) for split in ("train", "test")}
    assert a_texts["train"] & b_texts["train"] and not a_texts["train"] & b_texts["test"]
    assert not a_texts["test"] & b_texts["train"]


REAL = {A: ("acti-subtask-a", "subtaskA", 1842, 460, "final_bert_submission.csv"),
        B: ("acti-subtask-b", "subtaskB", 810, 300, "final_bert_submission_B.csv")}


@pytest.mark.parametrize("task", [A, B])
def test_real_train_round_trip_is_perfect(task, shared_dir, tmp_path):
    folder, stem, n_train, _, _ = REAL[task]
    gold = shared_dir / "evalita/real/acti" / folder / f"{stem}_train.csv"
    examples, written, scores = round_trip(task, gold, tmp_path / "out")
    assert len(examples) == n_train and [e.id for e in examples] == [str(i) for i in range(n_train)]
    assert scores["macro_f1"] == 1.0
    counts = collections.Counter(e.gold for e in examples)
    if task is A:
        assert counts == {1: 925, 0: 917}
        assert sum("\n" in e.fields["text"] for e in examples) == 1139
    else:
        assert counts == {0: 435, 1: 242, 2: 57, 3: 76}


@pytest.mark.parametrize("task", [A, B])
def test_real_blind_submission_matches_the_participant_run(task, shared_dir, tmp_path):
    folder, stem, _, n_test, run = REAL[task]
    root = shared_dir / "evalita/real/acti" / folder
    blind = task.read(root / f"{stem}_test.csv")
    assert len(blind) == n_test and all(e.gold is None for e in blind)
    # the participant's predictions, rewritten for the blind file, give the same bytes back
    predicted = task.read_submission(root / run)
    assert list(predicted) == [e.id for e in blind]
    [written] = task.write_submission(list(predicted), list(predicted.values()), root / f"{stem}_test.csv",
                                      tmp_path / "my_run.csv")
    assert written.read_bytes() == (root / run).read_bytes()
    garbage = [task.decode("???").prediction] * n_test
    [written] = task.write_submission([e.id for e in blind], garbage, root / f"{stem}_test.csv", tmp_path)
    lines = written.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "Id,Expected" and lines[-1] == "" and len(lines) == n_test + 2
    assert all(line == f"{i},0" for i, line in enumerate(lines[1:-1]))


@pytest.mark.parametrize("task", [A, B])
def test_kaggle_sample_submission_has_two_ids_too_many(task, shared_dir, tmp_path):
    """The Kaggle sample has 462 rows (ids 0..461) for a 460-row test file (and B's is a copy of
    A's): used as a template it must be refused, not silently cut."""
    folder, stem, _, n_test, _ = REAL[task]
    root = shared_dir / "evalita/real/acti" / folder
    sample = task.read_submission(root / f"sample_submission_{stem[-1]}.csv")
    assert len(sample) == 462 and set(sample.values()) == {1}
    message = f"{462 - n_test} predicted ids are not in .*{stem}_test.csv: '{n_test}', '{n_test + 1}'"
    with pytest.raises(ValueError, match=message):
        task.write_submission(list(sample), list(sample.values()), root / f"{stem}_test.csv", tmp_path)



@pytest.mark.parametrize("text, message", [
    ("Id,text,conspiratorial\n0,ciao,1\n", "line 1: missing column(s) 'comment_text'"),
    ("Id,comment_text,conspiratorial\n0,ciao,1\n1,\"due\nrighe\",2\n", "line 3: unknown conspiratorial '2'"),
    ("Id,comment_text,conspiratorial\n0,ciao,1\n1,ciao\n", "line 3: expected 3 fields"),
    ("Id;comment_text;conspiratorial\n0;ciao;1\n", "line 1: missing column(s) 'Id', 'comment_text'"),
    ("Id;comment_text;conspiratorial\n0;ciao;1\n", "semicolons: wrong delimiter?"),
    ("Id,comment_text,conspiratorial\n0,ciao,²\n", "line 2: unknown conspiratorial '²'"),
    ("Id,comment_text,conspiratorial\n0,ciao,1\n1,\"aperto,1\n", "line 3: not valid CSV"),
])
def test_malformed_files_name_file_and_line(tmp_path, text, message):
    path = write(tmp_path / "subtaskA_train.csv", text)
    with pytest.raises(FormatError) as error:
        A.read(path)
    assert str(error.value).startswith(f"{path}, line ") and message in str(error.value)


def test_topic_must_agree_with_conspiracy(tmp_path):
    path = write(tmp_path / "b.csv", "Id,comment_text,topic,conspiracy\n0,x,Covid,0\n1,y,Russia,1\n")
    with pytest.raises(FormatError, match=r"b.csv, line 3: topic 'Russia' disagrees with conspiracy 1"):
        B.read(path)


def test_bad_submissions_are_refused(tmp_path):
    unknown = write(tmp_path / "biss_subtaskB.csv", "Id,Expected\n0,1\n1,4\n")
    with pytest.raises(FormatError, match="biss_subtaskB.csv, line 3: Expected '4' is not a label"):
        B.read_submission(unknown)
    twice = write(tmp_path / "biss_subtaskA.csv", "Id,Expected\n0,1\n0,0\n")
    with pytest.raises(FormatError, match="line 3: Id '0' appears twice"):
        A.read_submission(twice)


@pytest.mark.parametrize("text, label", [
    ("cospirazione", 1), ("non_cospirazione", 0),            # ExtremITA
    ("sì", 1), ("no", 0), ("Si.", 1), ("NO!", 0),           # BISS-2024 binary answers
    ("Cospirazione.", 1), ("NON COSPIRAZIONE", 0), ("non cospirazione", 0),
    ("Risposta: non_cospirazione, direi", 0), ("cospirazone", 1), ("non_cospirazone", 0),
])
def test_decode_a_is_tolerant(text, label):
    d = A.decode(text)
    assert (d.prediction, d.parsed) == (label, True)


@pytest.mark.parametrize("text, label", [
    ("Covid", 0), ("Qanon", 1), ("Russia", 2), ("Terra Piatta", 3),   # ExtremITA and BISS-2024
    ("covid", 0), ("TERRA_PIATTA", 3), ("terra piatta.", 3), ("La risposta è: Russia", 2),
    ("Qanom", 1), ("Terra Piata", 3), ("Q-Anon", 1),
])
def test_decode_b_is_tolerant(text, label):
    d = B.decode(text)
    assert (d.prediction, d.parsed) == (label, True)


@pytest.mark.parametrize("task", [A, B])
@pytest.mark.parametrize("garbage", ["", "   ", "boh", "#@!?", "\x00\t\n", "1234"])
def test_garbage_decodes_to_the_fallback(task, garbage):
    d = task.decode(garbage)
    assert (d.prediction, d.parsed) == (0, False)
