"""LabelTask, the shared single-label classifier, through the registered label tasks (tasks.classify)."""

import pytest

from biss_helpers import tasks
from biss_helpers.tasks import Decoded, Example
from biss_helpers.tasks.classify import LabelTask

LABEL_TASKS = [task for task in tasks.TASKS.values() if isinstance(task, LabelTask)]
OWN_DECODE = [task for task in LABEL_TASKS if type(task).decode is LabelTask.decode]
OWN_STRATUM = [task for task in LABEL_TASKS if type(task).stratum is LabelTask.stratum]
A, B = tasks.get_task("acti_a"), tasks.get_task("acti_b")
GARBAGE = ["", "   ", "???", "#@!?", "\x00\t\n", "1234", "xyzzy qwerty"]


def by_name(task):
    return task.name


def test_the_classification_tasks_are_label_tasks():
    names = {task.name for task in LABEL_TASKS}
    assert {"acti_a", "acti_b", "haspeede", "hodi_a", "langlearn", "multifakedetective"} <= names
    assert "nermud" not in names and "emotivita" not in names
    assert {"acti_a", "haspeede"} <= {task.name for task in OWN_DECODE} & {task.name for task in OWN_STRATUM}


@pytest.mark.parametrize("task", LABEL_TASKS, ids=by_name)
def test_labels_and_fallback_come_from_the_verbaliser(task):
    assert task.labels == list(task.verbaliser.words) and len(task.labels) >= 2
    assert task.fallback == task.verbaliser.fallback and task.fallback in task.labels


@pytest.mark.parametrize("task", LABEL_TASKS, ids=by_name)
def test_every_label_round_trips(task):
    for label in task.labels:
        word = task.verbalise(label)
        assert word == task.verbaliser.word(label)
        for answer in (word, word.upper() + ".", f"Risposta: {word}"):
            assert task.decode(answer) == Decoded(label, True), (answer, label)


@pytest.mark.parametrize("task", LABEL_TASKS, ids=by_name)
def test_garbage_decodes_to_the_fallback_unparsed(task):
    for text in GARBAGE:
        assert task.decode(text) == Decoded(task.fallback, False), text


@pytest.mark.parametrize("task", LABEL_TASKS, ids=by_name)
def test_an_unknown_label_cannot_be_verbalised(task):
    with pytest.raises(KeyError, match="unknown label 'no such label'"):
        task.verbalise("no such label")


@pytest.mark.parametrize("task", OWN_DECODE, ids=by_name)
def test_decode_is_the_verbalisers_and_needs_no_example(task):
    example = Example("1", {"text": "x"})
    for text in (task.verbalise(task.labels[-1]), "boh"):
        assert task.decode(text) == task.decode(text, example) == task.verbaliser.decode(text)


@pytest.mark.parametrize("task", LABEL_TASKS, ids=by_name)
def test_sample_gold_targets_decode_to_the_gold(task):
    examples = task.read(task.sample_paths("gold"))
    assert examples and {e.gold for e in examples} <= set(task.labels)
    for example in examples:
        encoded = task.encode(example)
        assert encoded.target == task.verbalise(example.gold)
        assert task.decode(encoded.target, example) == Decoded(example.gold, True)


@pytest.mark.parametrize("task", OWN_STRATUM, ids=by_name)
def test_stratum_is_the_gold_label_as_text(task):
    [labelled, *_] = task.read(task.sample_paths("gold"))
    assert task.stratum(labelled) == str(labelled.gold)
    [blind, *_] = task.read(task.sample_paths("test"))
    assert blind.gold is None and task.stratum(blind) is None and task.encode(blind).target == ""


def submit(task, folder, predictions):
    gold = task.sample_paths("gold")
    ids = [e.id for e in task.read(gold)]
    task.write_submission(ids, predictions, gold, folder)
    return task.score(folder, gold)


def test_score_is_macro_f1_and_accuracy_by_hand(tmp_path):
    golds = [e.gold for e in A.read(A.sample_paths("gold"))]
    assert golds == [1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1]
    assert A.metric == "macro_f1"
    assert submit(A, tmp_path / "perfect", golds) == {"macro_f1": 1.0, "accuracy": 1.0}
    # all 0: F1(0) = 2 * 0.5 * 1 / 1.5 = 2/3, F1(1) = 0
    assert submit(A, tmp_path / "zeros", [0] * 16) == {"macro_f1": 0.3333, "accuracy": 0.5}
    # the first example (gold 1) wrong: F1(1) = 14/15, F1(0) = 16/17, accuracy 15/16
    one_wrong = [0, *golds[1:]]
    assert submit(A, tmp_path / "one", one_wrong) == {"macro_f1": round((14 / 15 + 16 / 17) / 2, 4),
                                                      "accuracy": 0.9375}


def test_score_averages_over_every_label(tmp_path):
    golds = [e.gold for e in B.read(B.sample_paths("gold"))]
    assert sorted(golds) == [0] * 4 + [1] * 4 + [2] * 4 + [3] * 4
    # all Covid: F1(Covid) = 2 * 0.25 * 1 / 1.25 = 0.4, the other three 0
    assert submit(B, tmp_path, [0] * 16) == {"macro_f1": 0.1, "accuracy": 0.25}
