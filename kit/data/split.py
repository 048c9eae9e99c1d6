"""Split into train/val(/test) without leakage, save it as ``split.csv``, and measure leakage of any split.

The kit's split is stratified by class, seeded, and *grouped*: all copies of a photo (a duplicate group from
``kit.data.dedup``) go to the same side, so no validation image has a copy in training. ``count_leakage`` checks
that from the image hashes, and can be pointed at any other split, such as ``starter_code_split`` (the course
starter code's two independent shuffles) or ``random_split`` (a correct random split that ignores duplicates).

For k-fold cross-validation ``assign_folds`` adds a ``fold`` column (scikit-learn's ``StratifiedGroupKFold``:
every duplicate group in one fold, classes balanced across folds) and ``fold_split`` turns fold *i* into the
validation side with the other folds as training (Kohavi 1995, "A Study of Cross-Validation and Bootstrap for
Accuracy Estimation and Model Selection", recommends stratified folds).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sklearn.model_selection import StratifiedGroupKFold

from kit.data.dedup import NEAR_THRESHOLD, closest_duplicates
from kit.data.reading import DataWarning
from kit.files import atomic_write_text
from kit.text import tr

SPLIT_COLUMNS = ["filename", "label", "split", "group"]
FOLD_COLUMN = "fold"
"""Optional last column of split.csv: the cross-validation fold (0..k-1) of a train/val image, -1 for test."""
SPLITS = ("train", "val", "test")


def grouped_split(table: pd.DataFrame, *, val_fraction: float = 0.2, test_fraction: float = 0.0,
                  seed: int = 0) -> pd.DataFrame:
    """Assign each row of ``table`` (``filename``, ``label``, ``group``) to "train", "val" or "test".

    For every class, val gets ``round(n_class * val_fraction)`` images (test likewise), built from whole
    duplicate groups: groups are visited in a seeded random order and one joins val while it still fits every
    class it contains. Returns ``filename,label,split,group`` in the row order of ``table``.
    """
    if not 0 < val_fraction < 1 or not 0 <= test_fraction < 1 or val_fraction + test_fraction >= 1:
        raise ValueError(tr("data.bad_fractions", val_fraction=val_fraction, test_fraction=test_fraction))
    missing = {"filename", "label", "group"} - set(table.columns)
    if missing:
        raise ValueError(tr("data.split_needs_columns", missing=sorted(missing)))
    if table["filename"].duplicated().any():
        raise ValueError(tr("data.filenames_repeat", names=table.loc[table["filename"].duplicated(),
                                                                     "filename"].tolist()[:10]))
    class_sizes = table["label"].value_counts()
    per_group = table.groupby(["group", "label"]).size().unstack(fill_value=0)  # group x class image counts
    counts, groups = per_group.to_numpy(), per_group.index.to_numpy()
    order = np.random.default_rng(seed).permutation(len(groups))
    assigned = np.full(len(groups), "train", dtype=object)
    for split, fraction in (("test", test_fraction), ("val", val_fraction)):
        if fraction == 0:
            continue
        room = (class_sizes.reindex(per_group.columns) * fraction).round().astype(int).to_numpy().copy()
        for i in order:
            if assigned[i] == "train" and (counts[i] <= room).all():
                assigned[i] = split
                room -= counts[i]
        if room.any():
            short = {c: int(r) for c, r in zip(per_group.columns, room) if r}
            warnings.warn(tr("data.short_of_share", split=split, short=short), DataWarning, stacklevel=2)
    out = table[["filename", "label", "group"]].copy()
    out["split"] = out["group"].map(dict(zip(groups, assigned)))
    return _normalised(out)


def random_split(table: pd.DataFrame, *, val_fraction: float = 0.2, seed: int = 0) -> pd.DataFrame:
    """A stratified random split that ignores duplicates (each image its own group): correct by the textbook,
    yet copies of one photo end up on both sides. For comparison only."""
    ungrouped = table[["filename", "label"]].copy()
    ungrouped["group"] = np.arange(len(ungrouped))
    out = grouped_split(ungrouped, val_fraction=val_fraction, seed=seed)
    if "group" in table.columns:
        out["group"] = table["group"].to_numpy()
    return out


def starter_code_split(table: pd.DataFrame, seed: int = 0, *, val_fraction: float = 0.2) -> pd.DataFrame:
    """Reproduce the course starter code's mistake: train and val cut from two *independent* shuffles.

    In pandas terms the starter did ``train = df.sample(frac=1).iloc[:n_train]`` and then
    ``val = df.sample(frac=1).iloc[n_train:]``: the second shuffle has a different order, so most validation
    images are training images too (and some images are in neither). The result has one row per (image, split)
    and a filename can appear twice; use it only to measure leakage.
    """
    n = len(table)
    n_train = int(round(n * (1 - val_fraction)))
    first = np.random.default_rng([seed, 1]).permutation(n)
    second = np.random.default_rng([seed, 2]).permutation(n)
    columns = ["filename", "label"] + (["group"] if "group" in table.columns else [])
    train = table.iloc[first[:n_train]][columns].assign(split="train")
    val = table.iloc[second[n_train:]][columns].assign(split="val")
    out = pd.concat([train, val], ignore_index=True)
    if "group" not in out.columns:
        out["group"] = -1
    return _normalised(out)


# --------------------------------------------------------------------------------------------------- folds

def assign_folds(split: pd.DataFrame, folds: int, *, seed: int = 0) -> pd.DataFrame:
    """``split`` with a ``fold`` column: ``folds`` stratified, grouped folds over its train and val images.

    scikit-learn's ``StratifiedGroupKFold`` (shuffled with ``seed``) keeps each duplicate group in one fold and
    each class's share about equal in every fold. A labelled test split stays out of the folds (fold -1).
    """
    pool = split[split["split"] != "test"]
    classes = pool["label"].value_counts()
    if not 2 <= folds <= len(pool["group"].unique()):
        raise ValueError(tr("data.bad_folds", folds=folds, groups=pool["group"].nunique()))
    if classes.min() < folds:
        raise ValueError(tr("data.class_too_small_for_folds", folds=folds, label=classes.idxmin(),
                            n=int(classes.min())))
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    fold = pd.Series(-1, index=split.index, dtype="int64")
    for number, (_, held_out) in enumerate(splitter.split(pool, pool["label"], groups=pool["group"])):
        fold[pool.index[held_out]] = number
    return _normalised(split.assign(**{FOLD_COLUMN: fold}))


def fold_split(split: pd.DataFrame, fold: int) -> pd.DataFrame:
    """The train/val split of cross-validation fold ``fold``: its images are val, those of the other folds
    train; a labelled test split stays as it is. ``split`` needs the ``fold`` column of ``assign_folds``."""
    if FOLD_COLUMN not in split.columns:
        raise ValueError(tr("data.no_folds"))
    folds = int(split[FOLD_COLUMN].max()) + 1
    if not 0 <= fold < folds:
        raise ValueError(tr("data.fold_out_of_range", fold=fold, folds=folds))
    out = split.copy()
    in_folds = out[FOLD_COLUMN] >= 0
    out.loc[in_folds, "split"] = np.where(out.loc[in_folds, FOLD_COLUMN] == fold, "val", "train")
    return _normalised(out)


def fold_counts(split: pd.DataFrame) -> pd.DataFrame:
    """Images per class (rows) and fold (columns): how balanced the folds are."""
    in_folds = split[split[FOLD_COLUMN] >= 0]
    counts = pd.crosstab(in_folds["label"], in_folds[FOLD_COLUMN])
    counts.index.name, counts.columns.name = "label", FOLD_COLUMN
    return counts


# --------------------------------------------------------------------------------------------------- split.csv

def split_csv_text(split: pd.DataFrame) -> str:
    """The exact text ``write_split`` writes for ``split`` (so a caller can tell whether anything changed)."""
    return _normalised(split).to_csv(index=False)


def write_split(split: pd.DataFrame, path: str | Path) -> Path:
    """Write ``split.csv`` (``filename,label,split,group`` and, with folds, ``fold``) after checking it."""
    check_split(split)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(path, split_csv_text(split))


def read_split(path: str | Path, classes: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Read and check a ``split.csv``."""
    path = Path(path)
    split = pd.read_csv(path, dtype={"filename": str, "label": str, "split": str}, keep_default_na=False)
    check_split(split, classes, where=path.name)
    return _normalised(split)


def _normalised(split: pd.DataFrame) -> pd.DataFrame:
    """The split columns in order, as plain Python strings and int64 groups (and folds), whatever pandas made
    of them."""
    columns = SPLIT_COLUMNS + ([FOLD_COLUMN] if FOLD_COLUMN in split.columns else [])
    types = {"filename": object, "label": object, "split": object, "group": "int64", FOLD_COLUMN: "int64"}
    return split[columns].astype({c: types[c] for c in columns}).reset_index(drop=True)


def check_split(split: pd.DataFrame, classes: tuple[str, ...] | None = None, *, where: str = "split") -> None:
    """``ValueError`` naming the rows when columns, split names, labels, filenames or folds are wrong."""
    missing = [c for c in SPLIT_COLUMNS if c not in split.columns]
    if missing:
        raise ValueError(tr("data.split_missing_columns", where=where, missing=missing, expected=SPLIT_COLUMNS))
    bad_split = split[~split["split"].isin(SPLITS)]
    if len(bad_split):
        raise ValueError(tr("data.split_bad_names", where=where, splits=SPLITS, rows=bad_split.index.tolist()[:10]))
    if classes is not None:
        bad_label = split[~split["label"].isin(classes)]
        if len(bad_label):
            raise ValueError(tr("data.split_bad_labels", where=where, classes=list(classes),
                                rows=bad_label.index.tolist()[:10]))
    repeated = split[split["filename"].duplicated()]
    if len(repeated):
        raise ValueError(tr("data.split_repeated", where=where, names=repeated["filename"].tolist()[:10]))
    if not (split["split"] == "train").any() or not (split["split"] == "val").any():
        raise ValueError(tr("data.split_needs_train_and_val", where=where))
    if FOLD_COLUMN in split.columns:
        fold = pd.to_numeric(split[FOLD_COLUMN], errors="coerce")
        in_folds = split["split"] != "test"
        bad = split[fold.isna() | (in_folds & (fold < 0)) | (~in_folds & (fold != -1))]
        straddling = split[in_folds].groupby("group")[FOLD_COLUMN].nunique()
        if len(bad) or (straddling > 1).any():
            raise ValueError(tr("data.split_bad_folds", where=where, rows=bad.index.tolist()[:10],
                                groups=straddling[straddling > 1].index.tolist()[:10]))


# --------------------------------------------------------------------------------------------------- leakage

def leakage_pairs(split: pd.DataFrame, hashes: pd.DataFrame, *, threshold: int = NEAR_THRESHOLD,
                  train: str = "train", val: str = "val") -> pd.DataFrame:
    """Every ``val`` row that has an exact or near duplicate among the ``train`` rows, with its closest match.

    Columns: ``filename``, ``label``, ``match`` (a train filename), ``match_label``, ``kind`` ("same file",
    "bytes", "pixels" or "near") and ``distance`` (pHash + dHash bits). ``hashes`` is ``image_hashes``' table;
    it is looked up by filename, so ``split`` may be any split of the same images, even one that lists a file
    on both sides.
    """
    table = hashes.drop_duplicates("filename").set_index("filename")
    unknown = sorted(set(split["filename"]) - set(table.index))
    if unknown:
        raise ValueError(tr("data.no_hashes", n=len(unknown), names=unknown[:5]))
    val_rows = split[split["split"] == val].reset_index(drop=True)
    train_rows = split[split["split"] == train].reset_index(drop=True)
    columns = ["filename", "label", "match", "match_label", "kind", "distance"]
    if val_rows.empty or train_rows.empty:
        return pd.DataFrame(columns=columns)
    v = table.loc[val_rows["filename"]].reset_index()
    t = table.loc[train_rows["filename"]].reset_index()
    found = closest_duplicates(v, t, threshold)
    match = pd.Series(train_rows["filename"].to_numpy(object)[found["reference"].to_numpy(int)],
                      index=found["query"].to_numpy(int), dtype=object)
    kind = pd.Series(found["kind"].to_numpy(object), index=match.index, dtype=object)
    distance = pd.Series(found["distance"].to_numpy(int), index=match.index, dtype="int64")
    # the starter code's split lists one file on both sides: that is the closest match of all
    same_file = np.nonzero(val_rows["filename"].isin(set(train_rows["filename"])).to_numpy())[0]
    match = match.reindex(match.index.union(same_file))
    match[same_file] = val_rows["filename"].to_numpy(object)[same_file]
    kind = kind.reindex(match.index)
    kind[same_file] = "same file"
    distance = distance.reindex(match.index)
    distance[same_file] = 0
    rows = match.index.to_numpy(int)
    by_name = train_rows.drop_duplicates("filename").set_index("filename")["label"]
    return pd.DataFrame({"filename": val_rows["filename"].to_numpy(object)[rows],
                         "label": val_rows["label"].to_numpy(object)[rows],
                         "match": match.to_numpy(object), "match_label": by_name.loc[match].to_numpy(object),
                         "kind": kind.to_numpy(object), "distance": distance.to_numpy().astype(int)},
                        columns=columns)


def count_leakage(split: pd.DataFrame, hashes: pd.DataFrame, *, threshold: int = NEAR_THRESHOLD,
                  train: str = "train", val: str = "val") -> int:
    """How many ``val`` images have an exact or near duplicate in ``train`` (0 for the kit's split)."""
    return len(leakage_pairs(split, hashes, threshold=threshold, train=train, val=val))


def split_counts(split: pd.DataFrame, classes: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Images per class (rows) and split (columns), with totals."""
    counts = pd.crosstab(split["label"], split["split"])
    counts = counts.reindex(columns=[s for s in SPLITS if s in counts.columns])
    if classes is not None:
        counts = counts.reindex(list(classes), fill_value=0)
    counts["total"] = counts.sum(axis=1)
    counts.loc["total"] = counts.sum(axis=0)
    counts.index.name, counts.columns.name = "label", None
    return counts
