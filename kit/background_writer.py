"""Writing one epoch's run files in a thread while the next epoch trains on the GPU.

A ResNet-34 checkpoint with its Adam state is about 250 MB; written to Google Drive every epoch, it would
otherwise leave a fast GPU idle. Every file is written atomically (``kit.files``), so a disconnect in the middle
of a write leaves the previous version intact.
"""

from __future__ import annotations

import errno
import threading
from pathlib import Path
from typing import Any

from kit.files import atomic_save, atomic_write_text
from kit.text import tr


class RunFilesNotWritten(OSError):
    """Writing the run files failed (full disk, lost Drive mount); the previous files are intact."""


def write_files(files: list[tuple[Path, Any]]) -> None:
    """Write ``(path, content)`` pairs in order, each atomically: text as UTF-8, anything else with torch.save.

    A full disk is a ``RunFilesNotWritten`` naming the file; torch reports it as a ``RuntimeError`` from its zip
    writer ("enforce fail at inline_container.cc"), not as an ``OSError``.
    """
    for path, content in files:
        try:
            if isinstance(content, str):
                atomic_write_text(path, content)
            else:
                atomic_save(content, path)
        except (OSError, RuntimeError) as error:
            raise _not_written(path, error) from error


def _not_written(path: Path, error: BaseException) -> RunFilesNotWritten:
    text = str(error)
    full = getattr(error, "errno", None) == errno.ENOSPC or "No space left" in text or "file write failed" in text
    reason = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    if full:
        return RunFilesNotWritten(tr("train.disk_full", path=path, error=reason, runs=path.parent.parent))
    return RunFilesNotWritten(tr("train.write_failed", error=f"{path}: {reason}"))


class BackgroundWriter:
    """Writes each ``submit``-ted list of files in order, in a thread (``background=True``) or on the spot.

    ``submit`` first waits for the previous write, so files land in order, and an error in the thread is raised
    in the training loop at the next ``submit`` or ``close``. On the CPU, whose cores the writer would only take
    from training, files are written on the spot.
    """

    def __init__(self, background: bool = True) -> None:
        self.background = background
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def submit(self, files: list[tuple[Path, Any]]) -> None:
        self.wait()
        self.raise_error()
        if not self.background:
            write_files(files)
            return
        self._thread = threading.Thread(target=self._write, args=(files,), name="kit-checkpoint", daemon=False)
        self._thread.start()

    def _write(self, files: list[tuple[Path, Any]]) -> None:
        try:
            write_files(files)
        except BaseException as error:  # noqa: BLE001 - handed to the training thread
            self._error = error

    def wait(self) -> None:
        """Wait for the write in progress: a started checkpoint is always completed, also on Ctrl-C."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def raise_error(self) -> None:
        """Raise the error of the last write in the thread, if it had one."""
        if self._error is not None:
            error, self._error = self._error, None
            raise error
