"""Labels as words, and back: the verbaliser every classification task uses, tolerant decoding,
and numbers in free text.

A model's answer is rarely exactly the target word: "Sì.", "risposta: non_odio", "Odio!",
"omotransfobio" (a typo). `Verbaliser.decode` normalises case, accents, underscores and
punctuation, then looks for the words of each label (the longest match wins, so "non odio" is
never read as "odio"), then tries a small edit distance, and only then falls back.

>>> v = Verbaliser({1: "odio", 0: "non_odio"}, aliases={"sì": 1, "no": 0}, fallback=0)
>>> v.word(0)
'non_odio'
>>> [(d.prediction, d.parsed) for d in map(v.decode, ("Non odio.", "ODIO", "sì", "nn_odio", "boh"))]
[(0, True), (1, True), (1, True), (0, True), (0, False)]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Mapping
from typing import Any

from .base import Decoded

_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def normalise(text: str) -> str:
    """Lower case, accents removed, ``_`` and punctuation as spaces, single spaces.

    >>> normalise("  Sì, NON_Coerente!! ")
    'si non coerente'
    """
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    return text.strip()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions all cost 1).

    >>> edit_distance("omotransfobico", "omotransfobio")
    1
    """
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


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
        """(label, position) of the best phrase in `text`, or (None, -1). Exact answer first,
        then the longest phrase found as whole words (earliest on ties), then a typo within
        edit distance 1 (2 for words of 8+ letters) of the first words of the answer."""
        norm = normalise(text)
        if not norm:
            return None, -1
        if norm in self.phrases:
            return self.phrases[norm], 0
        padded = f" {norm} "
        best = None
        for phrase in self._ordered:
            at = padded.find(f" {phrase} ")
            if at >= 0:
                size = len(phrase.split())
                if best is None or (size, -at) > (best[0], -best[1]):
                    best = (size, at, phrase)
        if best is not None:
            return self.phrases[best[2]], best[1]
        words = norm.split()
        for phrase in self._ordered:
            size = len(phrase.split())
            candidate = " ".join(words[:size])
            if edit_distance(candidate, phrase) <= (2 if len(phrase) >= 8 else 1) and len(phrase) > 2:
                return self.phrases[phrase], 0
        return None, -1

    def decode(self, text: str) -> Decoded:
        label, _ = self.find(text)
        return Decoded(self.fallback, False) if label is None else Decoded(label, True)


def numbers(text: str) -> list[float]:
    """Every number in `text`, in order; a decimal comma counts as a point.

    >>> numbers("V 3,5 A 2.75 e D -1")
    [3.5, 2.75, -1.0]
    """
    return [float(n.replace(",", ".")) for n in _NUMBER.findall(str(text))]


def clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))
