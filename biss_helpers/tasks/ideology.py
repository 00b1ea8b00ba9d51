"""PoliticIT's answers: an author's three labels (gender, binary ideology, four-class ideology) as
the words a model writes, and back from a free answer (`read`).

The target is ExtremITA's three Italian words, in that order (``donna sinistra centrosinistra``).
An answer may use English words, write ``centro destra`` or ``centro-destra`` in two words, or
misspell a long Italian word; a label it does not give takes `FALLBACK`'s.

>>> read("Uomo, di destra (centro-destra)")
Decoded(prediction=('male', 'right', 'moderate_right'), parsed=True)
>>> read("una donna")
Decoded(prediction=('female', 'left', 'moderate_left'), parsed=False)
"""

from __future__ import annotations

import re

from .base import Decoded
from .labels import edit_distance, normalise

LABELS = ("gender", "ideology_binary", "ideology_multiclass")
VALUES = {"gender": ("male", "female"), "ideology_binary": ("left", "right"),
          "ideology_multiclass": ("left", "moderate_left", "moderate_right", "right")}
WORDS = {"female": "donna", "male": "uomo", "left": "sinistra", "right": "destra",
         "moderate_left": "centrosinistra", "moderate_right": "centrodestra"}  # ExtremITA's
GENDERS = {"donna": "female", "uomo": "male", "female": "female", "male": "male",
           "femmina": "female", "maschio": "male"}
SIDES = {"sinistra": "left", "destra": "right", "centrosinistra": "moderate_left",
         "centrodestra": "moderate_right", "left": "left", "right": "right",
         "moderateleft": "moderate_left", "moderateright": "moderate_right"}
ITALIAN = set(WORDS.values())
SIDE_OF = {"left": "left", "moderate_left": "left", "moderate_right": "right", "right": "right"}
# Most PoliticIT authors are men of the (moderate) left: the least costly guess per field.
FALLBACK = ("male", "left", "moderate_left")


def _typo(token: str, vocabulary: dict) -> str | None:
    """The label of an Italian answer word of 5+ letters that `token` misspells (short words
    like "uomo" and English aliases like "right" would catch ordinary words: "uno", "righe")."""
    for word, label in vocabulary.items():
        allowed = 2 if len(word) >= 10 else 1
        if word in ITALIAN and len(word) >= 5 and edit_distance(token, word, allowed) <= allowed:
            return label
    return None


def _find(tokens: list[str], vocabulary: dict) -> list[str]:
    """Labels of the words of `vocabulary` in `tokens`, in order; typos only when no exact word
    is there (so "ministra di destra" is read as "destra", not as a misspelt "sinistra")."""
    exact = [vocabulary[t] for t in tokens if t in vocabulary]
    return exact or [label for t in tokens if (label := _typo(t, vocabulary))]


def read(completion: str) -> Decoded:
    """Gender = the first gender word; binary = the side of the first ideology word;
    multiclass = the second ideology word, else the first (one word answers both). Binary
    and multiclass are kept as written even when they disagree: each is scored on its own,
    and gold is not forced to agree either. A missing field takes FALLBACK's value and
    makes `parsed` False."""
    text = re.sub(r"\b(centro|moderate) (sinistra|destra|left|right)\b", r"\1\2",
                  normalise(completion))
    genders, sides = _find(text.split(), GENDERS), _find(text.split(), SIDES)
    gender = genders[0] if genders else FALLBACK[0]
    if not sides:
        return Decoded((gender, *FALLBACK[1:]), False)
    prediction = (gender, SIDE_OF[sides[0]], sides[1] if len(sides) > 1 else sides[0])
    return Decoded(prediction, bool(genders))
