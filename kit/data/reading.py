"""Read a dataset folder into a records table, losing nothing silently.

Two layouts are detected automatically:

- **course**: ``train.csv`` (``filename,label``) beside a flat ``train/`` folder, and optionally ``test.csv`` (file
  names, empty labels) with a ``test/`` folder holding the test images;
- **imagefolder**: one subfolder per class (``bakso/``, ``gado_gado/`` ...), either directly in the root or
  under ``root/train/``; an optional ``test/`` folder holds unlabelled test images.

Images are decoded by content, never by extension (the course data has WEBP and PNG files named ``.jpg``), turned
upright from their EXIF orientation and converted to RGB. Problems that do not stop the work (blank rows,
missing, unreadable or unlisted files) are counted and named in ``Dataset.problems`` and in one warning per
kind; problems that make the labels untrustworthy (an unknown label, one file with two labels, an empty class)
raise ``ValueError`` naming the rows.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageOps

from kit import CLASSES
from kit.files import atomic_write_text

VERIFY_SIDE = 64
"""Short side at which reading decodes each image to prove it is readable (JPEG draft mode keeps this cheap)."""

EXIF_ORIENTATION = 0x0112
_SWAPS_AXES = {5, 6, 7, 8}  # EXIF orientations that rotate by 90 or 270 degrees
_INFO_COLUMNS = ["relpath", "nbytes", "mtime_ns", "format", "mode", "width", "height", "sha256", "error"]
PROBLEM_KINDS = ("blank_rows", "duplicate_rows", "missing_files", "unreadable_files", "unlisted_files",
                 "missing_test_files", "unreadable_test_files")


class DataWarning(UserWarning):
    """Something in the dataset was skipped; the data report names every case."""


@dataclass
class Dataset:
    """What ``read_dataset`` found.

    ``records``: one row per readable labelled image, in the order of ``train.csv`` (course layout) or sorted by
    path (imagefolder), with columns ``filename`` (as the CSV names it, or ``class/file`` for imagefolder),
    ``label``, ``relpath`` (relative to ``root``), ``path`` (absolute), ``format`` (decoded from content),
    ``mode`` (before conversion to RGB), ``width``, ``height`` (upright), ``nbytes`` and ``sha256`` (of the bytes).
    ``test``: the same columns for unlabelled test images that exist (``label`` empty).
    ``problems``: for each kind in ``PROBLEM_KINDS`` the CSV line numbers or file names concerned.
    ``errors``: the decoder's message for each unreadable file (by ``relpath``).
    """

    root: Path
    layout: str
    image_dir: str
    records: pd.DataFrame
    test: pd.DataFrame
    problems: dict[str, list] = field(default_factory=dict)
    classes: tuple[str, ...] = CLASSES
    test_listed: int = 0
    synthetic: bool = False
    errors: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------- decoding

def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any PIL mode to RGB; transparent pixels become white (as a browser shows them on a page)."""
    if image.mode == "RGB" and "transparency" not in image.info:
        return image
    if image.mode == "P":
        # Palette images may carry transparency as palette bytes; going through RGBA applies it.
        image = image.convert("RGBA") if "transparency" in image.info else image.convert("RGB")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale to 8 bits instead of clipping everything above 255 to white.
        scaled = np.asarray(image, dtype=np.float64) / 257.0
        image = Image.fromarray(scaled.clip(0, 255).astype(np.uint8), mode="L")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def open_rgb(source: str | Path | bytes, *, min_side: int | None = None) -> Image.Image:
    """Decode an image by its content, turn it upright (EXIF orientation) and return it in RGB.

    With ``min_side``, a JPEG is decoded in PIL's draft mode at the smallest DCT scale (1/2, 1/4, 1/8) whose
    short side is still at least ``min_side``, so an 8000-px photo is never decoded at full size. Other formats
    are decoded fully. Raises ``OSError`` (or ``PIL.UnidentifiedImageError``) for unreadable or truncated files.
    """
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    with Image.open(stream) as image:
        if min_side is not None and image.format == "JPEG":
            # Asking for a square keeps the guarantee whichever way EXIF later rotates the picture.
            image.draft("RGB", (min_side, min_side))
        image.load()
        upright = ImageOps.exif_transpose(image)
        return to_rgb(upright)


def inspect_image(path: Path) -> dict:
    """Format, mode, upright size and sha256 of one file, and whether it decodes (``error`` empty when it does)."""
    data = path.read_bytes()
    info = {"nbytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "format": "", "mode": "",
            "width": 0, "height": 0, "error": ""}
    try:
        with Image.open(io.BytesIO(data)) as image:
            info["format"], info["mode"] = image.format or "", image.mode
            width, height = image.size
            if image.getexif().get(EXIF_ORIENTATION) in _SWAPS_AXES:
                width, height = height, width
            info["width"], info["height"] = width, height
        open_rgb(data, min_side=VERIFY_SIDE)  # a full decode: catches truncated files a header read misses
    except Exception as error:  # PIL raises many types (OSError, SyntaxError, ValueError, DecompressionBomb...)
        info["error"] = f"{type(error).__name__}: {error}"
    return info


# --------------------------------------------------------------------------------------------------- files

def is_hidden(name: str) -> bool:
    """Hidden files, macOS resource forks and Jupyter checkpoints are never data."""
    return name.startswith(".") or name.startswith("__") or name == ".ipynb_checkpoints"


def _visible_files(folder: Path) -> list[Path]:
    """Files below ``folder`` (recursively), skipping hidden files and folders, sorted."""
    found = []
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not is_hidden(d))
        found.extend(Path(current) / f for f in files if not is_hidden(f))
    return sorted(found)


def _inspect_all(root: Path, relpaths: list[str], cache_file: Path | None) -> pd.DataFrame:
    """``inspect_image`` for each file, reusing rows of ``cache_file`` whose size and mtime are unchanged."""
    cached: dict[tuple, dict] = {}
    if cache_file is not None and cache_file.exists():
        old = pd.read_csv(cache_file, dtype={"error": str, "format": str, "mode": str}, keep_default_na=False)
        if list(old.columns) == _INFO_COLUMNS:
            cached = {(r["relpath"], int(r["nbytes"]), int(r["mtime_ns"])): r for r in old.to_dict("records")}
    rows = []
    for relpath in relpaths:
        stat = (root / relpath).stat()
        key = (relpath, stat.st_size, stat.st_mtime_ns)
        row = cached.get(key)
        if row is None:
            row = {"relpath": relpath, "mtime_ns": stat.st_mtime_ns, **inspect_image(root / relpath)}
        rows.append(row)
    table = pd.DataFrame(rows, columns=_INFO_COLUMNS)
    if cache_file is not None and len(table):
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(cache_file, table.to_csv(index=False))
    return table


# --------------------------------------------------------------------------------------------------- layouts

def detect_layout(root: Path, classes: tuple[str, ...] = CLASSES) -> tuple[str, str]:
    """``("course", "train")`` or ``("imagefolder", "." | "train")``; ``ValueError`` when neither fits."""
    root = Path(root)
    if (root / "train.csv").is_file():
        return "course", "train"
    for image_dir in (".", "train"):
        folder = root / image_dir
        if folder.is_dir() and any((folder / c).is_dir() for c in classes):
            return "imagefolder", image_dir
    raise ValueError(
        f"{root} is not a dataset folder: expected train.csv beside a train/ folder (course layout) or one "
        f"subfolder per class ({', '.join(classes)}). See data_README.md.")


def _read_csv(path: Path) -> pd.DataFrame:
    """A ``filename,label`` CSV as strings, one row per line (blank lines kept so they can be reported)."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="utf-8-sig")
    table.columns = [str(c).strip().lower() for c in table.columns]
    if "filename" not in table.columns:
        raise ValueError(f"{path.name}: needs a 'filename' column, found {list(table.columns)}")
    if "label" not in table.columns:
        table["label"] = ""
    table = table[["filename", "label"]].apply(lambda column: column.str.strip())
    table.insert(0, "line", np.arange(len(table)) + 2)  # line 1 is the header
    return table


def _names(lines) -> str:
    items = [str(x) for x in lines]
    return ", ".join(items[:10]) + (f" ... ({len(items)} in all)" if len(items) > 10 else "")


def _course_rows(root: Path, classes: tuple[str, ...], problems: dict) -> pd.DataFrame:
    """Validated ``train.csv`` rows: blank rows and repeated identical rows removed and reported."""
    rows = _read_csv(root / "train.csv")
    blank = (rows["filename"] == "") & (rows["label"] == "")
    problems["blank_rows"] = rows.loc[blank, "line"].tolist()
    rows = rows[~blank]
    no_name = rows[rows["filename"] == ""]
    if len(no_name):
        raise ValueError(f"train.csv: rows with a label but no filename (lines {_names(no_name['line'])})")
    unknown = rows[~rows["label"].isin(classes)]
    if len(unknown):
        shown = _names(f"line {r.line}: {r.filename!r} -> {r.label!r}" for r in unknown.itertuples())
        raise ValueError(f"train.csv: labels outside the class list {list(classes)}: {shown}")
    labels_per_file = rows.groupby("filename")["label"].nunique()
    conflicting = labels_per_file[labels_per_file > 1].index
    if len(conflicting):
        clash = rows[rows["filename"].isin(conflicting)]
        shown = _names(f"line {r.line}: {r.filename} -> {r.label}" for r in clash.itertuples())
        raise ValueError(f"train.csv: files listed with two different labels: {shown}")
    repeated = rows.duplicated("filename")
    problems["duplicate_rows"] = rows.loc[repeated, "line"].tolist()
    return rows[~repeated]


def _imagefolder_rows(root: Path, image_dir: str, classes: tuple[str, ...], problems: dict) -> pd.DataFrame:
    """``class/file`` rows for every visible file under a class folder; unknown folders are an error."""
    folder = root / image_dir
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir() and not is_hidden(p.name))
    allowed_extra = {"test"} if image_dir == "." else set()
    unknown = [p.name for p in subfolders if p.name not in classes and p.name not in allowed_extra]
    if unknown:
        raise ValueError(f"{folder}: folders that are not classes {list(classes)}: {unknown}")
    problems["blank_rows"], problems["duplicate_rows"] = [], []
    loose = [p.name for p in folder.iterdir() if p.is_file() and not is_hidden(p.name)]
    if image_dir != ".":  # root/train/<class>/: other folders beside train/ (say val/) are not read
        loose += [p.name + "/" for p in root.iterdir()
                  if p.is_dir() and not is_hidden(p.name) and p.name not in ("train", "test")]
    problems["unlisted_files"] = sorted(loose)
    rows = [{"filename": f.relative_to(folder).as_posix(), "label": c}
            for c in classes if (folder / c).is_dir() for f in _visible_files(folder / c)]
    return pd.DataFrame(rows, columns=["filename", "label"])


def _test_rows(root: Path, layout: str) -> tuple[pd.DataFrame, bool]:
    """Listed test file names (relative to ``test/``) and whether the ``test/`` folder exists."""
    test_dir = root / "test"
    if layout == "course" and (root / "test.csv").is_file():
        listed = _read_csv(root / "test.csv")
        names = listed.loc[listed["filename"] != "", "filename"].drop_duplicates().tolist()
    elif layout == "imagefolder" and test_dir.is_dir():
        names = [p.relative_to(test_dir).as_posix() for p in _visible_files(test_dir)]
    else:
        names = []
    table = pd.DataFrame({"filename": names, "label": ""}, dtype=object)
    table["relpath"] = ["test/" + n for n in names]
    return table, test_dir.is_dir()


def list_test_files(root: str | Path, layout: str) -> pd.DataFrame:
    """The unlabelled test images that exist: ``filename``, ``label`` (empty) and ``relpath``.

    Course layout: the files ``test.csv`` lists, looked up in ``test/``; imagefolder: every file in ``test/``.
    The course publishes test.csv without the test images, so this is often empty.
    """
    root = Path(root)
    table, _ = _test_rows(root, layout)
    present = [(root / r).is_file() for r in table["relpath"]]
    return table[present].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------- main entry

def read_dataset(root: str | Path, *, classes: tuple[str, ...] = CLASSES,
                 cache_file: str | Path | None = None) -> Dataset:
    """Read a dataset folder (layout detected) into a ``Dataset``; see the module docstring for the rules.

    ``cache_file``: a CSV where per-file facts (format, size, sha256, readability) are kept, so reading the same
    unchanged files again (same size and modification time) does not decode them again.
    """
    root = Path(root).resolve()
    layout, image_dir = detect_layout(root, classes)
    problems: dict[str, list] = {kind: [] for kind in PROBLEM_KINDS}
    if layout == "course":
        rows = _course_rows(root, classes, problems)
        folder = root / image_dir
        if not folder.is_dir():
            raise ValueError(f"{root}: train.csv is there but the train/ folder with the images is not")
        present = {p.relative_to(folder).as_posix() for p in _visible_files(folder)}
        listed = set(rows["filename"])
        problems["unlisted_files"] = sorted(present - listed)
    else:
        rows = _imagefolder_rows(root, image_dir, classes, problems)
        present = set(rows["filename"])
    exists = rows["filename"].isin(present)
    problems["missing_files"] = rows.loc[~exists, "filename"].tolist()
    rows = rows[exists].copy()

    test_rows, test_dir_exists = _test_rows(root, layout)
    test_listed = len(test_rows)
    test_present = np.array([(root / r).is_file() for r in test_rows["relpath"]], dtype=bool)
    if test_dir_exists:  # without a test/ folder the test images are simply not published: not a problem
        problems["missing_test_files"] = test_rows.loc[~test_present, "filename"].tolist()
    test_rows = test_rows[test_present].copy()

    prefix = "" if image_dir == "." else image_dir + "/"
    rows["relpath"] = prefix + rows["filename"]
    info = _inspect_all(root, rows["relpath"].tolist() + test_rows["relpath"].tolist(),
                        Path(cache_file) if cache_file else None)
    info = info.drop(columns="mtime_ns").astype({"relpath": object}).set_index("relpath")

    errors: dict[str, str] = {}

    def attach(table: pd.DataFrame, unreadable_kind: str) -> pd.DataFrame:
        table = table.astype({"filename": object, "label": object, "relpath": object}).join(info, on="relpath")
        bad = table["error"] != ""
        problems[unreadable_kind] = table.loc[bad, "filename"].tolist()
        errors.update(zip(table.loc[bad, "relpath"], table.loc[bad, "error"]))
        table = table[~bad].drop(columns="error")
        table.insert(table.columns.get_loc("relpath") + 1, "path", [str(root / r) for r in table["relpath"]])
        return table.reset_index(drop=True)

    records = attach(rows.drop(columns="line", errors="ignore"), "unreadable_files")
    test = attach(test_rows, "unreadable_test_files")
    _warn_problems(problems)

    if records.empty:
        raise ValueError(f"{root}: no readable labelled images found")
    counts = records["label"].value_counts()
    empty = [c for c in classes if counts.get(c, 0) == 0]
    if empty:
        raise ValueError(f"{root}: classes with no images: {empty}")
    synthetic = (root / "synthetic.json").is_file()
    return Dataset(root=root, layout=layout, image_dir=image_dir, records=records, test=test, problems=problems,
                   classes=tuple(classes), test_listed=test_listed, synthetic=synthetic, errors=errors)


_PROBLEM_TEXT = {
    "blank_rows": "blank rows in train.csv, skipped ({n}): lines {names}",
    "duplicate_rows": "repeated rows in train.csv, counted once ({n}): lines {names}",
    "missing_files": "files listed in train.csv but absent, skipped ({n}): {names}",
    "unreadable_files": "unreadable or truncated images, skipped ({n}): {names}",
    "unlisted_files": "files in the image folder that train.csv does not list (no label), skipped ({n}): {names}",
    "missing_test_files": "files listed in test.csv but absent from test/ ({n}): {names}",
    "unreadable_test_files": "unreadable or truncated test images, skipped ({n}): {names}",
}


def _warn_problems(problems: dict) -> None:
    for kind, template in _PROBLEM_TEXT.items():
        items = problems.get(kind, [])
        if items:
            warnings.warn(template.format(n=len(items), names=_names(items)), DataWarning, stacklevel=3)
