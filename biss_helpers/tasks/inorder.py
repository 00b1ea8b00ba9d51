"""Answer words placed on a text's words as the longest in-order runs: how ExtremITA's answers are
read when no one span of the input holds them. ExtremITA joined the words of several NERMuD mentions
of one type after a single tag, and the words of a HODI B rationale, with spaces, dropping the
punctuation between them; the runs of those words are still in the input, in order.

>>> text = "ieri il sindaco di Bari ha detto che i gay sono malati".split()
>>> runs, missing = InOrder(text).place("i gay sono malati sindaco Bari".split())
>>> [" ".join(text[r.text:r.text + r.length]) for r in runs], missing   # in order only: no way back
(['i gay sono malati'], [(4, 6)])
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import NamedTuple

from .spans import fold

_WORD = re.compile(r"\w+")  # a word of a text or an answer, for pieces no one span holds

# Placing answer words as runs costs a text at most this many word looks, in all (a few milliseconds):
# a real answer needs far less (the BISS-2024 rows need 48 at most: 38 rationale words in a 51-word
# post); a runaway one of common words would cost answer x text (4,000 "a" against a post of 500 "a").
RUN_WORK = 20_000


class Run(NamedTuple):
    """`length` answer words from answer word `answer` on, found as text words `text` on."""

    answer: int
    text: int
    length: int


def fold_word(word: str) -> str:
    """A word as runs compare it: lower case, one character per character (see `spans.fold`)."""
    return "".join(map(fold, word))


class InOrder:
    """The words of a text, indexed once, on which answer words are placed as the longest in-order
    runs (`place`). ExtremITA joined the words of several mentions, or of a rationale, with spaces
    and dropped the punctuation between them: no one span holds them, but runs of them are found.
    Every call of one text spends from one `RUN_WORK` budget, so no answer costs more than that.

    >>> text = "le Autorità Militari Alleate non hanno lo Stato italiano accanto".split()
    >>> runs, missing = InOrder(text).place("Autorità Militari Alleate Stato italiano Xyz".split())
    >>> [" ".join(text[r.text:r.text + r.length]) for r in runs], missing
    (['Autorità Militari Alleate', 'Stato italiano'], [(5, 6)])
    """

    def __init__(self, words: Sequence[str], work: int = RUN_WORK):
        self.words = [fold_word(w) for w in words]
        self.work = work  # what `place` may still spend
        self._at: dict[str, list[int]] = {}
        for i, word in enumerate(self.words):
            self._at.setdefault(word, []).append(i)

    def place(self, answer: Sequence[str], start: int = 0,
              free: Callable[[int], bool] | None = None) -> tuple[list[Run], list[tuple[int, int]]]:
        """Greedy, left to right: the longest run of `answer` words (from the first not yet placed)
        that text words hold contiguously after the previous run (from word `start` for the first),
        the earliest of the longest; then the next. Only text words that are `free` (default: all)
        are used. Returns the runs, in answer order, and the [start, end) ranges of answer words
        found nowhere after the previous run (all the words left when the budget is spent)."""
        if self.work < 0:  # spent by earlier answers of this text
            return [], [(0, len(answer))] if len(answer) else []
        wanted = [fold_word(w) for w in answer]
        runs: list[Run] = []
        missing: list[tuple[int, int]] = []
        k = 0
        while k < len(wanted):
            best = self._longest(wanted, k, start, free)
            if best is not None and best.length:
                runs.append(best)
                k, start = k + best.length, best.text + best.length
                continue
            # not found; or the budget is spent (None), and no word from here on is placed
            end = k + 1 if best is not None else len(wanted)
            if missing and missing[-1][1] == k:  # one range for words missing side by side
                missing[-1] = (missing[-1][0], end)
            else:
                missing.append((k, end))
            k = end
        return runs, missing

    def _longest(self, wanted: list[str], k: int, start: int,
                 free: Callable[[int], bool] | None) -> Run | None:
        """The longest run of `wanted[k:]` from text word `start` on (length 0: none). When the
        budget runs out: the longest found so far, or None if there is none (and None ever after)."""
        if self.work < 0:
            return None
        best, most = Run(k, start, 0), len(wanted) - k
        positions = self._at.get(wanted[k], [])
        for j in range(bisect_left(positions, start), len(positions)):
            i = positions[j]
            if min(most, len(self.words) - i) <= best.length:
                break  # the later words have no room for a longer run
            self.work -= 1  # a taken word costs a look too
            if free is None or free(i):
                n = 1
                while n < most and i + n < len(self.words) and self.words[i + n] == wanted[k + n] \
                        and (free is None or free(i + n)):
                    n += 1
                self.work -= n
                if n > best.length:
                    best = Run(k, i, n)
            if self.work < 0:
                break
        return best if best.length or self.work >= 0 else None


class TextWords:
    """A text's words (runs of letters and digits) with their character spans, indexed once: answer
    text placed as runs of words, back on character positions (HODI B's rationales).

    >>> words = TextWords("Orrore: utero in affitto, il delirio!")
    >>> found, missing = words.place("utero in affitto il delirio Xyz", 0)
    >>> [(r.start, r.stop) for r in found], missing
    ([(8, 36)], ['Xyz'])
    """

    def __init__(self, text: str):
        found = list(_WORD.finditer(text))
        self.spans = [m.span() for m in found]
        self.starts = [start for start, _ in self.spans]
        self.index = InOrder([m.group() for m in found])

    def place(self, piece: str, cursor: int) -> tuple[list[range], list[str]]:
        """`piece`'s words as the longest in-order runs of the text's words from `cursor` on
        (`inorder.InOrder`): the character positions of each run, first word to last, punctuation
        between them included; and the stretches of words found nowhere, joined by spaces."""
        words = _WORD.findall(piece)
        if not words:
            return [], [piece]
        found, missing = self.index.place(words, bisect_left(self.starts, cursor))
        return ([range(self.spans[r.text][0], self.spans[r.text + r.length - 1][1]) for r in found],
                [" ".join(words[a:b]) for a, b in missing])
