"""Labels as words, and back: the verbaliser every classification task uses, tolerant decoding,
numbers in free text, and `echoes` of the prompt (a completion that repeats it is no answer).

A model's answer is rarely exactly the target word: "Sì.", "risposta: non_odio", "Odio!",
"odiio" (a typo). `Verbaliser.decode` normalises case, accents, underscores and
punctuation, then looks for the words of each label (the longest match wins, so "non odio" is
never read as "odio"), then tries a small edit distance, and only then falls back.

>>> v = Verbaliser({1: "odio", 0: "non_odio"}, aliases={"sì": 1, "no": 0}, fallback=0)
>>> v.word(0)
'non_odio'
>>> [(d.prediction, d.parsed) for d in map(v.decode, ("Non odio.", "ODIO", "sì", "nonodio", "boh"))]
[(0, True), (1, True), (1, True), (0, True), (0, False)]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Mapping
from functools import cache
from typing import Any

from .base import ECHO_WORDS, TEMPLATE_MARKERS, Decoded

# A number: a sign only where no letter or digit is glued before it ("3-5" is a range, "V -1" a
# value), a decimal point or comma, an exponent; a digit run is never cut in two.
NUMBER = r"(?:(?<!\w)[-+])?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?"
_NUMBER = re.compile(NUMBER)


def normalise(text: str) -> str:
    """Lower case, accents removed, ``_`` and punctuation as spaces, single spaces.

    >>> normalise("  Sì, NON_Coerente!! nn è odio")
    'si non coerente non e odio'
    """
    # drop the accents only: any other symbol (a typographic apostrophe too) separates words
    text = "".join(c for c in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(c))
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    # "nn" is the everyday chat shorthand for "non": "nn odio" must not read as "odio"
    return re.sub(r"\bnn\b", "non", text).strip()


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Levenshtein distance (insertions, deletions, substitutions all cost 1). With `limit`, strings
    whose lengths differ by more are not compared: the answer is then ``limit + 1``.

    Linear in the longer string, never quadratic: Myers' bit-parallel algorithm keeps a column of
    the distance table as the bits of two integers, one bit per character of the shorter string.

    >>> edit_distance("omotransfobico", "omotransfobio"), edit_distance("x" * 10**6, "odio", limit=1)
    (1, 2)
    """
    if len(a) < len(b):
        a, b = b, a
    if limit is not None and len(a) - len(b) > limit:
        return limit + 1
    if not b:
        return len(a)
    masks: dict[str, int] = {}
    for i, char in enumerate(b):
        masks[char] = masks.get(char, 0) | 1 << i
    full, top = (1 << len(b)) - 1, 1 << (len(b) - 1)
    plus, minus, distance = full, 0, len(b)  # the column's +1 and -1 steps; its last cell
    for char in a:
        equal = masks.get(char, 0)
        vertical = equal | minus
        horizontal = (((equal & plus) + plus) ^ plus) | equal
        up, down = minus | ~(horizontal | plus), plus & horizontal
        distance += 1 if up & top else -1 if down & top else 0
        up, down = up << 1 | 1, down << 1  # the first row is 0, 1, 2...: a +1 step enters
        plus, minus = (down | ~(vertical | up)) & full, up & vertical
    return distance


def _typo(word: str, target: str) -> int | None:
    """Edit distance of `word` from `target` if small enough to be a typo of it, else None."""
    allowed = 0 if len(target) < 4 else 1 if len(target) < 9 else 2
    distance = edit_distance(word, target, limit=allowed)
    return distance if distance <= allowed else None


class Verbaliser:
    """A closed label set: label -> the word(s) the model is trained to write, and back.

    `words` maps each official label to its verbalisation (each must be distinct after
    `normalise`); `aliases` adds other spellings the decoder also accepts (ExtremITA's ``sì``/``no``,
    ``Coerente``, English names...); `fallback` is the label given to text that matches nothing.
    """

    def __init__(self, words: Mapping[Hashable, str], aliases: Mapping[str, Hashable] | None = None,
                 fallback: Any = None):
        self.words = dict(words)
        self.fallback = fallback
        self.phrases: dict[str, Hashable] = {}
        for label, word in self.words.items():
            key = normalise(word)
            if not key or key in self.phrases:
                raise ValueError(f"verbalisation {word!r} of {label!r} is empty or not distinct")
            self.phrases[key] = label
        for alias, label in (aliases or {}).items():
            if label not in self.words:
                raise ValueError(f"alias {alias!r} names unknown label {label!r}")
            self.phrases.setdefault(normalise(alias), label)
        # longest phrase first: "non odio" must win over "odio"
        self._ordered = sorted(self.phrases, key=lambda p: (-len(p.split()), -len(p)))

    def word(self, label: Hashable) -> str:
        if label not in self.words:
            raise KeyError(f"unknown label {label!r}; known: {', '.join(map(str, self.words))}")
        return self.words[label]

    def find(self, text: str) -> tuple[Hashable | None, int]:
        """(label, word position) of the best phrase in `text`, or (None, -1).

        Every window of the answer's words is compared with every phrase of as many words: the
        same words, or the words run together (``nonodio``), or each word within a small edit
        distance (none for words under 4 letters, 1 up to 8, then 2). The phrase with the most
        words wins (so ``non odio`` beats the ``odio`` inside it), then the closest, then the
        earliest. Typos are looked for only in the first words of the answer, where the label is.
        """
        norm = normalise(text)
        if not norm:
            return None, -1
        if norm in self.phrases:
            return self.phrases[norm], 0
        words = norm.split()
        best = None  # (-words in the phrase, distance, position, phrase)
        for phrase in self._ordered:
            parts = phrase.split()
            size = len(parts)
            for at in range(len(words)):
                window = words[at:at + size]
                if window == parts or (size > 1 and words[at] == "".join(parts)):
                    distance = 0
                elif at < 6 and len(window) == size:
                    typos = [_typo(w, p) for w, p in zip(window, parts, strict=True)]
                    if None in typos:
                        continue
                    distance = sum(typos)
                else:
                    continue
                if best is None or (-size, distance, at) < best[:3]:
                    best = (-size, distance, at, phrase)
        return (None, -1) if best is None else (self.phrases[best[3]], best[2])

    def decode(self, text: str) -> Decoded:
        label, _ = self.find(text)
        return Decoded(self.fallback, False) if label is None else Decoded(label, True)


def numbers(text: str) -> list[float]:
    """Every number in `text`, in order: a decimal comma counts as a point, a sign only when not
    glued to a word or number before it, an exponent is part of the number. Too large a number is
    ``inf`` (never cut in two): the decoders refuse it with anything outside their range.

    >>> numbers("V 3,5 A 2.75 e D -1"), numbers("3-5, V-1, 1e5, 2.5E-1, 1e999"), numbers("9" * 400)
    ([3.5, 2.75, -1.0], [3.0, 5.0, 1.0, 100000.0, 0.25, inf], [inf])
    """
    return [float(n.replace(",", ".")) for n in _NUMBER.findall(str(text))]


# the prompt's markers in any case and spacing ("###Risposta :"): our own constants, never answer text
_MARKER = re.compile("|".join(re.escape(m).replace(r"\ ", r"\s*").replace(":", r"\s*:")
                              for m in TEMPLATE_MARKERS), re.I)


def echoes(text: str, instruction: str, answer_words: frozenset[str] = frozenset()) -> bool:
    """`text` repeats the prompt: a template marker (`base.TEMPLATE_MARKERS`), or `base.ECHO_WORDS`
    consecutive words of `instruction` that are not numbers or `answer_words`. Linear time.

    >>> instruction = "Questo tweet contiene discorsi d'odio? Rispondi odio o non_odio."
    >>> [echoes(t, instruction) for t in ("odio", "Questo tweet contiene discorsi d'odio", "###risposta :")]
    [False, True, True]
    """
    if _MARKER.search(text):
        return True
    return not _instruction_shingles(instruction, answer_words).isdisjoint(shingles(text, ECHO_WORDS))


@cache
def _instruction_shingles(instruction: str, answer_words: frozenset[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(shingles(instruction, ECHO_WORDS, answer_words))  # once per task, not per answer


def shingles(text: str, size: int, skip: frozenset[str] = frozenset()) -> set[tuple[str, ...]]:
    """Every run of `size` consecutive words of ``normalise(text)``; a run holds no number and no
    word of `skip` (numbers and answer words are what real answers share with an instruction).

    >>> sorted(shingles("Rispondi con un numero da 1 a 4", 2, frozenset({"numero"})))
    [('con', 'un'), ('rispondi', 'con')]
    """
    found, run = set(), []
    for word in normalise(text).split():
        if word.isdigit() or word in skip:
            run = []
            continue
        run.append(word)
        if len(run) >= size:
            found.add(tuple(run[-size:]))
    return found
