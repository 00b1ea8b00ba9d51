"""The training monitor (monitor): what it records from the Trainer's events and the model's inputs,
without a model (the whole run is in tests/test_training.py)."""

import types

import torch

from biss_helpers import monitor
from biss_helpers.monitor import monitor_class


def state(**values):
    defaults = {"global_step": 0, "epoch": 0.0, "num_input_tokens_seen": 0, "is_world_process_zero": True}
    return types.SimpleNamespace(**{**defaults, **values})


def test_padding_is_counted_from_training_masks_only(capsys):
    monitor = monitor_class()()
    training, evaluating = types.SimpleNamespace(training=True), types.SimpleNamespace(training=False)
    monitor.count(training, (), {"attention_mask": torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]])})
    monitor.count(evaluating, (), {"attention_mask": torch.zeros(8, 8)})  # dev batches are not trained
    monitor.count(training, (), {})
    monitor.on_epoch_end(None, state(), None)
    assert monitor.padding == [0.125]
    assert "epoch 1: 12.5% of the batch positions were padding" in capsys.readouterr().out
    monitor.on_train_end(None, state(), None)  # nothing new since: no second entry
    assert monitor.padding == [0.125]


def test_logs_become_history_rows_with_speed_of_training_steps_only():
    monitor = monitor_class()()
    monitor.on_train_begin(None, state(num_input_tokens_seen=500), None)  # resumed: 500 already seen
    monitor.on_step_begin(None, state(), None)
    monitor.on_step_end(None, state(num_input_tokens_seen=900), None)
    monitor.train_seconds = 2.0  # what the step took, fixed for the test
    monitor.on_log(None, state(global_step=1, epoch=0.5), None, logs={"loss": 2.5, "learning_rate": 1e-4})
    monitor.on_log(None, state(global_step=1, epoch=0.5), None, logs={"eval_loss": 2.0})
    monitor.on_log(None, state(global_step=1, epoch=0.5), None, logs={"train_runtime": 3.0})  # ignored
    assert monitor.history == [
        {"step": 1, "epoch": 0.5, "train_loss": 2.5, "learning_rate": 1e-4, "tokens_per_second": 200.0},
        {"step": 1, "epoch": 0.5, "dev_loss": 2.0, "tokens_per_second": 200.0}]


def test_the_diagnosis_tells_a_falling_dev_loss_from_one_that_turned_up():
    falling = [{"step": s, "dev_loss": 2.0 - s / 10} for s in range(0, 12, 4)]
    assert "still learning; more steps would help" in monitor.diagnose(falling)
    turned = falling + [{"step": 12, "dev_loss": 1.95}, {"step": 16, "train_loss": 0.1}]
    said = monitor.diagnose(turned)
    assert "lowest at step 8 (1.200); the 1 evaluation(s) after it were higher" in said
    assert "kept checkpoint is step 8" in said
    assert "too few points" in monitor.diagnose([{"step": 0, "dev_loss": 1.0}])
