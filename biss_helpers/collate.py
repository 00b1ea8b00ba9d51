"""From 4-column rows to training batches: token ids, labels with -100, batches and their padding.

One training example is ``prompt + answer + EOS``, the prompt from `prompts.row_prompt`. The loss
is taken on the answer and on exactly one EOS (so the model learns to stop); the prompt (with
`mask_prompt`, the default) and the padding get the label -100, which the loss ignores. The answer
is never truncated: inputs were trimmed when the mix was made (`lengths.trim_inputs`), and a row
that still does not fit in `max_tokens` is an error naming it (or, with ``too_long="skip"``, left
out and listed).

Batches of similar length pad less. Training uses the Trainer's own sampler for this
(``train_sampling_strategy="group_by_length"``); `trainer_batches` draws the same batches, so
`padding_fraction` can compare them with random ones. On the workshop mix of the real EVALITA files
(1,620 rows, batch 8, accumulation 2, mean of 5 seeds) the built-in sampler pads 1.1% of the
positions, the grouping this module used to have (pools of 50 batches, the batches then shuffled:
notebook 03 writes it by hand) 1.1%, random batches 30.8%; on the samples 1.8%, 1.2% and 34.7%. Not
clearly better, so the Trainer's own sampler it is. Its batches follow each other in length order
inside a mega-batch of up to 50 steps (ours were shuffled): the train loss drifts with the length of
the rows from step to step.

>>> from biss_helpers import fourcol, tiny
>>> tok = tiny.tokenizer("llama")
>>> rows = [fourcol.Row("1", "haspeede", "Che bella giornata", "non_odio")]
>>> [example], report = tokenize(rows, tok, max_tokens=256)
>>> tok.decode([t for t in example["labels"] if t != IGNORE])
'non_odio<|im_end|>'
>>> batch = Collator(tok.pad_token_id)([example, {"input_ids": [5, 6], "labels": [IGNORE, 6]}])
>>> batch["labels"][1].tolist()[:3], batch["attention_mask"][1].tolist()[:3]
([-100, 6, -100], [1, 1, 0])
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import fourcol, prompts

IGNORE = -100  # the label PyTorch's cross-entropy skips


class TooLongError(ValueError):
    """Rows whose prompt + answer + EOS do not fit in `max_tokens`."""


@dataclass
class TokenizeReport:
    rows: int                                   # rows given
    kept: int                                   # examples returned
    max_tokens: int
    skipped: list[str] = field(default_factory=list)  # "task id (N tokens)" of rows left out

    def summary(self) -> str:
        text = f"{self.kept} of {self.rows} rows tokenized (max_tokens = {self.max_tokens})"
        if self.skipped:
            text += f"; {len(self.skipped)} too long, left out: {', '.join(self.skipped)}"
        return text


def encode_example(prompt: str, answer: str, tokenizer, add_special_tokens: bool = True,
                   mask_prompt: bool = True) -> dict[str, list[int]]:
    """``input_ids`` and ``labels`` of one example: the prompt, the answer, one EOS.

    Prompt and answer are tokenized apart, as at generation time the model continues the prompt's
    own tokens. An answer that already ends in EOS does not get a second one.
    """
    eos = tokenizer.eos_token_id
    prompt_ids = prompts.token_ids(prompt, tokenizer, add_special_tokens)
    answer_ids = tokenizer(answer, add_special_tokens=False, verbose=False)["input_ids"]
    if not answer_ids or answer_ids[-1] != eos:
        answer_ids = answer_ids + [eos]
    prompt_labels = [IGNORE] * len(prompt_ids) if mask_prompt else list(prompt_ids)
    return {"input_ids": prompt_ids + answer_ids, "labels": prompt_labels + answer_ids}


def tokenize(rows: Sequence[fourcol.Row], tokenizer, max_tokens: int, style: str = "alpaca",
             mask_prompt: bool = True, too_long: str = "error") -> tuple[list[dict], TokenizeReport]:
    """One example per row, in order. Rows longer than `max_tokens`: an error listing them
    (``too_long="error"``) or left out and listed in the report (``"skip"``); never cut."""
    if too_long not in ("error", "skip"):
        raise ValueError(f"too_long must be 'error' or 'skip', got {too_long!r}")
    if not rows:
        raise ValueError("no rows to train on: the training file is empty")
    for number, row in enumerate(rows, 1):
        if not row.target.strip():
            raise ValueError(f"row {number} ({row.task} {row.id}): empty target; training needs "
                             "labelled rows (train/dev files, not a blind test file)")
    special = prompts.adds_special_tokens(style)
    examples, over = [], []
    for row in rows:
        prompt = prompts.row_prompt(row, style, tokenizer)
        example = encode_example(prompt, row.target, tokenizer, special, mask_prompt)
        if len(example["input_ids"]) <= max_tokens:
            examples.append(example)
        else:
            answer = sum(label != IGNORE for label in example["labels"]) if mask_prompt else None
            over.append((row, len(example["input_ids"]), answer))
    report = TokenizeReport(len(rows), len(examples), max_tokens,
                            [f"{row.task} {row.id} ({n} tokens)" for row, n, _ in over])
    if over and too_long == "error":
        listed = "\n".join(f"  {row.task} {row.id}: {n} tokens" + (f", answer + EOS {a}" if a else "")
                           for row, n, a in over[:10])
        raise TooLongError(
            f"{len(over)} of {len(rows)} rows do not fit in max_tokens={max_tokens} (prompt + answer + "
            f"EOS), and an answer is never cut:\n{listed}\nRaise max_tokens, trim the inputs "
            "(lengths.trim_inputs, as notebook 02 does), or pass too_long='skip' to leave them out.")
    if not examples:
        raise ValueError(f"no row fits in max_tokens={max_tokens}: {report.summary()}")
    return examples, report


@dataclass
class Collator:
    """Pads a list of examples on the right into tensors: ``input_ids`` with `pad_id`,
    ``labels`` with -100, ``attention_mask`` 1 on real tokens. Works when the pad token is EOS:
    labels come from the examples, never from comparing ids with the pad id."""

    pad_id: int
    pad_to_multiple_of: int | None = None

    def __call__(self, examples: Sequence[dict]) -> dict:
        import torch

        longest = max(len(e["input_ids"]) for e in examples)
        if self.pad_to_multiple_of:
            longest = -(-longest // self.pad_to_multiple_of) * self.pad_to_multiple_of
        ids, labels, mask = [], [], []
        for example in examples:
            pad = longest - len(example["input_ids"])
            ids.append(list(example["input_ids"]) + [self.pad_id] * pad)
            labels.append(list(example["labels"]) + [IGNORE] * pad)
            mask.append([1] * len(example["input_ids"]) + [0] * pad)
        return {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask),
                "labels": torch.tensor(labels)}


def from_scratch(batch: Sequence[Sequence[int]], end_id: int,
                 prompt_lengths: Sequence[int] | None = None) -> tuple[list[list[int]], list[list[int]]]:
    """(inputs, targets) of the from-scratch recipe, where the model does not shift the labels
    itself: each example is the ids of prompt + answer; one end-of-text token (`end_id`) goes after
    it and the batch is padded with the same token to the longest + 1; inputs drop the last column,
    targets the first (the shift by one, done here). Every padding target but the first end token
    becomes -100 (that first one teaches the model to stop); with `prompt_lengths`, so do the
    targets inside the prompt. Padding is found by position, not by comparing with `end_id`, so an
    end token inside an answer still counts.

    >>> inputs, targets = from_scratch([[5, 6, 7], [8, 9]], end_id=0, prompt_lengths=[2, 1])
    >>> inputs, targets
    ([[5, 6, 7], [8, 9, 0]], [[-100, 7, 0], [9, 0, -100]])
    """
    longest = max(len(ids) for ids in batch) + 1
    inputs, targets = [], []
    for n, ids in enumerate(batch):
        padded = list(ids) + [end_id] * (longest - len(ids))
        target = padded[1:len(ids) + 1] + [IGNORE] * (longest - 1 - len(ids))
        if prompt_lengths is not None:
            masked = max(0, prompt_lengths[n] - 1)  # targets 0..P-2 are prompt tokens
            target[:masked] = [IGNORE] * masked
        inputs.append(padded[:-1])
        targets.append(target)
    return inputs, targets


def random_batches(n: int, batch_size: int, seed: int = 42) -> list[list[int]]:
    """Shuffled indices cut into batches: the usual sampler, padding each batch to its longest."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def trainer_batches(sizes: Sequence[int], batch_size: int, grad_accum: int = 1,
                    seed: int = 42) -> list[list[int]]:
    """The batches the Trainer's ``group_by_length`` sampler draws for examples of `sizes` tokens:
    shuffled, cut into mega-batches of up to 50 optimizer steps, each sorted longest first (the
    longest example of all opens the epoch, so an out-of-memory error shows at step 1), then cut
    into batches of `batch_size`. Every index exactly once.

    >>> sizes = [10, 200, 12, 190, 11, 210, 9, 205] * 4
    >>> batches = trainer_batches(sizes, batch_size=4)
    >>> sorted(i for batch in batches for i in batch) == list(range(32)), max(sizes[i] for i in batches[0])
    (True, 210)
    >>> padding_fraction(batches, sizes) < padding_fraction(random_batches(32, 4), sizes)
    True
    """
    import torch
    from transformers.trainer_pt_utils import get_length_grouped_indices

    generator = torch.Generator().manual_seed(seed)
    order = get_length_grouped_indices(list(sizes), batch_size * grad_accum, generator=generator)
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def padding_fraction(batches: Sequence[Sequence[int]], sizes: Sequence[int]) -> float:
    """Share of the padded tensor positions that are padding (0.0 = no waste)."""
    total = sum(len(b) * max(sizes[i] for i in b) for b in batches)
    useful = sum(sizes[i] for b in batches for i in b)
    return 1 - useful / total if total else 0.0
