"""What every notebook does first, in one call: validate the group header, find the workspace, check the GPU.

``start(GROUP_NAME, MEMBERS)`` returns a ``Session``; ``start(..., language="en")`` switches everything the
student reads to English for this and every later notebook (``kit.language``). Warnings show as one line each
(``kit.warnings_display``). The session also holds the one place where the
experiment's hyperparameters live (``experiment.json`` in the workspace), so Plain-34 (02), ResNet-34 (03)
and the modifications (05), each possibly on its own Colab VM, train with exactly the same settings.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import pandas as pd
import torch

from kit import warnings_display
from kit.config import EXPERIMENT_FILE, Config, experiment_conflicts
from kit.data import Prepared, load_prepared
from kit.env import GpuWarning, default_device, gpu_status, in_colab, setup_workspace, smoke_mode
from kit.experiments import batches_factory
from kit.header import Header, use_header
from kit.language import use_language
from kit.report import zip_path
from kit.text import check_language, set_language, tr


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
        that contradict the saved file is an error, never a silent change: the runs compared must share one
        Config. What ``fit`` lets runs of one experiment differ in (``kit.config.PER_RUN_FIELDS``: the model, its
        options, the seed) may be asked for; the saved file stays as it is.
        """
        path = self.workspace / EXPERIMENT_FILE
        if path.exists():
            saved = Config.from_json(path)
            asked = saved.replace(**overrides)
            conflicts = experiment_conflicts(saved, asked)  # the rule fit's check_experiment follows
            if conflicts:
                changes = ", ".join(tr("notebook.experiment_change", name=k, saved=a, asked=b)
                                    for k, (a, b) in conflicts.items())
                raise ValueError(tr("notebook.experiment_conflict", path=path, changes=changes,
                                    file=EXPERIMENT_FILE, runs=self.workspace / "runs"))
            return asked
        config = Config.smoke(**overrides) if self.smoke else Config(**overrides)
        config.to_json(path)
        return config

    def prepared(self) -> Prepared:
        """The dataset prepared by 01_data (``split.csv`` + ``data_report.json`` in the workspace)."""
        if not (self.workspace / "split.csv").exists():
            raise MissingStepError(tr("notebook.missing_split", workspace=self.workspace))
        return load_prepared(self.workspace)

    def batches(self, config: Config, **options: Any):
        """Training and evaluation batches on this session's device for ``config``'s image and batch size."""
        return batches_factory(self.prepared(), device=self.device, progress=True, **options)(config)

    def _repr_markdown_(self) -> str:
        """The session in a few lines of the student's language: who, where, on what, and any note."""
        members = ", ".join(f"{name} ({nim})" for name, nim in self.header.members)
        facts = [tr("notebook.workspace", path=self.workspace), gpu_status(), tr("notebook.language")]
        if self.smoke:
            facts.append(tr("notebook.smoke"))
        return "  \n".join([f"**{self.header.group_name}**: {members}", " · ".join(facts), *self.notes])

    def __repr__(self) -> str:
        return self._repr_markdown_().replace("**", "").replace("`", "").replace("  \n", "\n")


def start(group_name: str, members: Sequence[tuple[str, str]], *, workspace: str | Path | None = None,
          language: str | None = None) -> Session:
    """Validate the header, prepare the workspace (Google Drive in Colab) and pick the device.

    ``language`` (``"id"`` or ``"en"``) is saved in the workspace and followed by every later notebook and the
    report; without it the saved choice holds (Indonesian when none was made). A NIM with anything but digits
    is an error. The header is filled in once (in 01) and saved in the
    workspace (``kit.header.HEADER_FILE``); a later notebook whose header cell still holds the template uses
    the saved header and says so (``kit.header.use_header``). An unfilled placeholder left in the header
    used is one visible ``HeaderWarning`` line (the notebook still runs, and the report marks it).
    """
    _configure_notebook()
    if language is not None:
        set_language(check_language(language))  # before anything can fail, so every message is in it
    path = setup_workspace(workspace)
    use_language(path, language)
    header, note = use_header(Header(group_name, members), path)
    if header.warnings:
        (name, nim), *_ = header.members
        message = (tr("header.unfilled", group=header.group_name, name=name, nim=nim) if header.is_template
                   else tr("header.incomplete", problems=" ".join(header.warnings)))
        warnings.warn(message, HeaderWarning, stacklevel=2)
    device = default_device()
    if in_colab() and device.type != "cuda":
        warnings.warn(gpu_status(), GpuWarning, stacklevel=2)
    return Session(header=header, workspace=path, device=device, smoke=smoke_mode(),
                   notes=(note,) if note else ())


@dataclass(frozen=True)
class Submission:
    """What the group hands in: ``report.zip`` beside the report folder, and whether Colab offered it for download."""

    archive: Path
    download_note: str | None = None

    def _repr_markdown_(self) -> str:
        size = f"{self.archive.stat().st_size / 2**20:.1f} MB"
        lines = [tr("notebook.submit", path=self.archive, size=size)]
        return "  \n".join([*lines, self.download_note] if self.download_note else lines)

    def __repr__(self) -> str:
        return self._repr_markdown_().replace("**", "").replace("`", "").replace("  \n", "\n")


def hand_in(readme: str | Path) -> Submission:
    """The file to submit for the report ``readme`` that ``kit.report.write_report`` returned: its
    ``report.zip`` (README.md and images). In Colab the browser is offered the zip for download as well; the
    zip stays on Drive either way. A missing zip is a ``MissingStepError`` naming the cell to run."""
    archive = zip_path(Path(readme).parent)
    if not archive.is_file():
        raise MissingStepError(tr("notebook.submit_missing", path=archive))
    return Submission(archive, _offer_download(archive) if in_colab() else None)


def _offer_download(path: Path) -> str:
    """Ask Colab's front end to download ``path``; the answer says whether it could (a closed or blocked browser
    tab makes it fail, and the file is still on Drive)."""
    try:
        from google.colab import files  # only importable inside Colab

        files.download(str(path))
    except Exception as problem:  # any failure leaves the file on Drive: say where, never crash the last cell
        return tr("notebook.submit_download_failed", problem=str(problem) or type(problem).__name__)
    return tr("notebook.submit_downloading")


def _configure_notebook() -> None:
    """Notebook display settings: a cell that ends with a returned Figure draws it (kit builds figures without
    pyplot, which is what would otherwise switch Jupyter's inline display on), table cells show their whole
    text (descriptions and paper citations are longer than pandas' 50 characters), and warnings show as one
    line without file paths (``kit.warnings_display``). Nothing outside IPython: a script or a test keeps
    Python's own warning machinery (``catch_warnings(record=True)`` included)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "run_line_magic"):
        shell.run_line_magic("matplotlib", "inline")
        pd.set_option("display.max_colwidth", None)
        warnings_display.install()
