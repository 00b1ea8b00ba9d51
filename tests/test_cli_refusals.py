"""Bad input to the command line, as a careless or unlucky user gives it: every refusal is exit 2 and
one line naming the file (and line or id), never a traceback, never exit 0 on nonsense, and an earlier
output is never changed. Property tests generate the bad inputs (hypothesis)."""

import json
import math
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from biss_helpers import cli, fourcol, models, tasks

EXAMPLES = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
EARLIER = "earlier output\n"


def refused(capsys, argv) -> str:
    """The one-line message of a refused command (exit 2, no traceback)."""
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2, (argv, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"biss {argv[0]}: ")
    return err.strip()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """train.tsv and dev.tsv of three labelled rows each."""
    folder = tmp_path_factory.mktemp("data")
    rows = [fourcol.Row(str(i), "acti_a", f"testo {i}", "cospirazione") for i in range(3)]
    fourcol.write(folder / "train.tsv", rows)
    fourcol.write(folder / "dev.tsv", rows)
    return folder


@pytest.fixture
def no_model(monkeypatch):
    """Loading a model or tokenizer fails the test: refusals must come before any loading."""
    def load(*args, **kwargs):
        raise AssertionError("a model was loaded before the settings were checked")

    monkeypatch.setattr(models, "load_model", load)
    monkeypatch.setattr(models, "load_tokenizer", load)


def number(value) -> str:
    return repr(value) if isinstance(value, float) and math.isfinite(value) else str(value)


NON_POSITIVE = st.integers(max_value=0)
BAD_SETTINGS = st.one_of(
    st.tuples(st.sampled_from(["--batch-size", "--grad-accum", "--eval-steps", "--logging-steps",
                               "--patience", "--lora-r"]), NON_POSITIVE.map(str)),
    st.tuples(st.just("--max-tokens"), st.integers(max_value=15).map(str)),
    st.tuples(st.just("--max-steps"), st.one_of(st.just(0), st.integers(max_value=-2)).map(str)),
    st.tuples(st.just("--learning-rate"), st.one_of(st.floats(max_value=0.0), st.sampled_from(
        [math.nan, math.inf])).map(number)),
    st.tuples(st.sampled_from(["--warmup", "--lora-dropout"]), st.one_of(
        st.floats(min_value=1.0), st.floats(max_value=-1e-9), st.just(math.nan)).map(number)),
)


@EXAMPLES
@given(bad=BAD_SETTINGS)
def test_train_refuses_impossible_settings_before_loading_anything(bad, data, no_model, tmp_path, capsys):
    option, value = bad
    message = refused(capsys, ["train", "--data", str(data), "--model", "m", "--output-dir",
                               str(tmp_path / "run"), option, value])
    field = option[2:].replace("lora-", "").replace("-", "_")
    assert f".{field} = " in message and "must be" in message


@EXAMPLES
@given(epochs=st.one_of(st.floats(max_value=0.0), st.just(math.nan)))
def test_train_refuses_a_run_with_nothing_to_train(epochs, data, no_model, tmp_path, capsys):
    message = refused(capsys, ["train", "--data", str(data), "--model", "m", "--epochs", number(epochs),
                               "--max-steps", "-1", "--output-dir", str(tmp_path / "run")])
    assert "TrainSettings.epochs" in message


def test_train_refuses_bad_places_and_files_before_loading_the_model(data, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(models, "load_model", lambda *a, **k: pytest.fail("the model was loaded"))
    blocker = tmp_path / "file.txt"
    blocker.write_text(EARLIER)
    base = ["train", "--data", str(data), "--model", "m"]
    assert "is a file: give a folder" in refused(capsys, base + ["--output-dir", str(blocker)])
    assert "is a file, not a folder" in refused(capsys, base + ["--output-dir", str(blocker / "run")])
    empty = tmp_path / "empty"
    empty.mkdir()
    message = refused(capsys, ["train", "--data", str(tmp_path / "missing"), "--model", "m"])
    assert "no such file" in message
    message = refused(capsys, ["train", "--train", str(data / "train.tsv"), "--model", str(empty),
                               "--output-dir", str(tmp_path / "run")])
    assert f"{empty}: a folder with no tokenizer_config.json" in message
    assert blocker.read_text() == EARLIER


@pytest.mark.parametrize("argv", [
    ["train", "--learning-rate", "-2e-4"],
    ["train", "--learning-rate=-2e-4"],
])
def test_a_negative_learning_rate_is_a_setting_not_an_option(argv, data, no_model, capsys):
    message = refused(capsys, argv + ["--data", str(data), "--model", "m"])
    assert message == "biss train: TrainSettings.learning_rate = -0.0002: must be a finite number > 0"


@pytest.mark.parametrize("where, problem", [
    (lambda tmp: tmp, "is a folder: give a file name"),
    (lambda tmp: tmp / "file.txt" / "out.tsv", "is a file, not a folder"),
    (lambda tmp: tmp / ("x" * 300) / "out.tsv", "File name too long"),
])
def test_encode_refuses_an_output_it_cannot_write_before_reading(where, problem, tmp_path, capsys):
    (tmp_path / "file.txt").write_text(EARLIER)
    task = tasks.get_task("acti_a")
    message = refused(capsys, ["encode", "--task", "acti_a", "--input", *map(str, task.sample_paths("gold")),
                               "--output", str(where(tmp_path))])
    assert problem in message
    assert (tmp_path / "file.txt").read_text() == EARLIER


@pytest.mark.parametrize("name", ["acti_a", "geolingit_b", "wicita_2", "nermud", "clinkart", "politicit",
                                  "emotivita", "discotex_2"])
@EXAMPLES
@given(data=st.data())
def test_encode_of_a_damaged_file_refuses_or_reads_and_never_half_writes(name, data, tmp_path, capsys):
    """Bytes inserted, deleted or cut anywhere in an official file: the command reads it (exit 0, a
    whole output) or refuses it (exit 2, one line naming the file), and an earlier output stays."""
    task = tasks.get_task(name)
    sources = task.sample_paths("gold")
    original = sources[0].read_bytes()
    at = data.draw(st.integers(0, len(original)))
    damage = data.draw(st.sampled_from(["insert", "delete", "cut"]))
    noise = data.draw(st.binary(min_size=1, max_size=6) | st.sampled_from(
        [b"\xff", b"\x00", b'"', b"\t", b"\n", b",", b"nan", b"-1e999", b"\r"]))
    damaged = {"insert": original[:at] + noise + original[at:],
               "delete": original[:at] + original[at + len(noise):], "cut": original[:at]}[damage]
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # one folder per generated example
    (folder / sources[0].name).write_bytes(damaged)
    inputs = [str(folder / sources[0].name), *map(str, sources[1:])]
    output = folder / "out" / "encoded.tsv"
    output.parent.mkdir()
    output.write_text(EARLIER)
    code = cli.main(["encode", "--task", name, "--input", *inputs, "--output", str(output)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and code in (0, 2), captured.err
    if code == 2:
        assert len(captured.err.strip().splitlines()) == 1 and str(folder) in captured.err, captured.err
        assert output.read_text() == EARLIER
    else:
        assert len(fourcol.read(output)) == json.loads(captured.out.strip().splitlines()[-1])["rows"]
    assert os.listdir(output.parent) == ["encoded.tsv"]


@EXAMPLES
@given(data=st.data())
def test_decode_refuses_predictions_whose_ids_do_not_pair_up(data, tmp_path, capsys):
    """Rows dropped, repeated, renamed or emptied: refused naming the predictions file; the earlier
    submission stays as it was."""
    name = data.draw(st.sampled_from(["acti_b", "politicit", "nermud", "wicita_1", "haspeede"]))
    task = tasks.get_task(name)
    gold = task.sample_paths("gold")
    rows = fourcol.encode(task, task.read(gold))
    index = data.draw(st.integers(0, len(rows) - 1))
    change = data.draw(st.sampled_from(["drop", "repeat", "rename", "author"]))
    row = rows[index]
    renamed = fourcol.Row(row.id + "x", name, row.input, row.target)
    bad = {"drop": rows[:index] + rows[index + 1:],
           "repeat": rows + [row],
           "rename": rows[:index] + [renamed] + rows[index + 1:],
           "author": rows + [fourcol.Row(row.id.split("#")[0], name, row.input, row.target)]}[change]
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # one folder per generated example
    predictions = folder / f"{name}-{change}.tsv"
    fourcol.write(predictions, bad)
    output = folder / "out"
    output.mkdir()
    (output / "earlier.txt").write_text(EARLIER)
    message = refused(capsys, ["decode", "--task", name, "--predictions", str(predictions),
                               "--reference", *map(str, gold), "--output", str(output)])
    assert str(predictions) in message
    assert os.listdir(output) == ["earlier.txt"] and (output / "earlier.txt").read_text() == EARLIER


def test_evaluate_names_a_gold_file_with_impossible_numbers(tmp_path, capsys):
    gold = tmp_path / "gold.tsv"
    gold.write_text("id\ttext\tlatitude\tlongitude\n1\tciao\t4223\t12.5\n", encoding="utf-8")
    message = refused(capsys, ["evaluate", "--task", "geolingit_b", "--submission", str(gold), "--gold",
                               str(gold)])
    assert f"{gold}, line 2" in message and "latitude" in message


def test_ctrl_c_is_a_message_and_leaves_the_earlier_output(tmp_path, capsys, monkeypatch):
    output = tmp_path / "encoded.tsv"
    output.write_text(EARLIER)
    task = tasks.get_task("acti_a")
    calls = []

    def flatten_then_interrupt(text):  # Ctrl-C while the third row is being written
        calls.append(text)
        if len(calls) > 8:
            raise KeyboardInterrupt
        return str(text)

    monkeypatch.setattr(fourcol, "flatten", flatten_then_interrupt)
    code = cli.main(["encode", "--task", "acti_a", "--input", *map(str, task.sample_paths("gold")),
                     "--output", str(output)])
    assert code == 130 and capsys.readouterr().err == (
        "biss encode: interrupted; no file was left half-written\n")
    assert output.read_text() == EARLIER and os.listdir(tmp_path) == ["encoded.tsv"]
