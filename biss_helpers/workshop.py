"""The workshop's training data: which rows each task trains on, and the files notebook 02 hands to
notebook 03 through the course folder.

For each task the best data at hand wins, and `Data.line` says which, in one line:

1. ``official``: the official files a participant put in the course folder's ``data/`` (or that
   notebook 02 downloaded there), read by the task's own reader (`tasks.sources.load_official`);
2. ``BISS-2024``: online, the public BISS-2024 tutorial rows (`download.BISS2024`, 100 real rows per
   task key, train and dev as released), ExtremITA's targets converted to this course's words by
   `tasks.extremita` (rows it cannot convert are listed, never trained on silently);
3. ``sample``: the synthetic sample shipped with the package (offline, and CLinkaRT always, which
   the BISS-2024 files do not have).

`build` makes the mix (`mix.build`) and trims inputs to `max_tokens` (`lengths.trim_inputs`);
`write` puts ``train.tsv``, ``dev.tsv`` and ``sources.json`` in a folder; `training_files` is what
notebook 03 calls: notebook 02's files if they are there, otherwise the same build, said out loud.

>>> from biss_helpers import tiny
>>> data = build(mix.MixSettings(tasks=["haspeede"], per_task=20), tiny.tokenizer("llama"), 384)
the workshop mix: 18 train rows, 2 dev rows, 0 train inputs trimmed to fit 384 tokens
>>> data.line()
'data: sample (haspeede); rows per task (train/dev): haspeede 18/2'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from . import course, env, fourcol, mix, outputs

FILES = ("train.tsv", "dev.tsv")  # the training files of a mix, in its folder
SOURCES_FILE = "sources.json"  # beside train.tsv and dev.tsv: which data each task came from
ORIGINS = ("official", "BISS-2024", "sample")


@dataclass
class Data:
    """The rows a run trains on, and where each task's rows came from."""

    train: list[fourcol.Row]
    dev: list[fourcol.Row]
    origins: dict[str, str] = field(default_factory=dict)  # task -> one of ORIGINS
    summary: str = ""  # the mix's per-task table (empty when read back from files)

    def line(self) -> str:
        """Which data, and how many rows per task, in one line."""
        by_origin: dict[str, list[str]] = {}
        for task, origin in self.origins.items():
            by_origin.setdefault(origin, []).append(task)
        where = "; ".join(f"{o} ({', '.join(t)})" if len(t) < 4 else f"{o} ({len(t)} tasks)"
                          for o, t in by_origin.items())
        train, dev = fourcol.counts(self.train), fourcol.counts(self.dev)
        counts = ", ".join(f"{t} {train.get(t, 0)}/{dev.get(t, 0)}" for t in self.origins)
        return f"data: {where}; rows per task (train/dev): {counts}"


def biss2024_rows(folder: str | Path) -> dict[str, tuple[list[fourcol.Row], list[fourcol.Row]]]:
    """Task -> (train rows, dev rows) of the BISS-2024 files, downloaded into `folder` (checked
    against their SHA-256; kept for the next session) and converted by `tasks.extremita`."""
    from . import download
    from .tasks import extremita

    parts = []
    for path in download.fetch(download.BISS2024, folder):  # train_100.txt, dev_100.txt
        converted = extremita.convert(path)
        print(f"{path.name}: {sum(c.converted for c in converted.tasks.values())} rows converted to "
              f"this course's words")
        if converted.not_converted:
            print(f"{path.name}, not converted (left out of the training data):\n{converted.summary()}")
        parts.append(converted.rows)
    return {task: ([r for r in parts[0] if r.task == task], [r for r in parts[1] if r.task == task])
            for task in download.BISS2024_TASKS}


def gather(names: list[str], official: str | Path | None = None):
    """(examples by task, rows by task, origin by task) for the tasks `names`, the best data at
    hand first: official files under `official`, then (online) BISS-2024, then the sample."""
    from .download import BISS2024_TASKS
    from .tasks import sources

    examples, rows, origins = {}, {}, {}
    found_official = [n for n in names if official is not None and sources.find_official(n, official)]
    if found_official:
        examples.update(sources.load_official(found_official, official))
        origins.update(dict.fromkeys(found_official, "official"))
    wanted = [n for n in names if n not in origins and n in BISS2024_TASKS]
    if wanted and not env.offline():
        biss = biss2024_rows(course.path("biss2024"))
        for name in wanted:
            rows[name], origins[name] = biss[name], "BISS-2024"
    rest = [n for n in names if n not in origins]
    if rest:
        examples.update(sources.load(rest))
        origins.update(dict.fromkeys(rest, "sample"))
    return examples, rows, {n: origins[n] for n in names}


def build(settings: mix.MixSettings | None = None, tokenizer=None, max_tokens: int = 384,
          style: str = "alpaca", official: str | Path | None = None) -> Data:
    """The workshop mix of `settings` from the best data at hand (`gather`), inputs trimmed so that
    prompt, answer and EOS fit in `max_tokens` tokens of `tokenizer` (None: not trimmed)."""
    from . import lengths
    from .tasks import TASKS

    settings = settings or mix.MixSettings()
    names = list(settings.tasks or TASKS)
    examples, rows, origins = gather(names, official)
    built = mix.build(examples, settings, rows)
    train, dev, trimmed = built.train, built.dev, 0
    if tokenizer is not None:
        train, report = lengths.trim_inputs(built.train, tokenizer, max_tokens, style)
        dev, _ = lengths.trim_inputs(built.dev, tokenizer, max_tokens, style)
        trimmed = sum(report.trimmed.values())
    print(f"the workshop mix: {len(train)} train rows, {len(dev)} dev rows, {trimmed} train inputs "
          f"trimmed to fit {max_tokens} tokens")
    return Data(train, dev, origins, built.summary())


def write_files(folder: str | Path, train_rows, dev_rows) -> tuple[Path, Path]:
    """Write the training files of a mix, ``train.tsv`` and ``dev.tsv`` (4-column), into `folder`.

    >>> import tempfile
    >>> rows = [fourcol.Row("7", "haspeede", "Che bella giornata", "non_odio")]
    >>> folder = tempfile.mkdtemp()
    >>> [path.name for path in write_files(folder, rows, rows[:0])], read_files(folder) == (rows, [])
    (['train.tsv', 'dev.tsv'], True)
    """
    paths = tuple(Path(folder) / name for name in FILES)
    for path, rows in zip(paths, (train_rows, dev_rows), strict=True):
        fourcol.write(path, rows)
    return paths


def read_files(folder: str | Path) -> tuple[list[fourcol.Row], list[fourcol.Row]]:
    """(train rows, dev rows) from the ``train.tsv`` and ``dev.tsv`` in `folder`. A task key
    that is not registered, or a malformed line, is an error naming the file and the line."""
    paths = [Path(folder) / name for name in FILES]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"{', '.join(missing)}: no such file; {course.MADE_BY['lab2']} "
                                f"writes the training files of a mix")
    return fourcol.read(paths[0]), fourcol.read(paths[1])


def write(folder: str | Path, data: Data) -> list[Path]:
    """``train.tsv``, ``dev.tsv`` (`mix.write_files`) and ``sources.json`` into `folder`."""
    paths = list(write_files(folder, data.train, data.dev))
    paths.append(outputs.write_text(Path(folder) / SOURCES_FILE, json.dumps(data.origins, indent=1) + "\n"))
    return paths


def read(folder: str | Path) -> Data:
    """The `Data` written by `write` (a folder without ``sources.json``, e.g. from an older
    release or `biss mix`, reads with every task's origin unknown)."""
    train, dev = read_files(folder)
    path = Path(folder) / SOURCES_FILE
    origins = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    for task in fourcol.counts(train + dev):
        origins.setdefault(task, "unknown origin")
    return Data(train, dev, origins)


def audit(folder: str | Path, examples_by_task: dict | None = None) -> dict[str, tuple[int, int]]:
    """Check ``train.tsv`` and ``dev.tsv`` in `folder` as they were written: no id on both sides and,
    for each task of `examples_by_task` (the examples the mix was built from), every row traced back
    to its example and no group (`task.group`: an author, a pair and its reverse, a document) on both
    sides. Returns task -> (train rows, dev rows); a leak is an error naming the task and the group."""
    from .tasks import get_task

    train, dev = read_files(folder)
    counts, by_group = {}, 0
    for name in fourcol.counts(train + dev):
        sides = [[row for row in part if row.task == name] for part in (train, dev)]
        counts[name] = (len(sides[0]), len(sides[1]))
        both = {row.id for row in sides[0]} & {row.id for row in sides[1]}
        if both:
            raise ValueError(f"{folder}: {name}: id {sorted(both)[0]!r} is in both train.tsv and dev.tsv")
        if name not in (examples_by_task or {}):
            continue  # rows that came split (BISS-2024): the ids are all there is to check
        task, pool = get_task(name), examples_by_task[name]
        known = {e.id: e for e in [*pool, *task.augment([e for e in pool if e.gold is not None])]}
        lost = [row.id for part in sides for row in part if row.id not in known]
        if lost:
            raise ValueError(f"{folder}: {name}: row {lost[0]!r} comes from no example of the mix")
        leaked = mix.leaks(task, *([known[row.id] for row in part] for part in sides))
        if leaked:
            raise ValueError(f"{folder}: {name}: group {sorted(leaked)[0]!r} has rows in both train.tsv "
                             f"and dev.tsv: dev would measure memory")
        by_group += 1
    print(f"{folder}: {sum(map(sum, counts.values()))} rows of {len(counts)} tasks; no id on both sides, "
          f"and for {by_group} tasks no group on both sides")
    return counts


def training_files(tokenizer, max_tokens: int = 384, style: str = "alpaca",
                   settings: mix.MixSettings | None = None, root: str | Path | None = None) -> Data:
    """What notebook 03 trains on: notebook 02's files in the course folder's ``lab2/``. If they are
    not there, it says so, builds them with the same settings (notebook 02's defaults unless
    `settings` is given) and writes them where notebook 02 would have, so the next run finds them."""
    folder = course.path("lab2", root=root)
    if all((folder / name).is_file() for name in FILES):
        data = read(folder)
        print(f"notebook 02's files in {folder}")
    else:
        settings = settings or mix.MixSettings()
        print(f"no train.tsv/dev.tsv in {folder}: {course.MADE_BY['lab2']} makes them. Building them "
              f"now with notebook 02's settings ({settings}, max_tokens={max_tokens}, style={style!r}).")
        data = build(settings, tokenizer, max_tokens, style, course.path("data", root=root))
        print(data.summary)
        write(folder, data)
        print(f"written to {folder}")
    print(data.line())
    return data
