"""Where a task's examples come from: the synthetic sample shipped with the package, or the official
files found under a data folder (downloaded by `download.fetch`, or uploaded by a participant).

`load` is what the labs call: every task's labelled examples, from the official files where they
are under `folder`, from the sample otherwise (its train and dev parts together: the mix makes its
own split), and it says which for every task.

>>> found = load(["haspeede", "acti_a"])
>>> {name: len(examples) for name, examples in found.items()}
{'haspeede': 64, 'acti_a': 64}
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import TASKS, get_task
from .base import Example


def load_samples(task_names: Sequence[str] | None = None, split: str = "train") -> dict[str, list[Example]]:
    """Task name -> the examples of the package's synthetic sample for `split` (train, dev, gold;
    test is blind). `task_names` None: every registered task."""
    found = {}
    for name in TASKS if task_names is None else task_names:
        task = get_task(name)
        paths = task.sample_paths(split)
        if not paths or not all(p.is_file() for p in paths):
            expected = ", ".join(map(str, paths)) or "a file name in task.sample"
            raise FileNotFoundError(f"task {name!r} has no synthetic {split!r} sample (expected {expected})")
        found[name] = task.read(paths)
    return found


def find_official(task_name: str, folder: str | Path) -> list[Path]:
    """The official training files of a task found anywhere under `folder` (`task.train_files`,
    matched on their released path), sorted; empty when there are none (or no such folder)."""
    if not Path(folder).is_dir():
        return []
    return [p for f in get_task(task_name).train_files for p in sorted(Path(folder).rglob(Path(f).name))
            if p.as_posix().endswith(f)]


def load_official(task_names: Sequence[str] | None, folder: str | Path) -> dict[str, list[Example]]:
    """Task name -> the examples of its official training files found anywhere under `folder`
    (`task.train_files`); a task whose files are not there uses its synthetic sample (train and dev
    parts), and says so."""
    found = {}
    for name in TASKS if task_names is None else task_names:
        task = get_task(name)
        paths = find_official(name, folder)
        if paths:
            found[name] = task.read(paths)
            print(f"{name}: {len(found[name])} examples from {', '.join(p.name for p in paths)}")
        else:
            found[name] = load([name])[name]
            print(f"{name}: no {' / '.join(task.train_files)} under {folder}: the synthetic sample")
    return found


def load(task_names: Sequence[str] | None = None,
         folder: str | Path | None = None) -> dict[str, list[Example]]:
    """Task name -> every labelled example to build a training mix from: the official files under
    `folder` (`load_official`), or with no folder the synthetic sample's train and dev parts."""
    if folder is not None:
        return load_official(task_names, folder)
    names = list(TASKS) if task_names is None else list(task_names)
    train, dev = load_samples(names, "train"), load_samples(names, "dev")
    return {name: train[name] + dev[name] for name in names}
