"""WiC-ITA: word in context.

Subtask 1 (`wicita_1`): does the target word mean the same in both sentences (1) or not (0)?
Subtask 2 (`wicita_2`): how close are the two meanings, from 1 (unrelated) to 4 (identical)?

Files: JSON Lines (one object per line) with ASCII escapes (``\\u00e8``),
``binary/{train,dev,test,test_eng}.jsonl``, ``ranking/{train,train_agr,train_dis,dev,test,test_eng}.jsonl``
and the gold ``gold_truth/{binary,ranking}/{test,test_eng}.jsonl``; keys ``id, lemma, sentence1,
sentence2, start1, end1, start2, end2`` plus ``label`` (0/1) or ``score`` (1 to 4 by 0.5); the
cross-lingual ``*_eng`` files have ``lemma1``/``lemma2``. Ids are strings, ``lemma.pos.n``
(``affare.noun.7``; cross-lingual ``rapporto_report.noun.2``). Sentences are pre-tokenised (spaces
around punctuation). Offsets are character offsets, end-exclusive: ``sentence1[start1:end1]`` is the
target (ExtremITA's highlighter slices to ``end+1``: not copied here). Test files carry no label or
score; a file with the other subtask's key is an error.
Submission: ``{"id": ..., "label": 0|1}`` lines in ``binary.jsonl`` (``binary_eng.jsonl`` for the
cross-lingual test), ``{"id": ..., "score": float}`` in ``ranking.jsonl`` / ``ranking_eng.jsonl``
(``score``, as the official ``evaluation.py`` and example submission use, though the guidelines show
``label``); the organisers take any of the four zipped with a ``description.txt`` (``biss.zip``). The
scorer looks predictions up by id, order-free; a missing id invalidates the file. Metric: macro-F1
over the classes present (subtask 1), Spearman's rho (subtask 2).

>>> example = Example("fede.noun.1", {"lemma": "fede", "sentence1": "la fede conta",
...     "sentence2": "in buona fede .", "start1": 3, "end1": 7, "start2": 9, "end2": 13})
>>> WICITA_1.format_input(example)
'parola: fede [SEP] frase 1: la [[fede]] conta [SEP] frase 2: in buona [[fede]] .'
>>> WICITA_1.decode("fede differente", example).prediction, WICITA_2.decode("3,5").prediction
(0, 3.5)
"""

from __future__ import annotations

import math
from pathlib import Path

from .. import metrics
from .base import TEAM, Archive, Decoded, Example, Task, as_paths, find_submission, submission_file
from .classify import label_scores
from .files import FormatError, read_jsonl, write_jsonl
from .ids import align, gold_pairs, names
from .labels import Verbaliser, normalise, numbers

OFFSETS = ("start1", "end1", "start2", "end2")
OPEN, CLOSE = "[[", "]]"  # target markers: never found in the real sentences


def _number(value) -> bool:  # JSON's true is no int; an int is finite (isfinite overflows on 10**400)
    return type(value) is int or (isinstance(value, float) and math.isfinite(value))


class WicTask(Task):
    key = ""        # "label" or "score": the gold key and the submission key
    base = ""       # "binary" or "ranking": the submission file name
    archive = Archive(f"{TEAM}.zip", description=True)  # the scorer opens a zip, with a description.txt

    def read(self, paths) -> list[Example]:
        examples = []
        for path in as_paths(paths):
            for row in read_jsonl(path, ["id", "sentence1", "sentence2", *OFFSETS]):
                examples.append(self._example(row))
        return examples

    def _example(self, row) -> Example:
        def fail(problem: str):
            raise FormatError(row.path, row.line, problem)

        fields = {k: row[k] for k in ("sentence1", "sentence2", *OFFSETS)}
        if "lemma" in row:
            fields.update(lemma=row["lemma"], cross=False)
        elif "lemma1" in row and "lemma2" in row:
            fields.update(lemma1=row["lemma1"], lemma2=row["lemma2"], cross=True)
        else:
            fail("missing key 'lemma' (or 'lemma1' and 'lemma2' in a cross-lingual file)")
        for n in "12":
            sentence, start, end = fields[f"sentence{n}"], fields[f"start{n}"], fields[f"end{n}"]
            if not isinstance(sentence, str) or not sentence.strip():
                fail(f"sentence{n} is not a non-empty string")
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)) \
                    or not 0 <= start < end <= len(sentence):
                fail(f"start{n}/end{n} {start!r}..{end!r} are not offsets of a target inside "
                     f"sentence{n} ({len(sentence)} characters; end is exclusive)")
        other = "score" if self.key == "label" else "label"
        if self.key not in row and other in row:
            fail(f"has {other!r} but no {self.key!r}: a file of the other subtask?")
        gold = self._value(row, row.get(self.key)) if self.key in row else None
        return Example(str(row["id"]), fields, gold, row.source)

    def _value(self, row, value):
        raise NotImplementedError

    def format_input(self, example: Example) -> str:
        f = example.fields
        words = f"parole: {f['lemma1']} / {f['lemma2']}" if f.get("cross") else f"parola: {f['lemma']}"
        marked = []
        for n in "12":
            s, a, b = f[f"sentence{n}"], f[f"start{n}"], f[f"end{n}"]
            marked.append(f"frase {n}: {s[:a]}{OPEN}{s[a:b]}{CLOSE}{s[b:]}")
        return " [SEP] ".join([words, *marked])

    def group(self, example: Example) -> str:
        # A pair and its inverse (see `augment`) land in the same split.
        return "\n".join(sorted((example.fields["sentence1"], example.fields["sentence2"])))

    def stratum(self, example: Example) -> str | None:
        return None if example.gold is None else str(example.gold)

    def augment(self, examples: list[Example]) -> list[Example]:
        """The pair with the sentences swapped: the relation is symmetric, so the gold holds."""
        swapped = []
        for e in examples:
            f = dict(e.fields)
            for a, b in (("sentence1", "sentence2"), ("start1", "start2"), ("end1", "end2"),
                         ("lemma1", "lemma2")):
                if a in f:
                    f[a], f[b] = f[b], f[a]
            swapped.append(Example(f"{e.id}.swap", f, e.gold, e.source, {"swapped": e.id}))
        return swapped

    def _name(self, rows: list[Example]) -> str:
        return f"{self.base}_eng.jsonl" if rows and rows[0].fields.get("cross") else f"{self.base}.jsonl"

    def _kinds(self, paths) -> dict[str, list[Path]]:
        kinds: dict[str, list[Path]] = {}
        for path in as_paths(paths):
            kinds.setdefault(self._name(self.read(path)), []).append(path)
        return kinds

    def _official(self, prediction):
        raise NotImplementedError

    def write_submission(self, ids, predictions, reference, path) -> list[Path]:
        kinds = self._kinds(reference)
        if len(kinds) > 1 and not (Path(path).is_dir() or not Path(path).suffix):
            raise ValueError(f"{path}: Italian and cross-lingual references need a folder")
        every = [e.id for paths in kinds.values() for e in self.read(paths)]
        by_id = dict(zip(every, align(ids, predictions, every, names(reference)), strict=True))
        return [write_jsonl(submission_file(path, name),
                            [{"id": e.id, self.key: self._official(by_id[e.id])} for e in self.read(paths)])
                for name, paths in kinds.items()]

    def read_submission(self, path) -> dict:
        path = Path(path)
        files = [path] if path.is_file() else sorted(path.glob(f"{self.base}*.jsonl"))
        if not files:
            raise FileNotFoundError(f"{path}: no {self.base}*.jsonl submission file")
        predicted = {}
        for found in files:
            for row in read_jsonl(found, ["id", self.key]):
                value = row[self.key]
                if not _number(value) or not (value in (0, 1) if self.key == "label" else 1 <= value <= 4):
                    raise FormatError(found, row.line, f"{self.key} {value!r} is not "
                                      + ("0 or 1" if self.key == "label" else "a number from 1 to 4"))
                if str(row["id"]) in predicted:  # a dict would silently keep only the last one
                    raise FormatError(found, row.line, f"id {row['id']!r} appears twice")
                predicted[str(row["id"])] = self._official(value)
        return predicted

    def pair(self, submission, gold):
        """Each gold file with the submission file of its name (or the one file given), by id; the part
        is that name: ``binary.jsonl`` (Italian), ``binary_eng.jsonl`` (English), as reported."""
        golds, predicted, parts = [], [], []
        for name, paths in self._kinds(gold).items():
            g, p = gold_pairs(self, find_submission(submission, name), paths)
            golds, predicted, parts = golds + g, predicted + p, parts + [name] * len(g)
        return golds, predicted, parts


class Wic1(WicTask):
    name, key, base, metric = "wicita_1", "label", "binary", "macro_f1"
    title = "WiC-ITA subtask 1: same meaning or not"
    instruction = (f"La parola tra {OPEN} {CLOSE} ha lo stesso significato nelle due frasi? Rispondi "
                   "\"uguale\" o \"differente\".")
    official = "binary/train.jsonl, binary/dev.jsonl, binary/test.jsonl, binary/test_eng.jsonl"
    train_files = ("binary/train.jsonl",)  # as in the organisers' repository: ranking/ has one too
    # Fallback 1 (same meaning): the majority class of binary/train.jsonl (1,999 of 2,805).
    verbaliser = Verbaliser({1: "uguale", 0: "differente"},
                            aliases={"sì": 1, "si": 1, "no": 0, "uguali": 1, "differenti": 0,
                                     "stesso significato": 1, "significato diverso": 0, "diverso": 0,
                                     "non uguale": 0, "same": 1, "different": 0}, fallback=1)
    fallback = verbaliser.fallback
    sample = {"train": ("wicita/binary/train.jsonl",), "dev": ("wicita/binary/dev.jsonl",),
              "test": ("wicita/binary/test.jsonl", "wicita/binary/test_eng.jsonl"),
              "gold": ("wicita/gold_truth/binary/test.jsonl", "wicita/gold_truth/binary/test_eng.jsonl")}

    def _value(self, row, value):
        if not _number(value) or value not in (0, 1):
            raise FormatError(row.path, row.line, f"unknown label {value!r}; expected 0 or 1")
        return int(value)

    def _official(self, prediction) -> int:
        if prediction not in (0, 1) or isinstance(prediction, bool):
            raise ValueError(f"a subtask 1 prediction is 0 or 1, not {prediction!r}")
        return int(prediction)

    def verbalise(self, gold) -> str:
        return self.verbaliser.word(gold)

    def read_answer(self, completion: str, example: Example | None = None) -> Decoded:
        # BISS-2024 answers "<lemma> differente": drop the lemma first, since a lemma such as
        # "diverso" or "stesso" would otherwise be read as the answer.
        text = normalise(completion)
        if example is not None:
            for lemma in {example.fields.get(k) for k in ("lemma", "lemma1", "lemma2")} - {None}:
                word = normalise(lemma)
                if word and text.startswith(word + " "):
                    text = text[len(word) + 1:]
                    break
        return self.verbaliser.decode(text)

    def measure(self, golds, predictions) -> dict[str, float]:
        return label_scores(golds, predictions, self.metric)  # macro-F1 over the classes present


class Wic2(WicTask):
    name, key, base, metric = "wicita_2", "score", "ranking", "spearman"
    title = "WiC-ITA subtask 2: graded similarity of meaning (ranking)"
    instruction = (f"Quanto è simile il significato della parola tra {OPEN} {CLOSE} nelle due frasi? "
                   "Rispondi con un numero da 1 (del tutto diverso) a 4 (identico).")
    official = "ranking/train.jsonl, ranking/dev.jsonl, ranking/test.jsonl, ranking/test_eng.jsonl"
    train_files = ("ranking/train.jsonl",)  # train_agr + train_dis
    # Fallback 2.5, the middle of the 1-4 scale: an unparsed answer takes the middle rank.
    fallback = 2.5
    sample = {"train": ("wicita/ranking/train.jsonl",), "dev": ("wicita/ranking/dev.jsonl",),
              "test": ("wicita/ranking/test.jsonl", "wicita/ranking/test_eng.jsonl"),
              "gold": ("wicita/gold_truth/ranking/test.jsonl", "wicita/gold_truth/ranking/test_eng.jsonl")}

    def _value(self, row, value):
        if not _number(value) or not 1 <= value <= 4:
            raise FormatError(row.path, row.line, f"score {value!r} is not a number from 1 to 4")
        return float(value)

    def _official(self, prediction) -> float:
        if not _number(prediction) or not 1 <= prediction <= 4:
            raise ValueError(f"a subtask 2 prediction is a number from 1 to 4, not {prediction!r}")
        return float(prediction)

    def verbalise(self, gold) -> str:
        return f"{float(gold):g}"  # 1, 1.5, ..., 4: exact, so the round trip keeps every rank

    def read_answer(self, completion: str, example: Example | None = None) -> Decoded:
        """The first number, if it is a score (1 to 4): anything else is unparsed, never clipped."""
        found = numbers(completion)[:1]
        return Decoded(found[0], True) if found and 1 <= found[0] <= 4 else Decoded(self.fallback, False)

    def measure(self, golds, predictions) -> dict[str, float]:
        return {"spearman": metrics.spearman(golds, predictions),  # the main metric, then Pearson's r
                "pearson": metrics.pearson(golds, predictions)}


WICITA_1, WICITA_2 = Wic1(), Wic2()
