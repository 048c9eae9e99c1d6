"""What every report section reads: the loaded runs, the workspace's files, the header and the language.

A section is a function ``ReportContext -> markdown or None`` (None: nothing to show, no trace in the README).
Figures go through :meth:`ReportContext.figure`, which saves them under ``images/`` and returns the Markdown
that shows them, so the README and ``report.zip`` always agree on where an image is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd
from matplotlib.figure import Figure

from kit.files import atomic_write
from kit.header import Header
from kit.runs import RunResult
from kit.text import table

FIGURE_DPI = 110


@dataclass
class ReportContext:
    """What sections read. ``header`` is None when no header was given and none is saved in the workspace."""

    workspace: Path
    out_dir: Path
    runs: list[RunResult]
    extra_runs: list[RunResult]
    header: Header | None
    language: str
    data_report: dict[str, Any] | None
    split: pd.DataFrame | None

    @property
    def text(self) -> Mapping[str, str]:
        """The report's sentences (``kit/text/report.py``) in the report's language."""
        return table("report", self.language)

    @property
    def columns(self) -> Mapping[str, str]:
        """Column names and cell words shared with ``kit.tables`` (``kit/text/columns.py``)."""
        return table("columns", self.language)

    def figure(self, fig: Figure, name: str, alt: str) -> str:
        """Save ``fig`` as ``images/<name>.png`` (atomically) and return the Markdown that shows it."""
        return save_figure(fig, self.out_dir, name, alt)


Section = Callable[[ReportContext], "str | None"]


def save_figure(fig: Figure, out_dir: Path, name: str, alt: str) -> str:
    """Save ``fig`` as ``<out_dir>/images/<name>.png`` and return the Markdown that shows it, linked relative to
    ``out_dir`` (where README.md is). Atomic: a disconnect mid-write leaves the previous image whole."""
    filename = re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".png"
    path = Path(out_dir) / "images" / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda handle: fig.savefig(handle, format="png", dpi=FIGURE_DPI))
    return f"![{alt}](images/{filename})"


def as_header(header: Header | Mapping[str, Any] | None) -> Header | None:
    """A ``kit.header.Header`` from a Header, the dict ``Header.to_dict`` writes, or None."""
    if header is None or isinstance(header, Header):
        return header
    if isinstance(header, Mapping):
        return Header.from_dict(header)
    raise TypeError(f"header must be a kit.header.Header, a dict with group_name and members, or None; got "
                    f"{type(header).__name__}")


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON file at ``path``, None when absent; a damaged file is a ValueError naming it."""
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error}): fix or delete it") from error


def read_csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.is_file() else None
