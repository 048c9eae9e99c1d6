"""Which data the report's numbers come from, in one line, read from ``data_report.json``.

A lecturer must see at a glance whether the numbers are results: the course zip (its size and sha256, so it
can be checked against the published file), another zip or download, a folder, or the kit's synthetic stand-in,
which gets a warning that cannot be missed. ``data_report.json``'s ``source`` entry is what
``kit.data.sources.source_facts`` records: ``kind`` (``course zip``, ``zip``, ``url``, ``folder``,
``synthetic``), ``path`` or ``url``, and for a zip ``zip`` (its path), ``bytes``, ``sha256`` and
``damaged_members``. Workspaces prepared by older kits hold the source as text (``"synthetic"``, a path) and
``synthetic: true``; they are described from that.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any, Mapping

SYNTHETIC = "synthetic"


def is_synthetic(data_report: Mapping[str, Any] | None) -> bool:
    """Whether the runs were trained on the kit's synthetic stand-in rather than on real images."""
    if not data_report:
        return False
    source = data_report.get("source")
    kind = source.get("kind") if isinstance(source, Mapping) else source
    return bool(data_report.get("synthetic")) or kind == SYNTHETIC


def describe_source(data_report: Mapping[str, Any], text: Mapping[str, str]) -> str:
    """The data source as one line of the report in the language of ``text`` (the report's sentences)."""
    if is_synthetic(data_report):
        return text["source_synthetic"]
    source = data_report.get("source")
    if isinstance(source, Mapping):
        return _describe_entry(source, text)
    if source:
        return text["source_raw"].format(source=source)
    return text["source_unknown"]


def _describe_entry(source: Mapping[str, Any], text: Mapping[str, str]) -> str:
    kind, path, url = source.get("kind"), source.get("path"), source.get("url")
    archive = source.get("zip") or (path if kind == "zip" else None)
    parts = []
    if kind == "folder" and path:
        parts.append(text["source_folder"].format(path=path))
    elif archive:
        key = "source_course_zip" if kind == "course zip" else "source_zip"
        parts.append(text[key].format(name=PurePath(str(archive)).name))
    elif path:
        parts.append(text["source_raw"].format(source=path))
    if url:
        parts.append(text["source_url"].format(url=url))
    if not parts:
        return text["source_unknown"]
    details = []
    if isinstance(source.get("bytes"), (int, float)):
        details.append(text["source_size"].format(megabytes=f"{source['bytes'] / 1e6:.1f}"))
    if source.get("sha256"):
        details.append(f"sha256 `{source['sha256']}`")
    line = ", ".join(parts) + (f" ({', '.join(details)})" if details else "")
    damaged = source.get("damaged_members") or []
    return line + (" " + text["source_damaged"].format(n=len(damaged)) if damaged else "")
