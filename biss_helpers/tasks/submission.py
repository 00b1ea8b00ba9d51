"""From a model's answers to a task's official submission: the one place where completions in a
4-column predictions file (``id, task, input, completion``) are decoded and written in the official
format, with a count of everything that did not go as planned.

    predictions.tsv --rows of the task--> decode (tolerant; the fallback where nothing parses)
        --> write_submission (official file(s), reference order) --> package (the zip the rules
        ask for, where they do) + SubmissionReport

The command line's ``decode`` is a thin call to `submit`, and so are the notebooks.

Where the official files are absent, the reference may be a 4-column file itself (the rows the
completions answer, e.g. the BISS-2024 ``dev_100.txt``; told by its content, see `four_column`): each
example is then built from its input column (`Task.example_from_text`), completions and reference
rows are paired by position (the same ids in the same order: PoliticIT repeats an author's id on
purpose), and the output is the ``id<TAB>prediction`` file written without a reference.

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
from .archive import package
from .files import FormatError, write_table
from .ids import IdError, align, names


@dataclass
class SubmissionReport:
    """What `submit` did: the rows of the task it decoded, how many completions did not parse
    (each got the task's fallback, counted per fallback value), the answer parts that were not
    found in their input (left out), the rows of other tasks it skipped, the files written (the
    task's zip last, where its rules ask for one: `archive.package`)."""

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
    file(s)) into `output` (a folder, or a file name for one-file tasks). Without a reference, or
    with a 4-column one (`four_column`: its rows of the task, in the same order as the completions),
    an ``id<TAB>prediction`` file. Rows of other tasks are skipped and counted; every row of the
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
                         f"official test or gold file, or the 4-column file of the inputs; --reference "
                         f"on the command line)")
    ids = [row.id for row in mine]
    table = four_column(reference)
    if table is not None:  # a 4-column reference: examples from its inputs, paired by position
        given = _paired(task.name, mine, table, source, names(reference))
        decoded = [task.decode(row.target, task.example_from_text(ref.id, ref.input, where))
                   for row, (ref, where) in zip(mine, given, strict=True)]
        files = [_two_columns(task, ids, [d.prediction for d in decoded], output)]
        return _report(task, rows, mine, decoded, files)
    examples = {}
    if task.decode_needs_example:
        examples = {e.id: e for e in task.read(reference)}
        align(ids, ids, list(examples), names(reference), source)  # one row per example, before decoding
    decoded = [task.decode(row.target, examples.get(row.id)) for row in mine]
    values = [d.prediction for d in decoded]
    try:
        if reference:
            files = task.write_submission(ids, values, reference, output)
            # the zip the rules ask for (WiC-ITA, EMit, ...), beside the files it holds
            zipped = package(task, files, output if folder else Path(output).parent)
            files = [*files, zipped] if zipped else files
        else:
            align(ids, values, list(dict.fromkeys(ids)))  # no id twice
            files = [_two_columns(task, ids, values, output)]
    except IdError as error:  # the predictions' file is named here: the task does not know it
        raise IdError(f"{source}: {error}") from None
    return _report(task, rows, mine, decoded, files)


def _report(task, rows, mine, decoded, files) -> SubmissionReport:
    failed = [(row.id, d) for row, d in zip(mine, decoded, strict=True) if not d.parsed]
    others = Counter(row.task for row in rows if row.task != task.name)
    shown = Counter(_short(task.show(d.prediction)) for _, d in failed)
    return SubmissionReport(
        task.name, len(mine), len(failed), dict(shown),
        [piece for d in decoded for piece in d.unplaced], [i for i, _ in failed], dict(others),
        [Path(f) for f in files])


def _two_columns(task, ids, values, output) -> Path:
    """The ``id<TAB>prediction`` file (predictions shown by `task.show`), rows in the given order."""
    return write_table(output, None, [[i, task.show(v)] for i, v in zip(ids, values, strict=True)],
                       delimiter="\t", quoted=False)


def four_column(reference: Sequence[str | Path] | str | Path | None):
    """The rows of `reference` when it is 4-column file(s), else None (official files, or none).

    A 4-column file is told by its content: `fourcol.read` reads it (every non-blank line has 4
    TAB-separated columns, or 3 when an empty target lost its tab, and a registry task key in the
    2nd). No official file looks so (the tests check every sample and real one): a header line, a
    ``DOCID|t|TEXT`` line, ``token<TAB>tag`` or JSON lines break the rule. Official and 4-column
    files given together are an error.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "dev_100.txt"
    >>> _ = path.write_text("7\\thaspeede\\tChe bella giornata\\tnon_odio\\n", encoding="utf-8")
    >>> four_column(path), four_column(None)
    ([Row(id='7', task='haspeede', input='Che bella giornata', target='non_odio')], None)
    """
    if not reference:
        return None
    paths = [Path(p) for p in ([reference] if isinstance(reference, (str, Path)) else reference)]
    tables = [_four_column_rows(p) for p in paths]
    if all(rows is None for rows in tables):
        return None
    if any(rows is None for rows in tables):
        official = next(p for p, rows in zip(paths, tables, strict=True) if rows is None)
        raise ValueError(f"{names(reference)}: {official} is not a 4-column file (id, task, input, "
                         f"target) like the others: give 4-column files or official ones, not both")
    return [row for rows in tables for row in rows]


def _four_column_rows(path: Path):
    """`fourcol.read`'s rows of `path`, or None where it is no 4-column file: a line with other
    columns or an unknown task, no row at all, missing, a folder, not UTF-8 (the task's own reader
    says what is wrong when it reads the file as an official one)."""
    from .. import fourcol

    try:
        return fourcol.read(path) or None
    except (OSError, FormatError):
        return None


def _paired(task: str, mine, table, source: str, reference: str) -> list[tuple]:
    """Each completion's reference row and where it is (for messages), by position: both files must
    list this task's ids in the same order, else an error naming both and the first differing row."""
    theirs = [(row, n) for n, row in enumerate(table, start=1) if row.task == task]
    if not theirs:
        raise ValueError(f"{reference}: no row of task {task} in the 4-column reference")
    ours, refs = [row.id for row in mine], [row.id for row, _ in theirs]
    if ours != refs:
        k = next((k for k, (a, b) in enumerate(zip(ours, refs, strict=False)) if a != b),
                 min(len(ours), len(refs)))  # the shorter list ends first: the row after its last
        said = [repr(ids[k]) if k < len(ids) else "no row" for ids in (ours, refs)]
        raise IdError(f"{source} and {reference} do not list the same {task} rows in the same order "
                      f"({len(ours)} and {len(refs)} rows): row {k + 1} of {task} is {said[0]} in "
                      f"{source}, {said[1]} in {reference}")
    return [(row, f"{reference}, row {n}") for row, n in theirs]


def _short(text: str, limit: int = 40) -> str:
    # A structured fallback (a tag for every token) is long: its beginning says what it is.
    return text if len(text) <= limit else text[:limit - 3] + "..."
