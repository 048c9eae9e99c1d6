"""A finished (or interrupted) training run, read back from its run folder, and the tables built from it.

A run folder is what ``kit.train.fit`` writes: ``config.json``, ``history.csv``, ``metrics.json`` and, once the
run has finished, ``predictions.csv`` for the validation split. Everything here reads only those files, so the
comparison notebook and the submission report show exactly what the runs measured, never retyped numbers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

import kit
from kit.env import default_workspace
from kit.metrics import per_class_scores
from kit.run_folder import POINT_KEYS, REQUIRED_HISTORY_COLUMNS

PREDICTION_COLUMNS = ("filename", "label", "prediction")

EXACT_FLOATS = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}
"""read_csv options that give back exactly the floats a run wrote (pandas 3 round-trips by default)."""

NOTEBOOK_FOR_RUN = {"plain34": "02_plain34.ipynb", "resnet34": "03_resnet34.ipynb"}
"""The notebook that trains each standard run; any other run comes from the modifications notebook."""
MODIFICATIONS_NOTEBOOK = "05_modifications.ipynb"


class RunNotFoundError(FileNotFoundError):
    """A run folder (or one of its required files) is missing: the message names the notebook to run."""


@dataclass(frozen=True)
class RunResult:
    """Everything one run folder holds, as plain Python and pandas values.

    ``predictions`` is None for a run that has not finished yet (``predictions.csv`` is written at the end).
    """

    name: str
    config: dict[str, Any]
    history: pd.DataFrame
    metrics: dict[str, Any]
    predictions: pd.DataFrame | None
    run_dir: Path | None = None

    @property
    def label(self) -> str:
        """A display name: ``plain34`` -> ``Plain-34``, ``resnet34`` -> ``ResNet-34``, other names unchanged."""
        return display_name(self.name)

    @property
    def classes(self) -> tuple[str, ...]:
        """Class order: the ``p_<class>`` columns of predictions.csv when present, else ``kit.CLASSES``."""
        if self.predictions is not None:
            from_columns = tuple(c[2:] for c in self.predictions.columns if c.startswith("p_"))
            if from_columns:
                return from_columns
        return tuple(kit.CLASSES)

    @property
    def test_predictions(self) -> pd.DataFrame:
        """test_predictions.csv in the course's ``filename,label`` format; empty when there were no test images."""
        path = self.run_dir / "test_predictions.csv" if self.run_dir is not None else None
        if path is None or not path.exists():
            return pd.DataFrame(columns=["filename", "label"])
        return pd.read_csv(path, keep_default_na=False)

    @property
    def finished(self) -> bool:
        return bool(self.metrics.get("finished", False))

    def require_predictions(self) -> pd.DataFrame:
        """predictions.csv, or a clear error when the run has not written it (it is written when a run ends)."""
        if self.predictions is None:
            where = self.run_dir if self.run_dir is not None else self.name
            raise RunNotFoundError(
                f"Run '{self.name}' has no predictions.csv in {where}: the run has not finished "
                f"({self.metrics.get('epochs_done', '?')}/{self.metrics.get('epochs_planned', '?')} epochs). "
                f"Run notebooks/{notebook_for(self.name)} again to finish it.")
        return self.predictions


def display_name(run_name: str) -> str:
    """``plain34`` -> ``Plain-34``, ``resnet50`` -> ``ResNet-50``; any other run name is kept as it is."""
    match = re.fullmatch(r"(plain|resnet)(\d+)", run_name)
    if not match:
        return run_name
    family = "Plain" if match.group(1) == "plain" else "ResNet"
    return f"{family}-{match.group(2)}"


def notebook_for(run_name: str) -> str:
    """The notebook that produces ``run_name``."""
    return NOTEBOOK_FOR_RUN.get(run_name, MODIFICATIONS_NOTEBOOK)


def load_run(run: str | Path | RunResult, workspace: str | Path | None = None) -> RunResult:
    """Read one run folder: a run name (looked up in ``<workspace>/runs/``) or a path to the folder.

    A missing folder or file raises :class:`RunNotFoundError` naming the notebook that creates the run;
    a file that lacks a required column or key raises ``ValueError`` naming the file and what is missing.
    """
    if isinstance(run, RunResult):
        return run
    run_dir, name = _resolve(run, workspace)
    if not run_dir.is_dir():
        raise RunNotFoundError(f"Run '{name}' not found in {run_dir.parent}: "
                               f"run notebooks/{notebook_for(name)} first")
    for required in ("config.json", "history.csv", "metrics.json"):
        if not (run_dir / required).is_file():
            raise RunNotFoundError(f"Run '{name}' in {run_dir} has no {required}: "
                                   f"run notebooks/{notebook_for(name)} first")
    config = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    history = pd.read_csv(run_dir / "history.csv", **EXACT_FLOATS)
    check_columns(history, REQUIRED_HISTORY_COLUMNS, run_dir / "history.csv")
    for point in ("best", "last"):
        missing = [k for k in POINT_KEYS if k not in metrics.get(point, {})]
        if missing:
            raise ValueError(f"{run_dir / 'metrics.json'}: '{point}' lacks {missing}")
    predictions = None
    if (run_dir / "predictions.csv").is_file():
        predictions = pd.read_csv(run_dir / "predictions.csv")
        check_columns(predictions, PREDICTION_COLUMNS, run_dir / "predictions.csv")
        predictions = _with_class_names(predictions, run_dir / "predictions.csv")
    return RunResult(name=name, config=config, history=history, metrics=metrics, predictions=predictions,
                     run_dir=run_dir)


def load_runs(runs: Iterable[str | Path | RunResult], workspace: str | Path | None = None) -> list[RunResult]:
    """:func:`load_run` for each run; run names must be unique (they label tables and figures)."""
    results = [load_run(run, workspace) for run in runs]
    names = [r.name for r in results]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"Run names must be unique, got {duplicates} more than once")
    return results


def _resolve(run: str | Path, workspace: str | Path | None) -> tuple[Path, str]:
    path = Path(run)
    # A bare name ("plain34") means <workspace>/runs/<name>; anything with a separator is a folder path.
    if isinstance(run, Path) or len(path.parts) > 1 or path.is_absolute():
        return path, path.name
    if workspace is None:
        workspace = default_workspace()
    return Path(workspace) / "runs" / str(run), str(run)


def check_columns(frame: pd.DataFrame, required: Sequence[str], path: Path) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing} (has {list(frame.columns)})")


def _with_class_names(predictions: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Labels and predictions as class names, whether the file stores names or class indices."""
    classes = [c[2:] for c in predictions.columns if c.startswith("p_")] or list(kit.CLASSES)
    predictions = predictions.copy()
    for column in ("label", "prediction"):
        values = predictions[column]
        if pd.api.types.is_integer_dtype(values):
            out_of_range = sorted(set(values[(values < 0) | (values >= len(classes))]))
            if out_of_range:
                raise ValueError(f"{path}: '{column}' holds class indices {out_of_range} outside 0..{len(classes) - 1}")
            predictions[column] = [classes[i] for i in values]
        else:
            unknown = sorted(set(values.astype(str)) - set(classes))
            if unknown:
                raise ValueError(f"{path}: '{column}' holds {unknown}, not among the classes {classes}")
            predictions[column] = values.astype(str)
    return predictions


# --- tables --------------------------------------------------------------------------------------------------

def comparison_table(runs: Sequence[RunResult]) -> pd.DataFrame:
    """Train/val accuracy and loss at the best epoch (highest val acc) and at the last epoch, one row per
    (run, point), straight from each run's metrics.json. Accuracies are fractions in 0..1."""
    rows = []
    for run in runs:
        for point in ("best", "last"):
            values = run.metrics[point]
            rows.append({"run": run.label, "point": point, "epoch": int(values["epoch"]),
                         **{k: float(values[k]) for k in ("train_acc", "val_acc", "train_loss", "val_loss")}})
    return pd.DataFrame(rows)


def run_summary_table(runs: Sequence[RunResult]) -> pd.DataFrame:
    """Per run: parameters, epochs done/planned, early stop, device, precision, training time and throughput."""
    rows = []
    for run in runs:
        history = run.history
        seconds = float(history["seconds"].sum()) if "seconds" in history else float("nan")
        speed = float(history["images_per_s"].mean()) if "images_per_s" in history else float("nan")
        rows.append({"run": run.label, "parameters": run.metrics.get("parameters"),
                     "epochs_done": run.metrics.get("epochs_done", len(history)),
                     "epochs_planned": run.metrics.get("epochs_planned"),
                     "finished": run.metrics.get("finished"), "stopped_early": run.metrics.get("stopped_early"),
                     "device": run.metrics.get("device"), "precision": run.metrics.get("precision"),
                     "train_seconds": seconds, "images_per_s": speed})
    return pd.DataFrame(rows)


def per_class_table(run: RunResult) -> pd.DataFrame:
    """Precision, recall, F1 and support per class plus a ``macro avg`` row, on the validation split, from
    predictions.csv (:func:`kit.metrics.per_class_scores`, scikit-learn)."""
    return per_class_scores(run.require_predictions(), run.classes)


def f1_table(runs: Sequence[RunResult]) -> pd.DataFrame:
    """F1 per class and macro average (rows) for each run (columns), plus ``difference`` = last run minus first."""
    if len(runs) < 2:
        raise ValueError(f"f1_table needs at least two runs, got {len(runs)}")
    classes = runs[0].classes
    for run in runs[1:]:
        if run.classes != classes:
            raise ValueError(f"Runs disagree on classes: {runs[0].name} {classes} vs {run.name} {run.classes}")
    table = pd.DataFrame({run.label: per_class_table(run)["f1"] for run in runs})
    table["difference"] = table[runs[-1].label] - table[runs[0].label]
    return table


def hyperparameter_table(runs: Sequence[RunResult]) -> pd.DataFrame:
    """Every Config field, one row per field and one column per run, from config.json.

    Dict fields such as ``model_options`` are shown as JSON. A field missing from one run's config shows as
    ``-`` rather than vanishing, so differences stay visible.
    """
    configs = {run.label: run.config for run in runs}
    keys: list[str] = []
    for config in configs.values():
        keys += [k for k in config if k not in keys]
    return pd.DataFrame({label: [_show(config[k]) if k in config else "-" for k in keys]
                         for label, config in configs.items()}, index=pd.Index(keys, name="parameter"))


def differing_hyperparameters(runs: Sequence[RunResult], ignore: Iterable[str] = ("model",)) -> list[str]:
    """Config fields whose values differ between runs (besides ``ignore``): for a fair comparison this is
    empty apart from the model."""
    table = hyperparameter_table(runs)
    ignored = set(ignore)
    return [key for key, row in table.iterrows() if key not in ignored and row.nunique() > 1]


def _show(value: Any) -> str:
    """A config value as table text: lists/empty dicts as JSON, floats without trailing noise."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (np.generic,)):
        return str(value.item())
    return str(value)
