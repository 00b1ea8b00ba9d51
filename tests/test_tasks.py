"""What every registered task promises, checked on every task at once: its synthetic sample, the
round trip through the CLI, decoders that never raise, and the registry itself."""

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from biss_helpers import cli, fourcol, tasks

# The task keys of the public BISS-2024 tutorial files, and CLinkaRT (ExtremITA's 13th task).
TUTORIAL_KEYS = ("acti_a acti_b clinkart discotex_1 discotex_2 emit_a emit_b emotivita geolingit_a "
                 "geolingit_b haspeede hodi_a hodi_b langlearn multifakedetective nermud politicit "
                 "wicita_1 wicita_2").split()
TASKS = sorted(tasks.TASKS)


def perfect(task, scores) -> bool:
    """A round trip of gold through encode/decode is perfect: 1.0 for labels, >= 0.98 for
    correlations (targets round the values), under 1 km for coordinates."""
    value = scores[task.metric]
    if "km" in task.metric:
        return value < 1.0
    if any(name in task.metric for name in ("pearson", "spearman", "correlation")):
        return value >= 0.98
    return math.isclose(value, 1.0)


def run(argv, capsys):
    assert cli.main(argv) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_every_tutorial_task_key_is_registered():
    assert set(TUTORIAL_KEYS) <= set(tasks.TASKS), set(TUTORIAL_KEYS) - set(tasks.TASKS)


def test_unknown_task_names_the_known_ones():
    with pytest.raises(KeyError, match="acti_a, acti_b"):
        tasks.get_task("acti_c")


@pytest.mark.parametrize("name", TASKS)
def test_task_declares_itself(name):
    task = tasks.get_task(name)
    assert task.name == name and task.title and task.metric
    assert task.instruction.strip() and task.instruction == task.instruction.strip()
    for split in ("train", "dev", "test", "gold"):
        paths = task.sample_paths(split)
        assert paths and all(p.is_file() for p in paths), (name, split)


def test_instructions_are_distinct():
    instructions = [t.instruction for t in tasks.TASKS.values()]
    assert len(set(instructions)) == len(instructions)


@pytest.mark.parametrize("name", TASKS)
def test_sample_is_labelled_where_it_should_be(name):
    task = tasks.get_task(name)
    for split in ("train", "dev", "gold"):
        examples = task.read(task.sample_paths(split))
        assert len(examples) >= 8 and all(e.gold is not None for e in examples), split
        assert all(isinstance(e.id, str) for e in examples)
    blind = task.read(task.sample_paths("test"))
    gold = task.read(task.sample_paths("gold"))
    assert all(e.gold is None for e in blind)
    assert [e.id for e in blind] == [e.id for e in gold]


@pytest.mark.parametrize("name", TASKS)
def test_sample_has_more_than_one_label(name):
    task = tasks.get_task(name)
    train = task.read(task.sample_paths("train"))
    assert len({task.encode(e).target for e in train}) > 1


@pytest.mark.parametrize("name", TASKS)
def test_round_trip_through_the_cli_is_perfect(name, tmp_path, capsys):
    task = tasks.get_task(name)
    gold = [str(p) for p in task.sample_paths("gold")]
    encoded = tmp_path / "gold.tsv"
    out = run(["encode", "--task", name, "--input", *gold, "--output", str(encoded)], capsys)
    rows = fourcol.read(encoded)
    assert out == {"task": name, "rows": len(rows)} and len(rows) == len(task.read(gold))
    assert all(row.target for row in rows)
    submission = tmp_path / "submission"
    out = run(["decode", "--task", name, "--predictions", str(encoded), "--reference", *gold,
               "--output", str(submission)], capsys)
    assert out == {"task": name, "rows": len(rows), "unparsed": 0}
    scores = run(["evaluate", "--task", name, "--submission", str(submission), "--gold", *gold], capsys)
    assert scores["task"] == name and perfect(task, scores), scores


@pytest.mark.parametrize("name", TASKS)
def test_blind_test_file_gets_a_submission(name, tmp_path, capsys):
    """Encode the blind test file (targets empty), answer garbage, decode against it: every row is
    written with the fallback and counted as unparsed."""
    task = tasks.get_task(name)
    blind = [str(p) for p in task.sample_paths("test")]
    encoded = tmp_path / "test.tsv"
    run(["encode", "--task", name, "--input", *blind, "--output", str(encoded)], capsys)
    rows = fourcol.read(encoded)
    assert rows and not any(row.target for row in rows)
    answered = tmp_path / "answers.tsv"
    fourcol.write(answered, [fourcol.Row(r.id, r.task, r.input, "???") for r in rows])
    out = run(["decode", "--task", name, "--predictions", str(answered), "--reference", *blind,
               "--output", str(tmp_path / "submission")], capsys)
    assert out == {"task": name, "rows": len(rows), "unparsed": len(rows)}
    assert any((tmp_path / "submission").iterdir())


def test_decode_without_reference_writes_id_and_prediction(tmp_path, capsys):
    rows = [fourcol.Row("0", "acti_b", "x", "Qanon"), fourcol.Row("1", "acti_b", "y", "boh"),
            fourcol.Row("2", "acti_a", "z", "cospirazione")]
    fourcol.write(tmp_path / "pred.tsv", rows)
    out = run(["decode", "--task", "acti_b", "--predictions", str(tmp_path / "pred.tsv"),
               "--output", str(tmp_path / "out.tsv")], capsys)
    assert out == {"task": "acti_b", "rows": 2, "unparsed": 1}
    assert (tmp_path / "out.tsv").read_text().splitlines() == ["0\t1", "1\t0"]


def test_cli_errors_name_the_problem(tmp_path, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_text("1\tnot_a_task\tciao\t\n", encoding="utf-8")
    assert cli.main(["decode", "--task", "acti_a", "--predictions", str(bad),
                     "--output", str(tmp_path / "o")]) == 2
    assert f"{bad}, line 1: unknown task 'not_a_task'" in capsys.readouterr().err
    assert cli.main(["encode", "--task", "nope", "--input", str(bad), "--output", "x"]) == 2
    assert "unknown task 'nope'; known tasks: acti_a" in capsys.readouterr().err


@pytest.mark.parametrize("name", TASKS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.lists(st.text(max_size=80), min_size=1, max_size=6))
def test_any_text_decodes_to_a_writable_submission(name, answers, tmp_path_factory):
    """Arbitrary completions never raise, give one prediction per id, in order, and the official
    writer accepts them for the whole reference file."""
    task = tasks.get_task(name)
    gold = task.sample_paths("gold")
    examples = task.read(gold)
    completions = [answers[i % len(answers)] for i in range(len(examples))]
    decoded = [task.decode(c, e) for c, e in zip(completions, examples, strict=True)]
    assert len(decoded) == len(examples)
    assert all(isinstance(d, tasks.Decoded) and isinstance(d.parsed, bool) for d in decoded)
    folder = tmp_path_factory.mktemp(name)
    written = task.write_submission([e.id for e in examples], [d.prediction for d in decoded], gold, folder)
    assert written and all(p.is_file() for p in written)
    task.score(folder, gold)  # the scorer reads back what the writer wrote


@pytest.mark.parametrize("name", TASKS)
def test_fallback_is_what_garbage_decodes_to(name):
    task = tasks.get_task(name)
    example = task.read(task.sample_paths("gold"))[0]
    for garbage in ("", "   ", "#@!", "zzzz qqqq"):
        decoded = task.decode(garbage, example)
        assert not decoded.parsed and decoded.prediction == task.fallback_for(example), (garbage, decoded)
    assert task.fallback_for(example) == task.fallback or task.needs_example


# Every real labelled file in ../shared/evalita/real/ (FORMATS.md), with its official row count.
REAL_GOLD = [
    ("acti_a", ["acti/acti-subtask-a/subtaskA_train.csv"], 1842),
    ("acti_b", ["acti/acti-subtask-b/subtaskB_train.csv"], 810),
    ("discotex_1", ["discotex/train/discotex_1_ted_train_set_release.tsv"], 8000),
    ("discotex_1", ["discotex/test/gold/discotex_1_ted_test_set_release.tsv"], 800),
    ("discotex_1", ["discotex/test/gold/discotex_1_wiki_test_set_release.tsv"], 800),
    ("discotex_2", ["discotex/train/discotex_2_train_clean_release.tsv"], 864),
    ("discotex_2", ["discotex/test/gold/discotex_2_test_set_release.tsv"], 200),
    ("emit_a", ["emit/emit_train_A.csv"], 5966),
    ("emit_a", ["emit/emit_test.csv"], 1000),
    ("emit_a", ["emit/emit_test_ood.csv"], 1000),
    ("emit_a", ["emit/emit_sample.csv"], 100),
    ("emit_b", ["emit/emit_train_B.csv"], 5966),
    ("emit_b", ["emit/emit_test.csv"], 1000),
    ("emit_b", ["emit/emit_test_ood.csv"], 1000),
    ("haspeede", ["haspeede/development/training_textual.csv"], 5600),
    ("haspeede", ["haspeede/gold/test_textual_gold.csv"], 4400),
    ("wicita_1", ["wicita/binary/train.jsonl"], 2805),
    ("wicita_1", ["wicita/binary/dev.jsonl"], 500),
    ("wicita_1", ["wicita/gold_truth/binary/test.jsonl"], 500),
    ("wicita_1", ["wicita/gold_truth/binary/test_eng.jsonl"], 500),
    ("wicita_2", ["wicita/ranking/train.jsonl"], 3820),
    ("wicita_2", ["wicita/ranking/train_dis.jsonl"], 1015),
    ("wicita_2", ["wicita/ranking/dev.jsonl"], 500),
    ("wicita_2", ["wicita/gold_truth/ranking/test.jsonl"], 500),
    ("wicita_2", ["wicita/gold_truth/ranking/test_eng.jsonl"], 500),
    *[("nermud", [f"nermud/{domain}_{split}.tsv"], count) for domain, split, count in (
        ("WN", "train", 10912), ("WN", "dev", 2594), ("WN", "test", 2088),
        ("FIC", "train", 11423), ("FIC", "dev", 1051), ("FIC", "test", 1517),
        ("ADG", "train", 5147), ("ADG", "dev", 1122), ("ADG", "test", 521))],
]


@pytest.mark.parametrize("name, files, count", REAL_GOLD, ids=lambda v: v if isinstance(v, str) else None)
def test_round_trip_through_the_cli_on_real_files(name, files, count, shared_dir, tmp_path, capsys):
    """encode the official gold file, use the targets as completions, decode against the same
    file, evaluate: a perfect score, with the official number of rows."""
    task = tasks.get_task(name)
    gold = [str(shared_dir / "evalita" / "real" / f) for f in files]
    encoded = tmp_path / "gold.tsv"
    assert run(["encode", "--task", name, "--input", *gold, "--output", str(encoded)], capsys) == {
        "task": name, "rows": count}
    out = run(["decode", "--task", name, "--predictions", str(encoded), "--reference", *gold,
               "--output", str(tmp_path / "submission")], capsys)
    assert out == {"task": name, "rows": count, "unparsed": 0}
    scores = run(["evaluate", "--task", name, "--submission", str(tmp_path / "submission"),
                  "--gold", *gold], capsys)
    assert perfect(task, scores), scores
