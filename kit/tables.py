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
from kit.comparisons import format_pvalue
from kit.runs import RunResult, display_name
from kit.stats import Interval, count_interval, summarize_differences
from kit.text import table as text_table

METRIC_COLUMNS = ("train_acc", "val_acc", "train_loss", "val_loss")


def val_accuracy_interval(run: RunResult, accuracy: float) -> Interval | None:
    """The Wilson 95% interval (``kit.stats.count_interval``) of a val accuracy of ``run``, counted on the val
    images of its predictions.csv (every epoch is evaluated on that same val set); None before the run has
    written predictions.csv, when the number of val images is not known."""
    if run.predictions is None or numbers.is_missing(accuracy) or not len(run.predictions):
        return None
    n = len(run.predictions)
    return count_interval(int(round(float(accuracy) * n)), n)


def comparison_table(results: Sequence[RunResult], language: str | None = None) -> pd.DataFrame:
    """:func:`kit.runs.comparison_table`: accuracy and loss at the best and the last epoch of each run, the val
    accuracy with its 95% interval. Train accuracy gets none: it is averaged over augmented batches while the
    weights change, not measured on held-out images, so it estimates no accuracy to be uncertain about."""
    t = text_table("columns", language)
    raw = runs.comparison_table(results)
    by_label = {run.label: run for run in results}
    cells = {t[name]: [numbers.metric(value, name) for value in raw[name]] for name in METRIC_COLUMNS}
    return pd.DataFrame({
        t["model"]: raw["run"],
        t["point"]: [t[point] for point in raw["point"]],
        t["epoch"]: raw["epoch"].astype(str),
        t["train_acc"]: cells[t["train_acc"]],
        t["val_acc"]: cells[t["val_acc"]],
        t["val_acc_interval"]: [_interval_cell(by_label[label], value) for label, value in zip(raw["run"],
                                                                                             raw["val_acc"])],
        t["train_loss"]: cells[t["train_loss"]],
        t["val_loss"]: cells[t["val_loss"]],
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


def degradation_table(table: pd.DataFrame, results: Sequence[RunResult], language: str | None = None) -> pd.DataFrame:
    """:func:`kit.degradation.degradation_table` (``table``, one row per model of ``results``, in their order) as a
    student reads it: losses, accuracies with the val accuracy's 95% interval, the val error beside the
    paper's top-1 error (printed as in its Table 2, two decimals)."""
    t = text_table("columns", language)
    if len(table) != len(results):
        raise ValueError(f"degradation_table needs one run per row: {len(table)} rows, {len(results)} runs")
    return pd.DataFrame({
        t["model"]: table["label"].tolist(),
        t["epoch"]: table["epoch"].astype(str).tolist(),
        t["train_loss"]: table["train_loss"].map(numbers.loss).tolist(),
        t["train_acc"]: (table["train_acc_%"] / 100).map(numbers.percent).tolist(),
        t["val_acc"]: (table["val_acc_%"] / 100).map(numbers.percent).tolist(),
        t["val_acc_interval"]: [_interval_cell(run, value / 100) for run, value in zip(results, table["val_acc_%"])],
        t["val_error"]: (table["val_error_%"] / 100).map(numbers.percent).tolist(),
        t["paper_error"]: table["paper_top1_error_%"].map("{:.2f}%".format).tolist(),
    })


def seed_summary_table(best: pd.DataFrame, last: pd.DataFrame, language: str | None = None) -> pd.DataFrame:
    """:func:`kit.experiments.seed_summary` at the best and at the last epoch (``best``, ``last``: one row per
    model each) as one table: the seeds, val accuracy mean ± std at both points, the final train loss, and every
    seed's val accuracy at the best epoch."""
    t = text_table("columns", language)
    last = last.set_index("name")
    rows = []
    for _, row in best.iterrows():
        end = last.loc[row["name"]]
        rows.append({
            t["model"]: row["label"], t["seeds"]: ", ".join(map(str, row["seeds"])) or numbers.MISSING,
            f"{t['val_acc']} ({t['best']})": numbers.mean_std(row["val_acc_mean"], row["val_acc_std"], "val_acc"),
            f"{t['val_acc']} ({t['last']})": numbers.mean_std(end["val_acc_mean"], end["val_acc_std"], "val_acc"),
            f"{t['train_loss']} ({t['last']})": numbers.mean_std(end["train_loss_mean"], end["train_loss_std"],
                                                                "train_loss"),
            t["val_acc_per_seed"]: ", ".join(f"{s}: {numbers.percent(v)}" for s, v in zip(row["seeds"],
                                                                                         row["val_acc_per_seed"])),
        })
    return pd.DataFrame(rows)


def paired_difference_table(differences: Sequence, language: str | None = None) -> pd.DataFrame:
    """Seed-paired differences (each a :class:`kit.experiments.PairedDifference`: ``other - reference`` of one
    metric, one value per seed both finished) with their mean ± std, the Student t 95% interval of the mean
    difference and the paired t-test p-value (``kit.stats.summarize_differences``), one row each. Accuracy
    differences are in percentage points, loss differences as they are; interval and p need two seeds."""
    t = text_table("columns", language)
    rows = []
    for d in differences:
        summary = summarize_differences(d.differences)
        accuracy = d.metric.endswith("_acc")
        value = (lambda x: numbers.points(x)) if accuracy else (lambda x: numbers.loss(x, signed=True))
        two_or_more = summary.n > 1
        rows.append({
            t["comparison"]: f"{display_name(d.other)} − {display_name(d.reference)}",
            t["point"]: f"{t[d.metric]} ({t[d.point]})",
            t["seeds"]: ", ".join(map(str, d.seeds)),
            t["paired_mean_std"]: numbers.mean_std(summary.mean, summary.std if two_or_more else None, d.metric,
                                                   difference=True) + (f" {t['unit_points']}" if accuracy else ""),
            t["paired_interval"]: f"[{value(summary.low)}, {value(summary.high)}]" if two_or_more else numbers.MISSING,
            t["paired_p"]: format_pvalue(summary.pvalue) if two_or_more else numbers.MISSING,
            t["paired_per_seed"]: ", ".join(f"{seed}: {value(x)}" for seed, x in zip(d.seeds, d.differences)),
        })
    return pd.DataFrame(rows)


def _interval_cell(run: RunResult, accuracy: float) -> str:
    """A val accuracy's 95% interval as a table cell; ``-`` before the run has written predictions.csv."""
    interval = val_accuracy_interval(run, accuracy)
    return numbers.MISSING if interval is None else numbers.percent_interval(interval.low, interval.high)


def to_markdown(frame: pd.DataFrame) -> str:
    """A pipe table of ``frame``'s cells exactly as they are (already formatted text; ``|`` escaped)."""
    cells = frame.astype(str).apply(lambda column: column.str.replace("|", "\\|", regex=False))
    cells.columns = [str(c).replace("|", "\\|") for c in cells.columns]
    return cells.to_markdown(index=False, disable_numparse=True)
