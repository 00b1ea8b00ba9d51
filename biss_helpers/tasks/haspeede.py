"""HaSpeeDe3: hate speech in Italian tweets, political and religious.

`haspeede`: is a tweet hateful (1) or not (0)? One task covers the textual track: task A and the
cross-domain task B (XPoliticalHate, XReligiousHate) differ only in which test tweets they score.

Files: textual CSVs with a header ``anonymized_tweet_id,anonymized_text,label,dataset``
(``development/training_textual.csv``, ``gold/test_textual_gold.csv``; the blind ``test_textual.csv``,
not seen, lacks ``label``): comma separated, every field quoted (RFC-4180), CRLF row ends, LF newlines
inside tweets (2,760 of the 5,600 training ones), so the files are read as CSV, never split on lines.
Ids are 15-digit numbers, kept as strings. ``dataset`` is ``training_politics``, or in the gold file
``test_politics`` (1,400 rows) and ``test_religious`` (3,000 rows). A contextual file
(``test_contextual.csv``: 15 columns, ids, ``dataset`` and user/tweet metadata, some empty, no tweet
text) cannot be read as examples but is a valid `reference` for `write_submission`.
Submission: ``anonymized_tweet_id,label`` CSVs (comma separated, header, label 0/1), in a folder,
one per (sub)task and named after the dataset of the reference rows: test_politics ->
``biss_taskA_textual_run_1.csv`` and ``biss_taskB_XPoliticalHate_run_1.csv`` (the same 1,400 rows),
test_religious -> ``biss_taskB_XReligiousHate_run_1.csv`` (the 3,000 rows); any other dataset (the
training rows) -> ``biss_<dataset>_run_1.csv``.
Metric: macro-F1 over the two classes, per submission file (``macro_f1_taskA_textual``, ...) and
over every tweet scored (``macro_f1``); `official.score_files` gives each dataset with its file(s).

>>> [HASPEEDE.verbalise(1)] + [HASPEEDE.decode(text).prediction for text in ("Sì, è odio.", "non è odio")]
['odio', 1, 0]
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .archive import unzipped
from .base import TEAM, Example, as_paths
from .classify import LabelTask
from .files import FormatError, Record, open_text, parse_label, read_table, write_table
from .ids import IdError, align, names
from .labels import Verbaliser

ID, TEXT = "anonymized_tweet_id", "anonymized_text"
HEADER = [ID, "label"]
# dataset of the reference rows -> the official submission files that hold them
FILES = {"test_politics": ("taskA_textual", "taskB_XPoliticalHate"),
         "test_religious": ("taskB_XReligiousHate",)}
PARTS = re.compile(r"taskA_textual|taskA_contextual|taskB_XPoliticalHate|taskB_XReligiousHate")
DATASET = re.compile(r"[A-Za-z0-9_]+")  # it becomes part of a file name


def _header(path: Path) -> list[str]:
    with open_text(path) as handle:
        return [h.strip() for h in next(csv.reader(handle), [])]


def _table(path: Path, required: Sequence[str], optional: Sequence[str] = ()) -> list[Record]:
    try:
        return read_table(path, required, optional)
    except csv.Error as error:
        # read_table reports bad records itself, but not a bad header: quoted names split by
        # ";" (the files quote every field) fail before its first record
        raise FormatError(path, 1, f"not valid CSV ({error}); the header should be "
                          f"{','.join(required)} separated by commas: wrong delimiter?") from None


def _dataset(row: Record) -> str:
    value = row["dataset"].strip()
    if not DATASET.fullmatch(value):
        raise FormatError(row.path, row.line, f"dataset {value!r} is not a dataset name (e.g. test_politics)")
    return value


class HaSpeeDe(LabelTask):
    name = "haspeede"
    title = "HaSpeeDe3: hate speech in political and religious tweets (textual)"
    instruction = ("Questo tweet contiene discorsi d'odio? Rispondi \"odio\" o \"non_odio\".")
    official = "training_textual.csv, test_textual.csv, test_textual_gold.csv, test_contextual.csv"
    train_files = ("training_textual.csv",)
    # Fallback 0 (not hateful): the majority class in training (3,456 of 5,600) and in the
    # religious test set; "non è odio" and friends are aliases so that "odio" alone does not win.
    verbaliser = Verbaliser({1: "odio", 0: "non_odio"},
                            aliases={"sì": 1, "si": 1, "no": 0, "hate": 1, "not hate": 0, "hateful": 1,
                                     "non hateful": 0, "odioso": 1, "non odioso": 0, "non è odio": 0,
                                     "non c'è odio": 0, "nessun odio": 0, "nn odio": 0,
                                     "non contiene odio": 0, "incitamento all'odio": 1,
                                     "discorso d'odio": 1}, fallback=0)
    sample = {"train": ("haspeede/training_textual.csv",), "dev": ("haspeede/dev_textual.csv",),
              "test": ("haspeede/test_textual.csv",), "gold": ("haspeede/test_textual_gold.csv",)}

    def read(self, paths) -> list[Example]:
        examples = []
        for path in as_paths(paths):
            header = _header(path)
            if TEXT not in header and {"created_at", "anonymized_user_id"} & set(header):
                raise FormatError(path, 1, f"a contextual file: it has no tweet text ({TEXT!r} "
                                  f"column), so there is nothing to encode; read the textual file, or "
                                  f"pass this one as the reference of write_submission")
            for row in _table(path, [ID, TEXT, "dataset"], ["label"]):
                label = parse_label(row, "label", ("0", "1"))
                examples.append(Example(row[ID].strip(), {"text": row[TEXT]},
                                        None if label is None else int(label), row.source,
                                        {"dataset": _dataset(row)}))
        return examples

    def format_input(self, example: Example) -> str:
        return example.fields["text"]

    def write_submission(self, ids: Sequence[str], predictions: Sequence[Any], reference,
                         path) -> list[Path]:
        # ids and dataset only: textual (blind or gold) and contextual files all have them
        rows = [(row[ID].strip(), _dataset(row)) for file in as_paths(reference)
                for row in _table(file, [ID, "dataset"])]
        ordered = align(ids, predictions, [i for i, _ in rows], names(reference))
        folder = Path(path)
        if folder.is_file():
            raise ValueError(f"{folder}: HaSpeeDe3 writes one file per sub-task, give a folder")
        by_dataset: dict[str, list[list]] = {}
        for (i, dataset), p in zip(rows, ordered, strict=True):
            if p not in (0, 1):
                raise ValueError(f"prediction {p!r} for id {i!r} is not a label (0 or 1)")
            by_dataset.setdefault(dataset, []).append([i, int(p)])
        folder.mkdir(parents=True, exist_ok=True)
        return [write_table(folder / f"{TEAM}_{part}_run_1.csv", HEADER, lines)
                for dataset, lines in sorted(by_dataset.items()) for part in FILES.get(dataset, (dataset,))]

    def runs(self, path) -> dict[Path, dict[str, int]]:
        """file -> {id: label}: `path` itself, or every ``*run*.csv`` of folder `path`."""
        path = Path(path)
        files = [path] if path.is_file() else sorted(path.glob("*run*.csv")) if path.is_dir() else []
        if not files:
            raise FileNotFoundError(f"{path}: no HaSpeeDe3 submission file (*run*.csv)")
        found = {}
        for file in files:
            labels: dict[str, int] = {}
            for row in _table(file, HEADER):
                key = row[ID].strip()
                if key in labels:
                    raise FormatError(file, row.line, f"{ID} {key!r} appears twice")
                labels[key] = int(parse_label(row, "label", ("0", "1")))
            found[file] = labels
        return found

    def read_submission(self, path) -> dict[str, int]:
        predicted: dict[str, int] = {}
        for labels in self.runs(path).values():
            for key, value in labels.items():
                # task A and XPoliticalHate hold the same tweets: the first file by name (task A) wins
                predicted.setdefault(key, value)
        return predicted

    def _files(self, submission, gold) -> tuple[list[Example], list[tuple[Path, list[str], list, list]]]:
        """The gold examples, and (file, datasets, gold rows, predictions) of each submission file. A
        file must hold every gold tweet of the dataset(s) it touches; the datasets no file touches are
        not scored (a task A run alone scores the political tweets)."""
        examples = self.read(gold)
        unlabelled = next((e for e in examples if e.gold is None), None)
        if unlabelled:
            raise ValueError(f"{unlabelled.source}: the gold file has no label for id {unlabelled.id!r}")
        by_id, found = {e.id: e for e in examples}, []
        for file, labels in self.runs(submission).items():
            unknown = [i for i in labels if i not in by_id]
            if unknown:
                raise IdError(f"{file}: {len(unknown)} predicted ids are not in {names(gold)}: "
                              f"{unknown[0]!r}")
            datasets = sorted({by_id[i].extra["dataset"] for i in labels})
            rows = [e for e in examples if e.extra["dataset"] in datasets]
            values = align(list(labels), list(labels.values()), [e.id for e in rows],
                           f"the {'+'.join(datasets)} rows of {names(gold)}", str(file))
            found.append((file, datasets, rows, values))
        return examples, found

    def pair(self, submission, gold):
        """Every gold tweet of the datasets the submission files touch, once, in gold order; the part is
        its dataset."""
        return _every_tweet(*self._files(submission, gold), self.part)

    def part(self, example: Example) -> str:
        return example.extra["dataset"]  # test_politics, test_religious

    def report_parts(self, submission, gold) -> dict[str, tuple[list, list]]:
        """The official results: each dataset with the submission file(s) that hold it, e.g.
        ``test_politics (taskA_textual, taskB_XPoliticalHate)``; files of one dataset with different
        labels are parts of their own (`official.score_files`)."""
        groups: dict[tuple, list] = {}
        for file, datasets, rows, values in self._files(submission, gold)[1]:
            groups.setdefault(("+".join(datasets), tuple(values)), [rows, values, []])[2].append(_part(file))
        return {f"{datasets} ({', '.join(parts)})": ([e.gold for e in rows], values)
                for (datasets, _), (rows, values, parts) in groups.items()}

    def score(self, submission, gold) -> dict[str, float]:
        """`measure` over every tweet scored (`pair`), then the macro-F1 of each submission file
        (``macro_f1_taskA_textual``, ...)."""
        with unzipped(submission) as found:
            examples, files = self._files(found, gold)  # read once, for both kinds of score
            scores = self.measure(*_every_tweet(examples, files, self.part)[:2])
            for file, datasets, rows, values in files:
                part = PARTS.search(file.name)
                key = f"macro_f1_{part.group() if part else '+'.join(datasets)}"
                scores[key if key not in scores else f"macro_f1_{file.stem}"] = self.measure(
                    [e.gold for e in rows], values)["macro_f1"]
        return scores


def _every_tweet(examples, files, part) -> tuple[list, list, list[str]]:
    """(gold labels, predictions, parts) of every gold tweet some file holds, once, in gold order."""
    predicted: dict[str, int] = {}
    for _, _, rows, values in files:  # a tweet in two files: the first file's label (task A's)
        for example, value in zip(rows, values, strict=True):
            predicted.setdefault(example.id, value)
    scored = [e for e in examples if e.id in predicted]
    return [e.gold for e in scored], [predicted[e.id] for e in scored], [part(e) for e in scored]


def _part(file: Path) -> str:
    """The official (sub)task of a submission file, from its name (else the name itself)."""
    found = PARTS.search(file.name)
    return found.group() if found else file.stem


HASPEEDE = HaSpeeDe()
