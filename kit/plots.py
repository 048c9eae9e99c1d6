"""Every figure of the kit: each function returns a matplotlib ``Figure`` and shows nothing by itself.

Figures are built with ``matplotlib.figure.Figure`` rather than ``pyplot``, so they never pile up in pyplot's
global registry and a notebook cell that returns one displays it exactly once. Save one with
``fig.savefig(path)``. The inputs are :class:`kit.runs.RunResult` objects, i.e. the files a run wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from matplotlib.figure import Figure
from PIL import Image, ImageOps
from sklearn.metrics import ConfusionMatrixDisplay

from kit.runs import RunResult, confusion, f1_table

ImageSource = Path | str | Callable[[str], Any]
"""Where the images of predictions.csv live: a folder holding each ``filename``, or a function
``filename -> image`` (a PIL image or an HxW[xC] array)."""


def training_curves(run: RunResult) -> Figure:
    """Loss and accuracy, train vs val, per epoch for one run; the best epoch (highest val acc) is marked."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    history = run.history
    best_epoch = int(run.metrics["best"]["epoch"])
    for ax, metric, title in ((ax_loss, "loss", "Loss"), (ax_acc, "acc", "Accuracy")):
        scale = 100.0 if metric == "acc" else 1.0
        ax.plot(history["epoch"], history[f"train_{metric}"] * scale, marker="o", ms=3, label="train")
        ax.plot(history["epoch"], history[f"val_{metric}"] * scale, marker="o", ms=3, label="val")
        ax.axvline(best_epoch, color="grey", linestyle=":", linewidth=1, label=f"best epoch ({best_epoch})")
        ax.set(xlabel="epoch", ylabel=f"{title.lower()}{' (%)' if metric == 'acc' else ''}", title=title)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(run.label)
    return fig


def compare_curves(runs: Sequence[RunResult]) -> Figure:
    """Loss and accuracy of several runs overlaid: one colour per run, solid = val, dashed = train."""
    if not runs:
        raise ValueError("compare_curves needs at least one run")
    fig = Figure(figsize=(12, 4.5), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    colors = [f"C{i % 10}" for i in range(len(runs))]
    for run, color in zip(runs, colors):
        history = run.history
        for ax, metric in ((ax_loss, "loss"), (ax_acc, "acc")):
            scale = 100.0 if metric == "acc" else 1.0
            ax.plot(history["epoch"], history[f"train_{metric}"] * scale, color=color, linestyle="--",
                    label=f"{run.label} train")
            ax.plot(history["epoch"], history[f"val_{metric}"] * scale, color=color, linestyle="-",
                    label=f"{run.label} val")
    ax_loss.set(xlabel="epoch", ylabel="loss", title="Loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    return fig


def confusion_matrix(run: RunResult, normalize: bool = False) -> Figure:
    """The validation confusion matrix of one run, as counts or normalized per true class (rows sum to 1)."""
    fig = Figure(figsize=(6, 5), layout="constrained")
    ax = fig.subplots()
    _draw_confusion(ax, run, normalize)
    ax.set_title(f"{run.label}: {'normalized' if normalize else 'counts'}")
    return fig


def confusion_matrices(run: RunResult) -> Figure:
    """Counts and normalized confusion matrices of one run, side by side."""
    fig = Figure(figsize=(12, 5), layout="constrained")
    ax_counts, ax_norm = fig.subplots(1, 2)
    _draw_confusion(ax_counts, run, normalize=False)
    _draw_confusion(ax_norm, run, normalize=True)
    ax_counts.set_title("counts")
    ax_norm.set_title("normalized per true class")
    fig.suptitle(run.label)
    return fig


def compare_confusion_matrices(runs: Sequence[RunResult], normalize: bool = True) -> Figure:
    """The confusion matrices of several runs side by side (normalized by default, so runs compare per class)."""
    if not runs:
        raise ValueError("compare_confusion_matrices needs at least one run")
    fig = Figure(figsize=(6 * len(runs), 5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(runs)))
    for ax, run in zip(axes, runs):
        _draw_confusion(ax, run, normalize)
        ax.set_title(run.label)
    return fig


def _draw_confusion(ax: Any, run: RunResult, normalize: bool) -> None:
    matrix = confusion(run, normalize=normalize)
    display = ConfusionMatrixDisplay(matrix.to_numpy(), display_labels=list(matrix.columns))
    display.plot(ax=ax, cmap="Blues", colorbar=False, values_format=".2f" if normalize else "d",
                 xticks_rotation=45)
    if normalize:
        display.im_.set_clim(0.0, 1.0)  # same colour scale for every run, so side-by-side panels compare


def f1_difference(reference: RunResult, other: RunResult) -> Figure:
    """Per-class F1 of ``other`` minus ``reference`` as bars: above zero, ``other`` does better on that class."""
    table = f1_table([reference, other]).loc[list(reference.classes)]  # per class; the macro average is a table row
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    difference = table["difference"]
    colors = ["tab:green" if d >= 0 else "tab:red" for d in difference]
    bars = ax.bar(difference.index, difference.to_numpy(), color=colors)
    ax.bar_label(bars, fmt="%+.2f", fontsize="small")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set(ylabel="F1 difference", title=f"F1 per class: {other.label} minus {reference.label}")
    ax.tick_params(axis="x", labelrotation=30)
    ax.grid(axis="y", alpha=0.3)
    return fig


def misclassified_grid(run: RunResult, images: ImageSource, max_images: int = 16, columns: int = 4) -> Figure:
    """A grid of validation images the run got wrong, each titled with its true and predicted class.

    ``images`` is the folder the ``filename`` column is relative to (e.g. the dataset's ``train/``), or a
    function ``filename -> image``. The most confident mistakes come first when probabilities are present.
    With no mistakes the figure says so instead of being empty.
    """
    if max_images < 1 or columns < 1:
        raise ValueError(f"max_images and columns must be at least 1, got {max_images} and {columns}")
    predictions = run.require_predictions()
    wrong = predictions[predictions["label"] != predictions["prediction"]].copy()
    probability_columns = [f"p_{c}" for c in run.classes]
    if len(wrong) and all(c in wrong.columns for c in probability_columns):
        # confidence of the (wrong) predicted class: a confident mistake says more than a coin flip
        wrong["confidence"] = [row[f"p_{row['prediction']}"] for _, row in wrong.iterrows()]
        wrong = wrong.sort_values("confidence", ascending=False, kind="stable")
    shown = wrong.head(max_images)
    if shown.empty:
        fig = Figure(figsize=(6, 2), layout="constrained")
        ax = fig.subplots()
        ax.axis("off")
        ax.text(0.5, 0.5, f"{run.label}: no misclassified validation images ({len(predictions)} checked)",
                ha="center", va="center")
        return fig
    load = _image_loader(images)
    n_columns = min(columns, len(shown))
    n_rows = int(np.ceil(len(shown) / n_columns))
    fig = Figure(figsize=(2.6 * n_columns, 2.9 * n_rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(n_rows, n_columns)).ravel()
    for ax in axes:
        ax.axis("off")
    for ax, (_, row) in zip(axes, shown.iterrows()):
        ax.imshow(load(str(row["filename"])))
        title = f"true: {row['label']}\npred: {row['prediction']}"
        if "confidence" in row:
            title += f" ({row['confidence']:.2f})"
        ax.set_title(title, fontsize="small", color="tab:red")
    fig.suptitle(f"{run.label}: {len(shown)} of {len(wrong)} misclassified validation images")
    return fig


def _image_loader(images: ImageSource) -> Callable[[str], Any]:
    if callable(images):
        return images
    root = Path(images)
    if not root.is_dir():
        raise FileNotFoundError(f"Image folder {root} does not exist: pass the folder that holds the "
                                f"predictions' filenames (for the course data, the dataset's train/ folder)")

    def load(filename: str) -> Image.Image:
        path = root / filename
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found: is {root} the folder that holds the validation images?")
        with Image.open(path) as image:  # decoded by content, so a WEBP or PNG named .jpg still opens
            return ImageOps.exif_transpose(image).convert("RGB")

    return load
