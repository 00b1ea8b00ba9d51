"""EMit: categorical emotions in Italian social-media texts.

Subtask A (`emit_a`): which of the 10 emotions a text expresses (multi-label, 0 to 4 per text).
Subtask B (`emit_b`): is the emotion about the show's direction (how it is made), its topic, both
or neither? Both are 0/1 indicator tuples in official column order, e.g. A ``(0, 1, 0, 0, 1, 1,
0, 0, 0, 0)``, B ``(1, 0)``.

Files: ``emit_train_A.csv`` (``id,text`` + ``Anger,Anticipation,Disgust,Fear,Joy,Love,Neutral,
Sadness,Surprise,Trust``), ``emit_train_B.csv`` (``id,text,Direction,Topic``; same ids as A), gold
tests ``emit_test.csv`` / ``emit_test_ood.csv`` and ``emit_sample.csv`` (``id,text`` + all 12 label
columns), blind tests ``emit_test_nolabel.csv`` / ``emit_test_nolabel_out_of_domain.csv`` (``id,text``
only): comma separated, header, LF, minimal quoting, labels 0/1 integers. A file with no label column
is blind; one with only some of the subtask's label columns (``emit_train_B.csv`` read as subtask A)
is an error. Ids are strings: 32-hex-character hashes (in-domain) or ``ad-1..ad-500`` /
``mv-1..mv-500`` (out-of-domain); a file is out-of-domain when its name says ``ood`` or
``out-of-domain``, or every id is ``ad-N`` / ``mv-N``.
Submission: header ``id`` + the subtask's label columns in the order above, 0/1 values, rows in
test-file order (the official ``evaluate.py`` asserts the columns, the ``id`` index name and the id
sequence), one file per domain: ``biss_Subtask{A,B}_{in-domain,out-of-domain}_run1.csv`` (at most 2
runs per subtask, zipped as ``TeamName.zip``: A's and B's in ``biss.zip``).
Metric: macro-F1, the mean over the label columns of each column's F1.

>>> EMIT_A.verbalise((0, 1, 0, 0, 1, 1, 0, 0, 0, 0))
'anticipazione, gioia, amore'
>>> EMIT_A.decode("Gioia e FIDUCIA!").prediction, EMIT_B.decode("entrambi").prediction
((0, 0, 0, 0, 1, 0, 0, 0, 0, 1), (1, 1))
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from .. import metrics
from .base import TEAM, Archive, Decoded, Example, Task, as_paths, find_submission, submission_file
from .files import FormatError, open_text, read_table, write_table
from .ids import align, names
from .labels import Verbaliser, edit_distance, normalise

EMOTIONS = ("Anger", "Anticipation", "Disgust", "Fear", "Joy", "Love", "Neutral", "Sadness",
            "Surprise", "Trust")
TARGETS = ("Direction", "Topic")
NAMES = ("rabbia", "anticipazione", "disgusto", "paura", "gioia", "amore", "neutro", "tristezza",
         "sorpresa", "fiducia")
NONE = "nessuna"  # the target of a text with no emotion at all (2 rows of the OOD gold)
# Other single words a model may use for an emotion: English names, plurals, near synonyms.
_WORDS = {**{n: i for i, n in enumerate(NAMES)}, **{e.lower(): i for i, e in enumerate(EMOTIONS)},
          "ira": 0, "arrabbiato": 0, "arrabbiata": 0, "angry": 0, "attesa": 1, "aspettativa": 1,
          "schifo": 2, "disgustato": 2, "paure": 3, "timore": 3, "gioie": 4, "felicita": 4,
          "felice": 4, "happy": 4, "amori": 5, "neutrale": 6, "neutra": 6, "triste": 7, "sad": 7,
          "sorprese": 8, "stupore": 8, "fiducioso": 9, "fiduciosa": 9}
# "nan": ExtremITA's "no emotion" (what pandas wrote for an empty cell; 3 rows of BISS-2024's train_100.txt)
_NONE_WORDS = {"nessuna", "nessuno", "nessun", "none", "nothing", "nan"}
_RARITY = ("Fear", "Anger", "Sadness", "Anticipation", "Surprise", "Love", "Joy", "Disgust",
           "Neutral", "Trust")  # rarest first, by the counts of emit_train_A.csv
_OOD_ID = re.compile(r"(ad|mv)-\d+")
_OOD_NAME = re.compile(r"(^|[^a-z])(ood|out[_ -]of[_ -]domain)($|[^a-z])")


def _header(path: Path) -> list[str]:
    with open_text(path) as handle:
        return [h.strip() for h in next(csv.reader(handle), [])]


def domain(path: Path, ids: list[str]) -> str:
    """``out-of-domain`` for the OOD test (its file name says so, or every id is ``ad-N``/``mv-N``)."""
    ood = _OOD_NAME.search(path.name.lower()) or (ids and all(_OOD_ID.fullmatch(i) for i in ids))
    return "out-of-domain" if ood else "in-domain"


class EmitTask(Task):
    subtask = ""                    # "A" or "B"
    columns: tuple[str, ...] = ()   # the official label columns, in submission order
    metric, archive = "macro_f1", Archive(f"{TEAM}.zip")  # the rules: runs zipped as TeamName.zip

    def read(self, paths) -> list[Example]:
        examples = []
        for path in as_paths(paths):
            header = _header(path)
            present = [c for c in self.columns if c in header]
            if present != list(self.columns) and (present or set(EMOTIONS + TARGETS) & set(header)):
                missing = [c for c in self.columns if c not in header]
                raise FormatError(path, 1, f"missing column(s) {', '.join(map(repr, missing))} of "
                                  f"subtask {self.subtask}; the header has {header}")
            for row in read_table(path, ["id", "text", *present]):
                examples.append(Example(row["id"].strip(), {"text": row["text"]},
                                        self._indicators(row, present), row.source))
        return examples

    def _indicators(self, row, columns) -> tuple[int, ...] | None:
        if not columns:
            return None  # a blind file
        values = [row[c].strip() for c in columns]
        for column, value in zip(columns, values, strict=True):
            if value not in ("0", "1"):
                raise FormatError(row.path, row.line, f"unknown {column} {value!r}; expected 0 or 1")
        return tuple(int(v) for v in values)

    def format_input(self, example: Example) -> str:
        return example.fields["text"]

    def show(self, prediction) -> str:
        return ",".join(map(str, prediction))

    def stratum(self, example: Example) -> str | None:
        return None if example.gold is None else self.show(example.gold)

    def _row(self, prediction, what: str = "prediction") -> list[int]:
        values = list(prediction) if isinstance(prediction, (tuple, list)) else []
        if len(values) != len(self.columns) or any(v not in (0, 1) for v in values):
            raise ValueError(f"a subtask {self.subtask} {what} is {len(self.columns)} values 0/1 "
                             f"({', '.join(self.columns)}), not {prediction!r}")
        return [int(v) for v in values]

    def _domains(self, paths) -> dict[str, list[Example]]:  # reference examples by domain, in file order
        found: dict[str, list[Example]] = {}
        for path in as_paths(paths):
            rows = self.read(path)
            found.setdefault(domain(path, [e.id for e in rows]), []).extend(rows)
        return found

    def _name(self, where: str) -> str:
        return f"{TEAM}_Subtask{self.subtask}_{where}_run1.csv"

    def write_submission(self, ids, predictions, reference, path) -> list[Path]:
        groups = self._domains(reference)
        everything = [e.id for rows in groups.values() for e in rows]
        by_id = dict(zip(everything, align(ids, predictions, everything, names(reference)), strict=True))
        if len(groups) > 1 and not (Path(path).is_dir() or not Path(path).suffix):
            raise ValueError(f"{path}: in-domain and out-of-domain references need a folder "
                             "(one official file per domain)")
        header = ["id", *self.columns]
        return [write_table(submission_file(path, self._name(where)), header,
                            [[e.id, *self._row(by_id[e.id])] for e in rows])
                for where, rows in groups.items()]

    def read_submission(self, path) -> dict[str, tuple[int, ...]]:
        path = Path(path)
        files = [path] if path.is_file() else sorted(path.glob(f"*Subtask{self.subtask}_*.csv"))
        if not files:
            raise FileNotFoundError(f"{path}: no *Subtask{self.subtask}_*.csv submission file")
        predicted: dict[str, tuple[int, ...]] = {}
        for found in files:
            header = _header(found)
            if header != ["id", *self.columns]:  # the official scorer asserts the exact columns
                raise FormatError(found, 1, f"the header must be {['id', *self.columns]}, not {header}")
            for row in read_table(found, header):
                if row["id"].strip() in predicted:
                    raise FormatError(found, row.line, f"id {row['id']!r} is repeated")
                predicted[row["id"].strip()] = self._indicators(row, self.columns)
        return predicted

    def pair(self, submission, gold):
        """Each domain's rows with its own file, in the gold file's order; the part is the domain."""
        golds, predicted, parts = [], [], []
        for where, rows in self._domains(gold).items():
            found = find_submission(submission, f"*Subtask{self.subtask}_{where}_*.csv")  # or the file itself
            values = self.read_submission(found)
            if list(values) != [e.id for e in rows]:  # evaluate.py asserts the id sequence
                raise ValueError(f"{found}: the ids are not those of the {where} gold file, in its order")
            golds, predicted = golds + [e.gold for e in rows], predicted + list(values.values())
            parts += [where] * len(rows)
        return golds, predicted, parts

    def measure(self, golds, predictions) -> dict[str, float]:
        """Macro-F1 (the mean of the label columns' F1), each column's F1, and exact match."""
        golds, predictions = [self._row(g, "gold") for g in golds], [self._row(p) for p in predictions]
        per_label = metrics.per_class_f1(golds, predictions, labels=range(len(self.columns)))
        return {"macro_f1": metrics.macro_f1(golds, predictions),
                **{f"f1_{c}": per_label[i] for i, c in enumerate(self.columns)},
                "exact_match": metrics.accuracy(golds, predictions)}


class EmitA(EmitTask):
    name, subtask, columns = "emit_a", "A", EMOTIONS
    title = "EMit subtask A: which emotions (multi-label)"
    instruction = ("Quali emozioni esprime questo testo? Rispondi con una o più tra " + ", ".join(NAMES)
                   + f", separate da virgole, oppure \"{NONE}\".")
    official = "emit_train_A.csv, emit_test.csv, emit_test_ood.csv"
    train_files = ("emit_train_A.csv",)
    # The instruction lists every emotion in the order targets use: six emotions are no echo.
    answer_words = frozenset(NAMES)
    # Fallback: Neutral alone. Every training text has at least one emotion, so an empty set is
    # almost always wrong; an answer naming no emotion reads best as "neutro".
    fallback = tuple(int(e == "Neutral") for e in EMOTIONS)
    sample = {"train": ("emit/emit_train_A.csv",), "dev": ("emit/emit_sample.csv",),
              "test": ("emit/emit_test_nolabel.csv", "emit/emit_test_nolabel_out_of_domain.csv"),
              "gold": ("emit/emit_test.csv", "emit/emit_test_ood.csv")}

    def verbalise(self, gold) -> str:
        return ", ".join(n for n, v in zip(NAMES, gold, strict=True) if v) or NONE

    def read_answer(self, completion: str, example: Example | None = None) -> Decoded:
        """Every emotion named anywhere (Italian or English, any order or separator: ExtremITA's
        space-joined names too); typos are corrected only when no name is found exactly, so
        surrounding words are not misread as emotions."""
        words = normalise(completion).split()
        found = {_WORDS[w] for w in words if w in _WORDS}
        if not found:
            for word in words:
                for name in NAMES + tuple(e.lower() for e in EMOTIONS):
                    limit = 2 if len(name) >= 8 else 1
                    if len(name) >= 5 and edit_distance(word, name, limit) <= limit:
                        found.add(_WORDS[name])
        if found:
            return Decoded(tuple(int(i in found) for i in range(len(EMOTIONS))), True)
        if _NONE_WORDS & set(words):
            return Decoded((0,) * len(EMOTIONS), True)
        return Decoded(self.fallback, False)

    def stratum(self, example: Example) -> str | None:
        # The rarest emotion of the text: every emotion, Fear included, reaches both splits.
        if example.gold is None:
            return None
        present = {e for e, v in zip(EMOTIONS, example.gold, strict=True) if v}
        return next((e for e in _RARITY if e in present), NONE)


class EmitB(EmitTask):
    name, subtask, columns = "emit_b", "B", TARGETS
    title = "EMit subtask B: emotion about the direction, the topic, both or neither"
    instruction = ("L'emozione del testo riguarda la realizzazione dello spettacolo (regia, attori: "
                   "\"direzione\"), il suo tema (\"argomento\"), entrambi (\"direzione_argomento\") o "
                   "nessuno dei due (\"non_specificato\")?")
    official = "emit_train_B.csv, emit_test.csv, emit_test_ood.csv"
    train_files = ("emit_train_B.csv",)
    # Fallback (0, 1), Topic only: the most frequent pair in emit_train_B.csv (3,290 of 5,966).
    verbaliser = Verbaliser({(1, 0): "direzione", (0, 1): "argomento", (1, 1): "direzione_argomento",
                             (0, 0): "non_specificato"},
                            aliases={"entrambi": (1, 1), "entrambe": (1, 1), "both": (1, 1),
                                     "argomento direzione": (1, 1), "direzione e argomento": (1, 1),
                                     "argomento e direzione": (1, 1), "nessuno": (0, 0),
                                     "nessuno dei due": (0, 0), "none": (0, 0), "direction": (1, 0),
                                     "topic": (0, 1), "regia": (1, 0), "tema": (0, 1)},
                            fallback=(0, 1))
    fallback = verbaliser.fallback
    sample = {"train": ("emit/emit_train_B.csv",), "dev": EmitA.sample["dev"],
              "test": EmitA.sample["test"], "gold": EmitA.sample["gold"]}

    def verbalise(self, gold) -> str:
        return self.verbaliser.word(tuple(gold))

    def read_answer(self, completion: str, example: Example | None = None) -> Decoded:
        return self.verbaliser.decode(completion)


EMIT_A, EMIT_B = EmitA(), EmitB()
