"""The one interface every EVALITA 2023 task implements, and the records that flow through it.

    official files --read--> [Example] --encode--> Encoded(instruction, input, target)
    model completion --decode--> Decoded(prediction, parsed) --write_submission--> official file
    official submission + gold files --score--> {metric: value}

A prediction is always in the task's *official* value space (the label, number or list that the
submission file holds), never in the verbalised space the model writes; `gold` uses the same space,
so a round trip is simply ``decode(encode(example).target).prediction == example.gold``.

>>> from biss_helpers import tasks
>>> task = tasks.get_task("haspeede")
>>> example = task.read(task.sample_paths("train"))[0]
>>> decoded = task.decode(task.encode(example).target)
>>> decoded.parsed and decoded.prediction == example.gold
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

# The file helpers live in `archive` (with the zips); task files import them from here too.
from .archive import Archive, as_paths, find_submission, submission_file  # noqa: F401
from .ids import align, names

SAMPLE_SPLITS = ("train", "dev", "test", "gold")
TEAM = "biss"  # the team name in official submission file names (e.g. biss_subtaskA.csv)
# Decoding reads this many characters of a completion, so a runaway one (a megabyte, one endless
# token) costs no more than a long answer; the longest real target, 743 (a NERMuD sentence), fits ten times.
ANSWER_LIMIT = 8_000
# Text only a prompt holds (an echo, see `labels.echoes`): the Alpaca headers of `prompts.alpaca`, which
# tasks/ may not import (tests/test_prompts.py checks they agree), and chat-template special tokens.
ALPACA_MARKERS = ("### Istruzione:", "### Input:", "### Risposta:", "un'istruzione che descrive un task")
CHAT_MARKERS = ("<|im_start|>", "<|im_end|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>",
                "[INST]", "[/INST]", "<start_of_turn>", "<end_of_turn>")  # ChatML, Llama 3, Llama 2, Gemma
TEMPLATE_MARKERS = ALPACA_MARKERS + CHAT_MARKERS
ECHO_WORDS = 6  # consecutive instruction words that are an echo; fewer may be an answer ("d'odio": "odio")


@dataclass(frozen=True)
class Example:
    """One example as the official files give it.

    `fields` holds the input side (texts, offsets, ...), `gold` the official label or value
    (None in a blind test file), `source` where it starts (``file, line N``) for error messages,
    and `extra` what a submission writer needs besides the id (e.g. HaSpeeDe3's ``dataset``).
    """

    id: str
    fields: dict[str, Any]
    gold: Any = None
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Encoded:
    instruction: str
    input: str
    target: str  # "" when the example has no gold


@dataclass(frozen=True)
class Decoded:
    prediction: Any
    parsed: bool  # False: the completion did not parse and `prediction` is the task's fallback
    # Structured tasks: the parts of a parsed answer that are not in the input (invented or
    # mangled by the model), left out of `prediction` and named here so that they can be counted.
    unplaced: tuple[str, ...] = ()

    def __repr__(self) -> str:  # `unplaced` only where there is some: most tasks never have any
        extra = f", unplaced={self.unplaced!r}" if self.unplaced else ""
        return f"Decoded(prediction={self.prediction!r}, parsed={self.parsed!r}{extra})"


def flatten(text: str) -> str:
    """Collapse every run of whitespace (tabs and newlines included) to one space.

    >>> flatten(" due\\trighe\\r\\n  e un tab ")
    'due righe e un tab'
    """
    return " ".join(str(text).split())


class Task:
    """Base class: a task file subclasses it and fills in the class attributes and methods.

    Class attributes: `name` (the registry key), `title`, `instruction` (Italian, one per task),
    `metric` (the main key of `score`'s result), `fallback` (the prediction for a completion that
    does not parse: documented per task), `sample` (split -> file names of the synthetic sample,
    relative to ``biss_helpers/data/evalita/``), `official` (what the official files are called),
    `train_files` (the official training files' names, looked for under a data folder),
    `archive` (the zip the rules ask the submission files to be sent in, or None: `archive.package`).
    """

    name: str = ""
    title: str = ""
    instruction: str = ""
    metric: str = ""
    higher_is_better = True  # of the main metric; False where it is a loss (GeoLingIt B's distance)
    # Where the official scorer's unit is not one 4-column row, the sentence that says how ("" where it
    # is): `measure` on rows then differs from `score` on the official files by that much.
    row_unit = ""
    archive: Archive | None = None
    fallback: Any = None
    sample: dict[str, tuple[str, ...]] = {}
    official: str = ""
    train_files: tuple[str, ...] = ()  # official training file names, as released
    # Two questions with two answers. `decode_needs_example`: decoding reads the example (answers
    # placed on tokens or offsets of the input), so a submission needs the reference file.
    # `answer_quotes_input`: the target quotes the input, so the input is never trimmed (a cut input
    # would teach the model to quote text it cannot see).
    decode_needs_example = False
    answer_quotes_input = False
    # Words of the instruction that a real answer may string together (EMit A lists every emotion):
    # never part of an echo.
    answer_words: frozenset[str] = frozenset()

    # --- reading -------------------------------------------------------------------------
    def read(self, paths: Sequence[str | Path] | str | Path) -> list[Example]:
        """Every example of the official file(s), in file order; ids are strings."""
        raise NotImplementedError

    def example_from_text(self, id: str, text: str, source: str = "") -> Example:
        """The example whose model input is `text` (a 4-column file's input column), with no gold:
        what decoding needs when the official files are absent. Default: the text alone (label
        tasks decode without the example); tasks whose answers are placed in the input override it.

        >>> Task().example_from_text("7", "Che bella giornata")
        Example(id='7', fields={'text': 'Che bella giornata'}, gold=None, source='', extra={})
        """
        return Example(str(id), {"text": text}, None, source)

    # --- encoding ------------------------------------------------------------------------
    def format_input(self, example: Example) -> str:
        """The input text the model sees (already flat: no tabs or newlines)."""
        raise NotImplementedError

    def verbalise(self, gold: Any) -> str:
        """The target text for an official gold value: words the decoder maps back exactly."""
        raise NotImplementedError

    def target(self, example: Example) -> str:
        """The target text of a labelled example: `verbalise` of its gold. Structured tasks, whose
        answers quote the input, override this (the words alone do not say where they are)."""
        return self.verbalise(example.gold)

    def encode(self, example: Example) -> Encoded:
        target = "" if example.gold is None else self.target(example)
        return Encoded(self.instruction, flatten(self.format_input(example)), target)

    # --- decoding ------------------------------------------------------------------------
    def decode(self, completion: str, example: Example | None = None) -> Decoded:
        """Map a model completion to an official prediction: every task's one entry point. It reads
        the first `ANSWER_LIMIT` characters; an echo of the prompt (`echoes`) gives the fallback,
        anything else the task's `read_answer`. Never raises on any text: text that does not parse
        gives ``Decoded(self.fallback_for(example), parsed=False)``."""
        if example is None and self.decode_needs_example:
            raise ValueError(f"{self.name} answers are placed in their input: pass the example (with "
                             f"the CLI: --reference, the test file)")
        text = str(completion)[:ANSWER_LIMIT]
        if self.echoes(text):
            return Decoded(self.fallback_for(example), False)
        return self.read_answer(text, example)

    def read_answer(self, completion: str, example: Example | None = None) -> Decoded:
        """The task's own reading of a completion (already cut to `ANSWER_LIMIT`, not an echo)."""
        raise NotImplementedError

    def choices(self) -> list[str] | None:
        """Every answer of a closed-set task as the model writes it (label scoring picks the likeliest:
        `scoring`); None for an open task (numbers, lists, spans), whose answers are generated."""
        verbaliser = getattr(self, "verbaliser", None)
        return None if verbaliser is None else [verbaliser.word(label) for label in verbaliser.words]

    def echoes(self, text: str) -> bool:
        """`labels.echoes` with this task's instruction and `answer_words`."""
        from .labels import echoes  # labels imports this module

        return echoes(text, self.instruction, self.answer_words)

    def fallback_for(self, example: Example | None) -> Any:
        """The fallback prediction for `example` (structured tasks: one that fits its input)."""
        return self.fallback

    def show(self, prediction: Any) -> str:
        """A prediction as one flat string (the two-column ``id<TAB>prediction`` file)."""
        return flatten(str(prediction))

    # --- submissions and scores ------------------------------------------------------------
    def write_submission(self, ids: Sequence[str], predictions: Sequence[Any],
                         reference: Sequence[str | Path] | str | Path, path: str | Path) -> list[Path]:
        """Write the official submission for the rows of `reference` (official test or gold
        file(s)), in their order. `path` is a folder (official file names inside) or, for a
        task with one submission file, a file name. Returns the files written."""
        raise NotImplementedError

    def in_reference_order(self, ids: Sequence[str], predictions: Sequence[Any],
                           reference) -> tuple[list[Example], list[Any]]:
        """The reference file's examples and the predictions in their order (see `align`)."""
        examples = self.read(reference)
        return examples, align(ids, predictions, [e.id for e in examples], names(reference))

    def read_submission(self, path: str | Path) -> dict[str, Any]:
        """id -> prediction from an official submission (a file, or a folder of them)."""
        raise NotImplementedError

    def measure(self, golds: Sequence[Any], predictions: Sequence[Any]) -> dict[str, float]:
        """The task's metrics on gold and predicted values in the official value space (what
        `Example.gold` and ``decode(...).prediction`` hold), in the same order, `metric` first."""
        raise NotImplementedError

    def pair(self, submission: Path, gold) -> tuple[list, list, list[str]]:
        """What `score` measures: the gold values, the predictions and the part of the official results
        each pair counts in (`part`), in gold order. `submission` is a file or a folder (`score` unpacks
        a zip first). Default: one pair per gold example, by id (`official.paired`)."""
        from .official import paired

        return paired(self, submission, gold)

    def part(self, example: Example) -> str:
        """The part of the official results `example` is reported in (`official.score_files`): default
        the name of its file, which its ``source`` (``file, line N``) starts with."""
        return Path(example.source.rsplit(", line ", 1)[0]).name or "gold"

    def score(self, submission: str | Path, gold: Sequence[str | Path] | str | Path) -> dict[str, float]:
        """The metrics of a submission (a file, a folder of them, or their zip) against the gold file(s):
        `measure` of what `pair` pairs, one flat dict (`official.score`; per part: `official.score_files`)."""
        from .official import score

        return score(self, submission, gold)

    # --- data for training -------------------------------------------------------------------
    def group(self, example: Example) -> str:
        """Examples of one group always land in the same split (no leakage): default the id."""
        return example.id

    def stratum(self, example: Example) -> str | None:
        """Label to stratify the train/dev split on (None: no stratification)."""
        return None

    def augment(self, examples: list[Example]) -> list[Example]:
        """Extra *training* examples derived from `examples` (e.g. reversed pairs); default none."""
        return []

    def sample_paths(self, split: str) -> list[Path]:
        """The synthetic sample's files for `split` (train, dev, test = blind, gold)."""
        if split not in SAMPLE_SPLITS:
            raise ValueError(f"unknown split {split!r}: use one of {', '.join(SAMPLE_SPLITS)}")
        root = resources.files("biss_helpers") / "data" / "evalita"
        return [Path(str(root / name)) for name in self.sample.get(split, ())]

    def __repr__(self) -> str:
        return f"<task {self.name}: {self.title}>"
