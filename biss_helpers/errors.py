"""Where the model goes wrong: error analysis of a task's answers (`evaluation.Answer`, both sides
decoded), one function per kind of task.

- `confusion`: closed tasks, gold label against predicted label;
- `worst`: numbers (scores, V/A/D, coordinates), the rows furthest from the gold;
- `entity_errors`: NERMuD mentions per type: right, missed, spurious, wrong type, wrong boundary;
- `relation_errors`: CLinkaRT relations: right, missed, spurious, and half right (one span right);
- `mistakes`: a few wrong rows to read, with the input, the gold and what the model wrote.

>>> from biss_helpers.evaluation import Answer
>>> answers = [Answer("1", "haspeede", "x", "odio", "odio", 1, 1, True),
...            Answer("2", "haspeede", "y", "odio", "non_odio", 1, 0, True),
...            Answer("3", "haspeede", "z", "non_odio", "boh", 0, 0, False)]
>>> confusion(answers)
(['non_odio', 'odio'], [[1, 0], [1, 1]])
"""

from __future__ import annotations

from collections import Counter

from .metrics import haversine_km
from .tasks import get_task


def confusion(answers) -> tuple[list[str], list[list[int]]]:
    """(labels as the model writes them, counts[gold][predicted]) over the labels seen."""
    task = get_task(answers[0].task)
    labels = sorted({a.gold_value for a in answers} | {a.value for a in answers}, key=str)
    index = {label: k for k, label in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    for a in answers:
        counts[index[a.gold_value]][index[a.value]] += 1
    return [task.show(label) if task.choices() is None else task.verbalise(label) for label in labels], counts


def distance(answer) -> float:
    """How far a numeric answer is from its gold: km for coordinates, else the mean absolute
    difference (over V, A and D for EmotivITA)."""
    if answer.task == "geolingit_b":
        return haversine_km(answer.gold_value, answer.value)
    gold = answer.gold_value if isinstance(answer.gold_value, tuple) else (answer.gold_value,)
    mine = answer.value if isinstance(answer.value, tuple) else (answer.value,)
    return sum(abs(g - m) for g, m in zip(gold, mine, strict=True)) / len(gold)


def worst(answers, count: int = 5) -> list[tuple[float, object]]:
    """The `count` answers furthest from their gold, furthest first, as (distance, answer)."""
    return sorted(((round(distance(a), 3), a) for a in answers), key=lambda pair: -pair[0])[:count]


def _mentions(tags) -> set[tuple[int, int, str]]:
    from .tasks.conll import mentions

    return set(mentions(tags))


def entity_errors(answers) -> dict[str, Counter]:
    """Entity type -> counts of ``right``, ``missed``, ``spurious``, ``wrong type`` (same tokens,
    another type) and ``wrong boundary`` (same type, overlapping tokens) over NERMuD answers."""
    found: dict[str, Counter] = {}
    for a in answers:
        gold, mine = _mentions(a.gold_value), _mentions(a.value)
        for start, end, kind in gold:
            counter = found.setdefault(kind, Counter())
            if (start, end, kind) in mine:
                counter["right"] += 1
            elif any((s, e) == (start, end) for s, e, _ in mine):
                counter["wrong type"] += 1
            elif any(k == kind and s < end and start < e for s, e, k in mine):
                counter["wrong boundary"] += 1
            else:
                counter["missed"] += 1
        for start, end, kind in mine:
            if not any(s < end and start < e for s, e, _ in gold):
                found.setdefault(kind, Counter())["spurious"] += 1
    return found


def relation_errors(answers) -> Counter:
    """Counts of CLinkaRT relations: ``right``, ``half right`` (the result or the test span right,
    not both), ``missed`` and ``spurious`` (a predicted relation with no span of a gold one)."""
    counts: Counter = Counter()
    for a in answers:
        gold, mine = set(a.gold_value), set(a.value)
        for relation in gold:
            if relation in mine:
                counts["right"] += 1
            elif any(r[:2] == relation[:2] or r[2:] == relation[2:] for r in mine):
                counts["half right"] += 1
            else:
                counts["missed"] += 1
        counts["spurious"] += sum(not any(r[:2] == g[:2] or r[2:] == g[2:] for g in gold)
                                  for r in mine - gold)
    return counts


def mistakes(answers, count: int = 3, width: int = 160) -> list[str]:
    """The first `count` wrong answers as text to read: input (cut to `width`), gold, completion,
    and whether the completion parsed."""
    shown = []
    for a in (a for a in answers if a.value != a.gold_value):
        text = a.input if len(a.input) <= width else a.input[:width - 3] + "..."
        shown.append(f"{a.task}:{a.id}\n  input:  {text}\n  gold:   {a.gold}\n  model:  {a.completion!r}"
                     + ("" if a.parsed else "  (did not parse: the fallback was scored)"))
        if len(shown) == count:
            break
    return shown
