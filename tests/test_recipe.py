"""The training recipe as data: what an offline run changes, and what it leaves alone."""

from biss_helpers import fourcol, recipe


def rows(tasks_and_counts):
    return [fourcol.Row(f"{task}-{i}", task, "testo", "odio")
            for task, count in tasks_and_counts for i in range(count)]


def test_offline_an_epoch_long_run_becomes_a_cpu_sized_run_evaluated_on_every_task(offline, capsys):
    dev = rows([("haspeede", 6), ("acti_a", 6), ("nermud", 2)])
    settings, kept = recipe.scaled(recipe.TrainSettings(learning_rate=2e-4), dev)
    assert settings.max_steps == recipe.OFFLINE["max_steps"] and settings.learning_rate == 1e-3
    assert [row.id for row in kept] == ["haspeede-0", "acti_a-0", "nermud-0"]   # one per task, in order
    out = capsys.readouterr().out
    assert out.startswith("offline: a CPU-sized run") and "dev loss on 3 of 14 dev rows" in out
    assert settings.lora == recipe.TrainSettings().lora and settings.max_tokens == 384   # the rest as given


def test_a_run_that_names_its_steps_and_every_online_run_are_left_as_they_are(offline, monkeypatch, capsys):
    dev = rows([("haspeede", 6)])
    given = recipe.TrainSettings(max_steps=8, batch_size=4)
    assert recipe.scaled(given, dev) == (given, dev)
    assert recipe.scaled(given, None) == (given, [])        # a run without dev rows
    monkeypatch.delenv("BISS_OFFLINE")
    assert recipe.scaled(recipe.TrainSettings(), dev) == (recipe.TrainSettings(), dev)
    assert capsys.readouterr().out == ""


def test_the_arguments_follow_the_settings(offline):
    args = recipe.arguments(recipe.TrainSettings(output_dir="runs/x", batch_size=4, grad_accum=3,
                                                 learning_rate=5e-4, eval_steps=7, logging_steps=1))
    assert args.per_device_train_batch_size == 4 and args.gradient_accumulation_steps == 3
    assert args.learning_rate == 5e-4
    assert (args.eval_steps, args.save_steps, args.logging_steps) == (7, 7, 1)
    assert args.metric_for_best_model == "eval_loss" and not args.greater_is_better and args.eval_on_start
    assert not args.fp16 and not args.bf16 and args.optim == "adamw_torch"   # a CPU: fp32, plain AdamW
