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
    loss_ax.set_title("loss")
    f1_ax.set_title("dev macro-F1 (chooses the epoch)")
    return fig


def confusion(matrix, labels, title: str = "test confusion matrix"):
    """Confusion matrix with counts: rows are gold labels, columns predictions."""
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, axes = _figure(width=5.5)
    ConfusionMatrixDisplay(matrix, display_labels=list(labels)).plot(
        ax=axes[0, 0], colorbar=False, cmap="Blues")
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
