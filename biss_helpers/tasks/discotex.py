"""DisCoTex: discourse coherence.

Subtask 1 (`discotex_1`): does TARGET coherently follow the 3-sentence PROMPT? CLASS 1 (TARGET is the
true next sentence) or 0.
Subtask 2 (`discotex_2`): how coherent is TEXT? SCORE, a mean human rating in [1, 5].

Files: tab-separated with a header; ``discotex_1_{ted,wiki}_{train,test}_set_release.tsv``
(``ID PROMPT TARGET CLASS``), ``discotex_2_train_clean_release.tsv`` and
``discotex_2_test_set_release.tsv`` (``ID TEXT SCORE``); blind and gold tests share their names
(folders ``test/blind``, ``test/gold``). Train and gold files are CSV-quoted (the PROMPT's three
sentences on three lines, inner quotes doubled); blind files are not quoted at all (the sentences
joined by spaces, a ``"`` is a plain character, so they are read with ``csv.QUOTE_NONE``: default
quoting makes 798 rows of the wiki blind file's 800) and keep an empty label column. A file is read
as blind when most of its lines have every field and an empty label, or it has no label column.
Gold files have no final newline. SCORE has many decimals in train (``3.66666666666667``), two in test.
Ids are strings: ``<videoid>#<n>`` (subtask 1 train) and ``<docid>#<n>#<k>`` (subtask 2 train), whose
part before the first ``#`` keeps a talk or page in one split; ``task_1_ted_test_1``,
``task_1_wiki_test_1``, ``task_2_test_1`` in the tests (a subtask 1 row's genre, ted or wiki, comes
from its id, else from the file name).
Submission (no official spec; ExtremITA's layout): no header, unquoted, ``ID<TAB>CLASS`` (0/1) in
``biss.subtask1.{ted,wiki}.run1.tsv`` and ``ID<TAB>SCORE`` (two decimals) in ``biss.subtask2.run1.tsv``,
rows in reference order; reading one back tolerates a header line.
Metrics: accuracy (subtask 1, also per test set); Pearson (main) and Spearman correlation (subtask 2).

>>> [DISCOTEX_1.verbalise(0), DISCOTEX_1.decode("Coerente.").prediction]
['non_coerente', 1]
>>> [DISCOTEX_2.verbalise(3.66666666666667), DISCOTEX_2.decode("Punteggio: 4,5").prediction]
['3.67', 4.5]
>>> DISCOTEX_2.measure([1.5, 3.0, 4.5], [2.0, 2.5, 5.0])
{'pearson': 0.9333, 'spearman': 1.0}
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import metrics
from .base import TEAM, Decoded, Example, Task, as_paths, flatten, submission_file
from .classify import LabelTask
from .files import FormatError, Record, open_text, parse_float, parse_label, read_table, write_table
from .labels import Verbaliser, numbers
from .official import COMBINED, score_files

_GENRE = re.compile(r"task_1_(ted|wiki)_")


def _is_blind(path: Path, label: str) -> bool:
    """The quoting convention of `path`, from the format rules: a blind file leaves the label column
    empty and is not quoted; a labelled one (train, gold) is CSV-quoted. A quoted record spans
    several lines, so the vote is on raw lines: blind when most have every field and an empty label.
    Checked on the 8 real files (3 blind, 5 labelled). The subtask-2 gold file is in fact written
    unquoted too, but no field starts with ``"``, so both readings agree on it."""
    lines = open_text(path).read().split("\n")
    header = [h.strip() for h in lines[0].rstrip("\r").split("\t")]
    if label not in header:
        return True  # no label column at all: a blind file, which is never quoted
    at = header.index(label)
    data = [line.rstrip("\r").split("\t") for line in lines[1:] if line.strip()]
    empty = sum(len(f) == len(header) and not f[at].strip() for f in data)
    return 2 * empty > len(data)


def _rows(path: Path, columns: Sequence[str], label: str) -> list[Record]:
    return read_table(path, columns, [label], delimiter="\t", quoted=not _is_blind(path, label))


class DiscotexTask(Task):
    label = ""      # the gold column: CLASS or SCORE
    subtask = ""    # "1" or "2"

    def group(self, example: Example) -> str:
        # ids <videoid>#<n> and <docid>#<n>#<k>: the examples of one talk or page stay together
        return example.id.split("#")[0]

    def submission_name(self, example: Example) -> str:
        return f"{TEAM}.subtask{self.subtask}.run1.tsv"

    def show_value(self, prediction: Any) -> str:
        raise NotImplementedError

    def parse_value(self, text: str, path: Path, line: int) -> Any:
        raise NotImplementedError

    def write_submission(self, ids, predictions, reference, path) -> list[Path]:
        rows, ordered = self.in_reference_order(ids, predictions, reference)
        files: dict[str, list] = {}
        for example, value in zip(rows, ordered, strict=True):
            files.setdefault(self.submission_name(example), []).append([example.id, self.show_value(value)])
        path = Path(path)
        if len(files) > 1 and path.suffix and not path.is_dir():
            raise ValueError(f"{path}: the reference needs {len(files)} files ({', '.join(files)}): "
                             f"give a folder")
        return [write_table(submission_file(path, name), None, lines, delimiter="\t", quoted=False)
                for name, lines in files.items()]

    def read_submission(self, path) -> dict[str, Any]:
        """Every ``*subtask<N>*.tsv`` of a folder (ted and wiki for subtask 1), or one file. A header
        line is tolerated: the format has no official spec."""
        path = Path(path)
        found = [path] if path.is_file() else sorted(path.glob(f"*subtask{self.subtask}*.tsv"))
        if not found:
            raise FileNotFoundError(f"{path}: no file matching '*subtask{self.subtask}*.tsv'")
        predicted: dict[str, Any] = {}
        for file in found:
            with open_text(file) as handle:
                records = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
                for number, record in enumerate(records, start=1):
                    if not record or record == [""]:
                        continue
                    if len(record) != 2:
                        raise FormatError(file, number, f"expected ID<TAB>{self.label}, found "
                                          f"{len(record)} field(s)")
                    key, value = record[0].strip(), record[1].strip()
                    if number == 1 and value.upper() == self.label:
                        continue
                    if key in predicted:
                        raise FormatError(file, number, f"id {key!r} predicted twice (two runs in "
                                          f"one folder?)")
                    predicted[key] = self.parse_value(value, file, number)
        return predicted


class Discotex1(DiscotexTask, LabelTask):
    name, subtask, label = "discotex_1", "1", "CLASS"
    title = "DisCoTex subtask 1: does the sentence coherently follow the prompt"
    instruction = ("La frase dopo [SEP] continua in modo coerente le tre frasi che la precedono? "
                   "Rispondi \"coerente\" o \"non_coerente\".")
    official = ("discotex_1_ted_train_set_release.tsv, "
                "test/{blind,gold}/discotex_1_{ted,wiki}_test_set_release.tsv")
    train_files = ("discotex_1_ted_train_set_release.tsv",)
    metric = "accuracy"
    # Fallback 1: the classes are balanced (4,000/4,000 train, 400/400 per test), and ExtremITA's
    # decoder also reads everything but "non_coerente" as 1.
    verbaliser = Verbaliser({1: "coerente", 0: "non_coerente"},
                            aliases={"sì": 1, "si": 1, "no": 0, "non è coerente": 0, "incoerente": 0,
                                     "è coerente": 1, "coerenti": 1, "non coerenti": 0, "nn coerente": 0},
                            fallback=1)
    sample = {"train": ("discotex/train/discotex_1_ted_train_set_release.tsv",),
              "dev": ("discotex/train/discotex_1_ted_dev_set_release.tsv",),
              "test": ("discotex/test/blind/discotex_1_ted_test_set_release.tsv",
                       "discotex/test/blind/discotex_1_wiki_test_set_release.tsv"),
              "gold": ("discotex/test/gold/discotex_1_ted_test_set_release.tsv",
                       "discotex/test/gold/discotex_1_wiki_test_set_release.tsv")}

    def read(self, paths) -> list[Example]:
        examples = []
        for path in as_paths(paths):
            for row in _rows(path, ["ID", "PROMPT", "TARGET"], "CLASS"):
                gold = parse_label(row, "CLASS", ("0", "1"))
                found = _GENRE.match(row["ID"].strip()) or re.search(r"_(ted|wiki)_", path.name)
                examples.append(Example(row["ID"].strip(), {"prompt": row["PROMPT"], "target": row["TARGET"]},
                                        None if gold is None else int(gold), row.source,
                                        {"genre": found.group(1) if found else ""}))
        return examples

    def format_input(self, example: Example) -> str:
        # ExtremITA's layout, so that its public adapters see the input they were trained on
        return f"{flatten(example.fields['prompt'])} [SEP] {flatten(example.fields['target'])}"

    def submission_name(self, example: Example) -> str:
        genre = example.extra.get("genre")
        return f"{TEAM}.subtask1.{genre}.run1.tsv" if genre else f"{TEAM}.subtask1.run1.tsv"

    def show_value(self, prediction: Any) -> str:
        if prediction not in (0, 1):
            raise ValueError(f"CLASS must be 0 or 1, not {prediction!r}")
        return str(int(prediction))

    def parse_value(self, text: str, path: Path, line: int) -> int:
        if text not in ("0", "1"):
            raise FormatError(path, line, f"CLASS {text!r} is not 0 or 1")
        return int(text)

    def part(self, example: Example) -> str:
        return example.extra["genre"] or super().part(example)  # the official results: ted, wiki

    def score(self, submission, gold) -> dict[str, float]:
        """`measure` over every row, then each test set's accuracy (``accuracy_ted``, ``accuracy_wiki``)."""
        parts = score_files(self, submission, gold)
        combined = parts.pop(COMBINED, None)  # None: one test set, whose scores are all there is
        return parts.popitem()[1] if combined is None else {
            **combined, **{f"accuracy_{part}": scores["accuracy"] for part, scores in parts.items()}}


class Discotex2(DiscotexTask):
    name, subtask, label = "discotex_2", "2", "SCORE"
    title = "DisCoTex subtask 2: coherence score of a text"
    instruction = ("Quanto è coerente questo testo, da 1 (per niente) a 5 (del tutto)? Rispondi con "
                   "il punteggio, un numero con due decimali.")
    official = "discotex_2_train_clean_release.tsv, test/{blind,gold}/discotex_2_test_set_release.tsv"
    train_files = ("discotex_2_train_clean_release.tsv",)
    metric = "pearson"
    # Fallback 3.0: the middle of the 1-5 scale (the train mean is 3.42; a correlation does not
    # depend on which constant an unparsed answer gets).
    fallback = 3.0
    sample = {"train": ("discotex/train/discotex_2_train_clean_release.tsv",),
              "dev": ("discotex/train/discotex_2_dev_clean_release.tsv",),
              "test": ("discotex/test/blind/discotex_2_test_set_release.tsv",),
              "gold": ("discotex/test/gold/discotex_2_test_set_release.tsv",)}

    def read(self, paths) -> list[Example]:
        examples = []
        for path in as_paths(paths):
            for row in _rows(path, ["ID", "TEXT"], "SCORE"):
                score = parse_float(row, "SCORE", 1, 5)
                examples.append(Example(row["ID"].strip(), {"text": row["TEXT"]}, score, row.source))
        return examples

    def format_input(self, example: Example) -> str:
        return example.fields["text"]

    def verbalise(self, gold: Any) -> str:
        return f"{float(gold):.2f}"

    def read_answer(self, completion: str, example: Example | None = None) -> Decoded:
        """The first number, if a score (1 to 5): anything else (inf too) is unparsed, never clipped."""
        found = numbers(completion)[:1]
        return Decoded(found[0], True) if found and 1 <= found[0] <= 5 else Decoded(self.fallback, False)

    def show(self, prediction: Any) -> str:
        return self.show_value(prediction)

    def show_value(self, prediction: Any) -> str:
        value = float(prediction)
        if not math.isfinite(value):
            raise ValueError(f"SCORE must be a number, not {prediction!r}")
        return f"{value:.2f}"  # two decimals, as in the gold test file

    def parse_value(self, text: str, path: Path, line: int) -> float:
        value = parse_float(Record({"SCORE": text}, path, line), "SCORE", 1, 5)
        if value is None:
            raise FormatError(path, line, "empty SCORE")
        return value

    def stratum(self, example: Example) -> str | None:
        return None if example.gold is None else ("low" if example.gold < 2.5 else
                                                  "mid" if example.gold < 3.5 else "high")

    def measure(self, golds, predictions) -> dict[str, float]:
        """Pearson's r (the main metric) and Spearman's rho of the scores (see the module's example)."""
        return {"pearson": metrics.pearson(golds, predictions),
                "spearman": metrics.spearman(golds, predictions)}


DISCOTEX_1, DISCOTEX_2 = Discotex1(), Discotex2()
