"""Lab 2.2's training recipe as data: the settings of a run (`TrainSettings`), the Hugging Face
`TrainingArguments` they become (`arguments`), the evaluation schedule taken from the data
(`with_schedule`), and what an offline run on a CPU changes (`scaled`).

Notebook 03 builds the same `TrainingArguments` by hand, in view, and checks them against
`arguments`; `training.train` then uses this module.

>>> args = arguments(with_schedule(TrainSettings(output_dir="runs/x"), 1100))  # doctest: +SKIP
>>> args.learning_rate, args.gradient_accumulation_steps, args.eval_steps       # doctest: +SKIP
(0.0002, 2, 13)
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from typing import Literal

from . import env, models
from .settings import check, positive, share, whole


@dataclass
class TrainSettings:
    """Workshop defaults for a Llama 3.2 1B on a T4 (see `memory.preflight` for other sizes). Each
    field is also an option of ``biss train`` (``--grad-accum 4``), its comment the option's help."""

    output_dir: str = "runs/lab2.2"   # checkpoints, then the adapter in OUTPUT_DIR/adapter
    epochs: float = 1.0               # passes over the training rows
    max_steps: int = -1               # > 0: stop after this many optimizer steps (overrides epochs)
    batch_size: int = 8               # examples per forward pass (and per GPU)
    grad_accum: int = 2               # forward passes per optimizer step: 16 examples per step
    learning_rate: float = 2e-4       # the QLoRA paper's value for small models
    scheduler: Literal["cosine", "linear"] = "cosine"  # how the learning rate decays after warm-up
    warmup: float = 0.05              # share of the steps spent raising the learning rate from 0
    max_tokens: int = 384             # prompt + answer + EOS, as trimmed in notebook 02
    prompt_style: Literal["alpaca", "alpaca_en", "phi3", "chat"] = "alpaca"  # the prompt format
    mask_prompt: bool = True          # loss on the answer only (off: on the prompt too)
    too_long: Literal["error", "skip"] = "error"  # a row over max_tokens: stop, or leave it out (listed)
    eval_steps: int | None = None     # evaluate on dev and save a checkpoint this often (None: a fifth
                                      # of the run's steps, at most 50: 5 dev points or more)
    logging_steps: int = 1            # log the train loss this often (1: every step, a readable curve)
    patience: int = 3                 # evaluations without a lower dev loss before stopping
    group_by_length: bool = True      # batches of similar length (far less padding than random ones)
    checkpointing: bool = True        # recompute activations in backward: less memory, ~1/3 more compute
    seed: int = 42                    # model initialisation, data order, dropout
    lora: models.LoraSettings = field(default_factory=models.LoraSettings)  # the adapters

    def __post_init__(self):  # a bad value fails here, not after the model has loaded
        check(self, batch_size=whole(1), grad_accum=whole(1), learning_rate=positive, warmup=share,
              max_tokens=whole(16), eval_steps=whole(1, also=(None,)), logging_steps=whole(1),
              patience=whole(1), seed=whole(0),
              max_steps=whole(1, also=(-1,)),  # epochs count only without max_steps
              **({"epochs": positive} if self.max_steps == -1 else {}))


# Offline (BISS_OFFLINE=1, a CPU, SmolLM2-135M), a run measured in epochs becomes this run: an epoch of
# the workshop mix is about 80 steps of 16 rows, hours on 2 CPU cores. A short run needs a larger
# step than the QLoRA paper's 2e-4 to move at all; the dev loss is read on DEV_PER_TASK rows of each
# task, often enough for a curve of 5 points. A run that gives max_steps is left as it is.
OFFLINE = {"max_steps": 12, "batch_size": 2, "grad_accum": 1, "learning_rate": 1e-3, "eval_steps": 3,
           "warmup": 0.1, "checkpointing": False}  # a CPU has the memory: recomputing would cost a quarter
DEV_PER_TASK = 1


def scaled(settings: TrainSettings, dev_rows=None) -> tuple[TrainSettings, list]:
    """(settings, dev rows) for this machine: unchanged online or when `settings.max_steps` is
    given; offline, an epoch-long run becomes the CPU-sized run of `OFFLINE`, evaluated on the first
    `DEV_PER_TASK` dev rows of every task, and says so.

    >>> scaled(TrainSettings(max_steps=8), ["row"])[0].max_steps
    8
    """
    dev_rows = list(dev_rows or [])  # none (a run without dev) is no rows
    if not env.offline() or settings.max_steps > 0:
        return settings, dev_rows
    kept, seen = [], {}
    for row in dev_rows:  # the first rows of each task, in file order
        seen[row.task] = seen.get(row.task, 0) + 1
        if seen[row.task] <= DEV_PER_TASK:
            kept.append(row)
    changes = ", ".join(f"{k}={v}" for k, v in OFFLINE.items())
    print(f"offline: a CPU-sized run ({changes}; dev loss on {len(kept)} of {len(dev_rows)} dev "
          f"rows, {DEV_PER_TASK} per task). Same code; on a GPU the settings run as given.")
    return replace(settings, **OFFLINE), kept


def match_checkpointing(model, settings: TrainSettings):
    """`model` with activation checkpointing turned off when `settings` say none (offline: a CPU has
    the memory) but it was loaded with it; `training.train` and `sft.train` call it after `scaled`."""
    if not settings.checkpointing and getattr(model, "is_activation_checkpointing", False):
        model.activation_checkpointing_disable()
    return model


def with_schedule(settings: TrainSettings, train_examples: int) -> TrainSettings:
    """`settings` with `eval_steps` decided from the data when it is None: a fifth of the run's
    optimizer steps, at most 50, so that the dev curve has at least 5 points after the one before
    training and early stopping has room to act; logging at most every `eval_steps`.

    >>> with_schedule(TrainSettings(), 1100).eval_steps   # 69 steps of 16 examples
    13
    """
    batches = math.ceil(train_examples / (settings.batch_size * int(os.environ.get("WORLD_SIZE", 1))))
    per_epoch = max(1, math.ceil(batches / settings.grad_accum))
    total = settings.max_steps if settings.max_steps > 0 else max(1, math.ceil(settings.epochs * per_epoch))
    every = settings.eval_steps or max(1, min(50, total // 5))
    return replace(settings, eval_steps=every, logging_steps=min(settings.logging_steps, every))


def arguments(settings: TrainSettings, has_dev: bool = True):
    """The `TrainingArguments` of a run: paged 8-bit AdamW on a GPU (its states live in 8 bit and
    page to CPU memory at peaks), plain AdamW on a CPU; fp16 or bf16 as the hardware allows."""
    import torch
    from transformers import TrainingArguments

    gpu = torch.cuda.is_available()
    every = settings.eval_steps or 50  # `train` decides None from the data first (`with_schedule`)
    distributed = int(os.environ.get("WORLD_SIZE", 1)) > 1  # launched by torchrun / accelerate launch
    precision = env.precision()
    return TrainingArguments(
        output_dir=settings.output_dir, num_train_epochs=settings.epochs, max_steps=settings.max_steps,
        per_device_train_batch_size=settings.batch_size, per_device_eval_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.grad_accum, learning_rate=settings.learning_rate,
        lr_scheduler_type=settings.scheduler, warmup_steps=settings.warmup, weight_decay=0.0,
        optim="paged_adamw_8bit" if gpu else "adamw_torch", fp16=precision == "fp16",
        bf16=precision == "bf16", logging_steps=settings.logging_steps,
        eval_strategy="steps" if has_dev else "no", eval_steps=every,
        eval_on_start=has_dev,  # the dev loss of the untrained adapter: where the curve starts
        save_strategy="steps", save_steps=every, save_total_limit=2,
        load_best_model_at_end=has_dev, metric_for_best_model="eval_loss", greater_is_better=False,
        train_sampling_strategy="group_by_length" if settings.group_by_length else "random",
        seed=settings.seed, data_seed=settings.seed, report_to="none", remove_unused_columns=False,
        include_num_input_tokens_seen="non_padding", dataloader_pin_memory=gpu,
        # Without a GPU, torchrun's processes train together over gloo (the test of multi-GPU runs).
        use_cpu=not gpu, ddp_backend="gloo" if not gpu and distributed else None,
        ddp_find_unused_parameters=False)
