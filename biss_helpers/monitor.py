"""What a training run measures, and how to read it. The `Monitor` callback records the train and dev
loss at every log, peak GPU memory, tokens per second of training steps (evaluation and checkpoints
left out), and the padding of the batches trained each epoch, counted from the attention masks the
model receives. `measured_weights_gb` is what a loaded model's weights take; `epoch_history` turns
Lab 1's Trainer log into one row per epoch; `diagnose` says in one sentence what a dev curve shows.

`training.train` adds the callback to every run; its `history` becomes `TrainResult.history`,
plotted by `plots.training_curves`.

>>> monitor = monitor_class()()  # doctest: +SKIP
>>> trainer = Trainer(..., callbacks=[monitor])  # doctest: +SKIP
>>> hook = model.register_forward_pre_hook(monitor.count, with_kwargs=True)  # doctest: +SKIP
"""

from __future__ import annotations

import time


def monitor_class():
    """The `Monitor` callback class (made on first use: importing transformers is slow)."""
    from transformers import TrainerCallback

    class Monitor(TrainerCallback):
        """Train and dev loss, peak GPU memory and tokens per second at every log; the padding of
        the batches each epoch trained on, counted from the attention masks the model receives."""

        def __init__(self):
            self.history, self.padding = [], []
            self.train_seconds, self._started, self.tokens = 0.0, None, 0
            self._initial_tokens, self._real, self._positions = 0, 0, 0

        def count(self, module, args, kwargs):
            """A forward pre-hook: real and padded positions of each training batch (evaluation
            runs in eval mode and is not counted)."""
            mask = kwargs.get("attention_mask")
            if module.training and mask is not None:
                # A tensor sum, read once an epoch: reading it every step would stall the GPU.
                self._real = self._real + mask.sum()
                self._positions += mask.numel()

        def _close_epoch(self, state) -> None:
            if self._positions:
                self.padding.append(1 - float(self._real) / self._positions)
                self._real = self._positions = 0
                if state.is_world_process_zero:
                    print(f"epoch {len(self.padding)}: {self.padding[-1]:.1%} of the batch positions "
                          "were padding")

        def on_train_begin(self, args, state, control, **kwargs):
            # A resumed run starts with the tokens of the earlier session already counted.
            self._initial_tokens = state.num_input_tokens_seen

        def on_epoch_end(self, args, state, control, **kwargs):
            self._close_epoch(state)

        def on_train_end(self, args, state, control, **kwargs):
            self._close_epoch(state)  # a run that stopped inside an epoch

        def on_step_begin(self, args, state, control, **kwargs):
            self._started = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            if self._started is not None:  # eval and checkpoint time fall outside begin..end
                self.train_seconds += time.perf_counter() - self._started
            self.tokens = state.num_input_tokens_seen - self._initial_tokens

        def on_log(self, args, state, control, logs=None, **kwargs):
            import torch

            logs = logs or {}
            row = {"step": state.global_step, "epoch": round(state.epoch or 0, 3)}
            if "loss" in logs:
                row["train_loss"] = logs["loss"]
                row["learning_rate"] = logs.get("learning_rate")
            elif "eval_loss" in logs:
                row["dev_loss"] = logs["eval_loss"]
            else:
                return
            if self.train_seconds:
                row["tokens_per_second"] = round(self.tokens / self.train_seconds, 1)
            if torch.cuda.is_available():
                row["peak_gpu_gb"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
            self.history.append(row)

    return Monitor


def measured_weights_gb(model) -> float:
    """GiB of a loaded model's parameters and buffers (`get_memory_footprint`) plus what that
    leaves out: the quantisation state bitsandbytes hangs on each quantised weight (NF4 absmax,
    its second-level constants and code books; int8 row scales), real memory all the same."""
    import torch

    total, seen = model.get_memory_footprint(), set()
    for param in model.parameters():
        state = getattr(param, "quant_state", None)
        tensors = [getattr(param, "SCB", None)]
        for part in (state, getattr(state, "state2", None)):
            tensors += list(vars(part).values()) if part is not None else []
        for tensor in tensors:
            if isinstance(tensor, torch.Tensor) and (tensor.data_ptr(), tensor.nbytes) not in seen:
                seen.add((tensor.data_ptr(), tensor.nbytes))
                total += tensor.nbytes
    return total / 2**30


def diagnose(history: list[dict], unit: str = "step") -> str:
    """What the dev loss of a history (`training.train`'s, or Lab 1's per epoch: ``unit="epoch"``)
    says, in one sentence: still falling at the end (the model is still learning what generalises:
    more training would help), or lowest earlier and no lower after (from there on it fits the
    training rows' particulars: overfitting, or noise on a small dev set).

    >>> diagnose([{"epoch": 1, "dev_loss": 0.9}, {"epoch": 2, "dev_loss": 0.7}], "epoch")
    'dev loss fell to its lowest at the last epoch (2: 0.700): still learning; more epochs would help'
    """
    dev = [(row[unit], row["dev_loss"]) for row in history if "dev_loss" in row]
    if len(dev) < 2:
        return f"dev loss measured {len(dev)} time(s): too few points to read a trend"
    (best_at, best), (last_at, last) = min(dev, key=lambda point: point[1]), dev[-1]
    if best_at == last_at:
        return (f"dev loss fell to its lowest at the last {unit} ({best_at}: {best:.3f}): still learning; "
                f"more {unit}s would help")
    after = sum(at > best_at for at, _ in dev)
    return (f"dev loss was lowest at {unit} {best_at} ({best:.3f}); the {after} evaluation(s) after it were "
            f"higher (last {last:.3f}): past that point the model fits the training rows more than "
            f"what generalises (overfitting), or the dev set is too small to tell; the kept checkpoint "
            f"is {unit} {best_at}")


def epoch_history(log_history: list[dict]) -> list[dict]:
    """The Trainer's log, one row per epoch: train loss, dev loss, dev macro-F1 and accuracy."""
    rows: dict[int, dict] = {}
    for entry in log_history:
        row = rows.setdefault(round(entry.get("epoch", 0)), {"epoch": round(entry.get("epoch", 0))})
        if "loss" in entry:
            row["train_loss"] = entry["loss"]
        if "eval_loss" in entry:
            row.update(dev_loss=entry["eval_loss"], dev_macro_f1=entry["eval_macro_f1"],
                       dev_accuracy=entry["eval_accuracy"])
    return [row for _, row in sorted(rows.items()) if "dev_loss" in row]
