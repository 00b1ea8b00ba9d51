"""HaSpeeDe3 (haspeede): the synthetic sample, the real files, submissions split by dataset,
contextual references, malformed files, the decoder."""

import collections

import pytest

from biss_helpers.tasks import haspeede
from biss_helpers.tasks.files import FormatError

from . import common

T = haspeede.HASPEEDE
OFFICIAL = ["biss_taskA_textual_run_1.csv", "biss_taskB_XPoliticalHate_run_1.csv",
            "biss_taskB_XReligiousHate_run_1.csv"]


def round_trip(gold, folder):
    return common.round_trip(T, gold, folder)


def ids_of(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "anonymized_tweet_id,label"
    return [line.split(",")[0] for line in lines[1:]]


def test_sample_round_trip_writes_three_official_files(tmp_path):
    examples, written, scores = round_trip(T.sample_paths("gold"), tmp_path)
    assert [p.name for p in written] == OFFICIAL
    assert set(scores.values()) == {1.0} and set(scores) == {
        "macro_f1", "accuracy", "macro_f1_taskA_textual", "macro_f1_taskB_XPoliticalHate",
        "macro_f1_taskB_XReligiousHate"}
    political = [e.id for e in examples if e.extra["dataset"] == "test_politics"]
    religious = [e.id for e in examples if e.extra["dataset"] == "test_religious"]
    assert ids_of(written[0]) == ids_of(written[1]) == political and ids_of(written[2]) == religious


def test_sample_is_balanced_and_has_the_format_pitfalls():
    sizes = {split: len(T.read(T.sample_paths(split))) for split in ("train", "dev", "test", "gold")}
    assert sizes == {"train": 48, "dev": 16, "test": 16, "gold": 16}
    train = T.read(T.sample_paths("train"))
    assert collections.Counter(e.gold for e in train) == {0: 24, 1: 24}
    assert {e.extra["dataset"] for e in train} == {"training_politics"}
    gold = T.read(T.sample_paths("gold"))
    assert collections.Counter((e.extra["dataset"], e.gold) for e in gold) == {
        ("test_politics", 0): 4, ("test_politics", 1): 4, ("test_religious", 0): 4, ("test_religious", 1): 4}
    raw = T.sample_paths("train")[0].read_bytes()
    assert raw.startswith(b'"anonymized_tweet_id","anonymized_text","label","dataset"\r\n')
    assert raw.endswith(b'"training_politics"\r\n') and b" \n" in raw  # CRLF rows, LF inside tweets
    assert any("\n" in e.fields["text"] and "\r" not in e.fields["text"] for e in train)
    assert any(len(e.id) < 15 for e in train + gold)  # ids are strings of up to 15 digits


def test_contextual_file_is_a_reference_but_not_an_input(tmp_path):
    contextual = T.sample_paths("test")[0].with_name("test_contextual.csv")
    with pytest.raises(FormatError, match="contextual.csv, line 1: a contextual file: it has no tweet text"):
        T.read(contextual)
    blind = T.read(T.sample_paths("test"))
    assert all(e.gold is None for e in blind)
    written = T.write_submission([e.id for e in blind], [1] * len(blind), contextual, tmp_path / "ctx")
    assert [p.name for p in written] == OFFICIAL
    by_text = T.write_submission([e.id for e in blind], [1] * len(blind), T.sample_paths("test"),
                                 tmp_path / "txt")
    for mine, theirs in zip(written, by_text, strict=True):  # same rows, each in its reference's order
        assert sorted(ids_of(mine)) == sorted(ids_of(theirs))


def test_real_gold_round_trip_is_perfect(shared_dir, tmp_path):
    gold = shared_dir / "evalita/real/haspeede/gold/test_textual_gold.csv"
    examples, written, scores = round_trip(gold, tmp_path / "out")
    assert len(examples) == 4400 and set(scores.values()) == {1.0}
    assert collections.Counter(e.extra["dataset"] for e in examples) == {"test_politics": 1400,
                                                                        "test_religious": 3000}
    assert [len(ids_of(p)) for p in written] == [1400, 1400, 3000]
    assert examples[0].id == "424801448454884" and examples[0].fields["text"].count("\n") == 2


def test_real_training_round_trip_is_perfect(shared_dir, tmp_path):
    train = shared_dir / "evalita/real/haspeede/development/training_textual.csv"
    examples, written, scores = round_trip(train, tmp_path / "out")
    assert len(examples) == 5600 and sum("\n" in e.fields["text"] for e in examples) == 2760
    assert collections.Counter(e.gold for e in examples) == {0: 3456, 1: 2144}
    assert [p.name for p in written] == ["biss_training_politics_run_1.csv"]
    assert scores == {"macro_f1": 1.0, "accuracy": 1.0, "macro_f1_training_politics": 1.0}


def test_real_contextual_test_gets_the_participants_layout(shared_dir, tmp_path):
    real = shared_dir / "evalita/real/haspeede"
    with pytest.raises(FormatError, match="no tweet text"):
        T.read(real / "test/test_contextual.csv")
    gold = T.read(real / "gold/test_textual_gold.csv")
    contextual = real / "test/test_contextual.csv"
    written = T.write_submission([e.id for e in gold], [0] * 4400, contextual, tmp_path)
    assert [p.name for p in written] == OFFICIAL
    runs = real / "participant_runs"
    theirs_a = runs / "odang4haspeede_taskA_textual_run1.csv"
    theirs_b = runs / "odang4haspeede_taskB_textual_run1.csv"  # it holds the religious tweets
    # the runs follow the (missing) blind textual file's order, so ids are compared as sets
    assert sorted(ids_of(written[0])) == sorted(ids_of(written[1])) == sorted(ids_of(theirs_a))
    assert sorted(ids_of(written[2])) == sorted(ids_of(theirs_b))
    for mine, theirs in ((written[0], theirs_a), (written[2], theirs_b)):
        mine_bytes, their_bytes = mine.read_bytes(), theirs.read_bytes()
        assert b"\r" not in mine_bytes + their_bytes and b'"' not in mine_bytes + their_bytes
        assert mine_bytes.endswith(b"\n") and their_bytes.endswith(b"\n")
        assert {line.split(b",")[1] for line in their_bytes.splitlines()[1:]} <= {b"0", b"1"}
        assert {line.split(b",")[1] for line in mine_bytes.splitlines()[1:]} == {b"0"}


def test_real_participant_runs_score(shared_dir):
    real = shared_dir / "evalita/real/haspeede"
    gold = real / "gold/test_textual_gold.csv"
    scores = T.score(real / "participant_runs/odang4haspeede_taskA_textual_run1.csv", gold)
    assert scores["macro_f1"] == scores["macro_f1_taskA_textual"] == pytest.approx(0.9128, abs=1e-3)
    both = T.score(real / "participant_runs", gold)  # their task B file holds the religious tweets
    assert set(both) == {"macro_f1", "accuracy", "macro_f1_taskA_textual", "macro_f1_test_religious"}
    assert both["macro_f1_test_religious"] == pytest.approx(0.5213, abs=1e-3)


def test_a_file_must_cover_its_whole_dataset(tmp_path):
    gold = T.sample_paths("gold")
    examples = T.read(gold)
    political = [e for e in examples if e.extra["dataset"] == "test_politics"]
    lines = ["anonymized_tweet_id,label"] + [f"{e.id},{e.gold}" for e in political[:-1]]
    (tmp_path / "x_taskA_textual_run_1.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = "x_taskA_textual_run_1.csv: 1 of the 8 ids of the test_politics rows of .* have no prediction"
    with pytest.raises(ValueError, match=message):
        T.score(tmp_path, gold)
    (tmp_path / "x_taskA_textual_run_1.csv").write_text("\n".join(lines + ["1,0"]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="x_taskA_textual_run_1.csv: 1 predicted ids are not in .*gold"):
        T.score(tmp_path, gold)


def test_a_folder_is_required(tmp_path):
    taken = tmp_path / "file.csv"
    taken.write_text("x", encoding="utf-8")
    blind = T.read(T.sample_paths("test"))
    with pytest.raises(ValueError, match="give a folder"):
        T.write_submission([e.id for e in blind], [0] * len(blind), T.sample_paths("test"), taken)


HEAD = '"anonymized_tweet_id","anonymized_text","label","dataset"\r\n'


@pytest.mark.parametrize("text, message", [
    (HEAD.replace(',"dataset"', "") + '"1","ciao","0"\r\n', "line 1: missing column(s) 'dataset'"),
    (HEAD + '"1","ciao","0","test_politics"\r\n"2","due\nrighe","2","test_politics"\r\n',
     "line 3: unknown label '2'"),
    (HEAD + '"1","ciao","0","test_politics"\r\n"2","ciao","1"\r\n', "line 3: expected 4 fields"),
    (HEAD.replace('","', '";"') + '"1";"ciao";"0";"test_politics"\r\n', "line 1: not valid CSV"),
    (HEAD + '"1","ciao","0","test politics/x"\r\n', "line 2: dataset 'test politics/x' is not a dataset"),
    (HEAD.replace(",", "\t") + '"1"\t"ciao"\t"0"\t"test_politics"\r\n', "wrong delimiter?"),
    (HEAD + '"1","","0","test_politics"\r\n', "line 2: empty 'anonymized_text'"),
])
def test_malformed_files_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "test_textual_gold.csv"
    path.write_text(text, encoding="utf-8", newline="")
    with pytest.raises(FormatError) as error:
        T.read(path)
    assert str(error.value).startswith(f"{path}, line ") and message in str(error.value)


def test_bad_submissions_are_refused(tmp_path):
    path = tmp_path / "biss_taskA_textual_run_1.csv"
    path.write_text("anonymized_tweet_id,label\n1,0\n1,1\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 3: anonymized_tweet_id '1' appears twice"):
        T.read_submission(path)
    path.write_text("anonymized_tweet_id,label\n1,odio\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 2: unknown label 'odio'"):
        T.read_submission(path)
    with pytest.raises(FileNotFoundError, match=r"no HaSpeeDe3 submission file"):
        T.read_submission(tmp_path / "empty")


@pytest.mark.parametrize("text, label", [
    ("odio", 1), ("non_odio", 0),                           # ExtremITA
    ("sì", 1), ("no", 0), ("Si!", 1), ("No.", 0),          # BISS-2024 binary answers
    ("ODIO", 1), ("Non odio.", 0), ("non è odio", 0), ("Risposta: non_odio", 0),
    ("Il tweet contiene odio", 1), ("odioo", 1), ("non_oddio", 0), ("nessun odio", 0),
])
def test_decode_is_tolerant(text, label):
    d = T.decode(text)
    assert (d.prediction, d.parsed) == (label, True)


@pytest.mark.parametrize("garbage", ["", "   ", "boh", "#@!?", "\x00\t\n", "42"])
def test_garbage_decodes_to_the_fallback(garbage):
    d = T.decode(garbage)
    assert (d.prediction, d.parsed) == (0, False)
