"""The official metrics against hand computations on a few values, and their edge cases."""

import math

import pytest

from biss_helpers import metrics

KM_PER_DEGREE = 2 * math.pi * 6371.0 / 360  # one degree of a great circle, Earth radius 6371 km


def test_macro_f1_is_the_mean_of_per_class_f1():
    gold, predicted = ["a", "a", "b", "c"], ["a", "b", "b", "b"]
    # a: P 1, R 1/2 -> 2/3; b: P 1/3, R 1 -> 1/2; c: never predicted -> 0
    assert metrics.per_class_f1(gold, predicted, ["a", "b", "c"]) == {"a": 0.6667, "b": 0.5, "c": 0.0}
    assert metrics.macro_f1(gold, predicted) == round((2 / 3 + 1 / 2 + 0) / 3, 4) == 0.3889
    assert metrics.macro_f1([1, 0, 1, 0], [1, 0, 0, 0]) == round((2 / 3 + 4 / 5) / 2, 4) == 0.7333


def test_macro_f1_with_labels_scores_only_those():
    gold, predicted = ["a", "a", "b", "x"], ["a", "b", "b", "x"]
    assert metrics.macro_f1(gold, predicted, labels=["a", "b"]) == round((2 / 3 + 2 / 3) / 2, 4)
    assert metrics.per_class_f1(gold, predicted, ["b"]) == {"b": 0.6667}


def test_macro_f1_of_indicator_rows_is_the_mean_over_label_columns():
    gold = [[1, 0], [1, 1], [0, 1]]
    predicted = [[1, 0], [0, 1], [0, 0]]
    # column 0: P 1, R 1/2 -> 2/3; column 1: P 1, R 1/2 -> 2/3
    assert metrics.macro_f1(gold, predicted) == 0.6667


def test_accuracy():
    assert metrics.accuracy(["a", "b"], ["a", "a"]) == 0.5
    assert metrics.accuracy([1, 2, 3], [1, 2, 0]) == 0.6667
    assert metrics.accuracy([0], [0]) == 1.0


def test_pearson():
    gold, predicted = [1, 2, 3], [2, 4, 7]
    # deviations (-1, 0, 1) and (-7/3, -1/3, 8/3): r = 5 / sqrt(2 * 114/9)
    assert metrics.pearson(gold, predicted) == round(5 / math.sqrt(2 * 114 / 9), 4) == 0.9934
    assert metrics.pearson([1, 2, 3], [3, 2, 1]) == -1.0
    assert metrics.pearson([1.0, 2.0], [10.0, 30.0]) == 1.0


def test_spearman():
    # ranks (1, 2, 3, 4) and (1, 2, 4, 3): rho = 1 - 6 * 2 / (4 * 15)
    assert metrics.spearman([1, 2, 3, 4], [10, 20, 40, 30]) == 0.8
    assert metrics.spearman([1, 2, 3], [1, 4, 9]) == 1.0  # any increasing function
    assert metrics.spearman([1, 2, 3], [5, 1, 0]) == -1.0


@pytest.mark.parametrize("gold, predicted", [([1, 1, 1], [1, 2, 3]), ([1, 2, 3], [2, 2, 2]), ([4], [4])])
def test_correlations_are_zero_where_a_side_is_constant(gold, predicted):
    assert metrics.pearson(gold, predicted) == 0.0 and metrics.spearman(gold, predicted) == 0.0


def test_mae():
    assert metrics.mae([1, 2, 3], [2, 2, 1.5]) == round((1 + 0 + 1.5) / 3, 4) == 0.8333
    assert metrics.mae([1.0], [1.0]) == 0.0


def test_haversine():
    assert metrics.haversine_km((0, 0), (1, 0)) == pytest.approx(KM_PER_DEGREE)      # along a meridian
    assert metrics.haversine_km((0, 10), (0, 11)) == pytest.approx(KM_PER_DEGREE)    # along the equator
    assert metrics.haversine_km((60, 0), (60, 1)) == pytest.approx(KM_PER_DEGREE / 2, rel=1e-4)  # cos 60°
    assert metrics.haversine_km((45.46, 9.19), (45.46, 9.19)) == 0.0
    assert metrics.haversine_km((0, 0), (0, 180)) == pytest.approx(180 * KM_PER_DEGREE)
    assert metrics.haversine_km((90, 0), (-90, 0)) == pytest.approx(180 * KM_PER_DEGREE)
    a, b = (45.4642, 9.19), (41.9028, 12.4964)
    assert metrics.haversine_km(a, b) == metrics.haversine_km(b, a)
    assert round(metrics.haversine_km(a, b)) == 477  # Milano - Roma


def test_mean_haversine_km():
    gold, predicted = [(0, 0), (0, 0), (10, 10)], [(1, 0), (0, 2), (10, 10)]
    assert metrics.mean_haversine_km(gold, predicted) == round(3 * KM_PER_DEGREE / 3, 4)


def test_token_scores_by_hand():
    gold = ["PER", "PER", "O", "LOC", "ORG", "O"]
    predicted = ["PER", "O", "O", "ORG", "ORG", "PER"]
    # PER: tp 1, fp 1, fn 1; LOC: tp 0, fn 1; ORG: tp 1, fp 1. "O" is never a class.
    assert metrics.token_scores(gold, predicted, ["PER", "LOC", "ORG"]) == {
        "macro_f1": round((0.5 + 0 + 2 / 3) / 3, 4), "macro_precision": round((0.5 + 0 + 0.5) / 3, 4),
        "macro_recall": round((0.5 + 0 + 1) / 3, 4),
        "micro_f1": round(2 * 0.5 * 0.5 / 1.0, 4), "micro_precision": 2 / 4, "micro_recall": 2 / 4,
        "f1_PER": 0.5, "f1_LOC": 0.0, "f1_ORG": 0.6667,
    }


def test_token_scores_perfect_and_all_outside():
    perfect = metrics.token_scores(["PER", "O"], ["PER", "O"], ["PER", "LOC"])
    assert perfect["micro_f1"] == 1.0 and perfect["f1_PER"] == 1.0 and perfect["f1_LOC"] == 0.0
    assert perfect["macro_f1"] == 0.5  # LOC, absent from both sides, counts as 0
    nothing = metrics.token_scores(["O", "O"], ["O", "O"], ["PER"])
    assert set(nothing.values()) == {0.0}


def test_set_scores_by_hand():
    assert metrics.set_scores({1, 2, 3}, {1, 2, 4, 5}) == {"precision": 0.5, "recall": 0.6667,
                                                          "f1": round(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3), 4)}
    assert metrics.set_scores({(1, 4), (7, 9)}, {(1, 4), (7, 8)}, prefix="entity_") == {
        "entity_precision": 0.5, "entity_recall": 0.5, "entity_f1": 0.5}


@pytest.mark.parametrize("gold, predicted, expected", [
    (set(), set(), (1.0, 1.0, 1.0)),          # nothing to find, nothing found
    ({1}, set(), (0.0, 0.0, 0.0)),
    (set(), {1}, (0.0, 0.0, 0.0)),
    ({1, 2}, {3}, (0.0, 0.0, 0.0)),
    ({1, 2}, {1, 2}, (1.0, 1.0, 1.0)),
])
def test_set_scores_edge_cases(gold, predicted, expected):
    assert tuple(metrics.set_scores(gold, predicted).values()) == expected


SCORED = [metrics.macro_f1, metrics.accuracy, metrics.pearson, metrics.spearman, metrics.mae,
          metrics.mean_haversine_km]


@pytest.mark.parametrize("metric", SCORED, ids=lambda f: f.__name__)
def test_mismatched_or_empty_inputs_are_refused(metric):
    with pytest.raises(ValueError, match=r"^2 gold values but 1 predictions$"):
        metric([1, 2], [1])
    with pytest.raises(ValueError, match=r"^nothing to score: no gold values$"):
        metric([], [])


def test_mismatched_inputs_are_refused_by_the_labelled_metrics_too():
    with pytest.raises(ValueError, match=r"^1 gold values but 0 predictions$"):
        metrics.per_class_f1(["a"], [], ["a"])
    with pytest.raises(ValueError, match=r"^1 gold values but 2 predictions$"):
        metrics.token_scores(["O"], ["O", "O"], ["PER"])


def test_plain_python_metrics_equal_scikit_learn_and_scipy_on_random_data():
    """The metrics are written out (the bootstrap calls them thousands of times); on random single-
    label, string, multi-label and numeric data they give scikit-learn's and SciPy's numbers."""
    import random

    from scipy.stats import pearsonr, spearmanr
    from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, precision_recall_fscore_support

    rng = random.Random(0)
    for _ in range(200):
        n = rng.randint(1, 30)
        gold = [rng.choice("abcd") for _ in range(n)]
        mine = [rng.choice("abce") for _ in range(n)]
        expected = f1_score(gold, mine, average="macro", zero_division=0)
        assert metrics.macro_f1(gold, mine) == round(expected, 4)
        assert metrics.accuracy(gold, mine) == round(accuracy_score(gold, mine), 4)
        labels = ["a", "b", "d"]
        assert metrics.per_class_f1(gold, mine, labels) == {
            k: round(v, 4) for k, v in zip(labels, f1_score(gold, mine, labels=labels, average=None,
                                                             zero_division=0), strict=True)}
        scores = metrics.token_scores(gold, mine, labels)
        for average in ("macro", "micro"):
            p, r, f, _ = precision_recall_fscore_support(gold, mine, labels=labels, average=average,
                                                         zero_division=0)
            assert (scores[f"{average}_precision"], scores[f"{average}_recall"], scores[f"{average}_f1"]) \
                == (round(p, 4), round(r, 4), round(f, 4))
        rows = [[rng.randint(0, 1) for _ in range(4)] for _ in range(n)]
        guess = [[rng.randint(0, 1) for _ in range(4)] for _ in range(n)]
        expected = f1_score(rows, guess, average="macro", zero_division=0)
        assert metrics.macro_f1(rows, guess) == round(expected, 4)
        assert metrics.accuracy(rows, guess) == round(accuracy_score(rows, guess), 4)
        x = [rng.choice([1, 1.5, 2, 2.5, 3, 3.5, 4]) for _ in range(n)]
        y = [round(rng.uniform(1, 4), 1) for _ in range(n)]
        # sums of floats in another order can land on either side of a rounding boundary
        assert metrics.mae(x, y) == pytest.approx(round(mean_absolute_error(x, y), 4), abs=1.01e-4)
        if len(set(x)) > 1 and len(set(y)) > 1:
            assert metrics.pearson(x, y) == pytest.approx(round(pearsonr(x, y).statistic, 4), abs=1.01e-4)
            assert metrics.spearman(x, y) == pytest.approx(round(spearmanr(x, y).statistic, 4), abs=1.01e-4)
