"""Lab 2.4: how good the answers are. A predictions file (4 columns, the model's completion in the 4th)
is scored against the gold rows (4 columns, the gold target in the 4th), task by task, with the
task's official metric computed on decoded values, and a bootstrap interval for every number.

    predictions.tsv + dev.tsv --pair by (task, id)--> decode both sides (`Task.decode`)
        --> `Task.measure` per task --> Scores (per task, the macro over tasks, intervals)

Rows are paired by id within each task, never by position: an id missing from the predictions, one
they repeat, or one the gold does not have is an error naming it. (A gold file that repeats an id
itself, as the BISS-2024 rows do for a PoliticIT author, pairs its repeats in order, and each pair
must have the same input.) A completion that does not parse still counts: it gets the task's
fallback and is counted as unparsed, so every gold row is scored.

The macro score is the mean of the tasks' main metrics where higher is better (GeoLingIt B's km are
left out, and said so). Intervals come from resampling each task's rows with replacement
(`resamples` times, seeded): the same draws give the macro interval, and two Scores of the same gold
rows and seed share their draws, so `difference` is a paired bootstrap.

>>> from biss_helpers.fourcol import Row
>>> gold = [Row(str(i), "haspeede", f"testo {i}", "odio" if i % 2 else "non_odio") for i in range(8)]
>>> mine = [Row(r.id, r.task, r.input, "odio") for r in gold]
>>> scores = score(mine, gold, resamples=200)
>>> scores.tasks["haspeede"].value, scores.tasks["haspeede"].rows, scores.macro
(0.3333, 8, 0.3333)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import fourcol
from .tasks import get_task

RESAMPLES = 1000  # bootstrap draws: the interval's ends move by about 0.01 between seeds at 1000
LEVEL = 0.95


@dataclass(frozen=True)
class Answer:
    """One gold row and the model's answer to it, both decoded (`gold_value`, `value`)."""

    id: str
    task: str
    input: str
    gold: str        # the gold target text
    completion: str  # what the model wrote (or the label it scored)
    gold_value: Any
    value: Any       # the task's fallback where the completion did not parse
    parsed: bool
    unplaced: tuple[str, ...] = ()


@dataclass
class TaskScore:
    task: str
    metric: str                  # the task's main metric
    value: float
    metrics: dict[str, float]    # every metric of `Task.measure`
    rows: int
    unparsed: int
    interval: tuple[float, float] | None = None
    higher_is_better: bool = True


@dataclass
class Scores:
    """A predictions file's scores: per task, the macro over tasks, the decoded answers."""

    tasks: dict[str, TaskScore]
    macro: float | None
    macro_interval: tuple[float, float] | None
    answers: dict[str, list[Answer]]
    not_in_macro: list[str] = field(default_factory=list)
    samples: dict[str, Any] = field(default_factory=dict, repr=False)  # task or "macro" -> draws
    seed: int = 0

    def summary(self) -> dict:
        """The JSON line: ``{"tasks": {task: {metric: value, "rows": n, "unparsed": n}}, "macro": v}``."""
        tasks = {name: {s.metric: s.value, "rows": s.rows, "unparsed": s.unparsed,
                        **({"interval": list(s.interval)} if s.interval else {})}
                 for name, s in self.tasks.items()}
        return {"tasks": tasks, "macro": self.macro,
                **({"macro_interval": list(self.macro_interval)} if self.macro_interval else {}),
                **({"not_in_macro": self.not_in_macro} if self.not_in_macro else {})}

    def table(self) -> str:
        """One line per task: metric, value, interval, rows, unparsed; then the macro."""
        lines = [f"{'task':<20}{'metric':<18}{'value':>9}  {'95% interval':<18}{'rows':>5}{'unparsed':>10}"]
        for s in self.tasks.values():
            lines.append(f"{s.task:<20}{s.metric:<18}{s.value:>9.4f}  {_span(s.interval):<18}"
                         f"{s.rows:>5}{s.unparsed:>10}")
        if self.macro is not None:
            lines.append(f"{'macro':<20}{'mean of the above':<18}{self.macro:>9.4f}  "
                         f"{_span(self.macro_interval):<18}{sum(s.rows for s in self.tasks.values()):>5}"
                         f"{sum(s.unparsed for s in self.tasks.values()):>10}")
        if self.not_in_macro:
            lines.append(f"not in the macro (lower is better): {', '.join(self.not_in_macro)}")
        return "\n".join(lines)


def _span(interval) -> str:
    return "" if interval is None else f"[{interval[0]:.3f}, {interval[1]:.3f}]"


def pair(predictions, gold, source: str = "the predictions", reference: str = "the gold") -> list[tuple]:
    """(gold row, predicted row) pairs in gold order, matched on (task, id). Missing, repeated or
    unknown ids are a ValueError naming them and both files; so is a pair whose inputs differ."""
    by_key: dict[tuple, list] = defaultdict(list)
    for number, row in enumerate(predictions, start=1):
        by_key[(row.task, row.id)].append((number, row))
    wanted = Counter((row.task, row.id) for row in gold)
    problems = []
    missing = [k for k in wanted if k not in by_key]
    if missing:
        problems.append(f"gold rows with no prediction ({len(missing)}): {_keys(missing)}")
    repeated = [k for k, found in by_key.items() if k in wanted and len(found) != wanted[k]]
    if repeated:
        problems.append(f"ids predicted more often than {reference} has them ({len(repeated)}): "
                        + ", ".join(f"{t}:{i} (rows {', '.join(str(n) for n, _ in by_key[(t, i)])})"
                                    for t, i in repeated[:3]) + (", ..." if len(repeated) > 3 else ""))
    extra = [k for k in by_key if k not in wanted]
    if extra:
        problems.append(f"predicted ids not in {reference} ({len(extra)}): {_keys(extra)}")
    if problems:
        raise ValueError(f"{source} and {reference} do not pair up by id: " + "; ".join(problems))
    pairs, used = [], Counter()
    for number, row in enumerate(gold, start=1):
        key = (row.task, row.id)
        at, mine = by_key[key][used[key]]
        used[key] += 1
        if mine.input != row.input:
            raise ValueError(f"{source}, row {at}: {row.task}:{row.id} has another input than in "
                             f"{reference}, row {number} (predictions of other rows?)")
        pairs.append((row, mine))
    return pairs


def _keys(keys: list[tuple]) -> str:
    return ", ".join(f"{t}:{i}" for t, i in keys[:3]) + (", ..." if len(keys) > 3 else "")


def decode(pairs: list[tuple], reference: str = "the gold") -> dict[str, list[Answer]]:
    """Task -> its answers, both sides decoded with the task's decoder (the gold row's input is the
    example). A gold target that does not parse is an error: the gold file is wrong, not the model."""
    answers: dict[str, list[Answer]] = defaultdict(list)
    for number, (gold, mine) in enumerate(pairs, start=1):
        task = get_task(gold.task)
        example = task.example_from_text(gold.id, gold.input, f"{reference}, row {number}")
        truth = task.decode(gold.target, example)
        if not truth.parsed:
            raise ValueError(f"{reference}, row {number} ({gold.task}:{gold.id}): the gold target "
                             f"{gold.target[:60]!r} does not parse as a {gold.task} answer")
        found = task.decode(mine.target, example)
        answers[gold.task].append(Answer(gold.id, gold.task, gold.input, gold.target, mine.target,
                                         truth.prediction, found.prediction, found.parsed, found.unplaced))
    return dict(answers)


def score(predictions, gold, resamples: int = RESAMPLES, seed: int = 0, level: float = LEVEL) -> Scores:
    """Scores of `predictions` against `gold` (4-column files, or their rows): per task its
    `Task.measure` on the decoded values, and (with `resamples` > 0) bootstrap intervals."""
    import numpy as np

    source, reference = (str(x) if isinstance(x, (str, Path)) else name
                         for x, name in ((predictions, "the predictions"), (gold, "the gold")))
    predicted = fourcol.read(predictions) if isinstance(predictions, (str, Path)) else list(predictions)
    truth = fourcol.read(gold) if isinstance(gold, (str, Path)) else list(gold)
    if not truth:
        raise ValueError(f"{reference}: no gold row to score")
    answers = decode(pair(predicted, truth, source, reference), reference)
    tasks, samples = {}, {}
    for k, (name, rows) in enumerate(sorted(answers.items())):
        task = get_task(name)
        golds, values = [a.gold_value for a in rows], [a.value for a in rows]
        metrics = task.measure(golds, values)
        entry = TaskScore(name, task.metric, metrics[task.metric], metrics, len(rows),
                          sum(not a.parsed for a in rows),
                          higher_is_better=getattr(task, "higher_is_better", True))
        if resamples:
            draws = np.random.default_rng([seed, k]).integers(0, len(rows), size=(resamples, len(rows)))
            samples[name] = np.array([task.measure([golds[i] for i in d], [values[i] for i in d])[task.metric]
                                      for d in draws])
            entry.interval = _interval(samples[name], level)
        tasks[name] = entry
    averaged = [n for n, s in tasks.items() if s.higher_is_better]
    macro = round(sum(tasks[n].value for n in averaged) / len(averaged), 4) if averaged else None
    interval = None
    if resamples and averaged:
        samples["macro"] = np.mean([samples[n] for n in averaged], axis=0)
        interval = _interval(samples["macro"], level)
    return Scores(tasks, macro, interval, answers, [n for n in tasks if n not in averaged], samples, seed)


def _interval(values, level: float) -> tuple[float, float]:
    import numpy as np

    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return round(float(low), 4), round(float(high), 4)


def difference(a: Scores, b: Scores, level: float = LEVEL) -> dict[str, dict]:
    """Task (and "macro") -> a minus b, with the paired bootstrap interval of the difference: both
    must be scores of the same gold rows with the same seed and resamples (their draws are the same
    rows). An interval that does not contain 0 is a difference larger than the noise of the sample.

    >>> from biss_helpers.fourcol import Row
    >>> gold = [Row(str(i), "haspeede", f"t{i}", "odio" if i % 2 else "non_odio") for i in range(20)]
    >>> d = difference(score(gold, gold, resamples=200), score([Row(r.id, r.task, r.input, "odio")
    ...                for r in gold], gold, resamples=200))["haspeede"]
    >>> d["difference"], d["interval"][0] > 0
    (0.6667, True)
    """
    if a.seed != b.seed or set(a.tasks) != set(b.tasks) or any(
            [x.id for x in a.answers[t]] != [x.id for x in b.answers[t]] for t in a.tasks):
        raise ValueError("the two scores are not of the same gold rows with the same seed")
    found = {}
    for name in [*a.tasks, "macro"]:
        value_a = a.macro if name == "macro" else a.tasks[name].value
        value_b = b.macro if name == "macro" else b.tasks[name].value
        if value_a is None or value_b is None:
            continue
        entry = {"difference": round(value_a - value_b, 4)}
        if name in a.samples and name in b.samples and len(a.samples[name]) == len(b.samples[name]):
            entry["interval"] = _interval(a.samples[name] - b.samples[name], level)
        found[name] = entry
    return found
