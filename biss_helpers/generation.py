"""Lab 2.3: fast, exact batched generation, one token budget per task.

`generate` answers many prompts at once. First each prompt is read (`kvcache.prefill`): alone, so nothing
is spent on padding, and reusing the keys and values of the start it shares with the prompt read
before it (the template's header, the task's instruction: 68% of the tokens of the workshop's dev
prompts). The rows' caches are then left-padded into one batch (every answer starts in the same
column) and the loop of notebook 04 runs on the whole batch: logits, argmax, append, until each row
has written EOS or used its budget; a finished row leaves the batch. The key/value cache is on, so
each step feeds one new token per row. Only the completion comes back, in the order of the
prompts, never the prompt itself.

Greedy decoding gives what one prompt at a time gives (`transformers`' own ``generate``, tested and
measured). On 2 CPU cores, 32 workshop prompts take 2.8x less time batched (``bench/generation.py``):
a batch writes a token for 16 rows in about 2-4 times the time one prompt writes one, but reading
the prompts (long: a header, an instruction, a text) costs the same compute either way, and the
answers are short. On a GPU in 16 bit a row's numbers can differ in the last bits from one batch to
another, and a rare near-tie then picks another token.

Each prompt has its own budget of new tokens: `inference.budgets` gives a task its longest training
answer plus a margin (labels need a dozen tokens, a NERMuD answer hundreds), so a model that does not
stop costs only its budget.

>>> from biss_helpers import tiny
>>> tok = tiny.tokenizer("llama"); model = tiny.llama(tok)
>>> [len(c) > 0 for c in generate(model, tok, ["Il gatto", "Oggi a Roma"], max_new_tokens=4)]
[True, True]
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from . import kvcache
from .settings import check, positive, probability, whole

# Where an answer is over, as text: the Alpaca templates' next section, a Phi-3-style next turn.
STOP_TEXT = ("\n###", "\n<|user|>", "<|end|>")
# End-of-text tokens a model may write instead of the EOS its tokenizer names: Falcon, GPT-NeoX and
# base Qwen end documents with <|endoftext|>, ChatML models a turn with <|im_end|>, Llama 3 with <|eot_id|>.
END_TOKENS = ("<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|end|>")


@dataclass
class GenerationSettings:
    """Workshop defaults for answering the EVALITA prompts (the options of ``biss predict``)."""

    mode: Literal["auto", "generate", "score"] = "auto"  # score closed-set tasks' labels, generate the rest
    batch_size: int = 16              # prompts answered together
    max_new_tokens: int | None = None  # None: each task's longest training answer plus the margin
    margin: float = 0.25              # budget = longest training answer * (1 + margin), 8 tokens at least
    do_sample: bool = False           # greedy (the same answer every time) or sampled
    temperature: float = 0.7          # sampling only: below 1 sharpens the distribution
    top_p: float = 0.9                # sampling only: draw from the smallest set holding this mass
    seed: int = 42                    # sampling only
    prompt_style: Literal["alpaca", "alpaca_en", "phi3", "chat"] = "alpaca"  # as in training

    def __post_init__(self):
        check(self, batch_size=whole(1), max_new_tokens=whole(1, also=(None,)), margin=positive,
              temperature=positive, top_p=probability, seed=whole(0))


def stop_ids(model, tokenizer) -> list[int]:
    """Every token that ends an answer: the tokenizer's EOS, the model's own (Llama 3 has three),
    and any of `END_TOKENS` the tokenizer has as a special token.

    >>> from biss_helpers import tiny
    >>> tok = tiny.tokenizer("llama")
    >>> tok.convert_ids_to_tokens(stop_ids(tiny.llama(tok), tok))
    ['<|im_end|>']
    """
    found = {tokenizer.eos_token_id}
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    found.update(configured if isinstance(configured, list) else [configured])
    special = set(tokenizer.all_special_tokens) | set(tokenizer.get_added_vocab())
    found.update(tokenizer.convert_tokens_to_ids(token) for token in END_TOKENS if token in special)
    return sorted(i for i in found if i is not None)


@contextmanager
def serving(model):
    """The model ready to answer (eval mode: no dropout; no gradient checkpointing, which turns the
    cache off), put back as it was afterwards: notebook 04 may train a quick adapter first."""
    import torch

    training = model.training
    checkpointing = getattr(model, "is_activation_checkpointing", False)
    if checkpointing:
        model.activation_checkpointing_disable()
    model.eval()
    try:
        with torch.inference_mode():
            yield model
    finally:
        model.train(training)
        if checkpointing:
            model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})


def pick(logits, settings: GenerationSettings, generator=None):
    """The next token of each row: the argmax, or a draw from the top-p share at `temperature`."""
    import torch

    if not settings.do_sample:
        return logits.argmax(-1)
    probs = torch.softmax(logits / settings.temperature, dim=-1)
    ordered, index = probs.sort(dim=-1, descending=True)
    ordered[(ordered.cumsum(-1) - ordered) > settings.top_p] = 0  # keep the head holding top_p
    choice = torch.multinomial(ordered / ordered.sum(-1, keepdim=True), 1, generator=generator)
    return index.gather(-1, choice).squeeze(-1)


def _batch(model, tokenizer, sequences, limits, stops, settings, generator) -> list[list[int]]:
    """New tokens of each sequence, until a stop token or its limit (stop token left out). A row
    that is done leaves the batch (its cache rows dropped), so a long answer does not keep the
    finished short ones computing."""
    import torch

    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else stops[0]
    cache, logits, mask, position = kvcache.prefill(model, sequences, pad)
    stop = torch.tensor(stops, device=logits.device)
    limit = torch.tensor(limits, device=logits.device)
    live = torch.arange(len(sequences), device=logits.device)  # which sequence each row still is
    written: list[list[int]] = [[] for _ in sequences]
    for step in range(max(limits)):
        token = pick(logits, settings, generator)
        ended = torch.isin(token, stop)
        for row in (~ended).nonzero().flatten().tolist():
            written[int(live[row])].append(int(token[row]))
        keep = ~(ended | (step + 1 >= limit[live]))
        if not keep.any():
            break
        if not keep.all():
            kept = keep.nonzero().flatten()
            for layer in cache.layers:
                layer.batch_select_indices(kept)
            live, token, mask, position = live[kept], token[kept], mask[kept], position[kept]
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
        out = model(token[:, None], attention_mask=mask, position_ids=position[:, None],
                    past_key_values=cache, use_cache=True)
        logits, position = out.logits[:, -1].float(), position + 1
    return written


def generate(model, tokenizer, prompts: Sequence[str], settings: GenerationSettings | None = None,
             max_new_tokens: int | Sequence[int] = 64, progress=False,
             names: Sequence[str] | None = None) -> list[str]:
    """The completion of each prompt (text after the prompt, without EOS, cut before `STOP_TEXT`), in
    the order given. `max_new_tokens`: one budget, or one per prompt. A prompt that leaves no room
    in the model's context is an error naming it; a budget that would overflow it is shortened.
    `progress`: True for a progress bar, or a function called with the prompts each batch answered;
    `names`: the prompts in messages (default "prompt N")."""
    import torch

    from . import prompts as templates

    settings = settings or GenerationSettings()
    if not prompts:
        return []
    special = templates.adds_special_tokens(settings.prompt_style)
    sequences = [templates.token_ids(p, tokenizer, special) for p in prompts]
    wanted = fit([len(s) for s in sequences], max_new_tokens, None)
    if min(wanted) < 1:
        raise ValueError(f"prompt {wanted.index(min(wanted)) + 1}: a budget of {min(wanted)} new tokens; "
                         f"give at least 1")
    limits = fit([len(s) for s in sequences], wanted, context(model), names)
    if limits != wanted:
        print(f"{sum(a != b for a, b in zip(limits, wanted, strict=True))} of {len(prompts)} budgets "
              f"shortened to fit in the model's context of {context(model)} tokens")
    stops = stop_ids(model, tokenizer)
    generator = torch.Generator(model.device).manual_seed(settings.seed) if settings.do_sample else None
    # in token order, a task's prompts are neighbours: they share their start and their budget
    order = sorted(range(len(prompts)), key=lambda i: sequences[i])
    answers: list[str] = [""] * len(prompts)
    advance, close = progress_bar(progress, len(prompts), "generating")
    with serving(model):
        for start in range(0, len(order), settings.batch_size):
            batch = order[start:start + settings.batch_size]
            written = _batch(model, tokenizer, [sequences[i] for i in batch], [limits[i] for i in batch],
                             stops, settings, generator)
            for i, ids in zip(batch, written, strict=True):
                answers[i] = cut(tokenizer.decode(ids, skip_special_tokens=True))
            advance(len(batch))
    close()
    return answers


def progress_bar(progress, total: int, what: str):
    """(advance, close) for `progress`: a bar of `total` (True), the caller's function, or nothing."""
    if callable(progress):
        return progress, lambda: None
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=what, disable=not progress)
    return bar.update, bar.close


def cut(text: str) -> str:
    """`text` up to the first `STOP_TEXT` (a new section of the template, also as its first line),
    without edge spaces.

    >>> cut("odio\\n### Istruzione:\\nDi seguito"), cut("### Idiom: odio")
    ('odio', '')
    """
    text = "\n" + text  # a section heading on the first line starts a section too
    for stop in STOP_TEXT:
        text = text.split(stop, 1)[0]
    return text.strip()


def context(model) -> int | None:
    """The model's context window in tokens (None where the config does not say)."""
    return getattr(model.config, "max_position_embeddings", None)


def fit(lengths: Sequence[int], max_new_tokens: int | Sequence[int], window: int | None,
        names: Sequence[str] | None = None) -> list[int]:
    """Each prompt's budget, shortened to fit in `window`; a prompt that fills it is an error naming
    it (`names`, default "prompt N").

    >>> fit([10, 90], 20, 100)
    [20, 10]
    """
    limits = [max_new_tokens] * len(lengths) if isinstance(max_new_tokens, int) else list(max_new_tokens)
    if len(limits) != len(lengths):
        raise ValueError(f"{len(limits)} budgets for {len(lengths)} prompts")
    if window is None:
        return limits
    for i, n in enumerate(lengths):
        if n >= window:
            name = names[i] if names else f"prompt {i + 1}"
            raise ValueError(f"{name}: the prompt has {n} tokens, and the model's context holds {window}: "
                             f"no room for an answer (trim its input: lengths.trim_inputs)")
    return [min(limit, window - n) for limit, n in zip(limits, lengths, strict=True)]
