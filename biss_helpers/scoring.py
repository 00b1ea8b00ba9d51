"""Label scoring: for a closed-set task, the likeliest of its labels instead of free text.

A classification answer is one of a few verbalised labels (``odio``/``non_odio``). Rather than let
the model write and hope the text parses, score each label: the log-probability of its tokens and
of the EOS after them, following the prompt. The EOS matters: without it ``direzione`` would also
score the start of ``direzione_argomento``. The best label is always a valid answer, and the
scores, normalised over the labels, are the model's probabilities for each.

The prompt goes through the model once (`kvcache.prefill`: a start shared with other prompts once
for all), then its keys and values are copied to one row per label and all the labels of all the
batch's prompts are scored in one more forward pass: a label costs its own few tokens, not the
prompt again. A batch may mix tasks (`score_choices`: each prompt with its own task's labels), so
a few rows of each of many tasks still make full batches.

>>> from biss_helpers import tiny
>>> tok = tiny.tokenizer("llama"); model = tiny.llama(tok)
>>> [scored] = score_labels(model, tok, ["Il testo esprime odio?"], ["odio", "non_odio"])
>>> scored.label in ("odio", "non_odio"), round(sum(scored.probabilities.values()), 6)
(True, 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import generation, kvcache, prompts

ROWS = 64  # label rows scored in one forward pass: a task with many labels takes fewer prompts at once


@dataclass(frozen=True)
class Scored:
    label: str                        # the best label, as the model writes it
    probabilities: dict[str, float]   # every label -> its probability among the labels

    def __repr__(self) -> str:
        ranked = sorted(self.probabilities.items(), key=lambda item: -item[1])
        shown = ", ".join(f"{label}: {p:.2f}" for label, p in ranked)
        return f"Scored({self.label!r}; {shown})"


def label_ids(tokenizer, labels: Sequence[str], stop: int) -> list[list[int]]:
    """Each label's tokens as the model writes them after a prompt, EOS (`stop`) included."""
    ids = [tokenizer(label, add_special_tokens=False)["input_ids"] + [stop] for label in labels]
    if len({tuple(i) for i in ids}) != len(ids):
        raise ValueError(f"two labels have the same tokens: {list(labels)}")
    return ids


def choice_likelihoods(model, sequences, choices: list[list[list[int]]], pad_id: int) -> list:
    """For each prompt, the summed log-probabilities of each of its own labels (token ids + EOS):
    prompts of different tasks, with different labels, are scored in the same passes."""
    import torch

    cache, last, mask, position = kvcache.prefill(model, sequences, pad_id)
    device, logp = last.device, torch.log_softmax(last, dim=-1)
    flat = [(p, ids) for p, labels in enumerate(choices) for ids in labels]  # one row per (prompt, label)
    scores = torch.stack([logp[p, ids[0]] for p, ids in flat])  # the first token: the prompt's own logits
    counts = torch.tensor([len(labels) for labels in choices], device=device)
    width = max(len(ids) for _, ids in flat) - 1
    if width:  # the rest of each label, fed on its own copy of its prompt's cache
        for layer in cache.layers:
            layer.keys = layer.keys.repeat_interleave(counts, dim=0)
            layer.values = layer.values.repeat_interleave(counts, dim=0)
        fed = torch.tensor([ids[:-1] + [pad_id] * (width + 1 - len(ids)) for _, ids in flat], device=device)
        wanted = torch.tensor([ids[1:] + [pad_id] * (width + 1 - len(ids)) for _, ids in flat], device=device)
        real = torch.tensor([[1] * (len(ids) - 1) + [0] * (width + 1 - len(ids)) for _, ids in flat],
                            device=device)
        positions = position.repeat_interleave(counts)[:, None] + torch.arange(width, device=device)
        # right padding: a label's own tokens never see the pads after them
        full = torch.cat([mask.repeat_interleave(counts, dim=0), torch.ones_like(real)], dim=1)
        logits = model(fed, attention_mask=full, position_ids=positions, past_key_values=cache,
                       use_cache=True).logits.float()
        rest = torch.log_softmax(logits, dim=-1).gather(-1, wanted[..., None]).squeeze(-1)
        scores = scores + (rest * real).sum(-1)
    return list(scores.split(counts.tolist()))


def score_labels(model, tokenizer, prompts_: Sequence[str], labels: Sequence[str],
                 settings: generation.GenerationSettings | None = None, progress=False,
                 names: Sequence[str] | None = None) -> list[Scored]:
    """The best of `labels` for each prompt, with every label's probability: `score_choices` with
    the same labels for every prompt."""
    return score_choices(model, tokenizer, prompts_, [labels] * len(prompts_), settings, progress, names)


def score_choices(model, tokenizer, prompts_: Sequence[str], choices: Sequence[Sequence[str]],
                  settings: generation.GenerationSettings | None = None, progress=False,
                  names: Sequence[str] | None = None) -> list[Scored]:
    """The best of each prompt's own labels (`choices`: one list per prompt, e.g. its task's), with
    every label's probability, in the prompts' order. Prompts in token order (shared starts read
    once), as many at once as `settings.batch_size` and `ROWS` label rows allow (one at least).
    `progress`: as in `generation.generate`; `names`: the prompts in messages (default "prompt N")."""
    import torch

    settings = settings or generation.GenerationSettings()
    special = prompts.adds_special_tokens(settings.prompt_style)
    sequences = [prompts.token_ids(p, tokenizer, special) for p in prompts_]
    stop = tokenizer.eos_token_id  # the EOS training put after every answer
    ids = {tuple(labels): label_ids(tokenizer, labels, stop) for labels in map(tuple, choices) if labels}
    window = generation.context(model)
    for n, (sequence, labels) in enumerate(zip(sequences, choices, strict=True)):
        name = names[n] if names else f"prompt {n + 1}"
        if not labels:
            raise ValueError(f"{name}: no labels to score")
        longest = max(len(i) for i in ids[tuple(labels)]) - 1  # fed after the prompt: EOS is only predicted
        if window is not None and len(sequence) + longest > window:
            raise ValueError(f"{name}: the prompt has {len(sequence)} tokens and its longest label "
                             f"{longest}; the model's context holds {window} (trim its input: "
                             f"lengths.trim_inputs)")
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else stop
    found: list[Scored | None] = [None] * len(sequences)
    advance, close = generation.progress_bar(progress, len(sequences), "scoring labels")
    with generation.serving(model):
        for batch in _batches(sorted(range(len(sequences)), key=lambda i: sequences[i]),
                              [len(labels) for labels in choices], settings.batch_size):
            scores = choice_likelihoods(model, [sequences[i] for i in batch],
                                        [ids[tuple(choices[i])] for i in batch], pad)
            for i, row in zip(batch, scores, strict=True):
                probabilities = torch.softmax(row, dim=-1).tolist()
                best = max(range(len(probabilities)), key=probabilities.__getitem__)
                found[i] = Scored(choices[i][best], dict(zip(choices[i], probabilities, strict=True)))
            advance(len(batch))
    close()
    return found  # type: ignore[return-value]


def _batches(order: list[int], sizes: list[int], most: int) -> list[list[int]]:
    """`order` cut into batches of at most `most` prompts and `ROWS` label rows (one prompt at least).

    >>> _batches([0, 1, 2, 3], [2, 2, 61, 2], 16)  # 2 + 2 + 61 label rows would pass ROWS (64)
    [[0, 1], [2, 3]]
    """
    batches: list[list[int]] = []
    rows = 0
    for i in order:
        if batches and len(batches[-1]) < most and rows + sizes[i] <= ROWS:
            batches[-1].append(i)
            rows += sizes[i]
        else:
            batches.append([i])
            rows = sizes[i]
    return batches
