"""The shared task interface: flatten, align, paths, submission files and gold pairs (tasks.base)."""

import re

import pytest

from biss_helpers import tasks
from biss_helpers.tasks import base
from biss_helpers.tasks.base import Decoded, Example

from .common import write

A = tasks.get_task("acti_a")



@pytest.mark.parametrize("text, flat", [
    (" due\trighe\r\n  e un tab ", "due righe e un tab"),
    ("a\n\n\nb\u00a0c", "a b c"),
    ("", ""),
    (" \t\r\n", ""),
    (12, "12"),
])
def test_flatten_collapses_every_whitespace_run(text, flat):
    assert base.flatten(text) == flat


def test_align_puts_predictions_in_reference_order():
    assert base.align(["b", "c", "a"], [2, 3, 1], ["a", "b", "c"]) == [1, 2, 3]
    # ids are compared as strings on both sides
    assert base.align([2, 1], ["due", "uno"], ["1", 2]) == ["uno", "due"]
    assert base.align([], [], []) == []


def test_align_refuses_a_count_mismatch():
    with pytest.raises(ValueError, match=r"^2 ids but 1 predictions$"):
        base.align(["a", "b"], [1], ["a", "b"])


def test_align_refuses_repeated_ids():
    with pytest.raises(ValueError, match=r"^2 ids have more than one prediction \(first: 'b'\)$"):
        base.align(["b", "a", "b", "c", "a"], [1, 2, 3, 4, 5], ["a", "b", "c"])


def test_align_refuses_missing_ids_naming_the_first_in_reference_order():
    with pytest.raises(ValueError, match=r"^2 of 4 ids of the reference have no prediction \(first: 'c'\)$"):
        base.align(["d", "b"], [4, 2], ["c", "b", "a", "d"])


def test_align_names_what_is_missing_from():
    message = r"^1 of 2 ids of the gold file\(s\) have no prediction \(first: '2'\)$"
    with pytest.raises(ValueError, match=message):
        base.align(["1"], [1], ["1", "2"], what="the gold file(s)")


def test_align_never_drops_an_unknown_prediction():
    with pytest.raises(ValueError, match=r"^2 predicted ids are not in the reference \(e\.g\. '(y|z)'\)$"):
        base.align(["a", "z", "b", "y"], [1, 2, 3, 4], ["a", "b"])


def test_as_paths_takes_one_or_many_existing_paths(tmp_path):
    one, two = write(tmp_path / "a.csv", ""), write(tmp_path / "b.csv", "")
    assert base.as_paths(str(one)) == [one]
    assert base.as_paths(one) == [one]
    assert base.as_paths((str(two), one)) == [two, one]
    with pytest.raises(FileNotFoundError, match=f"^{re.escape(str(tmp_path / 'c.csv'))}: no such file$"):
        base.as_paths([one, tmp_path / "c.csv"])
    with pytest.raises(ValueError, match="^no file given$"):
        base.as_paths([])


def test_submission_file_is_the_file_or_the_official_name_in_a_folder(tmp_path):
    file = base.submission_file(tmp_path / "new" / "run.csv", "biss_x.csv")
    assert file == tmp_path / "new" / "run.csv" and (tmp_path / "new").is_dir() and not file.exists()
    (tmp_path / "existing").mkdir()
    assert base.submission_file(tmp_path / "existing", "biss_x.csv") == tmp_path / "existing" / "biss_x.csv"
    # a name without a suffix is a folder, created on the way
    assert base.submission_file(str(tmp_path / "run"), "biss_x.csv") == tmp_path / "run" / "biss_x.csv"
    assert (tmp_path / "run").is_dir()
    # a dotted name that is not an existing folder is a file
    assert base.submission_file(tmp_path / "run.v2", "biss_x.csv") == tmp_path / "run.v2"
    assert not (tmp_path / "run.v2").exists()


def test_find_submission_takes_a_file_or_the_one_match_in_a_folder(tmp_path):
    file = write(tmp_path / "any_name.txt", "")
    assert base.find_submission(file, "*subtaskA*.csv") == file
    folder = tmp_path / "run"
    folder.mkdir()
    write(folder / "notes.txt", "")
    with pytest.raises(FileNotFoundError, match=r"run: expected one submission file matching "
                                                r"'\*subtaskA\*\.csv', found 0$"):
        base.find_submission(folder, "*subtaskA*.csv")
    only = write(folder / "biss_subtaskA.csv", "")
    assert base.find_submission(str(folder), "*subtaskA*.csv") == only
    write(folder / "old_subtaskA.csv", "")
    with pytest.raises(FileNotFoundError, match="found 2$"):
        base.find_submission(folder, "*subtaskA*.csv")
    with pytest.raises(FileNotFoundError, match="found 0$"):
        base.find_submission(tmp_path / "missing", "*.csv")


def test_gold_pairs_are_in_gold_file_order(tmp_path):
    gold = A.sample_paths("gold")
    examples = A.read(gold)
    rows = "".join(f"{e.id},{1 - e.gold}\n" for e in reversed(examples))  # every answer wrong, reversed
    write(tmp_path / "biss_subtaskA.csv", "Id,Expected\n" + rows)
    golds, predicted = base.gold_pairs(A, tmp_path, gold)
    assert golds == [e.gold for e in examples] and predicted == [1 - g for g in golds]


def test_gold_pairs_refuse_an_unlabelled_gold_example():
    blind = A.sample_paths("test")
    message = f"^{re.escape(str(blind[0]))}, line 2: the gold file has no gold value for id '0'$"
    with pytest.raises(ValueError, match=message):
        base.gold_pairs(A, blind[0], blind)


def test_gold_pairs_refuse_an_unlabelled_row_among_labelled_ones(tmp_path):
    gold = write(tmp_path / "gold.csv", 'Id,comment_text,conspiratorial\n0,a,1\n1,"b\nc",0\n2,d,\n')
    with pytest.raises(ValueError, match=r"gold.csv, line 5: the gold file has no gold value for id '2'$"):
        base.gold_pairs(A, tmp_path / "unused.csv", gold)


def test_gold_pairs_need_a_prediction_for_every_gold_id_and_no_other(tmp_path):
    gold = write(tmp_path / "gold.csv", "Id,comment_text,conspiratorial\n0,a,1\n1,b,0\n2,c,1\n")
    short = write(tmp_path / "short_subtaskA.csv", "Id,Expected\n0,1\n2,1\n")
    message = r"^1 of 3 ids of the gold file\(s\) have no prediction \(first: '1'\)$"
    with pytest.raises(ValueError, match=message):
        base.gold_pairs(A, short, gold)
    extra = write(tmp_path / "extra_subtaskA.csv", "Id,Expected\n0,1\n1,0\n2,1\n99,0\n")
    with pytest.raises(ValueError, match=r"^1 predicted ids are not in the gold file\(s\) \(e\.g\. '99'\)$"):
        base.gold_pairs(A, extra, gold)


def test_sample_paths_name_existing_files_and_refuse_unknown_splits():
    for split in base.SAMPLE_SPLITS:
        paths = A.sample_paths(split)
        assert paths and all(p.is_file() for p in paths)
    assert A.sample_paths("gold")[0].name == "subtaskA_test_gold.csv"
    with pytest.raises(ValueError, match="^unknown split 'valid': use one of train, dev, test, gold$"):
        A.sample_paths("valid")


def test_encode_flattens_the_input_and_leaves_no_target_without_gold():
    labelled = Example("7", {"text": "riga uno\n\triga due "}, gold=1)
    encoded = A.encode(labelled)
    assert (encoded.instruction, encoded.input, encoded.target) == (A.instruction, "riga uno riga due",
                                                                    "cospirazione")
    assert A.encode(Example("7", {"text": "x"})).target == ""


def test_example_and_decoded_defaults():
    example = Example("1", {"text": "x"})
    assert (example.gold, example.source, example.extra) == (None, "", {})
    assert repr(Decoded(1, True)) == "Decoded(prediction=1, parsed=True)"
    assert repr(Decoded([], True, ("Roma",))) == "Decoded(prediction=[], parsed=True, unplaced=('Roma',))"
    assert Decoded(1, True) == Decoded(1, True, ()) != Decoded(1, False)


def test_defaults_of_the_base_class():
    example = Example("9", {"text": "x"}, gold=1)
    assert A.group(example) == "9" and A.augment([example]) == []
    assert A.fallback_for(example) == A.fallback == 0
    assert A.show("una\triga\n  sola") == "una riga sola"
    assert repr(A) == "<task acti_a: ACTI subtask A: conspiratorial or not>"
