"""`LabelTask`: what every single-label classification task shares (verbalise, decode,
stratify, macro-F1), so that a task file only says how its files look.

A subclass sets `verbaliser` (label -> word, aliases, fallback) and implements `read`,
`format_input`, `write_submission` and `read_submission`.

>>> from biss_helpers.tasks import get_task
>>> hodi = get_task("hodi_a")
>>> isinstance(hodi, LabelTask), hodi.verbalise(1), hodi.decode("Non omotransfobico.").prediction
(True, 'omotransfobico', 0)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import metrics
from .base import Decoded, Example, Task
from .ids import gold_pairs
from .labels import Verbaliser


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

    def score(self, submission: str | Path, gold: Sequence[str | Path] | str | Path) -> dict[str, float]:
        golds, predicted = gold_pairs(self, submission, gold)
        return {"macro_f1": metrics.macro_f1(golds, predicted, labels=self.labels),
                "accuracy": metrics.accuracy(golds, predicted)}
