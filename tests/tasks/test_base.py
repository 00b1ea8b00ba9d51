"""The shared task interface: flatten, paths, submission files, the guarded decode (tasks.base)."""

import functools
import re

import pytest

from biss_helpers import prompts, tasks
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


# --- decoding: one guarded entry point ---------------------------------------------------------

@functools.cache
def gold_examples(name):
    task = tasks.get_task(name)
    return task.read(task.sample_paths("gold"))


def test_every_task_decodes_through_the_one_guarded_entry_point():
    assert all(type(task).decode is base.Task.decode for task in tasks.TASKS.values())


@pytest.mark.parametrize("name", tasks.TASKS)
def test_every_sample_gold_target_decodes_to_its_gold(name):
    """No real answer is taken for an echo or cut by the limit (numbers: the target's 2 decimals)."""
    task = tasks.get_task(name)
    for example in gold_examples(name):
        target = task.encode(example).target
        decoded = task.decode(target, example)
        assert decoded.parsed and not task.echoes(target), (example.id, target)
        gold = example.gold
        if isinstance(gold, float) or (isinstance(gold, tuple) and isinstance(gold[0], float)):
            gold = pytest.approx(gold, abs=0.0051)
        assert decoded.prediction == gold, (example.id, target, decoded)


@pytest.mark.parametrize("name", tasks.TASKS)
def test_an_echoed_prompt_is_unparsed_even_followed_by_the_right_answer(name):
    task = tasks.get_task(name)
    example = gold_examples(name)[0]
    encoded = task.encode(example)
    prompt = prompts.alpaca(task.instruction, encoded.input)
    fallback = Decoded(task.fallback_for(example), False)
    for echo in (prompt, prompt + encoded.target, encoded.target + "\n" + prompt,
                 f"### Istruzione:\n{task.instruction}\n### Input:\n{encoded.input}",
                 task.instruction, encoded.target + " " + task.instruction,   # no marker: its words
                 f"<|im_start|>assistant\n{encoded.target}", f"{encoded.target}<|eot_id|>",
                 f"[INST] {encoded.target}", "###  RISPOSTA :\n" + encoded.target):
        assert task.decode(echo, example) == fallback, echo[:80]


@pytest.mark.parametrize("name", tasks.TASKS)
def test_a_megabyte_completion_is_read_no_further_than_the_limit(name):
    task = tasks.get_task(name)
    example = gold_examples(name)[0]
    fallback = Decoded(task.fallback_for(example), False)
    for text in ("x" * 1_000_000, "9" * 400, ".*+?()[]{}|\\^$\x00" * 70_000):
        decoded = task.decode(text, example)
        assert (decoded.prediction, decoded.parsed) == (fallback.prediction, False)
    target = task.encode(example).target
    # the answer within the limit is read; one pushed past it by padding is not
    assert task.decode(target + " " * (base.ANSWER_LIMIT - len(target)), example).parsed
    assert not task.decode(" " * base.ANSWER_LIMIT + target, example).parsed


@pytest.mark.parametrize("name, answer", [
    ("haspeede", "odio"), ("haspeede", "discorsi d'odio: odio"),
    ("emit_a", "rabbia, anticipazione, disgusto, paura, gioia, amore"),   # six emotions, in the listed order
    ("emotivita", "3.25 2.75 3.33"),                                      # the instruction's own example
    ("geolingit_b", "per esempio 45.46 9.19"),
])
def test_real_answers_sharing_words_with_the_instruction_are_no_echo(name, answer):
    assert tasks.get_task(name).decode(answer).parsed


def test_structured_tasks_need_the_example():
    for name in ("nermud", "clinkart", "hodi_b"):
        with pytest.raises(ValueError, match=f"^{name} answers are placed in their input: pass the example"):
            tasks.get_task(name).decode("### Risposta:")
