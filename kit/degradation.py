"""The degradation experiment of He et al. (2016, "Deep Residual Learning for Image Recognition", Sec. 4.1, Fig. 4
and Table 2): Plain-18, Plain-34, ResNet-18 and ResNet-34 trained with one Config. A deeper plain net ends with a
*higher training* error than the shallower one (degradation), a deeper ResNet with a lower one.
``degradation_table`` puts our numbers beside the paper's ImageNet top-1 errors, in percent (differences in
percentage points), the paper's unit.

Training reuses finished runs and resumes interrupted ones (``kit.experiments.train_or_reuse``); the tables read
only run folders.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd
import torch

from kit.config import Config
from kit.data.batches import Batches
from kit.experiments import POINTS, train_or_reuse
from kit.runs import RunResult, differing_hyperparameters, display_name, load_run

DEGRADATION_MODELS = ("plain18", "plain34", "resnet18", "resnet34")
PAPER_TOP1_ERROR = {"plain18": 27.94, "plain34": 28.54, "resnet18": 27.88, "resnet34": 25.03}
"""He et al. (2016), Table 2: top-1 error (%) on the ImageNet validation set, 10-crop testing."""
PAPER_SOURCE = "He et al. (2016), Table 2: ImageNet val top-1 error (%), 10-crop testing"


def degradation_run_names(suffix: str = "") -> dict[str, str]:
    """Model -> run name of the degradation experiment: the model's own name plus ``suffix``.

    With ``suffix=""`` the runs ``plain34`` and ``resnet34`` of notebooks 02/03 are part of it (and reused when
    their Config is the experiment's)."""
    return {model: f"{model}{suffix}" for model in DEGRADATION_MODELS}


def degradation_runs(config: Config, workspace: str | Path, data: Batches | Callable[[Config], Batches], *,
                     suffix: str = "", device: str | torch.device | None = None,
                     progress: bool = True) -> dict[str, Path]:
    """Train Plain-18, Plain-34, ResNet-18 and ResNet-34 with one Config (``config.replace(model=...)``) into runs
    ``<model><suffix>``; return model -> run folder.

    Finished runs with that Config are reused (with ``suffix=""``, the Plain-34 and ResNet-34 runs of notebooks
    02/03 when they used the same Config), interrupted ones resumed; a run of that name with another Config is
    an error: choose a ``suffix`` such as ``"-10ep"`` for a different Config.
    """
    return {model: train_or_reuse(config.replace(model=model), workspace, name, data, device=device,
                                  progress=progress)
            for model, name in degradation_run_names(suffix).items()}


def has_degradation_runs(workspace: str | Path, suffix: str = "") -> bool:
    """Whether all four runs of the degradation experiment have at least one finished epoch."""
    runs_dir = Path(workspace).expanduser() / "runs"
    return all((runs_dir / name / "metrics.json").is_file() for name in degradation_run_names(suffix).values())


def load_degradation_runs(workspace: str | Path, suffix: str = "") -> list[RunResult]:
    """The four runs, in ``DEGRADATION_MODELS`` order. A missing run raises ``RunNotFoundError``; runs whose
    Configs differ in anything but the model raise ``ValueError`` (the experiment needs one Config)."""
    return _checked_degradation_runs([load_run(name, workspace) for name in degradation_run_names(suffix).values()])


def _checked_degradation_runs(runs: Sequence[RunResult]) -> list[RunResult]:
    runs = list(runs)
    if len(runs) != len(DEGRADATION_MODELS):
        raise ValueError(f"The degradation experiment has {len(DEGRADATION_MODELS)} runs "
                         f"({', '.join(DEGRADATION_MODELS)}), got {len(runs)}.")
    for run, model in zip(runs, DEGRADATION_MODELS):
        if run.config.get("model") != model:
            raise ValueError(f"Run '{run.name}' is a {run.config.get('model')}, not a {model}.")
    differing = differing_hyperparameters(runs, ignore=("model", "grad_norm_every"))
    if differing:
        raise ValueError(f"The degradation runs differ in {', '.join(differing)}: the experiment compares depths "
                         "under one Config. Train them with kit.degradation.degradation_runs(config, ...).")
    return runs


def degradation_table(workspace: str | Path, suffix: str = "", point: str = "last", *,
                      runs: Sequence[RunResult] | None = None) -> pd.DataFrame:
    """Our four runs beside He et al. (2016), Table 2, one row per model.

    Columns: ``model``, ``label``, ``family`` (plain/resnet), ``layers``, ``epoch``, ``train_loss``,
    ``train_acc_%``, ``val_loss``, ``val_acc_%`` (at ``point``: ``last`` = the final epoch, as the paper reports
    final errors; ``best`` = the best epoch by ``Config.monitor``), ``val_error_%`` (100 - val acc),
    ``paper_top1_error_%`` (ImageNet val, 10-crop) and ``finished``: accuracies and errors in percent, the paper's
    unit; losses as they are. Our numbers come from each run's metrics.json; the paper's are on ImageNet (1000
    classes, 1.28M images), so compare the *pattern* (does 34 beat 18 within a family?), not the values.
    ``runs``: the four runs when already loaded (``load_degradation_runs``, in its order); ``workspace`` and
    ``suffix`` are then not read.
    """
    if point not in POINTS:
        raise ValueError(f"point must be 'best' (the best epoch by Config.monitor) or 'last', got {point!r}")
    runs = load_degradation_runs(workspace, suffix) if runs is None else _checked_degradation_runs(runs)
    rows = []
    for run, model in zip(runs, DEGRADATION_MODELS):
        values = run.metrics[point]
        percent = {metric: 100.0 * float(values[metric]) for metric in ("train_acc", "val_acc")}
        rows.append({"model": model, "label": display_name(model), "family": re.sub(r"\d+", "", model),
                     "layers": int(re.sub(r"\D", "", model)), "epoch": int(values["epoch"]),
                     "train_loss": float(values["train_loss"]), "train_acc_%": percent["train_acc"],
                     "val_loss": float(values["val_loss"]), "val_acc_%": percent["val_acc"],
                     "val_error_%": 100.0 - percent["val_acc"],
                     "paper_top1_error_%": PAPER_TOP1_ERROR[model], "finished": run.finished})
    return pd.DataFrame(rows)


def depth_effect(table: pd.DataFrame) -> pd.DataFrame:
    """34 layers minus 18 layers within each family, from a ``degradation_table``: ``train_loss`` (as it is),
    ``train_acc_points``, ``val_acc_points`` and ``paper_top1_error_points`` (percentage points). Degradation is
    a positive train-loss difference in the plain family (the deeper plain net fits its training data worse)."""
    differences = {"train_loss": "train_loss", "train_acc_points": "train_acc_%", "val_acc_points": "val_acc_%",
                   "paper_top1_error_points": "paper_top1_error_%"}
    rows = []
    for family, own in table.groupby("family", sort=False):
        by_layers = own.set_index("layers")
        if not {18, 34} <= set(by_layers.index):
            continue
        deep, shallow = by_layers.loc[34], by_layers.loc[18]
        rows.append({"family": family, **{name: float(deep[column] - shallow[column])
                                          for name, column in differences.items()}})
    return pd.DataFrame(rows, columns=["family", *differences])
