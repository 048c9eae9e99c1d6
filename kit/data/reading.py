"""Read a dataset folder into a records table, losing nothing silently.

Two layouts are detected automatically:

- **course**: ``train.csv`` (``filename,label``) beside a flat ``train/`` folder, and optionally ``test.csv`` (file
  names, empty labels) with a ``test/`` folder holding the test images;
- **imagefolder**: one subfolder per class (``bakso/``, ``gado_gado/`` ...), either directly in the root or
  under ``root/train/``; an optional ``test/`` folder holds unlabelled test images.

Images are decoded by content, never by extension (the course data has WEBP and PNG files named ``.jpg``), turned
upright from their EXIF orientation and converted to RGB. Only regular files are opened: a link to nowhere or
a named pipe called ``.jpg`` is an unreadable file, never a crash or a hang. Very large images are decoded at
reduced size and named. Problems that do not stop the work (blank rows, missing, unreadable or unlisted files)
are counted and named in ``Dataset.problems`` and in one warning per kind; problems that make the labels
untrustworthy (an unknown label, one file with two labels, an empty class) and CSV files that cannot be read
(empty, not UTF-8) raise ``ValueError`` naming the file and the rows or line. Every message comes from
``kit.text`` (table ``data``), in the student's language.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageOps

from kit import CLASSES
from kit.files import atomic_write_text
from kit.text import tr

VERIFY_SIDE = 64
"""Short side at which reading decodes each image to prove it is readable (JPEG draft mode keeps this cheap)."""

EXIF_ORIENTATION = 0x0112
_SWAPS_AXES = {5, 6, 7, 8}  # EXIF orientations that rotate by 90 or 270 degrees
_INFO_COLUMNS = ["relpath", "nbytes", "mtime_ns", "format", "mode", "width", "height", "sha256", "error"]
PROBLEM_KINDS = ("blank_rows", "duplicate_rows", "missing_files", "unreadable_files", "unlisted_files",
                 "missing_test_files", "unreadable_test_files", "unlisted_test_files", "large_images")

LARGE_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS
"""Images with more pixels than this (Pillow's decompression-bomb limit, ~89 MP) are named in a warning; they
are still read, at reduced size (``open_rgb``), and Pillow's own unnamed warning is kept quiet."""

_REDUCE_VIA = {"P": "RGB", "PA": "RGBA", "1": "L", "I;16": "I", "I;16B": "I", "I;16L": "I"}
"""Modes ``Image.reduce`` cannot shrink, and the mode to convert them to first."""


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

    With ``min_side`` the image is never kept larger than needed: a JPEG is decoded in PIL's draft mode at the
    smallest DCT scale (1/2, 1/4, 1/8) whose short side is still at least ``min_side``; any other format is
    decoded, then shrunk at once by the largest whole factor that keeps the short side at least ``min_side``
    (``Image.reduce``, a box filter), before any copy is made. So a 12000x12000 PNG costs one decode of its own
    size, not several RGB copies of it. Raises ``OSError`` (or ``PIL.UnidentifiedImageError``) for unreadable or
    truncated files.
    """
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    with Image.open(stream) as image:
        return _decoded(image, min_side)


def _decoded(image: Image.Image, min_side: int | None) -> Image.Image:
    """``open_rgb``'s work on an opened, not yet loaded, image."""
    if min_side is not None and image.format == "JPEG":
        # Asking for a square keeps the guarantee whichever way EXIF later rotates the picture.
        image.draft("RGB", (min_side, min_side))
    image.load()
    factor = min(image.size) // min_side if min_side is not None else 1
    if factor >= 2:
        if image.mode in _REDUCE_VIA:  # convert keeps image.info (so the EXIF orientation), unlike to_rgb
            image = image.convert("RGBA" if "transparency" in image.info else _REDUCE_VIA[image.mode])
        image = image.reduce(factor)
    return to_rgb(ImageOps.exif_transpose(image))


@contextlib.contextmanager
def quiet_large_images():
    """Silence Pillow's decompression-bomb warning, which names no file, while many images are decoded.

    The kit names large files itself (``large_images`` in the data report). Use it around a whole batch of
    decoding in the main thread: the warning filters are process-wide, so worker threads started inside are
    covered, while entering it in each thread would race.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


def not_a_regular_file(path: Path) -> str:
    """Why ``path`` cannot be read as an image file ("" when it is a regular file, or a link to one).

    A dangling link would raise on opening, and a FIFO (named pipe) would block reading forever, so neither is
    ever opened."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return tr("data.broken_link")
    except OSError as error:
        return tr("data.cannot_stat", error=error.strerror or type(error).__name__)
    return "" if stat.S_ISREG(mode) else tr("data.not_regular_file")


def inspect_image(path: Path) -> dict:
    """Format, mode, upright size and sha256 of one file, and whether it decodes (``error`` empty when it does).

    Only regular files are opened; anything else (a dangling link, a FIFO, a device) is reported unreadable."""
    reason = not_a_regular_file(path)
    if reason:
        return {"nbytes": 0, "sha256": "", "format": "", "mode": "", "width": 0, "height": 0, "error": reason}
    data = path.read_bytes()
    info = {"nbytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "format": "", "mode": "",
            "width": 0, "height": 0, "error": ""}
    try:
        with Image.open(io.BytesIO(data)) as image:  # opened once: a PNG's EXIF is read by decoding it all
            info["format"], info["mode"] = image.format or "", image.mode
            width, height = image.size
            if image.getexif().get(EXIF_ORIENTATION) in _SWAPS_AXES:
                width, height = height, width
            info["width"], info["height"] = width, height
            _decoded(image, VERIFY_SIDE)  # a full decode: catches truncated files a header read misses
    except Exception as error:  # PIL raises many types (OSError, SyntaxError, ValueError, DecompressionBomb...)
        info["error"] = f"{type(error).__name__}: {error}"
    return info


# --------------------------------------------------------------------------------------------------- files

def is_hidden(name: str) -> bool:
    """Hidden files, macOS resource forks and Jupyter checkpoints are never data."""
    return name.startswith(".") or name.startswith("__") or name == ".ipynb_checkpoints"


def visible_files(folder: Path) -> list[Path]:
    """Files below ``folder`` (recursively), skipping hidden files and folders, sorted. Links and FIFOs are
    listed too (``inspect_image`` names them unreadable): nothing in a folder vanishes unnamed."""
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
        try:
            facts = (root / relpath).stat()
        except OSError:  # a dangling link: inspect_image names it
            facts = None
        regular = facts is not None and stat.S_ISREG(facts.st_mode)
        row = cached.get((relpath, facts.st_size, facts.st_mtime_ns)) if regular else None
        if row is None:
            row = {"relpath": relpath, "mtime_ns": facts.st_mtime_ns if regular else 0,
                   **inspect_image(root / relpath)}
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
    raise ValueError(tr("data.not_a_dataset", folder=root.name or str(root), classes=", ".join(classes)))


def _csv_text(path: Path) -> str:
    """The text of a CSV file; ``ValueError`` naming the file and line when it is empty or not UTF-8."""
    data = path.read_bytes()
    if not data.strip():
        raise ValueError(tr("data.csv_empty", file=path.name, nbytes=len(data)))
    try:
        return data.decode("utf-8-sig")  # -sig: Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ValueError(tr("data.csv_not_utf8", file=path.name, line=line,
                            byte=f"0x{data[error.start]:02x}")) from None


def _read_csv(path: Path) -> pd.DataFrame:
    """A ``filename,label`` CSV as strings, one row per line (blank lines kept so they can be reported)."""
    try:
        table = pd.read_csv(io.StringIO(_csv_text(path)), dtype=str, keep_default_na=False,
                            skip_blank_lines=False)
    except pd.errors.ParserError as error:  # its message names the line, e.g. "Expected 2 fields in line 7"
        raise ValueError(tr("data.csv_unparsable", file=path.name, error=str(error).strip())) from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    if "filename" not in table.columns:
        raise ValueError(tr("data.csv_no_filename", file=path.name, columns=list(table.columns)))
    if "label" not in table.columns:
        table["label"] = ""
    table = table[["filename", "label"]].apply(lambda column: column.str.strip())
    table.insert(0, "line", np.arange(len(table)) + 2)  # line 1 is the header
    return table


def _names(items) -> str:
    """The first ten of ``items``, and how many there are in all when there are more."""
    items = [str(x) for x in items]
    return ", ".join(items[:10]) + (tr("data.and_more", n=len(items)) if len(items) > 10 else "")


def _row_lines(rows: pd.DataFrame) -> str:
    return _names(tr("data.csv_row", line=r.line, filename=r.filename, label=r.label) for r in rows.itertuples())


def _course_rows(root: Path, classes: tuple[str, ...], problems: dict) -> pd.DataFrame:
    """Validated ``train.csv`` rows: blank rows and repeated identical rows removed and reported."""
    rows = _read_csv(root / "train.csv")
    blank = (rows["filename"] == "") & (rows["label"] == "")
    problems["blank_rows"] = rows.loc[blank, "line"].tolist()
    rows = rows[~blank]
    no_name = rows[rows["filename"] == ""]
    if len(no_name):
        raise ValueError(tr("data.label_without_filename", lines=_names(no_name["line"])))
    unknown = rows[~rows["label"].isin(classes)]
    if len(unknown):
        raise ValueError(tr("data.unknown_labels", classes=list(classes), rows=_row_lines(unknown)))
    labels_per_file = rows.groupby("filename")["label"].nunique()
    conflicting = labels_per_file[labels_per_file > 1].index
    if len(conflicting):
        raise ValueError(tr("data.two_labels", rows=_row_lines(rows[rows["filename"].isin(conflicting)])))
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
        raise ValueError(tr("data.unknown_folders", folder=folder.name or str(folder), classes=list(classes),
                            folders=unknown))
    problems["blank_rows"], problems["duplicate_rows"] = [], []
    loose = [p.name for p in folder.iterdir() if not p.is_dir() and not is_hidden(p.name)]
    if image_dir != ".":  # root/train/<class>/: other folders beside train/ (say val/) are not read
        loose += [p.name + "/" for p in root.iterdir()
                  if p.is_dir() and not is_hidden(p.name) and p.name not in ("train", "test")]
    problems["unlisted_files"] = sorted(loose)
    rows = [{"filename": f.relative_to(folder).as_posix(), "label": c}
            for c in classes if (folder / c).is_dir() for f in visible_files(folder / c)]
    return pd.DataFrame(rows, columns=["filename", "label"])


def _present(path: Path) -> bool:
    """Whether a directory entry exists at ``path``, even a dangling link (which is then named unreadable)."""
    return os.path.lexists(path)


def _test_rows(root: Path, layout: str) -> tuple[pd.DataFrame, bool]:
    """Listed test file names (relative to ``test/``) and whether the ``test/`` folder exists."""
    test_dir = root / "test"
    if layout == "course" and (root / "test.csv").is_file():
        listed = _read_csv(root / "test.csv")
        names = listed.loc[listed["filename"] != "", "filename"].drop_duplicates().tolist()
    elif layout == "imagefolder" and test_dir.is_dir():
        names = [p.relative_to(test_dir).as_posix() for p in visible_files(test_dir)]
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
    present = [_present(root / r) for r in table["relpath"]]
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
            raise ValueError(tr("data.no_train_folder", folder=root.name))
        present = {p.relative_to(folder).as_posix() for p in visible_files(folder)}
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
    test_present = np.array([_present(root / r) for r in test_rows["relpath"]], dtype=bool)
    if test_dir_exists:  # without a test/ folder the test images are simply not published: not a problem
        problems["missing_test_files"] = test_rows.loc[~test_present, "filename"].tolist()
        if layout == "course":  # imagefolder lists every file of test/ anyway
            in_folder = {p.relative_to(root / "test").as_posix() for p in visible_files(root / "test")}
            problems["unlisted_test_files"] = sorted(in_folder - set(test_rows["filename"]))
    test_rows = test_rows[test_present].copy()

    prefix = "" if image_dir == "." else image_dir + "/"
    rows["relpath"] = prefix + rows["filename"]
    with quiet_large_images():  # named below, once each, instead of Pillow's nameless warning per decode
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
        problems["large_images"] += table.loc[table["width"] * table["height"] > LARGE_IMAGE_PIXELS,
                                              "relpath"].tolist()
        table.insert(table.columns.get_loc("relpath") + 1, "path", [str(root / r) for r in table["relpath"]])
        return table.reset_index(drop=True)

    records = attach(rows.drop(columns="line", errors="ignore"), "unreadable_files")
    test = attach(test_rows, "unreadable_test_files")
    warn_problems(problems)

    if records.empty:
        raise ValueError(tr("data.no_images", folder=root.name))
    counts = records["label"].value_counts()
    empty = [c for c in classes if counts.get(c, 0) == 0]
    if empty:
        raise ValueError(tr("data.empty_classes", folder=root.name, classes=empty))
    synthetic = (root / "synthetic.json").is_file()
    return Dataset(root=root, layout=layout, image_dir=image_dir, records=records, test=test, problems=problems,
                   classes=tuple(classes), test_listed=test_listed, synthetic=synthetic, errors=errors)


def warn_problems(problems: dict) -> None:
    """One ``DataWarning`` per kind of problem found, naming (the first ten of) the rows or files concerned."""
    for kind in PROBLEM_KINDS:
        items = problems.get(kind, [])
        if items:
            warnings.warn(tr(f"data.problem_{kind}", n=len(items), names=_names(items),
                             megapixels=LARGE_IMAGE_PIXELS // 1_000_000), DataWarning, stacklevel=3)
