"""The command line: every command's contract (one JSON line last, exit 2 with a one-line message),
the round trip of every task through encode/decode/evaluate (samples and real files), the options
generated from the settings dataclasses, and training from the command line (also two processes)."""

import dataclasses
import json
import math
import os
import subprocess
import sys
from typing import Literal

import pytest

from biss_helpers import bert, cli, fourcol, mix, models, settings, tasks, training, workshop

from .conftest import ROOT

TASKS = sorted(tasks.TASKS)


def perfect(task, scores) -> bool:
    """A round trip of gold through encode/decode is perfect: 1.0 for labels, >= 0.98 for
    correlations (targets round the values), under 1 km for coordinates. `scores` is evaluate's JSON
    (one entry per gold file or domain; over several, the combined one: a part of the sample can miss
    a class, which the official macro-F1 of NERMuD and EMit counts as 0)."""
    parts = scores["files"] if "files" in scores else {"": scores}
    value = (parts.get("combined (ours)") or next(iter(parts.values())))[task.metric]
    if "km" in task.metric:
        return value < 1.0
    if any(name in task.metric for name in ("pearson", "spearman", "correlation")):
        return value >= 0.98
    return math.isclose(value, 1.0)


def run(argv, capsys):
    assert cli.main(argv) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_help_lists_every_command_and_the_module_is_the_command():
    result = subprocess.run([sys.executable, "-m", "biss_helpers", "--help"],
                            capture_output=True, text=True, check=True)
    for command in ("offline-models", "lab1", "pipeline", "info", "sync-notebooks", "encode", "mix",
                    "decode", "evaluate", "score", "train", "predict"):
        assert command in result.stdout


def test_sync_reports_up_to_date(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert cli.main(["sync-notebooks"]) == 0
    out = capsys.readouterr().out
    assert "up to date" in out and "updated" not in out


@pytest.mark.parametrize("command, settings_class", [("train", training.TrainSettings),
                                                     ("lab1", bert.ClassifierSettings),
                                                     ("mix", mix.MixSettings)])
def test_every_settings_field_is_an_option_with_its_comment_as_help(command, settings_class):
    subcommand = cli.parser()._subparsers._group_actions[0].choices[command]
    options = {option: action for action in subcommand._actions for option in action.option_strings}
    comments = settings.field_comments(settings_class)
    for field in dataclasses.fields(settings_class):
        if field.name == "lora":
            continue
        action = options["--" + field.name.replace("_", "-")]
        assert comments[field.name] and comments[field.name] in action.help, field.name
    if settings_class is training.TrainSettings:
        for field in dataclasses.fields(models.LoraSettings):
            assert "--lora-" + field.name in options


def test_train_options_fill_every_field_of_the_settings():
    args = cli.parser().parse_args([
        "train", "--data", "d", "--model", "m", "--output-dir", "o", "--epochs", "2.5", "--max-steps", "7",
        "--batch-size", "3", "--grad-accum", "5", "--learning-rate", "1e-3", "--scheduler", "linear",
        "--warmup", "0.2", "--max-tokens", "128", "--prompt-style", "chat", "--no-mask-prompt",
        "--too-long", "skip", "--eval-steps", "9", "--logging-steps", "2", "--patience", "4",
        "--no-group-by-length", "--seed", "1", "--lora-r", "4", "--lora-alpha", "8",
        "--lora-dropout", "0.1", "--lora-targets", "q_proj", "v_proj"])
    filled = settings.read_settings(args, training.TrainSettings)
    assert filled == training.TrainSettings(
        output_dir="o", epochs=2.5, max_steps=7, batch_size=3, grad_accum=5, learning_rate=1e-3,
        scheduler="linear", warmup=0.2, max_tokens=128, prompt_style="chat", mask_prompt=False,
        too_long="skip", eval_steps=9, logging_steps=2, patience=4, group_by_length=False, seed=1,
        lora=models.LoraSettings(r=4, alpha=8, dropout=0.1, targets=["q_proj", "v_proj"]))
    defaults = settings.read_settings(cli.parser().parse_args(["train", "--data", "d", "--model", "m"]),
                                      training.TrainSettings)
    assert defaults == training.TrainSettings()


def test_a_new_field_is_a_new_option():
    @dataclasses.dataclass
    class Settings:
        rate: float = 0.5           # how fast
        style: Literal["a", "b"] = "a"  # which one
        limit: int | None = 3       # at most this many (none: no limit)
        names: list[str] | None = None  # which names

    import argparse

    parser = argparse.ArgumentParser()
    settings.add_settings(parser, Settings)
    assert "how fast" in parser.format_help()
    args = parser.parse_args(["--rate", "2", "--style", "b", "--limit", "none", "--names", "x", "y"])
    assert settings.read_settings(args, Settings) == Settings(2.0, "b", None, ["x", "y"])
    with pytest.raises(SystemExit):
        parser.parse_args(["--style", "c"])


def test_mix_writes_the_training_files_that_train_reads(tmp_path, capsys):
    out = run(["mix", "--output", str(tmp_path / "lab2"), "--model", "unsloth/Llama-3.2-1B-Instruct",
               "--per-task", "20", "--tasks", "haspeede", "acti_a", "nermud"], capsys)
    train_rows, dev_rows = workshop.read_files(tmp_path / "lab2")
    assert out["train"] == len(train_rows) and out["dev"] == len(dev_rows) and out["tasks"] == 3
    assert set(fourcol.counts(train_rows)) == {"haspeede", "acti_a", "nermud"}
    assert len(train_rows) + len(dev_rows) >= 60 - 3  # 20 per task (tiny tasks may have fewer)


@pytest.mark.parametrize("name", TASKS)
def test_round_trip_through_the_cli_is_perfect(name, tmp_path, capsys):
    task = tasks.get_task(name)
    gold = [str(p) for p in task.sample_paths("gold")]
    encoded = tmp_path / "gold.tsv"
    out = run(["encode", "--task", name, "--input", *gold, "--output", str(encoded)], capsys)
    rows = fourcol.read(encoded)
    assert out == {"task": name, "rows": len(rows)} and len(rows) == len(task.read(gold))
    assert all(row.target for row in rows)
    submission = tmp_path / "submission"
    out = run(["decode", "--task", name, "--predictions", str(encoded), "--reference", *gold,
               "--output", str(submission)], capsys)
    assert out == {"task": name, "rows": len(rows), "unparsed": 0, "unplaced": 0}
    scores = run(["evaluate", "--task", name, "--submission", str(submission), "--gold", *gold], capsys)
    assert scores["task"] == name and perfect(task, scores), scores


@pytest.mark.parametrize("name", TASKS)
def test_blind_test_file_gets_a_submission(name, tmp_path, capsys):
    """Encode the blind test file (targets empty), answer garbage, decode against it: every row is
    written with the fallback and counted as unparsed."""
    task = tasks.get_task(name)
    blind = [str(p) for p in task.sample_paths("test")]
    encoded = tmp_path / "test.tsv"
    run(["encode", "--task", name, "--input", *blind, "--output", str(encoded)], capsys)
    rows = fourcol.read(encoded)
    assert rows and not any(row.target for row in rows)
    answered = tmp_path / "answers.tsv"
    fourcol.write(answered, [fourcol.Row(r.id, r.task, r.input, "???") for r in rows])
    out = run(["decode", "--task", name, "--predictions", str(answered), "--reference", *blind,
               "--output", str(tmp_path / "submission")], capsys)
    assert out == {"task": name, "rows": len(rows), "unparsed": len(rows), "unplaced": out["unplaced"]}
    assert out["unplaced"] == 0 or task.answer_quotes_input   # "???" is not in any input
    assert any((tmp_path / "submission").iterdir())


def test_decode_without_reference_writes_id_and_prediction(tmp_path, capsys):
    rows = [fourcol.Row("0", "acti_b", "x", "Qanon"), fourcol.Row("1", "acti_b", "y", "boh"),
            fourcol.Row("2", "acti_a", "z", "cospirazione")]
    fourcol.write(tmp_path / "pred.tsv", rows)
    out = run(["decode", "--task", "acti_b", "--predictions", str(tmp_path / "pred.tsv"),
               "--output", str(tmp_path / "out.tsv")], capsys)
    assert out == {"task": "acti_b", "rows": 2, "unparsed": 1, "unplaced": 0}
    assert (tmp_path / "out.tsv").read_text().splitlines() == ["0\t1", "1\t0"]


def test_cli_errors_name_the_problem(tmp_path, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_text("1\tnot_a_task\tciao\t\n", encoding="utf-8")
    assert cli.main(["decode", "--task", "acti_a", "--predictions", str(bad),
                     "--output", str(tmp_path / "o")]) == 2
    assert f"{bad}, line 1: unknown task 'not_a_task'" in capsys.readouterr().err
    assert cli.main(["encode", "--task", "nope", "--input", str(bad), "--output", "x"]) == 2
    assert "unknown task 'nope'; known tasks: acti_a" in capsys.readouterr().err



# Every real labelled file in ../shared/evalita/real/, with its official row count (from the organisers'
# format description, summarised in each task module's docstring).
REAL_GOLD = [
    ("acti_a", ["acti/acti-subtask-a/subtaskA_train.csv"], 1842),
    ("acti_b", ["acti/acti-subtask-b/subtaskB_train.csv"], 810),
    ("discotex_1", ["discotex/train/discotex_1_ted_train_set_release.tsv"], 8000),
    ("discotex_1", ["discotex/test/gold/discotex_1_ted_test_set_release.tsv"], 800),
    ("discotex_1", ["discotex/test/gold/discotex_1_wiki_test_set_release.tsv"], 800),
    ("discotex_2", ["discotex/train/discotex_2_train_clean_release.tsv"], 864),
    ("discotex_2", ["discotex/test/gold/discotex_2_test_set_release.tsv"], 200),
    ("emit_a", ["emit/emit_train_A.csv"], 5966),
    ("emit_a", ["emit/emit_test.csv"], 1000),
    ("emit_a", ["emit/emit_test_ood.csv"], 1000),
    ("emit_a", ["emit/emit_sample.csv"], 100),
    ("emit_b", ["emit/emit_train_B.csv"], 5966),
    ("emit_b", ["emit/emit_test.csv"], 1000),
    ("emit_b", ["emit/emit_test_ood.csv"], 1000),
    ("haspeede", ["haspeede/development/training_textual.csv"], 5600),
    ("haspeede", ["haspeede/gold/test_textual_gold.csv"], 4400),
    ("wicita_1", ["wicita/binary/train.jsonl"], 2805),
    ("wicita_1", ["wicita/binary/dev.jsonl"], 500),
    ("wicita_1", ["wicita/gold_truth/binary/test.jsonl"], 500),
    ("wicita_1", ["wicita/gold_truth/binary/test_eng.jsonl"], 500),
    ("wicita_2", ["wicita/ranking/train.jsonl"], 3820),
    ("wicita_2", ["wicita/ranking/train_dis.jsonl"], 1015),
    ("wicita_2", ["wicita/ranking/dev.jsonl"], 500),
    ("wicita_2", ["wicita/gold_truth/ranking/test.jsonl"], 500),
    ("wicita_2", ["wicita/gold_truth/ranking/test_eng.jsonl"], 500),
    *[("nermud", [f"nermud/{domain}_{split}.tsv"], count) for domain, split, count in (
        ("WN", "train", 10912), ("WN", "dev", 2594), ("WN", "test", 2088),
        ("FIC", "train", 11423), ("FIC", "dev", 1051), ("FIC", "test", 1517),
        ("ADG", "train", 5147), ("ADG", "dev", 1122), ("ADG", "test", 521))],
]


@pytest.mark.parametrize("name, files, count", REAL_GOLD, ids=lambda v: v if isinstance(v, str) else None)
def test_round_trip_through_the_cli_on_real_files(name, files, count, shared_dir, tmp_path, capsys):
    """encode the official gold file, use the targets as completions, decode against the same
    file, evaluate: a perfect score, with the official number of rows."""
    task = tasks.get_task(name)
    gold = [str(shared_dir / "evalita" / "real" / f) for f in files]
    encoded = tmp_path / "gold.tsv"
    assert run(["encode", "--task", name, "--input", *gold, "--output", str(encoded)], capsys) == {
        "task": name, "rows": count}
    out = run(["decode", "--task", name, "--predictions", str(encoded), "--reference", *gold,
               "--output", str(tmp_path / "submission")], capsys)
    assert out == {"task": name, "rows": count, "unparsed": 0, "unplaced": 0}
    scores = run(["evaluate", "--task", name, "--submission", str(tmp_path / "submission"),
                  "--gold", *gold], capsys)
    assert perfect(task, scores), scores


def test_cli_train_clear_errors(base_dir, tmp_path, capsys):
    empty = tmp_path / "empty.tsv"
    empty.write_text("")
    code = cli.main(["train", "--train", str(empty), "--model", str(base_dir / "model"),
                     "--output-dir", str(tmp_path / "out"), "--quantization", "none"])
    assert code == 2 and "empty" in capsys.readouterr().err
    long_answer = tmp_path / "long.tsv"
    fourcol.write(long_answer, [fourcol.Row("r1", "nermud", "Roma", "[LOC] Roma " * 150)])
    code = cli.main(["train", "--train", str(long_answer), "--model", str(base_dir / "model"),
                     "--output-dir", str(tmp_path / "out"), "--quantization", "none", "--max-tokens", "128"])
    assert code == 2 and "nermud r1" in capsys.readouterr().err
    code = cli.main(["train", "--data", str(base_dir), "--dev", str(long_answer), "--model", "m"])
    assert code == 2 and "--dev goes with --train" in capsys.readouterr().err


def test_two_processes_with_gloo_train_one_adapter(base_dir, tmp_path):
    output = tmp_path / "ddp"
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port",
               "29533", "-m", "biss_helpers", "train", "--data", str(base_dir), "--model",
               str(base_dir / "model"), "--output-dir", str(output), "--quantization", "none",
               "--max-steps", "4", "--batch-size", "4",
               "--grad-accum", "1", "--eval-steps", "2", "--max-tokens", "256", "--too-long", "skip"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["adapter"] == str(output / "adapter")
    assert (output / "adapter" / "adapter_model.safetensors").is_file()
    # Each process took half of each step's batches: 4 steps cover twice the rows of one process.
    state = json.loads((output / "checkpoint-4" / "trainer_state.json").read_text())
    train_rows = len(fourcol.read(base_dir / "train.tsv"))
    batches = -(-train_rows // 4)
    assert state["epoch"] == pytest.approx(4 / -(-batches // 2), abs=1e-3)
