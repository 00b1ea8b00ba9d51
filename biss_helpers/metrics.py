"""The official metrics of the EVALITA 2023 tasks.

Each function takes gold and predicted values in the same order and returns a float (rounded to
4 decimals, as leaderboards print them), the number scikit-learn and SciPy give (the official
scorers use them; tests/test_metrics.py compares on random data). They are written out in plain
Python because the bootstrap (`evaluation`) computes each metric a thousand times on a few dozen
values, where scikit-learn's input checks cost 1-2 ms a call and the sums a few microseconds.

>>> macro_f1([1, 0, 1, 0], [1, 0, 0, 0])
0.7333
>>> accuracy(["a", "b"], ["a", "a"])
0.5
>>> round(haversine_km((45.4642, 9.19), (41.9028, 12.4964)))  # Milano - Roma
477
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def check(gold: Sequence, predicted: Sequence, what: str = "values") -> None:
    """Gold and predicted `what` pair up one to one: the same number, at least one (every metric
    here, and each task's `measure` before it flattens sentences or rows, starts with it).

    >>> check([["O"]], [], "sentences")
    Traceback (most recent call last):
    ...
    ValueError: 1 gold sentences but 0 predictions
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold {what} but {len(predicted)} predictions")
    if not gold:
        raise ValueError(f"nothing to score: no gold {what}")


def _columns(gold: Sequence, predicted: Sequence, labels: Sequence | None) -> dict:
    """Label -> (gold indicators, predicted indicators): one per class of single-label values (the
    classes in gold or predictions, or `labels`), one per column of multi-label 0/1 rows."""
    if isinstance(gold[0], (list, tuple)):
        picked = range(len(gold[0])) if labels is None else labels
        return {k: ([row[k] == 1 for row in gold], [row[k] == 1 for row in predicted]) for k in picked}
    picked = sorted(set(gold) | set(predicted), key=str) if labels is None else labels
    return {label: ([g == label for g in gold], [p == label for p in predicted]) for label in picked}


def _counts(truth: list[bool], guess: list[bool]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of one label."""
    tp = sum(t and g for t, g in zip(truth, guess, strict=True))
    return tp, sum(guess) - tp, sum(truth) - tp


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1; 0.0 where undefined (scikit-learn's ``zero_division=0``)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def macro_f1(gold: Sequence, predicted: Sequence, labels: Sequence | None = None) -> float:
    """Mean of the per-class F1 (every class counts the same) over the classes in gold or
    predictions (or `labels`), as scikit-learn's ``f1_score(average="macro")``. For multi-label
    tasks pass rows of 0/1 indicators: the mean F1 over the label columns."""
    check(gold, predicted)
    f1 = [_prf(*_counts(*pair))[2] for pair in _columns(gold, predicted, labels).values()]
    return round(sum(f1) / len(f1), 4)


def per_class_f1(gold: Sequence, predicted: Sequence, labels: Sequence) -> dict:
    check(gold, predicted)
    return {label: round(_prf(*_counts(*pair))[2], 4)
            for label, pair in _columns(gold, predicted, list(labels)).items()}


def accuracy(gold: Sequence, predicted: Sequence) -> float:
    """Share of exact matches (for multi-label rows: every column right)."""
    check(gold, predicted)
    same = sum(tuple(g) == tuple(p) if isinstance(g, (list, tuple)) else g == p
               for g, p in zip(gold, predicted, strict=True))
    return round(same / len(gold), 4)


def _r(x: Sequence[float], y: Sequence[float]) -> float:
    mx, my = sum(x) / len(x), sum(y) / len(y)
    dx, dy = [a - mx for a in x], [b - my for b in y]
    spread = math.sqrt(sum(a * a for a in dx) * sum(b * b for b in dy))
    return sum(a * b for a, b in zip(dx, dy, strict=True)) / spread


def pearson(gold: Sequence[float], predicted: Sequence[float]) -> float:
    """Pearson's r; 0.0 when either side is constant (r is undefined there)."""
    check(gold, predicted)
    if len(set(gold)) < 2 or len(set(predicted)) < 2:
        return 0.0
    return round(_r(gold, predicted), 4)


def _ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing their mean rank (as SciPy's ``rankdata``)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks, start = [0.0] * len(values), 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for k in range(start, end + 1):
            ranks[order[k]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(gold: Sequence[float], predicted: Sequence[float]) -> float:
    """Spearman's rho (Pearson's r of the ranks); 0.0 when either side is constant."""
    check(gold, predicted)
    if len(set(gold)) < 2 or len(set(predicted)) < 2:
        return 0.0
    return round(_r(_ranks(gold), _ranks(predicted)), 4)


def mae(gold: Sequence[float], predicted: Sequence[float]) -> float:
    check(gold, predicted)
    return round(math.fsum(abs(g - p) for g, p in zip(gold, predicted, strict=True)) / len(gold), 4)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (latitude, longitude) points (Earth radius 6371)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


def mean_haversine_km(gold: Sequence[tuple[float, float]], predicted: Sequence[tuple[float, float]]) -> float:
    """GeoLingIt subtask B: the mean distance in km (lower is better)."""
    check(gold, predicted)
    return round(sum(haversine_km(g, p) for g, p in zip(gold, predicted, strict=True)) / len(gold), 4)


def token_scores(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict:
    """Token-level precision, recall and F1 over `labels`, as sklearn's classification_report
    computes them (NERMuD's official scorer): micro, macro and F1 per label. Other values ("O")
    are never a class, only a miss or a false alarm of one.

    >>> token_scores(["PER", "PER", "O", "LOC"], ["PER", "O", "O", "ORG"], ["PER", "LOC", "ORG"])["micro_f1"]
    0.4
    """
    check(gold, predicted)
    counts = {label: _counts(*pair) for label, pair in _columns(gold, predicted, list(labels)).items()}
    each = {label: _prf(*c) for label, c in counts.items()}
    scores = {f"macro_{name}": sum(v[k] for v in each.values()) / len(each)
              for k, name in enumerate(("precision", "recall", "f1"))}
    micro = _prf(*(sum(c[k] for c in counts.values()) for k in range(3)))
    scores = {"macro_f1": scores["macro_f1"], "macro_precision": scores["macro_precision"],
              "macro_recall": scores["macro_recall"], "micro_f1": micro[2], "micro_precision": micro[0],
              "micro_recall": micro[1], **{f"f1_{label}": f for label, (_, _, f) in each.items()}}
    return {key: round(float(value), 4) for key, value in scores.items()}


def set_scores(gold: set, predicted: set, prefix: str = "") -> dict:
    """Precision, recall and F1 of predicted items (entities, relations: hashable tuples) against
    gold ones, exact matches only; all 1.0 when both sets are empty (nothing to find, nothing found).

    >>> set_scores({(1, 4), (7, 9)}, {(1, 4), (7, 8)}, prefix="entity_")
    {'entity_precision': 0.5, 'entity_recall': 0.5, 'entity_f1': 0.5}
    """
    hits = len(gold & predicted)
    precision = hits / len(predicted) if predicted else float(not gold)
    recall = hits / len(gold) if gold else float(not predicted)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {f"{prefix}precision": round(precision, 4), f"{prefix}recall": round(recall, 4),
            f"{prefix}f1": round(f1, 4)}
