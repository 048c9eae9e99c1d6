"""Every figure of the kit: each function returns a matplotlib ``Figure`` and shows nothing by itself.

Figures are built with ``matplotlib.figure.Figure`` rather than ``pyplot``, so they never pile up in pyplot's
global registry and a notebook cell that returns one displays it exactly once. Save one with
``fig.savefig(path)``. The inputs are :class:`kit.runs.RunResult` objects, i.e. the files a run wrote.

Every title, axis label and legend is in the student's language: each function takes ``language`` (``"id"``
or ``"en"``, default ``kit.text.current_language()``), so a figure in an Indonesian report speaks Indonesian.
Numbers on a figure are written by ``kit.numbers``, as in every table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatter, MaxNLocator
from PIL import Image, ImageOps
from sklearn.metrics import ConfusionMatrixDisplay

from kit import numbers
from kit.diagnostics import (block_order, block_profile, check_epochs, default_epochs, read_gradient_norms,
                             recorded_epochs)
from kit.metrics import confusion
from kit.runs import RunResult, display_name, f1_table
from kit.text import table

ImageSource = Path | str | Callable[[str], Any]
"""Where the images of predictions.csv live: a folder holding each ``filename``, or a function
``filename -> image`` (a PIL image or an HxW[xC] array)."""


def training_curves(run: RunResult, language: str | None = None) -> Figure:
    """Loss and accuracy, train vs val, per epoch for one run; the best epoch the run recorded is marked."""
    t = table("plots", language)
    fig = Figure(figsize=(11, 4), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    history = run.history
    best_epoch = int(run.metrics["best"]["epoch"])
    for ax, metric in ((ax_loss, "loss"), (ax_acc, "acc")):
        scale = 100.0 if metric == "acc" else 1.0
        ax.plot(history["epoch"], history[f"train_{metric}"] * scale, marker="o", ms=3, label=t["train"])
        ax.plot(history["epoch"], history[f"val_{metric}"] * scale, marker="o", ms=3, label=t["val"])
        ax.axvline(best_epoch, color="grey", linestyle=":", linewidth=1,
                   label=t["best_epoch"].format(epoch=best_epoch))
        ax.set(xlabel=t["epoch"], ylabel=t["accuracy_axis"] if metric == "acc" else t["loss"],
               title=t["accuracy_title"] if metric == "acc" else t["loss_title"])
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
    fig.suptitle(run.label)
    return fig


def compare_curves(runs: Sequence[RunResult], language: str | None = None) -> Figure:
    """Loss and accuracy of several runs overlaid: one colour per run, solid = val, dashed = train."""
    t = table("plots", language)
    if not runs:
        raise ValueError(t["needs_runs"].format(function="compare_curves"))
    fig = Figure(figsize=(12, 4.5), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    colors = [f"C{i % 10}" for i in range(len(runs))]
    for run, color in zip(runs, colors):
        history = run.history
        for ax, metric in ((ax_loss, "loss"), (ax_acc, "acc")):
            scale = 100.0 if metric == "acc" else 1.0
            ax.plot(history["epoch"], history[f"train_{metric}"] * scale, color=color, linestyle="--",
                    label=t["run_split"].format(run=run.label, split=t["train"]))
            ax.plot(history["epoch"], history[f"val_{metric}"] * scale, color=color, linestyle="-",
                    label=t["run_split"].format(run=run.label, split=t["val"]))
    ax_loss.set(xlabel=t["epoch"], ylabel=t["loss"], title=t["loss_title"])
    ax_acc.set(xlabel=t["epoch"], ylabel=t["accuracy_axis"], title=t["accuracy_title"])
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize="small")
    return fig


def confusion_matrix(run: RunResult, normalize: bool = False, language: str | None = None) -> Figure:
    """The validation confusion matrix of one run, as counts or normalized per true class (rows sum to 1)."""
    t = table("plots", language)
    fig = Figure(figsize=(6, 5), layout="constrained")
    ax = fig.subplots()
    _draw_confusion(ax, run, normalize, t)
    ax.set_title(t["confusion_title"].format(run=run.label, kind=t["normalized" if normalize else "counts"]))
    return fig


def confusion_matrices(run: RunResult, language: str | None = None) -> Figure:
    """Counts and normalized confusion matrices of one run, side by side."""
    t = table("plots", language)
    fig = Figure(figsize=(12, 5), layout="constrained")
    ax_counts, ax_norm = fig.subplots(1, 2)
    _draw_confusion(ax_counts, run, False, t)
    _draw_confusion(ax_norm, run, True, t)
    ax_counts.set_title(t["counts"])
    ax_norm.set_title(t["normalized"])
    fig.suptitle(run.label)
    return fig


def compare_confusion_matrices(runs: Sequence[RunResult], normalize: bool = True,
                               language: str | None = None) -> Figure:
    """The confusion matrices of several runs side by side (normalized by default, so runs compare per class)."""
    t = table("plots", language)
    if not runs:
        raise ValueError(t["needs_runs"].format(function="compare_confusion_matrices"))
    fig = Figure(figsize=(6 * len(runs), 5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(runs)))
    for ax, run in zip(axes, runs):
        _draw_confusion(ax, run, normalize, t)
        ax.set_title(run.label)
    return fig


def _draw_confusion(ax: Any, run: RunResult, normalize: bool, t: Any) -> None:
    matrix = confusion(run.require_predictions(), run.classes, normalize=normalize)
    display = ConfusionMatrixDisplay(matrix.to_numpy(), display_labels=list(matrix.columns))
    display.plot(ax=ax, cmap="Blues", colorbar=False, values_format=".2f" if normalize else "d",
                 xticks_rotation=45)
    ax.set(xlabel=t["predicted_class"], ylabel=t["true_class"])
    if normalize:
        display.im_.set_clim(0.0, 1.0)  # same colour scale for every run, so side-by-side panels compare


def f1_difference(reference: RunResult, other: RunResult, language: str | None = None) -> Figure:
    """Per-class F1 of ``other`` minus ``reference`` as bars: above zero, ``other`` does better on that class."""
    t = table("plots", language)
    scores = f1_table([reference, other]).loc[list(reference.classes)]  # per class; the macro average is a table row
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    difference = scores["difference"]
    colors = ["tab:green" if d >= 0 else "tab:red" for d in difference]
    bars = ax.bar(difference.index, difference.to_numpy(), color=colors)
    ax.bar_label(bars, labels=[numbers.f1(d, signed=True) for d in difference], fontsize="small")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set(xlabel=t["true_class"], ylabel=t["f1_axis"],
           title=t["f1_title"].format(other=other.label, reference=reference.label))
    ax.tick_params(axis="x", labelrotation=30)
    ax.grid(axis="y", alpha=0.3)
    return fig


def misclassified_grid(run: RunResult, images: ImageSource, max_images: int = 16, columns: int = 4,
                       language: str | None = None) -> Figure:
    """A grid of validation images the run got wrong, each titled with its true and predicted class.

    ``images`` is the folder the ``filename`` column is relative to (e.g. the dataset's ``train/``), or a
    function ``filename -> image``. The most confident mistakes come first when probabilities are present.
    With no mistakes the figure says so instead of being empty.
    """
    t = table("plots", language)
    if max_images < 1 or columns < 1:
        raise ValueError(t["bad_grid"].format(max_images=max_images, columns=columns))
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
        ax.text(0.5, 0.5, t["misclassified_none"].format(run=run.label, checked=numbers.count(len(predictions))),
                ha="center", va="center")
        return fig
    load = _image_loader(images, t)
    n_columns = min(columns, len(shown))
    n_rows = int(np.ceil(len(shown) / n_columns))
    fig = Figure(figsize=(2.6 * n_columns, 2.9 * n_rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(n_rows, n_columns)).ravel()
    for ax in axes:
        ax.axis("off")
    for ax, (_, row) in zip(axes, shown.iterrows()):
        ax.imshow(load(str(row["filename"])))
        title = (t["misclassified_true"].format(label=row["label"]) + "\n"
                 + t["misclassified_predicted"].format(label=row["prediction"]))
        if "confidence" in row:
            title += f" ({row['confidence']:.2f})"
        ax.set_title(title, fontsize="small", color="tab:red")
    fig.suptitle(t["misclassified_title"].format(run=run.label, shown=len(shown), wrong=len(wrong)))
    return fig


def _image_loader(images: ImageSource, t: Any) -> Callable[[str], Any]:
    if callable(images):
        return images
    root = Path(images)
    if not root.is_dir():
        raise FileNotFoundError(t["no_image_folder"].format(root=root))

    def load(filename: str) -> Image.Image:
        path = root / filename
        if not path.is_file():
            raise FileNotFoundError(t["no_image"].format(path=path, root=root))
        with Image.open(path) as image:  # decoded by content, so a WEBP or PNG named .jpg still opens
            return ImageOps.exif_transpose(image).convert("RGB")

    return load


# ---- evidence beyond one run: gradient flow, degradation, seeds ---------------------------------------------

def gradient_flow(runs: Sequence[RunResult], epochs: Sequence[int] | None = None,
                  language: str | None = None) -> Figure:
    """Per-block gradient norms of several runs (e.g. Plain-34 and ResNet-34) on one figure, log scale.

    One panel for initialisation (the first recorded step before any update: step 1, or a later one when fp16
    loss scaling skipped the first steps) and one per epoch in ``epochs`` (default: the first, middle and last
    epoch all runs recorded), each the median over the epoch's recorded steps. Blocks run
    from the stem (``conv1``) on the left to the classifier (``fc``) on the right, so a vanishing gradient
    would show as a line falling towards the left. Read from each run's gradient_norms.csv
    (``kit.diagnostics``); He et al. (2016, Sec. 4.1) report that BN keeps these norms healthy in plain nets too.
    """
    t = table("plots", language)
    if not runs:
        raise ValueError(t["needs_runs"].format(function="gradient_flow"))
    tables = {run.label: read_gradient_norms(run) for run in runs}
    recorded = recorded_epochs(tables.values())
    epochs = default_epochs(recorded) if epochs is None else check_epochs(epochs, recorded)
    blocks = block_order(name for norms in tables.values() for name in norms["block"])
    points: list[int | None] = [None, *epochs]
    fig = Figure(figsize=(max(8.0, 3.6 * len(points)), 4.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(points), sharey=True))
    for ax, epoch in zip(axes, points):
        for i, (label, norms) in enumerate(tables.items()):
            profile = block_profile(norms, epoch)
            if not profile.empty:
                ax.plot([blocks.index(b) for b in profile.index], profile.to_numpy(), marker="o", ms=3,
                        color=f"C{i % 10}", label=label)
        ax.set_yscale("log")
        ax.set_xticks(range(len(blocks)), blocks, rotation=90, fontsize="x-small")
        ax.set_title(t["initialisation"] if epoch is None else t["epoch_median"].format(epoch=epoch))
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel(t["gradient_axis"])
    axes[0].legend(fontsize="small")
    fig.suptitle(t["gradient_title"])
    return fig


def gradient_flow_at_init(norms: pd.DataFrame, language: str | None = None) -> Figure:
    """Per-block gradient norms of untrained models, one line per model, log scale: the frame of
    ``kit.diagnostics.compare_gradient_norms_at_init`` (columns ``model``, ``block``, ``grad_norm``)."""
    t = table("plots", language)
    missing = [c for c in ("model", "block", "grad_norm") if c not in norms.columns]
    if missing or norms.empty:
        raise ValueError(t["bad_init_table"].format(missing=missing))
    blocks = block_order(norms["block"])
    fig = Figure(figsize=(max(6.0, 0.35 * len(blocks) + 2), 4.6), layout="constrained")
    ax = fig.subplots()
    for i, (model, own) in enumerate(norms.groupby("model", sort=False)):
        ax.plot([blocks.index(b) for b in own["block"]], own["grad_norm"].to_numpy(), marker="o", ms=3,
                color=f"C{i % 10}", label=display_name(str(model)))
    ax.set_yscale("log")
    ax.set_xticks(range(len(blocks)), blocks, rotation=90, fontsize="x-small")
    ax.set(ylabel=t["gradient_axis"], title=t["gradient_init_title"])
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    return fig


def degradation_curves(runs: Sequence[RunResult], metrics: Sequence[str] = ("loss", "error"),
                       language: str | None = None) -> Figure:
    """The analogue of Fig. 4 of He et al. (2016): plain nets (left) and ResNets (right) of two depths, training
    curves thin and dashed, validation curves bold, per epoch.

    One row per entry of ``metrics``: ``"loss"`` (cross-entropy, log scale, so one diverging val epoch does not
    flatten the rest) and ``"error"`` (100 - accuracy, in %, the paper's unit). In the paper the 34-layer plain
    net has the *higher* training error throughout (degradation), the 34-layer ResNet the lower. Runs are grouped
    by their config's model name (``plain*`` / ``resnet*``); panels of a row share the y axis.
    """
    t = table("plots", language)
    unknown = [m for m in metrics if m not in ("loss", "error")]
    if unknown or not metrics:
        raise ValueError(t["bad_degradation_metrics"].format(metrics=list(metrics)))
    if not runs:
        raise ValueError(t["needs_runs"].format(function="degradation_curves"))
    families: dict[str, list[RunResult]] = {}
    for run in runs:
        model = str(run.config.get("model", run.name))
        family = "Plain" if model.startswith("plain") else "ResNet" if model.startswith("resnet") else model
        families.setdefault(family, []).append(run)
    depth = lambda run: int("".join(ch for ch in str(run.config.get("model", "")) if ch.isdigit()) or 0)
    fig = Figure(figsize=(5.5 * len(families), 3.8 * len(metrics)), layout="constrained")
    axes = np.array(fig.subplots(len(metrics), len(families), sharey="row", sharex=True, squeeze=False))
    for row, metric in zip(axes, metrics):
        for ax, (family, members) in zip(row, families.items()):
            for i, run in enumerate(sorted(members, key=depth)):
                history, color = run.history, f"C{i % 10}"
                for split, style in (("train", dict(linestyle="--", linewidth=1.0)), ("val", dict(linewidth=2.4))):
                    values = (history[f"{split}_loss"] if metric == "loss"
                              else 100.0 * (1.0 - history[f"{split}_acc"]))
                    ax.plot(history["epoch"], values, color=color,
                            label=t["run_split"].format(run=run.label, split=t[split]), **style)
            ax.set_title(t["family_metric"].format(family=family, metric=t[metric]))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3, which="both")
            ax.legend(fontsize="small")
            if metric == "loss":
                ax.set_yscale("log")
                ax.yaxis.set_major_formatter(_PlainLogFormatter())
                ax.yaxis.set_minor_formatter(_PlainLogFormatter(labelOnlyBase=False))
        row[0].set_ylabel(t["loss_log_axis"] if metric == "loss" else t["error_axis"])
    for ax in axes[-1]:
        ax.set_xlabel(t["epoch"])
    fig.suptitle(t["degradation_title"])
    return fig


class _PlainLogFormatter(LogFormatter):
    """Log-axis tick labels as plain decimals ("0.6", "1", "1.5") instead of "6×10⁻¹": matplotlib still picks
    which ticks get a label (minor ones only when the axis spans few decades), only the text is plain."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        if not super().__call__(x, pos):
            return ""
        return np.format_float_positional(x, precision=6, unique=False, fractional=False, trim="-")


def seed_curves(groups: Any, metric: str = "val_acc", language: str | None = None) -> Figure:
    """Mean (line) and mean ± standard deviation (band) over seeds of one history column per epoch, every seed
    faint behind it; one colour per group.

    ``groups`` maps a label to that group's runs (a list, or the ``{seed: run}`` of
    ``kit.experiments.seed_runs``), e.g. ``{"plain34": seed_runs(ws, "plain34"), ...}``; a run name as label is
    shown by its display name ("Plain-34", ``kit.runs.display_name``). Accuracies in %.

    As in ``kit.experiments.seed_summary``, only finished runs count; the legend says how many unfinished ones
    were left out. The mean and band stop at the last epoch that *every* finished seed reached (with early
    stopping some stop sooner), so each point averages the same seeds; the faint lines show the full runs. The
    band is the sample standard deviation (n - 1) and is drawn only from two seeds on.
    """
    t = table("plots", language)
    if not groups:
        raise ValueError(t["needs_runs"].format(function="seed_curves"))
    scale = 100.0 if metric.endswith("_acc") else 1.0
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.subplots()
    for i, (label, members) in enumerate(groups.items()):
        members = list(members.values()) if hasattr(members, "values") else list(members)
        if not members:
            raise ValueError(t["empty_group"].format(label=label))
        label = display_name(str(label))
        color = f"C{i % 10}"
        finished = [run for run in members if run.finished]
        left_out = t["seed_left_out"].format(count=len(members) - len(finished)) if len(finished) < len(members) else ""
        if not finished:
            ax.plot([], [], color=color, label=t["seed_none"].format(label=label, left_out=left_out))
            continue
        for run in finished:
            ax.plot(run.history["epoch"], run.history[metric] * scale, color=color, alpha=0.25, linewidth=0.8)
        per_seed = pd.concat([run.history.set_index("epoch")[metric] for run in finished], axis=1, join="inner")
        mean = per_seed.mean(axis=1)
        ax.plot(per_seed.index, mean * scale, color=color, linewidth=2,
                label=t["seed_legend"].format(label=label, n=len(finished), left_out=left_out))
        if len(finished) > 1:
            std = per_seed.std(axis=1, ddof=1)
            ax.fill_between(per_seed.index, (mean - std) * scale, (mean + std) * scale, color=color, alpha=0.2)
    name = t.get(metric, metric.replace("_", " "))
    ax.set(xlabel=t["epoch"], ylabel=t["percent_axis"].format(metric=name) if scale == 100.0 else name,
           title=t["seed_title"].format(metric=name))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig
