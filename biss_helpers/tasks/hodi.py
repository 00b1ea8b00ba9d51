"""HODI: homotransphobia in Italian tweets.

Subtask A (`hodi_a`): is a tweet homotransphobic (1) or not (0)?
Subtask B (`hodi_b`): which characters carry the hate: a list of 0-based positions in the text,
``[]`` for a post that is not homotransphobic.

Files: tab-separated, header ``id<TAB>text<TAB>homotransphobic`` (B: ``rationales``), LF: train
``HODI_2023_train_subtask{A,B}.tsv``, blind test ``HODI_2023_test_subtask{A,B}.csv`` (tab-separated
despite the name; no label column), gold ``HODI_2023_test_GOLD/HODI_2023_test_GOLD.tsv`` (the B
files are known from the guidelines only). A text holding a ``"`` is CSV-quoted (wrapped in quotes,
inner quotes doubled: 367 of the 5,000 training texts), so the files are read as CSV with tabs
(``QUOTE_NONE`` would keep the wrapper quotes), never split on tabs. Ids (``1`` to ``5000`` in train)
are kept as strings. ``rationales`` is a JSON-style list of 0-based character positions
(``[11,12,13]``), ``[]`` or an empty cell for none. The text is kept exactly: B's positions index it.
Submission: ``biss.A.run1`` / ``biss.B.run1`` (the official scorer picks zip members whose lower-cased
name holds ``run`` and ``.a.`` / ``.b.``), tab-separated ``id<TAB>homotransphobic`` (0/1) or
``id<TAB>rationales`` (``[11,12,13]``), rows in reference order, WITH a header line: the guidelines say
no header, but the official scorer (compute_metrics.py) reads the columns by name; both zipped in
``biss.zip`` (the rules: teamName.zip).
Metrics: A macro-F1; B the F1 of predicted against gold positions per post, averaged over posts
(1 where both are empty).

B's target is the hateful spans' text joined by ``[gap]``, or ``nessuna``; decoding finds each span
in the post, in order, so a repeated word is resolved to the right occurrence (`spans`). ExtremITA's
answers read too: ``nan`` is ``nessuna``, and a piece no one span of the post holds (ExtremITA joined
the rationale's words with spaces, dropping the punctuation) is placed as the longest in-order runs
of the post's words (`inorder.InOrder`), each run giving every position from its first word to its
last; words found nowhere are listed in `Decoded.unplaced`.

>>> [HODI_A.verbalise(1), HODI_A.decode("Non omotransfobico.").prediction]
['omotransfobico', 0]
>>> post = Example("9", {"text": "Froci, siete froci e malati"}, [13, 14, 15, 16, 17, 21, 22, 23, 24, 25, 26])
>>> HODI_B.encode(post).target
'froci [gap] malati'
>>> HODI_B.decode("froci [gap] MALATI [gap] cattivi", post)
Decoded(prediction=[13, 14, 15, 16, 17, 21, 22, 23, 24, 25, 26], parsed=True, unplaced=('cattivi',))
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..metrics import check
from .base import (
    TEAM,
    Archive,
    Decoded,
    Example,
    Task,
    as_paths,
    find_submission,
    flatten,
    submission_file,
)
from .classify import LabelTask
from .files import FormatError, Record, open_text, parse_label, read_table, write_table
from .inorder import TextWords
from .labels import Verbaliser, normalise
from .official import mean
from .spans import Locator, after, place, quote, runs

NONE = "nessuna"
NAN = "nan"  # "no rationale" in ExtremITA's tables (what pandas wrote for an empty cell)
_GAP = re.compile(r"\[\s*gap\s*\]", re.I)  # our separator; answer text is never a pattern


class HodiTask(Task):
    """The file layout both subtasks share. A subclass sets `subtask` and `label_column` and says
    how one cell of that column becomes an official value (`parse`) and back (`cell`)."""

    subtask = ""        # "A" or "B": the submission file is TEAM.<subtask>.run1
    label_column = ""   # "homotransphobic" (A); B's files have "rationales"
    archive = Archive(f"{TEAM}.zip")  # the rules: runs zipped as teamName.zip (A and B runs in one)

    def parse(self, row: Record, column: str) -> Any:
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
        with open_text(found) as handle:
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

    def parse(self, row: Record, column: str) -> int | None:
        label = parse_label(row, column, ("0", "1"))
        return None if label is None else int(label)

    def cell(self, prediction: Any) -> str:
        if prediction not in (0, 1):
            raise ValueError(f"prediction {prediction!r} is not a label (0 or 1)")
        return str(int(prediction))


class HodiB(HodiTask):
    name, subtask, label_column = "hodi_b", "B", "rationales"
    title = "HODI subtask B: the characters that carry homotransphobic hate"
    instruction = ("Copia dal tweet le parti che esprimono odio omotransfobico, separate da \"[gap]\". "
                   "Se non ce ne sono, rispondi \"nessuna\".")
    metric = "f1"
    fallback: list[int] = []  # no rationale: a post that is not hateful, the majority
    decode_needs_example = answer_quotes_input = True
    official = "HODI_2023_train_subtaskB.tsv, HODI_2023_test_subtaskB.csv, HODI_2023_test_GOLD.tsv"
    train_files = ("HODI_2023_train_subtaskB.tsv",)
    sample = {"train": ("hodi/HODI_2023_train_subtaskB.tsv",), "dev": ("hodi/HODI_2023_dev_subtaskB.tsv",),
              "test": ("hodi/HODI_2023_test_subtaskB.csv",),
              "gold": ("hodi/HODI_2023_test_GOLD/HODI_2023_test_GOLD.tsv",)}

    def parse(self, row: Record, column: str) -> list[int] | None:
        if column not in row:
            return None  # a blind file
        value = row[column].strip()
        try:  # an empty cell is "no rationale", as ExtremITA reads it
            positions = json.loads(value) if value else []
        except json.JSONDecodeError:
            positions = None
        if not isinstance(positions, list) or not all(type(p) is int and p >= 0 for p in positions):
            raise FormatError(row.path, row.line, f"{column} {value[:40]!r} is not a list of "
                              f"character positions like [11,12,13]")
        if "text" in row and positions and max(positions) >= len(row["text"]):
            raise FormatError(row.path, row.line, f"position {max(positions)} is past the end of "
                              f"the text ({len(row['text'])} characters)")
        return sorted(set(positions))

    def cell(self, prediction: Any) -> str:
        if not isinstance(prediction, list | tuple) or not all(type(p) is int and p >= 0 for p in prediction):
            raise ValueError(f"prediction {prediction!r} is not a list of character positions")
        return json.dumps(sorted(set(prediction)), separators=(",", ":"))

    def target(self, example: Example) -> str:
        text, parts, cursor = example.fields["text"], [], 0
        finder = Locator(text)
        for start, end in runs(example.gold):
            piece = text[start:end]  # the target is flat: spaces at a span's edges cannot be quoted
            start, end = start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip())
            if start < end:
                parts.append(quote(finder, (start, end), after(cursor, text)))
                cursor = end
        return " [gap] ".join(parts) or NONE

    def read_answer(self, completion: str, example: Example | None = None) -> Decoded:
        if example is None:
            raise ValueError("hodi_b answers are placed in the post: pass the example "
                             "(with the CLI: --reference, the test file)")
        if normalise(completion) in (NONE, "nessuno", "nessun", NAN):
            return Decoded([], True)
        text, positions, unplaced, cursor, words = example.fields["text"], set(), [], 0, None
        finder = Locator(text)
        for piece in map(flatten, _GAP.split(str(completion))):
            span = place(finder, piece, after(cursor, text)) if piece else None
            if span:
                positions.update(range(*span))
                cursor = span[1]
            elif piece:  # no one span holds it (ExtremITA's words joined by spaces): runs of words
                words = TextWords(text) if words is None else words
                found, missing = words.place(piece, cursor)
                for covered in found:
                    positions.update(covered)
                    cursor = covered.stop
                unplaced += [part[:60] for part in missing]
        return Decoded(sorted(positions), bool(positions), tuple(unplaced))

    def fallback_for(self, example: Example | None) -> list[int]:
        return []

    def show(self, prediction: Any) -> str:
        return self.cell(prediction)

    def measure(self, golds, predictions) -> dict[str, float]:
        """Per-post F1 (Dice) of the positions, averaged over all posts (1 for a post where gold and
        prediction are both empty), and over the posts with a gold rationale alone (a model that never
        answers scores well on the first only).

        >>> HODI_B.measure([[1, 2, 3, 4], [], []], [[3, 4], [], [7]])
        {'f1': 0.5556, 'f1_on_rationale_posts': 0.6667}
        """
        check(golds, predictions, "rationales")
        f1 = [2 * len(set(g) & set(p)) / (len(g) + len(p)) if g or p else 1.0
              for g, p in zip(golds, predictions, strict=True)]
        hateful = [f for f, g in zip(f1, golds, strict=True) if g]
        return {"f1": mean(f1), "f1_on_rationale_posts": mean(hateful) if hateful else 1.0}


HODI_A = HodiA()
HODI_B = HodiB()
