"""The multi-task training mix: N examples per task, a leak-free train/dev split, the rows that
become the ``train.tsv``/``dev.tsv`` the training lab reads (written by `workshop`).

    official examples --sample--> N per task --split--> train | dev --augment(train only)--> rows
    rows --lengths.trim_inputs--> workshop.write_files(folder) --> train.tsv, dev.tsv

`split` keeps every group of `task.group` on one side (a PoliticIT author, a LangLearn pair and its
reverse, a WiC pair and its inverse, a DisCoTex document), so the dev score is not inflated by
near-copies of training rows, and stratifies on `task.stratum` so that every label keeps examples
on the train side. `task.augment` runs on the train side only, after the split: a derived example
can never leak into dev. Every step is seeded, so the same settings give the same files.
`workshop.build` is the whole recipe, as notebook 02 runs it.

>>> from biss_helpers.tasks import Example, Task
>>> class Toy(Task):
...     name, instruction = "toy", "Rispondi."
...     def group(self, e): return e.fields["author"]
...     def stratum(self, e): return str(e.gold)
>>> toy = Toy()
>>> examples = [Example(str(i), {"author": f"a{i // 2}"}, i % 3) for i in range(20)]
>>> train, dev = split(toy, examples, dev_fraction=0.2, seed=42)
>>> len(train) + len(dev), leaks(toy, train, dev), len(dev) > 0
(20, set(), True)
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import fourcol
from .settings import check, share, whole
from .tasks import get_task
from .tasks.base import Example, Task


@dataclass
class MixSettings:
    """The workshop defaults: 100 examples per task, 10% of them for dev, seed 42, every task. Each
    field is also an option of ``biss mix``."""

    per_task: int | None = 100      # examples per task (None: every available one)
    dev_fraction: float = 0.1       # share of each task's examples kept for dev
    seed: int = 42                  # sampling, split and shuffle
    tasks: list[str] | None = None  # task keys to mix; none given: every task (every one given to build)

    def __post_init__(self):
        check(self, per_task=whole(1, also=(None,)), dev_fraction=share, seed=whole(0))


@dataclass(frozen=True)
class TaskReport:
    task: str
    available: int
    sampled: int
    train: int       # sampled examples on the train side (before augmentation)
    dev: int
    augmented: int   # derived training examples added by task.augment
    note: str = ""   # how the task's rows came (e.g. already split, as released)


@dataclass
class Mix:
    train: list[fourcol.Row]        # shuffled across tasks; augmented rows included
    dev: list[fourcol.Row]          # task by task, file order
    report: list[TaskReport] = field(default_factory=list)
    per_task: int | None = None

    def summary(self) -> str:
        """The per-task table: what was available, sampled, and where it went."""
        def line(task, available, sampled, train, augmented, dev, note=""):
            return f"{task:<20}{available:>10}{sampled:>9}{train:>7}{augmented:>8}{dev:>6}{note}"

        head = line("task", "available", "sampled", "train", "+augm.", "dev")
        rows = [line(r.task, r.available, r.sampled, r.train, r.augmented, r.dev,
                     "".join(f"  ({note})" for note in (
                         r.note, f"all available: fewer than {self.per_task}"
                         if self.per_task is not None and r.available < self.per_task else "") if note))
                for r in self.report]
        total = line("total", *(sum(getattr(r, k) for r in self.report)
                                for k in ("available", "sampled", "train", "augmented")), len(self.dev))
        return "\n".join([head, "-" * len(head), *rows, "-" * len(head), total,
                          f"train rows: {len(self.train)}  dev rows: {len(self.dev)}"])


def _rng(seed: int, task: Task, step: str) -> random.Random:
    # A string seed is hashed with SHA-512 (not Python's salted hash), so this is the same stream in
    # every process; one stream per task and step keeps adding a task from changing the others.
    return random.Random(f"{seed}/{task.name}/{step}")


def _groups(task: Task, examples: Sequence[Example]) -> dict[str, list[int]]:
    """Group key -> indices of its examples, groups in first-seen order."""
    found: dict[str, list[int]] = {}
    for i, example in enumerate(examples):
        found.setdefault(str(task.group(example)), []).append(i)
    return found


def _strata(task: Task, examples, groups: dict[str, list[int]], seed: int, step: str):
    """(stratum -> its group keys in a seeded random order, stratum -> its number of examples). A
    group takes its most frequent stratum (a LangLearn pair and its reverse have two labels but must
    stay together); ties go to the smallest stratum name."""
    by_stratum: dict[str, list[str]] = {}
    for key, members in groups.items():
        counts = Counter(str(task.stratum(examples[i])) for i in members)
        top = max(counts.values())
        stratum = min(s for s, c in counts.items() if c == top)
        by_stratum.setdefault(stratum, []).append(key)
    by_stratum, rng = dict(sorted(by_stratum.items())), _rng(seed, task, step)
    for keys in by_stratum.values():
        rng.shuffle(keys)
    return by_stratum, {s: sum(len(groups[k]) for k in keys) for s, keys in by_stratum.items()}


def _quotas(sizes: dict[str, int], total: int) -> dict[str, int]:
    """`total` shared among strata in proportion to their sizes (largest remainder), so that the
    rounded shares add up to exactly `total`."""
    n = sum(sizes.values())
    exact = {s: total * size / n for s, size in sizes.items()}
    quotas = {s: int(v) for s, v in exact.items()}
    for s in sorted(exact, key=lambda s: (quotas[s] - exact[s], s))[: total - sum(quotas.values())]:
        quotas[s] += 1
    return quotas


def split(task: Task, examples: Sequence[Example], dev_fraction: float = 0.1,
          seed: int = 42) -> tuple[list[Example], list[Example]]:
    """(train, dev), each in input order. Whole groups only; per stratum about `dev_fraction` of the
    examples go to dev, but never the last group of a stratum (its label must stay learnable).
    With two or more groups and a positive fraction, dev gets at least one group."""
    if not 0 <= dev_fraction < 1:
        raise ValueError(f"dev_fraction must be in [0, 1), got {dev_fraction}")
    groups = _groups(task, examples)
    if len(groups) < 2 or dev_fraction == 0:
        return list(examples), []
    by_stratum, sizes = _strata(task, examples, groups, seed, "split")
    quotas = _quotas(sizes, max(1, round(dev_fraction * len(examples))))
    dev_keys: set[str] = set()
    for stratum, keys in by_stratum.items():
        taken = 0
        for key in keys:
            size = len(groups[key])
            # Whole groups overshoot: take one only if it brings dev nearer its quota, and never
            # the stratum's last examples.
            if taken + size / 2 < quotas[stratum] and sizes[stratum] - taken - size >= 1:
                dev_keys.add(key)
                taken += size
    if not dev_keys:
        # Rounding gave dev nothing (tiny task): one group from the largest stratum that keeps a
        # group on the train side, else the smallest group of all.
        spare = [k for s in sorted(sizes, key=lambda s: -sizes[s]) if len(by_stratum[s]) > 1
                 for k in by_stratum[s]]
        dev_keys.add(spare[0] if spare else min(groups, key=lambda k: len(groups[k])))
    dev_index = {i for k in dev_keys for i in groups[k]}
    return ([e for i, e in enumerate(examples) if i not in dev_index],
            [e for i, e in enumerate(examples) if i in dev_index])


def sample(examples: Sequence[Example], n: int | None, task: Task, seed: int = 42) -> list[Example]:
    """`n` examples (in input order), stratified in proportion to the strata, whole groups where
    they fit (a group bigger than what is left is cut only to fill the last places). Fewer than `n`
    available: all of them (`build`'s report flags it)."""
    if n is None or n >= len(examples):
        return list(examples)
    groups = _groups(task, examples)
    by_stratum, sizes = _strata(task, examples, groups, seed, "sample")
    quotas = _quotas(sizes, n)
    chosen: list[int] = []
    for stratum, keys in by_stratum.items():
        taken: list[int] = []
        for key in keys:
            if len(taken) + len(groups[key]) <= quotas[stratum]:
                taken += groups[key]
        done = set(taken)
        leftovers = [i for key in keys for i in groups[key] if i not in done]
        chosen += taken + leftovers[: quotas[stratum] - len(taken)]
    picked = set(chosen)
    return [e for i, e in enumerate(examples) if i in picked]


def leaks(task: Task, train_examples: Sequence[Example], dev_examples: Sequence[Example]) -> set[str]:
    """The groups that have examples on both sides (empty for a leak-free split)."""
    train_groups = {str(task.group(e)) for e in train_examples}
    return {str(task.group(e)) for e in dev_examples} & train_groups


def build(examples_by_task: dict[str, list[Example]], settings: MixSettings | None = None,
          rows_by_task: dict[str, tuple[list[fourcol.Row], list[fourcol.Row]]] | None = None) -> Mix:
    """The mix of `settings.tasks` (None: every task given): per task sample, split, augment the
    train side, encode; then shuffle the train rows across tasks. A task of `rows_by_task` comes as
    rows already encoded and split (train, dev: the BISS-2024 files): `per_task` of its train rows
    and `dev_fraction` of that many of its dev rows are drawn, seeded, in file order."""
    settings = settings or MixSettings()
    rows_by_task = rows_by_task or {}
    given = [*examples_by_task, *(name for name in rows_by_task if name not in examples_by_task)]
    names = given if settings.tasks is None else list(settings.tasks)
    train_rows: list[fourcol.Row] = []
    dev_rows: list[fourcol.Row] = []
    report: list[TaskReport] = []
    for name in names:
        task = get_task(name)
        if name in rows_by_task:
            train_part, dev_part = rows_by_task[name]
            n = settings.per_task or len(train_part)
            train = _draw(train_part, n, settings.seed, name)
            dev = _draw(dev_part, max(1, round(settings.dev_fraction * n)) if settings.dev_fraction else 0,
                        settings.seed, name)
            train_rows += train
            dev_rows += dev
            report.append(TaskReport(name, len(train_part) + len(dev_part), len(train) + len(dev),
                                     len(train), len(dev), 0, "split as released"))
            continue
        if name not in examples_by_task:
            raise KeyError(f"no examples given for task {name!r} (given: {', '.join(given)})")
        examples = examples_by_task[name]
        unlabelled = [e for e in examples if e.gold is None]
        if unlabelled:
            raise ValueError(f"{name}: example {unlabelled[0].id!r} ({unlabelled[0].source}) has no gold "
                             f"label; a training mix needs labelled files (train/dev/gold, not test)")
        picked = sample(examples, settings.per_task, task, settings.seed)
        train, dev = split(task, picked, settings.dev_fraction, settings.seed)
        extra = task.augment(train)
        train_rows += fourcol.encode(task, train + list(extra))
        dev_rows += fourcol.encode(task, dev)
        report.append(TaskReport(name, len(examples), len(picked), len(train), len(dev), len(extra)))
    random.Random(f"{settings.seed}/mix").shuffle(train_rows)
    return Mix(train_rows, dev_rows, report, settings.per_task)


def _draw(rows: Sequence[fourcol.Row], n: int, seed: int, name: str) -> list[fourcol.Row]:
    """`n` of `rows` (all when fewer), seeded, kept in file order."""
    if n >= len(rows):
        return list(rows)
    keep = set(random.Random(f"{seed}/{name}/rows").sample(range(len(rows)), n))
    return [row for i, row in enumerate(rows) if i in keep]
