"""Where the kit runs: Colab or local, which workspace folder, which device and precision.

Every function here only *reads* the environment; nothing changes global state on import.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch

from kit.text import tr

SMOKE_ENV = "KIT_SMOKE"
"""Set ``KIT_SMOKE=1`` to run every notebook on synthetic data, small images and ~2 epochs (CI)."""

DATA_ENV = "KIT_DATA"
"""Overrides where notebook 01 takes the dataset from by default (a folder, zip or URL)."""

WORKSPACE_ENV = "KIT_WORKSPACE"
"""Overrides the workspace folder (where data cache, split.csv and runs live)."""

COLAB_DRIVE_WORKSPACE = Path("/content/drive/MyDrive/IF25-ResNet-kit")
"""In Colab every notebook runs on its own VM, so runs and caches live on Google Drive."""


class GpuWarning(UserWarning):
    """Colab gave this notebook no GPU: training would take hours on its two CPU cores."""


class DriveMountError(RuntimeError):
    """Google Drive could not be mounted in Colab (access refused, timed out): the message says what to do."""


def in_colab() -> bool:
    """True inside a Google Colab runtime."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def smoke_mode() -> bool:
    """True when ``KIT_SMOKE`` is set to a true value (1, true, yes)."""
    return os.environ.get(SMOKE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def default_workspace() -> Path:
    """The workspace folder: ``$KIT_WORKSPACE``, else Drive in Colab, else ``./workspace`` (git-ignored).

    In smoke mode the default is ``./workspace/smoke`` so a CI run never mixes with real runs. A workspace on
    Google Drive is mounted first when it is not yet (see ``ensure_drive``).
    """
    if os.environ.get(WORKSPACE_ENV):
        path = Path(os.environ[WORKSPACE_ENV]).expanduser()
    else:
        base = COLAB_DRIVE_WORKSPACE if in_colab() else _project_root() / "workspace"
        path = base / "smoke" if smoke_mode() else base
    ensure_drive(path)
    return path


def _project_root() -> Path:
    """The repository root when running from a checkout (notebooks/ runs one level down), else the cwd."""
    cwd = Path.cwd()
    for candidate in (cwd, *cwd.parents):
        if (candidate / "pyproject.toml").exists() and (candidate / "kit").is_dir():
            return candidate
    return cwd


def default_device() -> torch.device:
    """CUDA when available, else Apple's MPS, else CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def autocast_dtype(device: torch.device) -> torch.dtype | None:
    """The mixed-precision dtype for ``device``, or None for full fp32.

    bf16 on CUDA GPUs with compute capability >= 8 (Ampere and newer: A100, L4, H100), fp16 on older ones
    (Colab's T4 is 7.5 and has no fast bf16; fp16 there needs loss scaling, Micikevicius et al. 2018, "Mixed
    Precision Training"), fp32 on CPU and MPS.
    """
    if device.type != "cuda":
        return None
    major, _ = torch.cuda.get_device_capability(device)
    return torch.bfloat16 if major >= 8 else torch.float16


def gpu_status(language: str | None = None) -> str:
    """One line, in the student's language, saying which accelerator is in use, or how to get one in Colab."""
    device = default_device()
    if device.type == "cuda":
        memory = torch.cuda.get_device_properties(device).total_memory / 2**30
        return tr("notebook.gpu", language, name=torch.cuda.get_device_name(device), memory=f"{memory:.0f}")
    if device.type == "mps":
        return tr("notebook.gpu_mps", language)
    return tr("notebook.no_gpu_colab" if in_colab() else "notebook.no_gpu_local", language)


DRIVE_MOUNT = Path("/content/drive")


def ensure_drive(path: Path) -> None:
    """Mount Google Drive when ``path`` lies on it and it is not mounted yet (Colab asks for permission once
    per VM). Writing there unmounted would put the files on the VM's own disk, lost on disconnect, and make
    the later mount fail on a non-empty folder."""
    if in_colab() and DRIVE_MOUNT in path.parents and not os.path.ismount(DRIVE_MOUNT):
        from google.colab import drive  # only importable inside Colab

        try:
            drive.mount(str(DRIVE_MOUNT))
        except Exception as problem:  # Colab raises ValueError, MessageError or TimeoutError, all meaning "not mounted"
            raise DriveMountError(tr("notebook.drive_failed", problem=str(problem) or type(problem).__name__)) from None


def setup_workspace(workspace: str | Path | None = None) -> Path:
    """Make the workspace folder ready and return it (on Google Drive in Colab, mounted when needed).

    Each Colab notebook runs on its own VM that vanishes on disconnect, so the data cache, ``split.csv`` and
    every run must live on Drive to reach the next notebook.
    """
    path = Path(workspace).expanduser() if workspace is not None else default_workspace()
    ensure_drive(path)
    path.mkdir(parents=True, exist_ok=True)
    return path
