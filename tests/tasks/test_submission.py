"""From a predictions file to the official submission: the counts (rows, unparsed, fallbacks,
unplaced parts, other tasks), files or rows alike, refusals that name the problem, and a 4-column
file as the reference where the official files are absent."""

import json

import pytest

from biss_helpers import fourcol, tasks
from biss_helpers.tasks import submission
from biss_helpers.tasks.ids import IdError

from ..conftest import ROOT


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


def four_column_file(path, rows):
    fourcol.write(path, [fourcol.Row(*row) for row in rows])
    return path


REFERENCE = [("n1", "nermud", "Da Roma le Autorità Militari Alleate scrivono allo Stato italiano", ""),
             ("h1", "hodi_b", "siete froci, e malati", ""),
             ("n2", "nermud", "Ferri e Neri a Trento", "")]


def test_a_four_column_reference_gives_the_inputs_of_the_examples(tmp_path, capsys):
    from biss_helpers import cli

    reference = four_column_file(tmp_path / "R.tsv", REFERENCE)
    predictions = four_column_file(tmp_path / "P.tsv", [
        ("n1", "nermud", "", "[ORG] Autorità Militari Alleate Stato italiano [LOC] Roma"),
        ("n2", "nermud", "", "[PER] Ferri Zorro [LOC] Trento"), ("h1", "hodi_b", "", "froci malati")])
    output = tmp_path / "out.tsv"
    argv = ["decode", "--task", "nermud", "--predictions", str(predictions), "--reference", str(reference),
            "--output", str(output)]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert json.loads(printed[-1]) == {"task": "nermud", "rows": 2, "unparsed": 0, "unplaced": 1}
    assert "answer parts are not in their input and were left out (first: '[PER] Zorro')" in printed[1]
    assert output.read_text(encoding="utf-8").splitlines() == [
        "n1\tO B-LOC O B-ORG I-ORG I-ORG O O B-ORG I-ORG", "n2\tB-PER O O O B-LOC"]
    report = tasks.submit("hodi_b", predictions, [reference], tmp_path / "hodi.tsv")
    assert (report.rows, report.unparsed, report.unplaced) == (1, 0, [])
    assert report.other_tasks == {"nermud": 2}  # the reference's other rows are no problem either
    # "froci" and "malati" are not neighbours in the post ("froci, e malati"): two runs
    assert (tmp_path / "hodi.tsv").read_text(encoding="utf-8") == "h1\t[6,7,8,9,10,15,16,17,18,19,20]\n"


def test_a_four_column_reference_pairs_repeated_ids_by_position(tmp_path):
    author = "0123456789abcdef0123456789abcdef"
    reference = four_column_file(tmp_path / "R.tsv", [(author, "politicit", "primo tweet", ""),
                                                      (author, "politicit", "secondo tweet", ""),
                                                      ("x", "haspeede", "ciao", "")])
    rows = [fourcol.Row(author, "politicit", "", "donna sinitra centrosinitra"),
            fourcol.Row(author, "politicit", "", "boh")]
    report = tasks.submit("politicit", rows, reference, tmp_path / "out.tsv")
    assert (report.rows, report.unparsed) == (2, 1)  # the second got the fallback, still its own row
    assert (tmp_path / "out.tsv").read_text(encoding="utf-8").splitlines() == [
        f"{author}\tfemale,left,moderate_left", f"{author}\tmale,left,moderate_left"]


def test_a_four_column_reference_in_another_order_names_both_files_and_the_row(tmp_path):
    reference = four_column_file(tmp_path / "R.tsv", REFERENCE)
    swapped = four_column_file(tmp_path / "P.tsv", [("n2", "nermud", "", "nan"), ("n1", "nermud", "", "nan")])
    with pytest.raises(IdError, match=r"P.tsv and .*R.tsv do not list the same nermud rows in the same "
                                      r"order \(2 and 2 rows\): row 1 of nermud is 'n2' in .*P.tsv, 'n1' in"):
        tasks.submit("nermud", swapped, reference, tmp_path / "out.tsv")
    short = [fourcol.Row("n1", "nermud", "", "nan")]
    with pytest.raises(IdError, match=r"\(1 and 2 rows\): row 2 of nermud is no row in the predictions, "
                                      r"'n2' in .*R.tsv$"):
        tasks.submit("nermud", short, reference, tmp_path / "out.tsv")
    with pytest.raises(ValueError, match=r"R.tsv: no row of task clinkart in the 4-column reference"):
        tasks.submit("clinkart", [fourcol.Row("c1", "clinkart", "", "nan")], reference, tmp_path / "o.tsv")
    official = tasks.get_task("nermud").sample_paths("gold")[0]
    with pytest.raises(ValueError, match=r"WN_test.tsv is not a 4-column file .* not both"):
        tasks.submit("nermud", swapped, [reference, official], tmp_path / "out.tsv")
    assert not (tmp_path / "out.tsv").exists()


def test_no_official_file_reads_as_a_four_column_reference():
    files = [p for p in (ROOT / "biss_helpers" / "data" / "evalita").rglob("*") if p.is_file()]
    assert len(files) > 50
    assert [p for p in files if submission.four_column(p) is not None] == []


def test_no_real_official_file_reads_as_a_four_column_reference(shared_dir):
    real = shared_dir / "evalita" / "real"
    found = [p.relative_to(real).as_posix() for p in real.rglob("*") if p.is_file()
             and submission.four_column(p) is not None]
    assert found == ["biss2024/train_100.txt"]  # the tutorial's own 4-column file, and no other
