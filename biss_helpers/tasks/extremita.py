"""ExtremITA's 4-column rows (the public BISS-2024 tutorial files ``train_100.txt``, ``dev_100.txt``)
in this course's verbalisation: the same id, task and input, the target said in the course's words.

ExtremITA's targets mean what the course's do, in other words: ``nan`` for "no entity", several
NERMuD mentions after one tag, HODI B rationale words joined by spaces, ``Coerente``, ``donna sinitra
centrosinitra``, ``affare differente``. Each row's target is read by its task's tolerant decoder
(`Task.decode`) against the example built from the row's input (`Task.example_from_text`); a target
that parses with every part placed is written again by the task's own `Task.target`, and must decode
back to the same prediction. Any other row is not converted and is listed (id, where, why): rows in
= rows converted + rows listed, per task, always.

>>> from biss_helpers.fourcol import Row
>>> rows = [Row("7", "nermud", "Ferri e Neri a Trento", "[PER] Ferri Neri [LOC] Trento"),
...         Row("8", "hodi_b", "Froci, siete malati!", "Froci siete malati"),
...         Row("9", "discotex_1", "Tre frasi. [SEP] Una frase.", "Coerente"),
...         Row("10", "nermud", "Roma e Milano", "[LOC] Zurigo")]
>>> result = convert(rows)
>>> [row.target for row in result.rows]
['[PER] Ferri [PER] Neri [LOC] Trento', 'Froci, siete malati', 'coerente']
>>> print(result.summary())
nermud: 1 of 2 converted; not converted: 10 (row 4: unplaced '[LOC] Zurigo')
hodi_b: 1 of 1 converted
discotex_1: 1 of 1 converted
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..fourcol import Row
from . import get_task
from .files import open_text

SHOWN = 10  # rows not converted that `summary` names per task (the report holds them all)


@dataclass(frozen=True)
class NotConverted:
    """A row left as it was: where it is (``line N`` of the file read, or ``row N`` of the rows
    given) and why."""

    row: Row
    where: str
    why: str


@dataclass
class TaskCount:
    rows: int = 0
    converted: int = 0
    not_converted: list[NotConverted] = field(default_factory=list)


@dataclass
class Conversion:
    """The converted rows (input order) and, per task in first-seen order, what happened; `source`
    is the file read ("" for rows given)."""

    rows: list[Row]
    tasks: dict[str, TaskCount]
    source: str = ""

    @property
    def not_converted(self) -> list[NotConverted]:
        return [miss for count in self.tasks.values() for miss in count.not_converted]

    def summary(self) -> str:
        """One line per task: ``nermud: 98 of 100 converted; not converted: train_17 (row 18: ...)``."""
        lines = []
        for name, count in self.tasks.items():
            line = f"{name}: {count.converted} of {count.rows} converted"
            misses = count.not_converted
            if misses:
                line += "; not converted: " + ", ".join(f"{m.row.id} ({m.where}: {m.why})"
                                                        for m in misses[:SHOWN])
                line += f", and {len(misses) - SHOWN} more" if len(misses) > SHOWN else ""
            lines.append(line)
        return "\n".join(lines)


def convert(rows: Iterable[Row] | str | Path) -> Conversion:
    """Every row (or every row of a 4-column file, read by `fourcol.read`) converted to the course's
    verbalisation where its target parses with nothing unplaced; the others listed, never dropped."""
    from .. import fourcol

    source = str(rows) if isinstance(rows, (str, Path)) else ""
    if source:  # the tutorial's files CSV-quote a field that holds a quote: read without the quoting
        rows = [Row(r.id, r.task, unquote(r.input), unquote(r.target)) for r in fourcol.read(source)]
        places = [f"line {n}" for n in _row_lines(source)]
    else:
        rows = list(rows)
        places = [f"row {n}" for n in range(1, len(rows) + 1)]
    converted, tasks = [], {}
    for row, where in zip(rows, places, strict=True):
        count = tasks.setdefault(row.task, TaskCount())
        count.rows += 1
        done = convert_row(row, f"{source}, {where}" if source else where)
        if isinstance(done, Row):
            converted.append(done)
            count.converted += 1
        else:
            count.not_converted.append(NotConverted(row, where, done))
    return Conversion(converted, tasks, source)


def unquote(text: str) -> str:
    """A field as the tutorial's files write one that holds a quote (pandas: wrapped in quotes, each
    inner quote doubled), without that quoting; any other field unchanged.

    >>> unquote('"Dai ai ""mammi"" gay"'), unquote('"uno" e "due"'), unquote('nessuna')
    ('Dai ai "mammi" gay', '"uno" e "due"', 'nessuna')
    """
    inner = text[1:-1]
    if len(text) >= 2 and text[0] == text[-1] == '"' and '"' not in inner.replace('""', ""):
        return inner.replace('""', '"')
    return text


def convert_row(row: Row, where: str = "") -> Row | str:
    """`row` with its target in the course's words, or why it cannot be converted.

    >>> convert_row(Row("3", "hodi_b", "Sei un frocio.", "nan"))
    Row(id='3', task='hodi_b', input='Sei un frocio.', target='nessuna')
    >>> convert_row(Row("4", "acti_a", "Il vaccino ci controlla", "boh"))
    "unparsed 'boh'"
    """
    try:
        task = get_task(row.task)
    except KeyError as error:
        return str(error.args[0])
    example = task.example_from_text(row.id, row.input, where)
    decoded = task.decode(row.target, example)
    if not decoded.parsed:
        return f"unparsed {row.target[:60]!r}" if row.target.strip() else "unparsed: empty target"
    if decoded.unplaced:
        return "unplaced " + ", ".join(map(repr, decoded.unplaced))
    try:
        target = task.target(replace(example, gold=decoded.prediction))
    except ValueError as error:  # a prediction the course cannot say: named, not raised
        return f"cannot be re-encoded ({error})"
    again = task.decode(target, example)
    if not again.parsed or again.unplaced or again.prediction != decoded.prediction:
        return f"re-encoded as {target[:60]!r}, which does not decode back to the same prediction"
    return Row(row.id, row.task, row.input, target)


def _row_lines(path: str | Path) -> list[int]:
    """The line number of each row `fourcol.read` gives: its non-blank lines."""
    with open_text(path) as handle:
        return [n for n, line in enumerate(handle, start=1) if line.strip()]
