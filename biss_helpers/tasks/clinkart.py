"""CLinkaRT: linking each lab result to the test it measures, in Italian clinical cases.

Files (PubTator-like, read by `pubtator.documents`): ``Clinkart_training_data/training.txt`` (83
cases) and a blind test file of the same layout. Documents are separated by an empty line, each a line
``DOCID|t|TEXT`` (the whole case on one line) then zero or more TAB-separated lines
``DOCID<TAB>REL<TAB>RS-RE<TAB>TS-TE[<TAB>RESULT<TAB>TEST]``: 0-based, end-exclusive character offsets
of the result (RML) and of the test (EVENT), so ``TEXT[RS:RE]`` is the result's text. The organisers'
README shows spaces between the columns, but the real file uses TABs. A case may have no REL line
(15 of the 83); a file with no REL line at all is blind (the test file: each ``DOCID|t|TEXT`` line
followed by an empty line).
Submission: the same layout in ``biss_clinkart.txt``: per case its ``DOCID|t|TEXT`` line, its REL lines
sorted by offsets with both text columns (optional, says the README), then an empty line. No official
scorer was released; `score` gives precision, recall and F1 of (document, result offsets, test
offsets), exact matches, over whole documents.

A case is too long for one prompt, so an example is a *window* of `WINDOW` sentences (a rule-based
splitter, `spans.sentences`), consecutive windows sharing one sentence; ids ``DOCID#k``. A window's
target holds the relations whose two spans lie inside it; one that no window holds is reported when
the file is read (it still counts in the score, which reads whole documents).

Target: ``[risultato] <result text> [esame] <test text>`` for each relation, in text order, or
``nessuna``. Decoding finds each result in the window in order and its test at the occurrence
nearest the result (a target adds ``#N`` where that would pick the wrong one), then shifts the
offsets by the window's start; overlapping windows' relations are merged in the submission.
ExtremITA's answers read too: ``[BREL] <result> [SEP] <test> [EREL]`` is a relation, ``[NOREL]``
and ``nan`` say there is none.

>>> case = Example("7#1", {"text": "PCR 12 mg/l, poi PCR 3 mg/l.", "start": 0, "doc": "7"},
...                [(4, 11, 0, 3), (21, 27, 17, 20)])
>>> CLINKART.encode(case).target
'[risultato] 12 mg/l [esame] PCR [risultato] 3 mg/l [esame] PCR'
>>> CLINKART.decode("[risultato] 3 mg/l [esame] PCR [risultato] 8 [esame] VES", case)
Decoded(prediction=[(21, 27, 17, 20)], parsed=True, unplaced=('[risultato] 8 [esame] VES',))
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .. import outputs
from ..metrics import check, set_scores
from .base import TEAM, Decoded, Example, Task, as_paths, find_submission, flatten, submission_file
from .labels import normalise
from .official import first
from .pubtator import documents
from .spans import Locator, Span, after, at_word_edges, beside, candidates, numbered, sentences

WINDOW, STRIDE = 3, 2  # sentences per window, and the step: consecutive windows share a sentence
NONE = "nessuna"
_MARK = re.compile(r"\[\s*(risultato|esame)\s*\]", re.I)  # our markers; answers are never patterns
# ExtremITA's markers: "[BREL] <result> [SEP] <test> [EREL]" for each relation, "[NOREL]" for none.
_THEIRS = re.compile(r"\[\s*(BREL|SEP|EREL|NOREL)\s*\]", re.I)
_OURS = {"brel": " [risultato] ", "sep": " [esame] ", "erel": " ", "norel": f" {NONE} "}
NAN = "nan"  # "no relation" in ExtremITA's tables (what pandas wrote for an empty cell)


def windows(text: str) -> list[Span]:
    """`WINDOW` sentences at a time, every `STRIDE` sentences, the last window ending the text."""
    cuts, found, first = sentences(text), [], 0
    while True:
        last = min(first + WINDOW, len(cuts))
        found.append((cuts[first][0], cuts[last - 1][1]))
        if last == len(cuts):
            return found
        first += STRIDE


def _gap(a: Span, b: Span) -> int:
    return max(b[0] - a[1], a[0] - b[1], 0)


def _apart(result: Span):
    """A test never overlaps its result."""
    return lambda s: s[1] <= result[0] or s[0] >= result[1]


def _relation(finder: Locator, result: str, test: str, cursor: int, taken: set, known: dict | None = None):
    """The (result span, test span) an answer means, not yet `taken`: each occurrence of the
    result with the occurrence of the test nearest it (`spans.beside`); of these, one from `cursor`
    on (answers list relations in text order), of whole words, with the two closest, the earliest.
    `known` keeps those pairs for the calls of one answer: a pair said again costs no new search."""
    text, known = finder.text, {} if known is None else known
    if (result, test) not in known:
        go = beside(finder, test)
        found = candidates(finder, result, after(cursor, text))
        known[result, test] = [(r, t) for r in found if (t := go(r))]
    pairs = [((r[0] < cursor, not at_word_edges(text, r), _gap(r, t), r[0]), (r, t))
             for r, t in known[result, test] if (r, t) not in taken]
    return min(pairs)[1] if pairs else None


class Clinkart(Task):
    name = "clinkart"
    title = "CLinkaRT: which test each lab result in a clinical case belongs to"
    instruction = ("Nel testo clinico, collega ogni risultato di laboratorio all'esame a cui si "
                   "riferisce: per ciascuno scrivi \"[risultato]\" e il risultato, poi \"[esame]\" e "
                   "l'esame, copiati dal testo. Se non ce ne sono, rispondi \"nessuna\".")
    metric = "f1"
    row_unit = ("A row is a window of 3 sentences: measure matches relations within each row, and a "
                "relation in two overlapping windows counts twice; score matches them per document.")
    fallback: list = []  # no relation (15 of the 83 training cases have none)
    decode_needs_example = answer_quotes_input = True
    official = "Clinkart_training_data/training.txt; the blind test file of the same layout"
    train_files = ("training.txt",)
    sample = {"train": ("clinkart/Clinkart_training_data/training.txt",), "dev": ("clinkart/dev.txt",),
              "test": ("clinkart/test.txt",), "gold": ("clinkart/test_gold.txt",)}

    def read(self, paths) -> list[Example]:
        examples = []
        for path in as_paths(paths):
            lost = []
            for doc in documents(path):
                held = set()
                for k, (start, end) in enumerate(windows(doc.text), start=1):
                    gold = None if doc.relations is None else \
                        [r for r in doc.relations if start <= min(r) and max(r) <= end]
                    held.update(gold or ())
                    examples.append(Example(f"{doc.id}#{k}", {"text": doc.text[start:end], "start": start,
                                                              "doc": doc.id}, gold,
                                            f"{path}, line {doc.line}", {"document": doc.text}))
                lost += [(doc, r) for r in doc.relations or () if r not in held]
            if lost:
                doc, (rs, re_, ts, te) = lost[0]
                print(f"{path}: {len(lost)} relations lie in no window of {WINDOW} sentences, so no "
                      f"target holds them (they still count in the score); first: document {doc.id}, "
                      f"result {doc.text[rs:re_]!r} {rs}-{re_}, test {doc.text[ts:te]!r} {ts}-{te}")
        return examples

    def format_input(self, example: Example) -> str:
        return example.fields["text"]

    def example_from_text(self, id: str, text: str, source: str = "") -> Example:
        """A window that is the whole text (start 0), its own document: offsets index `text`."""
        return Example(str(id), {"text": text, "start": 0, "doc": str(id)}, None, source, {"document": text})

    def group(self, example: Example) -> str:
        return example.fields["doc"]  # windows of one case share sentences: never split them

    def target(self, example: Example) -> str:
        text, start, parts, taken, cursor = example.fields["text"], example.fields["start"], [], set(), 0
        finder = Locator(text)
        for rs, re_, ts, te in example.gold:
            r, t = (rs - start, re_ - start), (ts - start, te - start)
            plain = [flatten(text[a:b]) for a, b in (r, t)]
            hinted = [numbered(finder, r), numbered(finder, t, _apart(r))]
            for result, test in ((plain[0], plain[1]), (plain[0], hinted[1]), (hinted[0], plain[1]), hinted):
                if _relation(finder, result, test, cursor, taken) == (r, t):
                    break
            parts.append(f"[risultato] {result} [esame] {test}")
            taken.add((r, t))
            cursor = r[0]
        return " ".join(parts) or NONE

    def read_answer(self, completion: str, example: Example | None = None) -> Decoded:
        if example is None:
            raise ValueError("clinkart answers are placed in the text: pass the example "
                             "(with the CLI: --reference, the test file)")
        completion = str(completion)
        if re.search(r"\[\s*(BREL|NOREL)\s*\]", completion, re.I):  # ExtremITA's form: ours
            completion = _THEIRS.sub(lambda m: _OURS[m.group(1).lower()], completion)
        pieces = _MARK.split(completion)
        if len(pieces) == 1:  # no marker: "nessuna" (or ExtremITA's "nan") is an answer
            said = normalise(completion)
            return Decoded([], said.startswith("nessun") or said == NAN)
        pairs, unplaced, result = [], [], None
        for mark, text in zip(pieces[1::2], pieces[2::2], strict=True):
            text = flatten(text).strip(",; ")
            if mark.lower() == "risultato":
                if result is not None:
                    unplaced.append(f"[risultato] {result[:60]}")  # a result with no test
                result = text
            elif result is None:
                unplaced.append(f"[esame] {text[:60]}")  # a test with no result
            else:
                pairs.append((result, text))
                result = None
        if result is not None:
            unplaced.append(f"[risultato] {result[:60]}")
        finder, taken, cursor, seen, known = Locator(example.fields["text"]), set(), 0, set(), {}
        for result, test in pairs:
            found = _relation(finder, result, test, cursor, taken, known) if result and test else None
            if found:
                taken.add(found)
                cursor = found[0][0]
            elif (result, test) not in seen:  # the same pair said twice is one relation
                unplaced.append(f"[risultato] {result[:60]} [esame] {test[:60]}")
            seen.add((result, test))
        start = example.fields["start"]
        return Decoded(sorted((r[0] + start, r[1] + start, t[0] + start, t[1] + start) for r, t in taken),
                       True, tuple(unplaced))

    def write_submission(self, ids, predictions, reference, path) -> list[Path]:
        examples, ordered = self.in_reference_order(ids, predictions, reference)
        docs: dict[str, tuple[str, set]] = {}
        for example, relations in zip(examples, ordered, strict=True):
            text = example.extra["document"]
            relations = [tuple(r) for r in relations]
            if not all(len(r) == 4 and all(type(x) is int for x in r) and 0 <= r[0] < r[1] <= len(text)
                       and 0 <= r[2] < r[3] <= len(text) for r in relations):
                raise ValueError(f"{example.source}: the prediction {relations!r} is not a list of (result "
                                 f"start, end, test start, end) offsets in document {example.fields['doc']}")
            docs.setdefault(example.fields["doc"], (text, set()))[1].update(relations)
        lines = []
        for doc, (text, relations) in docs.items():
            lines.append(f"{doc}|t|{text}\n")
            lines += [f"{doc}\tREL\t{rs}-{re_}\t{ts}-{te}\t{flatten(text[rs:re_])}\t{flatten(text[ts:te])}\n"
                      for rs, re_, ts, te in sorted(relations)]
            lines.append("\n")
        target = submission_file(path, f"{TEAM}_clinkart.txt")
        return [outputs.write_text(target, "".join(lines))]

    def read_submission(self, path) -> dict[str, Any]:
        return {e.id: e.gold or [] for e in self.read(find_submission(path, "*.txt"))}

    def pair(self, submission, gold):
        """Each gold document's relations with the submission's for that document (whole documents,
        as the submission file holds them), in gold order; the part is the gold file."""
        truth = [(path, d) for path in as_paths(gold) for d in documents(path)]
        if all(d.relations is None for _, d in truth):
            raise ValueError(f"{gold}: no REL line, so no gold relation: a blind file?")
        found = find_submission(submission, "*.txt")
        mine = {d.id: d for d in documents(found)}
        missing = [d.id for _, d in truth if d.id not in mine]
        unknown = set(mine) - {d.id for _, d in truth}
        if missing or unknown:
            raise ValueError(f"{found}: {len(missing)} gold documents are missing (first: {missing[:1]}), "
                             f"{len(unknown)} are not in the gold (e.g. {sorted(unknown)[:1]})")
        return ([d.relations or [] for _, d in truth], [mine[d.id].relations or [] for _, d in truth],
                [path.name for path, _ in truth])

    def measure(self, golds, predictions) -> dict[str, float]:
        """Precision, recall and F1 (the main metric) of the predicted relations, exact offsets only,
        each matched within its own row (a window, or a document), and how many there are.

        >>> CLINKART.measure([[(4, 11, 0, 3)], []], [[(4, 11, 0, 3), (21, 27, 17, 20)], []])
        {'f1': 0.6667, 'precision': 0.5, 'recall': 1.0, 'relations': 1, 'predicted': 2}
        """
        check(golds, predictions, "rows")
        relations, predicted = ({(n, *map(int, r)) for n, row in enumerate(values) for r in row}
                                for values in (golds, predictions))
        return first(self.metric, {**set_scores(relations, predicted), "relations": len(relations),
                                   "predicted": len(predicted)})


CLINKART = Clinkart()
