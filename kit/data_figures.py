"""Notebook 01's view of the dataset: tables and figures in the student's language, built from the data's numbers.

``kit.data`` computes (the records table, ``split.csv``, ``data_report.json``, ``compare_splits``) with
machine keys and raw numbers; this module only names and draws them, so preparing data never loads
matplotlib. Every function takes ``language`` (``"id"`` or ``"en"``, default ``kit.text.current_language()``)
and returns a DataFrame or a matplotlib ``Figure`` (built without pyplot, so nothing piles up and a notebook
cell shows each once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from kit import numbers
from kit.data.dedup import NEAR_THRESHOLD, duplicate_groups
from kit.data.reading import open_rgb
from kit.data.report import compare_splits
from kit.data.split import leakage_pairs, split_counts
from kit.report.data_source import describe_source
from kit.text import table

THUMBNAIL_SIDE = 160

REPORT_ITEMS = ("n_images", "blank_rows", "duplicate_rows", "missing_files", "unreadable_files",
                "unlisted_files", "large_images", "unique_by_bytes", "unique_by_pixels", "duplicate_groups",
                "images_in_duplicate_groups", "largest_duplicate_group", "near_threshold",
                "val_with_duplicate_in_train", "test_listed", "n_test_images", "missing_test_files",
                "unreadable_test_files", "unlisted_test_files", "test_with_duplicate_in_train_val",
                "test_with_duplicate_in_train", "test_with_duplicate_in_val")
"""The headline entries of data_report.json, in the order ``report_table`` lists them (absent ones are skipped)."""


@dataclass(frozen=True)
class SourceLine:
    """Where the data came from, as the report says it (``kit.report.describe_source``): shown as Markdown."""

    markdown: str

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __str__(self) -> str:
        return self.markdown.replace("**", "").replace("`", "")


def source_line(report: Mapping[str, Any], language: str | None = None) -> SourceLine:
    """The data's source in the words of the submission report: the course zip with its size and sha256, a
    folder, or, impossible to miss, the synthetic stand-in whose numbers are not results."""
    sentences = table("report", language)
    return SourceLine(f"**{sentences['source']}:** {describe_source(report, sentences)}")


def report_table(report: Mapping[str, Any], language: str | None = None) -> pd.DataFrame:
    """The data report's headline numbers, one named row each, then images per format and per class."""
    t = table("data_figures", language)
    rows = [(t[key], numbers.count(report[key])) for key in REPORT_ITEMS if key in report]
    rows += [(t["format_item"].format(format=k), numbers.count(v)) for k, v in report["formats"].items()]
    rows += [(t["class_item"].format(label=k), numbers.count(v)) for k, v in report["per_class"].items()]
    return pd.DataFrame(rows, columns=[t["item"], t["value"]])


def class_split_table(split: pd.DataFrame, classes: Sequence[str] | None = None,
                      language: str | None = None) -> pd.DataFrame:
    """Images per class (rows) and split (columns), with totals."""
    t = table("data_figures", language)
    counts = split_counts(split, tuple(classes) if classes is not None else None)
    counts = counts.rename(index={"total": t["total"]}, columns={"total": t["total"]})
    counts.index.name = t["class"]
    return counts


def format_table(records: pd.DataFrame, language: str | None = None) -> pd.DataFrame:
    """Images per decoded format and class, next to how many carry a file extension that names another format."""
    t = table("data_figures", language)
    extension = records["filename"].str.rsplit(".", n=1).str[-1].str.lower()
    expected = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF", "bmp": "BMP"}
    formats = pd.crosstab(records["format"], records["label"])
    formats[t["total"]] = formats.sum(axis=1)
    formats[t["named_otherwise"]] = (extension.map(expected) != records["format"]).groupby(records["format"]).sum()
    formats.index.name, formats.columns.name = t["format"], None
    return formats


def size_table(records: pd.DataFrame, language: str | None = None) -> pd.DataFrame:
    """Width, height and short side (upright, in pixels) per class: min, median, max."""
    t = table("data_figures", language)
    sizes = records.assign(short_side=np.minimum(records["width"], records["height"]))
    sizes = sizes.groupby("label")[["width", "height", "short_side"]].agg(["min", "median", "max"])
    sizes.columns = pd.MultiIndex.from_tuples([(t[what], t[stat]) for what, stat in sizes.columns])
    sizes.index.name = t["class"]
    return sizes


def split_leakage_table(records: pd.DataFrame, hashes: pd.DataFrame, split: pd.DataFrame, *, seed: int = 0,
                        threshold: int = NEAR_THRESHOLD, language: str | None = None) -> pd.DataFrame:
    """``kit.data.report.compare_splits`` as a student reads it: how many val images of the starter code's
    split, a random split and the kit's split have a copy in train, and what share that is."""
    t = table("data_figures", language)
    leakage = compare_splits(records, hashes, split, seed=seed, threshold=threshold)
    return pd.DataFrame({
        t["split"]: [t[way] for way in leakage["split"]],
        t["val_images"]: [numbers.count(n) for n in leakage["val_images"]],
        t["with_duplicate_in_train"]: [numbers.count(n) for n in leakage["with_duplicate_in_train"]],
        t["share"]: [numbers.percent(share) for share in leakage["share"]],
    })


# --------------------------------------------------------------------------------------------------- figures

def plot_class_counts(split: pd.DataFrame, classes: Sequence[str] | None = None,
                      language: str | None = None) -> Figure:
    """Stacked bars: images per class, split into train/val(/test)."""
    t = table("data_figures", language)
    counts = split_counts(split, tuple(classes) if classes is not None else None)
    counts = counts.drop(index="total", columns="total")
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.add_subplot()
    bottom = np.zeros(len(counts))
    for column in counts.columns:
        ax.bar(counts.index, counts[column], bottom=bottom, label=column)
        bottom += counts[column].to_numpy()
    ax.set(xlabel=t["class"], ylabel=t["images"], title=t["class_counts_title"])
    ax.legend()
    return fig


def plot_formats(records: pd.DataFrame, language: str | None = None) -> Figure:
    """Bars: images per format as decoded from the content (not the file extension)."""
    t = table("data_figures", language)
    counts = records["format"].value_counts()
    fig = Figure(figsize=(5, 3.5), layout="constrained")
    ax = fig.add_subplot()
    ax.bar(counts.index.astype(str), counts.to_numpy(), color="tab:blue")
    for x, value in enumerate(counts.to_numpy()):
        ax.annotate(numbers.count(value), (x, value), ha="center", va="bottom")
    ax.set(xlabel=t["format"], ylabel=t["images"], title=t["formats_title"])
    return fig


def plot_sizes(records: pd.DataFrame, image_size: int = 224, language: str | None = None) -> Figure:
    """Scatter of width against height (upright) per class, with the network's input size marked."""
    t = table("data_figures", language)
    fig = Figure(figsize=(6, 5), layout="constrained")
    ax = fig.add_subplot()
    for label, rows in records.groupby("label"):
        ax.scatter(rows["width"], rows["height"], s=10, alpha=0.6, label=label)
    ax.axvline(image_size, color="grey", linestyle="--", linewidth=1)
    ax.axhline(image_size, color="grey", linestyle="--", linewidth=1)
    ax.set(xlabel=t["width"], ylabel=t["height"], title=t["sizes_title"].format(size=image_size))
    ax.legend(fontsize="small")
    return fig


def plot_samples(records: pd.DataFrame, per_class: int = 6, seed: int = 0, classes: Sequence[str] | None = None,
                 language: str | None = None) -> Figure:
    """A grid of random images, one row per class."""
    classes = list(classes) if classes is not None else sorted(records["label"].unique())
    rng = np.random.default_rng(seed)
    rows = []
    for label in classes:
        rows_of_class = records[records["label"] == label]
        chosen = rows_of_class.iloc[rng.permutation(len(rows_of_class))[:per_class]]
        rows.append([(p, f"{label}\n{f}") for p, f in zip(chosen["path"], chosen["filename"])])
    return _image_grid(rows, table("data_figures", language)["samples_title"])


def plot_duplicate_examples(records: pd.DataFrame, n_groups: int = 5, per_group: int = 5,
                            language: str | None = None) -> Figure:
    """The largest duplicate groups, one row each: copies of one photo the split keeps on one side."""
    groups = duplicate_groups(records).head(n_groups)
    paths = records.drop_duplicates("filename").set_index("filename")["path"]
    rows = [[(paths[f], f) for f in names[:per_group]] for names in groups["filenames"]]
    return _image_grid(rows, table("data_figures", language)["duplicates_title"].format(n=len(rows)))


def plot_leakage_examples(split: pd.DataFrame, hashes: pd.DataFrame, records: pd.DataFrame, n: int = 6,
                          threshold: int = NEAR_THRESHOLD, language: str | None = None) -> Figure:
    """Validation images of ``split`` next to their copy in training (other files, not the same file)."""
    t = table("data_figures", language)
    pairs = leakage_pairs(split, hashes, threshold=threshold)
    pairs = pairs[pairs["kind"] != "same file"].head(n)
    paths = records.drop_duplicates("filename").set_index("filename")["path"]
    rows = [[(paths[v], t["leakage_val"].format(filename=v)),
             (paths[m], t["leakage_train"].format(filename=m, kind=t[f"kind_{kind.replace(' ', '_')}"], distance=d))]
            for v, m, kind, d in zip(pairs["filename"], pairs["match"], pairs["kind"], pairs["distance"])]
    return _image_grid(rows, t["leakage_title"])


def _thumbnail(path: str) -> np.ndarray:
    image = open_rgb(path, min_side=THUMBNAIL_SIDE)
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    return np.asarray(image)


def _image_grid(rows: list[list[tuple[str, str]]], title: str) -> Figure:
    """A grid of thumbnails; ``rows`` holds (path, caption) pairs."""
    n_rows, n_cols = len(rows), max((len(r) for r in rows), default=1)
    fig = Figure(figsize=(2.2 * n_cols, 2.3 * max(n_rows, 1)), layout="constrained")
    axes = fig.subplots(max(n_rows, 1), n_cols, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for r, row in enumerate(rows):
        for c, (path, caption) in enumerate(row):
            axes[r, c].imshow(_thumbnail(path))
            axes[r, c].set_title(caption, fontsize="small")
    fig.suptitle(title)
    return fig
