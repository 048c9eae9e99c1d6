"""Leakage beyond train/val: does a folder of images hold copies of the workspace's training or val images?

Students scrape their own "test" sets, and a scraped set can hold the very photos the model trained on (one had
a third of its images byte-identical to training images): accuracy on it then measures memory, not
generalisation. ``check_folder`` compares every image of a folder with the train and val images of a prepared
workspace, with the kit's own hashes and the near-duplicate threshold the workspace was split with
(``kit.data.dedup``), and returns one row per copy found (``MATCH_COLUMNS``: file, kind exact|near,
matched_file, matched_split, distance). ``kit leak FOLDER --workspace WS --out matches.csv`` is its command.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kit.data.dedup import MATCH_COLUMNS, image_hashes, match_table
from kit.data.prepare import Prepared, load_prepared
from kit.data.reading import inspect_image, quiet_large_images, visible_files
from kit.files import atomic_write_text
from kit.text import tr

REFERENCE_SPLITS = ("train", "val")


@dataclass
class LeakCheck:
    """What ``check_folder`` found: ``matches`` (``MATCH_COLUMNS``), how many images were ``checked``, the
    ``unreadable`` files of the folder (name -> reason) and the ``threshold`` used."""

    folder: Path
    matches: pd.DataFrame
    checked: int
    threshold: int
    unreadable: dict[str, str] = field(default_factory=dict)

    def summary(self, language: str | None = None) -> str:
        """One line: how many of the folder's images are copies of train/val images, exact and near."""
        kinds = self.matches["kind"].value_counts()
        return tr("data.leak_summary", language=language, folder=self.folder.name, checked=self.checked,
                  n=len(self.matches), exact=int(kinds.get("exact", 0)), near=int(kinds.get("near", 0)),
                  threshold=self.threshold, unreadable=len(self.unreadable))


def folder_images(folder: str | Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every visible file below ``folder`` that decodes as an image (``filename`` relative to ``folder``,
    ``label`` empty, ``path``, ``sha256``), and the files that do not (name -> reason: not an image, a broken
    link, a FIFO ...)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(tr("data.not_a_folder", folder=folder))
    rows, unreadable = [], {}
    with quiet_large_images():
        for path in visible_files(folder):
            name = path.relative_to(folder).as_posix()
            info = inspect_image(path)
            if info["error"]:
                unreadable[name] = info["error"]
            else:
                rows.append({"filename": name, "label": "", "path": str(path), "sha256": info["sha256"]})
    return pd.DataFrame(rows, columns=["filename", "label", "path", "sha256"]), unreadable


def reference_hashes(prepared: Prepared) -> pd.DataFrame:
    """Hashes of the workspace's train and val images, with their ``split``; decoded images come from the
    workspace's hash cache (by sha256), so only the bytes are read again."""
    rows = prepared.split[prepared.split["split"].isin(REFERENCE_SPLITS)]
    paths = prepared.records.drop_duplicates("filename").set_index("filename")["path"]
    records = rows[["filename", "label", "split"]].assign(path=rows["filename"].map(paths).to_numpy())
    records["sha256"] = [hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in records["path"]]
    hashes = image_hashes(records, cache_file=prepared.workspace / "cache" / "image_hashes.csv")
    return hashes.assign(split=records["split"].to_numpy())


def check_folder(folder: str | Path, workspace: str | Path | None = None, *,
                 threshold: int | None = None) -> LeakCheck:
    """Compare every image of ``folder`` with the train and val images of ``workspace`` (prepared before by
    ``kit data`` or notebook 01), exactly (same bytes or pixels) and near (within ``threshold`` bits, by default
    the threshold the workspace's split was made with)."""
    prepared = load_prepared(workspace)
    threshold = int(prepared.report["near_threshold"]) if threshold is None else threshold
    query, unreadable = folder_images(folder)
    query_hashes = image_hashes(query)  # no cache: a folder checked once should not fill the workspace's
    matches = match_table(query_hashes, reference_hashes(prepared), threshold)
    return LeakCheck(folder=Path(folder), matches=matches, checked=len(query), threshold=threshold,
                     unreadable=unreadable)


def write_matches(check: LeakCheck, out: str | Path) -> Path:
    """Write ``check.matches`` as CSV (``MATCH_COLUMNS``) to ``out``."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(out, check.matches[MATCH_COLUMNS].to_csv(index=False))
