"""Evidence beyond one run: repeated seeds, k-fold cross-validation, gradient flow and the degradation
experiment (notebook 06).

Each section is absent until its runs exist, so a report of notebook 04 carries no empty headings.
"""

from __future__ import annotations

import pandas as pd

from kit import degradation, experiments, numbers, plots, tables
from kit.cross_validation import fold_comparison
from kit.comparisons import format_pvalue
from kit.diagnostics import gradient_flow_table, has_gradient_norms
from kit.report.context import ReportContext
from kit.report.uncertainty import pair_uncertainty_lines
from kit.runs import display_name
from kit.stats import summarize_differences
from kit.tables import to_markdown


def seeds_section(ctx: ReportContext) -> str | None:
    """Mean ± std over seeds of the compared runs (runs ``<name>-seed<N>``, ``kit.experiments.run_seeds``) and
    the seed-paired difference last-minus-first; then the same for the runs that varied the split as well
    (``<name>-split<N>``, ``run_seeds(..., vary_split=True)``), a group of their own. Absent when neither exists."""
    parts = [part for part in (_seed_part(ctx, vary_split=False), _seed_part(ctx, vary_split=True)) if part]
    if not parts:
        return None
    return "\n\n".join([f"## {ctx.text['seeds']}", *parts])


def _seed_part(ctx: ReportContext, *, vary_split: bool) -> str | None:
    """The summary of one group of seed runs: on split.csv, or each seed on its own split (under a subheading)."""
    t = ctx.text
    names = [run.name for run in ctx.runs]
    title = [f"### {t['split_seeds']}", ""] if vary_split else []
    try:
        groups = {name: experiments.seed_runs(ctx.workspace, name, vary_split=vary_split) for name in names}
        if not any(groups.values()):
            return None
        best, last = (experiments.seed_summary(ctx.workspace, names, point=point, runs=groups)
                      for point in ("best", "last"))
    except ValueError as error:
        return "\n".join([*title, t["seed_problem"].format(error=error)])
    lines = [*title, t["split_seeds_note" if vary_split else "seeds_note"], "",
             to_markdown(tables.seed_summary_table(best, last, ctx.language)), ""]
    for _, row in best.iterrows():
        if row["unfinished"]:
            lines.append("- " + t["seed_unfinished"].format(run=row["label"],
                                                            seeds=", ".join(map(str, row["unfinished"]))))
    if len(names) > 1 and {names[0], names[-1]} <= set(best["name"]):
        lines += [f"- {fact}" for fact in _seed_difference_facts(ctx, names[0], names[-1], groups)]
    figure = plots.seed_curves({run.label: groups[run.name] for run in ctx.runs if groups[run.name]},
                               language=ctx.language)
    name, alt = ("split_seeds_val_acc", t["split_seeds"]) if vary_split else ("seeds_val_acc", t["seeds"])
    lines += ["", ctx.figure(figure, name, alt)]
    return "\n".join(lines)


def _seed_difference_facts(ctx: ReportContext, reference: str, other: str,
                           groups: experiments.SeedRuns) -> list[str]:
    """``other - reference`` paired by seed: val acc at the best and last epoch, final train loss; ``groups``
    holds the seed runs of both, already loaded."""
    t, c, a, b = ctx.text, ctx.columns, display_name(reference), display_name(other)
    try:
        differences = {point: experiments.paired_difference(ctx.workspace, reference, other, "val_acc", point,
                                                            runs=groups)
                       for point in ("best", "last")}
        loss = experiments.paired_difference(ctx.workspace, reference, other, "train_loss", "last", runs=groups)
    except (ValueError, FileNotFoundError):
        return []  # no finished seed in common yet: the table above shows which seeds exist
    facts = []
    for point, d in differences.items():
        per_seed = ", ".join(f"{seed}: {numbers.points(value)}" for seed, value in zip(d.seeds, d.differences))
        spread = summarize_differences(d.differences)  # the t interval of the mean per-seed difference
        facts.append(t["seed_difference" if d.n > 1 else "seed_difference_one"].format(
            a=a, b=b, point=c[point], mean=numbers.points(d.mean), std=numbers.points(d.std).lstrip("+"), n=d.n,
            low=numbers.points(spread.low), high=numbers.points(spread.high), p=format_pvalue(spread.pvalue)
            if d.n > 1 else numbers.MISSING, values=per_seed))
    if differences["best"].differing_config:
        facts.append(t["fact_diff_config"].format(keys=", ".join(differences["best"].differing_config)))
    if loss.n > 1:
        facts.append(t["seed_difference_loss"].format(a=a, b=b, mean=numbers.loss(loss.mean, signed=True),
                                                      std=numbers.loss(loss.std), n=loss.n))
    return facts


def folds_section(ctx: ReportContext) -> str | None:
    """The compared runs' cross-validation folds (runs ``<name>-fold<f>-seed<s>``, ``kit.cross_validation``):
    val accuracy fold by fold and the last run minus the first with the Nadeau-Bengio corrected interval;
    absent unless split.csv has folds and some fold is finished for both."""
    if ctx.split is None or "fold" not in ctx.split.columns or len(ctx.runs) < 2:
        return None
    k = int(ctx.split["fold"].max()) + 1
    reference, other = ctx.runs[0], ctx.runs[-1]
    result = fold_comparison(ctx.workspace, reference.name, other.name, seed=int(reference.config.get("seed", 0)),
                             folds=k)
    if result.table.empty:
        return None
    t = ctx.text
    return "\n".join([f"## {t['folds'].format(k=k)}", "", t["folds_note"], "",
                      to_markdown(result.display_table(ctx.language)), "", f"- {result.describe(ctx.language)}"])


def gradient_flow_section(ctx: ReportContext) -> str | None:
    """Per-block gradient norms of the compared runs (figure and table); absent when no run recorded them."""
    recorded = [run for run in ctx.runs if has_gradient_norms(run)]
    if not recorded:
        return None
    t, c = ctx.text, ctx.columns
    table = gradient_flow_table(recorded)
    norm = "{:.3g}".format  # norms span decades: three significant digits, not fixed decimals
    shown = pd.DataFrame({c["model"]: table["run"], t["gradient_point"]: table["point"],
                          "conv1": table["conv1"].map(norm), t["gradient_min"]: table["min_block"],
                          t["gradient_max"]: table["max_block"], "fc": table["fc"].map(norm),
                          "conv1/fc": table["stem_to_fc"].map(norm)})
    figure = plots.gradient_flow(recorded, language=ctx.language)
    return "\n".join([f"## {t['gradient_flow']}", "", t["gradient_flow_note"], "",
                      ctx.figure(figure, "gradient_flow", t["gradient_flow"]), "", to_markdown(shown)])


def degradation_section(ctx: ReportContext) -> str | None:
    """Plain/ResNet 18 vs 34 under one Config beside He et al. (2016), Table 2, with the Fig. 4 analogue;
    absent until all four runs exist (``kit.degradation.degradation_runs``)."""
    if not degradation.has_degradation_runs(ctx.workspace):
        return None
    t = ctx.text
    try:
        runs = degradation.load_degradation_runs(ctx.workspace)
        table = degradation.degradation_table(ctx.workspace, runs=runs)
    except ValueError as error:
        return "\n".join([f"## {t['degradation']}", "", t["degradation_problem"].format(error=error)])
    shown = tables.degradation_table(table, runs, ctx.language)
    lines = [f"## {t['degradation']}", "", t["degradation_note"].format(source=degradation.PAPER_SOURCE), "",
             to_markdown(shown), ""]
    for _, row in degradation.depth_effect(table).iterrows():
        family = "Plain" if row["family"] == "plain" else "ResNet"
        lines.append("- " + t["degradation_fact"].format(
            family=family, dl=numbers.loss(row["train_loss"], signed=True),
            dt=numbers.points(row["train_acc_points"] / 100), dv=numbers.points(row["val_acc_points"] / 100),
            dp=f"{row['paper_top1_error_points']:+.2f}"))
    by_model = dict(zip(degradation.DEGRADATION_MODELS, runs))
    lines += pair_uncertainty_lines([(by_model[f"{family}18"], by_model[f"{family}34"])
                                     for family in ("plain", "resnet")], ctx.language)
    lines += ["", ctx.figure(plots.degradation_curves(runs, language=ctx.language), "degradation_curves",
                             t["degradation"])]
    return "\n".join(lines)

