"""The library way: the same instruction tuning through TRL's `SFTTrainer`, next to the course's.

The course tokenizes each example itself (`collate.encode_example`: prompt, answer, one EOS; loss on
the answer and the EOS) and hands the examples to the plain `Trainer`. TRL's `SFTTrainer` takes a
dataset of ``prompt``/``completion`` texts and does the same for you: it appends the EOS text to
each completion, tokenizes prompt + completion, computes the loss on the completion only
(``completion_only_loss``) and pads the batches. `dataset` builds that dataset from the same
records and prompt style, `config` the `SFTConfig` with every training argument of
`recipe.arguments`, `differences` checks that both ways train the same tokens, and `train` runs
TRL with the course's schedule, offline scale and `monitor`.

What TRL also does, and does not say: an example longer than ``max_length`` is cut at its end,
answer included, and one cut down to its prompt alone is dropped (the course refuses such a row by
name: `collate.TooLongError`); a prompt given as text is tokenized with the tokenizer's special
tokens, so a prompt already written with a chat template gets a second BOS from a tokenizer that
adds one (Llama's; SmolLM2's adds none). `differences` shows both.

>>> ds = dataset([Record("1", "x", "Name a colour.", "", "Blue")], "phi3")  # doctest: +SKIP
>>> ds[0]                                                                   # doctest: +SKIP
{'prompt': '<|user|>\\nName a colour.\\n<|assistant|>\\n', 'completion': 'Blue'}
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from contextlib import contextmanager

from . import collate, env, models, prompts, recipe
from .instructions import Record
from .monitor import monitor_class

TRUNCATION = ("TRL cuts an example longer than max_length at its end (the answer goes first) and drops "
              "one left with no answer token; the course's collate refuses such a row by name")


def dataset(records: Sequence[Record], style: str, tokenizer=None):
    """A `datasets.Dataset` of ``prompt``/``completion`` texts: the prompt of `prompts.build_prompt`
    in `style`, the reference answer as completion (TRL appends the EOS)."""
    from datasets import Dataset

    texts = [prompts.build_prompt(r.instruction, r.input, style, tokenizer) for r in records]
    return Dataset.from_dict({"prompt": texts, "completion": [r.output for r in records]})


def config(settings: recipe.TrainSettings, has_dev: bool = True):
    """The `SFTConfig` of a run: every argument of `recipe.arguments` (TRL's own defaults differ:
    bf16 on, gradient checkpointing on, another learning rate), then what TRL adds: loss on the
    completion only, no packing, ``max_length`` the course's `max_tokens`."""
    from trl import SFTConfig

    ours = recipe.arguments(settings, has_dev)
    accepted = {f.name for f in dataclasses.fields(SFTConfig) if f.init}
    given = {f.name: getattr(ours, f.name) for f in dataclasses.fields(ours) if f.init and f.name in accepted}
    return SFTConfig(**given, completion_only_loss=True, packing=False, max_length=settings.max_tokens)


def differences(trl_dataset, examples: Sequence[dict]) -> list[int]:
    """Indices of the examples where TRL's tokenized dataset (``trainer.train_dataset``) and the
    course's `collate` examples differ in their tokens or in which tokens are trained: none, when
    both ways teach the same thing."""
    if len(trl_dataset) != len(examples):
        raise ValueError(f"TRL kept {len(trl_dataset)} examples of {len(examples)}: {TRUNCATION}")
    differ = []
    for i, (theirs, ours) in enumerate(zip(trl_dataset, examples, strict=True)):
        trained = [label != collate.IGNORE for label in theirs["labels"]]
        if list(theirs["input_ids"]) != list(ours["input_ids"]) or \
                trained != [label != collate.IGNORE for label in ours["labels"]]:
            differ.append(i)
    return differ


@contextmanager
def quiet_datasets():
    """`datasets`' progress bars off for the block, as they were afterwards."""
    from datasets.utils import logging

    shown = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        if shown:
            logging.enable_progress_bar()


def _stopper(steps: int):
    from transformers import TrainerCallback

    class Stop(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step >= steps:  # evaluated on dev first, then stopped
                control.should_training_stop = control.should_evaluate = True

    return Stop()


def train(model, tokenizer, train_records: Sequence[Record], dev_records: Sequence[Record],
          settings: recipe.TrainSettings, stop_after: int | None = None):
    """(trainer, history): `model` (with LoRA adapters) trained by TRL's `SFTTrainer` on the
    records in ``settings.prompt_style``, with the course's settings scaled as `training.train`
    scales them (offline: the same CPU-sized run, the same dev rows). `stop_after`: stop after that
    many steps, the learning-rate schedule unchanged (a comparison needs only the first steps)."""
    from trl import SFTTrainer

    settings, dev_records = recipe.scaled(settings, dev_records)
    recipe.match_checkpointing(model, settings)
    train_set = dataset(train_records, settings.prompt_style, tokenizer)
    dev_set = dataset(dev_records, settings.prompt_style, tokenizer) if dev_records else None
    settings = recipe.with_schedule(settings, len(train_records))
    monitor = monitor_class()()
    callbacks = [monitor] + ([_stopper(stop_after)] if stop_after else [])
    with quiet_datasets():  # five progress bars per dataset (add EOS, tokenize, ...): noise in a notebook
        trainer = SFTTrainer(model=model, args=config(settings, dev_set is not None), train_dataset=train_set,
                             eval_dataset=dev_set, processing_class=tokenizer, callbacks=callbacks)
    start = time.perf_counter()
    trainer.train()
    print(f"TRL: {trainer.state.global_step} steps in {time.perf_counter() - start:.0f} s")
    return trainer, monitor.history


def fine_tune(model_name: str, train_records, dev_records, settings: recipe.TrainSettings,
              quantization: str | None = "4bit", stop_after: int | None = None):
    """`train` from a model name, prepared as `training.fine_tune` prepares it (the same seed, so
    the same LoRA initialisation: the two trainers start from the same model)."""
    env.seed_everything(settings.seed)
    model, tokenizer = models.load_model(model_name, quantization, True, settings.checkpointing)
    return train(models.add_lora(model, settings.lora), tokenizer, train_records, dev_records, settings,
                 stop_after)
