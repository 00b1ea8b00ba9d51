"""Predictions paired with reference rows by id (tasks.ids): one each, whatever the order, and every
mismatch refused naming both files and the first offenders."""

import re

import pytest

from biss_helpers import tasks
from biss_helpers.tasks import ids
from biss_helpers.tasks.ids import IdError

from .common import write

A = tasks.get_task("acti_a")


def test_align_puts_predictions_in_reference_order():
    assert ids.align(["b", "c", "a"], [2, 3, 1], ["a", "b", "c"]) == [1, 2, 3]
    # ids are compared as strings on both sides
    assert ids.align([2, 1], ["due", "uno"], ["1", 2]) == ["uno", "due"]
    assert ids.align([], [], []) == []


def test_align_refuses_a_count_mismatch():
    with pytest.raises(IdError, match=r"^pred.tsv: 2 ids but 1 predictions$"):
        ids.align(["a", "b"], [1], ["a", "b"], source="pred.tsv")


def test_align_names_every_repeated_id_with_its_count():
    message = r"^2 ids have more than one prediction: 'b' \(2 times\), 'a' \(2 times\)$"
    with pytest.raises(IdError, match=message):
        ids.align(["b", "a", "b", "c", "a"], [1, 2, 3, 4, 5], ["a", "b", "c"])


def test_align_refuses_a_reference_with_a_repeated_id():
    # otherwise both reference rows would silently get the same prediction
    with pytest.raises(IdError, match=r"^test.csv: 1 ids appear more than once: 'a' \(2 times\)$"):
        ids.align(["a", "b"], [1, 2], ["a", "b", "a"], what="test.csv")


@pytest.mark.parametrize("bad", [None, "", "  "])
def test_align_refuses_a_null_or_empty_id(bad):
    with pytest.raises(IdError, match=r"^pred.tsv: 1 predictions have an empty or null id \(first: row 2\)$"):
        ids.align(["a", bad], [1, 2], ["a", "None"], source="pred.tsv")


def test_align_names_the_first_missing_ids_in_reference_order_and_both_files():
    message = r"^pred.tsv: 2 of the 4 ids of gold.csv have no prediction: 'c', 'a'$"
    with pytest.raises(IdError, match=message):
        ids.align(["d", "b"], [4, 2], ["c", "b", "a", "d"], what="gold.csv", source="pred.tsv")


def test_align_never_drops_an_unknown_prediction():
    message = r"^4 predicted ids are not in the reference: 'z', 'y', 'x', \.\.\.$"
    with pytest.raises(IdError, match=message):
        ids.align(["a", "z", "b", "y", "x", "w"], [1, 2, 3, 4, 5, 6], ["a", "b"])


def test_gold_pairs_are_in_gold_file_order(tmp_path):
    gold = A.sample_paths("gold")
    examples = A.read(gold)
    rows = "".join(f"{e.id},{1 - e.gold}\n" for e in reversed(examples))  # every answer wrong, reversed
    write(tmp_path / "biss_subtaskA.csv", "Id,Expected\n" + rows)
    golds, predicted = ids.gold_pairs(A, tmp_path, gold)
    assert golds == [e.gold for e in examples] and predicted == [1 - g for g in golds]


def test_gold_pairs_refuse_an_unlabelled_gold_example():
    blind = A.sample_paths("test")
    message = f"^{re.escape(str(blind[0]))}, line 2: the gold file has no gold value for id '0'$"
    with pytest.raises(ValueError, match=message):
        ids.gold_pairs(A, blind[0], blind)


def test_gold_pairs_refuse_an_unlabelled_row_among_labelled_ones(tmp_path):
    gold = write(tmp_path / "gold.csv", 'Id,comment_text,conspiratorial\n0,a,1\n1,"b\nc",0\n2,d,\n')
    with pytest.raises(ValueError, match=r"gold.csv, line 5: the gold file has no gold value for id '2'$"):
        ids.gold_pairs(A, tmp_path / "unused.csv", gold)


def test_gold_pairs_name_the_submission_and_the_gold_file(tmp_path):
    gold = write(tmp_path / "gold.csv", "Id,comment_text,conspiratorial\n0,a,1\n1,b,0\n2,c,1\n")
    short = write(tmp_path / "short_subtaskA.csv", "Id,Expected\n0,1\n2,1\n")
    message = rf"^{re.escape(str(short))}: 1 of the 3 ids of {re.escape(str(gold))} have no prediction: '1'$"
    with pytest.raises(IdError, match=message):
        ids.gold_pairs(A, short, gold)
    extra = write(tmp_path / "extra_subtaskA.csv", "Id,Expected\n0,1\n1,0\n2,1\n99,0\n")
    with pytest.raises(IdError, match=r"extra_subtaskA.csv: 1 predicted ids are not in .*gold.csv: '99'$"):
        ids.gold_pairs(A, extra, gold)


def test_names_lists_the_files_of_a_message():
    assert ids.names("a.csv") == "a.csv"
    assert ids.names(["a.csv", "b.csv"]) == "a.csv, b.csv"
