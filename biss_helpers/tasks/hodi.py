"""HODI: homotransphobia in Italian tweets (FORMATS.md section 8).

Subtask A (`hodi_a`): is a tweet homotransphobic (1) or not (0)?
Subtask B (rationales as lists of character positions) belongs in this file too, as a second
`HodiTask` subclass: the files share the layout below, only the label column changes.

Files: tab-separated, header ``id<TAB>text<TAB>homotransphobic``, LF: train
``HODI_2023_train_subtaskA.tsv``, blind test ``HODI_2023_test_subtaskA.csv`` (tab-separated despite
its name; no label column), gold ``HODI_2023_test_GOLD/HODI_2023_test_GOLD.tsv``. A text holding
a ``"`` is CSV-quoted (wrapped in quotes, inner quotes doubled), so the files are read as CSV with
tabs, never split on tabs. Ids are strings.
Submission: ``TEAM.A.run1``, tab-separated ``id<TAB>homotransphobic`` (0/1) WITH a header line: the
guidelines say no header, but the official scorer (compute_metrics.py) reads the columns by name.
Metric: macro-F1.

>>> [HODI_A.verbalise(1), HODI_A.decode("Non omotransfobico.").prediction]
['omotransfobico', 0]
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .base import TEAM, Example, Task, as_paths, find_submission, submission_file
from .classify import LabelTask
from .files import FormatError, Row, parse_label, read_table, write_table
from .labels import Verbaliser


class HodiTask(Task):
    """The file layout both subtasks share. A subclass sets `subtask` and `label_column` and says
    how one cell of that column becomes an official value (`parse`) and back (`cell`)."""

    subtask = ""        # "A" or "B": the submission file is TEAM.<subtask>.run1
    label_column = ""   # "homotransphobic" (A); B's files have "rationales"

    def parse(self, row: Row, column: str) -> Any:
        """The official value in `row[column]` (None when empty: a blind file); FormatError if bad."""
        raise NotImplementedError

    def cell(self, prediction: Any) -> str:
        """An official value as the submission file writes it."""
        raise NotImplementedError

    def read(self, paths) -> list[Example]:
        examples = []
        for path in as_paths(paths):
            for row in read_table(path, ["id", "text"], [self.label_column], delimiter="\t"):
                # the raw text: subtask B's character positions index it, so nothing is stripped
                examples.append(Example(row["id"].strip(), {"text": row["text"]},
                                        self.parse(row, self.label_column), row.source))
        return examples

    def format_input(self, example: Example) -> str:
        return example.fields["text"]

    def write_submission(self, ids: Sequence[str], predictions: Sequence[Any], reference,
                         path) -> list[Path]:
        rows, ordered = self.in_reference_order(ids, predictions, reference)
        target = submission_file(path, f"{TEAM}.{self.subtask}.run1")
        return [write_table(target, ["id", self.label_column],
                            [[e.id, self.cell(p)] for e, p in zip(rows, ordered, strict=True)],
                            delimiter="\t")]

    def read_submission(self, path) -> dict[str, Any]:
        # the scorer picks zip members whose lower-cased name holds "run" and ".a." / ".b."
        letter = f"[{self.subtask}{self.subtask.lower()}]"
        found = find_submission(path, f"*.{letter}.run*")
        with found.open(encoding="utf-8-sig", newline="") as handle:
            header = [h.strip() for h in next(csv.reader(handle, delimiter="\t"), [])]
        if header[:1] != ["id"]:
            raise FormatError(found, 1, f"no header line 'id<TAB>{self.label_column}' (found {header}): "
                              f"the guidelines allow none, but the official scorer needs it")
        predicted = {}
        for row in read_table(found, ["id", self.label_column], delimiter="\t"):
            key = row["id"].strip()
            if key in predicted:  # a dict would silently keep only the last one
                raise FormatError(found, row.line, f"id {key!r} appears twice")
            predicted[key] = self.parse(row, self.label_column)
        return predicted


class HodiA(HodiTask, LabelTask):
    name, subtask, label_column = "hodi_a", "A", "homotransphobic"
    title = "HODI subtask A: homotransphobic or not"
    instruction = ("Questo tweet è omotransfobico? Rispondi \"omotransfobico\" o \"non_omotransfobico\".")
    official = "HODI_2023_train_subtaskA.tsv, HODI_2023_test_subtaskA.csv, HODI_2023_test_GOLD.tsv"
    train_files = ("HODI_2023_train_subtaskA.tsv",)
    # Fallback 0 (not homotransphobic): the majority class of the official training data (2,992 of
    # 5,000). The "non ..." aliases are longer than their positive twins, so they win.
    verbaliser = Verbaliser({1: "omotransfobico", 0: "non_omotransfobico"},
                            aliases={"sì": 1, "si": 1, "no": 0, "omotransfobia": 1, "omofobico": 1,
                                     "omofobo": 1, "transfobico": 1, "non omofobico": 0, "non omofobo": 0,
                                     "non transfobico": 0, "non è omotransfobico": 0, "nn omotransfobico": 0,
                                     "homotransphobic": 1, "not homotransphobic": 0}, fallback=0)
    sample = {"train": ("hodi/HODI_2023_train_subtaskA.tsv",), "dev": ("hodi/HODI_2023_dev_subtaskA.tsv",),
              "test": ("hodi/HODI_2023_test_subtaskA.csv",),
              "gold": ("hodi/HODI_2023_test_GOLD/HODI_2023_test_GOLD.tsv",)}

    def parse(self, row: Row, column: str) -> int | None:
        label = parse_label(row, column, ("0", "1"))
        return None if label is None else int(label)

    def cell(self, prediction: Any) -> str:
        if prediction not in (0, 1):
            raise ValueError(f"prediction {prediction!r} is not a label (0 or 1)")
        return str(int(prediction))


HODI_A = HodiA()
