"""The intermediate 4-column format that joins the labs: ``id, task, input, target``.

One example per line, TAB-separated, no header, no quoting; tabs and newlines inside a text are
flattened to single spaces when written. Notebook 02 writes ``train.tsv``/``dev.tsv`` in it, the
training lab reads them, and at inference time the 4th column holds the model's completion. It is
the layout of ExtremITA and of the public BISS-2024 tutorial files (``train_100.txt``,
``dev_100.txt``), so those files read too. Every task key must be in the registry: a row of an
unknown task is an error naming its line (the old tutorial trained 24% of its rows as
"task sconosciuto" because nobody checked).

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "mix.tsv"
>>> write(path, [Row("7", "haspeede", "Che bella\\tgiornata", "non_odio")])
1
>>> read(path)
[Row(id='7', task='haspeede', input='Che bella giornata', target='non_odio')]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import outputs
from .tasks.base import flatten
from .tasks.files import FormatError, open_text

COLUMNS = ("id", "task", "input", "target")


@dataclass(frozen=True)
class Row:
    id: str
    task: str
    input: str
    target: str  # the gold answer, empty when unknown; at inference time the model's completion


def encode(task, examples: Iterable) -> list[Row]:
    """The rows of `examples` of `task` (a registry task): one row per example, in order."""
    rows = []
    for example in examples:
        encoded = task.encode(example)
        rows.append(Row(example.id, task.name, encoded.input, encoded.target))
    return rows


def write(path: str | Path, rows: Iterable[Row]) -> int:
    """Write `rows` (flattening every field); returns how many were written. The file appears
    only once complete (`outputs.replace`): a bad row leaves an earlier file as it was."""
    count = 0
    with outputs.replace(path) as handle:
        for row in rows:
            fields = [flatten(getattr(row, c)) for c in COLUMNS]
            for column, value in zip(COLUMNS[:2], fields[:2], strict=True):
                if not value:
                    raise ValueError(f"{path}: row {count + 1} (id {row.id!r}) has an empty {column}")
            handle.write("\t".join(fields) + "\n")
            count += 1
    return count


def read(path: str | Path, known: Sequence[str] | None = None) -> list[Row]:
    """Every row of a 4-column file, in order. `known` is the set of task keys allowed (default:
    the registry). A line with another number of columns, an empty id or task, or an unknown task
    is an error naming the file and the line. Blank lines hold no row and are skipped."""
    path = Path(path)
    if known is None:
        from .tasks import TASKS

        known = list(TASKS)
    known_set = set(known)
    rows = []
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            fields = line.split("\t")
            if len(fields) == 3:
                fields.append("")  # a row whose empty target lost its trailing tab
            if len(fields) != 4:
                raise FormatError(path, number, f"expected 4 TAB-separated columns {COLUMNS}, "
                                  f"found {len(fields)}")
            row = Row(*(f.strip() for f in fields[:3]), fields[3].strip())
            if not row.id or not row.task:
                raise FormatError(path, number, "empty id or task column")
            if row.task not in known_set:
                raise FormatError(path, number, f"unknown task {row.task!r}; known tasks: "
                                  f"{', '.join(sorted(known_set))}")
            rows.append(row)
    return rows


def counts(rows: Iterable[Row]) -> dict[str, int]:
    """Rows per task, in first-seen order.

    >>> counts([Row("1", "acti_a", "x", ""), Row("2", "acti_b", "y", ""), Row("3", "acti_a", "z", "")])
    {'acti_a': 2, 'acti_b': 1}
    """
    found: dict[str, int] = {}
    for row in rows:
        found[row.task] = found.get(row.task, 0) + 1
    return found
