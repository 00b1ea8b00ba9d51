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
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import collate, course, env, models, outputs
from .monitor import monitor_class
from .recipe import TrainSettings, arguments, match_checkpointing, scaled, with_schedule

__all__ = ["RESULT", "TrainResult", "TrainSettings", "arguments", "fine_tune", "finished", "run_folder",
           "scaled", "train", "with_schedule"]


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
               quantization: str | None = "4bit", root: str | Path | None = None,
               lab: str = "lab2.2") -> Path:
    """The folder of a run in the course folder (``<lab>/<model>-<key>``): the key is a hash of
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
    described = {"model": model_name, "quantization": quantization, "offline": env.offline(),
                 "settings": {k: v for k, v in asdict(settings).items() if k != "output_dir"},
                 "rows": hashlib.sha256(rows.encode()).hexdigest()}
    key = hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:10]
    folder = course.path(lab, f"{model_name.rstrip('/').rsplit('/', 1)[-1].lower()}-{key}", root=root)
    if not (folder / "run.json").is_file():  # written once (its folder with it)
        outputs.write_text(folder / "run.json", json.dumps(described, indent=1) + "\n")
    return folder


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
    settings, dev_rows = scaled(settings, dev_rows)  # offline: a CPU-sized run, said out loud
    match_checkpointing(model, settings)
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
