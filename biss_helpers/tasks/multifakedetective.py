"""MULTI-Fake-DetectiVE task 1: how likely is a news item (tweet or article) to be fake.
Labels: 0 certainly fake, 1 probably fake, 2 probably real, 3 certainly real.

No real file was public: the format is known only from participants' code (ExtremITA's reader, the
Lorediel/Multi-fake-detective dataset class).
Files: ``MULTI-Fake-Detective_Task1_Data.tsv``, TAB separated with a header and CSV quoting (pandas'
default: texts may hold quoted newlines); columns ``Type`` (tweet/article), ``ID``, ``Text`` (may be
empty), ``Media`` (a Python list literal of image names under a ``Media/`` folder), ``Label`` (0-3;
``2.0`` as pandas writes it is read too; absent or empty in a blind file), and whatever else the
release adds (probably a date): extra columns are ignored, column order does not matter.
Repeated IDs: the file holds more than 100. Every row is kept (ExtremITA kept the first only):
the n-th occurrence of an ID becomes ``ID#n`` (``123``, ``123#2``...), a count is printed on stderr,
`group` keeps all occurrences in one split, and submissions write the original ID back on every row.
Submission (ExtremITA's, no official spec seen): ``ID<TAB>label`` (0-3), no header (one is tolerated
when reading), reference order, one file per test set: ``biss.predictions.tsv`` (ExtremITA wrote
``predictions.tsv`` and ``predictions_additional_data.tsv``). Metric: macro-F1 over the 4 classes.

>>> MULTIFAKEDETECTIVE.verbalise(1), MULTIFAKEDETECTIVE.decode("Certamente VERO.").prediction
('probabilmente falso', 3)
>>> unique_ids(["7", "8", "7", "7"])
['7', '8', '7#2', '7#3']
"""

from __future__ import annotations

import ast
import csv
import sys
from collections.abc import Sequence
from pathlib import Path

from .base import TEAM, Decoded, Example, as_paths, find_submission, submission_file
from .classify import LabelTask
from .files import FormatError, open_text, read_table, write_table
from .labels import Verbaliser

LABELS = {0: "certamente falso", 1: "probabilmente falso", 2: "probabilmente vero", 3: "certamente vero"}
# Fallback 2 (probably real): ExtremITA's choice, the most frequent class of the training data.
HEDGED = Verbaliser(LABELS, aliases={
    "certamente falsa": 0, "sicuramente falso": 0, "sicuramente falsa": 0, "certainly fake": 0,
    "probabilmente falsa": 1, "forse falso": 1, "forse falsa": 1, "probably fake": 1,
    "probabilmente vera": 2, "forse vero": 2, "forse vera": 2, "probably real": 2,
    "certamente vera": 3, "sicuramente vero": 3, "sicuramente vera": 3, "certainly real": 3}, fallback=2)
# A bare "falso" / "vero" (no hedge word) is read as the *probable* class of its side: not knowing the
# certainty, the inner class is at most one step from either true one. It is tried only after the
# hedged phrases, so that "certamnte falso" (a typo) is still 0, not 1.
BARE = Verbaliser({1: "falso", 2: "vero"}, aliases={"falsa": 1, "fake": 1, "bufala": 1, "vera": 2,
                                                     "real": 2, "reale": 2, "autentica": 2}, fallback=2)
_REPORTED: set[str] = set()


def unique_ids(ids: Sequence[str], where: str = "ids", report: bool = False) -> list[str]:
    """Each ID as is the first time, ``ID#n`` the n-th time: repeated rows stay distinct. `report`
    prints how many rows repeat an ID (once per `where`) on stderr."""
    seen: dict[str, int] = {}
    keys = []
    for value in ids:
        seen[value] = seen.get(value, 0) + 1
        keys.append(value if seen[value] == 1 else f"{value}#{seen[value]}")
    if len(set(keys)) != len(keys):
        raise FormatError(where, None, "an ID written as ID#n clashes with a repeated ID")
    repeated = len(keys) - len(seen)
    if repeated and report and where not in _REPORTED:  # once per file: score reads the gold again
        _REPORTED.add(where)
        print(f"{where}: {repeated} row(s) repeat an earlier ID; kept as ID#2, ID#3, ...", file=sys.stderr)
    return keys


def _media(row) -> list[str]:
    # Images are not used by the text model: a Media value that is not a list literal is kept as
    # one name rather than making the whole file unreadable.
    value = (row.get("Media") or "").strip()
    try:
        parsed = ast.literal_eval(value) if value else []
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return [value]
    return [str(v) for v in parsed] if isinstance(parsed, (list, tuple)) else [str(parsed)]


def _label(value: str, path, line) -> int | None:
    value = value.strip()
    if not value:
        return None
    # pandas writes "2.0" when a label column has holes
    label = value[:-2] if value.endswith(".0") else value
    if label not in {str(k) for k in LABELS}:
        raise FormatError(path, line, f"unknown Label {value!r}; expected 0, 1, 2 or 3 "
                          f"({', '.join(f'{k} {v}' for k, v in LABELS.items())})")
    return int(label)


class MultiFakeDetective(LabelTask):
    name = "multifakedetective"
    title = "MULTI-Fake-DetectiVE: certainly/probably fake or real news"
    instruction = ("Questa notizia è vera o falsa? Rispondi \"certamente falso\", \"probabilmente falso\", "
                   "\"probabilmente vero\" o \"certamente vero\".")
    official = "MULTI-Fake-Detective_Task1_Data.tsv"
    train_files = ("MULTI-Fake-Detective_Task1_Data.tsv",)
    verbaliser = HEDGED
    sample = {"train": ("multifakedetective/MULTI-Fake-Detective_Task1_Data.tsv",),
              "dev": ("multifakedetective/MULTI-Fake-Detective_Task1_Dev.tsv",),
              "test": ("multifakedetective/MULTI-Fake-Detective_Task1_Test.tsv",),
              "gold": ("multifakedetective/MULTI-Fake-Detective_Task1_Test_gold.tsv",)}

    def read(self, paths) -> list[Example]:
        rows = []
        for path in as_paths(paths):
            found = read_table(path, ["ID"], ["Type", "Text", "Media", "Label"], delimiter="\t")
            if found and "Text" not in found[0]:  # Text may be empty (an image-only tweet), not absent
                raise FormatError(path, 1, "missing column 'Text'")
            rows += found
        where = ", ".join(str(p) for p in as_paths(paths))
        keys = unique_ids([row["ID"].strip() for row in rows], where, report=True)
        return [Example(key, {"text": row["Text"], "type": (row.get("Type") or "").strip(),
                              "media": _media(row)}, _label(row.get("Label") or "", row.path, row.line),
                        row.source, {"ID": row["ID"].strip()}) for key, row in zip(keys, rows, strict=True)]

    def format_input(self, example: Example) -> str:
        return example.fields["text"]

    def read_answer(self, completion: str, example: Example | None = None) -> Decoded:
        decoded = HEDGED.decode(completion)
        return decoded if decoded.parsed else BARE.decode(completion)

    def group(self, example: Example) -> str:
        return example.extra.get("ID", example.id)  # all rows of one ID in the same split

    def write_submission(self, ids, predictions, reference, path) -> list[Path]:
        rows, ordered = self.in_reference_order(ids, predictions, reference)
        target = submission_file(path, f"{TEAM}.predictions.tsv")
        lines = [[e.extra["ID"], int(p)] for e, p in zip(rows, ordered, strict=True)]
        return [write_table(target, None, lines, delimiter="\t")]

    def read_submission(self, path) -> dict[str, int]:
        found = find_submission(path, "*predictions*.tsv")
        ids, labels = [], []
        with open_text(found) as handle:
            reader = csv.reader(handle, delimiter="\t")
            try:
                for record in reader:
                    if not record or record == [""]:
                        continue
                    if len(record) != 2:
                        raise FormatError(found, reader.line_num, f"expected 2 TAB-separated fields "
                                          f"(ID, label), found {len(record)}")
                    if not ids and record[1].strip().lower() == "label":
                        continue  # a header, though ExtremITA writes none
                    labels.append(_label(record[1], found, reader.line_num))
                    if labels[-1] is None:
                        raise FormatError(found, reader.line_num, "empty label")
                    ids.append(record[0].strip())
            except csv.Error as error:
                raise FormatError(found, reader.line_num, f"not valid TSV ({error})") from None
        return dict(zip(unique_ids(ids, str(found)), labels, strict=True))


MULTIFAKEDETECTIVE = MultiFakeDetective()
