"""The comparison sections: metric tables, curves, confusion matrices, per-class scores, misclassified images.

Each comparison section is one function of the :class:`ReportContext`; what a comparison says about the
uncertainty of its differences (intervals, paired tests) belongs inside the section that shows the difference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

from kit import plots
from kit.report.context import ReportContext
from kit.report.facts import comparison_facts
from kit.report.references import modification_references
from kit.report.uncertainty import uncertainty_lines
from kit.run_folder import MONITOR_GOALS, best_row
from kit.runs import RunResult, differing_hyperparameters
from kit.tables import comparison_table, f1_table, hyperparameter_table, per_class_table, run_summary_table, to_markdown

SMALL_IMAGE_SIZE, SMALL_EPOCHS = 224, 10
"""Below either (or on a CPU) a run is a smoke test, and the report says so."""
MISCLASSIFIED_SHOWN = 12


def comparison_markdown(runs: Sequence[RunResult], language: str | None = None) -> str:
    """:func:`kit.tables.comparison_table` as a Markdown table."""
    return to_markdown(comparison_table(runs, language))


def summary_markdown(runs: Sequence[RunResult], language: str | None = None) -> str:
    """:func:`kit.tables.run_summary_table` as a Markdown table."""
    return to_markdown(run_summary_table(runs, language))


def results_section(ctx: ReportContext) -> str:
    """The metric comparison table (best and last epoch) with what "best" means, marked when the runs are
    smoke/CPU runs, how sure the difference is (intervals, McNemar), and a summary of each run."""
    t = ctx.text
    return "\n".join([f"## {t['results']}", "", *_best_epoch_note(ctx.runs, t), "", *_small_settings_note(ctx.runs, t),
                      comparison_markdown(ctx.runs, ctx.language),
                      *uncertainty_lines(ctx.runs[0], ctx.runs[1:], ctx.language), "", f"### {t['summary']}", "",
                      summary_markdown(ctx.runs, ctx.language)])


def best_criterion(run: RunResult) -> str:
    """The metric by which the run's recorded best epoch (metrics.json ``best``) is best: ``Config.monitor``
    when the epoch is its optimum, else the other monitor when it is that one's (first of equals, as training
    keeps the first of equal epochs)."""
    monitor = str(run.config.get("monitor", "val_loss"))
    best_epoch = int(run.metrics["best"]["epoch"])
    history = run.history.to_dict("records")
    for metric in [monitor] + [m for m in MONITOR_GOALS if m != monitor]:
        if metric in MONITOR_GOALS and history and metric in history[0]:
            try:
                if int(best_row(history, metric)["epoch"]) == best_epoch:  # the rule training itself follows
                    return metric
            except ValueError:  # no finite epoch: no metric can explain the recorded best
                break
    return monitor


def _best_epoch_note(runs: Sequence[RunResult], t: Mapping[str, str]) -> list[str]:
    """What "best" means (the runs' ``Config.monitor``), and a warning naming runs whose recorded best epoch
    was chosen by another metric."""
    monitor = str(runs[0].config.get("monitor", "val_loss"))
    lines = [t["results_note"].format(criterion=t.get(f"criterion_{monitor}", monitor), monitor=monitor)]
    mismatched: dict[tuple[str, str], list[str]] = {}
    for run in runs:
        criterion, own = best_criterion(run), str(run.config.get("monitor", "val_loss"))
        if criterion != own:
            mismatched.setdefault((criterion, own), []).append(run.label)
    for (criterion, own), labels in mismatched.items():
        lines += ["", t["best_mismatch"].format(runs=", ".join(labels), monitor=own,
                                                criterion=t.get(f"criterion_{criterion}", criterion))]
    return lines


def small_settings(runs: Sequence[RunResult]) -> list[str]:
    """``"<run>: image_size S, epochs E, device D"`` for each run with smoke/CPU settings (images below
    ``SMALL_IMAGE_SIZE``, fewer than ``SMALL_EPOCHS`` epochs, or trained on a CPU); empty when there are none."""
    small = []
    for run in runs:
        size, epochs, device = run.config.get("image_size"), run.config.get("epochs"), run.metrics.get("device")
        if ((isinstance(size, (int, float)) and size < SMALL_IMAGE_SIZE)
                or (isinstance(epochs, (int, float)) and epochs < SMALL_EPOCHS)
                or str(device).split(":")[0] == "cpu"):
            small.append(f"{run.label}: image_size {size}, epochs {epochs}, device {device or '?'}")
    return small


def _small_settings_note(runs: Sequence[RunResult], t: Mapping[str, str]) -> list[str]:
    """The warning line (and a blank line) naming the runs with smoke/CPU settings; empty when there are none."""
    small = small_settings(runs)
    return [t["small_settings"].format(settings="; ".join(small)), ""] if small else []


def curves_section(ctx: ReportContext) -> str:
    """Overlaid curves of all compared runs, then each run's own curves."""
    t = ctx.text
    lines = [f"## {t['curves']}", "", t["curves_note"], "",
             ctx.figure(plots.compare_curves(ctx.runs, language=ctx.language), "curves_comparison", t["curves"])]
    for run in ctx.runs:
        lines += ["", ctx.figure(plots.training_curves(run, language=ctx.language), f"curves_{run.name}",
                                 f"{t['curves']} {run.label}")]
    return "\n".join(lines)


def confusion_section(ctx: ReportContext) -> str:
    """Counts and normalized confusion matrices of every compared run."""
    t = ctx.text
    lines = [f"## {t['confusion']}"]
    for run in ctx.runs:
        lines.append("")
        if run.predictions is None:
            lines.append(t["no_predictions"].format(run=run.label))
        else:
            lines.append(ctx.figure(plots.confusion_matrices(run, language=ctx.language), f"confusion_{run.name}",
                                    f"{t['confusion']} {run.label}"))
    return "\n".join(lines)


def per_class_section(ctx: ReportContext) -> str:
    """Precision, recall and F1 per class of each run, then F1 side by side with the difference last-minus-first
    and its bar chart (when two runs have predictions)."""
    t = ctx.text
    lines = [f"## {t['per_class']}"]
    finished = [run for run in ctx.runs if run.predictions is not None]
    for run in ctx.runs:
        lines += ["", f"### {run.label}", ""]
        lines.append(to_markdown(per_class_table(run, ctx.language)) if run.predictions is not None
                     else t["no_predictions"].format(run=run.label))
    if len(finished) >= 2:
        figure = plots.f1_difference(finished[0], finished[-1], language=ctx.language)
        lines += ["", f"### F1: {' vs '.join(run.label for run in finished)}", "",
                  to_markdown(f1_table(finished, ctx.language)), "", ctx.figure(figure, "f1_difference", "F1")]
    return "\n".join(lines)


def misclassified_section(ctx: ReportContext) -> str | None:
    """The validation images each run got wrong (``kit.plots.misclassified_grid``), from the dataset the run was
    trained on; a run whose images cannot be found gets a line saying so instead."""
    finished = [run for run in ctx.runs if run.predictions is not None]
    if not finished:
        return None
    t = ctx.text
    lines = [f"## {t['misclassified']}", "", t["misclassified_note"]]
    for run in finished:
        lines.append("")
        folder, problem = _image_folder(ctx, run)
        if problem is not None:
            lines.append(problem)
            continue
        try:
            figure = plots.misclassified_grid(run, folder, max_images=MISCLASSIFIED_SHOWN, language=ctx.language)
        except FileNotFoundError:  # the folder holds other images than the run's predictions name
            lines.append(t["misclassified_no_images"].format(run=run.label, folder=folder))
            continue
        lines.append(ctx.figure(figure, f"misclassified_{run.name}", f"{t['misclassified']} {run.label}"))
    return "\n".join(lines)


def _image_folder(ctx: ReportContext, run: RunResult) -> tuple[Path | None, str | None]:
    """The folder holding the run's validation images per data_report.json, or the line explaining why not."""
    t, report = ctx.text, ctx.data_report
    if report is None or "root" not in report:
        return None, t["misclassified_no_data"].format(run=run.label)
    if _predicted_elsewhere(ctx, run):
        return None, t["misclassified_other_data"].format(run=run.label)
    root = Path(report["root"])
    folder = (root if root.is_absolute() else ctx.workspace / root) / report.get("image_dir", ".")
    if not folder.is_dir():
        return None, t["misclassified_no_images"].format(run=run.label, folder=folder)
    return folder, None


def _predicted_elsewhere(ctx: ReportContext, run: RunResult) -> bool:
    """Whether ``run``'s predictions.csv names images that split.csv lacks or labels otherwise: the run was
    trained on other data than the workspace's, so its file names would show the wrong pictures. (The run's own
    data fingerprint also covers its augmentation, so it cannot be compared with data_report.json's.)"""
    if ctx.split is None or run.predictions is None:
        return False
    labels = dict(zip(ctx.split["filename"].astype(str), ctx.split["label"].astype(str)))
    predicted = zip(run.predictions["filename"].astype(str), run.predictions["label"].astype(str))
    return any(labels.get(filename) != label for filename, label in predicted)


def extra_runs_section(ctx: ReportContext) -> str | None:
    """The additional runs next to the baseline (the last compared run): table, Config differences, curves,
    facts and the papers behind their modifications."""
    if not ctx.extra_runs:
        return None
    t = ctx.text
    reference = ctx.runs[-1]
    group = [reference, *ctx.extra_runs]
    lines = [f"## {t['extra']}", "", t["extra_note"].format(reference=reference.label), "",
             comparison_markdown(group, ctx.language), "", summary_markdown(group, ctx.language)]
    differing = differing_hyperparameters(group, ignore=())
    if differing:
        lines += ["", f"### {t['extra_differences']}", "",
                  to_markdown(hyperparameter_table(group, ctx.language, only=differing))]
    curves = plots.compare_curves(group, language=ctx.language)
    lines += ["", ctx.figure(curves, "curves_extra", f"{t['curves']} {t['extra']}"), ""]
    lines += [f"- {fact}" for fact in comparison_facts(reference, ctx.extra_runs, t)]
    lines += uncertainty_lines(reference, ctx.extra_runs, ctx.language)
    lines += modification_references(ctx.extra_runs, t)
    return "\n".join(lines)
