"""Lab 2.2: QLoRA instruction tuning with the Hugging Face `Trainer` and our collator.

`train` receives 4-column rows (read by `workshop.read_files`), tokenizes them (`collate`), lets the
Trainer draw batches grouped by length (its own ``group_by_length`` sampler), evaluates on dev every
`eval_steps`, keeps the checkpoint with the lowest dev loss and stops early when the dev loss stops
falling, saves checkpoints every `eval_steps` in the run's folder (`run_folder`: in the course
folder, on Google Drive on Colab), and resumes from the last one after a lost session. A callback
(`monitor`) records the train and dev loss, peak GPU memory, tokens per second and the padding of
the batches trained. `fine_tune` is the whole run from a model name (load, LoRA, train), as ``biss
train`` runs it.

>>> settings = TrainSettings(output_dir="runs/lab2.2")
>>> model, tokenizer = models.load_model("unsloth/Llama-3.2-1B-Instruct")  # doctest: +SKIP
>>> model = models.add_lora(model, settings.lora)                          # doctest: +SKIP
>>> run = train(model, tokenizer, train_rows, dev_rows, settings)          # doctest: +SKIP
>>> run.history[-1]["dev_loss"] < run.history[0]["dev_loss"]               # doctest: +SKIP
True
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

from . import collate, course, env, models, outputs
from .monitor import monitor_class
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
    prompt_style: Literal["alpaca", "chat"] = "alpaca"  # ExtremITA's Italian Alpaca, or the chat template
    mask_prompt: bool = True          # loss on the answer only (off: on the prompt too)
    too_long: Literal["error", "skip"] = "error"  # a row over max_tokens: stop, or leave it out (listed)
    eval_steps: int | None = None     # evaluate on dev and save a checkpoint this often (None: a fifth
                                      # of the run's steps, at most 50: 5 dev points or more)
    logging_steps: int = 10           # log the train loss this often (at most every eval_steps)
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


RESULT = "result.json"  # in a run's folder once it has finished: summary and history


@dataclass
class TrainResult:
    model: object
    history: list[dict]          # one row per log: step, epoch, train_loss or dev_loss, ...
    best_step: int | None        # the checkpoint kept (lowest dev loss)
    seconds: float
    peak_gpu_gb: float | None
    tokens_per_second: float     # non-padding training tokens per second of training steps
    adapter_dir: Path
    padding: list[float] = field(default_factory=list)  # padding share of each epoch's batches

    def summary(self) -> dict:
        """The run in numbers (the JSON line of ``biss train``)."""
        dev = [row["dev_loss"] for row in self.history if "dev_loss" in row]
        return {"adapter": str(self.adapter_dir), "best_step": self.best_step,
                "first_dev_loss": dev[0] if dev else None, "best_dev_loss": min(dev) if dev else None,
                "seconds": round(self.seconds, 1), "tokens_per_second": round(self.tokens_per_second, 1),
                "peak_gpu_gb": self.peak_gpu_gb, "padding_fraction": [round(f, 4) for f in self.padding]}


def run_folder(model_name: str, train_rows, dev_rows, settings: TrainSettings,
               quantization: str | None = "4bit", root: str | Path | None = None) -> Path:
    """The folder of a run in the course folder (``lab2.2/<model>-<key>``): the key is a hash of
    everything that changes the trained model (model, quantisation, the rows, every setting but
    `output_dir`, LoRA included), so a new `r`, other data or ``mask_prompt=False`` starts a new
    run, while the same settings after a lost session find their own checkpoints. ``run.json``
    inside says what the key stands for.

    >>> import tempfile
    >>> a = run_folder("unsloth/Llama-3.2-1B-Instruct", [], [], TrainSettings(), root=tempfile.mkdtemp())
    >>> a.parent.name, a.name.startswith("llama-3.2-1b-instruct-")
    ('lab2.2', True)
    """
    rows = json.dumps([[list(asdict(row).values()) for row in part] for part in (train_rows, dev_rows)])
    described = {"model": model_name, "quantization": quantization,
                 "settings": {k: v for k, v in asdict(settings).items() if k != "output_dir"},
                 "rows": hashlib.sha256(rows.encode()).hexdigest()}
    key = hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:10]
    folder = course.path("lab2.2", f"{model_name.rstrip('/').rsplit('/', 1)[-1].lower()}-{key}", root=root)
    if not (folder / "run.json").is_file():  # written once (its folder with it)
        outputs.write_text(folder / "run.json", json.dumps(described, indent=1) + "\n")
    return folder


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
        seed=settings.seed, data_seed=settings.seed, report_to="none", remove_unused_columns=False,
        include_num_input_tokens_seen="non_padding", dataloader_pin_memory=gpu,
        train_sampling_strategy="group_by_length" if settings.group_by_length else "random",
        # Without a GPU, torchrun's processes train together over gloo (the test of multi-GPU runs).
        use_cpu=not gpu, ddp_backend="gloo" if not gpu and distributed else None,
        ddp_find_unused_parameters=False)


def train(model, tokenizer, train_rows, dev_rows, settings: TrainSettings | None = None,
          resume: bool | str = False) -> TrainResult:
    """Fine-tune `model` (with LoRA adapters, see `models.add_lora`) on the rows; returns the
    model with the best checkpoint loaded. `resume=True` continues from the last checkpoint in
    `settings.output_dir` (none there: a fresh start), and a run that finished there (its
    ``result.json``) is not trained again: its adapter is loaded into `model` and its history read
    back; a path resumes from that checkpoint."""
    import torch
    from transformers import EarlyStoppingCallback, Trainer
    from transformers.trainer_utils import get_last_checkpoint

    settings = settings or TrainSettings()
    if resume is True and (Path(settings.output_dir) / RESULT).is_file():
        return finished(model, settings.output_dir)
    train_set, report = collate.tokenize(train_rows, tokenizer, settings.max_tokens, settings.prompt_style,
                                         settings.mask_prompt, settings.too_long)
    print(f"train: {report.summary()}")
    dev_set = None
    if dev_rows:
        dev_set, dev_report = collate.tokenize(dev_rows, tokenizer, settings.max_tokens,
                                               settings.prompt_style, settings.mask_prompt, settings.too_long)
        print(f"dev: {dev_report.summary()}")
    settings = with_schedule(settings, len(train_set))
    print(f"dev loss every {settings.eval_steps} steps, train loss every {settings.logging_steps}")
    monitor = monitor_class()()
    callbacks = [monitor] + ([EarlyStoppingCallback(settings.patience)] if dev_set else [])
    trainer = Trainer(
        model=model, args=arguments(settings, dev_set is not None), train_dataset=train_set,
        eval_dataset=dev_set, data_collator=collate.Collator(tokenizer.pad_token_id),
        processing_class=tokenizer, callbacks=callbacks)
    hook = model.register_forward_pre_hook(monitor.count, with_kwargs=True)
    checkpoint = resume if isinstance(resume, str) else None
    if resume is True:
        folder = Path(settings.output_dir)
        checkpoint = get_last_checkpoint(str(folder)) if folder.is_dir() else None
        print(f"resuming from {checkpoint}" if checkpoint else f"no checkpoint in {folder}: starting")
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    try:
        trainer.train(resume_from_checkpoint=checkpoint)
    finally:
        hook.remove()
    seconds = time.perf_counter() - start
    adapter_dir = Path(settings.output_dir) / "adapter"
    if trainer.is_world_process_zero():
        trainer.model.save_pretrained(adapter_dir)
        tokenizer.save_pretrained(adapter_dir)
    peak = torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else None
    best = trainer.state.best_model_checkpoint
    speed = monitor.tokens / monitor.train_seconds if monitor.train_seconds else 0.0
    result = TrainResult(trainer.model, monitor.history, int(best.rsplit("-", 1)[-1]) if best else None,
                         seconds, peak, speed, adapter_dir, monitor.padding)
    if trainer.is_world_process_zero():  # written last: its presence means the run is complete
        record = {"summary": result.summary(), "history": result.history}
        outputs.write_text(Path(settings.output_dir) / RESULT, json.dumps(record, indent=1) + "\n")
    return result


def finished(model, output_dir: str | Path) -> TrainResult:
    """A run completed earlier in `output_dir`: its adapter weights loaded into `model` (which has
    adapters of the same shape: same settings, same folder) and its `TrainResult` read back."""
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    folder = Path(output_dir)
    record = json.loads((folder / RESULT).read_text(encoding="utf-8"))
    summary, adapter_dir = record["summary"], folder / "adapter"
    set_peft_model_state_dict(model, load_file(adapter_dir / "adapter_model.safetensors"))
    print(f"this run finished earlier in {folder}: its adapter and history are loaded, nothing is "
          f"trained again (change a setting for a new run, or pass resume=False to train it again)")
    return TrainResult(model, record["history"], summary["best_step"], summary["seconds"],
                       summary["peak_gpu_gb"], summary["tokens_per_second"], adapter_dir,
                       summary["padding_fraction"])


def fine_tune(model_name: str, train_rows, dev_rows, settings: TrainSettings | None = None,
              quantization: str | None = "4bit", resume: bool | str = False) -> TrainResult:
    """The whole run from a model name, as ``biss train`` does it: seed everything, load the
    model (4-bit by default) and its tokenizer, add the LoRA adapters of `settings.lora`, `train`.
    The output folder, the model folder and the rows (some, each fitting) are checked first."""
    settings = settings or TrainSettings()
    outputs.check_folder(settings.output_dir)
    env.setup(settings.seed)
    tokenizer = models.load_tokenizer(model_name)
    for rows in (r for r in (train_rows, dev_rows) if r):  # over-long rows: an error now, not later
        collate.tokenize(rows, tokenizer, settings.max_tokens, settings.prompt_style,
                         settings.mask_prompt, settings.too_long)
    model, tokenizer = models.load_model(model_name, quantization, True, settings.checkpointing)
    return train(models.add_lora(model, settings.lora), tokenizer, train_rows, dev_rows, settings, resume)
