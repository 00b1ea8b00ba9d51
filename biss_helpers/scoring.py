"""Label scoring: for a closed-set task, the likeliest of its labels instead of free text.

A classification answer is one of a few verbalised labels (``odio``/``non_odio``). Rather than let
the model write and hope the text parses, score each label: the log-probability of its tokens and
of the EOS after them, following the prompt. The EOS matters: without it ``direzione`` would also
score the start of ``direzione_argomento``. The best label is always a valid answer, and the
scores, normalised over the labels, are the model's probabilities for each.

The prompt goes through the model once (`kvcache.prefill`: a start shared with other prompts once
for all), then its keys and values are copied to one row per label and all the labels of all the
batch's prompts are scored in one more forward pass: a label costs its own few tokens, not the
prompt again.

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


def log_likelihoods(model, sequences, labels: list[list[int]], pad_id: int):
    """[prompts x labels] summed log-probabilities of each label (tokens + EOS) after each prompt."""
    import torch

    cache, last, mask, position = kvcache.prefill(model, sequences, pad_id)
    first = torch.log_softmax(last, dim=-1)[:, [ids[0] for ids in labels]]  # [prompts, labels]
    width = max(len(ids) for ids in labels) - 1
    if width == 0:  # every label one token (EOS counts): the prompt's own logits say it all
        return first
    n, k = len(sequences), len(labels)
    for layer in cache.layers:
        layer.batch_repeat_interleave(k)  # row p*k + j: prompt p, label j
    device = last.device
    fed = torch.tensor([ids[:-1] + [pad_id] * (width + 1 - len(ids)) for ids in labels] * n, device=device)
    wanted = torch.tensor([ids[1:] + [pad_id] * (width + 1 - len(ids)) for ids in labels] * n, device=device)
    real = torch.tensor([[1] * (len(ids) - 1) + [0] * (width + 1 - len(ids)) for ids in labels] * n,
                        device=device)
    positions = position.repeat_interleave(k)[:, None] + torch.arange(width, device=last.device)
    # right padding: a label's own tokens never see the pads after them
    full = torch.cat([mask.repeat_interleave(k, dim=0), torch.ones_like(real)], dim=1)
    logits = model(fed, attention_mask=full, position_ids=positions, past_key_values=cache,
                   use_cache=True).logits.float()
    rest = torch.log_softmax(logits, dim=-1).gather(-1, wanted[..., None]).squeeze(-1)
    return first + (rest * real).sum(-1).view(n, k)


def score_labels(model, tokenizer, prompts_: Sequence[str], labels: Sequence[str],
                 settings: generation.GenerationSettings | None = None, progress=False,
                 names: Sequence[str] | None = None) -> list[Scored]:
    """The best of `labels` for each prompt, with every label's probability, in the prompts'
    order; batches of prompts sorted by length, as many prompts at once as keep the label rows of a
    forward pass within `ROWS` (one prompt at least, whatever its number of labels). `progress`: as
    in `generation.generate`; `names`: the prompts in messages (default "prompt N")."""
    import torch

    settings = settings or generation.GenerationSettings()
    if not labels:
        raise ValueError("no labels to score")
    special = prompts.adds_special_tokens(settings.prompt_style)
    sequences = [prompts.token_ids(p, tokenizer, special) for p in prompts_]
    stop = tokenizer.eos_token_id  # the EOS training put after every answer
    ids = label_ids(tokenizer, labels, stop)
    longest = max(len(i) for i in ids) - 1  # the tokens fed after the prompt: EOS is only predicted
    window = generation.context(model)
    for n, sequence in enumerate(sequences):
        if window is not None and len(sequence) + longest > window:
            name = names[n] if names else f"prompt {n + 1}"
            raise ValueError(f"{name}: the prompt has {len(sequence)} tokens and its longest label "
                             f"{longest}; the model's context holds {window} (trim its input: "
                             f"lengths.trim_inputs)")
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else stop
    per_batch = max(1, min(settings.batch_size, ROWS // len(labels)))
    order = sorted(range(len(sequences)), key=lambda i: sequences[i])  # shared starts read once
    found: list[Scored | None] = [None] * len(sequences)
    advance, close = generation.progress_bar(progress, len(sequences), "scoring labels")
    with generation.serving(model):
        for start in range(0, len(order), per_batch):
            batch = order[start:start + per_batch]
            scores = log_likelihoods(model, [sequences[i] for i in batch], ids, pad)
            probabilities = torch.softmax(scores, dim=-1).tolist()
            for i, row in zip(batch, probabilities, strict=True):
                best = max(range(len(labels)), key=row.__getitem__)
                found[i] = Scored(labels[best], dict(zip(labels, row, strict=True)))
            advance(len(batch))
    close()
    return found  # type: ignore[return-value]
