"""Pairing predictions with the rows of a reference (official test or gold) file by id: one
prediction per reference row, no more, no fewer, whatever order they come in.

Every submission writer and every scorer goes through `align`, so a missing, repeated, null or
unknown id is refused in every task with the same message, naming both files and the first offenders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import Task


class IdError(ValueError):
    """Predictions and reference rows that do not pair up one to one (`align`)."""


def _first(items: Sequence, count: int = 3) -> str:
    return ", ".join(map(repr, items[:count])) + (", ..." if len(items) > count else "")


def align(ids: Sequence[str], predictions: Sequence[Any], reference_ids: Iterable[str],
          what: str = "the reference", source: str = "") -> list[Any]:
    """Predictions in `reference_ids` order. Every reference id needs exactly one prediction and
    every prediction an id of the reference: otherwise an `IdError` naming `source` (the predictions'
    file, if given) and `what` (the reference's) and the first offenders, never a silent drop or pick.

    >>> align(["b", "a"], [2, 1], ["a", "b"])
    [1, 2]
    >>> align(["a", "a", "b"], [1, 1, 2], ["a", "b"], source="pred.tsv")
    Traceback (most recent call last):
    ...
    biss_helpers.tasks.ids.IdError: pred.tsv: 1 ids have more than one prediction: 'a' (2 times)
    """
    at = f"{source}: " if source else ""
    ids = as_ids(ids, predictions, source)
    reference_ids = [str(i) for i in reference_ids]
    for name, values, problem in ((f"{what}: ", reference_ids, "appear more than once"),
                                  (at, ids, "have more than one prediction")):
        repeats = [f"{i!r} ({n} times)" for i, n in Counter(values).items() if n > 1]
        if repeats:
            raise IdError(f"{name}{len(repeats)} ids {problem}: {', '.join(repeats[:3])}"
                          + (", ..." if len(repeats) > 3 else ""))
    by_id = dict(zip(ids, predictions, strict=True))
    missing = [i for i in reference_ids if i not in by_id]
    if missing:
        raise IdError(f"{at}{len(missing)} of the {len(reference_ids)} ids of {what} have no "
                      f"prediction: {_first(missing)}")
    known = set(reference_ids)
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise IdError(f"{at}{len(unknown)} predicted ids are not in {what}: {_first(unknown)}")
    return [by_id[i] for i in reference_ids]


def as_ids(ids: Sequence, predictions: Sequence, source: str = "") -> list[str]:
    """`ids` as strings, after checking that there is one per prediction and none is null or empty
    (a null would otherwise become the id "None")."""
    at = f"{source}: " if source else ""
    if len(ids) != len(predictions):
        raise IdError(f"{at}{len(ids)} ids but {len(predictions)} predictions")
    empty = [n for n, i in enumerate(ids, start=1) if i is None or not str(i).strip()]
    if empty:
        raise IdError(f"{at}{len(empty)} predictions have an empty or null id (first: row {empty[0]})")
    return [str(i) for i in ids]


def names(paths: Sequence[str | Path] | str | Path) -> str:
    """The file name(s) of `paths`, for messages.

    >>> names(["data/a.tsv", "data/b.tsv"])
    'data/a.tsv, data/b.tsv'
    """
    return ", ".join(map(str, [paths] if isinstance(paths, (str, Path)) else paths))


def gold_pairs(task: Task, submission: str | Path, gold: Sequence[str | Path] | str | Path,
               examples: Sequence | None = None, positional: bool = False):
    """(gold values, predicted values) in gold-file order, for `score`. Every gold example (of
    `examples` if given, else read from `gold`) must have a gold value and a prediction. `positional`:
    the official scorer pairs rows by position, so the submission's rows must be in gold order too
    (a reordered file would be scored against the wrong gold there: an error here, not a realignment)."""
    examples = task.read(gold) if examples is None else examples
    unlabelled = [e for e in examples if e.gold is None]
    if unlabelled:
        raise ValueError(f"{unlabelled[0].source}: the gold file has no gold value for id "
                         f"{unlabelled[0].id!r}")
    predicted = task.read_submission(submission)
    ids = [e.id for e in examples]
    values = align(list(predicted), list(predicted.values()), ids, names(gold), str(submission))
    order = list(predicted)
    if positional and order != ids:  # the same ids (align checked), in another order
        at = next(i for i, (a, b) in enumerate(zip(order, ids, strict=True)) if a != b)
        raise ValueError(f"{submission}: submission row {at + 2} has id {order[at]!r} where the gold file "
                         f"has {ids[at]!r}: the official scorer pairs rows by position, so write them in "
                         f"the gold file's order ({names(gold)})")
    return [e.gold for e in examples], values
