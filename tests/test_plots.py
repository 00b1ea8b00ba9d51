"""The lab figures: panels, the max line, titles and labels each function promises (plots)."""

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from biss_helpers import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    before = set(plt.get_fignums())
    yield
    for number in set(plt.get_fignums()) - before:
        plt.close(number)


def vertical_lines(ax):
    """x of each vertical line (axvline) of `ax`."""
    return [line.get_xdata()[0] for line in ax.lines
            if len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]]


def labels(ax):
    return [line.get_label() for line in ax.lines]


def legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def test_length_histogram():
    fig = plots.length_histogram([5, 16, 17, 30, 9], max_length=16)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    [ax] = fig.axes
    assert vertical_lines(ax) == [16] and ax.lines[0].get_color() == "tab:red"
    assert ax.get_title() == "2 of 5 sentences longer than max_length"  # 16 itself is not cut
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("tokens per sentence", "sentences")
    assert legend_texts(ax) == ["max_length = 16"]
    assert sum(patch.get_height() for patch in ax.patches) == 5


HISTORY = [{"epoch": 1, "train_loss": 0.9, "dev_loss": 0.8, "dev_macro_f1": 0.5},
           {"epoch": 2, "train_loss": 0.5, "dev_loss": 0.6, "dev_macro_f1": 0.7},
           {"epoch": 3, "train_loss": 0.2, "dev_loss": 0.7, "dev_macro_f1": 0.65}]


def test_learning_curves_mark_the_kept_epoch_on_both_panels():
    fig = plots.learning_curves(HISTORY, best_epoch=2)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    loss_ax, f1_ax = fig.axes
    assert loss_ax.get_title() == "loss (dev loss chooses the epoch)" and f1_ax.get_title() == "dev macro-F1"
    assert all(ax.get_ylabel() for ax in fig.axes)
    assert labels(loss_ax) == ["train loss", "dev loss", "kept: epoch 2"]
    assert labels(f1_ax) == ["dev macro-F1", "kept: epoch 2"]
    assert vertical_lines(loss_ax) == vertical_lines(f1_ax) == [2]
    assert list(loss_ax.lines[1].get_ydata()) == [0.8, 0.6, 0.7]
    assert list(f1_ax.lines[0].get_ydata()) == [0.5, 0.7, 0.65]
    for ax in fig.axes:
        assert ax.get_xlabel() == "epoch" and list(ax.get_xticks()) == [1, 2, 3]
        assert legend_texts(ax) == labels(ax)


def test_learning_curves_without_a_kept_epoch_or_a_train_loss():
    history = [{key: value for key, value in row.items() if key != "train_loss"} for row in HISTORY]
    fig = plots.learning_curves(history)
    assert [labels(ax) for ax in fig.axes] == [["train loss", "dev loss"], ["dev macro-F1"]]
    assert not any(vertical_lines(ax) for ax in fig.axes)
    fig.canvas.draw()  # the missing train losses draw as a gap, not an error


def test_training_curves_against_the_step():
    history = [{"step": 10, "train_loss": 2.0}, {"step": 20, "train_loss": 1.5, "dev_loss": 1.7},
               {"step": 30, "train_loss": 1.0}, {"step": 40, "dev_loss": 1.9}]
    fig = plots.training_curves(history, best_step=20)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    [ax] = fig.axes
    assert ax.get_title() == "QLoRA training"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("optimizer step", "loss (answer tokens only)")
    assert labels(ax) == ["train loss (one step)", "train loss (mean of 3 steps)", "dev loss",
                          "kept: step 20"]
    assert vertical_lines(ax) == [20]
    train, mean, dev = ax.lines[:3]
    assert (list(train.get_xdata()), list(train.get_ydata())) == ([10, 20, 30], [2.0, 1.5, 1.0])
    assert list(mean.get_ydata()) == [2.0, 1.75, 1.5]
    assert (list(dev.get_xdata()), list(dev.get_ydata())) == ([20, 40], [1.7, 1.9])
    assert legend_texts(ax) == labels(ax)


def test_training_curves_without_dev_loss_or_kept_step():
    [ax] = plots.training_curves([{"step": 1, "train_loss": 3.0}, {"step": 2, "train_loss": 2.0}]).axes
    assert labels(ax) == ["train loss (one step)", "train loss (mean of 3 steps)"]
    assert vertical_lines(ax) == []


def test_the_running_mean_smooths_a_zigzag_without_shifting_it():
    zigzag = [8.0, 5.0] * 10
    smooth = plots.running_mean(zigzag, 4)
    assert len(smooth) == len(zigzag) and smooth[:2] == [8.0, 6.5]
    assert all(abs(value - 6.5) < 1e-9 for value in smooth[3:])   # the zigzag's level, flat


def test_confusion_rows_are_gold_columns_predictions():
    matrix = np.array([[3, 1, 0], [0, 2, 5], [4, 0, 6]])
    fig = plots.confusion(matrix, ("no", "sì", "forse"))
    assert isinstance(fig, Figure) and len(fig.axes) == 1  # no colour bar
    [ax] = fig.axes
    assert ax.get_title() == "test confusion matrix"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Predicted label", "True label")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["no", "sì", "forse"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["no", "sì", "forse"]
    cells = {tuple(map(round, t.get_position())): t.get_text() for t in ax.texts}
    assert cells == {(col, row): str(matrix[row, col]) for row in range(3) for col in range(3)}
    assert plots.confusion(matrix, ["a", "b", "c"], title="dev").axes[0].get_title() == "dev"


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_projections_before_and_after_coloured_by_label(method):
    rng = np.random.default_rng(0)
    before, after = rng.normal(size=(12, 6)), rng.normal(size=(12, 6))
    gold = ["odio", "non_odio", "forse"] * 4
    fig = plots.projections(before, after, gold, method=method)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert [ax.get_title() for ax in fig.axes] == [f"{method.upper()} of [CLS] vectors, {when} fine-tuning"
                                                   for when in ("before", "after")]
    fig.canvas.draw()
    for ax in fig.axes:
        [points] = ax.collections
        assert len(points.get_offsets()) == 12
        assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []
        colours = [tuple(c) for c in points.get_facecolors()]
        assert len(set(colours)) == 3
        assert all(colours[i] == colours[i + 3] for i in range(9))  # same label, same colour
    assert fig.axes[0].get_legend() is None
    assert legend_texts(fig.axes[1]) == ["forse", "non_odio", "odio"]


def test_token_length_histograms_one_panel_per_task():
    lengths = {"acti_a": [10, 50, 90], "haspeede": [20, 30], "nermud": [100, 200, 80, 5, 60]}
    fig = plots.token_length_histogram_by_task(lengths, max_tokens=64, ncols=2)
    assert isinstance(fig, Figure) and len(fig.axes) == 4  # 2 rows of 2, the last one empty
    used, empty = fig.axes[:3], fig.axes[3]
    assert [ax.get_title() for ax in used] == ["acti_a (3 rows, 1 over)", "haspeede (2 rows, 0 over)",
                                               "nermud (5 rows, 3 over)"]
    assert all(vertical_lines(ax) == [64] and ax.lines[0].get_color() == "tab:red" for ax in used)
    assert [sum(p.get_height() for p in ax.patches) for ax in used] == [3, 2, 5]
    assert not empty.axison and not empty.patches and not empty.get_title()
    assert fig.get_supxlabel() == "tokens per row (prompt + answer + EOS)"


def test_token_length_histograms_without_a_limit():
    fig = plots.token_length_histogram_by_task({f"t{i}": [i + 1, i + 2] for i in range(5)})
    assert len(fig.axes) == 8 and [ax.axison for ax in fig.axes] == [True] * 5 + [False] * 3
    assert [ax.get_title() for ax in fig.axes[:5]] == [f"t{i} (2 rows)" for i in range(5)]
    assert not any(ax.lines for ax in fig.axes)
