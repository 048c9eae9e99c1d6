"""How sure a comparison is: each accuracy with its 95% interval, the difference with its paired interval, and
McNemar's exact test, from the runs' predictions on the same validation images (``kit.comparisons``).

With ~200 validation images one image moves accuracy by ~0.5 points, so a comparison section shows, beside its
difference, whether this val set can tell the two runs apart (Dietterich 1998).
"""

from __future__ import annotations

from typing import Mapping, Sequence

from kit.comparisons import Comparison, compare_runs, comparison_display_table
from kit.runs import RunResult
from kit.tables import to_markdown
from kit.text import table

WILSON_1927 = ("Wilson, E. B. (1927). Probable Inference, the Law of Succession, and Statistical Inference. Journal "
               "of the American Statistical Association, 22(158), 209-212.")
MCNEMAR_1947 = ("McNemar, Q. (1947). Note on the Sampling Error of the Difference Between Correlated Proportions or "
                "Percentages. Psychometrika, 12(2), 153-157.")
DIETTERICH_1998 = ("Dietterich, T. G. (1998). Approximate Statistical Tests for Comparing Supervised Classification "
                   "Learning Algorithms. Neural Computation, 10(7), 1895-1923.")
EFRON_1993 = "Efron, B., & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall."
CITATIONS = (WILSON_1927, EFRON_1993, MCNEMAR_1947, DIETTERICH_1998)
"""The papers behind the intervals and the test, for the report's references."""


def comparable(reference: RunResult, others: Sequence[RunResult]) -> list[RunResult]:
    """The runs of ``others`` that can be compared image by image with ``reference`` (both have predictions)."""
    if reference.predictions is None:
        return []
    return [run for run in others if run.predictions is not None]


def uncertainty_lines(reference: RunResult, others: Sequence[RunResult], language: str) -> list[str]:
    """A subsection comparing each of ``others`` with ``reference``: :func:`pair_uncertainty_lines`."""
    return pair_uncertainty_lines([(reference, other) for other in others], language)


def pair_uncertainty_lines(pairs: Sequence[tuple[RunResult, RunResult]], language: str) -> list[str]:
    """A subsection comparing run B with run A for each pair ``(A, B)``: the table of intervals and p-values,
    then one verdict per pair; empty when no pair has predictions on both sides. A pair evaluated on different
    images gets a line saying why instead."""
    t: Mapping[str, str] = table("report", language)
    columns = table("stats", language)
    comparisons: list[Comparison] = []
    problems = []
    for a, b in pairs:
        if not comparable(a, [b]):
            continue
        try:
            comparisons.append(compare_runs(a, b))
        except ValueError as error:
            problems.append(f"- {t['uncertainty_problem'].format(a=a.label, b=b.label, error=error)}")
    if not comparisons and not problems:
        return []
    lines = ["", f"### {t['uncertainty']}", "", t["uncertainty_note"], ""]
    if comparisons:
        shown = comparison_display_table(comparisons, language).drop(columns=[columns["verdict"]])
        lines += [to_markdown(shown), "", *[f"- {c.verdict(language)}" for c in comparisons]]
    return lines + problems
