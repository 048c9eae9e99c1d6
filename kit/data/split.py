"""Split into train/val(/test) without leakage, save it as ``split.csv``, and measure leakage of any split.

The kit's split is stratified by class, seeded, and *grouped*: all copies of a photo (a duplicate group from
``kit.data.dedup``) go to the same side, so no validation image has a copy in training. ``count_leakage`` checks
that from the image hashes, and can be pointed at any other split, such as ``starter_code_split`` (the course
starter code's two independent shuffles) or ``random_split`` (a correct random split that ignores duplicates).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from kit.data.dedup import NEAR_THRESHOLD, hash_distances
from kit.data.reading import DataWarning
from kit.files import atomic_write_text

SPLIT_COLUMNS = ["filename", "label", "split", "group"]
SPLITS = ("train", "val", "test")


def grouped_split(table: pd.DataFrame, *, val_fraction: float = 0.2, test_fraction: float = 0.0,
                  seed: int = 0) -> pd.DataFrame:
    """Assign each row of ``table`` (``filename``, ``label``, ``group``) to "train", "val" or "test".

    For every class, val gets ``round(n_class * val_fraction)`` images (test likewise), built from whole
    duplicate groups: groups are visited in a seeded random order and one joins val while it still fits every
    class it contains. Returns ``filename,label,split,group`` in the row order of ``table``.
    """
    if not 0 < val_fraction < 1 or not 0 <= test_fraction < 1 or val_fraction + test_fraction >= 1:
        raise ValueError(f"need 0 < val_fraction, 0 <= test_fraction and their sum < 1; got "
                         f"val_fraction={val_fraction}, test_fraction={test_fraction}")
    missing = {"filename", "label", "group"} - set(table.columns)
    if missing:
        raise ValueError(f"grouped_split needs columns filename, label, group; missing {sorted(missing)}")
    if table["filename"].duplicated().any():
        raise ValueError(f"filenames repeat: {table.loc[table['filename'].duplicated(), 'filename'].tolist()[:10]}")
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
            warnings.warn(f"{split}: {short} image(s) per class short of the stratified share, since duplicate "
                          f"groups are never split", DataWarning, stacklevel=2)
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


# --------------------------------------------------------------------------------------------------- split.csv

def write_split(split: pd.DataFrame, path: str | Path) -> Path:
    """Write ``split.csv`` (``filename,label,split,group``) after checking it; returns the path."""
    check_split(split)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(path, split[SPLIT_COLUMNS].to_csv(index=False))


def read_split(path: str | Path, classes: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Read and check a ``split.csv``."""
    path = Path(path)
    split = pd.read_csv(path, dtype={"filename": str, "label": str, "split": str}, keep_default_na=False)
    check_split(split, classes, where=str(path))
    return _normalised(split)


def _normalised(split: pd.DataFrame) -> pd.DataFrame:
    """The split columns in order, as plain Python strings and int64 groups, whatever pandas made of them."""
    types = {"filename": object, "label": object, "split": object, "group": "int64"}
    return split[SPLIT_COLUMNS].astype(types).reset_index(drop=True)


def check_split(split: pd.DataFrame, classes: tuple[str, ...] | None = None, *, where: str = "split") -> None:
    """``ValueError`` naming the rows when columns, split names, labels or filenames are wrong."""
    missing = [c for c in SPLIT_COLUMNS if c not in split.columns]
    if missing:
        raise ValueError(f"{where}: missing columns {missing} (expected {SPLIT_COLUMNS})")
    bad_split = split[~split["split"].isin(SPLITS)]
    if len(bad_split):
        raise ValueError(f"{where}: split must be one of {SPLITS}; rows {bad_split.index.tolist()[:10]} are not")
    if classes is not None:
        bad_label = split[~split["label"].isin(classes)]
        if len(bad_label):
            raise ValueError(f"{where}: labels outside {list(classes)} in rows {bad_label.index.tolist()[:10]}")
    repeated = split[split["filename"].duplicated()]
    if len(repeated):
        raise ValueError(f"{where}: filenames listed twice: {repeated['filename'].tolist()[:10]}")
    if not (split["split"] == "train").any() or not (split["split"] == "val").any():
        raise ValueError(f"{where}: needs at least one train and one val image")


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
        raise ValueError(f"no hashes for {len(unknown)} file(s) of the split, e.g. {unknown[:5]}")
    val_rows = split[split["split"] == val].reset_index(drop=True)
    train_rows = split[split["split"] == train].reset_index(drop=True)
    columns = ["filename", "label", "match", "match_label", "kind", "distance"]
    if val_rows.empty or train_rows.empty:
        return pd.DataFrame(columns=columns)
    v = table.loc[val_rows["filename"]].reset_index()
    t = table.loc[train_rows["filename"]].reset_index()
    distance = hash_distances(v, t)
    same_file = val_rows["filename"].to_numpy(object)[:, None] == train_rows["filename"].to_numpy(object)[None, :]
    codes_sha = pd.factorize(pd.concat([v["sha256"], t["sha256"]]))[0]
    codes_pix = pd.factorize(pd.concat([v["pixel_hash"], t["pixel_hash"]]))[0]
    same_bytes = codes_sha[: len(v), None] == codes_sha[None, len(v):]
    same_pixels = codes_pix[: len(v), None] == codes_pix[None, len(v):]
    # rank: same file < same bytes < same pixels < near, then by distance
    score = distance.astype(np.int64) + 1000 * (~same_file) + 1000 * (~same_bytes) + 1000 * (~same_pixels)
    matched = same_file | same_bytes | same_pixels | (distance <= threshold)
    score = np.where(matched, score, np.iinfo(np.int64).max)
    best = score.argmin(axis=1)
    leaking = matched.any(axis=1)
    rows = np.nonzero(leaking)[0]
    cols = best[rows]
    kind = np.select([same_file[rows, cols], same_bytes[rows, cols], same_pixels[rows, cols]],
                     ["same file", "bytes", "pixels"], default="near")
    return pd.DataFrame({"filename": val_rows["filename"].to_numpy(object)[rows],
                         "label": val_rows["label"].to_numpy(object)[rows],
                         "match": train_rows["filename"].to_numpy(object)[cols],
                         "match_label": train_rows["label"].to_numpy(object)[cols],
                         "kind": kind, "distance": distance[rows, cols]}, columns=columns)


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
