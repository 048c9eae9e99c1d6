"""What every notebook does first, in one call: validate the group header, find the workspace, check the GPU.

``start(GROUP_NAME, MEMBERS)`` returns a ``Session``. The session also holds the one place where the
experiment's hyperparameters live (``experiment.json`` in the workspace), so Plain-34 (02), ResNet-34 (03)
and the modifications (05), each possibly on its own Colab VM, train with exactly the same settings.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import torch

from kit.config import Config
from kit.env import default_device, gpu_status, in_colab, setup_workspace, smoke_mode
from kit.header import Header, use_header
from kit.text import tr

EXPERIMENT_FILE = "experiment.json"


class HeaderWarning(UserWarning):
    """The group header still holds a placeholder (shown in the notebook, marked in the report)."""


class MissingStepError(RuntimeError):
    """A notebook needs a file that an earlier notebook writes."""


@dataclass(frozen=True)
class Session:
    """The header, workspace and device of one notebook run."""

    header: Header
    workspace: Path
    device: torch.device
    smoke: bool
    notes: tuple[str, ...] = ()
    """One-line notes the student should read (e.g. that the saved header is used), shown with the session."""

    def experiment(self, **overrides: Any) -> Config:
        """The experiment's Config, shared by every notebook through ``experiment.json`` in the workspace.

        The first notebook that asks writes it: the course's defaults (the small smoke settings under
        ``KIT_SMOKE=1``) changed by ``overrides``. Later notebooks read it back. Asking again with overrides
        that contradict the saved file is an error, never a silent change: both models must share one Config.
        """
        path = self.workspace / EXPERIMENT_FILE
        if path.exists():
            saved = Config.from_json(path)
            asked = saved.replace(**overrides)
            differences = saved.differences(asked)
            if differences:
                changes = ", ".join(f"{k}: saved {a!r}, asked {b!r}" for k, (a, b) in differences.items())
                raise ValueError(
                    f"{path} already fixes the experiment's settings and this notebook asks for others ({changes}). "
                    "Runs compared in the report must share one Config: set hyperparameters in the first notebook "
                    "that runs (01_data) and call session.experiment() without arguments elsewhere; or delete "
                    f"{EXPERIMENT_FILE} and the runs in {self.workspace / 'runs'} to start over.")
            return saved
        config = Config.smoke(**overrides) if self.smoke else Config(**overrides)
        config.to_json(path)
        return config

    def prepared(self):
        """The dataset prepared by 01_data (``split.csv`` + ``data_report.json`` in the workspace)."""
        from kit.data import load_prepared

        if not (self.workspace / "split.csv").exists():
            raise MissingStepError(f"No split.csv in {self.workspace}: run notebooks/01_data.ipynb first "
                                   "(with the same workspace).")
        return load_prepared(self.workspace)

    def batches(self, config: Config, **options: Any):
        """Training and evaluation batches on this session's device for ``config``'s image and batch size."""
        from kit.experiments import batches_factory

        return batches_factory(self.prepared(), device=self.device, progress=True, **options)(config)

    def _repr_markdown_(self) -> str:
        members = ", ".join(f"{name} ({nim})" for name, nim in self.header.members)
        mode = " · **smoke mode** (small images, 2 epochs: a check that everything runs)" if self.smoke else ""
        notes = "".join(f"  \n{note}" for note in self.notes)
        return (f"**{self.header.group_name}**: {members}  \n"
                f"workspace: `{self.workspace}` · {gpu_status()}{mode}{notes}")

    def __repr__(self) -> str:
        return self._repr_markdown_().replace("**", "").replace("`", "").replace("  \n", "\n")


def start(group_name: str, members: Sequence[tuple[str, str]], *, workspace: str | Path | None = None) -> Session:
    """Validate the header, prepare the workspace (Google Drive in Colab) and pick the device.

    A NIM with anything but digits is an error. The header is filled in once (in 01) and saved in the
    workspace (``kit.header.HEADER_FILE``); a later notebook whose header cell still holds the template uses
    the saved header and says so (``kit.header.use_header``). An unfilled placeholder left in the header
    used is one visible ``HeaderWarning`` line (the notebook still runs, and the report marks it).
    """
    cell = Header(group_name, members)
    path = setup_workspace(workspace)
    header, note = use_header(cell, path)
    if header.warnings:
        warnings.warn(tr("header.incomplete", problems=" ".join(header.warnings)), HeaderWarning, stacklevel=2)
    _configure_display()
    device = default_device()
    if in_colab() and device.type != "cuda":
        warnings.warn(gpu_status(), RuntimeWarning, stacklevel=2)
    return Session(header=header, workspace=path, device=device, smoke=smoke_mode(),
                   notes=(note,) if note else ())


def _configure_display() -> None:
    """Notebook display settings: a cell that ends with a returned Figure draws it (kit builds figures without
    pyplot, which is what would otherwise switch Jupyter's inline display on), and table cells show their whole
    text (descriptions and paper citations are longer than pandas' 50 characters). Nothing outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "run_line_magic"):
        shell.run_line_magic("matplotlib", "inline")
        import pandas as pd

        pd.set_option("display.max_colwidth", None)
