"""Scores: one flat dict (`score`), and the numbers as the organisers report them, per gold file or
domain (`score_files`). Both pair the submission with its gold the same way (`Task.pair`) and
compute every number with `Task.measure`, so a file and the values written into it score alike.

    submission (file, folder or zip) + gold file(s) --Task.pair--> gold values, predictions, parts
        --Task.measure-->  {metric: value}                                         `score`
        --per part----->   {part: {metric: value}, ..., "combined (ours)": {...}}  `score_files`

The parts are those of the official results: WiC-ITA's ``binary.jsonl`` (Italian) and
``binary_eng.jsonl`` (English), EMit's in-domain and out-of-domain test sets, NERMuD's WN, FIC and
ADG, HaSpeeDe3's political and religious tweets, DisCoTex's ted and wiki, LangLearn's CItA and
COWS-L2H; one part elsewhere, named for its gold file. Where there is more than one part,
``combined (ours)`` scores all of them together: a number no official scorer computes.

>>> from biss_helpers.tasks import get_task
>>> import tempfile
>>> task, folder = get_task("wicita_1"), tempfile.mkdtemp()
>>> gold = task.sample_paths("gold")
>>> examples = task.read(gold)
>>> guesses = [1] * len(examples)  # "same meaning" everywhere
>>> _ = task.write_submission([e.id for e in examples], guesses, gold, folder)
>>> parts = score_files(task, folder, gold)
>>> list(parts), parts["binary_eng.jsonl"]
(['binary.jsonl', 'binary_eng.jsonl', 'combined (ours)'], {'macro_f1': 0.3333, 'accuracy': 0.5})
>>> score(task, folder, gold) == parts[COMBINED] == task.measure([e.gold for e in examples], guesses)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .archive import unzipped
from .ids import gold_pairs

if TYPE_CHECKING:
    from .base import Task

COMBINED = "combined (ours)"
Gold = Sequence[str | Path] | str | Path


def first(metric: str, scores: dict[str, float]) -> dict[str, float]:
    """`scores` with the main `metric` first (every `measure` returns it so).

    >>> first("accuracy", {"macro_f1": 0.5, "accuracy": 0.75})
    {'accuracy': 0.75, 'macro_f1': 0.5}
    """
    if metric not in scores:
        raise KeyError(f"the main metric {metric!r} is not among the scores ({', '.join(scores)})")
    return {metric: scores[metric], **{k: v for k, v in scores.items() if k != metric}}


def paired(task: Task, submission: str | Path, gold: Gold, positional: bool = False
           ) -> tuple[list, list, list[str]]:
    """`Task.pair`'s default: one pair per gold example, by id (`ids.gold_pairs`; `positional`: the
    official scorer pairs rows by position, so the order must be the gold's too), each in the part
    `Task.part` names."""
    examples = task.read(gold)
    golds, predicted = gold_pairs(task, submission, gold, examples, positional)
    return golds, predicted, [task.part(e) for e in examples]


def grouped(golds: Sequence, predictions: Sequence, parts: Sequence[str]) -> dict[str, tuple[list, list]]:
    """part -> (its gold values, its predictions), parts in order of first appearance.

    >>> grouped([1, 0, 1], [1, 1, 1], ["ted", "wiki", "ted"])
    {'ted': ([1, 1], [1, 1]), 'wiki': ([0], [1])}
    """
    found: dict[str, tuple[list, list]] = {}
    for part, value, prediction in zip(parts, golds, predictions, strict=True):
        found.setdefault(part, ([], []))
        found[part][0].append(value)
        found[part][1].append(prediction)
    return found


def as_task(task: Task | str) -> Task:
    """`task` itself, or the registered task of that name."""
    from . import get_task  # the registry imports every task module, which import this one

    return get_task(task) if isinstance(task, str) else task


def score(task: Task | str, submission: str | Path, gold: Gold) -> dict[str, float]:
    """`task.measure` of every pair of a submission (a file, a folder or a zip of them) with the gold
    file(s), one flat dict, main metric first: `Task.score` (to which DisCoTex 1 and HaSpeeDe3 add
    the main metric of each test set or file). `task`: a task or its name."""
    task = as_task(task)
    with unzipped(submission) as found:
        golds, predicted, _ = task.pair(found, gold)
        return task.measure(golds, predicted)


def score_files(task: Task | str, submission: str | Path, gold: Gold) -> dict[str, dict[str, float]]:
    """The scores as the organisers report them: part -> `task.measure` of that part alone (each gold
    file or domain, see the module's list), plus ``combined (ours)`` over them all where there are
    several parts. A part's numbers are those of its gold file scored alone. The parts are those of
    `Task.pair`, or of ``task.report_parts(submission, gold) -> {part: (golds, predictions)}`` for a
    task that defines it (HaSpeeDe3: its files overlap, two of them holding the same tweets).
    `task`: a task or its name; `submission`: a file, a folder of them, or their zip."""
    task = as_task(task)
    with unzipped(submission) as found:
        golds, predicted, parts = task.pair(found, gold)
        split = getattr(task, "report_parts", None)
        groups = split(found, gold) if split else grouped(golds, predicted, parts)
        scores = {part: task.measure(*pairs) for part, pairs in groups.items()}
        if len(scores) > 1:
            scores[COMBINED] = task.measure(golds, predicted)
        return scores


def table(task: Task | str, scores: dict[str, dict[str, float]]) -> str:
    """`score_files`'s scores as text: a line per part, a column per metric (the main one first),
    counts as integers, the rest with 4 decimals.

    >>> print(table("wicita_2", {"ranking.jsonl": {"spearman": 0.71, "pearson": 0.6923},
    ...                          "ranking_eng.jsonl": {"spearman": 0.5, "pearson": 0.52}}))
    wicita_2           spearman  pearson
    ranking.jsonl        0.7100   0.6923
    ranking_eng.jsonl    0.5000   0.5200
    """
    name = as_task(task).name
    columns = list(dict.fromkeys(metric for part in scores.values() for metric in part))
    width = max(len(name), *map(len, scores))
    sizes = [max(len(metric), 7) for metric in columns]
    lines = [f"{name:<{width}}" + "".join(f"  {m:>{n}}" for m, n in zip(columns, sizes, strict=True))]
    for part, values in scores.items():
        shown = ["" if m not in values else f"{values[m]:d}" if isinstance(values[m], int)
                 else f"{values[m]:.4f}" for m in columns]
        lines.append(f"{part:<{width}}" + "".join(f"  {v:>{n}}" for v, n in zip(shown, sizes, strict=True)))
    return "\n".join(lines)


def best(task: Task) -> float:
    """The best value of `task`'s main metric: 0 for a loss (a distance), else 1.

    >>> from biss_helpers.tasks import get_task
    >>> best(get_task("geolingit_b")), best(get_task("nermud"))
    (0.0, 1.0)
    """
    return 1.0 if task.higher_is_better else 0.0


def mean(values: Sequence[Any]) -> float:
    """The mean, rounded to 4 decimals as every metric is.

    >>> mean([1, 0.5, 0.25])
    0.5833
    """
    return round(sum(values) / len(values), 4)
