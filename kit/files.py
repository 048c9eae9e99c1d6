"""Writing files so that a disconnect never leaves a half-written one: temp file + fsync + atomic rename.

Colab VMs vanish mid-write and Drive syncs whatever is on disk, so every file another notebook or a resumed run
reads back (checkpoints, split.csv, reports, caches, experiment.json) is written through here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, BinaryIO, Callable


def atomic_write(path: str | Path, write: Callable[[BinaryIO], Any]) -> Path:
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it over ``path``.

    ``os.replace`` is atomic, so ``path`` always holds either the old or the new complete file, however the
    process ends (disconnect, Ctrl-C, full disk). The temporary name carries the process id, so two notebooks
    writing the same file at once do not collide; it is removed when writing fails.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def atomic_save(obj: Any, path: str | Path) -> Path:
    """``torch.save(obj)`` to ``path`` atomically (read back with ``torch.load(..., weights_only=True)``)."""
    import torch  # here, so that writing text (reports, split.csv) does not load torch

    return atomic_write(path, lambda handle: torch.save(obj, handle))


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically."""
    return atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))
