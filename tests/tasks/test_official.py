"""Scores on values and on files agree (`Task.measure`, `Task.score`), and the scores as the organisers
report them, per gold file or domain (`official.score_files`), equal each part scored alone."""

import shutil

import pytest

from biss_helpers import tasks
from biss_helpers.tasks import official
from biss_helpers.tasks.official import COMBINED

TASKS = sorted(tasks.TASKS)
# Keys `score` adds to `measure`'s, as before: the accuracy of each DisCoTex test set, the macro-F1 of
# each HaSpeeDe3 submission file.
EXTRA = {"discotex_1": {"accuracy_ted", "accuracy_wiki"},
         "haspeede": {"macro_f1_taskA_textual", "macro_f1_taskB_XPoliticalHate",
                      "macro_f1_taskB_XReligiousHate"}}


def wrong(task, examples):
    """Predictions with every third one wrong, and the second, where the task allows: another label,
    the next example's value, or (answers placed in the input) the task's empty answer."""
    golds, found = [e.gold for e in examples], []
    labels = list(getattr(getattr(task, "verbaliser", None), "words", ()))
    for i, example in enumerate(examples):
        if i % 3 and i != 1:  # the second too: the parts of the samples are too much alike
            found.append(example.gold)
        elif task.decode_needs_example:
            found.append(task.fallback_for(example))
        elif labels:
            found.append(labels[(labels.index(example.gold) + 1) % len(labels)])
        else:
            found.append(golds[(i + 1) % len(golds)])
    return found


def written(task, folder, predictions=None):
    """The sample gold's examples, and its submission in `folder` (the gold values, or `predictions`)."""
    gold = task.sample_paths("gold")
    examples = task.read(gold)
    values = [e.gold for e in examples] if predictions is None else predictions(task, examples)
    task.write_submission([e.id for e in examples], values, gold, folder)
    return examples, values, gold


@pytest.mark.parametrize("name", TASKS)
def test_measure_of_the_gold_is_the_best_value_and_the_main_metric_comes_first(name):
    task = tasks.get_task(name)
    golds = [e.gold for e in task.read(task.sample_paths("dev"))]
    scores = task.measure(golds, golds)
    assert list(scores)[0] == task.metric and scores[task.metric] == official.best(task)


@pytest.mark.parametrize("name", TASKS)
@pytest.mark.parametrize("predictions", [None, wrong], ids=["gold", "wrong"])
def test_a_file_scores_as_the_values_written_into_it(name, predictions, tmp_path):
    """`score` of a submission = `measure` of the values written into it (every key of `measure`, in
    its order), except where the rows are not the official scorer's unit (`row_unit`): there the
    gold's main metric is the best on both sides."""
    task = tasks.get_task(name)
    examples, values, gold = written(task, tmp_path, predictions)
    measured, scored = task.measure([e.gold for e in examples], values), task.score(tmp_path, gold)
    assert set(scored) - set(measured) <= EXTRA.get(name, set())
    if not task.row_unit:
        assert list(scored)[:len(measured)] == list(measured) and {k: scored[k] for k in measured} == measured
    elif predictions is None:
        assert scored[task.metric] == measured[task.metric] == official.best(task)
    if predictions is wrong and name not in ("clinkart", "politicit"):
        assert measured[task.metric] != official.best(task)  # the flips are seen


def test_only_politicit_and_clinkart_count_other_units_and_only_a_distance_is_lower_better():
    assert {n for n in TASKS if tasks.get_task(n).row_unit} == {"clinkart", "politicit"}
    for name in ("clinkart", "politicit"):
        assert tasks.get_task(name).row_unit.endswith(".")
    assert {n for n in TASKS if not tasks.get_task(n).higher_is_better} == {"geolingit_b"}


def test_macro_f1_averages_over_the_classes_present_not_over_every_label(tmp_path):
    """ACTI B has four topics; a test set with only Covid and Qanon scores over those two, as Kaggle's
    and scikit-learn's macro-F1 do (before: Russia and Terra Piatta counted as two F1 zeros)."""
    task = tasks.get_task("acti_b")
    gold = tmp_path / "gold.csv"
    gold.write_text("Id,comment_text,topic,conspiracy\n0,a,Covid,0\n1,b,Covid,0\n2,c,Qanon,1\n3,d,Qanon,1\n")
    task.write_submission(["0", "1", "2", "3"], [0, 1, 1, 1], gold, tmp_path / "run")
    # F1(Covid) = 2/3, F1(Qanon) = 4/5: the mean is 0.7333 (over all four topics it was 0.3667)
    expected = {"macro_f1": 0.7333, "accuracy": 0.75}
    assert task.score(tmp_path / "run", gold) == task.measure([0, 0, 1, 1], [0, 1, 1, 1]) == expected
    # a predicted class absent from the gold counts: F1(Russia) = 0
    assert task.measure([0, 0, 1, 1], [0, 2, 1, 1])["macro_f1"] == round((2 / 3 + 1 + 0) / 3, 4)


# Each part of the official results: the submission files that hold it (None: the whole folder, whose
# reader picks the part's file itself) and its gold files (indexes into the sample's gold paths).
PARTS = {
    "discotex_1": {"ted": (["biss.subtask1.ted.run1.tsv"], [0]),
                   "wiki": (["biss.subtask1.wiki.run1.tsv"], [1])},
    "emit_a": {"in-domain": (None, [0]), "out-of-domain": (None, [1])},
    "emit_b": {"in-domain": (None, [0]), "out-of-domain": (None, [1])},
    "haspeede": {"test_politics (taskA_textual, taskB_XPoliticalHate)":
                 (["biss_taskA_textual_run_1.csv", "biss_taskB_XPoliticalHate_run_1.csv"], [0]),
                 "test_religious (taskB_XReligiousHate)": (["biss_taskB_XReligiousHate_run_1.csv"], [0])},
    "langlearn": {"CItA": (["Test_CItA.tsv"], [0, 1]), "COWS-L2H": (["Test_COWS-L2H.tsv"], [2, 3])},
    "nermud": {"WN": (None, [0]), "FIC": (None, [1]), "ADG": (None, [2])},
    "wicita_1": {"binary.jsonl": (None, [0]), "binary_eng.jsonl": (None, [1])},
    "wicita_2": {"ranking.jsonl": (None, [0]), "ranking_eng.jsonl": (None, [1])},
}


@pytest.mark.parametrize("name", sorted(PARTS))
@pytest.mark.parametrize("predictions", [None, wrong], ids=["gold", "wrong"])
def test_each_part_scores_as_its_gold_file_alone_and_combined_as_everything(name, predictions, tmp_path):
    task = tasks.get_task(name)
    written(task, tmp_path / "run", predictions)
    gold = task.sample_paths("gold")
    parts = official.score_files(name, tmp_path / "run", gold)
    assert list(parts) == [*PARTS[name], COMBINED]
    for label, (files, indexes) in PARTS[name].items():
        submission = tmp_path / "run"
        if files:  # only the part's own files
            submission = tmp_path / label.split()[0]
            submission.mkdir()
            for file in files:
                shutil.copy(tmp_path / "run" / file, submission / file)
        alone = task.score(submission, [gold[i] for i in indexes])
        assert list(parts[label])[0] == task.metric
        assert parts[label] == {k: alone[k] for k in parts[label]}, label
    everything = task.score(tmp_path / "run", gold)
    assert parts[COMBINED] == {k: everything[k] for k in parts[COMBINED]}
    if predictions is wrong:  # the parts differ from the whole
        assert any(parts[label] != parts[COMBINED] for label in PARTS[name])


@pytest.mark.parametrize("name", sorted(set(TASKS) - set(PARTS)))
def test_a_task_with_one_part_reports_one_entry_named_for_its_gold_and_no_combined_one(name, tmp_path):
    task = tasks.get_task(name)
    examples, values, gold = written(task, tmp_path, wrong)
    parts = official.score_files(task, tmp_path, gold)
    assert list(parts) == [" + ".join(p.name for p in gold)]
    assert parts[" + ".join(p.name for p in gold)] == task.measure([e.gold for e in examples], values) \
        or task.row_unit


def test_haspeede_files_that_disagree_are_parts_of_their_own(tmp_path):
    task = tasks.get_task("haspeede")
    examples, _, gold = written(task, tmp_path)
    political = tmp_path / "biss_taskB_XPoliticalHate_run_1.csv"
    lines = political.read_text().splitlines()
    tweet, label = lines[1].split(",")
    lines[1] = f"{tweet},{1 - int(label)}"  # one label flipped in this file only
    political.write_text("\n".join(lines) + "\n")
    parts = official.score_files(task, tmp_path, gold)
    assert list(parts) == ["test_politics (taskA_textual)", "test_politics (taskB_XPoliticalHate)",
                           "test_religious (taskB_XReligiousHate)", COMBINED]
    assert parts["test_politics (taskA_textual)"]["accuracy"] == 1.0 > parts[
        "test_politics (taskB_XPoliticalHate)"]["accuracy"]
    assert task.score(tmp_path, gold)["macro_f1_taskB_XPoliticalHate"] == parts[
        "test_politics (taskB_XPoliticalHate)"]["macro_f1"]


def test_discotex_score_keeps_the_accuracy_of_each_test_set(tmp_path):
    task = tasks.get_task("discotex_1")
    written(task, tmp_path, wrong)
    scores, parts = task.score(tmp_path, task.sample_paths("gold")), official.score_files(
        task, tmp_path, task.sample_paths("gold"))
    assert list(scores) == ["accuracy", "macro_f1", "accuracy_ted", "accuracy_wiki"]
    assert (scores["accuracy_ted"], scores["accuracy_wiki"]) == (parts["ted"]["accuracy"],
                                                                 parts["wiki"]["accuracy"])


def test_measure_refuses_values_that_do_not_pair_up():
    with pytest.raises(ValueError, match="3 gold values but 2 predictions"):
        tasks.get_task("acti_a").measure([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="sentence 1: 2 predicted tags for 3 tokens"):
        tasks.get_task("nermud").measure([["O", "O", "O"]], [["O", "O"]])
    with pytest.raises(ValueError, match="a subtask A gold is 10 values 0/1"):
        tasks.get_task("emit_a").measure([None], [(0,) * 10])
    with pytest.raises(ValueError, match="nothing to score: no gold rows"):
        tasks.get_task("clinkart").measure([], [])


def test_the_table_shows_every_part_and_metric():
    scores = {"WN": {"macro_f1": 0.5, "entity_f1": 0.25}, COMBINED: {"macro_f1": 0.75, "entity_f1": 0.5}}
    lines = official.table("nermud", scores).splitlines()
    assert lines[0].split() == ["nermud", "macro_f1", "entity_f1"]
    assert lines[2].startswith("combined (ours)") and lines[2].split()[-2:] == ["0.7500", "0.5000"]
