"""WiC-ITA (wicita_1, wicita_2): reading the JSONL files, offsets, round trips, submissions, decoders."""

import json
import random
import re

import pytest

from biss_helpers.tasks.files import FormatError
from biss_helpers.tasks.wicita import WICITA_1, WICITA_2

TASKS = (WICITA_1, WICITA_2)
ROWS = {"binary/train.jsonl": 2805, "binary/dev.jsonl": 500, "binary/test.jsonl": 500,
        "binary/test_eng.jsonl": 500, "ranking/train.jsonl": 3820, "ranking/train_agr.jsonl": 2805,
        "ranking/train_dis.jsonl": 1015, "ranking/dev.jsonl": 500, "ranking/test.jsonl": 500,
        "ranking/test_eng.jsonl": 500, "gold_truth/binary/test.jsonl": 500,
        "gold_truth/binary/test_eng.jsonl": 500, "gold_truth/ranking/test.jsonl": 500,
        "gold_truth/ranking/test_eng.jsonl": 500}
GOLD = {"wicita_1": ["binary/train.jsonl", "binary/dev.jsonl", "gold_truth/binary/test.jsonl",
                     "gold_truth/binary/test_eng.jsonl"],
        "wicita_2": ["ranking/train.jsonl", "ranking/train_agr.jsonl", "ranking/train_dis.jsonl",
                     "ranking/dev.jsonl", "gold_truth/ranking/test.jsonl",
                     "gold_truth/ranking/test_eng.jsonl"]}
ROW = {"id": "banco.noun.1", "lemma": "banco", "sentence1": "Il banco di scuola .",
       "sentence2": "Un banco di pesci .", "start1": 3, "end1": 8, "start2": 3, "end2": 8, "label": 1}


@pytest.fixture
def real(shared_dir):
    return shared_dir / "evalita" / "real" / "wicita"


def perfect(task, scores):
    return scores["macro_f1"] == 1.0 if task is WICITA_1 else scores["spearman"] >= 0.98


def round_trip(task, paths, folder):
    examples = task.read(paths)
    decoded = [task.decode(task.encode(e).target, e) for e in examples]
    assert all(d.parsed and d.prediction == e.gold for d, e in zip(decoded, examples, strict=True))
    written = task.write_submission([e.id for e in examples], [d.prediction for d in decoded], paths, folder)
    assert list(task.read_submission(folder)) == [e.id for e in examples]
    assert perfect(task, task.score(folder, paths))
    return examples, written


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
@pytest.mark.parametrize("split", ["train", "dev", "gold"])
def test_sample_round_trip(task, split, tmp_path):
    examples, written = round_trip(task, task.sample_paths(split), tmp_path)
    assert len(examples) == {"train": 48, "dev": 16, "gold": 16}[split]
    if split == "gold":  # an Italian and a cross-lingual file, as the real release
        assert sorted(p.name for p in written) == [f"{task.base}.jsonl", f"{task.base}_eng.jsonl"]


def test_sample_is_ascii_escaped_and_balanced():
    for path in WICITA_1.sample_paths("train") + WICITA_2.sample_paths("gold"):
        assert path.read_bytes().isascii() and b"\\u00" in path.read_bytes()
    labels = [e.gold for e in WICITA_1.read(WICITA_1.sample_paths("train"))]
    assert labels.count(0) == labels.count(1)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_real_files_read_with_offsets_inside(name, real):
    task = WICITA_2 if name.startswith(("ranking", "gold_truth/ranking")) else WICITA_1
    examples = task.read(real / name)
    assert len(examples) == ROWS[name] and len({e.id for e in examples}) == ROWS[name]
    assert all((e.gold is None) == ("test" in name and "gold" not in name) for e in examples)
    for e in examples[:50]:
        text = task.format_input(e)
        for n in "12":
            f = e.fields
            target = f[f"sentence{n}"][f[f"start{n}"]:f[f"end{n}"]]
            assert f"[[{target}]]" in text and target.strip() == target
            if f.get("cross"):
                assert target == f[f"lemma{n}"]  # test_eng: the slice is exactly lemma1 / lemma2


def test_offsets_are_end_exclusive(real):
    first = WICITA_1.read(real / "binary" / "train.jsonl")[0]
    text = WICITA_1.format_input(first)
    assert "è [[affare]] fatto" in text and "gli [[Affari]] Latinoamericani" in text


@pytest.mark.parametrize("task, name", [(t, n) for t in TASKS for n in GOLD[t.name]],
                         ids=lambda x: getattr(x, "name", x))
def test_real_gold_round_trip(task, name, real, tmp_path):
    examples, written = round_trip(task, real / name, tmp_path)
    assert len(examples) == ROWS[name]
    assert [p.name for p in written] == [f"{task.base}{'_eng' if 'eng' in name else ''}.jsonl"]


def template(line: str) -> str:
    """A submission line with its id and value blanked: what must match the official example."""
    return re.sub(r'"id": "[^"]*"', '"id": ID', re.sub(r"\d+(\.\d+)?}$", "V}", line))


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_real_blind_submission_has_the_official_structure(task, real, tmp_path):
    blind = [real / task.base / "test.jsonl", real / task.base / "test_eng.jsonl"]
    examples = task.read(blind)
    assert len(examples) == 1000 and all(e.gold is None for e in examples)
    task.write_submission([e.id for e in examples], [task.fallback] * 1000, blind, tmp_path)
    for name in (f"{task.base}.jsonl", f"{task.base}_eng.jsonl"):
        mine = (tmp_path / name).read_bytes().decode()
        theirs = (real / "example_submission" / name).read_bytes().decode()
        assert "\r" not in mine and mine.endswith("\n") and theirs.endswith("\n")
        mine, theirs = [json.loads(x) for x in mine.splitlines()], theirs.splitlines()
        assert [list(m) for m in mine] == [list(json.loads(t)) for t in theirs] == [["id", task.key]] * 500
        assert [m["id"] for m in mine] == [json.loads(t)["id"] for t in theirs]
        assert {type(m[task.key]) for m in mine} == {type(json.loads(t)[task.key]) for t in theirs}
        assert {template(json.dumps(m)) for m in mine} == {template(t) for t in theirs}
    gold = [real / "gold_truth" / task.base / name for name in ("test.jsonl", "test_eng.jsonl")]
    scores = task.score(real / "example_submission", gold)
    assert -1 <= scores[task.metric] <= 1


def write_lines(path, rows):
    lines = (r if isinstance(r, str) else json.dumps(r) for r in rows)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("bad, message", [
    ({k: v for k, v in ROW.items() if k != "sentence2"}, "line 2: missing key(s) 'sentence2'"),
    ({**ROW, "end1": 99}, "line 2: start1/end1 3..99 are not offsets of a target inside sentence1"),
    ({**ROW, "label": 2}, "line 2: unknown label 2"),
    ('{"id": "banco.noun.2", "lemma": "banco", "sentence1": "Il ban', "line 2: not valid JSON"),
    ("id\tlemma\tsentence1", "line 2: not valid JSON"),           # a TSV given as JSON Lines
    ({k: v for k, v in ROW.items() if k != "lemma"}, "line 2: missing key 'lemma'"),
    ({**{k: v for k, v in ROW.items() if k != "label"}, "score": 3.0}, "line 2: has 'score' but no 'label'"),
])
def test_malformed_files_name_file_and_line(bad, message, tmp_path):
    path = write_lines(tmp_path / "bad.jsonl", [ROW, bad])
    with pytest.raises(FormatError) as error:
        WICITA_1.read(path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_ranking_score_outside_the_scale_is_an_error(tmp_path):
    path = write_lines(tmp_path / "r.jsonl", [{**{k: v for k, v in ROW.items() if k != "label"}, "score": 5}])
    with pytest.raises(FormatError, match="line 1: score 5 is not a number from 1 to 4"):
        WICITA_2.read(path)
    gold = json.dumps({k: v for k, v in ROW.items() if k != "label"})[:-1]
    for value, shown in (("NaN", "nan"), ("-Infinity", "-inf"), ("true", "True"), ("1" + "0" * 400, "1000")):
        path = write_lines(tmp_path / "r.jsonl", [f'{gold}, "score": {value}}}'])
        with pytest.raises(FormatError, match=f"line 1: score {shown}.* is not a number from 1 to 4"):
            WICITA_2.read(path)
    bad = write_lines(tmp_path / "ranking.jsonl", ['{"id": "banco.noun.1", "label": 3.0}'])
    with pytest.raises(FormatError, match="line 1: missing key"):
        WICITA_2.read_submission(bad)  # the guidelines PDF says "label"; the scorer reads "score"


@pytest.mark.parametrize("text, expected", [
    ("uguale", 1), ("DIFFERENTE", 0), ("ugualé", 1), ("Risposta: differente.", 0), ("diferente", 0),
    ("sì", 1), ("No.", 0), ("stesso significato", 1), ("non uguale", 0),
])
def test_wicita_1_decoder_tolerance(text, expected):
    decoded = WICITA_1.decode(text)
    assert decoded.parsed and decoded.prediction == expected


def test_wicita_1_decodes_biss_2024_answers_with_the_lemma(tmp_path):
    example = WICITA_1.read(write_lines(tmp_path / "a.jsonl", [{**ROW, "lemma": "diverso"}]))[0]
    assert WICITA_1.decode("diverso uguale", example).prediction == 1  # the lemma is not the answer
    assert WICITA_1.decode("affare differente").prediction == 0
    assert WICITA_1.decode("Banco uguale", WICITA_1.read(write_lines(tmp_path / "b.jsonl", [ROW]))[0]).parsed


@pytest.mark.parametrize("text, expected", [
    ("3", 3.0), ("3,5", 3.5), ("punteggio: 2.5 su 4", 2.5), ("4", 4.0), ("1.0", 1.0), ("2-3", 2.0),
])
def test_wicita_2_decoder_reads_numbers(text, expected):
    decoded = WICITA_2.decode(text)
    assert decoded.parsed and decoded.prediction == expected


@pytest.mark.parametrize("text", ["7", "-2", "0.5", "4.01", "1e999", "9" * 400, "0 o 3"])
def test_wicita_2_score_off_the_scale_is_unparsed_never_clipped(text):
    assert (WICITA_2.decode(text).prediction, WICITA_2.decode(text).parsed) == (2.5, False)


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_garbage_and_random_text_fall_back_and_stay_writable(task, tmp_path):
    for garbage in ("", "zzzz qqqq", "#@!"):
        assert task.decode(garbage) == type(task.decode(""))(task.fallback, False)
    assert (WICITA_1.fallback, WICITA_2.fallback) == (1, 2.5)
    rng = random.Random(5)
    alphabet = "abcdefghilmnoprstuvz àèéìòù,;.!?_-0123456789\n\t\"'[]"
    gold = task.sample_paths("gold")
    examples = task.read(gold)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(40))) for _ in examples]
    predictions = [task.decode(t, e).prediction for t, e in zip(texts, examples, strict=True)]
    task.write_submission([e.id for e in examples], predictions, gold, tmp_path)
    assert task.metric in task.score(tmp_path, gold)


def test_pairs_group_together_in_either_order_and_augment_swaps(tmp_path):
    examples = WICITA_2.read(WICITA_2.sample_paths("train"))
    swapped = WICITA_2.augment(examples)
    assert len(swapped) == len(examples)
    for original, twin in zip(examples, swapped, strict=True):
        assert WICITA_2.group(original) == WICITA_2.group(twin) and twin.gold == original.gold
        assert twin.fields["sentence1"] == original.fields["sentence2"]
        assert WICITA_2.format_input(twin).count("[[") == 2
    assert len({WICITA_2.group(e) for e in examples}) == len(examples)
    assert WICITA_1.stratum(WICITA_1.read(WICITA_1.sample_paths("train"))[0]) in {"0", "1"}


def test_writer_errors(tmp_path):
    gold = WICITA_1.sample_paths("gold")
    ids = [e.id for e in WICITA_1.read(gold)]
    with pytest.raises(ValueError, match="need a folder"):
        WICITA_1.write_submission(ids, [1] * len(ids), gold, tmp_path / "binary.jsonl")
    with pytest.raises(ValueError, match="0 or 1"):
        WICITA_1.write_submission(ids, [2] * len(ids), gold, tmp_path)
    with pytest.raises(ValueError, match="have no prediction"):
        WICITA_1.write_submission(ids[1:], [1] * (len(ids) - 1), gold, tmp_path)


def test_submission_reader_rejects_repeated_ids_and_bad_values(tmp_path):
    rows = [{"id": "a.noun.1", "label": 1}, {"id": "a.noun.1", "label": 0}]
    twice = write_lines(tmp_path / "binary.jsonl", rows)
    with pytest.raises(FormatError, match="line 2: id 'a.noun.1' appears twice"):
        WICITA_1.read_submission(twice)
    (tmp_path / "b").mkdir()
    bad = write_lines(tmp_path / "b" / "binary.jsonl", [{"id": "a.noun.1", "label": "1"}])
    with pytest.raises(FormatError, match="line 1: label '1' is not 0 or 1"):
        WICITA_1.read_submission(bad.parent)
    for value in ("4.5", "0", "true", "NaN", "Infinity", "1" + "0" * 400):  # json reads NaN, Infinity
        (tmp_path / "r").mkdir(exist_ok=True)
        path = write_lines(tmp_path / "r" / "ranking.jsonl", [f'{{"id": "a.noun.1", "score": {value}}}'])
        with pytest.raises(FormatError, match=r"ranking.jsonl, line 1: score .* is not a number from 1 to 4"):
            WICITA_2.read_submission(path)
