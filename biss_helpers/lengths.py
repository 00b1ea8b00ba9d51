"""Length control: how many tokens each training row takes, and trimming inputs to a budget.

A row becomes its prompt (`prompts.row_prompt`) plus the target plus EOS, and must fit in the
training budget `max_tokens`: `collate` refuses a longer row rather than cut its answer.
`trim_inputs` cuts the input instead (token-exact, keeping its beginning) so that every answer fits;
a row whose answer cannot fit even with no input, or whose answer quotes its input, is kept
unchanged and listed in the report, never dropped silently.

>>> from biss_helpers import fourcol, tiny
>>> tok = tiny.tokenizer("llama")
>>> rows = [fourcol.Row("1", "acti_a", "parola " * 300, "cospirazione")]
>>> trimmed, report = trim_inputs(rows, tok, max_tokens=200)
>>> max(x.total for x in prompt_lengths(trimmed, tok)) <= 200, report.trimmed
(True, {'acti_a': 1})
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from . import fourcol, prompts
from .tasks import get_task


@dataclass(frozen=True)
class RowLength:
    id: str
    task: str
    prompt: int   # tokens of the full prompt (template + instruction + input)
    target: int   # tokens of the target, EOS included

    @property
    def total(self) -> int:
        return self.prompt + self.target


def _count(texts: list[str], tokenizer, special: bool) -> list[int]:
    if not texts:
        return []
    # verbose=False: counting a long row is the point here, not an indexing error worth a warning.
    return [len(ids) for ids in tokenizer(texts, add_special_tokens=special, verbose=False)["input_ids"]]


def _prompt_tokens(texts: list[str], tokenizer, style: str) -> list[int]:
    return _count(texts, tokenizer, special=prompts.adds_special_tokens(style))


def prompt_lengths(rows: Sequence[fourcol.Row], tokenizer, style: str = "alpaca") -> list[RowLength]:
    """Per row (same order): tokens of the prompt and of target + EOS. Prompt and target are
    counted apart, as the trainer tokenizes them for completion-only loss."""
    rows = list(rows)
    texts = [prompts.row_prompt(r, style, tokenizer) for r in rows]
    prompt_counts = _prompt_tokens(texts, tokenizer, style)
    target_counts = _count([r.target for r in rows], tokenizer, special=False)
    return [RowLength(r.id, r.task, p, t + 1) for r, p, t in zip(rows, prompt_counts, target_counts,
                                                                  strict=True)]


def by_task(lengths: Sequence[RowLength], what: str = "total") -> dict[str, list[int]]:
    """Task -> the `what` (``total``, ``prompt`` or ``target``) of each of its rows."""
    found: dict[str, list[int]] = {}
    for length in lengths:
        found.setdefault(length.task, []).append(getattr(length, what))
    return found


def stats(lengths: Sequence[RowLength], what: str = "total") -> dict[str, dict[str, float]]:
    """Task -> count, mean, median, p95 (nearest rank) and max of `what`; key ``all`` for every row."""
    groups = by_task(lengths, what)
    groups["all"] = [v for values in groups.values() for v in values]
    table = {}
    for task, values in groups.items():
        if not values:
            continue
        ordered = sorted(values)
        table[task] = {"count": len(values), "mean": round(statistics.fmean(values), 1),
                       "median": statistics.median(values),
                       "p95": ordered[max(0, math.ceil(0.95 * len(values)) - 1)], "max": ordered[-1]}
    return table


def table(summary: dict[str, dict[str, float]]) -> str:
    """`stats`' result as an aligned text table."""
    lines = [f"{'task':<20}{'count':>7}{'mean':>8}{'median':>8}{'p95':>7}{'max':>7}"]
    for task, s in summary.items():
        lines.append(f"{task:<20}{s['count']:>7}{s['mean']:>8}{s['median']:>8}{s['p95']:>7}{s['max']:>7}")
    return "\n".join(lines)


@dataclass
class TrimReport:
    max_tokens: int
    rows: dict[str, int] = field(default_factory=dict)          # task -> rows seen
    trimmed: dict[str, int] = field(default_factory=dict)       # task -> rows whose input was cut
    tokens_cut: dict[str, int] = field(default_factory=dict)    # task -> input tokens removed
    too_long: dict[str, list[str]] = field(default_factory=dict)  # task -> ids cut even with no input
    # task -> ids over the limit left whole: their answer quotes the input (NERMuD, HODI B, CLinkaRT),
    # and a cut input would teach the model to quote text it cannot see
    quoting: dict[str, list[str]] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [f"max_tokens = {self.max_tokens}: prompt + target + EOS must fit"]
        for task, n in self.rows.items():
            cut, flagged = self.trimmed.get(task, 0), self.too_long.get(task, [])
            line = f"  {task:<20}{n:>5} rows, {cut:>4} inputs trimmed ({self.tokens_cut.get(task, 0)} tokens)"
            if flagged:
                line += f"; answer cut even with an empty input: {', '.join(flagged)}"
            if self.quoting.get(task):
                line += (f"; {len(self.quoting[task])} over the limit left whole (the answer quotes "
                         f"the input): {', '.join(self.quoting[task][:5])}")
            lines.append(line)
        return "\n".join(lines)


def _fitting_input(row, ids: list[int], budget: int, tokenizer, style: str) -> str:
    """The longest beginning of the input (in tokens) whose prompt takes at most `budget` tokens.
    Re-tokenizing decoded text can shift a token or two, so every candidate is measured on the
    real prompt; the search is binary because prompt length grows with the kept tokens."""
    def text(k: int) -> str:
        # A byte-level cut can end inside a character: drop the replacement character it leaves.
        return tokenizer.decode(ids[:k], skip_special_tokens=True,
                                clean_up_tokenization_spaces=False).rstrip().rstrip("\ufffd").rstrip()

    def fits(k: int) -> bool:
        prompt = prompts.row_prompt(row, style, tokenizer, text(k))
        return _prompt_tokens([prompt], tokenizer, style)[0] <= budget

    low, high = 0, len(ids) - 1   # k = 0 (empty input) fits: the caller checked
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return text(low)


def trim_inputs(rows: Sequence[fourcol.Row], tokenizer, max_tokens: int,
                style: str = "alpaca") -> tuple[list[fourcol.Row], TrimReport]:
    """Rows (same number, same order) whose prompt + target + EOS fit in `max_tokens`, by cutting
    the end of the input only; targets are never touched. Running it twice changes nothing.
    Rows of tasks whose answer quotes the input are never cut: they are listed in the report."""
    rows = list(rows)
    report = TrimReport(max_tokens)
    lengths = prompt_lengths(rows, tokenizer, style)
    out = []
    for row, length in zip(rows, lengths, strict=True):
        report.rows[row.task] = report.rows.get(row.task, 0) + 1
        if length.total <= max_tokens:
            out.append(row)
            continue
        if get_task(row.task).answer_quotes_input:
            report.quoting.setdefault(row.task, []).append(row.id)
            out.append(row)
            continue
        budget = max_tokens - length.target
        if _prompt_tokens([prompts.row_prompt(row, style, tokenizer, "")], tokenizer, style)[0] > budget:
            report.too_long.setdefault(row.task, []).append(row.id)
            out.append(row)
            continue
        ids = tokenizer(row.input, add_special_tokens=False, verbose=False)["input_ids"]
        new_input = _fitting_input(row, ids, budget, tokenizer, style)
        report.trimmed[row.task] = report.trimmed.get(row.task, 0) + 1
        kept = _count([new_input], tokenizer, special=False)[0] if new_input else 0
        report.tokens_cut[row.task] = report.tokens_cut.get(row.task, 0) + len(ids) - kept
        out.append(replace(row, input=new_input))
    return out, report


def histogram(lengths: Sequence[RowLength], max_tokens: int | None = None):
    """One histogram of total tokens per task, `max_tokens` drawn as a line (see `plots`)."""
    from . import plots

    return plots.token_length_histogram_by_task(by_task(lengths), max_tokens)


# Lab 1: one sentence per example, cut at `max_length` (an encoder reads it whole or not at all).
def token_lengths(tokenizer, texts) -> list[int]:
    """Tokens per text, special tokens included (what `max_length` has to cover)."""
    return [len(ids) for ids in tokenizer(list(texts))["input_ids"]]


def suggest_max_length(lengths, coverage: float = 0.95, limit: int = 512) -> int:
    """Smallest multiple of 8 covering `coverage` of the texts: the few longer ones get cut,
    and every batch is shorter (attention costs grow with the square of the length).

    >>> suggest_max_length([10, 12, 30], coverage=0.6)
    16
    """
    ranked = sorted(lengths)
    needed = ranked[min(len(ranked) - 1, math.ceil(coverage * len(ranked)) - 1)]
    return min(limit, 8 * math.ceil(needed / 8))
