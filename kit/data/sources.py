"""Get the dataset onto this machine: a Google Drive download, a local zip, or an extracted folder.

``fetch(source, data_dir)`` returns the dataset's root folder (the one holding ``train.csv`` or the class
folders); ``source_facts`` says afterwards what data that was (kind, path or URL, a zip's size and sha256), for
data_report.json. Nothing is fetched twice: a downloaded zip is kept and an extracted one is remembered by a
marker. Zips are extracted safely: an entry that would land outside the target folder (``../x``, ``/etc/x``)
stops the extraction before anything is written, and a damaged member (bad CRC) is skipped and named. When the
download fails (offline, Drive quota), the error says where to put the data by hand; data_README.md describes
every route.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kit import CLASSES
from kit.data.reading import DataWarning, detect_layout, is_hidden
from kit.text import tr

GDRIVE_ID = "14Zt1EXmBWimBKBMOjQuwrlBY475d0Yze"
"""Google Drive file id of the course's ``IF25-4041-dataset.zip``."""

ZIP_NAME = "IF25-4041-dataset.zip"
EXTRACTED_MARKER = ".kit-extracted.json"


class DataUnavailableError(RuntimeError):
    """The dataset could not be downloaded; the message says how to provide it by hand."""


def _by_hand(reason: str, gdrive_id: str, data_dir: Path) -> DataUnavailableError:
    return DataUnavailableError(tr("data.by_hand", reason=reason, zip=ZIP_NAME, url=drive_url(gdrive_id),
                                   destination=data_dir / ZIP_NAME))


def drive_url(gdrive_id: str) -> str:
    """The page of a Google Drive file."""
    return f"https://drive.google.com/file/d/{gdrive_id}/view"


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


ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)
"""What reading one damaged zip member raises: a bad CRC, a broken deflate stream, a cut-off member, an
unknown compression method."""


def safe_extract(zip_path: str | Path, target: str | Path) -> Path:
    """Extract ``zip_path`` into the new folder ``target`` and return it.

    Every entry is checked before anything is written; one that would land outside ``target`` raises
    ``ValueError`` naming it. A member that cannot be read (bad CRC, broken data) is skipped, named in a
    ``DataWarning`` and recorded in the marker, so the rest of the data stays usable and nothing vanishes
    unnamed. The files appear under ``target`` only once all are extracted (a staging folder is renamed), so an
    interrupted extraction never looks complete. The marker in ``target`` records the zip's size and sha256;
    ``fetch`` uses it to skip a second extraction.
    """
    zip_path, target = Path(zip_path), Path(target)
    if target.exists():
        raise FileExistsError(tr("data.extract_target_exists", target=target))
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile:
        raise ValueError(tr("data.not_a_zip", zip=zip_path.name)) from None
    with archive:
        bad = _unsafe_entries(archive, target)
        if bad:
            raise ValueError(tr("data.unsafe_entries", zip=zip_path.name, entries=bad[:5]))
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".extracting-", dir=target.parent))
        try:
            damaged = []
            for member in archive.infolist():
                try:
                    archive.extract(member, staging)
                except ZIP_READ_ERRORS:
                    damaged.append(member.filename)
                    (staging / member.filename).unlink(missing_ok=True)  # the part written before the error
            stat = zip_path.stat()
            marker = {"zip": zip_path.name, "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                      "sha256": file_sha256(zip_path), "damaged_members": damaged}
            (staging / EXTRACTED_MARKER).write_text(json.dumps(marker, indent=2))
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    _warn_damaged(zip_path.name, damaged)
    return target


def _warn_damaged(zip_name: str, damaged: list[str]) -> None:
    if damaged:
        shown = ", ".join(damaged[:10]) + (tr("data.and_more", n=len(damaged)) if len(damaged) > 10 else "")
        warnings.warn(tr("data.damaged_members", zip=zip_name, n=len(damaged), members=shown), DataWarning,
                      stacklevel=3)


def file_sha256(path: str | Path) -> str:
    """sha256 of a file, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for piece in iter(lambda: handle.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


def _extraction_target(zip_path: Path, data_dir: Path) -> Path:
    return data_dir / zip_path.name.removesuffix(".zip")


def _extracted(zip_path: Path, data_dir: Path) -> Path:
    """The folder ``zip_path`` is (or gets) extracted to under ``data_dir``; extracts unless already done."""
    target = _extraction_target(zip_path, data_dir)
    marker = target / EXTRACTED_MARKER
    if marker.is_file():
        recorded = json.loads(marker.read_text())
        stat = zip_path.stat()
        same_file = (recorded.get("bytes"), recorded.get("mtime_ns")) == (stat.st_size, stat.st_mtime_ns)
        # the very file extracted before needs no hashing; the same content copied or touched since does
        if same_file or (recorded.get("bytes") == stat.st_size and recorded.get("sha256") == file_sha256(zip_path)):
            _warn_damaged(zip_path.name, recorded.get("damaged_members", []))  # every time: never forgotten
            return target
        raise FileExistsError(tr("data.extracted_from_other_zip", target=target, zip=zip_path.name))
    if target.exists():
        raise FileExistsError(tr("data.not_extracted_by_kit", target=target))
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
            raise _by_hand(tr("data.download_failed", error=f"{type(error).__name__}: {error}"), gdrive_id,
                           data_dir) from None
        if result is None or not part.is_file():
            part.unlink(missing_ok=True)
            raise _by_hand(tr("data.download_no_file"), gdrive_id, data_dir)
        if not zipfile.is_zipfile(part):
            part.unlink(missing_ok=True)
            raise _by_hand(tr("data.download_not_zip"), gdrive_id, data_dir)
        part.replace(destination)
    if sha256 is not None and file_sha256(destination) != sha256.lower():
        raise ValueError(tr("data.sha256_mismatch", file=destination, sha256=sha256))
    return destination


# --------------------------------------------------------------------------------------------------- entry

def find_dataset_root(folder: str | Path, classes: tuple[str, ...] = CLASSES, max_depth: int = 3) -> Path:
    """The folder at or below ``folder`` (breadth first, ``max_depth`` levels) that holds a dataset layout."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(tr("data.not_a_folder", folder=folder))
    level = [folder]
    for _ in range(max_depth + 1):
        for candidate in level:
            try:
                detect_layout(candidate, classes)
                return candidate
            except ValueError:
                pass
        level = [c for parent in level for c in sorted(parent.iterdir()) if c.is_dir() and not is_hidden(c.name)]
    raise ValueError(tr("data.no_dataset_found", folder=folder, classes=", ".join(classes)))


SOURCE_KINDS = ("course zip", "zip", "folder", "url", "synthetic")


@dataclass(frozen=True)
class Source:
    """Where a dataset comes from: ``kind`` (one of ``SOURCE_KINDS``), ``location`` (a path, or the URL a zip is
    downloaded from) and, for a zip, ``zip_path`` (where the zip is, or is downloaded to, on this machine)."""

    kind: str
    location: str
    zip_path: Path | None = None
    gdrive_id: str | None = None


def resolve_source(source: str | Path | None, data_dir: str | Path, *, gdrive_id: str = GDRIVE_ID) -> Source:
    """What ``source`` (as ``fetch`` takes it) names, without fetching anything.

    "course zip" is the zip downloaded from the course's Google Drive file: the kit cannot tell a local zip's
    origin, so a local zip is a "zip" whatever its name (its sha256 in the report tells which one it was).
    """
    data_dir = Path(data_dir)
    text = "" if source is None else str(source)
    if text == "synthetic":
        return Source("synthetic", text)
    if text in ("", "gdrive") or text.startswith("gdrive:"):
        drive_id = text.split(":", 1)[1] if ":" in text else gdrive_id
        course = drive_id == GDRIVE_ID
        name = ZIP_NAME if course else f"gdrive-{drive_id}.zip"
        return Source("course zip" if course else "url", drive_url(drive_id), data_dir / name, gdrive_id=drive_id)
    if text.startswith(("http://", "https://")):
        name = PurePosixPath(text.split("?", 1)[0]).name or ZIP_NAME
        name = name if name.endswith(".zip") else name + ".zip"
        return Source("url", text, data_dir / name)
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(tr("data.source_missing", path=path))
    if path.is_dir():
        return Source("folder", str(path.resolve()))
    return Source("zip", str(path.resolve()), path)


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
    where = resolve_source(source, data_dir, gdrive_id=gdrive_id)
    if where.kind == "synthetic":
        raise ValueError(tr("data.synthetic_not_fetched"))
    if where.kind == "folder":
        return find_dataset_root(where.location, classes).resolve()
    zip_path = where.zip_path
    if where.kind != "zip":
        download_from = {"gdrive_id": where.gdrive_id} if where.gdrive_id else {"url": where.location}
        zip_path = download(data_dir, name=zip_path.name, sha256=sha256, quiet=quiet, **download_from)
    return find_dataset_root(_extracted(zip_path, data_dir), classes).resolve()


def source_facts(source: str | Path | None, data_dir: str | Path, *, gdrive_id: str = GDRIVE_ID) -> dict:
    """What data was used, for data_report.json: ``kind``, ``path`` or ``url``, and for a zip ``bytes``,
    ``sha256`` (read from the extraction marker, not hashed again) and ``damaged_members``. Call after ``fetch``."""
    where = resolve_source(source, data_dir, gdrive_id=gdrive_id)
    facts: dict = {"kind": where.kind}
    if where.kind in ("folder", "zip", "synthetic"):
        facts["path"] = where.location
    else:
        facts["url"] = where.location
    if where.zip_path is not None:
        marker = _extraction_target(where.zip_path, Path(data_dir)) / EXTRACTED_MARKER
        recorded = json.loads(marker.read_text()) if marker.is_file() else {}
        facts["zip"] = str(where.zip_path.resolve())
        facts["bytes"] = recorded.get("bytes", where.zip_path.stat().st_size)
        facts["sha256"] = recorded.get("sha256") or file_sha256(where.zip_path)
        facts["damaged_members"] = recorded.get("damaged_members", [])
    return facts
