"""Mixing sources: caps, repeats and empties counted; the seeded 85/10/5 split; its files."""

import pytest

from biss_helpers import instruction_mix, instructions
from biss_helpers.instructions import Record


def records(source, n, instruction="Question {i}?"):
    return [Record(f"{source}-{i}", source, instruction.format(i=i), "", f"answer {i}") for i in range(n)]


def test_repeats_across_sources_and_case_are_left_out_and_counted():
    a = records("a", 3)
    b = [Record("b-0", "b", "  QUESTION 1? ", "", "other"), Record("b-1", "b", "New?", "", "yes")]
    kept, report = instruction_mix.mix({"a": a, "b": b})
    assert [r.id for r in kept] == ["a-0", "a-1", "a-2", "b-1"] and report.duplicates == ["b-0"]


def test_the_samples_hold_three_repeats():
    sources = {name: instructions.SOURCES[name].read(instructions.SAMPLES / s.sample, name)
               for name, s in instructions.SOURCES.items()}
    kept, report = instruction_mix.mix(sources)
    assert len(report.duplicates) == 3 and len(kept) == 130 - 3


def test_caps_are_a_seeded_sample_in_file_order_and_every_record_is_accounted_for():
    a, b = records("a", 50), records("b", 5) + [Record("b-x", "b", "", "", "no instruction")]
    kept, report = instruction_mix.mix({"a": a, "b": b}, caps={"a": 10}, seed=3)
    again, _ = instruction_mix.mix({"a": a, "b": b}, caps={"a": 10}, seed=3)
    other, _ = instruction_mix.mix({"a": a, "b": b}, caps={"a": 10}, seed=4)
    chosen = [r.id for r in kept if r.source == "a"]
    assert len(chosen) == 10 and chosen == sorted(chosen, key=lambda i: int(i.split("-")[1]))
    assert kept == again and kept != other
    assert report.empty == ["b-x"] and report.capped == {"a": 40, "b": 0}
    assert sum(report.read.values()) == report.kept + sum(report.capped.values()) + len(report.empty) + len(
        report.duplicates)
    assert "56 records read" in report.summary() and "40 over the caps" in report.summary()


def test_two_sources_with_the_same_ids_are_refused():
    with pytest.raises(ValueError, match="same id"):
        instruction_mix.mix({"a": records("x", 2), "b": records("x", 2, "Other {i}?")})


@pytest.mark.parametrize("n", [3, 20, 127, 1000])
def test_the_split_is_deterministic_disjoint_and_complete(n):
    data = records("a", n)
    parts = instruction_mix.split(data, seed=7)
    again = instruction_mix.split(data, seed=7)
    ids = [[r.id for r in part] for part in (parts.train, parts.dev, parts.test)]
    assert ids == [[r.id for r in part] for part in (again.train, again.dev, again.test)]
    assert sorted(sum(ids, [])) == sorted(r.id for r in data)       # every record, once
    assert parts.dev and parts.test
    if n == 1000:
        assert (len(parts.train), len(parts.dev), len(parts.test)) == (850, 100, 50)
    assert instruction_mix.split(data, seed=8).dev != parts.dev or n == 3


def test_bad_fractions_and_too_few_records_are_errors():
    with pytest.raises(ValueError, match="add up to 1"):
        instruction_mix.split(records("a", 10), (0.8, 0.1, 0.2))
    with pytest.raises(ValueError, match="at least 3"):
        instruction_mix.split(records("a", 2))


def test_written_split_reads_back_equal(tmp_path):
    parts = instruction_mix.split(records("a", 30) + [Record("b-1", "b", "Traduci «ciao».", "ciao", "hello")])
    instruction_mix.write(tmp_path / "lab6", parts)
    assert instruction_mix.read(tmp_path / "lab6") == parts


def test_records_too_long_for_max_tokens_are_named_and_the_others_kept():
    from biss_helpers import tiny

    tok = tiny.tokenizer("llama")
    short = Record("a-1", "a", "Say hi.", "", "Hi")
    long = Record("a-2", "a", "Summarise.", "molto " * 300, "Breve.")
    kept, left_out = instruction_mix.fitting([short, long], tok, 128, "alpaca_en")
    assert kept == [short] and left_out == ["a-2"]
