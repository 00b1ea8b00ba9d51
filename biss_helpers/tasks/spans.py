"""Finding a model's quoted text in the input, with exact offsets: what the structured tasks share
(NERMuD tokens, HODI rationale characters, CLinkaRT relation offsets).

A structured answer quotes the input ("[PER] Alcide De Gasperi", "un punteggio di 2,5"); the
submission needs *where* the quote is. The old decoders found only the first occurrence, or built
regular expressions from model output. Here no pattern is ever built from answer text: a quote is
looked up with `str.find` in the input with its whitespace removed (so "dell'Istituto" finds the
tokens ``dell' Istituto``), exact case first, then ignoring case, and every occurrence is known.

Which occurrence? The caller ranks them (the next one after the previous quote, the one nearest
the result, ...). When the ranking would pick the wrong one, the *target* says which with a
suffix ``#N``, the N-th occurrence in the text of those the caller allows (NERMuD: on tokens not
yet tagged): rare (1 mention in 31,485 of the real NERMuD files), but without it a round trip
could not be exact.

>>> text = "Roma batte Lazio, poi Roma perde"
>>> finder = Locator(text)
>>> finder.find_all("roma")                  # exact case first: both "Roma"
[(0, 4), (22, 26)]
>>> place(finder, "Roma", rank=after(5, text))  # the first one after offset 5
(22, 26)
>>> place(finder, "Roma #1", rank=after(5, text))  # the target asked for the first occurrence
(0, 4)
>>> quote(finder, (0, 4), rank=after(5, text))  # what the target must say to get (0, 4) back
'Roma #1'
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable

from .base import flatten

Span = tuple[int, int]  # [start, end) character offsets, end-exclusive
_HINT = re.compile(r"^(.*\S)\s*#(\d+)$", re.S)  # "text #N": our own pattern, never built from text


def fold(char: str) -> str:
    # lower case, unless lowering changes the length ("İ"): offsets must stay one per character
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char


class Locator:
    """Every occurrence of a piece of text in `text`, ignoring whitespace, as raw offsets."""

    def __init__(self, text: str):
        self.text = text
        self._where = [i for i, c in enumerate(text) if not c.isspace()]  # squeezed -> raw offset
        self._exact = "".join(text[i] for i in self._where)
        self.folded = "".join(fold(c) for c in self._exact)

    def find_all(self, piece: str, accept: Callable[[Span], bool] | None = None) -> list[Span]:
        """Spans where `piece` occurs (those `accept` allows), in text order: the exact-case
        matches, or, when there is none, the case-insensitive ones. A span starts at the first
        and ends after the last non-space character of the match."""
        for folded in (False, True):
            found = [s for s in self.occurrences(piece, folded) if accept is None or accept(s)]
            if found:
                return found
        return []

    def occurrences(self, piece: str, folded: bool = False) -> list[Span]:
        """Every span of `piece`, in text order: exact case, or ignoring case (`folded`). Both their
        starts and their ends rise (one squeezed length), so spans can be bisected."""
        needle = "".join(str(piece).split())
        if not needle:
            return []
        haystack, wanted = (self.folded, "".join(map(fold, needle))) if folded else (self._exact, needle)
        found, i = [], haystack.find(wanted)
        while i >= 0:
            found.append((self._where[i], self._where[i + len(wanted) - 1] + 1))
            i = haystack.find(wanted, i + 1)
        return found


def split_hint(piece: str) -> tuple[str, int | None]:
    """``"Roma #2"`` -> ``("Roma", 2)``; a piece without the suffix -> ``(piece, None)``."""
    match = _HINT.match(piece.strip())
    return (match.group(1), int(match.group(2))) if match else (piece.strip(), None)


def candidates(finder: Locator, piece: str, rank: Callable[[Span], tuple],
               accept: Callable[[Span], bool] | None = None) -> list[Span]:
    """Where `piece` may go, best first: only its N-th occurrence when it ends with ``#N`` (and
    is not literally in the text), else every occurrence by `rank`."""
    text, nth = split_hint(piece)
    if nth is not None and not finder.find_all(piece, accept):
        found = finder.find_all(text, accept)
        return [found[nth - 1]] if 0 < nth <= len(found) else []
    return sorted(finder.find_all(piece, accept), key=rank)


def place(finder: Locator, piece: str, rank: Callable[[Span], tuple],
          accept: Callable[[Span], bool] | None = None) -> Span | None:
    """Where `piece` goes (the best of `candidates`); None when it is nowhere."""
    found = candidates(finder, piece, rank, accept)
    return found[0] if found else None


def beside(finder: Locator, piece: str) -> Callable[[Span], Span | None]:
    """For an anchor span, where `piece` goes beside it: what `place` gives with the occurrences
    that do not overlap the anchor, whole words first, then the nearest, then the earliest (CLinkaRT
    puts a test beside its result). Each anchor costs log time, not a pass over the occurrences.

    >>> text = "Hb 12, PCR 3, Hb 14"
    >>> go = beside(Locator(text), "Hb")
    >>> go((3, 5)), go((17, 19)), beside(Locator(text), "Hb #2")((3, 5))
    ((0, 2), (14, 16), (14, 16))
    """
    text, nth = split_hint(piece)
    literal = [_Sides(finder, piece, folded) for folded in (False, True)]
    hinted = [_Sides(finder, text, folded) for folded in (False, True)] if nth is not None else []

    def go(anchor: Span) -> Span | None:
        sides = next((s for s in literal if s.kept(anchor)), None)
        if sides is None and hinted:  # `candidates`: the N-th occurrence of the text before the hint
            sides = next((s for s in hinted if s.kept(anchor)), None)
            return sides.nth(anchor, nth) if sides else None
        return sides.nearest(anchor) if sides else None
    return go


class _Sides:
    """The occurrences of a piece (one case mode), split into whole-word ones and parts of words."""

    def __init__(self, finder: Locator, piece: str, folded: bool):
        self.all = finder.occurrences(piece, folded)
        self.words = [s for s in self.all if at_word_edges(finder.text, s)]
        self.parts = [s for s in self.all if not at_word_edges(finder.text, s)]

    @staticmethod
    def _cut(spans: list[Span], anchor: Span) -> tuple[int, int]:
        # spans[lo:hi] overlap the anchor: those before end by its start, those after start after its end
        return (bisect_right(spans, anchor[0], key=lambda s: s[1]),
                bisect_left(spans, anchor[1], key=lambda s: s[0]))

    def kept(self, anchor: Span) -> int:
        lo, hi = self._cut(self.all, anchor)
        return len(self.all) - (hi - lo)

    def nth(self, anchor: Span, n: int) -> Span | None:
        lo, hi = self._cut(self.all, anchor)
        k = n - 1 if n - 1 < lo else n - 1 + hi - lo
        return self.all[k] if 0 < n and k < len(self.all) else None

    def nearest(self, anchor: Span) -> Span | None:
        for spans in (self.words, self.parts):
            lo, hi = self._cut(spans, anchor)
            near = ([(anchor[0] - spans[lo - 1][1], spans[lo - 1])] if lo else []) + \
                   ([(spans[hi][0] - anchor[1], spans[hi])] if hi < len(spans) else [])
            if near:
                return min(near)[1]  # the smaller gap, then the earlier
        return None


def numbered(finder: Locator, span: Span, accept: Callable[[Span], bool] | None = None) -> str:
    """`span`'s flattened text with ``#N``: it is the N-th occurrence of that text."""
    text = flatten(finder.text[span[0]:span[1]])
    found = finder.find_all(text, accept)
    return f"{text} #{found.index(span) + 1}" if span in found else text


def quote(finder: Locator, span: Span, rank: Callable[[Span], tuple],
          accept: Callable[[Span], bool] | None = None) -> str:
    """The text a target uses for `span`, so that `place` gives `span` back: its flattened text,
    with ``#N`` only when the ranking alone would choose another occurrence."""
    text = flatten(finder.text[span[0]:span[1]])
    return text if place(finder, text, rank, accept) == span else numbered(finder, span, accept)


def at_word_edges(text: str, span: Span) -> bool:
    """True when `span` neither starts nor ends inside a word."""
    start, end = span
    inside = (start > 0 and text[start - 1].isalnum() and text[start].isalnum()) or \
             (end < len(text) and text[end - 1].isalnum() and text[end].isalnum())
    return not inside


def after(offset: int, text: str) -> Callable[[Span], tuple]:
    """A ranking for answers listed in text order: occurrences from `offset` on first, whole
    words before parts of words, then the earliest."""
    return lambda span: (span[0] < offset, not at_word_edges(text, span), span[0])


def runs(positions) -> list[Span]:
    """Sorted character positions as maximal runs of consecutive ones.

    >>> runs([7, 3, 4, 5, 8, 12])
    [(3, 6), (7, 9), (12, 13)]
    """
    spans: list[list[int]] = []
    for p in sorted(set(positions)):
        if spans and p == spans[-1][1]:
            spans[-1][1] = p + 1
        else:
            spans.append([p, p + 1])
    return [(s, e) for s, e in spans]


# Words after which a full stop does not end an Italian (clinical) sentence.
# Units are not here: "12 mg/dl." often does end one.
ABBREVIATIONS = frozenset("dott dr prof sig sigg es ca cfr pag pagg n nr num art vs pz tel fig tab "
                          "vol cap u.o".split())
_END = re.compile(r"[.!?…]+[\"'»)\]]*\s+(?=[\"'«(\[]?[A-ZÀ-Ý])")  # our pattern, applied to input text


def sentences(text: str) -> list[Span]:
    """Sentences of `text` as spans that cover it end to end (the spaces after a sentence
    belong to it): a rule-based splitter, no model. A full stop after an abbreviation or an
    initial (``E. coli``) does not end a sentence.

    >>> text = "Il dott. Rossi misura la PCR. Valore 12 mg/dl. Esito: normale."
    >>> [text[s:e] for s, e in sentences(text)]
    ['Il dott. Rossi misura la PCR. ', 'Valore 12 mg/dl. ', 'Esito: normale.']
    """
    cuts, start = [], 0
    for match in _END.finditer(text):
        word = re.findall(r"[\w.]+$", text[start:match.start()])
        last = word[0] if word else ""
        if last.lower() in ABBREVIATIONS or (len(last) == 1 and last.isupper()):
            continue
        cuts.append((start, match.end()))
        start = match.end()
    if start < len(text) or not cuts:
        cuts.append((start, len(text)))
    return cuts
