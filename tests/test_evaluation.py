"""Scoring 4-column files: ids paired not positions, both sides decoded, every task scored on its
official metric, bootstrap intervals reproducible and around the point estimate, the CLI's JSON."""

import json

import pytest

from biss_helpers import evaluation, fourcol
from biss_helpers.tasks import TASKS, get_task


def sample_rows(names=None):
    """The dev rows of every task's sample, as notebook 02 writes them (gold target in column 4)."""
    rows = []
    for name in names or TASKS:
        task = get_task(name)
        rows += fourcol.encode(task, task.read(task.sample_paths("dev")))
    return rows


@pytest.fixture(scope="module")
def gold():
    return sample_rows()


def test_gold_against_itself_is_perfect_for_every_task(gold):
    scores = evaluation.score(gold, gold, resamples=0)
    assert set(scores.tasks) == set(TASKS)
    for name, entry in scores.tasks.items():
        best = 0.0 if not entry.higher_is_better else 1.0
        assert entry.value == pytest.approx(best), name
        assert entry.unparsed == 0 and entry.rows == sum(r.task == name for r in gold)
    assert scores.macro == pytest.approx(1.0)
    assert scores.not_in_macro == ["geolingit_b"]


def test_unparsed_answers_are_counted_and_still_scored(gold):
    broken = [fourcol.Row(r.id, r.task, r.input, "zzz qqq" if k % 3 == 0 else r.target)
              for k, r in enumerate(gold)]
    scores = evaluation.score(broken, gold, resamples=0)
    assert sum(s.rows for s in scores.tasks.values()) == len(gold)
    assert sum(s.unparsed for s in scores.tasks.values()) == sum(r.target == "zzz qqq" for r in broken)
    assert scores.macro < 1.0


def test_rows_are_paired_by_id_not_position(gold):
    shuffled = list(reversed(gold))
    assert evaluation.score(shuffled, gold, resamples=0).macro == pytest.approx(1.0)


@pytest.mark.parametrize("change, words", [
    (lambda rows: rows[1:], ["gold rows with no prediction (1): acti_a:0"]),
    (lambda rows: rows + rows[:1], ["predicted more often than the gold has them (1): acti_a:0 (rows 1, "]),
    (lambda rows: rows + [fourcol.Row("zz", "acti_a", "x", "non_cospirazione")],
     ["not in the gold (1): acti_a:zz"]),
])
def test_missing_duplicated_or_extra_ids_are_named(gold, change, words):
    with pytest.raises(ValueError) as error:
        evaluation.score(change(gold), gold, resamples=0)
    for word in words:
        assert word in str(error.value)


def test_an_answer_to_another_input_is_refused(gold):
    other = [fourcol.Row(gold[0].id, gold[0].task, "un altro testo", gold[0].target), *gold[1:]]
    with pytest.raises(ValueError, match="another input"):
        evaluation.score(other, gold, resamples=0)


def test_a_gold_target_that_does_not_parse_is_an_error_of_the_gold():
    rows = [fourcol.Row("1", "discotex_2", "testo", "boh")]
    with pytest.raises(ValueError, match="row 1 .*does not parse"):
        evaluation.score(rows, rows, resamples=0)


def test_bootstrap_interval_holds_the_estimate_and_repeats_with_its_seed(gold):
    half = [fourcol.Row(r.id, r.task, r.input, r.target if k % 2 else "boh") for k, r in enumerate(gold)]
    a, b = (evaluation.score(half, gold, resamples=200, seed=3) for _ in range(2))
    other = evaluation.score(half, gold, resamples=200, seed=4)
    for name, entry in a.tasks.items():
        low, high = entry.interval
        assert low <= entry.value <= high, name
        assert entry.interval == b.tasks[name].interval
    assert a.macro_interval[0] <= a.macro <= a.macro_interval[1]
    assert a.macro_interval != other.macro_interval
    assert a.macro_interval[1] - a.macro_interval[0] < max(
        s.interval[1] - s.interval[0] for s in a.tasks.values())


def test_difference_is_paired_and_needs_the_same_rows(gold):
    rows = sample_rows(["haspeede", "hodi_a"])
    good = evaluation.score(rows, rows, resamples=100)
    flat = evaluation.score([fourcol.Row(r.id, r.task, r.input, "boh") for r in rows], rows, resamples=100)
    delta = evaluation.difference(good, flat)
    assert delta["macro"]["difference"] == round(good.macro - flat.macro, 4)
    assert delta["macro"]["interval"][0] > 0
    with pytest.raises(ValueError, match="same gold rows"):
        evaluation.difference(good, evaluation.score(rows, rows, resamples=100, seed=9))


def test_summary_is_the_json_line_of_the_issue(gold):
    summary = evaluation.score(gold, gold, resamples=0).summary()
    assert set(summary) >= {"tasks", "macro"}
    assert summary["tasks"]["wicita_2"] == {"spearman": 1.0, "rows": 16, "unparsed": 0}
    json.dumps(summary)


def test_cli_score_prints_a_table_and_the_json_line(tmp_path, capsys, gold):
    from biss_helpers import cli

    path = tmp_path / "dev.tsv"
    fourcol.write(path, gold)
    assert cli.main(["score", "--predictions", str(path), "--gold", str(path), "--resamples", "0"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("task") and json.loads(out[-1])["macro"] == 1.0
    fourcol.write(path.with_name("pred.tsv"), gold[2:])
    assert cli.main(["score", "--predictions", str(path.with_name("pred.tsv")), "--gold", str(path)]) == 2
    assert "gold rows with no prediction (2)" in capsys.readouterr().err
