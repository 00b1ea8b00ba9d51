"""What a training run records, as a `Trainer` callback: the train and dev loss at every log, peak GPU
memory, tokens per second of training steps (evaluation and checkpoints left out), and the padding
of the batches trained each epoch, counted from the attention masks the model receives.

`training.train` adds it to every run; its `history` becomes `TrainResult.history`, plotted by
`plots.training_curves`.

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
