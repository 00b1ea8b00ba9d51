"""`LabelTask`: what every single-label classification task shares (verbalise, decode,
stratify, macro-F1 and accuracy), so that a task file only says how its files look.

A subclass sets `verbaliser` (label -> word, aliases, fallback) and implements `read`,
`format_input`, `write_submission` and `read_submission`.

>>> from biss_helpers.tasks import get_task
>>> hodi = get_task("hodi_a")
>>> isinstance(hodi, LabelTask), hodi.verbalise(1), hodi.decode("Non omotransfobico.").prediction
(True, 'omotransfobico', 0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import metrics
from .base import Decoded, Example, Task
from .labels import Verbaliser
from .official import first


def label_scores(golds: Sequence, predictions: Sequence, metric: str = "macro_f1") -> dict[str, float]:
    """Macro-F1 and accuracy of single labels, `metric` first. The macro-F1 averages over the classes
    found in the gold or the predictions, as the official scorers do (scikit-learn's ``f1_score``
    without ``labels``, Kaggle's macro-F1): a class in neither is no class, not an F1 of 0.

    >>> label_scores([0, 0, 1, 1], [0, 1, 1, 1])  # ACTI B's classes 2 and 3 are absent: not counted
    {'macro_f1': 0.7333, 'accuracy': 0.75}
    """
    return first(metric, {"macro_f1": metrics.macro_f1(golds, predictions),
                          "accuracy": metrics.accuracy(golds, predictions)})


class LabelTask(Task):
    verbaliser: Verbaliser
    metric = "macro_f1"

    @property
    def fallback(self) -> Any:  # type: ignore[override]
        return self.verbaliser.fallback

    @property
    def labels(self) -> list:
        return list(self.verbaliser.words)

    def verbalise(self, gold: Any) -> str:
        return self.verbaliser.word(gold)

    def read_answer(self, completion: str, example: Example | None = None) -> Decoded:
        return self.verbaliser.decode(completion)

    def stratum(self, example: Example) -> str | None:
        return None if example.gold is None else str(example.gold)

    def measure(self, golds: Sequence, predictions: Sequence) -> dict[str, float]:
        """`label_scores`: macro-F1 over the classes present, and accuracy."""
        return label_scores(golds, predictions, self.metric)
