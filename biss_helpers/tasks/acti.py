"""ACTI: Automatic Conspiracy Theory Identification (Kaggle).

Subtask A (`acti_a`): is a Telegram comment conspiratorial (1) or not (0)?
Subtask B (`acti_b`): which theory: Covid (0), Qanon (1), Russia (2), Terra Piatta (3)?

Files: ``subtaskA_train.csv`` (``Id,comment_text,conspiratorial``), ``subtaskB_train.csv``
(``Id,comment_text,topic,conspiracy``: ``topic`` is the name of the ``conspiracy`` number, one to one,
and the two must agree), blind tests ``subtask{A,B}_test.csv`` (``Id,comment_text``, no label column).
All are comma separated with a header row, RFC-4180 quoting and LF line ends (a BOM or CRLF is also
accepted); texts hold embedded newlines, emoji and markdown debris, so the files are read as CSV,
never split on lines. Ids are integers from 0, kept as strings; they restart at 0 in every file, so
train and test ids overlap and an id is unique only within its file.
Submission: ``biss_subtaskA.csv`` / ``biss_subtaskB.csv``, header ``Id,Expected``, the integer label
(A 0/1, B 0-3), one row per test id, in test-file order. The Kaggle ``sample_submission_A.csv`` has 462
rows for 460 test ids, so the rows follow the test file, not that sample.
Metric: macro-F1 (Kaggle; no scorer script was released).

>>> task = ACTI_A
>>> [task.verbalise(1), task.decode("Sì, è una cospirazione").prediction]
['cospirazione', 1]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .base import TEAM, Example, as_paths, find_submission, submission_file
from .classify import LabelTask
from .files import FormatError, read_table, write_table
from .labels import Verbaliser

TOPICS = {0: "Covid", 1: "Qanon", 2: "Russia", 3: "Terra Piatta"}


class ActiTask(LabelTask):
    subtask = ""          # "A" or "B"
    label_column = ""     # the official gold column

    def read(self, paths) -> list[Example]:
        examples = []
        for path in as_paths(paths):
            optional = ["conspiratorial"] if self.subtask == "A" else ["topic", "conspiracy"]
            for row in read_table(path, ["Id", "comment_text"], optional):
                examples.append(Example(row["Id"].strip(), {"text": row["comment_text"]},
                                        self._gold(row), row.source))
        return examples

    def _gold(self, row) -> int | None:
        value = (row.get(self.label_column) or "").strip()
        if not value:
            return None
        # compare as text: str.isdigit() accepts "²", which int() then rejects with a bare ValueError
        if value not in map(str, self.verbaliser.words):
            raise FormatError(row.path, row.line, f"unknown {self.label_column} {value!r}; expected "
                              f"one of {', '.join(map(str, self.verbaliser.words))}")
        label = int(value)
        topic = (row.get("topic") or "").strip()
        if topic and topic != TOPICS[label]:
            raise FormatError(row.path, row.line, f"topic {topic!r} disagrees with conspiracy "
                              f"{label} ({TOPICS[label]})")
        return label

    def format_input(self, example: Example) -> str:
        return example.fields["text"]

    def write_submission(self, ids: Sequence[str], predictions: Sequence[Any], reference,
                         path) -> list[Path]:
        rows, ordered = self.in_reference_order(ids, predictions, reference)
        target = submission_file(path, f"{TEAM}_subtask{self.subtask}.csv")
        lines = [[e.id, int(p)] for e, p in zip(rows, ordered, strict=True)]
        return [write_table(target, ["Id", "Expected"], lines)]

    def read_submission(self, path) -> dict[str, int]:
        found = find_submission(path, f"*subtask{self.subtask}*.csv")
        predicted = {}
        for row in read_table(found, ["Id", "Expected"]):
            value, key = row["Expected"].strip(), row["Id"].strip()
            if value not in map(str, self.verbaliser.words):
                raise FormatError(found, row.line, f"Expected {value!r} is not a label of subtask "
                                  f"{self.subtask} ({', '.join(map(str, self.verbaliser.words))})")
            if key in predicted:  # a dict would silently keep only the last one
                raise FormatError(found, row.line, f"Id {key!r} appears twice")
            predicted[key] = int(value)
        return predicted


class ActiA(ActiTask):
    name, subtask, label_column = "acti_a", "A", "conspiratorial"
    title = "ACTI subtask A: conspiratorial or not"
    instruction = ("Questo commento esprime una teoria del complotto? Rispondi \"cospirazione\" o "
                   "\"non_cospirazione\".")
    official = "subtaskA_train.csv, subtaskA_test.csv"
    train_files = ("subtaskA_train.csv",)
    # Fallback 0 (not conspiratorial): the safer error for a content-moderation label.
    verbaliser = Verbaliser({1: "cospirazione", 0: "non_cospirazione"},
                            aliases={"sì": 1, "si": 1, "no": 0, "cospirazionista": 1,
                                     "non cospirazionista": 0, "complotto": 1}, fallback=0)
    sample = {"train": ("acti/subtaskA_train.csv",), "dev": ("acti/subtaskA_dev.csv",),
              "test": ("acti/subtaskA_test.csv",), "gold": ("acti/subtaskA_test_gold.csv",)}


class ActiB(ActiTask):
    name, subtask, label_column = "acti_b", "B", "conspiracy"
    title = "ACTI subtask B: which conspiracy theory"
    instruction = ("Di quale teoria del complotto parla questo commento? Rispondi con una tra "
                   "\"Covid\", \"Qanon\", \"Russia\" e \"Terra Piatta\".")
    official = "subtaskB_train.csv, subtaskB_test.csv"
    train_files = ("subtaskB_train.csv",)
    # Fallback 0 (Covid): the most frequent topic in the official training data (435 of 810).
    verbaliser = Verbaliser(TOPICS, aliases={"terrapiattista": 3, "terrapiattisti": 3, "terrapiatta": 3,
                                             "flat earth": 3, "covid 19": 0, "vaccini": 0,
                                             "q anon": 1, "russo": 2, "ucraina": 2}, fallback=0)
    sample = {"train": ("acti/subtaskB_train.csv",), "dev": ("acti/subtaskB_dev.csv",),
              "test": ("acti/subtaskB_test.csv",), "gold": ("acti/subtaskB_test_gold.csv",)}


ACTI_A, ACTI_B = ActiA(), ActiB()
