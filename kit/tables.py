"""The run tables as a student reads them: column names in the chosen language, numbers written one way.

``kit.runs`` builds the tables from the run files with machine column names and raw numbers (fractions,
floats), for code and tests; here the same tables are translated (``kit.text``, table ``columns``) and
formatted (``kit.numbers``), so a notebook cell, the report and a figure say "37.8%" alike. Each function
takes ``language`` (``"id"`` or ``"en"``; default ``kit.text.current_language()``) and returns a DataFrame of
text; :func:`to_markdown` turns one into the pipe table the report prints.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from kit import numbers, runs
from kit.runs import RunResult
from kit.text import table as text_table

METRIC_COLUMNS = ("train_acc", "val_acc", "train_loss", "val_loss")


def comparison_table(results: Sequence[RunResult], language: str | None = None) -> pd.DataFrame:
    """:func:`kit.runs.comparison_table`: accuracy and loss at the best and the last epoch of each run."""
    t = text_table("columns", language)
    raw = runs.comparison_table(results)
    return pd.DataFrame({
        t["model"]: raw["run"],
        t["point"]: [t[point] for point in raw["point"]],
        t["epoch"]: raw["epoch"].astype(str),
        **{t[name]: [numbers.metric(value, name) for value in raw[name]] for name in METRIC_COLUMNS},
    })


def run_summary_table(results: Sequence[RunResult], language: str | None = None) -> pd.DataFrame:
    """:func:`kit.runs.run_summary_table`: parameters, epochs, device, precision, time and speed per run."""
    t = text_table("columns", language)
    raw = runs.run_summary_table(results)
    epochs = []
    for _, row in raw.iterrows():
        cell = f"{row['epochs_done']}/{row['epochs_planned']}"
        if row["stopped_early"]:
            cell += f" ({t['stopped_early']})"
        elif row["finished"] is False:
            cell += f" {t['unfinished']}"
        epochs.append(cell)
    return pd.DataFrame({
        t["model"]: raw["run"],
        t["parameters"]: [numbers.count(p) for p in raw["parameters"]],
        t["epochs"]: epochs,
        t["device"]: raw["device"].fillna(numbers.MISSING),
        t["numeric_precision"]: raw["precision"].fillna(numbers.MISSING),
        t["time"]: [numbers.seconds(s) for s in raw["train_seconds"]],
        t["speed"]: [numbers.rate(s) for s in raw["images_per_s"]],
    })


def per_class_table(run: RunResult, language: str | None = None) -> pd.DataFrame:
    """:func:`kit.runs.per_class_table`: precision, recall, F1 and number of val images per class, then the
    macro average (every class weighted alike, as the course's classes are near-balanced)."""
    t = text_table("columns", language)
    raw = runs.per_class_table(run)
    return pd.DataFrame({
        t["class"]: [t["macro_avg"] if name == "macro avg" else name for name in raw.index],
        **{t[name]: [numbers.f1(v) for v in raw[name]] for name in ("precision", "recall", "f1")},
        t["support"]: raw["support"].astype(str),
    })


def f1_table(results: Sequence[RunResult], language: str | None = None) -> pd.DataFrame:
    """:func:`kit.runs.f1_table`: F1 per class of each run, and the last run minus the first."""
    t = text_table("columns", language)
    raw = runs.f1_table(results)
    difference = t["difference"].format(b=results[-1].label, a=results[0].label)
    return pd.DataFrame({
        t["class"]: [t["macro_avg"] if name == "macro avg" else name for name in raw.index],
        **{run.label: [numbers.f1(v) for v in raw[run.label]] for run in results},
        difference: [numbers.f1(v, signed=True) for v in raw["difference"]],
    })


def hyperparameter_table(results: Sequence[RunResult], language: str | None = None,
                         only: Sequence[str] | None = None) -> pd.DataFrame:
    """:func:`kit.runs.hyperparameter_table`: every Config field (or those in ``only``) of each run. Field names
    stay as in config.json and ``Config``, where a student looks them up."""
    t = text_table("columns", language)
    raw = runs.hyperparameter_table(results)
    if only is not None:
        unknown = sorted(set(only) - set(raw.index))
        if unknown:
            raise ValueError(f"No Config field {unknown} in these runs; they have {list(raw.index)}")
        raw = raw.loc[list(only)]
    return raw.rename_axis(t["parameter"]).reset_index()


def to_markdown(frame: pd.DataFrame) -> str:
    """A pipe table of ``frame``'s cells exactly as they are (already formatted text; ``|`` escaped)."""
    cells = frame.astype(str).apply(lambda column: column.str.replace("|", "\\|", regex=False))
    cells.columns = [str(c).replace("|", "\\|") for c in cells.columns]
    return cells.to_markdown(index=False, disable_numparse=True)
