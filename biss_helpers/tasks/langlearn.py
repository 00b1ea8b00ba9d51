"""LangLearn: which of two essays by the same learner was written first.

Two datasets: CItA (Italian school essays; order code ``Y_N`` = school year, essay number) and
COWS-L2H (Spanish L2 essays; term + year, W = Jan-Mar, S = Apr-Jun, SU = Jul-Sep, F = Oct-Dec,
so F17 < W18 < S18 < SU18 < F18).

Files, several per call: pair TSVs with the header ``Essay_1<TAB>Essay_2<TAB>Order_1<TAB>Order_2``
(``Training_CItA.tsv``, ``Train_COWS-L2H.tsv``, ``Test_CItA.tsv``, ``Test_COWS-L2H.tsv``), whose essay
ids are integers, and essay XMLs ``<dataset><doc id="4705">TEXT</doc>...</dataset>`` with no XML
declaration (``Essays_CItA.xml``, ``Essays_Test_CItA.xml``...), whose text keeps its raw whitespace
(kept as is; entities are decoded). A file's dataset comes from its name (``CItA`` or ``COWS``), else
from its order codes; a pair's essays must be in an XML of its dataset among the paths (an XML named
after neither dataset serves both), or the TSV line is an error.
Gold: 0 when Essay_1 was written before Essay_2, 1 otherwise, computed from the order codes
(equal codes: 0). In training files Essay_1 is always the earlier essay, so every training pair has
gold 0 (`augment` adds the reversed pairs, on the train side only). Official test files (named
``Test*``) are blind: their essays are shuffled while Order_1/Order_2 only give the two time
points, earlier first. The official test gold was not released; a gold file is that TSV with each
code beside its own essay (the sample's ``Gold_*.tsv``), read like a training file.
Ids: ``<dataset>-<Essay_1>-<Essay_2>`` (``#2``, ``#3``... on a repeated pair): equal in blind and
gold files. Submission (the test README): the reference TSV, tab-separated with its header, plus a
``Pred`` column (0: Essay_1 was written first; 1: Essay_2 was), one file per dataset,
``Test_CItA.tsv`` / ``Test_COWS-L2H.tsv``, in the output folder (ExtremITA's ``Label`` column
reads too). Metric: macro-F1 (and accuracy); no official scorer was released.

>>> sorted(["F18", "SU18", "W18", "F17", "S18"], key=lambda code: order_key(code)[1])
['F17', 'W18', 'S18', 'SU18', 'F18']
>>> LANGLEARN.verbalise(1), LANGLEARN.decode("Sì, sono in ordine.").prediction
('incorretto', 0)
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from pathlib import Path

from .base import Example, as_paths
from .classify import LabelTask
from .files import FormatError, read_table, read_text, write_table
from .labels import Verbaliser

COLUMNS = ["Essay_1", "Essay_2", "Order_1", "Order_2"]
DATASETS = {"cita": "CItA", "cows": "COWS-L2H"}
TERMS = {"W": 0, "S": 1, "SU": 2, "F": 3}  # COWS-L2H quarters within a calendar year
_CITA = re.compile(r"(\d+)_(\d+)")
_COWS = re.compile(r"(SU|W|S|F)(\d{2}|\d{4})", re.IGNORECASE)
# A <doc> must close before the next one opens, so an unclosed one is found, not swallowed.
_DOC = re.compile(r"<doc\s+id\s*=\s*[\"']([^\"']*)[\"']\s*>((?:(?!<doc\b)[\s\S])*?)</doc\s*>")


def order_key(code: str) -> tuple[str, tuple[int, int]] | None:
    """(dataset, chronological sort key) of an order code; None for neither system."""
    code = code.strip()
    if match := _CITA.fullmatch(code):
        return "CItA", (int(match[1]), int(match[2]))
    if match := _COWS.fullmatch(code):
        year = int(match[2])
        return "COWS-L2H", (year + 2000 if year < 100 else year, TERMS[match[1].upper()])
    return None


def read_essays(path: Path) -> dict[str, str]:
    """Essay id -> raw text (whitespace kept, entities decoded) of an essays XML."""
    text = read_text(path)
    if "<dataset" not in text:
        raise FormatError(path, 1, "no <dataset> root: not a LangLearn essays file")
    essays: dict[str, str] = {}
    starts = set()
    for match in _DOC.finditer(text):
        starts.add(match.start())
        essay = match[1].strip()
        if essay in essays:
            raise FormatError(path, text.count("\n", 0, match.start()) + 1, f"essay id {essay!r} repeated")
        essays[essay] = html.unescape(match[2])
    for opening in re.finditer(r"<doc\b", text):
        if opening.start() not in starts:
            raise FormatError(path, text.count("\n", 0, opening.start()) + 1,
                              "a <doc> without an id=\"...\" or without its </doc>")
    return essays


def _dataset(path: Path, rows=()) -> str | None:
    name = path.name.lower()
    found = next((d for key, d in DATASETS.items() if key in name), None)
    if found or not rows:
        return found
    key = order_key(rows[0]["Order_1"])
    if key is None:
        raise FormatError(path, rows[0].line, f"cannot tell the dataset: the name has neither CItA nor "
                          f"COWS and Order_1 {rows[0]['Order_1']!r} is no known order code")
    return key[0]


def _pairs(path: Path, optional=()) -> tuple[str | None, list]:
    rows = read_table(path, COLUMNS, optional, delimiter="\t")
    return _dataset(path, rows), rows


def _pair_id(dataset, row, seen: Counter) -> str:
    base = f"{dataset}-{row['Essay_1'].strip()}-{row['Essay_2'].strip()}"
    seen[base] += 1
    return base if seen[base] == 1 else f"{base}#{seen[base]}"


class LangLearn(LabelTask):
    name = "langlearn"
    title = "LangLearn: chronological order of two essays by the same learner"
    instruction = ("Questi due testi sono stati scritti dallo stesso studente. Se il testo 1 è stato "
                   "scritto prima del testo 2 rispondi \"corretto\", altrimenti \"incorretto\".")
    official = "Training_CItA.tsv + Essays_CItA.xml, Train_COWS-L2H.tsv + Essays_COWS-L2H.xml, Test_*"
    train_files = ("Training_CItA.tsv", "Essays_CItA.xml", "Train_COWS-L2H.tsv", "Essays_COWS-L2H.xml")
    # Fallback 0 (in order): no label is likelier, since test pairs are shuffled at random.
    verbaliser = Verbaliser({0: "corretto", 1: "incorretto"},
                            aliases={"sì": 0, "si": 0, "no": 1, "in ordine": 0, "ordine corretto": 0,
                                     "giusto": 0, "non in ordine": 1, "non corretto": 1,
                                     "invertito": 1, "invertiti": 1, "ordine inverso": 1,
                                     "sbagliato": 1, "errato": 1}, fallback=0)
    sample = {split: (f"langlearn/{p}_CItA.tsv", f"langlearn/Essays{x}_CItA.xml",
                      f"langlearn/{q}_COWS-L2H.tsv", f"langlearn/Essays{x}_COWS-L2H.xml")
              for split, p, q, x in (("train", "Training", "Train", ""), ("dev", "Dev", "Dev", "_Dev"),
                                     ("test", "Test", "Test", "_Test"), ("gold", "Gold", "Gold", "_Test"))}

    def _key(self, row, column: str, dataset: str) -> tuple[int, int]:
        key = order_key(row[column])
        if key is None or key[0] != dataset:
            raise FormatError(row.path, row.line, f"{column} {row[column]!r} is not a {dataset} order "
                              f"code (CItA: 1_4; COWS-L2H: F17, W18, S18, SU18)")
        return key[1]

    def read(self, paths) -> list[Example]:
        tables, essays = [], defaultdict(dict)
        for path in as_paths(paths):
            if path.suffix.lower() == ".xml":
                essays[_dataset(path)].update(read_essays(path))
            else:
                tables.append((path, *_pairs(path)))
        found, seen, parent = [], Counter(), {}

        def root(essay):
            while parent.setdefault(essay, essay) != essay:
                essay = parent[essay]
            return essay

        for path, dataset, rows in tables:
            blind = path.name.lower().startswith("test") and "gold" not in path.name.lower()
            pool = {**essays.get(None, {}), **essays.get(dataset, {})}
            for row in rows:
                first, second = row["Essay_1"].strip(), row["Essay_2"].strip()
                for essay in (first, second):
                    if essay not in pool:
                        raise FormatError(path, row.line, f"essay {essay!r} is in no {dataset} essays "
                                          f"XML among the paths")
                keys = [self._key(row, c, dataset) for c in ("Order_1", "Order_2")]
                a, b = root((dataset, first)), root((dataset, second))
                parent[max(a, b)] = min(a, b)  # a pair joins its learner's essays: one group
                found.append((_pair_id(dataset, row, seen), dataset, row, [first, second],
                              None if blind else int(keys[0] > keys[1]), pool))
        return [Example(pid, {"essay_1": pool[pair[0]], "essay_2": pool[pair[1]]}, gold, row.source,
                        {"dataset": dataset, "learner": "-".join(root((dataset, pair[0]))),
                         "row": [*pair, row["Order_1"].strip(), row["Order_2"].strip()]})
                for pid, dataset, row, pair, gold, pool in found]

    def format_input(self, example: Example) -> str:
        # No order codes: in training they give the answer away, in test files they are sorted.
        return f"Testo 1: {example.fields['essay_1']} [SEP] Testo 2: {example.fields['essay_2']}"

    def augment(self, examples: list[Example]) -> list[Example]:
        """Each labelled pair reversed (the official training pairs are all in order: gold 0)."""
        return [Example(f"{e.id}-reversed", {"essay_1": e.fields["essay_2"], "essay_2": e.fields["essay_1"]},
                        1 - e.gold, e.source, {**e.extra, "row": [e.extra["row"][i] for i in (1, 0, 3, 2)]})
                for e in examples if e.gold is not None]

    def group(self, example: Example) -> str:
        return example.extra["learner"]

    def stratum(self, example: Example) -> str | None:
        return None if example.gold is None else f"{example.extra['dataset']}-{example.gold}"

    def part(self, example: Example) -> str:
        return example.extra["dataset"]  # results are per dataset: CItA, COWS-L2H

    def write_submission(self, ids, predictions, reference, path) -> list[Path]:
        examples, ordered = self.in_reference_order(ids, predictions, reference)
        tables: dict[str, list] = defaultdict(list)
        for example, value in zip(examples, ordered, strict=True):
            if value not in (0, 1):
                raise ValueError(f"prediction {value!r} for {example.id!r} is not 0 or 1")
            tables[example.extra["dataset"]].append([*example.extra["row"], int(value)])
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        return [write_table(folder / f"Test_{dataset}.tsv", [*COLUMNS, "Pred"], rows, delimiter="\t")
                for dataset, rows in tables.items()]

    def read_submission(self, path) -> dict[str, int]:
        path = Path(path)
        files = [path] if path.is_file() else sorted(path.glob("*.tsv"))
        if not files:
            raise FileNotFoundError(f"{path}: no submission file (Test_CItA.tsv, Test_COWS-L2H.tsv)")
        predicted, seen = {}, Counter()
        for found in files:
            dataset, rows = _pairs(found, ["Pred", "Label"])
            for row in rows:
                value = (row.get("Pred", row.get("Label")) or "").strip()
                if value not in ("0", "1"):
                    raise FormatError(found, row.line, f"Pred {value!r} is not 0 or 1 (is there a Pred "
                                      f"column?)")
                predicted[_pair_id(dataset, row, seen)] = int(value)
        return predicted


LANGLEARN = LangLearn()
