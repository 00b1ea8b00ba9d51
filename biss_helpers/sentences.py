"""Labelled sentences for classification: read and check files, split, and the datasets of Lab 1.

A dataset is a folder with ``train``, ``dev`` and ``test`` files (``.tsv`` or ``.csv``, a header
line naming at least a text and a label column), the bundled Italian sample ``topics_it``, or a
public hub dataset from `HUB_DATASETS`. Offline (``BISS_OFFLINE=1``) a hub dataset is replaced by
the bundled sample, and the swap is printed. Every problem names the file and the line.

>>> data = load("topics_it")
>>> [len(data.train), len(data.dev), len(data.test)]
[240, 60, 100]
>>> data.labels
('cucina', 'sport', 'tecnologia', 'viaggi')
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from . import env
from .tasks.files import open_text

BUNDLED = ("topics_it",)


@dataclass(frozen=True)
class Sentence:
    id: str
    text: str
    label: str


@dataclass(frozen=True)
class Splits:
    name: str
    train: list[Sentence]
    dev: list[Sentence]
    test: list[Sentence]
    labels: tuple[str, ...]

    def summary(self) -> str:
        """One line per split: size and label counts."""
        lines = [f"{self.name}: labels {', '.join(self.labels)}"]
        for split in ("train", "dev", "test"):
            counts = Counter(s.label for s in getattr(self, split))
            shown = ", ".join(f"{label} {counts[label]}" for label in self.labels)
            lines.append(f"  {split:5} {len(getattr(self, split)):6} sentences ({shown})")
        return "\n".join(lines)


@dataclass(frozen=True)
class HubDataset:
    """A public dataset read from its parquet files on the hub (no script, no registration)."""

    repo: str
    files: dict[str, str]
    label_names: tuple[str, ...]
    revision: str = "refs%2Fconvert%2Fparquet"
    text_column: str = "text"
    label_column: str = "label"


HUB_DATASETS = {
    # Italian tweets, 3 sentiment classes: 1839 train, 324 dev, 870 test (Barbieri et al., 2022).
    "tweet_sentiment_it": HubDataset(
        repo="cardiffnlp/tweet_sentiment_multilingual",
        files={"train": "italian/train/0000.parquet", "dev": "italian/validation/0000.parquet",
               "test": "italian/test/0000.parquet"},
        label_names=("negative", "neutral", "positive")),
}


def read(path, text_column="text", label_column="label", id_column="id", labels=None):
    """Read one ``.tsv``/``.csv`` file into `Sentence`s, in file order, checking every row.

    `labels`, when given, is the closed label set: any other label is an error naming the line.
    """
    path = Path(path)
    delimiter = "\t" if path.suffix == ".tsv" else ","
    with open_text(path) as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        header = reader.fieldnames or []
        missing = [c for c in (text_column, label_column) if c not in header]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(map(repr, missing))}; "
                             f"the header has {', '.join(map(repr, header)) or 'nothing'}")
        sentences = []
        for number, row in enumerate(reader, start=1):
            where = f"{path}, line {reader.line_num}"
            if None in row or None in row.values():
                raise ValueError(f"{where}: expected {len(header)} fields as in the header")
            text, label = row[text_column].strip(), row[label_column].strip()
            if not text:
                raise ValueError(f"{where}: empty text")
            if labels is not None and label not in labels:
                raise ValueError(f"{where}: unknown label {label!r}; known: {', '.join(labels)}")
            sentence_id = row.get(id_column) or f"{path.stem}-{number}"
            sentences.append(Sentence(sentence_id, text, label))
    if not sentences:
        raise ValueError(f"{path}: no rows after the header")
    return sentences


def read_folder(folder, text_column="text", label_column="label", name=None) -> Splits:
    """Read ``train``, ``dev`` and ``test`` from `folder`. Labels come from train; a dev or test
    label that train never shows is an error. Without a dev file, 10% of train becomes dev."""
    folder = Path(folder)

    def find(split):
        found = [folder / f"{split}{ext}" for ext in (".tsv", ".csv") if (folder / f"{split}{ext}").is_file()]
        return found[0] if found else None

    if find("train") is None or find("test") is None:
        raise FileNotFoundError(f"{folder}: needs train.tsv (or .csv) and test.tsv (or .csv)")
    columns = dict(text_column=text_column, label_column=label_column)
    train = read(find("train"), **columns)
    labels = tuple(sorted({s.label for s in train}))
    if find("dev") is None:
        train, dev = split_dev(train)
        print(f"{folder}: no dev file, so {len(dev)} train sentences (10%, stratified) are dev")
    else:
        dev = read(find("dev"), labels=labels, **columns)
    test = read(find("test"), labels=labels, **columns)
    return Splits(name or folder.name, train, dev, test, labels)


def split_dev(train: list[Sentence], fraction: float = 0.1, seed: int = 0):
    """Stratified, seeded split of `train` into (train, dev); every sentence lands in one."""
    by_label: dict[str, list[Sentence]] = {}
    for sentence in train:
        by_label.setdefault(sentence.label, []).append(sentence)
    rng = random.Random(seed)
    dev_ids = set()
    for group in by_label.values():
        picked = rng.sample(group, max(1, round(len(group) * fraction)) if len(group) > 1 else 0)
        dev_ids.update(id(s) for s in picked)
    return [s for s in train if id(s) not in dev_ids], [s for s in train if id(s) in dev_ids]


def load(name: str) -> Splits:
    """Load a dataset by folder path, bundled name, or `HUB_DATASETS` key (see the module doc)."""
    if Path(name).is_dir():
        return read_folder(name)
    if name in BUNDLED:
        return read_folder(Path(str(resources.files("biss_helpers") / "data" / name)), name=name)
    if name in HUB_DATASETS:
        if env.offline():
            print(f"offline mode: dataset {name} -> bundled sample topics_it "
                  "(400 project-written Italian sentences, 4 topics)")
            return load("topics_it")
        return _load_hub(name, HUB_DATASETS[name])
    raise ValueError(f"unknown dataset {name!r}: give a folder with train/dev/test files, or one "
                     f"of {', '.join(BUNDLED + tuple(HUB_DATASETS))}")


def _load_hub(name: str, spec: HubDataset) -> Splits:
    from datasets import load_dataset

    base = f"hf://datasets/{spec.repo}@{spec.revision}/"
    loaded = load_dataset("parquet", data_files={k: base + v for k, v in spec.files.items()})
    splits = {}
    for split, rows in loaded.items():
        splits[split] = [Sentence(f"{split}-{i}", row[spec.text_column].strip(),
                                  spec.label_names[row[spec.label_column]])
                         for i, row in enumerate(rows)]
    return Splits(name, splits["train"], splits["dev"], splits["test"], spec.label_names)


def majority_label(sentences: list[Sentence]) -> str:
    """The most frequent label (ties: the first in sorted order) — the baseline to beat."""
    counts = Counter(s.label for s in sentences)
    return min(counts, key=lambda label: (-counts[label], label))
