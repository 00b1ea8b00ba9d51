"""QLoRA training on the tiny LLaMA: loss falls, adapters reload exactly, resume, two processes, CLI."""

import json
import os
import shutil
import subprocess
import sys

import pytest
import torch

from biss_helpers import cli, fourcol, mix, models, tiny, training

from .conftest import ROOT

TASKS = ["haspeede", "acti_a", "emit_a"]


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory):
    """A tiny LLaMA with a few seconds of pretraining, saved like a hub model, plus a small mix."""
    folder = tmp_path_factory.mktemp("tiny")
    tok = tiny.tokenizer("llama")
    model = tiny.llama(tok)
    tiny.pretrain(model, tok, steps=100)
    model.save_pretrained(folder / "model")
    tok.save_pretrained(folder / "model")
    pool = mix.load_samples(TASKS, "train")
    built = mix.build(pool, mix.MixSettings(per_task=30, dev_fraction=0.2))
    fourcol.write(folder / "train.tsv", built.train)
    fourcol.write(folder / "dev.tsv", built.dev)
    return folder


def settings(output_dir, **changes):
    values = dict(output_dir=str(output_dir), max_steps=8, batch_size=4, grad_accum=1, eval_steps=4,
                  logging_steps=2, learning_rate=3e-3, max_tokens=256, too_long="skip", warmup=0.0,
                  lora=models.LoraSettings(r=8, alpha=16, dropout=0.0))
    values.update(changes)
    return training.TrainSettings(**values)


def fresh(base_dir):
    model, tok = models.load_model(str(base_dir / "model"), quantization=None)
    return models.add_lora(model, models.LoraSettings(r=8, alpha=16, dropout=0.0)), tok


def dev_losses(history):
    return [row["dev_loss"] for row in history if "dev_loss" in row]


def test_a_few_steps_lower_the_dev_loss_and_the_best_adapter_reloads_identically(base_dir, tmp_path):
    model, tok = fresh(base_dir)
    train_rows, dev_rows = training.read_mix(base_dir)
    run = training.train(model, tok, train_rows, dev_rows, settings(tmp_path / "run", max_steps=12))
    dev = dev_losses(run.history)
    assert len(dev) == 4 and min(dev[1:]) < dev[0]    # steps 0 (before training), 4, 8, 12
    assert run.best_step in (4, 8, 12) and run.tokens_per_second > 0 and run.peak_gpu_gb is None
    assert len(run.padding) == 1 and run.padding[0] < 0.1          # one epoch, grouped batches
    assert any("train_loss" in row for row in run.history)
    assert {p.name for p in run.adapter_dir.iterdir()} >= {"adapter_config.json", "adapter_model.safetensors",
                                                           "tokenizer.json"}
    batch = tok(["Che bella giornata"], return_tensors="pt")
    run.model.eval()
    with torch.no_grad():
        expected = run.model(**batch).logits
        reloaded, _ = models.load_adapter(str(run.adapter_dir), quantization=None)
        assert torch.equal(reloaded(**batch).logits, expected)


def test_resume_after_a_lost_session_continues_at_the_right_step_with_the_same_batches(base_dir, tmp_path):
    train_rows, dev_rows = training.read_mix(base_dir)
    unbroken, tok = fresh(base_dir)
    full = training.train(unbroken, tok, train_rows, dev_rows, settings(tmp_path / "a", patience=10))
    # The lost session: it got as far as the checkpoint of step 4 and nothing after.
    shutil.copytree(tmp_path / "a" / "checkpoint-4", tmp_path / "b" / "checkpoint-4")
    model, tok = fresh(base_dir)
    resumed = training.train(model, tok, train_rows, dev_rows, settings(tmp_path / "b", patience=10),
                             resume=True)
    after = {row["step"]: row["train_loss"] for row in resumed.history if "train_loss" in row}
    before = {row["step"]: row["train_loss"] for row in full.history if "train_loss" in row}
    # It starts by evaluating the weights of step 4, as the unbroken run did at step 4.
    first_dev = next(row for row in resumed.history if "dev_loss" in row)
    assert first_dev["step"] == 4
    assert first_dev["dev_loss"] == pytest.approx(dev_losses(full.history)[1], rel=1e-5)
    assert sorted(after) == [6, 8]
    for step, loss in after.items():  # same data order, same weights: the same losses
        assert loss == pytest.approx(before[step], rel=1e-4)
    assert dev_losses(resumed.history)[-1] == pytest.approx(dev_losses(full.history)[-1], rel=1e-4)


def test_resume_with_no_checkpoint_starts_from_scratch(base_dir, tmp_path, capsys):
    model, tok = fresh(base_dir)
    train_rows, dev_rows = training.read_mix(base_dir)
    run = training.train(model, tok, train_rows, dev_rows[:4], settings(tmp_path, max_steps=2, eval_steps=2),
                         resume=True)
    assert "starting" in capsys.readouterr().out and run.history[0]["step"] <= 2


def test_output_folder_off_colab_is_under_runs(tmp_path):
    assert training.output_folder("lab", local_root=str(tmp_path)) == tmp_path / "lab"
    assert (tmp_path / "lab").is_dir()


def test_cli_train_clear_errors(base_dir, tmp_path, capsys):
    empty = tmp_path / "empty.tsv"
    empty.write_text("")
    code = cli.main(["train", "--train", str(empty), "--model", str(base_dir / "model"),
                     "--output", str(tmp_path / "out"), "--quantization", "none"])
    assert code == 2 and "empty" in capsys.readouterr().err
    long_answer = tmp_path / "long.tsv"
    fourcol.write(long_answer, [fourcol.Row("r1", "nermud", "Roma", "[LOC] Roma " * 150)])
    code = cli.main(["train", "--train", str(long_answer), "--model", str(base_dir / "model"),
                     "--output", str(tmp_path / "out"), "--quantization", "none", "--max-tokens", "128"])
    assert code == 2 and "nermud r1" in capsys.readouterr().err


def test_two_processes_with_gloo_train_one_adapter(base_dir, tmp_path):
    output = tmp_path / "ddp"
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port",
               "29533", "-m", "biss_helpers", "train", "--train", str(base_dir / "train.tsv"),
               "--dev", str(base_dir / "dev.tsv"), "--model", str(base_dir / "model"), "--output",
               str(output), "--quantization", "none", "--max-steps", "4", "--batch-size", "4",
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


def test_training_stops_early_when_the_dev_loss_stops_falling(base_dir, tmp_path):
    model, tok = fresh(base_dir)
    train_rows, dev_rows = training.read_mix(base_dir)
    # learning rate 0: the dev loss never improves, so patience 1 ends the run after two evaluations
    run = training.train(model, tok, train_rows, dev_rows[:4],
                         settings(tmp_path, max_steps=20, eval_steps=2, learning_rate=0.0, patience=1))
    steps = [row["step"] for row in run.history if "dev_loss" in row]
    assert max(steps) < 20 and len(set(dev_losses(run.history))) == 1, steps


def test_workshop_mix_has_every_task_and_every_non_quoting_row_fits(capsys):
    from biss_helpers import lengths, tasks

    tok = tiny.tokenizer("llama")
    train_rows, dev_rows = training.workshop_mix(tok, max_tokens=384)
    assert {r.task for r in train_rows} == {r.task for r in dev_rows} == set(tasks.TASKS)
    assert "the workshop mix of the synthetic samples" in capsys.readouterr().out
    for row, length in zip(train_rows, lengths.prompt_lengths(train_rows, tok), strict=True):
        assert length.total <= 384 or tasks.TASKS[row.task].needs_example, row.id
