"""What the data looks like: the data report (data_report.json) plus tables and figures for notebook 01.

``data_report`` builds the dictionary ``prepare`` saves. The other functions return DataFrames or matplotlib
``Figure`` objects (built without pyplot, so nothing piles up and a notebook cell shows each once).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from kit.data.dedup import NEAR_THRESHOLD, duplicate_groups
from kit.data.reading import PROBLEM_KINDS, Dataset, open_rgb
from kit.data.split import SPLITS, count_leakage, leakage_pairs, random_split, split_counts, starter_code_split

THUMBNAIL_SIDE = 160


def data_report(dataset: Dataset, hashes: pd.DataFrame, split: pd.DataFrame, *,
                near_threshold: int = NEAR_THRESHOLD) -> dict:
    """The data report as a JSON-ready dictionary.

    Counts sit at the top level (``n_images``, ``per_class``, ``formats``, ``blank_rows``, ``missing_files``,
    ``unreadable_files``, ``unlisted_files``, ``duplicate_groups``, ``val_with_duplicate_in_train`` ...);
    ``problems`` names every skipped row or file (CSV line numbers or file names), ``errors`` gives the
    decoder's message for unreadable files. ``hashes`` is ``image_hashes``' table with a ``group`` column.
    """
    records = dataset.records
    classes = list(dataset.classes)
    groups = duplicate_groups(hashes)
    widths, heights = records["width"], records["height"]
    short_side = np.minimum(widths, heights)
    report = {
        "layout": dataset.layout,
        "image_dir": dataset.image_dir,
        "synthetic": dataset.synthetic,
        "classes": classes,
        "n_images": int(len(records)),
        "per_class": {c: int((records["label"] == c).sum()) for c in classes},
        "formats": {str(k): int(v) for k, v in records["format"].value_counts().items()},
        "modes": {str(k): int(v) for k, v in records["mode"].value_counts().items()},
        "sizes": {"width": {"min": int(widths.min()), "median": float(widths.median()), "max": int(widths.max())},
                  "height": {"min": int(heights.min()), "median": float(heights.median()),
                             "max": int(heights.max())},
                  "short_side_below_224": int((short_side < 224).sum())},
        **{kind: len(dataset.problems.get(kind, [])) for kind in PROBLEM_KINDS},
        "problems": {kind: list(dataset.problems.get(kind, [])) for kind in PROBLEM_KINDS},
        "errors": dict(dataset.errors),
        "unique_by_bytes": int(hashes["sha256"].nunique()),
        "unique_by_pixels": int(hashes["pixel_hash"].nunique()),
        "near_threshold": int(near_threshold),
        "duplicate_groups": int(len(groups)),
        "images_in_duplicate_groups": int(groups["size"].sum()) if len(groups) else 0,
        "largest_duplicate_group": int(groups["size"].max()) if len(groups) else 1,
        "mixed_label_groups": [list(f) for f, lbl in zip(groups["filenames"], groups["labels"]) if "|" in lbl],
        "per_split": {s: {c: int(((split["split"] == s) & (split["label"] == c)).sum()) for c in classes}
                      for s in SPLITS if (split["split"] == s).any()},
        "val_with_duplicate_in_train": count_leakage(split, hashes, threshold=near_threshold),
        "test_listed": int(dataset.test_listed),
        "n_test_images": int(len(dataset.test)),
    }
    if (split["split"] == "test").any():
        report["test_with_duplicate_in_train"] = count_leakage(split, hashes, threshold=near_threshold,
                                                               val="test")
        report["test_with_duplicate_in_val"] = count_leakage(split, hashes, threshold=near_threshold,
                                                             train="val", val="test")
    return report


def report_table(report: dict) -> pd.DataFrame:
    """The report's headline numbers as a two-column table (``item``, ``value``)."""
    keys = ["n_images", "blank_rows", "duplicate_rows", "missing_files", "unreadable_files", "unlisted_files",
            "unique_by_bytes", "unique_by_pixels", "duplicate_groups", "images_in_duplicate_groups",
            "largest_duplicate_group", "near_threshold", "val_with_duplicate_in_train", "test_listed",
            "n_test_images"]
    rows = [(k, report[k]) for k in keys if k in report]
    rows += [(f"format {k}", v) for k, v in report["formats"].items()]
    rows += [(f"class {k}", v) for k, v in report["per_class"].items()]
    return pd.DataFrame(rows, columns=["item", "value"])


def class_split_table(split: pd.DataFrame, classes: Sequence[str] | None = None) -> pd.DataFrame:
    """Images per class and split, with totals."""
    return split_counts(split, tuple(classes) if classes is not None else None)


def format_table(records: pd.DataFrame) -> pd.DataFrame:
    """Images per decoded format and class, next to how many carry a misleading file extension."""
    extension = records["filename"].str.rsplit(".", n=1).str[-1].str.lower()
    expected = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF", "bmp": "BMP"}
    table = pd.crosstab(records["format"], records["label"])
    table["total"] = table.sum(axis=1)
    table["named_otherwise"] = (extension.map(expected) != records["format"]).groupby(records["format"]).sum()
    return table


def size_table(records: pd.DataFrame) -> pd.DataFrame:
    """Width, height and short side (upright, in pixels) per class: min, median, max."""
    sizes = records.assign(short_side=np.minimum(records["width"], records["height"]))
    return sizes.groupby("label")[["width", "height", "short_side"]].agg(["min", "median", "max"])


def compare_splits(records: pd.DataFrame, hashes: pd.DataFrame, split: pd.DataFrame, *, seed: int = 0,
                   threshold: int = NEAR_THRESHOLD) -> pd.DataFrame:
    """Leakage of three ways to split the same images: the starter code's, a plain random one, the kit's.

    Columns: ``split``, ``val_images``, ``with_duplicate_in_train`` and ``share`` (0..1).
    """
    candidates = {
        "starter code (two shuffles)": starter_code_split(records, seed),
        "random stratified": random_split(records, seed=seed),
        "kit (grouped, split.csv)": split,
    }
    rows = []
    for name, candidate in candidates.items():
        n_val = int((candidate["split"] == "val").sum())
        leaks = count_leakage(candidate, hashes, threshold=threshold)
        rows.append({"split": name, "val_images": n_val, "with_duplicate_in_train": leaks,
                     "share": leaks / n_val if n_val else 0.0})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------- figures

def _thumbnail(path: str) -> np.ndarray:
    image = open_rgb(path, min_side=THUMBNAIL_SIDE)
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    return np.asarray(image)


def plot_class_counts(split: pd.DataFrame, classes: Sequence[str] | None = None) -> Figure:
    """Stacked bars: images per class, split into train/val(/test)."""
    counts = split_counts(split, tuple(classes) if classes is not None else None)
    counts = counts.drop(index="total", columns="total")
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.add_subplot()
    bottom = np.zeros(len(counts))
    for column in counts.columns:
        ax.bar(counts.index, counts[column], bottom=bottom, label=column)
        bottom += counts[column].to_numpy()
    ax.set_ylabel("images")
    ax.set_title("Images per class and split")
    ax.legend()
    return fig


def plot_formats(records: pd.DataFrame) -> Figure:
    """Bars: images per format as decoded from the content (not the file extension)."""
    counts = records["format"].value_counts()
    fig = Figure(figsize=(5, 3.5), layout="constrained")
    ax = fig.add_subplot()
    ax.bar(counts.index.astype(str), counts.to_numpy(), color="tab:blue")
    for x, value in enumerate(counts.to_numpy()):
        ax.annotate(str(value), (x, value), ha="center", va="bottom")
    ax.set_ylabel("images")
    ax.set_title("Formats (decoded from content)")
    return fig


def plot_sizes(records: pd.DataFrame, image_size: int = 224) -> Figure:
    """Scatter of width against height (upright) per class, with the network's input size marked."""
    fig = Figure(figsize=(6, 5), layout="constrained")
    ax = fig.add_subplot()
    for label, rows in records.groupby("label"):
        ax.scatter(rows["width"], rows["height"], s=10, alpha=0.6, label=label)
    ax.axvline(image_size, color="grey", linestyle="--", linewidth=1)
    ax.axhline(image_size, color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("width (px)")
    ax.set_ylabel("height (px)")
    ax.set_title(f"Image sizes (dashed: {image_size} px)")
    ax.legend(fontsize="small")
    return fig


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


def plot_samples(records: pd.DataFrame, per_class: int = 6, seed: int = 0,
                 classes: Sequence[str] | None = None) -> Figure:
    """A grid of random images, one row per class."""
    classes = list(classes) if classes is not None else sorted(records["label"].unique())
    rng = np.random.default_rng(seed)
    rows = []
    for label in classes:
        rows_of_class = records[records["label"] == label]
        chosen = rows_of_class.iloc[rng.permutation(len(rows_of_class))[:per_class]]
        rows.append([(p, f"{label}\n{f}") for p, f in zip(chosen["path"], chosen["filename"])])
    return _image_grid(rows, "Random images per class")


def plot_duplicate_examples(records: pd.DataFrame, n_groups: int = 5, per_group: int = 5) -> Figure:
    """The largest duplicate groups, one row each: copies of one photo the split keeps on one side."""
    groups = duplicate_groups(records).head(n_groups)
    paths = records.drop_duplicates("filename").set_index("filename")["path"]
    rows = [[(paths[f], f) for f in names[:per_group]] for names in groups["filenames"]]
    return _image_grid(rows, f"The {len(rows)} largest duplicate groups (one row per group)")


def plot_leakage_examples(split: pd.DataFrame, hashes: pd.DataFrame, records: pd.DataFrame, n: int = 6,
                          threshold: int = NEAR_THRESHOLD) -> Figure:
    """Validation images of ``split`` next to their copy in training (other files, not the same file)."""
    pairs = leakage_pairs(split, hashes, threshold=threshold)
    pairs = pairs[pairs["kind"] != "same file"].head(n)
    paths = records.drop_duplicates("filename").set_index("filename")["path"]
    rows = [[(paths[v], f"val {v}"), (paths[t], f"train {t}\n{kind}, {d} bits")]
            for v, t, kind, d in zip(pairs["filename"], pairs["match"], pairs["kind"], pairs["distance"])]
    return _image_grid(rows, "Validation images with a copy in training")
