"""From a predictions file to the official submission: the counts (rows, unparsed, fallbacks,
unplaced parts, other tasks), files or rows alike, and refusals that name the problem."""

import pytest

from biss_helpers import fourcol, tasks


def gold_rows(name):
    task = tasks.get_task(name)
    gold = task.sample_paths("gold")
    return task, gold, fourcol.encode(task, task.read(gold))


def test_gold_targets_give_the_gold_submission_and_clean_counts(tmp_path):
    task, gold, rows = gold_rows("emit_b")
    report = tasks.submit("emit_b", rows, gold, tmp_path / "out")
    assert (report.task, report.rows, report.unparsed, report.fallbacks) == ("emit_b", len(rows), 0, {})
    assert report.unplaced == [] and report.other_tasks == {} and report.files
    assert task.read_submission(tmp_path / "out") == {e.id: e.gold for e in task.read(gold)}


def test_a_file_and_its_rows_give_the_same_submission(tmp_path):
    _, gold, rows = gold_rows("haspeede")
    fourcol.write(tmp_path / "pred.tsv", rows)
    from_file = tasks.submit("haspeede", tmp_path / "pred.tsv", gold, tmp_path / "a")
    from_rows = tasks.submit("haspeede", rows, gold, tmp_path / "b")
    assert [p.read_bytes() for p in from_file.files] == [p.read_bytes() for p in from_rows.files]


def test_unparsed_completions_get_the_fallback_and_are_counted_by_id(tmp_path):
    task, gold, rows = gold_rows("acti_a")
    garbage = {rows[1].id, rows[4].id}
    answered = [fourcol.Row(r.id, r.task, r.input, "boh" if r.id in garbage else r.target) for r in rows]
    report = tasks.submit("acti_a", answered, gold, tmp_path)
    assert report.unparsed == 2 and set(report.unparsed_ids) == garbage
    assert report.fallbacks == {task.show(task.fallback): 2}
    assert "2 did not parse (fallback" in report.summary()
    written = task.read_submission(tmp_path)
    assert len(written) == len(rows) and all(written[i] == task.fallback for i in garbage)


def test_rows_of_other_tasks_are_skipped_and_counted(tmp_path):
    _, gold, rows = gold_rows("acti_b")
    other = [fourcol.Row("x1", "haspeede", "ciao", "odio"), fourcol.Row("x2", "haspeede", "ciao", "odio")]
    report = tasks.submit("acti_b", rows + other, gold, tmp_path)
    assert report.rows == len(rows) and report.other_tasks == {"haspeede": 2}
    assert "2 rows of other tasks skipped (haspeede)" in report.summary()


def test_answer_parts_not_in_the_input_are_listed(tmp_path):
    task, gold, rows = gold_rows("nermud")
    invented = [fourcol.Row(rows[0].id, "nermud", rows[0].input, "[PER] Zzyzx Qwerty")] + rows[1:]
    report = tasks.submit("nermud", invented, gold, tmp_path)
    assert report.unplaced == ["[PER] Zzyzx Qwerty"] and report.rows == len(rows)
    assert "1 answer parts are not in their input" in report.summary()


def test_refusals_name_the_problem(tmp_path):
    _, gold, rows = gold_rows("acti_a")
    fourcol.write(tmp_path / "pred.tsv", rows)
    with pytest.raises(ValueError, match=r"pred.tsv: no row of task acti_b"):
        tasks.submit("acti_b", tmp_path / "pred.tsv", gold, tmp_path / "out")
    with pytest.raises(ValueError, match=r"^the predictions: 1 of the \d+ ids of .*gold.* have no"):
        tasks.submit("acti_a", rows[:-1], gold, tmp_path / "out")
    _, nermud_gold, nermud_rows = gold_rows("nermud")
    stray = nermud_rows + [fourcol.Row("WN_test-999", "nermud", "x", "nessuna")]
    with pytest.raises(ValueError, match="the predictions: 1 predicted ids are not in .*: 'WN_test-999'$"):
        tasks.submit("nermud", stray, nermud_gold, tmp_path / "out")


def test_without_a_reference_an_id_and_prediction_file(tmp_path):
    rows = [fourcol.Row("0", "wicita_2", "x", "3,5"), fourcol.Row("1", "wicita_2", "y", "boh")]
    report = tasks.submit("wicita_2", rows, None, tmp_path / "out.tsv")
    assert (report.rows, report.unparsed) == (2, 1)
    assert [line.split("\t")[0] for line in (tmp_path / "out.tsv").read_text().splitlines()] == ["0", "1"]
