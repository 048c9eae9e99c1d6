"""How a warning reads for a student: one line in their language, no internal file path, no echoed source line.

Python's default display (``kit/data/prepare.py:131: DataWarning: ...`` followed by the source line
``dataset = read_dataset(...)``) looks like a crash in a notebook's output. ``format_warning`` writes the
message alone behind a warning sign; ``install`` makes every warning of the process display that way (the
notebook session calls it), and the command line can print ``format_warning(...)`` for the warnings it catches.
"""

from __future__ import annotations

import sys
import warnings
from typing import TextIO

from kit.text import tr


def format_warning(message: Warning | str, category: type[Warning] | None = None, language: str | None = None) -> str:
    """``message`` as one line: ``"⚠ Peringatan: <message>"``.

    The kit's own warnings are already sentences for a student, so they need no category. A warning from
    another library keeps its category's name (``UserWarning``, ``FutureWarning``) so it can be searched for.
    Line breaks inside the message become spaces: each warning stays one line.
    """
    category = category or (type(message) if isinstance(message, Warning) else UserWarning)
    text = " ".join(str(message).split())
    if not category.__module__.startswith("kit."):
        text = f"{category.__name__}: {text}"
    return tr("notebook.warning_line", language, message=text)


def show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: TextIO | None = None, line: str | None = None) -> None:
    """A drop-in for ``warnings.showwarning`` that writes ``format_warning``'s one line.

    It writes to standard output unless a file is given: notebook front ends paint standard error pink, which
    students read as a crash, and a warning is not one. The file name, line number and source line are left out
    on purpose.
    """
    stream = file if file is not None else sys.stdout
    try:
        stream.write(format_warning(message, category) + "\n")
    except (AttributeError, OSError):  # no usable stream (e.g. pythonw): a warning must never crash the notebook
        pass


def install(stream: TextIO | None = None) -> None:
    """Show every warning of this process as ``show_warning`` does (idempotent): on standard output in a
    notebook, on ``stream`` when given (the command line keeps warnings on standard error)."""
    if stream is None:
        warnings.showwarning = show_warning
        return

    def show_on_stream(message, category, filename, lineno, file=None, line=None):
        show_warning(message, category, filename, lineno, file if file is not None else stream, line)

    show_on_stream.kit_display = True
    warnings.showwarning = show_on_stream


def installed() -> bool:
    """True when warnings display as one line (``install`` was called and nothing replaced it since)."""
    return warnings.showwarning is show_warning or getattr(warnings.showwarning, "kit_display", False)
