"""The figures of the labs. Each function draws one figure and returns it.

>>> fig = length_histogram([5, 9, 12, 30], max_length=16)  # doctest: +SKIP
"""

from __future__ import annotations


def _figure(ncols: int = 1, width: float = 5.0):
    import matplotlib.pyplot as plt

    return plt.subplots(1, ncols, figsize=(width * ncols, 3.6), squeeze=False)


def length_histogram(lengths, max_length: int):
    """Tokens per sentence, with the chosen `max_length` as a line: right of it gets cut."""
    fig, axes = _figure()
    ax = axes[0, 0]
    ax.hist(lengths, bins=30, color="tab:blue", alpha=0.8)
    ax.axvline(max_length, color="tab:red", linestyle="--", label=f"max_length = {max_length}")
    cut = sum(length > max_length for length in lengths)
    ax.set(xlabel="tokens per sentence", ylabel="sentences",
           title=f"{cut} of {len(lengths)} sentences longer than max_length")
    ax.legend()
    return fig


def learning_curves(history: list[dict], best_epoch: int | None = None):
    """Train and dev loss (left) and dev macro-F1 (right) per epoch; the kept epoch is marked."""
    fig, axes = _figure(2)
    epochs = [row["epoch"] for row in history]
    loss_ax, f1_ax = axes[0]
    loss_ax.plot(epochs, [row.get("train_loss") for row in history], "o-", label="train loss")
    loss_ax.plot(epochs, [row["dev_loss"] for row in history], "o-", label="dev loss")
    f1_ax.plot(epochs, [row["dev_macro_f1"] for row in history], "o-", color="tab:green",
               label="dev macro-F1")
    for ax in (loss_ax, f1_ax):
        if best_epoch is not None:
            ax.axvline(best_epoch, color="grey", linestyle=":", label=f"kept: epoch {best_epoch}")
        ax.set_xlabel("epoch")
        ax.set_xticks(epochs)
        ax.legend()
    loss_ax.set(title="loss (dev loss chooses the epoch)", ylabel="cross-entropy per sentence")
    f1_ax.set(title="dev macro-F1", ylabel="macro-F1")
    return fig


def running_mean(values, window: int) -> list[float]:
    """The mean of each value and the `window` - 1 before it (fewer at the start).

    >>> running_mean([4.0, 2.0, 6.0, 0.0], 2)
    [4.0, 3.0, 4.0, 3.0]
    """
    values = list(values)
    return [sum(values[max(0, i + 1 - window):i + 1]) / (i + 1 - max(0, i + 1 - window))
            for i in range(len(values))]


def training_curves(history: list[dict], best_step: int | None = None, window: int | None = None):
    """Train loss of every logged step (dots) with its running mean over `window` logs (default: a
    tenth of them, at least 3), and dev loss, against the optimizer step (`training.train`'s
    history); the kept checkpoint is marked. Dev loss rising while train loss falls is overfitting."""
    fig, axes = _figure(width=7.0)
    ax = axes[0, 0]
    train = [(row["step"], row["train_loss"]) for row in history if "train_loss" in row]
    if train:
        steps, losses = zip(*train, strict=True)
        window = window or max(3, len(train) // 10)
        ax.plot(steps, losses, ".", color="tab:blue", alpha=0.35, label="train loss (one step)")
        ax.plot(steps, running_mean(losses, window), "-", color="tab:blue",
                label=f"train loss (mean of {window} steps)")
    dev = [(row["step"], row["dev_loss"]) for row in history if "dev_loss" in row]
    if dev:
        ax.plot(*zip(*dev, strict=True), "s-", color="tab:orange", label="dev loss", markersize=5)
    if best_step is not None:
        ax.axvline(best_step, color="grey", linestyle=":", label=f"kept: step {best_step}")
    ax.set(xlabel="optimizer step", ylabel="loss (answer tokens only)", title="QLoRA training")
    ax.legend()
    return fig


def confusion(matrix, labels, title: str = "test confusion matrix"):
    """Confusion matrix with counts: rows are gold labels, columns predictions."""
    import numpy as np
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, axes = _figure(width=5.5)
    tilt = 30 if any(len(str(label)) > 8 for label in labels) else "horizontal"  # long labels overlap
    ConfusionMatrixDisplay(np.asarray(matrix), display_labels=list(labels)).plot(
        ax=axes[0, 0], colorbar=False, cmap="Blues", xticks_rotation=tilt)
    axes[0, 0].set_title(title)
    return fig


def projections(before, after, labels, method: str = "pca", seed: int = 0):
    """Sentence vectors before and after fine-tuning, projected to 2-D (``"pca"`` or ``"tsne"``)
    and coloured by gold label: fine-tuning should pull each label into its own region."""
    import numpy as np
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    fig, axes = _figure(2)
    names = sorted(set(labels))
    colours = np.array([names.index(label) for label in labels])
    for ax, vectors, when in zip(axes[0], (before, after), ("before", "after"), strict=True):
        if method == "pca":
            points = PCA(n_components=2, random_state=seed).fit_transform(vectors)
        else:
            perplexity = min(30.0, (len(vectors) - 1) / 3)
            points = TSNE(n_components=2, perplexity=perplexity, init="pca",
                          random_state=seed).fit_transform(vectors)
        scatter = ax.scatter(points[:, 0], points[:, 1], c=colours, cmap="tab10", s=14,
                             vmin=0, vmax=9)
        ax.set_title(f"{method.upper()} of [CLS] vectors, {when} fine-tuning")
        ax.set_xticks([])
        ax.set_yticks([])
    handles = [scatter.legend_elements()[0][i] for i in range(len(names))]
    axes[0, 1].legend(handles, names, loc="best", fontsize=8)
    return fig


def token_length_histogram_by_task(lengths_by_task: dict[str, list[int]], max_tokens: int | None = None,
                                   ncols: int = 4):
    """Tokens per row (prompt + answer), one small histogram per task, `max_tokens` as a red line:
    a task with a long right tail is where trimming or a larger max_length is needed."""
    import matplotlib.pyplot as plt

    names = list(lengths_by_task)
    nrows = max(1, -(-len(names) // ncols))  # ceiling division
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.4 * nrows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        values = lengths_by_task[name]
        ax.hist(values, bins=20, color="tab:blue", alpha=0.8)
        over = ""
        if max_tokens is not None:
            ax.axvline(max_tokens, color="tab:red", linestyle="--")
            over = f", {sum(v > max_tokens for v in values)} over"
        ax.set_title(f"{name} ({len(values)} rows{over})", fontsize=9)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.supxlabel("tokens per row (prompt + answer + EOS)")
    fig.tight_layout()
    return fig


def scoreboard(rows: list[dict], systems: list[str]):
    """One group of bars per task (and the macro), one bar per system with its bootstrap interval
    as an error bar, and the best published EVALITA 2023 score as a black tick where there is one.
    `rows` are `scoreboard.Board.rows()`; tasks whose metric is not a 0-1 score (km) are left out."""
    import numpy as np

    shown = [row for row in rows if row["metric"] != "mean_distance_km"]
    fig, axes = _figure(width=max(8.0, 0.7 * len(shown) + 2))
    ax, width = axes[0, 0], 0.8 / len(systems)
    for k, system in enumerate(systems):
        x = np.arange(len(shown)) + (k - (len(systems) - 1) / 2) * width
        values = [row[system] for row in shown]
        spans = [row.get(f"{system}_interval") or (v, v) for row, v in zip(shown, values, strict=True)]
        errors = [[max(0.0, v - lo) for v, (lo, _) in zip(values, spans, strict=True)],
                  [max(0.0, hi - v) for v, (_, hi) in zip(values, spans, strict=True)]]
        ax.bar(x, values, width, yerr=errors, capsize=2, label=system, alpha=0.85)
    marked = [k for k, row in enumerate(shown) if "published_best" in row]
    for k in marked:  # one legend entry for all the ticks
        ax.hlines(shown[k]["published_best"], k - 0.45, k + 0.45, colors="black", linewidth=2,
                  label="best published (EVALITA 2023 test)" if k == marked[0] else None)
    ax.set_xticks(range(len(shown)), [f"{row['task']}\n{row['metric']}" for row in shown], rotation=60,
                  ha="right", fontsize=8)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set(ylabel="dev score (95% bootstrap interval)", title="dev scores per task")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
