"""DisCoTex (discotex_1, discotex_2): the synthetic sample, the real release (quoted train/gold files,
unquoted blind files), malformed files, submissions and decoders."""

import collections
import csv
import re

import pytest

from biss_helpers.tasks import discotex
from biss_helpers.tasks.files import FormatError

from .common import write

ONE, TWO = discotex.DISCOTEX_1, discotex.DISCOTEX_2


def flat(example):
    return example.id, {k: " ".join(v.split()) for k, v in example.fields.items()}


def round_trip(task, gold, folder):
    """read -> encode -> decode(target) -> write_submission -> read_submission -> score."""
    examples = task.read(gold)
    decoded = [task.decode(task.encode(e).target, e) for e in examples]
    assert all(d.parsed for d in decoded)
    written = task.write_submission([e.id for e in examples], [d.prediction for d in decoded], gold, folder)
    predicted = task.read_submission(folder)
    assert list(predicted) == [e.id for e in examples]
    if task is ONE:
        assert predicted == {e.id: e.gold for e in examples}
    else:  # two decimals in the target and in the file
        assert all(abs(predicted[e.id] - e.gold) <= 0.005 + 1e-9 for e in examples)
    return examples, written, task.score(folder, gold)


def test_sample_round_trip_is_perfect(tmp_path):
    examples, written, scores = round_trip(ONE, ONE.sample_paths("gold"), tmp_path / "one")
    assert [p.name for p in written] == ["biss.subtask1.ted.run1.tsv", "biss.subtask1.wiki.run1.tsv"]
    assert scores == {"macro_f1": 1.0, "accuracy": 1.0, "accuracy_ted": 1.0, "accuracy_wiki": 1.0}
    assert [e.id for e in examples] == [f"task_1_{g}_test_{i}" for g in ("ted", "wiki") for i in range(1, 9)]
    examples, written, scores = round_trip(TWO, TWO.sample_paths("gold"), tmp_path / "two")
    assert [p.name for p in written] == ["biss.subtask2.run1.tsv"]
    assert scores["pearson"] >= 0.99 and scores["spearman"] >= 0.98
    assert [e.id for e in examples] == [f"task_2_test_{i}" for i in range(1, 17)]


@pytest.mark.parametrize("task", [ONE, TWO])
def test_sample_sizes_labels_and_groups(task):
    sizes = {split: len(task.read(task.sample_paths(split))) for split in ("train", "dev", "test", "gold")}
    assert sizes == {"train": 48, "dev": 16, "test": 16, "gold": 16}
    train = task.read(task.sample_paths("train"))
    if task is ONE:
        assert collections.Counter(e.gold for e in train) == {0: 24, 1: 24}
        assert all(e.fields["prompt"].count("\n") == 2 for e in train)  # three sentences, three lines
    else:
        assert min(e.gold for e in train) < 2 and max(e.gold for e in train) > 4.5
        assert {e.id.count("#") for e in train} == {1, 2}  # <videoid>#<n> and <docid>#<n>#<k>
    groups = collections.Counter(task.group(e) for e in train)
    assert max(groups.values()) > 1 and all("#" not in g for g in groups)


@pytest.mark.parametrize("task", [ONE, TWO])
def test_sample_has_the_quoting_pitfalls(task):
    for blind, gold in zip(task.sample_paths("test"), task.sample_paths("gold"), strict=True):
        assert blind.name == gold.name and blind.parent.name == "blind" and gold.parent.name == "gold"
        blind_text, gold_text = blind.read_text(encoding="utf-8"), gold.read_text(encoding="utf-8")
        assert blind_text.endswith("\t\n") and not gold_text.endswith("\n")  # gold: no final newline
        lines = blind_text.splitlines()
        assert all(line.endswith("\t") for line in lines[1:]) and len(lines) == len(task.read(blind)) + 1
        assert '"' in blind_text and '""' not in blind_text  # literal quotes, no escaping
        assert '""' in gold_text  # CSV-quoted, inner quotes doubled
        assert [flat(e) for e in task.read(blind)] == [flat(e) for e in task.read(gold)]
    if task is ONE:  # a blind prompt that starts with a quote breaks a reader with default quoting
        assert '\t"' in task.sample_paths("test")[0].read_text(encoding="utf-8")
        path = task.sample_paths("test")[0]
        with pytest.raises(csv.Error):
            list(csv.reader(path.open(encoding="utf-8", newline=""), delimiter="\t", strict=True))


REAL_LABELLED = [  # (file, task, rows, label counts or None)
    ("train/discotex_1_ted_train_set_release.tsv", ONE, 8000, {0: 4000, 1: 4000}),
    ("test/gold/discotex_1_ted_test_set_release.tsv", ONE, 800, {0: 400, 1: 400}),
    ("test/gold/discotex_1_wiki_test_set_release.tsv", ONE, 800, {0: 400, 1: 400}),
    ("train/discotex_2_train_clean_release.tsv", TWO, 864, None),
    ("test/gold/discotex_2_test_set_release.tsv", TWO, 200, None),
]


@pytest.mark.parametrize("name, task, rows, counts", REAL_LABELLED)
def test_real_labelled_files_round_trip(name, task, rows, counts, shared_dir, tmp_path):
    gold = shared_dir / "evalita/real/discotex" / name
    examples, written, scores = round_trip(task, gold, tmp_path / "out")
    assert len(examples) == rows
    with gold.open(encoding="utf-8", newline="") as handle:  # ids and order as the csv module reads them
        assert [e.id for e in examples] == [r["ID"] for r in csv.DictReader(handle, delimiter="\t")]
    if task is ONE:
        assert scores["accuracy"] == 1.0 and collections.Counter(e.gold for e in examples) == counts
        assert all(e.fields["prompt"].count("\n") == 2 for e in examples)
        genre = "ted" if "ted" in name else "wiki"
        assert [p.name for p in written] == [f"biss.subtask1.{genre}.run1.tsv"]
    else:
        assert scores["pearson"] >= 0.99 and all(1 <= e.gold <= 5 for e in examples)
        assert [p.name for p in written] == ["biss.subtask2.run1.tsv"]


@pytest.mark.parametrize("name, task, rows", [
    ("discotex_1_ted_test_set_release.tsv", ONE, 800), ("discotex_1_wiki_test_set_release.tsv", ONE, 800),
    ("discotex_2_test_set_release.tsv", TWO, 200)])
def test_real_blind_files_read_unquoted_and_get_a_submission(name, task, rows, shared_dir, tmp_path):
    root = shared_dir / "evalita/real/discotex/test"
    blind, gold = task.read(root / "blind" / name), task.read(root / "gold" / name)
    assert len(blind) == rows and all(e.gold is None for e in blind)
    assert [e.id for e in blind] == [e.id for e in gold]
    assert [flat(e) for e in blind] == [flat(e) for e in gold]  # same texts: newlines became spaces
    if name.startswith("discotex_1_wiki"):  # the discotex module docstring: default quoting loses two rows
        with (root / "blind" / name).open(encoding="utf-8", newline="") as handle:
            assert len(list(csv.reader(handle, delimiter="\t"))) - 1 == 798
    # a submission for the blind file: ExtremITA's layout, and the same bytes as for the gold file
    values = [task.decode("???").prediction if i % 2 else task.decode(task.verbalise(g.gold)).prediction
              for i, g in enumerate(gold)]
    [written] = task.write_submission([e.id for e in blind], values, root / "blind" / name, tmp_path / "b")
    [again] = task.write_submission([e.id for e in blind], values, root / "gold" / name, tmp_path / "g")
    assert written.name == again.name and written.read_bytes() == again.read_bytes()
    text = written.read_text(encoding="utf-8")
    assert text.endswith("\n") and "\r" not in text and not text.startswith("ID")
    pattern = r"[01]" if task is ONE else r"\d\.\d\d"
    lines = [line.split("\t") for line in text.splitlines()]
    assert [line[0] for line in lines] == [e.id for e in blind]
    assert all(len(line) == 2 and re.fullmatch(pattern, line[1]) for line in lines)


def test_ted_and_wiki_go_to_two_files_of_one_folder(shared_dir, tmp_path):
    root = shared_dir / "evalita/real/discotex/test"
    refs = [root / f"blind/discotex_1_{genre}_test_set_release.tsv" for genre in ("ted", "wiki")]
    examples = ONE.read(refs)
    written = ONE.write_submission([e.id for e in examples], [1] * 1600, refs, tmp_path / "run")
    assert [p.name for p in written] == ["biss.subtask1.ted.run1.tsv", "biss.subtask1.wiki.run1.tsv"]
    scores = ONE.score(tmp_path / "run", [str(r).replace("blind", "gold") for r in refs])
    assert scores["accuracy"] == scores["accuracy_ted"] == scores["accuracy_wiki"] == 0.5
    with pytest.raises(ValueError, match="give a folder"):
        ONE.write_submission([e.id for e in examples], [1] * 1600, refs, tmp_path / "one.tsv")



HEAD1 = "ID\tPROMPT\tTARGET\tCLASS\n"
ROW1 = 'a#1\t"uno\ndue\ntre"\tquattro\t1\n'  # a quoted record on lines 2-4


@pytest.mark.parametrize("task, text, message", [
    (ONE, "ID\tPROMPT\tCLASS\na#1\tuno due tre\t1\n", "line 1: missing column(s) 'TARGET'"),
    (ONE, HEAD1 + ROW1 + 'a#2\t"uno\ndue\ntre"\tquattro\t2', "line 5: unknown CLASS '2'"),
    (ONE, HEAD1 + ROW1 + 'a#2\t"uno\ndue"\tquattro\n', "line 5: expected 4 fields"),
    (ONE, HEAD1 + 't1\t"Se" poi\tx\t\nt2\ty\n t3\tz\tw\t\n', "line 3: expected 4 fields"),  # blind, unquoted
    (ONE, "ID,PROMPT,TARGET,CLASS\na#1,uno,due,1\n", "commas: wrong delimiter?"),
    (TWO, "ID\tTEXT\tSCORE\n1#2#0\tun testo\t3.5\n1#3#0\taltro\t7\n",
     "line 3: SCORE '7' is outside the range [1, 5]"),
    (TWO, "ID\tTEXT\tSCORE\n1#2#0\tun testo\tnan\n", "line 2: SCORE 'nan' is not a finite number"),
    (TWO, "ID\tTEXT\tSCORE\n1#2#0\tun testo\t0.99\n", "line 2: SCORE '0.99' is outside the range [1, 5]"),
    (TWO, "ID\tTEXT\tSCORE\n1#2#0\tun testo\ttre\n", "line 2: SCORE 'tre' is not a number"),
    (TWO, "ID\tTEXT\tSCORE\n1#2#0\t\t3\n", "line 2: empty 'TEXT'"),
])
def test_malformed_files_name_file_and_line(tmp_path, task, text, message):
    path = write(tmp_path / "discotex.tsv", text)
    with pytest.raises(FormatError) as error:
        task.read(path)
    assert str(error.value).startswith(f"{path}, line ") and message in str(error.value)


def test_bad_submissions_are_refused(tmp_path):
    with pytest.raises(FormatError, match=r"x.subtask1.run1.tsv, line 2: CLASS '2' is not 0 or 1"):
        ONE.read_submission(write(tmp_path / "x.subtask1.run1.tsv", "a\t1\nb\t2\n"))
    with pytest.raises(FormatError, match=r"line 1: expected ID<TAB>SCORE, found 1 field"):
        TWO.read_submission(write(tmp_path / "x.subtask2.run1.tsv", "a,3.5\n"))
    with pytest.raises(FormatError, match=r"run1.tsv, line 2: SCORE 'inf' is not a finite number"):
        TWO.read_submission(write(tmp_path / "x.subtask2.run1.tsv", "a\t3.5\nb\tinf\n"))
    with pytest.raises(FormatError, match=r"run1.tsv, line 1: SCORE '5.5' is outside the range \[1, 5\]"):
        TWO.read_submission(write(tmp_path / "x.subtask2.run1.tsv", "a\t5.5\n"))
    folder = tmp_path / "runs"
    folder.mkdir()
    write(folder / "x.subtask2.run1.tsv", "ID\tSCORE\na\t3.5\n")  # a header line is tolerated
    assert TWO.read_submission(folder) == {"a": 3.5}
    write(folder / "x.subtask2.run2.tsv", "a\t2\n")
    with pytest.raises(FormatError, match=r"run2.tsv, line 1: id 'a' predicted twice"):
        TWO.read_submission(folder)
    with pytest.raises(FileNotFoundError, match="subtask1"):
        ONE.read_submission(folder)


@pytest.mark.parametrize("text, label", [
    ("coerente", 1), ("non_coerente", 0),                          # ExtremITA
    ("Coerente", 1), ("Non coerente", 0), ("sì", 1), ("no", 0),    # BISS-2024
    ("COERENTE.", 1), ("Non_Coerente!", 0), ("Sì.", 1), ("NO", 0), ("incoerente", 0),
    ("La frase è coerente.", 1), ("La frase non è coerente.", 0), ("Risposta: non_coerente", 0),
    ("coerentte", 1), ("non_coernte", 0), ("noncoerente", 0), ("nn_coerente", 0),
])
def test_decode_1_is_tolerant(text, label):
    assert ONE.decode(text) == discotex.Decoded(label, True)


@pytest.mark.parametrize("text, value", [
    ("3.67", 3.67), ("3.66666666666667", 3.66666666666667), ("4", 4.0),   # ours and ExtremITA's
    ("4,5", 4.5), ("Punteggio: 2.25/5", 2.25), (" circa 3 ", 3.0), ("1", 1.0), ("5.0", 5.0), ("3-4", 3.0),
])
def test_decode_2_reads_the_first_number(text, value):
    assert TWO.decode(text) == discotex.Decoded(value, True)


@pytest.mark.parametrize("text", ["7", "0.5", "-2", "5.01", "1e999", "9" * 400, "-1 3"])
def test_decode_2_leaves_a_score_off_the_scale_unparsed_never_clipped(text):
    assert TWO.decode(text) == discotex.Decoded(3.0, False)


@pytest.mark.parametrize("garbage", ["", "   ", "boh", "#@!?", "\x00\t\n", "coerente?"])
def test_garbage_decodes_to_the_fallback(garbage):
    assert TWO.decode(garbage) == discotex.Decoded(3.0, False)
    if garbage != "coerente?":
        assert ONE.decode(garbage) == discotex.Decoded(1, False)


def test_groups_follow_the_document():
    example = discotex.Example
    assert [ONE.group(example(i, {})) for i in ("zBP_Qm4RLV8#32", "97958#14#0", "task_1_ted_test_1")] == \
           ["zBP_Qm4RLV8", "97958", "task_1_ted_test_1"]


def test_docstring_examples():
    import doctest

    result = doctest.testmod(discotex)
    assert result.attempted > 0 and result.failed == 0
