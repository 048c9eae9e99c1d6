"""kit.stats agrees with scipy/statsmodels and with values computed by hand."""

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from kit.stats import (accuracy_interval, corrected_resampled_ttest, mcnemar, paired_bootstrap, paired_differences,
                       summarize_differences)


def _pairs(both, only_a, only_b, neither):
    """Correctness arrays with the given counts of (A right, B right) outcomes, shuffled."""
    a = [True] * both + [True] * only_a + [False] * only_b + [False] * neither
    b = [True] * both + [False] * only_a + [True] * only_b + [False] * neither
    order = np.random.default_rng(0).permutation(len(a))
    return np.array(a)[order], np.array(b)[order]


def test_mcnemar_ten_discordant_pairs_all_one_way():
    a, b = _pairs(both=50, only_a=0, only_b=10, neither=20)
    result = mcnemar(a, b)
    assert result.pvalue == pytest.approx(2 * 0.5 ** 10)  # 0.00195
    assert (result.only_a, result.only_b, result.both, result.neither) == (0, 10, 50, 20)
    assert result.n == 80 and result.discordant == 10


@pytest.mark.parametrize("only_a, only_b", [(3, 12), (7, 9), (0, 1), (20, 5)])
def test_mcnemar_is_the_exact_binomial_test_on_discordant_images(only_a, only_b):
    a, b = _pairs(both=30, only_a=only_a, only_b=only_b, neither=10)
    expected = scipy_stats.binomtest(only_a, only_a + only_b, 0.5).pvalue
    assert mcnemar(a, b).pvalue == pytest.approx(expected)
    assert mcnemar(b, a).pvalue == pytest.approx(expected)  # symmetric


def test_mcnemar_without_discordant_images_finds_nothing():
    a, b = _pairs(both=10, only_a=0, only_b=0, neither=5)
    assert mcnemar(a, b).pvalue == 1.0


def test_mcnemar_refuses_unpaired_or_non_boolean_input():
    with pytest.raises(ValueError, match="same images"):
        mcnemar([True, False], [True])
    with pytest.raises(ValueError, match="True/False"):
        mcnemar([0.3, 1.0], [1, 0])
    with pytest.raises(ValueError, match="empty"):
        mcnemar([], [])


def test_wilson_interval_matches_the_formula():
    correct = [True] * 7 + [False] * 3
    z = scipy_stats.norm.ppf(0.975)
    p, n = 0.7, 10
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    interval = accuracy_interval(correct)
    assert interval.estimate == pytest.approx(0.7)
    assert (interval.low, interval.high) == pytest.approx((centre - half, centre + half))
    assert (interval.low, interval.high) == pytest.approx((0.3968, 0.8922), abs=1e-4)


def test_wilson_interval_stays_inside_zero_one_at_the_edges():
    perfect = accuracy_interval([True] * 20)
    assert perfect.high == pytest.approx(1.0) and 0.8 < perfect.low < 1.0
    assert accuracy_interval([False] * 20).low == pytest.approx(0.0, abs=1e-12)


def test_paired_bootstrap_matches_the_normal_approximation_on_many_images():
    a, b = _pairs(both=600, only_a=60, only_b=140, neither=200)
    interval = paired_bootstrap(a, b, seed=1)
    differences = b.astype(float) - a.astype(float)
    half = 1.96 * differences.std(ddof=1) / math.sqrt(len(differences))
    assert interval.estimate == pytest.approx(differences.mean())  # (140 - 60) / 1000 = 0.08
    assert interval.low == pytest.approx(interval.estimate - half, abs=0.004)
    assert interval.high == pytest.approx(interval.estimate + half, abs=0.004)


def test_paired_bootstrap_is_reproducible_and_signed_b_minus_a():
    a, b = _pairs(both=40, only_a=2, only_b=8, neither=10)
    first, again = paired_bootstrap(a, b, seed=3), paired_bootstrap(a, b, seed=3)
    assert first == again
    assert first.estimate == pytest.approx(0.1) and first.low < 0.1 < first.high
    flipped = paired_bootstrap(b, a, seed=3)
    assert flipped.estimate == pytest.approx(-0.1)


def test_paired_bootstrap_of_identical_outcomes_is_exactly_zero():
    a, _ = _pairs(both=10, only_a=5, only_b=0, neither=5)
    interval = paired_bootstrap(a, a)
    assert (interval.estimate, interval.low, interval.high) == (0.0, 0.0, 0.0)


def test_paired_differences_agree_with_scipy_ttest_rel():
    a = [0.61, 0.58, 0.64, 0.60]
    b = [0.66, 0.63, 0.65, 0.67]
    summary = paired_differences(a, b)
    reference = scipy_stats.ttest_rel(b, a)
    low, high = reference.confidence_interval(0.95)
    assert summary.n == 4
    assert summary.mean == pytest.approx(np.mean(np.subtract(b, a)))
    assert summary.std == pytest.approx(np.std(np.subtract(b, a), ddof=1))
    assert summary.pvalue == pytest.approx(reference.pvalue)
    assert (summary.low, summary.high) == pytest.approx((low, high))


def test_one_difference_has_no_spread():
    summary = summarize_differences([0.02])
    assert summary.mean == pytest.approx(0.02)
    assert all(math.isnan(v) for v in (summary.std, summary.low, summary.high, summary.pvalue))


def test_corrected_resampled_ttest_by_hand():
    differences = [0.01, 0.03, 0.02, 0.04, 0.00]  # 5 folds: n_test / n_train = 1/4
    # mean 0.02, sample variance 0.001 / 4 = 0.00025; corrected SE = sqrt((1/5 + 1/4) * 0.00025)
    t = 0.02 / math.sqrt(0.45 * 0.00025)
    assert t == pytest.approx(1.885618, rel=1e-6)
    result = corrected_resampled_ttest(differences, test_to_train=1 / 4)
    assert result.pvalue == pytest.approx(2 * scipy_stats.t(4).sf(t))
    half = scipy_stats.t(4).ppf(0.975) * math.sqrt(0.45 * 0.00025)
    assert (result.low, result.high) == pytest.approx((0.02 - half, 0.02 + half))
    plain = summarize_differences(differences)
    assert result.pvalue > plain.pvalue  # the correction widens: overlapping training sets are not independent


def test_corrected_ttest_without_correction_is_the_plain_t_test():
    differences = [0.012, -0.004, 0.030, 0.021]
    assert corrected_resampled_ttest(differences, 0.0).pvalue == pytest.approx(
        scipy_stats.ttest_1samp(differences, 0.0).pvalue)


def test_corrected_ttest_refuses_bad_input():
    with pytest.raises(ValueError, match="test_to_train"):
        corrected_resampled_ttest([0.1, 0.2], -1)
    with pytest.raises(ValueError, match="two folds"):
        corrected_resampled_ttest([0.1], 0.25)
