"""EmotivITA: dimensional emotion detection.

`emotivita`: rate a sentence for valence (V: unpleasant - pleasant), arousal (A: calm - excited)
and dominance (D: dominated - in control), each a float on a 1-5 scale (observed 1.17 to 5.5).

Files: ``Development set.csv`` (``id,text,V,A,D``; ids 1..8000), blind ``Test set.csv`` (``id,text``
only; ids 8001..10062) and ``Test set - Gold labels.csv``: names with spaces, comma-separated, header,
CRLF, minimal quoting, no final newline in dev and gold. Ids are integers, kept as strings. V, A and
D have up to 2 decimals, without trailing zeros (``5``, ``3.25``), and are all given or all empty
(blind). The official scorer's renamed gold columns ``VE,AE,DE`` are read too.
Submission: ``id,V,A,D`` with a header, values rounded to 2 decimals with a dot, one row per test id
in test-file order, in ``biss_SubtaskB_unconstrained_run1.csv`` (official names
``TeamName_Subtask{A,B}_{constrained,unconstrained}_run{1,2}.csv``; A and B differ only in training,
one dimension at a time or jointly, not in output), zipped as ``biss.zip`` (the guidelines:
TeamName.zip). Metrics: Pearson r per dimension and their mean (main), MAE per dimension. The official
``evaluation.py`` pairs rows *by position* (no id join), so `score` refuses a submission whose ids
are not in the gold file's order.

>>> EMOTIVITA.verbalise((3.25, 2.75, 3.333))
'3.25 2.75 3.33'
>>> EMOTIVITA.decode("3.2 2.7 3.3").prediction, EMOTIVITA.decode("valenza: 4, arousal 2,5, D: 1").prediction
((3.2, 2.7, 3.3), (4.0, 2.5, 1.0))
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from .. import metrics
from .base import TEAM, Archive, Decoded, Example, Task, as_paths, find_submission, submission_file
from .files import FormatError, parse_float, read_table, write_table
from .labels import NUMBER, numbers
from .official import first, mean, paired

DIMENSIONS = ("V", "A", "D")
_NUMBER = rf"({NUMBER})"  # the numbers `labels.numbers` reads: "V: 1e999" is one number, too large
# a dimension named in the answer: Italian or English word, or its letter followed by ':' or '='
_NAMED = [re.compile(rf"\b(?:{words}|{letter}\s*[:=])\s*[:=]?\s*{_NUMBER}") for words, letter in (
    ("valenza|valence", "v"), ("attivazione|arousal|eccitazione", "a"),
    ("dominanza|dominance|controllo", "d"))]
LOW, HIGH = 1.0, 5.5  # the guidelines' scale is 1-5, but gold values reach 5.5


def _value(row, column: str) -> float | None:
    return parse_float(row, column, LOW, HIGH)  # gold and submissions: on the scale, never nan


class Emotivita(Task):
    name = "emotivita"
    title = "EmotivITA: valence, arousal and dominance of a sentence"
    instruction = ("Quanto è piacevole (valenza), intensa (attivazione) e sotto controllo (dominanza) "
                   "l'emozione di questa frase, da 1 a 5? Rispondi con tre numeri nell'ordine V A D, "
                   "ad esempio \"3.25 2.75 3.33\".")
    official = "Development set.csv, Test set.csv, Test set - Gold labels.csv"
    train_files = ("Development set.csv",)
    metric = "pearson_mean"
    archive = Archive(f"{TEAM}.zip")  # the guidelines: up to 2 runs per subtask, zipped as TeamName.zip
    # Fallback: 3.0 on each dimension, the middle of the 1-5 scale; ExtremITA used 3.5. An answer
    # with only some dimensions keeps them and gets 3.0 for the others (still counted unparsed).
    fallback = (3.0, 3.0, 3.0)
    sample = {"train": ("emotivita/Development set.csv",),
              "dev": ("emotivita/Development set - dev split.csv",),
              "test": ("emotivita/Test set.csv",), "gold": ("emotivita/Test set - Gold labels.csv",)}

    def read(self, paths) -> list[Example]:
        examples = []
        for path in as_paths(paths):
            # the official scorer reads a gold file with the columns renamed VE, AE, DE: accept both
            rows = read_table(path, ["id", "text"], [*DIMENSIONS, "VE", "AE", "DE"])
            for row in rows:
                columns = DIMENSIONS if "V" in row or "VE" not in row else ("VE", "AE", "DE")
                missing = [c for c in columns if c not in row]
                if 0 < len(missing) < 3:
                    raise FormatError(path, 1, f"missing column(s) {', '.join(map(repr, missing))}")
                values = [_value(row, c) for c in columns]
                if values.count(None) not in (0, 3):
                    raise FormatError(path, row.line, "V, A and D must be all given or all empty")
                gold = None if values[0] is None else tuple(values)
                examples.append(Example(row["id"].strip(), {"text": row["text"]}, gold, row.source))
        return examples

    def format_input(self, example: Example) -> str:
        return example.fields["text"]

    def verbalise(self, gold: Any) -> str:
        return " ".join(f"{float(v):.2f}" for v in gold)

    def read_answer(self, completion: str, example: Example | None = None) -> Decoded:
        """Named dimensions first (``valenza 3.2 ...``, ``V: 3.2``), else the first three numbers
        (ExtremITA's ``V A D``). A value outside [1, 5.5] is unparsed, never clipped: its
        dimension takes the fallback's."""
        text = unicodedata.normalize("NFKD", str(completion)).encode("ascii", "ignore").decode().lower()
        named = [pattern.search(text) for pattern in _NAMED]
        if any(named):
            found = [numbers(m.group(1))[0] if m else None for m in named]
        else:
            found = (numbers(text) + [None] * 3)[:3]
        values = [v if v is not None and LOW <= v <= HIGH else None for v in found]  # inf too
        prediction = tuple(f if v is None else v for v, f in zip(values, self.fallback, strict=True))
        return Decoded(prediction, None not in values)

    def show(self, prediction: Any) -> str:
        return self.verbalise(prediction)

    def stratum(self, example: Example) -> str | None:
        if example.gold is None:
            return None
        return "low" if example.gold[0] < 2.5 else "mid" if example.gold[0] < 3.5 else "high"

    def write_submission(self, ids, predictions, reference, path) -> list[Path]:
        rows, ordered = self.in_reference_order(ids, predictions, reference)
        lines = []
        for example, value in zip(rows, ordered, strict=True):
            if len(value) != 3 or not all(LOW <= float(v) <= HIGH for v in value):  # nan too
                raise ValueError(f"id {example.id!r}: expected 3 numbers (V, A, D) from {LOW:g} to "
                                 f"{HIGH:g}, got {value!r}")
            lines.append([example.id, *(f"{float(v):.2f}" for v in value)])
        target = submission_file(path, f"{TEAM}_SubtaskB_unconstrained_run1.csv")
        return [write_table(target, ["id", *DIMENSIONS], lines)]

    def read_submission(self, path) -> dict[str, tuple[float, float, float]]:
        found = find_submission(path, "*_Subtask*_run*.csv")
        predicted: dict[str, tuple[float, float, float]] = {}
        for row in read_table(found, ["id", *DIMENSIONS]):
            key = row["id"].strip()
            if key in predicted:
                raise FormatError(found, row.line, f"id {key!r} appears twice")
            predicted[key] = tuple(_value(row, c) for c in DIMENSIONS)
        return predicted

    def pair(self, submission, gold):
        return paired(self, submission, gold, positional=True)  # evaluation.py pairs rows by position

    def measure(self, golds, predictions) -> dict[str, float]:
        """Pearson's r per dimension, their mean (the main metric), and the MAE per dimension.

        >>> scores = EMOTIVITA.measure([(1, 2, 3), (2, 3, 1), (3, 1, 2)], [(1, 2, 3), (2, 3, 1), (3, 1, 2.5)])
        >>> scores["pearson_mean"], scores["pearson_D"], scores["mae_D"], list(scores)[:2]
        (0.9869, 0.9608, 0.1667, ['pearson_mean', 'pearson_V'])
        """
        metrics.check(golds, predictions)
        scores = {f"pearson_{dim}": metrics.pearson([g[k] for g in golds], [p[k] for p in predictions])
                  for k, dim in enumerate(DIMENSIONS)}
        scores["pearson_mean"] = mean([scores[f"pearson_{d}"] for d in DIMENSIONS])
        for k, dim in enumerate(DIMENSIONS):
            scores[f"mae_{dim}"] = metrics.mae([g[k] for g in golds], [p[k] for p in predictions])
        return first(self.metric, scores)


EMOTIVITA = Emotivita()
