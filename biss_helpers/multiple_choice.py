"""MMLU-style multiple choice: the likeliest option letter.

A benchmark such as MMLU (Hendrycks et al., 2021) asks a question, lists four options ``A.`` to
``D.``, and counts how often the model's answer is the right letter. There are two ways to get that
answer. `score` reads it from the model's probabilities: the log-likelihood of each option letter
(and the EOS after it) following the prompt, as `scoring.score_choices` scores any closed set of
labels; the likeliest letter is the answer, so every question gets a valid one. `generate` lets the
model write (greedy) and parses a letter out of the text (`parse_letter`): closer to how a chat
model is used, but a small model often writes something else, which counts as wrong (``None``).
The gap between the two accuracies is what the format costs a model, not what it knows.

`load` gives the public benchmark (``cais/mmlu`` on the Hub) online; offline it falls back to
`sample`, 32 questions of the project's own (16 Italian, 16 English) in the same shape (`read`).

>>> q = Question("en-00", "What is 2 + 2?", ("3", "4", "5", "22"), "B", "en", "arithmetic")
>>> print(question_text(q))
What is 2 + 2?
A. 3
B. 4
C. 5
D. 22
>>> parse_letter("The answer is B.", 4), parse_letter("(c)", 4), parse_letter("A or B", 4)
('B', 'C', None)
>>> from biss_helpers import tiny
>>> tok = tiny.tokenizer("llama"); model = tiny.llama(tok)
>>> result = score(model, tok, [q, *sample()[:3]])
>>> result.valid, len(result.correct), result.letters[0] in "ABCD"
(4, 4, True)
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import env, generation, prompts, scoring

LETTERS = "ABCDEFGHIJ"
INSTRUCTIONS = {
    "en": "Answer the multiple-choice question with the letter of the right option.",
    "it": "Rispondi alla domanda a scelta multipla con la lettera dell'opzione giusta.",
}
SAMPLE = Path(__file__).parent / "data" / "instructions" / "questions.jsonl"
KEYS = ("id", "question", "options", "answer")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    options: tuple[str, ...]
    answer: str                       # the right option's letter: "A" for options[0]
    language: str = ""                # "it", "en", ...: picks the instruction's language
    subject: str = ""

    def __post_init__(self):
        object.__setattr__(self, "options", tuple(self.options))  # a list from JSON would be mutable
        if not 2 <= len(self.options) <= len(LETTERS):
            raise ValueError(f"question {self.id}: {len(self.options)} options; give 2 to {len(LETTERS)}")
        if not all(isinstance(o, str) and o.strip() for o in self.options):
            raise ValueError(f"question {self.id}: every option must be a non-empty string")
        if not isinstance(self.question, str) or not self.question.strip():
            raise ValueError(f"question {self.id}: the question text is empty")
        if self.answer not in LETTERS[:len(self.options)]:
            raise ValueError(f"question {self.id}: answer {self.answer!r} is not one of its option letters "
                             f"{LETTERS[0]}-{LETTERS[len(self.options) - 1]}")


def read(path) -> list[Question]:
    """The questions of a JSONL file, one object a line (blank lines skipped): ``id``, ``question``,
    ``options`` (2 to 10 strings), ``answer`` (a letter), optional ``language`` and ``subject``.
    Anything wrong is an error naming the file and the line."""
    questions: list[Question] = []
    seen: dict[str, int] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path} line {number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{where}: not JSON ({error.msg})") from None
            if not isinstance(row, dict):
                raise ValueError(f"{where}: expected a JSON object, got {type(row).__name__}")
            missing = [key for key in KEYS if key not in row]
            if missing:
                raise ValueError(f"{where}: no {', '.join(repr(k) for k in missing)}")
            if not isinstance(row["options"], list):
                raise ValueError(f"{where}: 'options' must be a list of strings")
            if row["id"] in seen:
                raise ValueError(f"{where}: id {row['id']!r} already on line {seen[row['id']]}")
            seen[row["id"]] = number
            try:
                questions.append(Question(str(row["id"]), row["question"], tuple(row["options"]),
                                          row["answer"], row.get("language", ""), row.get("subject", "")))
            except ValueError as error:
                raise ValueError(f"{where}: {error}") from None
    return questions


def sample() -> list[Question]:
    """The project's 32 bundled questions: 16 in Italian, 16 in English, the right letter spread."""
    return read(SAMPLE)


def from_mmlu(rows: Iterable[dict], limit: int | None = None) -> list[Question]:
    """Questions from rows shaped like ``cais/mmlu`` (``question``, ``subject``, ``choices``, ``answer``:
    the right choice's index). A row's ``id``, if it has one, is kept; otherwise ``mmlu-N``."""
    questions = []
    for n, row in enumerate(rows, start=1):
        if limit is not None and len(questions) >= limit:
            break
        name = row.get("id", f"mmlu-{n}")
        choices, index = list(row["choices"]), row["answer"]
        if not isinstance(index, int) or not 0 <= index < len(choices):
            raise ValueError(f"question {name}: answer {index!r} is not an index of its {len(choices)} "
                             "choices")
        questions.append(Question(name, row["question"], tuple(choices), LETTERS[index], "en",
                                  row.get("subject", "")))
    return questions


def load(name: str = "cais/mmlu", config: str = "all", split: str = "test", limit: int | None = 40,
         seed: int = 0) -> list[Question]:
    """`limit` questions of the public benchmark, drawn with `seed` (online: ``datasets``); offline,
    the project's bilingual `sample` instead, and the swap is printed."""
    if env.offline():
        questions = sample()
        print(f"offline mode: dataset {name} -> the project's bilingual sample ({len(questions)} questions, "
              f"Italian and English)")
        return questions
    import random

    from datasets import load_dataset

    data = load_dataset(name, config, split=split)
    picked = list(range(len(data)))
    random.Random(seed).shuffle(picked)
    picked = picked[:limit] if limit is not None else picked
    # the row's place in the split names it, so a question can be found again
    return from_mmlu({**data[i], "id": f"{name.split('/')[-1]}-{split}-{i}"} for i in picked)


def question_text(question: Question) -> str:
    """The question, then one line per option: ``A. ...``."""
    lines = [f"{letter}. {option}" for letter, option in zip(LETTERS, question.options, strict=False)]
    return "\n".join([question.question, *lines])


def prompt(question: Question, style: str = "alpaca_en", tokenizer=None) -> str:
    """The prompt for `question` in `style` (`prompts.build_prompt`): the instruction in the question's
    language (English unless Italian), the question and its options as the input."""
    instruction = INSTRUCTIONS.get(question.language, INSTRUCTIONS["en"])
    return prompts.build_prompt(instruction, question_text(question), style=style, tokenizer=tokenizer)


@dataclass
class Result:
    """One answer per question, in the questions' order: its letter (None: none could be read)."""

    letters: list[str | None]
    correct: list[bool]
    seconds: float
    languages: list[str] = field(default_factory=list)  # each question's, for `by_language`
    texts: list[str] = field(default_factory=list)      # what the model wrote (`generate` only)

    @property
    def accuracy(self) -> float:
        return sum(self.correct) / len(self.correct) if self.correct else 0.0

    @property
    def valid(self) -> int:
        return sum(letter is not None for letter in self.letters)

    def by_language(self) -> dict[str, float]:
        """Accuracy per language, in order of first appearance ("" for questions without one)."""
        groups: dict[str, list[bool]] = {}
        for language, right in zip(self.languages or [""] * len(self.correct), self.correct, strict=True):
            groups.setdefault(language, []).append(right)
        return {language: sum(rights) / len(rights) for language, rights in groups.items()}

    def summary(self) -> str:
        languages = ", ".join(f"{k or '?'} {v:.2f}" for k, v in self.by_language().items())
        return (f"{len(self.correct)} questions: accuracy {self.accuracy:.2f} ({languages}), "
                f"{self.valid} valid answers, {self.seconds:.1f} s")


def _result(questions: Sequence[Question], letters, seconds: float, texts=()) -> Result:
    correct = [letter == q.answer for q, letter in zip(questions, letters, strict=True)]
    return Result(list(letters), correct, seconds, [q.language for q in questions], list(texts))


def score(model, tokenizer, questions: Sequence[Question], style: str = "alpaca_en",
          batch_size: int = 16) -> Result:
    """Each question's likeliest option letter (its own letters: ``A``-``B`` for two options), by the
    log-likelihood of the letter and EOS after the prompt: always a valid answer."""
    settings = generation.GenerationSettings(prompt_style=style, batch_size=batch_size)
    texts = [prompt(q, style, tokenizer) for q in questions]
    began = time.perf_counter()
    choices = [list(LETTERS[:len(q.options)]) for q in questions]
    scored = scoring.score_choices(model, tokenizer, texts, choices, settings,
                                   names=[f"question {q.id}" for q in questions])
    return _result(questions, [s.label for s in scored], time.perf_counter() - began)


def generate(model, tokenizer, questions: Sequence[Question], style: str = "alpaca_en", batch_size: int = 16,
             max_new_tokens: int = 8) -> Result:
    """Each question answered by greedy generation, its letter read by `parse_letter` (None: none)."""
    settings = generation.GenerationSettings(prompt_style=style, batch_size=batch_size)
    texts = [prompt(q, style, tokenizer) for q in questions]
    began = time.perf_counter()
    written = generation.generate(model, tokenizer, texts, settings, max_new_tokens,
                                  names=[f"question {q.id}" for q in questions])
    letters = [parse_letter(text, len(q.options)) for text, q in zip(written, questions, strict=True)]
    return _result(questions, letters, time.perf_counter() - began, written)


# A letter standing alone as a word: not inside "Roma", "H2O" or "dell'A".
_CANDIDATE = re.compile(r"(?<![\w'’])([A-J])(?![\w'’])")
# An answer that starts like a listed option: "B) Roma", "(B) Roma", "B. Roma", "B: Roma".
_MARKER = re.compile(r"^\W*([A-J])[.):](?!\w)", re.MULTILINE)


def parse_letter(text: str, n_options: int) -> str | None:
    """The option letter a written answer gives, or None when there is none among the first
    `n_options` letters or it names several ("A or B"): a guess would credit a model that hedges.
    A letter alone may be lower case ("c"); in a sentence, only a capital letter standing alone
    counts ("The answer is C", "Risposta: D"), so words and articles such as "a" are not read as
    answers."""
    letters = LETTERS[:n_options]
    text = text.strip()
    alone = re.fullmatch(r"\W*([A-Ja-j])\W*", text)
    if alone:
        letter = alone.group(1).upper()
        return letter if letter in letters else None
    lead = _MARKER.match(text)
    if lead:  # its first line is an option; several option lines are the list echoed back
        listed = set(_MARKER.findall(text))
        return lead.group(1) if listed == {lead.group(1)} and lead.group(1) in letters else None
    found = {letter for letter in _CANDIDATE.findall(text) if letter in letters}
    return found.pop() if len(found) == 1 else None
