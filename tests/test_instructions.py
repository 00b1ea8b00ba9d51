"""The four instruction formats read into one schema: the samples, the Hub's shapes, and bad records."""

import json

import pytest

from biss_helpers import instructions


def test_each_reader_reads_its_bundled_sample_into_complete_records():
    counts = {}
    for name, source in instructions.SOURCES.items():
        records = source.read(instructions.SAMPLES / source.sample, name)
        counts[name] = len(records)
        assert all(r.source == name and r.instruction and r.output for r in records), name
        assert len({r.id for r in records}) == len(records), name
    assert counts == {"alpaca": 40, "dolly": 36, "natural-instructions": 30, "unnatural-instructions": 24}


def test_dolly_context_is_the_input_and_a_record_reads_as_a_training_row():
    [record] = instructions.dolly([{"instruction": "Quando?", "context": "Nel 1989.", "response": "1989",
                                    "category": "closed_qa"}])
    assert (record.input, record.output, record.task, record.target) == ("Nel 1989.", "1989", "dolly", "1989")


def test_a_natural_instructions_task_file_gives_one_record_per_instance_with_its_first_answer(tmp_path):
    task = {"Definition": ["Classify the sentiment."], "Positive Examples": [],
            "Instances": [{"id": "t1-a", "input": "Bello!", "output": ["positive", "pos"]},
                          {"id": "t1-b", "input": "Brutto.", "output": ["negative"]}]}
    path = tmp_path / "task1.json"
    path.write_text(json.dumps(task))
    records = instructions.natural_instructions(path)
    assert [(r.id, r.instruction, r.input, r.output) for r in records] == [
        ("t1-a", "Classify the sentiment.", "Bello!", "positive"),
        ("t1-b", "Classify the sentiment.", "Brutto.", "negative")]


def test_the_hubs_flat_natural_instructions_rows_read_too():
    rows = [{"task_name": "task1", "id": "task1-0", "definition": "Say yes.", "inputs": "Q",
             "targets": "yes"}]
    [record] = instructions.natural_instructions(rows)
    assert (record.id, record.instruction, record.input, record.output) == ("task1-0", "Say yes.", "Q", "yes")


def test_unnatural_instances_become_records_and_constraints_join_the_instruction():
    rows = [{"instruction": "Write the opposite.", "instances": [
        {"instruction_with_input": "x", "input": "caldo", "constraints": "One word.", "output": "freddo"},
        {"instruction_with_input": "x", "input": "alto", "constraints": "None.", "output": "basso"}]}]
    records = instructions.unnatural(rows)
    assert [r.instruction for r in records] == ["Write the opposite. One word.", "Write the opposite."]
    assert [r.id for r in records] == ["unnatural-instructions-1.1", "unnatural-instructions-1.2"]


@pytest.mark.parametrize("reader, row, message", [
    (instructions.alpaca, {"instruction": "x", "output": "y"}, "record 2: no 'input' field"),
    (instructions.alpaca, {"instruction": "x", "input": 3, "output": "y"}, "record 2: 'input' is int"),
    (instructions.dolly, {"instruction": "x", "context": "", "answer": "y"}, "record 2: no 'response'"),
    (instructions.unnatural, {"instruction": "x", "instances": [{"input": "a"}]},
     "record 2, instance 1: no 'output'"),
    (instructions.natural_instructions, {"Definition": "x", "Instances": [{"input": "a", "output": []}]},
     "record 2, instance 1: 'output' holds no answer"),
])
def test_a_malformed_record_is_an_error_naming_the_file_the_record_and_the_field(tmp_path, reader, row,
                                                                                 message):
    good = {"instruction": "a", "input": "", "output": "b", "context": "", "response": "b",
            "instances": [{"input": "a", "constraints": "None.", "output": "b"}]}
    if reader is instructions.natural_instructions:
        good = {"Definition": "x", "Instances": [{"input": "a", "output": ["b"]}]}
    path = tmp_path / "data.json"
    path.write_text(json.dumps([good, row]))
    with pytest.raises(ValueError, match=f"data.json {message}"):
        reader(path)


def test_a_broken_jsonl_line_is_named(tmp_path):
    path = tmp_path / "dolly.jsonl"
    path.write_text('{"instruction": "a", "context": "", "response": "b"}\n{"instruction": \n')
    with pytest.raises(ValueError, match="dolly.jsonl line 2: not JSON"):
        instructions.dolly(path)


def test_load_offline_is_the_sample_and_says_so(offline, capsys):
    records = instructions.load("dolly")
    assert len(records) == 36 and "offline: dolly is the project's sample" in capsys.readouterr().out
    with pytest.raises(ValueError, match="unknown source 'oasst'"):
        instructions.load("oasst")
