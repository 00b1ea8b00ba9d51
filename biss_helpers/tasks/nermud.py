"""NERMuD: persons, locations and organisations in news (WN), fiction (FIC) and Alcide De Gasperi's
writings (ADG).

Files (read by `conll.sentences`): one token per line, ``token<TAB>tag``, an empty line between
sentences, no header, no document markers or comment lines, LF; tokens never hold spaces. Train and
dev files end with an empty line, test files with a single newline. ``{WN,FIC,ADG}_{train,dev,test}.tsv``
are tagged IOB2 (``O``, ``B-``/``I-`` + ``PER``, ``LOC``, ``ORG``); the blind ``*_test_nolabel.tsv`` has
the token only, with the same sentence breaks as ``*_test.tsv``; the KIND files
(``{wikinews,fiction,degasperi,moro}_{train,test}.tsv``, KIND test = NERMuD dev) are tagged IO
(``PER``, no prefix). As in the official scorer, anything after ``|`` in a tag is dropped and the tag
upper-cased; any other tag is an error. An example is a sentence; its id is the file name without
``_nolabel`` plus the sentence number (``WN_test-12``), so a blind file and its gold agree. Tags
are held as IOB2: an IO tag, or an ``I-`` that opens a mention, reads as ``B-`` (the official
scorer ignores prefixes, so no score changes).

Target: the mentions in text order after their type, ``[PER] Alcide De Gasperi [LOC] Trento``, or
``nessuna``. Decoding puts each mention on whole free tokens of the sentence, the next occurrence
after the previous mention first (so a repeated name gets the right one; ``#N`` picks the N-th
where that is not enough, see `spans`), a mangled one on the nearest spelling; an invented one is
left out and listed in `Decoded.unplaced`. Tokens keep one tag each, whatever the answer.
ExtremITA's answers read too: ``nan`` is ``nessuna``, and several mentions of one type after one
tag (``[ORG] Autorità Militari Alleate Stato italiano``), which no one span of the sentence holds,
become the longest in-order runs of their words on the tokens (`inorder.InOrder`); a quote the
sentence holds as one span stays one mention.
Submission: per reference file ``biss_<name>.tsv``, ``<name>`` being the reference's name without
``_nolabel`` (``biss_WN_test.tsv``; ExtremITA wrote ``DAC_WN_extremITA_<run>.tsv``), line by line as
the reference: its tokens, each with a tag (``token<TAB>tag``), and the same empty lines and line
ends. The official scorer (``get-results.py``) skips empty lines, needs exactly 2 TAB-separated fields
on every other line and aligns gold and prediction tokens by position. Score: its token-level P/R/F1
on PER, LOC, ORG (prefixes stripped; ``macro_f1`` the main one), and entity-level F1 (span and type).

>>> s = Example("WN_dev-1", {"tokens": "Roma batte la Roma di De Gasperi".split()},
...             ["B-LOC", "O", "O", "B-ORG", "O", "B-PER", "I-PER"])
>>> NERMUD.encode(s).target
'[LOC] Roma [ORG] Roma [PER] De Gasperi'
>>> decoded = NERMUD.decode("[LOC] Roma, [ORG] Roma [PER] De Gaspari [LOC] Marte", s)  # typo, invention
>>> decoded.prediction, decoded.unplaced
(['B-LOC', 'O', 'O', 'B-ORG', 'O', 'B-PER', 'I-PER'], ('[LOC] Marte',))
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from .. import metrics
from .base import TEAM, Decoded, Example, Task, as_paths, flatten, submission_file
from .conll import iob2, mentions, sentences, write_like
from .files import FormatError
from .labels import normalise
from .spans import place, quote
from .tagging import Sentence

TYPES = ("PER", "LOC", "ORG")
NONE = "nessuna"
NAN = "nan"  # ExtremITA's (and the BISS-2024 files') "no entity": what pandas wrote for an empty cell
_TYPE = re.compile(r"\[\s*(PER|LOC|ORG)\s*\]", re.I)  # our markers; answer text is never a pattern


def _key(path) -> str:
    return Path(path).stem.removeprefix(f"{TEAM}_").removesuffix("_nolabel")


def _tag(raw: str, path: Path, line: int) -> str:
    tag = raw.split("|", 1)[0].strip().upper()  # as the official scorer: anything after | goes
    if tag != "O" and (tag[2:] if tag[:2] in ("B-", "I-") else tag) not in TYPES:
        raise FormatError(path, line, f"unknown tag {raw!r}: expected O, or PER/LOC/ORG with or "
                          f"without a B-/I- prefix")
    return tag


class Nermud(Task):
    name = "nermud"
    title = "NERMuD: named entities (PER, LOC, ORG) in news, fiction and De Gasperi's writings"
    instruction = ("Elenca le entità nominate nella frase, nell'ordine del testo, ciascuna preceduta "
                   "dal tipo: [PER] persona, [LOC] luogo, [ORG] organizzazione. Se non ce ne sono, "
                   "rispondi \"nessuna\".")
    metric = "macro_f1"
    fallback = "O"  # every token of the sentence tagged O (no mention): see fallback_for
    decode_needs_example = answer_quotes_input = True
    official = "{WN,FIC,ADG}_{train,dev,test,test_nolabel}.tsv; KIND {wikinews,fiction,degasperi,moro}_*.tsv"
    train_files = ("WN_train.tsv", "FIC_train.tsv", "ADG_train.tsv")
    sample = {split: tuple(f"nermud/{domain}_{name}.tsv" for domain in ("WN", "FIC", "ADG")) for split, name
              in (("train", "train"), ("dev", "dev"), ("test", "test_nolabel"), ("gold", "test"))}

    def read(self, paths) -> list[Example]:
        examples, keys = [], set()
        for path in as_paths(paths):
            if _key(path) in keys:
                raise ValueError(f"{path}: a second file named {_key(path)!r}: sentence ids would repeat")
            keys.add(_key(path))
            for n, (line, tokens, tags) in enumerate(sentences(path, _tag), start=1):
                examples.append(Example(f"{_key(path)}-{n}", {"tokens": tokens},
                                        None if tags is None else iob2(tags), f"{path}, line {line}",
                                        {"path": path}))
        return examples

    def format_input(self, example: Example) -> str:
        return " ".join(example.fields["tokens"])

    def example_from_text(self, id: str, text: str, source: str = "") -> Example:
        """The sentence as `format_input` wrote it: its tokens are the text split on single spaces."""
        return Example(str(id), {"tokens": text.split(" ")}, None, source)

    def target(self, example: Example) -> str:
        sentence, parts = Sentence(example.fields["tokens"]), []
        for a, b, kind in mentions(example.gold):
            span = (sentence.starts[a], sentence.ends[b - 1])
            parts.append(f"[{kind}] {quote(sentence.finder, span, sentence.rank(), sentence.free)}")
            sentence.take(span, kind)
        return " ".join(parts) or NONE

    def fallback_for(self, example: Example | None) -> list[str]:
        return ["O"] * len(example.fields["tokens"]) if example else []

    def read_answer(self, completion: str, example: Example | None = None) -> Decoded:
        if example is None:
            raise ValueError("nermud answers are placed on the sentence's tokens: pass the example "
                             "(with the CLI: --reference, the test file)")
        pieces = _TYPE.split(str(completion))
        if len(pieces) == 1:  # no [TYPE] marker: "nessuna" (or ExtremITA's "nan") is an answer
            said = normalise(completion)
            return Decoded(self.fallback_for(example), said.startswith("nessun") or said == NAN)
        sentence, unplaced = Sentence(example.fields["tokens"]), []
        for kind, text in zip(pieces[1::2], pieces[2::2], strict=True):
            text, kind = flatten(text).strip(",; "), kind.upper()
            if not text:
                unplaced.append(f"[{kind}]")
                continue
            span = place(sentence.finder, text, sentence.rank(), sentence.free)
            if span:
                sentence.take(span, kind)
                continue
            # No one span: several mentions of one type after one tag (ExtremITA's "[PER] Rossi
            # Bianchi"), when the sentence holds every word; else one mangled mention (its nearest
            # spelling); else the words the sentence holds, the others unplaced.
            spans, missing = sentence.split(text)
            near = None if spans and not missing else sentence.nearest_spelling(text)
            if near:
                spans, missing = [near], []
            for span in spans:
                sentence.take(span, kind)
            unplaced += [f"[{kind}] {words[:60]}" for words in missing]
        return Decoded(sentence.tags, True, tuple(unplaced))

    def show(self, prediction: Any) -> str:
        return " ".join(prediction)

    def write_submission(self, ids, predictions, reference, path) -> list[Path]:
        examples, ordered = self.in_reference_order(ids, predictions, reference)
        by_file = defaultdict(list)
        for example, tags in zip(examples, ordered, strict=True):
            tags = list(tags)
            valid = all(t == "O" or (t[:2] in ("B-", "I-") and t[2:] in TYPES) for t in tags)
            if not valid or len(tags) != len(example.fields["tokens"]):
                raise ValueError(f"{example.source}: the prediction {tags!r} is not one IOB2 tag per "
                                 f"token ({len(example.fields['tokens'])} tokens)")
            by_file[example.extra["path"]].append(tags)
        if len(by_file) > 1 and Path(path).suffix:
            raise ValueError(f"{path}: {len(by_file)} reference files need a folder, not a file name")
        return [write_like(ref, submission_file(path, f"{TEAM}_{_key(ref)}.tsv"), tags)
                for ref, tags in by_file.items()]

    def read_submission(self, path) -> dict[str, Any]:
        files = _files(path)
        examples = self.read(files)
        blind = next((e for e in examples if e.gold is None), None)
        if blind:
            raise FormatError(blind.extra["path"], None, "no tag column: a blind file, not a submission")
        return {e.id: e.gold for e in examples}

    def pair(self, submission, gold):
        """Each gold sentence's IOB2 tags with the submission file of the same name, sentence by sentence
        and token by token as the official scorer aligns them; the part is the domain (``WN``, ``FIC``,
        ``ADG``: the name's first part, or the whole name where two gold files share it)."""
        gold_files, files = as_paths(gold), _files(submission)
        by_key = {_key(f): f for f in files}
        if len(files) == len(gold_files) == 1:  # one file against one: whatever its name
            by_key = {_key(gold_files[0]): files[0]}
        domains = [_key(g).split("_")[0] for g in gold_files]
        golds, predicted, parts = [], [], []
        for g, domain in zip(gold_files, domains, strict=True):
            if _key(g) not in by_key:
                raise FileNotFoundError(f"{submission}: no submission file for {g.name} "
                                        f"(expected {TEAM}_{_key(g)}.tsv)")
            for tags, truth in _paired(by_key[_key(g)], g):
                golds.append(truth)
                predicted.append(tags)
                parts.append(domain if domains.count(domain) == 1 else _key(g))
        return golds, predicted, parts

    def measure(self, golds, predictions) -> dict[str, float]:
        """The official token-level scores on PER, LOC, ORG over every token (B-/I- prefixes dropped;
        ``macro_f1`` the main one), and entity-level P/R/F1 of (sentence, first token, end, type).

        >>> scores = NERMUD.measure([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]])
        >>> scores["macro_f1"], scores["f1_PER"], scores["entity_f1"]
        (0.2222, 0.6667, 0.0)
        """
        metrics.check(golds, predictions, "sentences")
        for n, (truth, tags) in enumerate(zip(golds, predictions, strict=True), start=1):
            if len(truth) != len(tags):
                raise ValueError(f"sentence {n}: {len(tags)} predicted tags for {len(truth)} tokens")
        golds, predictions = [iob2(tags) for tags in golds], [iob2(tags) for tags in predictions]
        tokens = [[t[2:] or "O" for tags in values for t in tags] for values in (golds, predictions)]
        found = [{(n, *m) for n, tags in enumerate(values) for m in mentions(tags)}
                 for values in (golds, predictions)]
        return {**metrics.token_scores(*tokens, TYPES), **metrics.set_scores(*found, prefix="entity_")}


def _paired(mine: Path, gold: Path):
    """(predicted, gold) IOB2 tags of each sentence, position by position as the official scorer
    pairs them; a different number of sentences or of tokens is an error naming the line."""
    ours, theirs = sentences(mine, _tag), sentences(gold, _tag)
    if len(ours) != len(theirs):
        raise ValueError(f"{mine}: {len(ours)} sentences, but {gold} has {len(theirs)}")
    for (line, tokens, tags), (_, gold_tokens, truth) in zip(ours, theirs, strict=True):
        if truth is None or tags is None or len(tokens) != len(gold_tokens):
            raise ValueError(f"{mine}, line {line}: {len(tokens)} tokens "
                             f"{'with' if tags else 'without'} tags, where {gold} has "
                             f"{len(gold_tokens)} {'with' if truth else 'without'} tags")
        yield iob2(tags), iob2(truth)


def _files(path) -> list[Path]:
    path = Path(path)
    files = [path] if path.is_file() else sorted(path.glob("*.tsv")) if path.is_dir() else []
    if not files:
        raise FileNotFoundError(f"{path}: no submission file (*.tsv)")
    return files


NERMUD = Nermud()
