"""The key/value cache of a batch of prompts: each prompt read once, a start shared with the
prompt before it read only once (`prefill`), the rows then left-padded into one batch cache.

Attention keeps, for every layer, the keys and values of the positions seen so far. They never
change, so generation feeds one new token per step on top of them (`generation`), and label scoring
scores every label on copies of them (`scoring`). Prompts that start alike (every EVALITA prompt
opens with the template's header, a task's prompts with its instruction) need that start's keys and
values only once: read in sorted order, each prompt reuses the cache of the one before, cut back to
the start they share.

>>> common_prefix([[1, 2, 3, 4], [1, 2, 5], [1, 2, 3]])
2
"""

from __future__ import annotations

from collections.abc import Sequence


def common_prefix(sequences: Sequence[Sequence[int]]) -> int:
    """How many tokens all `sequences` start with.

    >>> common_prefix([[1, 2, 3, 4], [1, 2, 5], [1, 2, 3]])
    2
    """
    first, n = sequences[0], min(len(s) for s in sequences)
    for k in range(n):
        if any(s[k] != first[k] for s in sequences):
            return k
    return n


def prefill(model, sequences: Sequence[Sequence[int]], pad_id: int):
    """Run prompts (token ids) through the model: (cache, logits of each prompt's last token,
    attention mask, next position of each row), rows in the order given.

    Each prompt is read alone, so no compute goes to padding; taken in sorted order, a prompt shares
    its start with the one before (the template's header, the task's instruction), and only the rest
    is read: the cache is cut back to the shared start and reused. The rows' caches are then
    left-padded into one batch cache. Positions count real tokens only, so a row's numbers are those
    of its prompt alone."""
    import torch
    from transformers import DynamicCache

    device = model.device
    cache, previous = DynamicCache(), []
    stored: dict[int, list] = {}
    last = [None] * len(sequences)
    for i in sorted(range(len(sequences)), key=lambda i: list(sequences[i])):
        sequence = list(sequences[i])
        shared = min(common_prefix([previous, sequence]), len(sequence) - 1) if previous else 0
        for layer in cache.layers:  # cut back to the shared start (the stored tensors stay whole)
            layer.keys, layer.values = layer.keys[..., :shared, :], layer.values[..., :shared, :]
        if not shared:
            cache = DynamicCache()
        out = model(torch.tensor([sequence[shared:]], device=device), past_key_values=cache,
                    use_cache=True, logits_to_keep=1)
        last[i], previous = out.logits[0, -1].float(), sequence
        stored[i] = [(layer.keys, layer.values) for layer in cache.layers]
    width = max(len(s) for s in sequences)
    for n, layer in enumerate(cache.layers):  # one batch: each row's keys and values, padded on the left
        layer.keys = torch.cat([_left_pad(stored[i][n][0], width) for i in range(len(sequences))])
        layer.values = torch.cat([_left_pad(stored[i][n][1], width) for i in range(len(sequences))])
    mask = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s in sequences], device=device)
    position = torch.tensor([len(s) for s in sequences], device=device)
    return cache, torch.stack(last), mask, position


def _left_pad(tensor, width: int):
    """[1, heads, length, dim] -> [1, heads, width, dim], zeros first (masked out)."""
    import torch

    return torch.nn.functional.pad(tensor, (0, 0, width - tensor.shape[-2], 0))
