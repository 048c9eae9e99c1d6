"""How sure is a number? Intervals and paired tests for accuracies, built on scipy and statsmodels.

With ~218 validation images one image moves accuracy by ~0.5 points, so a difference between two runs means
little without its uncertainty. This module answers the questions the comparison tables ask, following
Dietterich (1998, "Approximate Statistical Tests for Comparing Supervised Classification Learning
Algorithms"), Raschka (2018, arXiv:1811.12808) and Bouthillier et al. (2021, arXiv:2103.03098):

- one accuracy: its Wilson score interval (``accuracy_interval``, or ``count_interval`` from counts);
- two models trained once, judged on the same images: the exact McNemar test (``mcnemar``) and a paired
  bootstrap interval of the accuracy difference (``paired_bootstrap``);
- two models over several seeds or folds: mean, standard deviation and a t interval of the paired differences
  (``paired_differences``), and for k-fold differences the Nadeau-Bengio corrected resampled t-test
  (``corrected_resampled_ttest``).

Every function takes plain arrays (booleans per image, numbers per seed/fold) and returns a small frozen
result; nothing here reads files or knows about runs (``kit.comparisons`` does). Free of torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import stats as scipy_stats
from statsmodels.stats.contingency_tables import mcnemar as statsmodels_mcnemar
from statsmodels.stats.proportion import proportion_confint

CONFIDENCE = 0.95
"""The confidence level of every interval the kit reports."""
N_RESAMPLES = 10_000
"""Bootstrap resamples: enough that the 95% interval's ends move by well under one image between seeds."""


@dataclass(frozen=True)
class Interval:
    """A point estimate and its confidence interval ``[low, high]`` (fractions for accuracies)."""

    estimate: float
    low: float
    high: float
    confidence: float = CONFIDENCE

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class McNemarResult:
    """The exact McNemar test on paired correctness.

    ``only_a``: images model A got right and model B wrong; ``only_b``: the reverse. Only these discordant
    images carry evidence; ``both``/``neither`` are shown so the table adds up to ``n``.
    """

    pvalue: float
    only_a: int
    only_b: int
    both: int
    neither: int

    @property
    def n(self) -> int:
        return self.only_a + self.only_b + self.both + self.neither

    @property
    def discordant(self) -> int:
        return self.only_a + self.only_b


@dataclass(frozen=True)
class PairedSummary:
    """Paired differences (``b - a``, one per seed or fold): their mean, sample std, t interval and p-value.

    ``low``/``high`` and ``pvalue`` are ``nan`` for fewer than two differences (no spread to judge by).
    """

    differences: tuple[float, ...]
    mean: float
    std: float
    low: float
    high: float
    pvalue: float
    confidence: float = CONFIDENCE

    @property
    def n(self) -> int:
        return len(self.differences)


def _correctness(values, name: str) -> np.ndarray:
    """A 1-d boolean array, or a ``ValueError`` naming the argument and what is wrong with it."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-d sequence of per-image correctness (True/False), got shape "
                         f"{array.shape}")
    if array.dtype != bool:
        if array.size and not np.isin(array, (0, 1)).all():
            raise ValueError(f"{name} must hold only True/False (or 1/0) per image, got values like "
                             f"{sorted(set(array.tolist()) - {0, 1})[:3]}")
        array = array.astype(bool)
    return array


def _paired(correct_a, correct_b) -> tuple[np.ndarray, np.ndarray]:
    a, b = _correctness(correct_a, "correct_a"), _correctness(correct_b, "correct_b")
    if len(a) != len(b):
        raise ValueError(f"correct_a and correct_b must describe the same images: got {len(a)} and {len(b)} values")
    if len(a) == 0:
        raise ValueError("correct_a and correct_b are empty: there are no images to compare on")
    return a, b


def _check_confidence(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), e.g. 0.95; got {confidence!r}")
    return float(confidence)


def accuracy_interval(correct: Sequence[bool], confidence: float = CONFIDENCE) -> Interval:
    """Accuracy (share of True) with its Wilson score interval (Wilson 1927, "Probable inference, the law of
    succession, and statistical inference"; statsmodels ``proportion_confint(method="wilson")``).

    Wilson's interval keeps its coverage near the nominal level for small n and for accuracies near 0 or 1,
    where the textbook normal (Wald) interval collapses (Brown, Cai & DasGupta 2001, "Interval Estimation for a
    Binomial Proportion").
    """
    correct = _correctness(correct, "correct")
    if len(correct) == 0:
        raise ValueError("correct is empty: an accuracy needs at least one image")
    return count_interval(int(correct.sum()), len(correct), confidence)


def count_interval(hits: int, n: int, confidence: float = CONFIDENCE) -> Interval:
    """``hits`` right out of ``n`` images as an accuracy with its Wilson score interval: what
    :func:`accuracy_interval` gives for the per-image outcomes, when only the counts are known (a val accuracy
    in metrics.json and the size of the val set)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a whole number of images >= 1, got {n!r}")
    if isinstance(hits, bool) or not isinstance(hits, (int, np.integer)) or not 0 <= hits <= n:
        raise ValueError(f"hits must be a whole number in 0..n ({n}), got {hits!r}")
    confidence = _check_confidence(confidence)
    low, high = proportion_confint(int(hits), int(n), alpha=1.0 - confidence, method="wilson")
    return Interval(estimate=int(hits) / int(n), low=float(low), high=float(high), confidence=confidence)


def mcnemar(correct_a: Sequence[bool], correct_b: Sequence[bool]) -> McNemarResult:
    """Exact two-sided McNemar test of "A and B are equally accurate" on the same images (McNemar 1947, "Note
    on the sampling error of the difference between correlated proportions"; recommended for two models
    trained once by Dietterich 1998, Sec. 3.2).

    Under the null hypothesis each discordant image (right for exactly one model) is equally likely to favour
    either model, so the smaller discordant count is binomial(discordant, 1/2); statsmodels'
    ``mcnemar(exact=True)`` gives the two-sided p-value. Ten discordant images all favouring one model give
    p = 2 * 0.5**10 = 0.00195; no discordant image gives p = 1.
    """
    a, b = _paired(correct_a, correct_b)
    table = [[int((a & b).sum()), int((a & ~b).sum())],
             [int((~a & b).sum()), int((~a & ~b).sum())]]
    result = statsmodels_mcnemar(table, exact=True)
    return McNemarResult(pvalue=float(result.pvalue), only_a=table[0][1], only_b=table[1][0], both=table[0][0],
                         neither=table[1][1])


def _accuracy_difference(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return b.mean(axis=axis) - a.mean(axis=axis)


def paired_bootstrap(correct_a: Sequence[bool], correct_b: Sequence[bool], *, seed: int = 0,
                     n_resamples: int = N_RESAMPLES, confidence: float = CONFIDENCE) -> Interval:
    """accuracy(B) - accuracy(A) with a paired bootstrap percentile interval (Efron & Tibshirani 1993, "An
    Introduction to the Bootstrap"; for comparing systems on one test set: Koehn 2004, Berg-Kirkpatrick et al.
    2012).

    Images are resampled with replacement, each keeping its pair of outcomes, so the interval reflects how much
    the difference depends on which images happened to land in the val set (scipy ``bootstrap(paired=True)``).
    ``seed`` makes the interval reproducible. When A and B are right on exactly the same images the difference
    is 0 on every resample and so is the interval.
    """
    a, b = _paired(correct_a, correct_b)
    confidence = _check_confidence(confidence)
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) or n_resamples < 100:
        raise ValueError(f"n_resamples must be a whole number >= 100, got {n_resamples!r}")
    estimate = float(_accuracy_difference(a, b))
    if np.array_equal(a, b):  # a degenerate bootstrap distribution: scipy would warn; the answer is exact
        return Interval(estimate=estimate, low=estimate, high=estimate, confidence=confidence)
    result = scipy_stats.bootstrap((a.astype(np.float64), b.astype(np.float64)), _accuracy_difference,
                                   paired=True, vectorized=True, n_resamples=int(n_resamples),
                                   confidence_level=confidence, method="percentile",
                                   rng=np.random.default_rng(seed))
    interval = result.confidence_interval
    return Interval(estimate=estimate, low=float(interval.low), high=float(interval.high), confidence=confidence)


def _differences(values, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-d sequence of numbers, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite numbers, got {array.tolist()}")
    return array


def paired_differences(values_a: Sequence[float], values_b: Sequence[float],
                       confidence: float = CONFIDENCE) -> PairedSummary:
    """``values_b - values_a`` pair by pair (same seed, or same fold): mean, sample standard deviation, the
    Student t interval of the mean difference and the paired t-test p-value (scipy ``ttest_rel``; Student
    1908). With the seed or fold as the pairing unit, this is the paired comparison recommended by Bouthillier
    et al. (2021) when runs vary their seed and data."""
    a, b = _differences(values_a, "values_a"), _differences(values_b, "values_b")
    if len(a) != len(b):
        raise ValueError(f"values_a and values_b must be paired (one per seed or fold): got {len(a)} and {len(b)}")
    return summarize_differences(b - a, confidence)


def summarize_differences(differences: Sequence[float], confidence: float = CONFIDENCE) -> PairedSummary:
    """Mean, sample std, t interval and one-sample t-test p-value of already paired differences (b - a)."""
    differences = _differences(differences, "differences")
    confidence = _check_confidence(confidence)
    n = len(differences)
    mean = float(differences.mean())
    if n < 2:
        return PairedSummary(tuple(differences.tolist()), mean, math.nan, math.nan, math.nan, math.nan, confidence)
    std = float(differences.std(ddof=1))
    if std == 0.0:  # every pair differs by the same amount: scipy's t statistic is undefined (0/0 or x/0)
        pvalue = 1.0 if mean == 0.0 else 0.0
        return PairedSummary(tuple(differences.tolist()), mean, 0.0, mean, mean, pvalue, confidence)
    test = scipy_stats.ttest_1samp(differences, 0.0)
    interval = test.confidence_interval(confidence_level=confidence)
    return PairedSummary(tuple(differences.tolist()), mean, std, float(interval.low), float(interval.high),
                         float(test.pvalue), confidence)


def corrected_resampled_ttest(differences: Sequence[float], test_to_train: float,
                              confidence: float = CONFIDENCE) -> PairedSummary:
    """The Nadeau-Bengio corrected resampled t-test of k-fold (or repeated hold-out) differences (Nadeau &
    Bengio 2003, "Inference for the Generalization Error", Machine Learning 52; Bouckaert & Frank 2004).

    The J differences share training images, so they are correlated and the plain t-test's variance
    ``s**2 / J`` is too small (its type-I error far above 5%). Nadeau and Bengio replace it with
    ``(1/J + n_test/n_train) * s**2``; the statistic is compared with Student's t on J - 1 degrees of freedom
    (scipy ``t``). ``test_to_train`` is ``n_test / n_train``: ``1 / (k - 1)`` for k folds of equal size.
    ``test_to_train=0`` gives back the plain paired t-test.
    """
    differences = _differences(differences, "differences")
    confidence = _check_confidence(confidence)
    if isinstance(test_to_train, bool) or not isinstance(test_to_train, (int, float)) or not (
            math.isfinite(test_to_train) and test_to_train >= 0):
        raise ValueError(f"test_to_train must be n_test / n_train (a number >= 0, 1/(k-1) for k folds), "
                         f"got {test_to_train!r}")
    n = len(differences)
    if n < 2:
        raise ValueError(f"the corrected resampled t-test needs at least two folds, got {n} difference(s)")
    mean = float(differences.mean())
    std = float(differences.std(ddof=1))
    standard_error = math.sqrt((1.0 / n + test_to_train) * std ** 2)
    distribution = scipy_stats.t(df=n - 1)
    if standard_error == 0.0:
        pvalue, low, high = (1.0 if mean == 0.0 else 0.0), mean, mean
    else:
        pvalue = float(2.0 * distribution.sf(abs(mean) / standard_error))
        half_width = float(distribution.ppf(0.5 + confidence / 2.0)) * standard_error
        low, high = mean - half_width, mean + half_width
    return PairedSummary(tuple(differences.tolist()), mean, std, low, high, pvalue, confidence)
