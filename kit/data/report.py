"""What the data looks like, as numbers: the data report (data_report.json) and how much other splits leak.

``data_report`` builds the dictionary ``prepare`` saves; ``compare_splits`` measures the leakage of the
starter code's split and a random one beside the kit's. Both use machine keys and raw numbers; the tables
and figures a student reads in notebook 01 are built from them in ``kit.data_figures`` (so preparing data
never imports matplotlib).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.data.dedup import NEAR_THRESHOLD, duplicate_groups
from kit.data.reading import PROBLEM_KINDS, Dataset
from kit.data.split import SPLITS, count_leakage, random_split, starter_code_split

SPLIT_WAYS = ("starter_code", "random", "kit")
"""The splits ``compare_splits`` measures: the starter code's two shuffles, a random stratified one, split.csv."""


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


def compare_splits(records: pd.DataFrame, hashes: pd.DataFrame, split: pd.DataFrame, *, seed: int = 0,
                   threshold: int = NEAR_THRESHOLD) -> pd.DataFrame:
    """Leakage of three ways to split the same images: the starter code's, a plain random one, the kit's.

    Columns: ``split`` (one of ``SPLIT_WAYS``), ``val_images``, ``with_duplicate_in_train`` and ``share``
    (0..1).
    """
    candidates = dict(zip(SPLIT_WAYS, (starter_code_split(records, seed), random_split(records, seed=seed), split)))
    rows = []
    for name, candidate in candidates.items():
        n_val = int((candidate["split"] == "val").sum())
        leaks = count_leakage(candidate, hashes, threshold=threshold)
        rows.append({"split": name, "val_images": n_val, "with_duplicate_in_train": leaks,
                     "share": leaks / n_val if n_val else 0.0})
    return pd.DataFrame(rows)
