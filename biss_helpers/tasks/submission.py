"""From a model's answers to a task's official submission: the one place where completions in a
4-column predictions file (``id, task, input, completion``) are decoded and written in the official
format, with a count of everything that did not go as planned.

    predictions.tsv --rows of the task--> decode (tolerant; the fallback where nothing parses)
        --> write_submission (official file(s), reference order) + SubmissionReport

The command line's ``decode`` is a thin call to `submit`, and so are the notebooks.

>>> import tempfile
>>> from biss_helpers import fourcol
>>> from biss_helpers.tasks import get_task
>>> gold = get_task("acti_b").sample_paths("gold")
>>> rows = [fourcol.Row(e.id, "acti_b", "", "Qanon") for e in get_task("acti_b").read(gold)]
>>> report = submit("acti_b", rows[:-1] + [fourcol.Row(rows[-1].id, "acti_b", "", "boh")], gold,
...                 tempfile.mkdtemp())
>>> report.rows, report.unparsed, report.fallbacks, [path.name for path in report.files]
(16, 1, {'0': 1}, ['biss_subtaskB.csv'])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import outputs
from . import get_task
from .files import write_table
from .ids import IdError, align, names


@dataclass
class SubmissionReport:
    """What `submit` did: the rows of the task it decoded, how many completions did not parse
    (each got the task's fallback, counted per fallback value), the answer parts that were not
    found in their input (left out), the rows of other tasks it skipped, the files written."""

    task: str
    rows: int
    unparsed: int
    fallbacks: dict[str, int] = field(default_factory=dict)   # fallback shown -> rows that got it
    unplaced: list[str] = field(default_factory=list)          # answer parts not in their input
    unparsed_ids: list[str] = field(default_factory=list)
    other_tasks: dict[str, int] = field(default_factory=dict)  # task -> rows skipped
    files: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        text = (f"{self.task}: {self.rows} completions, {self.unparsed} did not parse"
                + (f" (fallback {', '.join(f'{k!r} x{n}' for k, n in self.fallbacks.items())})"
                   if self.fallbacks else "")
                + f" -> {', '.join(map(str, self.files))}")
        if self.unplaced:
            text += (f"\n{self.task}: {len(self.unplaced)} answer parts are not in their input and "
                     f"were left out (first: {self.unplaced[0]!r})")
        if self.other_tasks:
            text += (f"\n{sum(self.other_tasks.values())} rows of other tasks skipped "
                     f"({', '.join(self.other_tasks)})")
        return text


def submit(task_name: str, predictions, reference: Sequence[str | Path] | str | Path | None,
           output: str | Path) -> SubmissionReport:
    """Decode the completions of task `task_name` in `predictions` (a 4-column file, or its rows)
    and write the official submission for the rows of `reference` (the official test or gold
    file(s)) into `output` (a folder, or a file name for one-file tasks). Without a reference, an
    ``id<TAB>prediction`` file. Rows of other tasks are skipped and counted; every row of the
    reference needs exactly one completion (an error names the first one missing or unknown)."""
    from .. import fourcol

    task = get_task(task_name)
    source = str(predictions) if isinstance(predictions, (str, Path)) else "the predictions"
    # the output is checked before any work: a bad --output must not cost a decoding run
    folder = Path(output).is_dir() or not Path(output).suffix
    (outputs.check_folder if folder else outputs.check_file)(output)
    rows = fourcol.read(predictions) if isinstance(predictions, (str, Path)) else list(predictions)
    mine = [row for row in rows if row.task == task.name]
    if not mine:
        raise ValueError(f"{source}: no row of task {task.name}")
    if task.decode_needs_example and not reference:
        raise ValueError(f"{task.name} answers are placed in their input: give the reference (the "
                         f"official test or gold file, --reference on the command line)")
    ids = [row.id for row in mine]
    examples = {}
    if task.decode_needs_example:
        examples = {e.id: e for e in task.read(reference)}
        align(ids, ids, list(examples), names(reference), source)  # one row per example, before decoding
    decoded = [task.decode(row.target, examples.get(row.id)) for row in mine]
    values = [d.prediction for d in decoded]
    try:
        if reference:
            files = task.write_submission(ids, values, reference, output)
        else:
            align(ids, values, list(dict.fromkeys(ids)))  # no id twice
            files = [write_table(output, None, [[i, task.show(v)] for i, v in zip(ids, values, strict=True)],
                                 delimiter="\t", quoted=False)]
    except IdError as error:  # the predictions' file is named here: the task does not know it
        raise IdError(f"{source}: {error}") from None
    failed = [(row.id, d) for row, d in zip(mine, decoded, strict=True) if not d.parsed]
    others = Counter(row.task for row in rows if row.task != task.name)
    shown = Counter(_short(task.show(d.prediction)) for _, d in failed)
    return SubmissionReport(
        task.name, len(mine), len(failed), dict(shown),
        [piece for d in decoded for piece in d.unplaced], [i for i, _ in failed], dict(others),
        [Path(f) for f in files])


def _short(text: str, limit: int = 40) -> str:
    # A structured fallback (a tag for every token) is long: its beginning says what it is.
    return text if len(text) <= limit else text[:limit - 3] + "..."
