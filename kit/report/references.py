"""The papers the report cites: He et al. (2016) for the networks, and a paper for each technique the runs'
Config switches on (optimizer, schedule, label smoothing, early stopping, mixed precision, modifications)."""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from kit.models import describe_options
from kit.report.context import ReportContext
from kit.report.uncertainty import CITATIONS as STATISTICS_CITATIONS
from kit.report.uncertainty import comparable
from kit.runs import RunResult

HE_2016 = ("He, K., Zhang, X., Ren, S., & Sun, J. (2016). Deep Residual Learning for Image Recognition. CVPR, "
           "770-778. arXiv:1512.03385.")
IOFFE_2015 = ("Ioffe, S., & Szegedy, C. (2015). Batch Normalization: Accelerating Deep Network Training by Reducing "
              "Internal Covariate Shift. ICML. arXiv:1502.03167.")
CONFIG_CITATIONS: dict[tuple[str, object], str] = {
    ("optimizer", "adamw"): "Loshchilov, I., & Hutter, F. (2019). Decoupled Weight Decay Regularization. ICLR. "
                            "arXiv:1711.05101.",
    ("optimizer", "adam"): "Kingma, D. P., & Ba, J. (2015). Adam: A Method for Stochastic Optimization. ICLR. "
                           "arXiv:1412.6980.",
    ("optimizer", "sgd"): "Sutskever, I., Martens, J., Dahl, G., & Hinton, G. (2013). On the Importance of "
                          "Initialization and Momentum in Deep Learning. ICML.",
    ("scheduler", "cosine"): "Loshchilov, I., & Hutter, F. (2017). SGDR: Stochastic Gradient Descent with Warm "
                             "Restarts. ICLR. arXiv:1608.03983.",
    ("label_smoothing", True): "Szegedy, C., Vanhoucke, V., Ioffe, S., Shlens, J., & Wojna, Z. (2016). Rethinking "
                               "the Inception Architecture for Computer Vision. CVPR. arXiv:1512.00567.",
    ("patience", True): "Prechelt, L. (1998). Early Stopping - But When? In Neural Networks: Tricks of the Trade, "
                        "55-69. Springer.",
    ("precision", True): "Micikevicius, P., Narang, S., Alben, J., et al. (2018). Mixed Precision Training. ICLR. "
                         "arXiv:1710.03740.",
}
"""(Config field, value or True for "switched on") -> the paper behind it."""


def run_citations(run: RunResult) -> list[str]:
    """The papers behind the settings of one run: its optimizer and schedule, and label smoothing, early
    stopping and mixed precision when they were on."""
    config = run.config
    keys: list[tuple[str, object]] = [("optimizer", config.get("optimizer")), ("scheduler", config.get("scheduler"))]
    if (config.get("label_smoothing") or 0) > 0:
        keys.append(("label_smoothing", True))
    if config.get("patience") is not None:
        keys.append(("patience", True))
    if str(run.metrics.get("precision", "fp32")) in ("fp16", "bf16"):
        keys.append(("precision", True))
    return [CONFIG_CITATIONS[key] for key in keys if key in CONFIG_CITATIONS]


def _modification_uses(runs: Iterable[RunResult]) -> tuple[dict[str, list[str]], list[tuple[RunResult, Exception]]]:
    """Citation -> the runs (with their setting) that use it, from each run's ``model_options``; and the runs
    whose options are unknown to ``kit.models``."""
    used: dict[str, list[str]] = {}
    problems = []
    for run in runs:
        try:
            options = describe_options(**(run.config.get("model_options") or {}))
        except (TypeError, ValueError) as error:
            problems.append((run, error))
            continue
        for _, row in options.iterrows():
            option, value = row["option"], row["value"]
            setting = option if option.split("=")[-1] == value else f"{option} {value}"  # "activation=mish" once
            used.setdefault(row["citation"], []).append(f"{run.label} ({setting})")
    return used, problems


def modification_references(runs: Sequence[RunResult], t: Mapping[str, str]) -> list[str]:
    """A "References" subsection for the modification runs: one bullet per paper, naming the runs using it."""
    used, problems = _modification_uses(runs)
    if not used and not problems:
        return []
    return ["", f"### {t['references']}", "",
            *[f"- {citation} ({t['references_used_by']}: {', '.join(names)})" for citation, names in used.items()],
            *[f"- {t['references_problem'].format(run=run.label, error=error)}" for run, error in problems]]


def references_section(ctx: ReportContext) -> str:
    """Every paper the report cites, each once: He et al. (2016) and batch normalization (the networks and the
    degradation experiment), the papers behind the runs' settings and the comparisons' statistics, then those
    behind the modifications."""
    citations = [HE_2016, IOFFE_2015]
    for run in [*ctx.runs, *ctx.extra_runs]:
        citations += run_citations(run)
    if comparable(ctx.runs[0], ctx.runs[1:]) or comparable(ctx.runs[-1], ctx.extra_runs):
        citations += STATISTICS_CITATIONS
    citations += list(_modification_uses(ctx.extra_runs)[0])
    unique = list(dict.fromkeys(citations))
    return "\n".join([f"## {ctx.text['references']}", "", *[f"{i}. {c}" for i, c in enumerate(unique, start=1)]])
