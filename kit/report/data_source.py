"""Which data the report's numbers come from, in one line, read from ``data_report.json``.

A lecturer must see at a glance whether the numbers are results: the course zip (its size and sha256, so it
can be checked against the published file), a folder, or the kit's synthetic stand-in, which gets a warning
that cannot be missed. ``data_report.json`` describes its source either as a ``source`` entry
``{kind, path or url, size, sha256}`` (kinds ``zip``, ``folder``, ``url``, ``gdrive``, ``synthetic``) or, as
written by older kits, as the source text (``"synthetic"``, ``"gdrive"``, a path) plus ``synthetic: true``.
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
    if kind == "folder" and path:
        parts = [text["source_folder"].format(path=path)]
    elif path and (kind in ("zip", "gdrive", "url") or str(path).lower().endswith(".zip")):
        parts = [text["source_zip"].format(name=PurePath(str(path)).name)]
    elif path:
        parts = [text["source_raw"].format(source=path)]
    else:
        parts = []
    if url:
        parts.append(text["source_url"].format(url=url))
    details = []
    if isinstance(source.get("size"), (int, float)):
        details.append(text["source_size"].format(megabytes=f"{source['size'] / 1e6:.1f}"))
    if source.get("sha256"):
        details.append(f"sha256 `{source['sha256']}`")
    if not parts:
        return text["source_unknown"]
    return ", ".join(parts) + (f" ({', '.join(details)})" if details else "")
