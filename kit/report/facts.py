"""The analysis: measured facts computed from the run files, then the group's own text in a keep block."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from kit import numbers
from kit.report.context import ReportContext
from kit.report.readme import keep_block
from kit.runs import RunResult, differing_hyperparameters
from kit.tables import val_accuracy_interval
from kit.text import check_language, current_language, table


def measured_facts(runs: Sequence[RunResult], data_report: Mapping[str, Any] | None = None,
                   language: str | None = None) -> list[str]:
    """The analysis bullets: every number computed from the runs' files (and the data report)."""
    t = table("report", check_language(language) if language else current_language())
    reference, others = runs[0], list(runs[1:])
    facts = comparison_facts(reference, others, t)
    for run in runs:
        early = t["fact_early"] if run.metrics.get("stopped_early") else ""
        if not run.finished and not early:
            early = t["fact_unfinished"]
        facts.append(t["fact_epochs"].format(run=run.label, done=run.metrics.get("epochs_done", len(run.history)),
                                             planned=run.metrics.get("epochs_planned", "?"), early=early,
                                             best=run.metrics["best"]["epoch"]))
    gaps = ", ".join(f"{r.label} {numbers.points(r.metrics['last']['train_acc'] - r.metrics['last']['val_acc'])} "
                     f"{t['points']}" for r in runs)
    facts.append(t["fact_gap"].format(gaps=gaps))
    if all(r.metrics.get("parameters") is not None for r in runs):
        facts.append(t["fact_params"].format(params=", ".join(f"{r.label} {numbers.count(r.metrics['parameters'])}"
                                                              for r in runs)))
    if all("seconds" in r.history for r in runs):
        facts.append(t["fact_time"].format(times=", ".join(
            f"{r.label} {numbers.seconds(r.history['seconds'].sum())} s ({r.metrics.get('device', '?')}, "
            f"{r.metrics.get('precision', '?')})" for r in runs)))
    if len(runs) > 1:
        differing = differing_hyperparameters(runs, ignore=("model",))
        facts.append(t["fact_diff_config"].format(keys=", ".join(differing)) if differing
                     else t["fact_same_config"])
    if data_report is not None and data_report.get("val_with_duplicate_in_train") is not None:
        leaked = data_report["val_with_duplicate_in_train"]
        n = len(leaked) if isinstance(leaked, (list, tuple, dict)) else int(leaked)
        facts.append(t["fact_leakage_ok" if n == 0 else "fact_leakage_bad"].format(n=n))
    return facts


def comparison_facts(reference: RunResult, others: Sequence[RunResult], t: Mapping[str, str]) -> list[str]:
    """Val accuracy (with its 95% interval) at the best and the last epoch and the final train loss of each of
    ``others`` against ``reference``, in the sentences of ``t`` (the report's table in one language)."""
    facts = []
    a, ma = reference.label, reference.metrics
    for other in others:
        b, mb = other.label, other.metrics
        for point, key in (("best", "fact_best"), ("last", "fact_last")):
            facts.append(t[key].format(a=a, b=b, va=accuracy_with_interval(reference, ma[point]["val_acc"]),
                                       vb=accuracy_with_interval(other, mb[point]["val_acc"]), ea=ma[point]["epoch"],
                                       eb=mb[point]["epoch"],
                                       d=numbers.points(mb[point]["val_acc"] - ma[point]["val_acc"])))
        la, lb = ma["last"]["train_loss"], mb["last"]["train_loss"]
        facts.append(t["fact_train_loss"].format(a=a, b=b, la=numbers.loss(la), lb=numbers.loss(lb),
                                                 d=numbers.loss(lb - la, signed=True)))
    return facts


def accuracy_with_interval(run: RunResult, accuracy: float) -> str:
    """A val accuracy of ``run`` as the report's sentences write it: ``71.1% [52.1%, 83.3%]`` (its Wilson 95%
    interval, ``kit.tables.val_accuracy_interval``), the bare percentage before the run has predictions."""
    interval = val_accuracy_interval(run, accuracy)
    shown = numbers.percent(accuracy)
    return shown if interval is None else f"{shown} {numbers.percent_interval(interval.low, interval.high)}"


def analysis_section(ctx: ReportContext) -> str:
    """Measured facts as bullets, then the marked room for the group's own analysis (kept on regeneration)."""
    t = ctx.text
    facts = measured_facts(ctx.runs, ctx.data_report, ctx.language)
    return "\n".join([f"## {t['analysis']}", "", f"### {t['facts']}", "", *[f"- {f}" for f in facts], "",
                      f"### {t['own_analysis']}", "", keep_block("analysis", t["own_analysis_placeholder"])])
