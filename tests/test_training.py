"""QLoRA training on the tiny LLaMA: loss falls, adapters reload exactly, resume, early stopping."""

import math
import shutil

import pytest
import torch

from biss_helpers import fourcol, models, training, workshop


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
    train_rows, dev_rows = workshop.read_files(base_dir)
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
    train_rows, dev_rows = workshop.read_files(base_dir)
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
    train_rows, dev_rows = workshop.read_files(base_dir)
    run = training.train(model, tok, train_rows, dev_rows[:4], settings(tmp_path, max_steps=2, eval_steps=2),
                         resume=True)
    assert "starting" in capsys.readouterr().out and run.history[0]["step"] <= 2


def test_a_finished_run_is_loaded_when_run_again_not_trained_again(base_dir, tmp_path, capsys):
    train_rows, dev_rows = workshop.read_files(base_dir)
    model, tok = fresh(base_dir)
    short = settings(tmp_path, max_steps=4, eval_steps=2)
    first = training.train(model, tok, train_rows, dev_rows[:4], short, resume=True)
    assert (tmp_path / training.RESULT).is_file()
    model, tok = fresh(base_dir)
    again = training.train(model, tok, train_rows, dev_rows[:4], short, resume=True)
    assert "finished earlier" in capsys.readouterr().out
    assert again.history == first.history and again.best_step == first.best_step
    batch = tok(["Che bella giornata"], return_tensors="pt")
    first.model.eval()
    again.model.eval()
    with torch.no_grad():
        assert torch.equal(again.model(**batch).logits, first.model(**batch).logits)


def test_the_run_folder_changes_with_what_changes_the_model_and_only_with_that(tmp_path):
    rows = [fourcol.Row("1", "haspeede", "Che bella giornata", "non_odio")]
    def folder(model="m/Llama", train=rows, **changes):
        return training.run_folder(model, train, [], training.TrainSettings(**changes), root=tmp_path)
    base = folder()
    assert base == folder() == folder(output_dir="elsewhere")   # a lost session finds its own run
    assert base.parent == tmp_path / "lab2.2" and (base / "run.json").is_file()
    others = [folder(model="m/Qwen"), folder(train=rows * 2), folder(lora=models.LoraSettings(r=4)),
              folder(mask_prompt=False), folder(prompt_style="chat"), folder(max_tokens=256),
              folder(group_by_length=False), folder(batch_size=32)]
    assert len({base, *others}) == len(others) + 1
    assert training.run_folder("m/Llama", rows, [], training.TrainSettings(), None, tmp_path) != base


@pytest.mark.parametrize("examples", [1, 7, 100, 1100, 1667, 20000])
@pytest.mark.parametrize("batch, accumulation", [(8, 2), (2, 1)])
def test_evaluation_steps_follow_the_data_size_so_the_dev_curve_has_five_points(examples, batch,
                                                                                 accumulation):
    lab = training.TrainSettings(batch_size=batch, grad_accum=accumulation)
    chosen = training.with_schedule(lab, examples)
    total = math.ceil(math.ceil(examples / batch) / accumulation)   # optimizer steps in one epoch
    assert 1 <= chosen.eval_steps <= 50 and chosen.logging_steps <= chosen.eval_steps
    assert total // chosen.eval_steps >= min(5, total)
    fixed = training.with_schedule(training.TrainSettings(eval_steps=7, max_steps=30), examples)
    assert fixed.eval_steps == 7                      # a value given is kept


def test_training_stops_early_when_the_dev_loss_stops_falling(base_dir, tmp_path):
    model, tok = fresh(base_dir)
    train_rows, dev_rows = workshop.read_files(base_dir)
    # a learning rate too small to change a float32 weight (0 is refused: it trains nothing): the dev
    # loss never improves, so patience 1 ends the run after two evaluations
    run = training.train(model, tok, train_rows, dev_rows[:4],
                         settings(tmp_path, max_steps=20, eval_steps=2, learning_rate=1e-30, patience=1))
    steps = [row["step"] for row in run.history if "dev_loss" in row]
    assert max(steps) < 20 and len(set(dev_losses(run.history))) == 1, steps


def test_batches_grouped_by_length_pad_less_than_random_ones(base_dir, tmp_path):
    """The Trainer's own length-grouped sampler, and the padding counted on the batches it trained."""
    train_rows, _ = workshop.read_files(base_dir)
    padding = {}
    for grouped in (True, False):
        model, tok = fresh(base_dir)
        run = training.train(model, tok, train_rows, [], settings(tmp_path / str(grouped), max_steps=6,
                                                                   group_by_length=grouped))
        [padding[grouped]] = run.padding
    assert padding[True] < 0.1 < padding[False], padding


def test_settings_without_checkpointing_turn_it_off_on_a_model_loaded_with_it(base_dir, tmp_path):
    """Offline (recipe.OFFLINE) a run has no activation checkpointing: a CPU has the memory, and the
    recomputation would cost about a quarter of each step. The notebook's model was loaded with it."""
    model, tok = models.load_model(str(base_dir / "model"), quantization=None, gradient_checkpointing=True)
    model = models.add_lora(model, models.LoraSettings(r=8, alpha=16, dropout=0.0))
    assert model.is_activation_checkpointing
    rows = workshop.read_files(base_dir)[0][:8]
    training.train(model, tok, rows, [], settings(tmp_path, max_steps=1, checkpointing=False))
    assert not model.is_activation_checkpointing
