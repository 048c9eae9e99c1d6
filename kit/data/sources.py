"""Get the dataset onto this machine: a Google Drive download, a local zip, or an extracted folder.

``fetch(source, data_dir)`` returns the dataset's root folder (the one holding ``train.csv`` or the class
folders). Nothing is fetched twice: a downloaded zip is kept and an extracted one is remembered by a marker.
Zips are extracted safely: an entry that would land outside the target folder (``../x``, ``/etc/x``) stops the
extraction before anything is written. When the download fails (offline, Drive quota), the error says where to
put the data by hand; data_README.md describes every route.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from kit import CLASSES
from kit.data.reading import detect_layout, is_hidden

GDRIVE_ID = "14Zt1EXmBWimBKBMOjQuwrlBY475d0Yze"
"""Google Drive file id of the course's ``IF25-4041-dataset.zip``."""

ZIP_NAME = "IF25-4041-dataset.zip"
EXTRACTED_MARKER = ".kit-extracted.json"


class DataUnavailableError(RuntimeError):
    """The dataset could not be downloaded; the message says how to provide it by hand."""


def _by_hand(reason: str, gdrive_id: str, data_dir: Path) -> DataUnavailableError:
    return DataUnavailableError(
        f"Could not get the course dataset: {reason}\n"
        f"Put it in place by hand, then run again:\n"
        f"  1. download {ZIP_NAME} from https://drive.google.com/file/d/{gdrive_id}/view\n"
        f"  2. either copy it to {data_dir / ZIP_NAME}, or pass its path (or the folder you extracted it to)\n"
        f"     as the source: prepare('path/to/{ZIP_NAME}') or `kit data path/to/{ZIP_NAME}`.\n"
        f"  In Colab, put the zip on your Google Drive and pass its /content/drive/MyDrive/... path.\n"
        f"See data_README.md for every route.")


# --------------------------------------------------------------------------------------------------- zips

def _unsafe_entries(archive: zipfile.ZipFile, target: Path) -> list[str]:
    """Names of entries that would be written outside ``target`` (absolute paths, drive letters, ``..``)."""
    target = target.resolve()
    bad = []
    for name in archive.namelist():
        posix = PurePosixPath(name.replace("\\", "/"))
        if posix.is_absolute() or ".." in posix.parts or (posix.parts and ":" in posix.parts[0]):
            bad.append(name)
            continue
        destination = (target / posix).resolve()
        if destination != target and target not in destination.parents:
            bad.append(name)
    return bad


def safe_extract(zip_path: str | Path, target: str | Path) -> Path:
    """Extract ``zip_path`` into the new folder ``target`` and return it.

    Every entry is checked before anything is written; one that would land outside ``target`` raises
    ``ValueError`` naming it. The files appear under ``target`` only once all are extracted (a staging folder
    is renamed), so an interrupted extraction never looks complete. A marker in ``target`` records the zip's
    size and sha256; ``fetch`` uses it to skip a second extraction.
    """
    zip_path, target = Path(zip_path), Path(target)
    if target.exists():
        raise FileExistsError(f"{target} already exists; extract into a new folder")
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile:
        raise ValueError(f"{zip_path} is not a zip file (an interrupted download, or a web page saved "
                         f"instead of the file?)") from None
    with archive:
        bad = _unsafe_entries(archive, target)
        if bad:
            raise ValueError(f"{zip_path}: refusing to extract entries that point outside {target}: {bad[:5]}")
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".extracting-", dir=target.parent))
        try:
            archive.extractall(staging)
            stat = zip_path.stat()
            marker = {"zip": zip_path.name, "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                      "sha256": file_sha256(zip_path)}
            (staging / EXTRACTED_MARKER).write_text(json.dumps(marker, indent=2))
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def file_sha256(path: str | Path) -> str:
    """sha256 of a file, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for piece in iter(lambda: handle.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


def _extracted(zip_path: Path, data_dir: Path) -> Path:
    """The folder ``zip_path`` is (or gets) extracted to under ``data_dir``; extracts unless already done."""
    target = data_dir / zip_path.name.removesuffix(".zip")
    marker = target / EXTRACTED_MARKER
    if marker.is_file():
        recorded = json.loads(marker.read_text())
        stat = zip_path.stat()
        if (recorded.get("bytes"), recorded.get("mtime_ns")) == (stat.st_size, stat.st_mtime_ns):
            return target  # the very file extracted before: no need to hash it again
        if recorded.get("bytes") == stat.st_size and recorded.get("sha256") == file_sha256(zip_path):
            return target  # the same content, copied or touched since
        raise FileExistsError(f"{target} was extracted from a different {zip_path.name}; move it away to "
                              f"extract this one")
    if target.exists():
        raise FileExistsError(f"{target} exists but was not extracted by the kit; pass that folder as the "
                              f"source, or move it away")
    return safe_extract(zip_path, target)


# --------------------------------------------------------------------------------------------------- download

def download(data_dir: str | Path, *, gdrive_id: str = GDRIVE_ID, url: str | None = None,
             name: str = ZIP_NAME, sha256: str | None = None, quiet: bool = True) -> Path:
    """Download the zip (from Google Drive by ``gdrive_id``, or from ``url``) to ``data_dir/name`` with gdown.

    Skipped when the file is already there. The download goes to a ``.part`` file first, so a broken one is
    never mistaken for the dataset. With ``sha256`` the file is checked. Raises ``DataUnavailableError``.
    """
    import gdown  # imported here: only downloads need it

    data_dir = Path(data_dir)
    destination = data_dir / name
    if not destination.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        part = destination.with_name(name + ".part")
        try:
            kwargs = {"url": url} if url else {"id": gdrive_id}
            result = gdown.download(output=str(part), quiet=quiet, **kwargs)
        except Exception as error:  # gdown raises requests' and its own errors; all mean "no file"
            part.unlink(missing_ok=True)
            raise _by_hand(f"the download failed ({type(error).__name__}: {error})", gdrive_id, data_dir) from None
        if result is None or not part.is_file():
            part.unlink(missing_ok=True)
            raise _by_hand("the download returned no file", gdrive_id, data_dir)
        if not zipfile.is_zipfile(part):
            part.unlink(missing_ok=True)
            raise _by_hand("the downloaded file is not a zip (Google Drive may have sent a quota or sign-in page)",
                           gdrive_id, data_dir)
        part.replace(destination)
    if sha256 is not None and file_sha256(destination) != sha256.lower():
        raise ValueError(f"{destination} does not have the expected sha256 {sha256}; delete it and download again")
    return destination


# --------------------------------------------------------------------------------------------------- entry

def find_dataset_root(folder: str | Path, classes: tuple[str, ...] = CLASSES, max_depth: int = 3) -> Path:
    """The folder at or below ``folder`` (breadth first, ``max_depth`` levels) that holds a dataset layout."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} does not exist or is not a folder")
    level = [folder]
    for _ in range(max_depth + 1):
        for candidate in level:
            try:
                detect_layout(candidate, classes)
                return candidate
            except ValueError:
                pass
        level = [c for parent in level for c in sorted(parent.iterdir()) if c.is_dir() and not is_hidden(c.name)]
    raise ValueError(f"No dataset found in {folder}: expected train.csv beside a train/ folder (course layout) or "
                     f"one folder per class ({', '.join(classes)}). See data_README.md.")


def fetch(source: str | Path | None, data_dir: str | Path, *, gdrive_id: str = GDRIVE_ID,
          classes: tuple[str, ...] = CLASSES, sha256: str | None = None, quiet: bool = True) -> Path:
    """Make the dataset available under ``data_dir`` and return its root folder.

    ``source`` may be:
      - ``None`` or ``"gdrive"``: download the course zip from Google Drive (``gdrive_id``);
      - ``"gdrive:<id>"``: download another Drive file; ``"http(s)://..."``: download that URL;
      - a path to a ``.zip``: extract it under ``data_dir``;
      - a path to a folder: use it where it is (the layout may sit a few folders down).
    Downloads and extractions are skipped when already done.
    """
    data_dir = Path(data_dir)
    text = "" if source is None else str(source)
    if text in ("", "gdrive") or text.startswith("gdrive:"):
        drive_id = text.split(":", 1)[1] if ":" in text else gdrive_id
        zip_path = data_dir / ZIP_NAME if drive_id == GDRIVE_ID else data_dir / f"gdrive-{drive_id}.zip"
        zip_path = download(data_dir, gdrive_id=drive_id, name=zip_path.name, sha256=sha256, quiet=quiet)
    elif text.startswith(("http://", "https://")):
        name = PurePosixPath(text.split("?", 1)[0]).name or ZIP_NAME
        name = name if name.endswith(".zip") else name + ".zip"
        zip_path = download(data_dir, url=text, name=name, sha256=sha256, quiet=quiet)
    else:
        path = Path(source).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist. Give a dataset folder, a zip, or 'gdrive' to download "
                                    f"the course data (see data_README.md).")
        if path.is_dir():
            return find_dataset_root(path, classes).resolve()
        zip_path = path
    return find_dataset_root(_extracted(zip_path, data_dir), classes).resolve()
