"""One call from a data source to a leak-free split: fetch -> read -> dedup -> split -> report.

``prepare(source, workspace)`` writes ``split.csv`` and ``data_report.json`` into the workspace and returns a
``Prepared`` object. Every notebook and run after it reads those files (``load_prepared``), so all of them use
the same split. Run again on unchanged data with the same settings, it reuses the existing ``split.csv``; a
split.csv is only ever replaced (and the old one kept) when its content changes.

The report also says where the data came from (``source``), and checks the unlabelled test images, when there
are any, against train and val: a test image with a copy in training would grade the model on what it learned.
With ``folds=k`` split.csv gains a ``fold`` column for k-fold cross-validation (``Prepared.for_fold``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kit import CLASSES
from kit.data.dedup import NEAR_THRESHOLD, group_duplicates, image_hashes, match_table
from kit.data.reading import DataWarning, list_test_files, read_dataset
from kit.data.report import data_report
from kit.data.sources import GDRIVE_ID, fetch, source_facts
from kit.data.split import assign_folds, fold_split, grouped_split, read_split, split_csv_text, write_split
from kit.data.synthetic import default_dataset
from kit.files import atomic_write_text
from kit.text import tr

SPLIT_FILE = "split.csv"
REPORT_FILE = "data_report.json"
SPLITS_DIR = "splits"
"""Where ``Prepared.with_split_seed`` keeps the extra splits of split-varying repeated runs (never split.csv)."""


@dataclass
class Prepared:
    """A dataset ready for training: where it is, its images, the split and the report.

    ``records``: labelled images (``filename``, ``label``, ``relpath``, ``path``, ``group``, and, right after
    ``prepare``, format/size/sha256 columns). ``split``: ``filename,label,split,group`` as in split.csv.
    ``test``: unlabelled test images (``filename``, ``relpath``, ``path``), often empty. ``hashes``: the image
    hashes (``None`` when loaded from the workspace). ``report``: the content of data_report.json.
    """

    root: Path
    workspace: Path
    records: pd.DataFrame
    split: pd.DataFrame
    test: pd.DataFrame
    report: dict
    hashes: pd.DataFrame | None = None
    split_seed: int | None = None
    """The seed of a split made for split-varying runs (``with_split_seed``); ``None``: the workspace's split.csv."""

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self.report["classes"])

    @property
    def image_dir(self) -> Path:
        """The folder that split.csv's and predictions.csv's ``filename`` column is relative to."""
        return self.root / self.report["image_dir"]

    @property
    def fingerprint(self) -> str:
        """sha256 over every image's path, label and bytes: changes whenever the dataset does."""
        return self.report["fingerprint"]

    @property
    def folds(self) -> int:
        """How many cross-validation folds split.csv holds (0 without a ``fold`` column)."""
        return int(self.split["fold"].max()) + 1 if "fold" in self.split.columns else 0

    def for_fold(self, fold: int) -> "Prepared":
        """This dataset with the train/val split of cross-validation fold ``fold`` (its images are val, the
        other folds' are train): what ``kit train --fold i`` trains on. Needs ``prepare(..., folds=k)``."""
        return dataclasses.replace(self, split=fold_split(self.split, fold))

    def with_split_seed(self, seed: int) -> "Prepared":
        """This dataset on another grouped, stratified train/val split, made with ``seed`` from the same records
        and duplicate groups (``grouped_split``, so no val image has a copy in train), for repeated runs that
        vary the split as well as the seed (Bouthillier et al. 2021, "Accounting for Variance in Machine Learning
        Benchmarks"). A labelled test split stays as it is; val keeps split.csv's share of each class.

        The split is kept as ``<workspace>/splits/split-seed<seed>.csv`` (split.csv is never touched) and read
        back from there, so every model trained on this seed, and a resumed run, uses exactly the same split.
        A kept file that lists other images than split.csv is a ``ValueError``: the data changed since.
        """
        path = self.workspace / SPLITS_DIR / f"split-seed{int(seed)}.csv"
        if path.is_file():
            split = read_split(path, self.classes)
            if set(zip(split["filename"], split["label"], split["split"] == "test")) != set(
                    zip(self.split["filename"], self.split["label"], self.split["split"] == "test")):
                raise ValueError(tr("data.seed_split_stale", path=path))
        else:
            held = self.split["split"] == "test"
            params = self.report.get("split_params") or {}
            pool = self.split.loc[~held, "split"]
            share = (float(params["val_fraction"]) / (1 - float(params.get("test_fraction") or 0.0))
                     if "val_fraction" in params else float((pool == "val").mean()))
            pool_split = grouped_split(self.split[~held], val_fraction=share, seed=int(seed))
            split = pd.concat([pool_split, self.split.loc[held, pool_split.columns]], ignore_index=True)
            write_split(split, path)
        return dataclasses.replace(self, split=split[["filename", "label", "split", "group"]],
                                   split_seed=int(seed))

    def frame(self, split: str) -> pd.DataFrame:
        """Rows of ``split`` ("train", "val" or "test") with ``filename``, ``label``, ``relpath``, ``path``.

        "test" is the labelled test split when one was asked for, else the unlabelled test images."""
        if split == "test" and not (self.split["split"] == "test").any():
            return self.test[["filename", "label", "relpath", "path"]].reset_index(drop=True)
        rows = self.split.loc[self.split["split"] == split, ["filename", "label"]]
        paths = self.records.drop_duplicates("filename").set_index("filename")[["relpath", "path"]]
        return rows.join(paths, on="filename").reset_index(drop=True)


def _fingerprint(records: pd.DataFrame, test: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    for table in (records, test):
        for relpath, label, sha in sorted(zip(table["relpath"], table["label"], table["sha256"])):
            digest.update(f"{relpath}\t{label}\t{sha}\n".encode())
    return digest.hexdigest()


def default_source() -> str:
    """``$KIT_DATA`` when set (a folder, zip or URL), else "synthetic" in smoke mode (``KIT_SMOKE=1``), else
    "gdrive" (the course zip on Google Drive)."""
    import os

    from kit.env import DATA_ENV, smoke_mode

    return os.environ.get(DATA_ENV) or ("synthetic" if smoke_mode() else "gdrive")


def _portable(path: Path, workspace: Path) -> str:
    """``path`` relative to the workspace when inside it, so a moved workspace (or Drive) still works."""
    try:
        return path.resolve().relative_to(workspace.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def prepare(source: str | Path | None = None, workspace: str | Path | None = None, *, val_fraction: float = 0.2,
            test_fraction: float = 0.0, seed: int = 0, near_threshold: int = NEAR_THRESHOLD,
            folds: int | None = None, classes: tuple[str, ...] = CLASSES, gdrive_id: str = GDRIVE_ID,
            data_dir: str | Path | None = None) -> Prepared:
    """Fetch, read, deduplicate and split a dataset; write split.csv and data_report.json in ``workspace``.

    Args:
        source: a dataset folder, a zip, "gdrive" (the course zip), "gdrive:<id>", an http(s) URL, or
            "synthetic" (the embedded stand-in). ``None`` means ``default_source()``.
        workspace: where split.csv, data_report.json and the caches go (``kit.env.default_workspace()``).
        val_fraction, test_fraction: shares of each class held out for val and for a labelled test split.
        seed: seeds the split (and the folds).
        near_threshold: pHash + dHash distance at which two images are near duplicates (``kit.data.dedup``).
        folds: with a number k, split.csv gains a ``fold`` column: k grouped, stratified folds over the train
            and val images (``kit.data.split.assign_folds``).
        data_dir: where downloads and extractions go (``workspace/data``).

    An existing split.csv is reused when the images, labels and split settings are unchanged. Otherwise a new
    split is made; only when its content differs is split.csv replaced, the old one kept as
    ``split.replaced-<time>.csv``, with a warning (runs on the old split are not comparable).
    """
    from kit.env import default_workspace

    workspace = Path(workspace) if workspace is not None else default_workspace()
    workspace.mkdir(parents=True, exist_ok=True)
    data_dir = Path(data_dir) if data_dir is not None else workspace / "data"
    source = default_source() if source is None else source
    if str(source) == "synthetic":
        root = default_dataset(workspace)
        source_entry = {"kind": "synthetic", "path": _portable(root, workspace)}
    else:
        root = fetch(source, data_dir, gdrive_id=gdrive_id, classes=classes)
        source_entry = source_facts(source, data_dir, gdrive_id=gdrive_id)
    cache = workspace / "cache"
    root_key = hashlib.sha256(str(root).encode()).hexdigest()[:12]
    dataset = read_dataset(root, classes=classes, cache_file=cache / f"image_info-{root_key}.csv")

    records = dataset.records.copy()
    hashes = image_hashes(records, cache_file=cache / "image_hashes.csv")
    hashes["group"] = group_duplicates(hashes, near_threshold).to_numpy()
    records["group"] = hashes["group"].to_numpy()
    fingerprint = _fingerprint(records, dataset.test)
    params = {"val_fraction": val_fraction, "test_fraction": test_fraction, "seed": seed,
              "near_threshold": near_threshold, "folds": folds}

    split_path, report_path = workspace / SPLIT_FILE, workspace / REPORT_FILE
    split = _reusable_split(split_path, report_path, records, fingerprint, params, classes)
    if split is None:
        split = grouped_split(records, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed)
        if folds:
            split = assign_folds(split, folds, seed=seed)
        _write_if_changed(split, split_path)
    else:
        split = split.assign(group=split["filename"].map(records.set_index("filename")["group"]))

    report = data_report(dataset, hashes, split, near_threshold=near_threshold)
    test_copies = _test_copies(dataset.test, hashes, split, near_threshold, cache / "image_hashes.csv")
    report.update(source=source_entry, root=_portable(root, workspace), fingerprint=fingerprint,
                  split_params=params, test_with_duplicate_in_train_val=len(test_copies),
                  test_duplicates=test_copies.to_dict("records"))
    atomic_write_text(report_path, json.dumps(report, indent=2))
    leaks = report["val_with_duplicate_in_train"]
    if leaks:
        warnings.warn(tr("data.val_leaks", n=leaks), DataWarning, stacklevel=2)
    if len(test_copies):
        shown = ", ".join(f"{f} ~ {m}" for f, m in zip(test_copies["file"][:10], test_copies["matched_file"]))
        warnings.warn(tr("data.test_leaks", n=len(test_copies), names=shown), DataWarning, stacklevel=2)
    return Prepared(root=root, workspace=workspace, records=records, split=split, test=dataset.test.copy(),
                    report=report, hashes=hashes)


def _write_if_changed(split: pd.DataFrame, split_path: Path) -> None:
    """Write split.csv unless it already holds exactly this split; keep a replaced one and say so."""
    if split_path.exists():
        if split_path.read_text() == split_csv_text(split):
            return  # e.g. only the test images changed: the same split, nothing to warn about
        kept = split_path.with_name(f"split.replaced-{time.strftime('%Y%m%d-%H%M%S')}.csv")
        split_path.replace(kept)
        warnings.warn(tr("data.split_replaced", kept=kept.name), DataWarning, stacklevel=3)
    write_split(split, split_path)


def _test_copies(test: pd.DataFrame, hashes: pd.DataFrame, split: pd.DataFrame, threshold: int,
                 cache_file: Path) -> pd.DataFrame:
    """Unlabelled test images with an exact or near copy among the train and val images (``MATCH_COLUMNS``)."""
    test_hashes = image_hashes(test, cache_file=cache_file)
    sides = split.set_index("filename")["split"]
    reference = hashes.assign(split=hashes["filename"].map(sides).to_numpy())
    reference = reference[reference["split"].isin(["train", "val"])].reset_index(drop=True)
    return match_table(test_hashes, reference, threshold)


def _reusable_split(split_path: Path, report_path: Path, records: pd.DataFrame, fingerprint: str, params: dict,
                    classes: tuple[str, ...]) -> pd.DataFrame | None:
    """The existing split when it covers exactly these images and labels and was made with these settings."""
    if not split_path.exists():
        return None
    try:
        split = read_split(split_path, classes)
    except ValueError as error:
        warnings.warn(tr("data.split_invalid", error=error), DataWarning, stacklevel=3)
        return None
    same_images = set(zip(split["filename"], split["label"])) == set(zip(records["filename"], records["label"]))
    if not same_images:
        return None
    if report_path.exists():  # without a report the split.csv was supplied by hand: trust it, leakage is checked
        old = json.loads(report_path.read_text())
        if old.get("fingerprint") != fingerprint or old.get("split_params") != params:
            return None
    return split


def load_prepared(workspace: str | Path | None = None) -> Prepared:
    """The ``Prepared`` dataset from a workspace's split.csv and data_report.json, without reading images.

    This is how notebooks after 01 and training runs start. Raises ``FileNotFoundError`` when ``prepare``
    (notebook 01, or ``kit data``) has not run in this workspace yet.
    """
    from kit.env import default_workspace

    workspace = Path(workspace) if workspace is not None else default_workspace()
    split_path, report_path = workspace / SPLIT_FILE, workspace / REPORT_FILE
    if not split_path.is_file() or not report_path.is_file():
        raise FileNotFoundError(tr("data.no_workspace_split", workspace=workspace))
    report = json.loads(report_path.read_text())
    root = Path(report["root"])
    root = root if root.is_absolute() else workspace / root
    split = read_split(split_path, tuple(report["classes"]))
    prefix = "" if report["image_dir"] == "." else report["image_dir"] + "/"
    records = split[["filename", "label", "group"]].copy()
    records["relpath"] = prefix + records["filename"]
    records["path"] = [str(root / r) for r in records["relpath"]]
    skipped = set(report["problems"].get("unreadable_test_files", []))
    test = list_test_files(root, report["layout"])
    test = test[~test["filename"].isin(skipped)].reset_index(drop=True)
    test["path"] = [str(root / r) for r in test["relpath"]]
    return Prepared(root=root, workspace=workspace, records=records, split=split, test=test, report=report)
