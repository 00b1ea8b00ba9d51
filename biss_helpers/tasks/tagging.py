"""A NERMuD answer placed on its sentence: each quoted mention on whole tokens not tagged yet, as
`Nermud.read_answer` decodes it. The next occurrence after the previous mention first (`spans`),
ExtremITA's several mentions after one tag as in-order runs (`inorder`), a mangled mention on its
nearest spelling (`labels.edit_distance`), each search within a bounded budget.

>>> s = Sentence("Il prof. Ferri incontra Neri a Roma".split())
>>> s.take(s.split("Ferri Neri")[0][0], "PER")
>>> s.tags
['O', 'O', 'B-PER', 'O', 'O', 'O', 'O']
>>> s.nearest_spelling("Nerri"), s.free((9, 14)), s.free((31, 35))   # a typo; Ferri is taken
((24, 28), False, True)
"""

from __future__ import annotations

from .inorder import InOrder, Run
from .labels import edit_distance
from .spans import Locator, after, split_hint

# Looking for mangled mentions costs a sentence at most this many spans and characters compared, in
# all: about 0.3 s. A real answer needs far less (the longest real sentence, 215 tokens, against a
# 100-character mention: 65,000); a runaway answer of mangled mentions would cost sentence x answer.
FUZZY_WORK = 400_000


class Sentence:
    """A sentence being tagged: its text, the token edges in it, and the tags given so far."""

    def __init__(self, tokens: list[str]):
        self.text, self.starts, self.ends, position = " ".join(tokens), [], [], 0
        for token in tokens:  # a token's edges are its first and last non-space characters
            self.starts.append(position + len(token) - len(token.lstrip()))
            self.ends.append(position + len(token.rstrip()))
            position += len(token) + 1
        self.first = {s: i for i, s in enumerate(self.starts)}
        self.last = {e: i for i, e in enumerate(self.ends)}
        self.finder, self.tags, self.cursor = Locator(self.text), ["O"] * len(tokens), 0
        self.work = FUZZY_WORK  # what `nearest_spelling` may still spend
        self.tokens, self._words = tokens, None  # `words`: built the first time a quote is split

    def free(self, span) -> bool:
        """`span` covers whole tokens, none of them tagged yet."""
        i, j = self.first.get(span[0]), self.last.get(span[1])
        return i is not None and j is not None and i <= j and set(self.tags[i:j + 1]) == {"O"}

    def rank(self):
        return after(self.cursor, self.text)

    def take(self, span, kind: str) -> None:
        i, j = self.first[span[0]], self.last[span[1]]
        self.tags[i:j + 1] = [f"B-{kind}"] + [f"I-{kind}"] * (j - i)
        self.cursor = span[1]

    def split(self, mention: str) -> tuple[list, list[str]]:
        """A quote that is no one span, as several mentions: the longest in-order runs of its words
        on whole free tokens (`inorder.InOrder`), from the sentence's start (ExtremITA lists mentions
        grouped by type, so a type's list may start before the previous mention). Returns the
        runs' spans and the words found nowhere (each stretch of them joined by spaces).

        >>> s = Sentence("Ferri e Neri : Ferri".split())
        >>> s.split("Ferri Neri Ferri Xyz")
        ([(0, 5), (8, 12), (15, 20)], ['Xyz'])
        """
        words = split_hint(mention)[0].split()
        if len(words) < 2:  # one word: `place` has looked for it on every free token already
            return [], [" ".join(words)] if words else []
        if self._words is None:
            self._words = InOrder([t.strip() for t in self.tokens])
        runs, missing = self._words.place(words, 0, lambda i: self.tags[i] == "O")
        return [self.token_span(run) for run in runs], [" ".join(words[a:b]) for a, b in missing]

    def token_span(self, run: Run):
        return self.starts[run.text], self.ends[run.text + run.length - 1]

    def nearest_spelling(self, mention: str):
        """Free tokens spelt like a mangled `mention`, about one edit per five characters; None when
        there are none, or when the sentence's `FUZZY_WORK` is spent before the search ends."""
        text = split_hint(mention)[0]
        wanted, words = "".join(text.split()).lower(), len(text.split())
        budget, best = len(wanted) // 5, None  # under 5 characters a typo is another word
        for i in range(len(self.starts) if budget else 0):
            for j in range(i + max(1, words - 1), min(i + words + 2, len(self.starts) + 1)):
                span = (self.starts[i], self.ends[j - 1])
                found = "".join(self.text[span[0]:span[1]].split()).lower()
                self.work -= 1 + len(found)
                if self.work < 0:
                    return None
                if abs(len(found) - len(wanted)) <= budget and self.free(span):
                    rank = (edit_distance(found, wanted, budget), *self.rank()(span))
                    if rank[0] <= budget and (best is None or rank < best[0]):
                        best = (rank, span)
        return best and best[1]
