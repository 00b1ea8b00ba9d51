"""The official metrics of the EVALITA 2023 tasks, computed with scikit-learn and SciPy.

Each function takes gold and predicted values in the same order and returns a float (rounded to
4 decimals, as leaderboards print them). sklearn and scipy are imported inside the functions, so
importing this module stays light.

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


def _check(gold: Sequence, predicted: Sequence) -> None:
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold values but {len(predicted)} predictions")
    if not gold:
        raise ValueError("nothing to score: no gold values")


def macro_f1(gold: Sequence, predicted: Sequence, labels: Sequence | None = None) -> float:
    """Mean of the per-class F1 (every class counts the same). For multi-label tasks pass rows
    of 0/1 indicators: the mean F1 over the label columns."""
    from sklearn.metrics import f1_score

    _check(gold, predicted)
    return round(float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)), 4)


def per_class_f1(gold: Sequence, predicted: Sequence, labels: Sequence) -> dict:
    from sklearn.metrics import f1_score

    _check(gold, predicted)
    scores = f1_score(gold, predicted, labels=list(labels), average=None, zero_division=0)
    return {label: round(float(s), 4) for label, s in zip(labels, scores, strict=True)}


def accuracy(gold: Sequence, predicted: Sequence) -> float:
    from sklearn.metrics import accuracy_score

    _check(gold, predicted)
    return round(float(accuracy_score(gold, predicted)), 4)


def pearson(gold: Sequence[float], predicted: Sequence[float]) -> float:
    """Pearson's r; 0.0 when either side is constant (r is undefined there)."""
    from scipy.stats import pearsonr

    _check(gold, predicted)
    if len(set(gold)) < 2 or len(set(predicted)) < 2:
        return 0.0
    return round(float(pearsonr(gold, predicted).statistic), 4)


def spearman(gold: Sequence[float], predicted: Sequence[float]) -> float:
    """Spearman's rho; 0.0 when either side is constant."""
    from scipy.stats import spearmanr

    _check(gold, predicted)
    if len(set(gold)) < 2 or len(set(predicted)) < 2:
        return 0.0
    return round(float(spearmanr(gold, predicted).statistic), 4)


def mae(gold: Sequence[float], predicted: Sequence[float]) -> float:
    from sklearn.metrics import mean_absolute_error

    _check(gold, predicted)
    return round(float(mean_absolute_error(gold, predicted)), 4)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (latitude, longitude) points (Earth radius 6371)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


def mean_haversine_km(gold: Sequence[tuple[float, float]], predicted: Sequence[tuple[float, float]]) -> float:
    """GeoLingIt subtask B: the mean distance in km (lower is better)."""
    _check(gold, predicted)
    return round(sum(haversine_km(g, p) for g, p in zip(gold, predicted, strict=True)) / len(gold), 4)


def token_scores(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict:
    """Token-level precision, recall and F1 over `labels`, as sklearn's classification_report
    computes them (NERMuD's official scorer): micro, macro and F1 per label. Other values ("O")
    are never a class, only a miss or a false alarm of one.

    >>> token_scores(["PER", "PER", "O", "LOC"], ["PER", "O", "O", "ORG"], ["PER", "LOC", "ORG"])["micro_f1"]
    0.4
    """
    from sklearn.metrics import precision_recall_fscore_support

    _check(gold, predicted)
    scores = {}
    for average in ("macro", "micro"):
        p, r, f, _ = precision_recall_fscore_support(gold, predicted, labels=list(labels),
                                                     average=average, zero_division=0)
        scores |= {f"{average}_f1": f, f"{average}_precision": p, f"{average}_recall": r}
    each = precision_recall_fscore_support(gold, predicted, labels=list(labels), average=None,
                                           zero_division=0)[2]
    scores |= {f"f1_{label}": f for label, f in zip(labels, each, strict=True)}
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
