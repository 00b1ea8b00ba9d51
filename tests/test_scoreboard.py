"""The scoreboard: the baseline's one answer per task, systems side by side, written as JSON and
Markdown, the published best cited."""

import json

import pytest

from biss_helpers import evaluation, fourcol, scoreboard
from tests.test_evaluation import sample_rows


def test_baseline_answers_the_majority_or_the_mean_and_parses():
    rows = sample_rows()
    answered = scoreboard.baseline(rows, rows)
    assert [r.id for r in answered] == [r.id for r in rows]
    per_task = {}
    for row in answered:
        per_task.setdefault(row.task, set()).add(row.target)
    assert all(len(answers) == 1 for answers in per_task.values())
    scores = evaluation.score(answered, rows, resamples=0)
    assert all(s.unparsed == 0 for s in scores.tasks.values())
    assert scores.tasks["discotex_2"].value == 0.0  # a constant has no correlation


def test_baseline_needs_training_rows_of_the_task():
    with pytest.raises(ValueError, match="no training row of task nermud"):
        scoreboard.baseline([], [fourcol.Row("1", "nermud", "x", "")])


def test_board_rows_markdown_and_files(tmp_path):
    rows = sample_rows(["emit_a", "haspeede", "geolingit_b"])
    flat = [fourcol.Row(r.id, r.task, r.input, "boh") for r in rows]
    board = scoreboard.Board({"finetuned": evaluation.score(rows, rows, resamples=50),
                              "base": evaluation.score(flat, rows, resamples=50)})
    table = {row["task"]: row for row in board.rows()}
    assert table["macro"]["finetuned"] == 1.0 and table["macro"]["difference"] > 0
    assert table["emit_a"]["published_best"] == scoreboard.PUBLISHED["emit_a"].value
    text = board.markdown()
    assert "| haspeede | macro_f1 | 1.0000" in text and "Araque et al." in text
    paths = board.write(tmp_path)
    assert json.loads(paths[0].read_text())["systems"]["base"]["macro"] == table["macro"]["base"]
