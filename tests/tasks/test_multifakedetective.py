"""MULTI-Fake-DetectiVE (multifakedetective): the synthetic sample, repeated IDs, the ExtremITA
submission, malformed files, the decoder; real files are checked when ../shared holds some."""

import collections

import pytest

from biss_helpers.tasks import multifakedetective as mfd
from biss_helpers.tasks.files import FormatError

from . import common

TASK = mfd.MULTIFAKEDETECTIVE
HEADER = "Type\tID\tDate\tText\tMedia\tLabel\n"


def round_trip(gold, folder):
    return common.round_trip(TASK, gold, folder)


def test_sample_round_trip_is_perfect(tmp_path):
    examples, [written], scores = round_trip(TASK.sample_paths("gold"), tmp_path)
    assert written.name == "biss.predictions.tsv" and scores == {"macro_f1": 1.0, "accuracy": 1.0}
    lines = written.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == 17  # no header, LF, one line per row
    # the official (original) IDs, repeated ones included, in the reference order
    assert [line.split("\t")[0] for line in lines[:-1]] == [e.extra["ID"] for e in examples]
    assert [int(line.split("\t")[1]) for line in lines[:-1]] == [e.gold for e in examples]


def test_repeated_ids_keep_every_row(tmp_path, capsys):
    train = TASK.read(TASK.sample_paths("train"))
    assert len(train) == 48 and collections.Counter(e.gold for e in train) == {0: 12, 1: 12, 2: 12, 3: 12}
    repeated = [e for e in train if "#" in e.id]
    assert len(repeated) == 3 and all(e.id == e.extra["ID"] + "#2" for e in repeated)
    assert len({e.id for e in train}) == 48 and len({e.extra["ID"] for e in train}) == 45
    for e in repeated:  # every occurrence of an ID lands in the same split
        assert {TASK.group(x) for x in train if x.extra["ID"] == e.extra["ID"]} == {e.extra["ID"]}
    types = collections.defaultdict(set)
    for e in train:
        types[e.extra["ID"]].add(e.fields["type"])
    assert {"tweet", "article"} in types.values()  # one ID shared by a tweet and an article
    path = tmp_path / "data.tsv"
    path.write_text(HEADER + "tweet\t5\td\tuno\t[]\t0\ntweet\t5\td\tuno\t[]\t0\ntweet\t5\td\tdue\t[]\t1\n")
    assert [e.id for e in TASK.read(path)] == ["5", "5#2", "5#3"]
    assert f"{path}: 2 row(s) repeat an earlier ID" in capsys.readouterr().err
    with pytest.raises(FormatError, match="clashes"):
        mfd.unique_ids(["5", "5", "5#2"], "x.tsv")


def test_sample_has_the_format_pitfalls():
    sizes = {split: len(TASK.read(TASK.sample_paths(split))) for split in ("train", "dev", "test", "gold")}
    assert sizes == {"train": 48, "dev": 16, "test": 16, "gold": 16}
    train = TASK.read(TASK.sample_paths("train"))
    texts = [e.fields["text"] for e in train]
    assert any("\n" in t for t in texts) and any("\t" in t for t in texts) and any('"' in t for t in texts)
    assert all("\n" not in TASK.encode(e).input and "\t" not in TASK.encode(e).input for e in train)
    assert {len(e.fields["media"]) for e in train} == {0, 1, 2}
    assert all(m.endswith(".jpg") for e in train for m in e.fields["media"])
    blind = TASK.read(TASK.sample_paths("test"))
    assert all(e.gold is None for e in blind) and any("#" in e.id for e in blind)
    assert "Label" not in TASK.sample_paths("test")[0].read_text(encoding="utf-8").split("\n")[0]


def test_columns_in_any_order_and_extra_columns(tmp_path):
    path = tmp_path / "data.tsv"
    path.write_text("Label\tText\tSource\tID\tMedia\n3\t\"due\nrighe\"\tansa\t0012\t\"['a.jpg', 'b.png']\"\n"
                    "2.0\t\t\t0013\t\n1\tx\t\t0014\tnon una lista\n", encoding="utf-8")
    examples = TASK.read(path)
    assert [(e.id, e.gold, e.fields["text"]) for e in examples] == [
        ("0012", 3, "due\nrighe"), ("0013", 2, ""), ("0014", 1, "x")]
    assert [e.fields["media"] for e in examples] == [["a.jpg", "b.png"], [], ["non una lista"]]


def test_blind_submission_and_bad_submissions(tmp_path):
    blind = TASK.read(TASK.sample_paths("test"))
    [written] = TASK.write_submission([e.id for e in reversed(blind)], [2] * 16, TASK.sample_paths("test"),
                                      tmp_path / "run.tsv")
    assert written.read_text(encoding="utf-8") == "".join(f"{e.extra['ID']}\t2\n" for e in blind)
    with pytest.raises(ValueError, match=r"1 of the 16 ids of .*Task1_Test.tsv have no prediction"):
        TASK.write_submission([e.id for e in blind[1:]], [2] * 15, TASK.sample_paths("test"), tmp_path)
    run = tmp_path / "x.predictions.tsv"
    run.write_text("ID\tlabel\n7\t0\n7\t3\n", encoding="utf-8")
    assert TASK.read_submission(run) == {"7": 0, "7#2": 3}  # a header is tolerated
    for text, message in (("7\t4\n", "line 1: unknown Label '4'"), ("7\t1\t2\n", "line 1: expected 2"),
                          ("7\t1\n8\t\n", "line 2: empty label")):
        run.write_text(text, encoding="utf-8")
        with pytest.raises(FormatError, match=message):
            TASK.read_submission(run)


@pytest.mark.parametrize("text, message", [
    ("Type\tText\tLabel\ntweet\tciao\t1\n", "line 1: missing column(s) 'ID'"),
    ("Type\tID\tLabel\ntweet\t1\t1\n", "line 1: missing column 'Text'"),
    (HEADER + "tweet\t1\td\tciao\t[]\t0\ntweet\t2\td\tciao\t[]\t4\n", "line 3: unknown Label '4'"),
    (HEADER + "tweet\t1\td\t\"due\nrighe\"\t[]\t0\ntweet\t2\td\tciao\n", "line 4: expected 6 fields"),
    ("Type,ID,Date,Text,Media,Label\ntweet,1,d,ciao,[],0\n", "commas: wrong delimiter?"),
    (HEADER + "tweet\t1\td\tciao\t[]\tvero\n", "line 2: unknown Label 'vero'"),
])
def test_malformed_files_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "MULTI-Fake-Detective_Task1_Data.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError) as error:
        TASK.read(path)
    assert str(error.value).startswith(f"{path}, line ") and message in str(error.value)


@pytest.mark.parametrize("text, label", [
    ("certamente falso", 0), ("probabilmente falso", 1), ("probabilmente vero", 2), ("certamente vero", 3),
    ("Certamente VERO.", 3), ("PROBABILMENTE_FALSO", 1), ("Risposta: probabilmente vero, direi", 2),
    ("La notizia è certamente falsa!", 0), ("sicuramente vero", 3), ("forse falso", 1),
    ("certamnte falso", 0), ("probabilmente fasso", 1), ("probabilmente vro", 2),      # typos
    ("falso", 1), ("Vero.", 2), ("È una bufala", 1), ("fake", 1),    # bare: the probable class
    ("certainly fake", 0), ("probably real", 2),
])
def test_decode_is_tolerant(text, label):
    d = TASK.decode(text)
    assert (d.prediction, d.parsed) == (label, True)


@pytest.mark.parametrize("garbage", ["", "   ", "boh", "#@!?", "\x00\t\n", "1234", "certamente", "3"])
def test_garbage_decodes_to_the_fallback(garbage):
    d = TASK.decode(garbage)
    assert (d.prediction, d.parsed) == (2, False)


# Real files: none was public (see the module docstring); any TSV under ../shared/evalita/real/multifake*
# with an ID column is read and, when labelled, round-tripped.
def test_real_files_keep_every_row(shared_dir, tmp_path):
    paths = sorted((shared_dir / "evalita/real").glob("multi*fake*/**/*.tsv"), key=str)
    paths = [p for p in paths if "ID" in p.read_text(encoding="utf-8-sig").split("\n", 1)[0].split("\t")]
    if not paths:
        pytest.skip("no real MULTI-Fake-DetectiVE file in ../shared")
    for number, path in enumerate(paths):
        examples = TASK.read(path)
        assert len({e.id for e in examples}) == len(examples)
        if all(e.gold is not None for e in examples):
            _, _, scores = round_trip(path, tmp_path / str(number))
            assert scores["macro_f1"] == 1.0
