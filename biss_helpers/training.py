"""Lab 2.2: QLoRA instruction tuning with the Hugging Face `Trainer` and our collator.

`train` tokenizes the 4-column rows (`collate`), feeds the Trainer length-grouped batches,
evaluates on dev every `eval_steps`, keeps the checkpoint with the lowest dev loss and stops early
when the dev loss stops falling, saves checkpoints every `eval_steps` (on Colab to Google Drive:
`output_folder`), and resumes from the last one after a lost session. A callback records the
train and dev loss, peak GPU memory and tokens per second.

>>> settings = TrainSettings(output_dir="runs/lab2.2")
>>> model, tokenizer = models.load_model("unsloth/Llama-3.2-1B-Instruct")  # doctest: +SKIP
>>> model = models.add_lora(model, settings.lora)                          # doctest: +SKIP
>>> run = train(model, tokenizer, train_rows, dev_rows, settings)          # doctest: +SKIP
>>> run.history[-1]["dev_loss"] < run.history[0]["dev_loss"]               # doctest: +SKIP
True
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import collate, env, fourcol, models


@dataclass
class TrainSettings:
    """Workshop defaults for a Llama 3.2 1B on a T4 (see `memory.preflight` for other sizes)."""

    output_dir: str = "runs/lab2.2"
    epochs: float = 1.0
    max_steps: int = -1               # > 0: stop after this many optimizer steps (overrides epochs)
    batch_size: int = 8               # examples per forward pass (and per GPU)
    grad_accum: int = 2               # forward passes per optimizer step: 16 examples per step
    learning_rate: float = 2e-4       # the QLoRA paper's value for small models
    scheduler: str = "cosine"         # or "linear"
    warmup: float = 0.05              # share of the steps
    max_tokens: int = 384             # prompt + answer + EOS, as trimmed in notebook 02
    prompt_style: str = "alpaca"      # or "chat" (the model's own template)
    mask_prompt: bool = True          # loss on the answer only
    too_long: str = "error"           # or "skip": leave rows longer than max_tokens out, listed
    eval_steps: int = 50              # evaluate on dev and save a checkpoint this often
    logging_steps: int = 10
    patience: int = 3                 # evaluations without a lower dev loss before stopping
    group_by_length: bool = True
    seed: int = 42
    lora: models.LoraSettings = field(default_factory=models.LoraSettings)


@dataclass
class TrainResult:
    model: object
    history: list[dict]          # one row per log: step, epoch, train_loss or dev_loss, ...
    best_step: int | None        # the checkpoint kept (lowest dev loss)
    seconds: float
    peak_gpu_gb: float | None
    tokens_per_second: float     # non-padding training tokens per second of training steps
    adapter_dir: Path
    padding: list[float] = field(default_factory=list)  # padding fraction of each epoch's batches


def output_folder(name: str, local_root: str = "runs") -> Path:
    """Where a run keeps its checkpoints: on Colab, Google Drive (mounted here), so they outlive
    the session; elsewhere ``runs/<name>``."""
    if env.is_colab():
        from google.colab import drive

        drive.mount("/content/drive")
        folder = Path("/content/drive/MyDrive/biss-tutorial") / name
    else:
        folder = Path(local_root) / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def read_mix(folder: str | Path) -> tuple[list[fourcol.Row], list[fourcol.Row]]:
    """``train.tsv`` and ``dev.tsv`` of `folder` (what notebook 02 writes)."""
    folder = Path(folder)
    return fourcol.read(folder / "train.tsv"), fourcol.read(folder / "dev.tsv")


def workshop_mix(tokenizer, max_tokens: int = 384, style: str = "alpaca", folder: str | Path | None = None):
    """(train rows, dev rows) as notebook 02 makes them (every task, workshop defaults, inputs trimmed
    to fit `max_tokens`) from the synthetic samples, or from the official files under `folder` (a
    task without them there uses its sample), for when notebook 02's files are not at hand."""
    from . import lengths, mix, tasks

    names = list(tasks.TASKS)
    if folder is None:
        train_part, dev_part = mix.load_samples(names, "train"), mix.load_samples(names, "dev")
        pool = {name: train_part[name] + dev_part[name] for name in names}
    else:
        pool = mix.load_official(names, folder)
    built = mix.build(pool)
    train_rows, report = lengths.trim_inputs(built.train, tokenizer, max_tokens, style)
    dev_rows, _ = lengths.trim_inputs(built.dev, tokenizer, max_tokens, style)
    print(f"the workshop mix of the {'synthetic samples' if folder is None else folder}: {len(train_rows)} "
          f"train rows, {len(dev_rows)} dev rows, {sum(report.trimmed.values())} train inputs trimmed to "
          f"fit {max_tokens} tokens")
    return train_rows, dev_rows


def _monitor_class():
    from transformers import TrainerCallback

    class Monitor(TrainerCallback):
        """Train and dev loss, peak GPU memory and tokens per second at every log; the padding
        of each epoch's batches when they are grouped."""

        def __init__(self, sampler=None):
            self.history, self.sampler, self.padding = [], sampler, []
            self.train_seconds, self._started, self.tokens = 0.0, None, 0
            self._initial_tokens = 0

        def on_train_begin(self, args, state, control, **kwargs):
            # A resumed run starts with the tokens of the earlier session already counted.
            self._initial_tokens = state.num_input_tokens_seen

        def on_epoch_begin(self, args, state, control, **kwargs):
            if self.sampler is not None:
                epoch = int(state.epoch or 0)
                self.padding.append(self.sampler.padding_fraction(epoch))
                if state.is_world_process_zero:
                    print(f"epoch {epoch + 1}: padding {self.padding[-1]:.1%} of the batch tokens "
                          "(length-grouped batches)")

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


def _trainer_class():
    from transformers import Trainer

    class GroupedTrainer(Trainer):
        """The Trainer, with our length-grouped sampler for the training batches."""

        grouped_sampler = None

        def _get_train_sampler(self, train_dataset=None):
            return self.grouped_sampler or super()._get_train_sampler(train_dataset)

    return GroupedTrainer


def arguments(settings: TrainSettings, has_dev: bool = True):
    """The `TrainingArguments` of a run: paged 8-bit AdamW on a GPU (its states live in 8 bit and
    page to CPU memory at peaks), plain AdamW on a CPU; fp16 or bf16 as the hardware allows."""
    import torch
    from transformers import TrainingArguments

    gpu = torch.cuda.is_available()
    distributed = int(os.environ.get("WORLD_SIZE", 1)) > 1  # launched by torchrun / accelerate launch
    precision = env.precision()
    return TrainingArguments(
        output_dir=settings.output_dir, num_train_epochs=settings.epochs, max_steps=settings.max_steps,
        per_device_train_batch_size=settings.batch_size, per_device_eval_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.grad_accum, learning_rate=settings.learning_rate,
        lr_scheduler_type=settings.scheduler, warmup_steps=settings.warmup, weight_decay=0.0,
        optim="paged_adamw_8bit" if gpu else "adamw_torch", fp16=precision == "fp16",
        bf16=precision == "bf16", logging_steps=settings.logging_steps,
        eval_strategy="steps" if has_dev else "no", eval_steps=settings.eval_steps,
        eval_on_start=has_dev,  # the dev loss of the untrained adapter: where the curve starts
        save_strategy="steps", save_steps=settings.eval_steps, save_total_limit=2,
        load_best_model_at_end=has_dev, metric_for_best_model="eval_loss", greater_is_better=False,
        seed=settings.seed, data_seed=settings.seed, report_to="none", remove_unused_columns=False,
        include_num_input_tokens_seen="non_padding", dataloader_pin_memory=gpu,
        # Without a GPU, torchrun's processes train together over gloo (the test of multi-GPU runs).
        use_cpu=not gpu, ddp_backend="gloo" if not gpu and distributed else None,
        ddp_find_unused_parameters=False)


def train(model, tokenizer, train_rows, dev_rows, settings: TrainSettings | None = None,
          resume: bool | str = False) -> TrainResult:
    """Fine-tune `model` (with LoRA adapters, see `models.add_lora`) on the rows; returns the
    model with the best checkpoint loaded. `resume=True` continues from the last checkpoint in
    `settings.output_dir` (none there: a fresh start); a path resumes from that checkpoint."""
    import torch
    from transformers import EarlyStoppingCallback
    from transformers.trainer_utils import get_last_checkpoint

    settings = settings or TrainSettings()
    train_set, report = collate.tokenize(train_rows, tokenizer, settings.max_tokens, settings.prompt_style,
                                         settings.mask_prompt, settings.too_long)
    print(f"train: {report.summary()}")
    dev_set = None
    if dev_rows:
        dev_set, dev_report = collate.tokenize(dev_rows, tokenizer, settings.max_tokens,
                                               settings.prompt_style, settings.mask_prompt, settings.too_long)
        print(f"dev: {dev_report.summary()}")
    sampler = None
    if settings.group_by_length:
        sampler = collate.GroupedSampler([len(e["input_ids"]) for e in train_set], settings.batch_size,
                                         settings.seed)
    monitor = _monitor_class()(sampler)
    callbacks = [monitor] + ([EarlyStoppingCallback(settings.patience)] if dev_set else [])
    trainer = _trainer_class()(
        model=model, args=arguments(settings, dev_set is not None), train_dataset=train_set,
        eval_dataset=dev_set, data_collator=collate.Collator(tokenizer.pad_token_id),
        processing_class=tokenizer, callbacks=callbacks)
    trainer.grouped_sampler = sampler
    checkpoint = resume if isinstance(resume, str) else None
    if resume is True:
        folder = Path(settings.output_dir)
        checkpoint = get_last_checkpoint(str(folder)) if folder.is_dir() else None
        print(f"resuming from {checkpoint}" if checkpoint else f"no checkpoint in {folder}: starting")
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    trainer.train(resume_from_checkpoint=checkpoint)
    seconds = time.perf_counter() - start
    adapter_dir = Path(settings.output_dir) / "adapter"
    if trainer.is_world_process_zero():
        trainer.model.save_pretrained(adapter_dir)
        tokenizer.save_pretrained(adapter_dir)
    peak = torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else None
    best = trainer.state.best_model_checkpoint
    speed = monitor.tokens / monitor.train_seconds if monitor.train_seconds else 0.0
    return TrainResult(trainer.model, monitor.history, int(best.rsplit("-", 1)[-1]) if best else None,
                       seconds, peak, speed, adapter_dir, monitor.padding)
