"""``report.zip``: the README and every image it shows, packed the way the README refers to them, to hand in.

A student submits one file instead of a folder picked by hand from Drive. The zip holds ``README.md`` at its top
and each image at the path the README links (``images/curves_comparison.png``), so it renders the same once
unpacked, including images the group added to its own analysis. It is written atomically beside the report
folder: a disconnect never leaves half a zip where a whole one was.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path, PurePosixPath

from kit.files import atomic_write

IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(\s*<?(?P<markdown>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)"
                        r"|<img\s[^>]*?src=[\"'](?P<html>[^\"']+)[\"']", re.IGNORECASE)
"""A Markdown image ``![alt](path "title")`` or an HTML ``<img src="path">``."""


class ReportArchiveWarning(UserWarning):
    """An image the README shows could not go into report.zip (missing, or outside the report folder)."""


def zip_path(out_dir: str | Path) -> Path:
    """Where :func:`write_zip` puts the archive of the report folder ``out_dir``: beside it, as
    ``<out_dir>.zip`` (``<workspace>/report.zip`` for the default ``<workspace>/report``)."""
    out_dir = Path(out_dir)
    return out_dir.with_name(out_dir.name + ".zip")


def image_links(markdown: str) -> list[str]:
    """The local images ``markdown`` shows, in order, each once (web and data URLs left out)."""
    links: list[str] = []
    for match in IMAGE_LINK.finditer(markdown):
        link = match["markdown"] or match["html"]
        if re.match(r"^[a-z][a-z0-9+.-]*:", link, re.IGNORECASE) or link in links:
            continue  # http:, https:, data: ... are not files of the report
        links.append(link)
    return links


def write_zip(readme: str | Path, destination: str | Path | None = None) -> Path:
    """Pack ``readme`` and the images it shows into ``destination`` (default :func:`zip_path` of its folder).

    An image the README links that is missing, or that lies outside the README's folder (``../x.png`` could not
    keep its path inside the zip), is left out with a :class:`ReportArchiveWarning` naming it.
    """
    readme = Path(readme)
    folder = readme.parent
    destination = Path(destination) if destination is not None else zip_path(folder)
    members = {"README.md": readme}
    for link in image_links(readme.read_text(encoding="utf-8")):
        inside = PurePosixPath(link)
        path = folder / inside
        if inside.is_absolute() or ".." in inside.parts:
            warnings.warn(f"{readme} shows {link}, outside {folder}: it is not put into {destination.name}. Copy "
                          f"the image into {folder / 'images'} and link it as images/<name>.",
                          ReportArchiveWarning, stacklevel=3)
        elif not path.is_file():
            warnings.warn(f"{readme} shows {link}, but {path} does not exist: {destination.name} lacks it.",
                          ReportArchiveWarning, stacklevel=3)
        else:
            members[inside.as_posix()] = path

    def pack(handle) -> None:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, path in members.items():
                archive.write(path, arcname=name)

    destination.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(destination, pack)
