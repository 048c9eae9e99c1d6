"""Can this val set tell two finished runs apart? One call per pair: ``compare_runs("plain34", "resnet34")``.

Both runs must have been evaluated on the same val images (their predictions.csv are joined by file name, and
runs evaluated on different images are refused). Each image then gives a pair of outcomes (right or wrong for
A, right or wrong for B), and ``kit.stats`` turns those pairs into the numbers of the comparison table:

- each accuracy with its Wilson 95% interval;
- accuracy(B) - accuracy(A) with its paired bootstrap 95% interval;
- the exact McNemar p-value (Dietterich 1998: the test for two models trained once);
- a verdict sentence in the student's language: the val set tells the two apart when McNemar's p < 0.05.

Reads only run folders (``kit.runs``); free of torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pandas as pd

from kit import numbers
from kit.runs import RunResult, load_run
from kit.stats import CONFIDENCE, N_RESAMPLES, Interval, McNemarResult, accuracy_interval, mcnemar, paired_bootstrap
from kit.text import table as text_table
from kit.text import tr

ALPHA = 0.05
"""McNemar p-values below this count as "this val set tells the two apart" (the conventional 5% level)."""
EXAMPLES = 3
"""File names quoted in an error message: enough to find the problem, short enough to read."""


@dataclass(frozen=True)
class Comparison:
    """Run B against run A on the same ``n_images`` val images (``difference`` is B - A)."""

    a: str
    b: str
    n_images: int
    accuracy_a: Interval
    accuracy_b: Interval
    difference: Interval
    mcnemar: McNemarResult
    alpha: float = ALPHA

    @property
    def distinguishable(self) -> bool:
        """Whether the exact McNemar test rejects "A and B are equally accurate" at level ``alpha``."""
        return self.mcnemar.pvalue < self.alpha

    def verdict(self, language: str | None = None) -> str:
        """One sentence saying whether this val set can tell the two runs apart, with the numbers behind it."""
        values = {"a": self.a, "b": self.b, "n": self.n_images, "difference": numbers.points(self.difference.estimate),
                  "low": numbers.points(self.difference.low), "high": numbers.points(self.difference.high),
                  "p": format_pvalue(self.mcnemar.pvalue)}
        if not self.distinguishable:
            return tr("stats.verdict_not_apart", language, **values)
        b_better = self.mcnemar.only_b > self.mcnemar.only_a
        better, worse = (self.b, self.a) if b_better else (self.a, self.b)
        return tr("stats.verdict_apart", language, better=better, worse=worse, **values)

    def row(self, language: str | None = None) -> dict:
        """The comparison as one table row: machine column names, accuracies as fractions (0..1)."""
        return {"a": self.a, "b": self.b, "n_images": self.n_images,
                "accuracy_a": self.accuracy_a.estimate, "accuracy_a_low": self.accuracy_a.low,
                "accuracy_a_high": self.accuracy_a.high,
                "accuracy_b": self.accuracy_b.estimate, "accuracy_b_low": self.accuracy_b.low,
                "accuracy_b_high": self.accuracy_b.high,
                "difference": self.difference.estimate, "difference_low": self.difference.low,
                "difference_high": self.difference.high,
                "only_a_correct": self.mcnemar.only_a, "only_b_correct": self.mcnemar.only_b,
                "mcnemar_p": self.mcnemar.pvalue, "distinguishable": self.distinguishable,
                "verdict": self.verdict(language)}


def format_pvalue(pvalue: float) -> str:
    """A p-value as it is read: three decimals, or ``< 0.001`` (smaller values are not resolved by a val set
    of a few hundred images anyway)."""
    return "< 0.001" if pvalue < 0.001 else f"{pvalue:.3f}"


def paired_outcomes(a: RunResult, b: RunResult) -> pd.DataFrame:
    """One row per val image both runs were evaluated on: ``filename``, ``label``, ``correct_a``, ``correct_b``.

    Raises ``ValueError`` (in the student's language) when either predictions.csv repeats a file name, when the
    two runs were evaluated on different images, or when they disagree about an image's label.
    """
    left, right = a.require_predictions(), b.require_predictions()
    for run, frame in ((a, left), (b, right)):
        repeated = frame.loc[frame["filename"].duplicated(), "filename"]
        if len(repeated):
            raise ValueError(tr("stats.duplicate_images", run=run.label, examples=_examples(repeated)))
    only_left = sorted(set(left["filename"]) - set(right["filename"]))
    only_right = sorted(set(right["filename"]) - set(left["filename"]))
    if only_left or only_right:
        raise ValueError(tr("stats.different_images", a=a.label, b=b.label, only_a=len(only_left),
                            only_b=len(only_right), examples_a=_examples(only_left) or "-",
                            examples_b=_examples(only_right) or "-"))
    joined = left[["filename", "label", "prediction"]].merge(
        right[["filename", "label", "prediction"]], on="filename", suffixes=("_a", "_b"), validate="one_to_one")
    disagree = joined.loc[joined["label_a"] != joined["label_b"], "filename"]
    if len(disagree):
        raise ValueError(tr("stats.different_labels", a=a.label, b=b.label, count=len(disagree),
                            examples=_examples(disagree)))
    return pd.DataFrame({"filename": joined["filename"], "label": joined["label_a"],
                         "correct_a": (joined["prediction_a"] == joined["label_a"]).to_numpy(),
                         "correct_b": (joined["prediction_b"] == joined["label_b"]).to_numpy()})


def compare_runs(a: str | Path | RunResult, b: str | Path | RunResult, workspace: str | Path | None = None, *,
                 seed: int = 0, n_resamples: int = N_RESAMPLES, confidence: float = CONFIDENCE,
                 alpha: float = ALPHA) -> Comparison:
    """Compare run ``b`` with run ``a`` (names in ``<workspace>/runs``, run folders, or loaded runs) on their
    common val images: accuracies with intervals, the difference B - A with its interval, McNemar's p.

    ``seed`` fixes the bootstrap, so the report shows the same interval every time it is regenerated.
    """
    run_a, run_b = load_run(a, workspace), load_run(b, workspace)
    outcomes = paired_outcomes(run_a, run_b)
    correct_a, correct_b = outcomes["correct_a"].to_numpy(), outcomes["correct_b"].to_numpy()
    return Comparison(a=run_a.label, b=run_b.label, n_images=len(outcomes),
                      accuracy_a=accuracy_interval(correct_a, confidence),
                      accuracy_b=accuracy_interval(correct_b, confidence),
                      difference=paired_bootstrap(correct_a, correct_b, seed=seed, n_resamples=n_resamples,
                                                  confidence=confidence),
                      mcnemar=mcnemar(correct_a, correct_b), alpha=alpha)


def comparison_table(comparisons: Sequence[Comparison], language: str | None = None) -> pd.DataFrame:
    """One :meth:`Comparison.row` per comparison: raw numbers, for code, tests and further tables."""
    return pd.DataFrame([comparison.row(language) for comparison in comparisons])


def comparison_display_table(comparisons: Sequence[Comparison], language: str | None = None) -> pd.DataFrame:
    """The comparisons as a student reads them: translated columns, accuracies in percent with their
    intervals, differences in points, the p-value and the verdict."""
    t = text_table("stats", language)

    def accuracy(interval: Interval) -> str:
        return (f"{numbers.percent(interval.estimate)} [{numbers.percent(interval.low)}, "
                f"{numbers.percent(interval.high)}]")

    return pd.DataFrame({
        t["model_a"]: [c.a for c in comparisons],
        t["model_b"]: [c.b for c in comparisons],
        t["n_images"]: [str(c.n_images) for c in comparisons],
        t["accuracy_a"]: [accuracy(c.accuracy_a) for c in comparisons],
        t["accuracy_b"]: [accuracy(c.accuracy_b) for c in comparisons],
        t["difference"]: [f"{numbers.points(c.difference.estimate)} [{numbers.points(c.difference.low)}, "
                          f"{numbers.points(c.difference.high)}]" for c in comparisons],
        t["only_a"]: [str(c.mcnemar.only_a) for c in comparisons],
        t["only_b"]: [str(c.mcnemar.only_b) for c in comparisons],
        t["mcnemar_p"]: [format_pvalue(c.mcnemar.pvalue) for c in comparisons],
        t["verdict"]: [c.verdict(language) for c in comparisons],
    })


def _examples(filenames) -> str:
    names = list(filenames)
    return ", ".join(map(str, names[:EXAMPLES])) + (" ..." if len(names) > EXAMPLES else "")
