"""EMit (emit_a, emit_b): reading the official files, round trips, submissions, decoder tolerance."""

import random
from pathlib import Path

import pytest

from biss_helpers.tasks import emit
from biss_helpers.tasks.emit import EMIT_A, EMIT_B, EMOTIONS, domain
from biss_helpers.tasks.files import FormatError

TASKS = (EMIT_A, EMIT_B)
ROWS = {"emit_train_A.csv": 5966, "emit_train_B.csv": 5966, "emit_sample.csv": 100, "emit_test.csv": 1000,
        "emit_test_ood.csv": 1000, "emit_test_nolabel.csv": 1000, "emit_test_nolabel_out_of_domain.csv": 1000}
GOLD = {"emit_a": ("emit_train_A.csv", "emit_sample.csv", "emit_test.csv", "emit_test_ood.csv"),
        "emit_b": ("emit_train_B.csv", "emit_sample.csv", "emit_test.csv", "emit_test_ood.csv")}
HEADER = "id,text," + ",".join(EMOTIONS) + ",Direction,Topic\n"


@pytest.fixture
def real(shared_dir):
    return shared_dir / "evalita" / "real" / "emit"


def round_trip(task, paths, folder):
    examples = task.read(paths)
    decoded = [task.decode(task.encode(e).target, e) for e in examples]
    assert all(d.parsed and d.prediction == e.gold for d, e in zip(decoded, examples, strict=True))
    written = task.write_submission([e.id for e in examples], [d.prediction for d in decoded], paths, folder)
    predicted = task.read_submission(folder)
    assert list(predicted) == [e.id for e in examples]
    scores = task.score(folder, paths)
    assert scores["macro_f1"] == 1.0 and scores["exact_match"] == 1.0, scores
    return examples, written


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
@pytest.mark.parametrize("split", ["train", "dev", "gold"])
def test_sample_round_trip(task, split, tmp_path):
    examples, written = round_trip(task, task.sample_paths(split), tmp_path)
    assert len(examples) == {"train": 48, "dev": 16, "gold": 16}[split]
    if split == "gold":  # an in-domain and an out-of-domain file, as the real release
        assert sorted(p.name for p in written) == [f"biss_Subtask{task.subtask}_in-domain_run1.csv",
                                                   f"biss_Subtask{task.subtask}_out-of-domain_run1.csv"]


def test_sample_has_every_pitfall():
    text = {p.name: p.read_bytes() for p in EMIT_A.sample_paths("train") + EMIT_A.sample_paths("gold")}
    assert all(b"\r" not in t and t.endswith(b"\n") for t in text.values())
    # minimal quoting: doubled quotes inside quoted texts, never a quoted id
    assert b'""' in text["emit_train_A.csv"] and b"\n\"" not in text["emit_train_A.csv"]
    ood = EMIT_A.read(EMIT_A.sample_paths("gold")[1])
    assert [e.id for e in ood][:2] == ["ad-1", "ad-2"] and any(e.gold == (0,) * 10 for e in ood)


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
@pytest.mark.parametrize("index", range(4))
def test_real_gold_round_trip(task, index, real, tmp_path):
    name = GOLD[task.name][index]
    examples, written = round_trip(task, real / name, tmp_path)
    assert len(examples) == ROWS[name] and len({e.id for e in examples}) == ROWS[name]
    where = "out-of-domain" if "ood" in name else "in-domain"
    assert [p.name for p in written] == [f"biss_Subtask{task.subtask}_{where}_run1.csv"]


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_real_blind_submission_has_the_official_structure(task, real, tmp_path):
    blind = [real / "emit_test_nolabel.csv", real / "emit_test_nolabel_out_of_domain.csv"]
    examples = task.read(blind)
    assert len(examples) == 2000 and all(e.gold is None for e in examples)
    written = task.write_submission([e.id for e in examples], [task.fallback] * 2000, blind, tmp_path)
    runs = real / "participant_runs"
    models = {"in-domain": real / f"submission_example_task-{task.subtask}.csv",
              "out-of-domain": runs / f"Muzio_Subtask{task.subtask}_out-of-domain_run1.csv"}
    for where, model in models.items():
        ours = tmp_path / f"biss_Subtask{task.subtask}_{where}_run1.csv"
        assert ours in written
        mine, theirs = ours.read_bytes().decode(), model.read_bytes().decode()
        assert "\r" not in mine and "\r" not in theirs
        mine, theirs = mine.splitlines(), theirs.splitlines()
        assert mine[0] == theirs[0] == ",".join(["id", *task.columns])
        assert [r.split(",")[0] for r in mine] == [r.split(",")[0] for r in theirs]
        width = len(task.columns)
        assert all(set(r.split(",")[1:]) <= {"0", "1"} and r.count(",") == width for r in mine[1:])
    assert task.score(real / "participant_runs", [real / "emit_test.csv", real / "emit_test_ood.csv"])


def test_scorer_asserts_the_gold_order(real, tmp_path):
    gold = real / "emit_test.csv"
    examples = EMIT_B.read(gold)
    path = tmp_path / "x_SubtaskB_in-domain_run1.csv"
    rows = [f"{e.id},{e.gold[0]},{e.gold[1]}" for e in examples]
    path.write_text("id,Direction,Topic\n" + "\n".join(rows[1:] + rows[:1]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="order"):
        EMIT_B.score(path, gold)
    path.write_text("id,Topic,Direction\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 1: the header must be"):
        EMIT_B.score(path, gold)


@pytest.mark.parametrize("content, message", [
    (HEADER.replace(",Trust", ""), "line 1: missing column(s) 'Trust'"),
    (HEADER + "a1,ciao," + "0," * 11 + "1\nb2,ciao," + "2," * 11 + "0\n", "line 3: unknown Anger '2'"),
    (HEADER + "a1,ciao," + "0," * 11 + "1\nb2,\"ciao, tronca\",0,0\n", "line 3: expected 14 fields"),
    (HEADER.replace(",", ";") + "a1;ciao" + ";0" * 12 + "\n", "line 1: missing column(s)"),
    ("id,text,Direction,Topic\na1,ciao,0,1\n", "line 1: missing column(s) 'Anger'"),
])
def test_malformed_files_name_file_and_line(content, message, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError) as error:
        EMIT_A.read(path)
    assert str(path) in str(error.value) and message in str(error.value)
    if ";" in content:
        assert "semicolons" in str(error.value)


def ones(*names):
    return tuple(int(e in names) for e in EMOTIONS)


@pytest.mark.parametrize("text, expected", [
    ("rabbia, disgusto", ones("Anger", "Disgust")),
    ("RABBIA", ones("Anger")),                                   # case
    ("tristézza", ones("Sadness")),                              # accents
    ("Le emozioni sono: gioia; amore!", ones("Joy", "Love")),    # punctuation, surrounding text
    ("tristeza", ones("Sadness")),                               # a typo
    ("amore fiducia gioia", ones("Joy", "Love", "Trust")),       # ExtremITA: space-joined, any order
    ("Joy, Trust", ones("Joy", "Trust")),                        # English names
    ("nessuna", (0,) * 10),                                      # no emotion at all: round trips
    ("nan", (0,) * 10),                                          # ExtremITA's empty cell, the same
    ("neutro", ones("Neutral")),
])
def test_emit_a_decoder_tolerance(text, expected):
    decoded = EMIT_A.decode(text)
    assert decoded.parsed and decoded.prediction == expected


@pytest.mark.parametrize("text, expected", [
    ("direzione_argomento", (1, 1)), ("Direzione, argomento.", (1, 1)), ("entrambi", (1, 1)),
    ("non specificato", (0, 0)), ("NON_SPECIFICATO", (0, 0)), ("la risposta è: argomento", (0, 1)),
    ("direzióne", (1, 0)), ("direzone", (1, 0)),
])
def test_emit_b_decoder_tolerance(text, expected):
    decoded = EMIT_B.decode(text)
    assert decoded.parsed and decoded.prediction == expected


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_garbage_and_random_text_fall_back_and_stay_writable(task, tmp_path):
    assert task.decode("zzzz qqqq").prediction == task.fallback and not task.decode("#@!").parsed
    assert EMIT_A.fallback == ones("Neutral") and EMIT_B.fallback == (0, 1)
    rng = random.Random(3)
    alphabet = "abcdefghilmnoprstuvz àèéìòù,;.!?_-0123456789\n\t\"'"
    gold = task.sample_paths("gold")
    examples = task.read(gold)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(40))) for _ in examples]
    predictions = [task.decode(t, e).prediction for t, e in zip(texts, examples, strict=True)]
    task.write_submission([e.id for e in examples], predictions, gold, tmp_path)
    assert 0 <= task.score(tmp_path, gold)["macro_f1"] <= 1


def test_domain_and_writer_errors(tmp_path):
    assert domain(Path("emit_test_nolabel_out_of_domain.csv"), ["x"]) == "out-of-domain"
    assert domain(Path("emit_test_ood.csv"), ["x"]) == "out-of-domain"
    assert domain(Path("blind.csv"), ["ad-1", "mv-12"]) == "out-of-domain"
    assert domain(Path("food.csv"), ["04b19fcefed25f6919fbbb8fe6ac4f1e"]) == "in-domain"
    gold = EMIT_A.sample_paths("gold")
    ids = [e.id for e in EMIT_A.read(gold)]
    with pytest.raises(ValueError, match="need a folder"):
        EMIT_A.write_submission(ids, [EMIT_A.fallback] * len(ids), gold, tmp_path / "one.csv")
    with pytest.raises(ValueError, match="have no prediction"):
        EMIT_A.write_submission(ids[1:], [EMIT_A.fallback] * (len(ids) - 1), gold, tmp_path)
    with pytest.raises(ValueError, match="10 values 0/1"):
        EMIT_A.write_submission(ids, [(1, 0)] * len(ids), gold, tmp_path)


def test_stratum_and_show():
    example = EMIT_A.read(EMIT_A.sample_paths("train"))[0]
    assert EMIT_A.stratum(example) in (*EMOTIONS, emit.NONE)
    assert EMIT_A.show(ones("Anger", "Trust")) == "1,0,0,0,0,0,0,0,0,1"
    assert EMIT_B.stratum(EMIT_B.read(EMIT_B.sample_paths("train"))[0]) in {"0,0", "0,1", "1,0", "1,1"}


def test_submission_reader_rejects_repeated_ids_and_bad_values(tmp_path):
    path = tmp_path / "biss_SubtaskB_in-domain_run1.csv"
    path.write_text("id,Direction,Topic\na1,0,1\na1,1,1\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 3: id 'a1' is repeated"):
        EMIT_B.read_submission(tmp_path)
    path.write_text("id,Direction,Topic\na1,0,yes\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 2: unknown Topic 'yes'"):
        EMIT_B.read_submission(path)
