"""What every registered task promises, checked on every task at once: the registry itself, its
synthetic sample, decoders that never raise, fallbacks, and the two flags of structured answers.
(The round trip through the command line is in tests/test_cli.py.)"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from biss_helpers import fourcol, lengths, tasks, tiny

# The task keys of the public BISS-2024 tutorial files, and CLinkaRT (ExtremITA's 13th task).
TUTORIAL_KEYS = ("acti_a acti_b clinkart discotex_1 discotex_2 emit_a emit_b emotivita geolingit_a "
                 "geolingit_b haspeede hodi_a hodi_b langlearn multifakedetective nermud politicit "
                 "wicita_1 wicita_2").split()
TASKS = sorted(tasks.TASKS)


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
    assert task.fallback_for(example) == task.fallback or task.decode_needs_example


class Quoting(tasks.Task):
    """A made-up task whose answer quotes the input but decodes from the answer alone."""

    name, instruction, answer_quotes_input = "quoting", "Copia la prima parola.", True

    def read_answer(self, completion, example=None):
        return tasks.Decoded(completion.split()[0] if completion.split() else "", bool(completion.strip()))


def test_the_two_flags_of_structured_tasks_act_apart(monkeypatch, tmp_path):
    """`answer_quotes_input` keeps an input whole when trimming; `decode_needs_example` alone asks
    for the reference. A task with only the first decodes without any reference."""
    assert {n for n, t in tasks.TASKS.items() if t.decode_needs_example} == {"clinkart", "hodi_b", "nermud"}
    monkeypatch.setitem(tasks.TASKS, "quoting", Quoting())
    rows = [fourcol.Row("1", "quoting", "parola " * 300, "parola"),
            fourcol.Row("2", "acti_a", "parola " * 300, "no")]
    trimmed, report = lengths.trim_inputs(rows, tiny.tokenizer("llama"), max_tokens=120)
    assert trimmed[0] == rows[0] and report.quoting == {"quoting": ["1"]}
    assert trimmed[1].input != rows[1].input and report.trimmed == {"acti_a": 1}
    done = tasks.submit("quoting", rows, None, tmp_path / "out.tsv")
    assert (done.rows, done.unparsed) == (1, 0)
    assert (tmp_path / "out.tsv").read_text() == "1\tparola\n"
