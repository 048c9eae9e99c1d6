"""kit.comparisons: two finished runs, paired image by image, with intervals, McNemar and a verdict."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

import kit
from kit.comparisons import compare_runs, comparison_display_table, comparison_table, paired_outcomes
from kit.runs import load_run
from run_factory import write_run


def _set_outcomes(run_dir, correct):
    """Rewrite predictions.csv so that image i is predicted right exactly when ``correct[i]``."""
    path = run_dir / "predictions.csv"
    frame = pd.read_csv(path)
    assert len(frame) == len(correct)
    classes = list(kit.CLASSES)
    wrong = [classes[(classes.index(label) + 1) % len(classes)] for label in frame["label"]]
    frame["prediction"] = np.where(correct, frame["label"], wrong)
    frame["correct"] = correct
    frame.to_csv(path, index=False)


def _runs(tmp_path, correct_a, correct_b):
    runs = tmp_path / "runs"
    a = write_run(runs, "plain34", "plain34", n_val=len(correct_a))
    b = write_run(runs, "resnet34", "resnet34", n_val=len(correct_b))
    _set_outcomes(a, correct_a)
    _set_outcomes(b, correct_b)
    return a, b


def test_a_clear_difference_is_told_apart(tmp_path):
    # 40 images: 20 right for both, 2 only for Plain-34, 14 only for ResNet-34, 4 wrong for both
    correct_a = np.array([True] * 20 + [True] * 2 + [False] * 14 + [False] * 4)
    correct_b = np.array([True] * 20 + [False] * 2 + [True] * 14 + [False] * 4)
    _runs(tmp_path, correct_a, correct_b)
    comparison = compare_runs("plain34", "resnet34", tmp_path)
    assert (comparison.a, comparison.b, comparison.n_images) == ("Plain-34", "ResNet-34", 40)
    assert comparison.accuracy_a.estimate == pytest.approx(22 / 40)
    assert comparison.accuracy_b.estimate == pytest.approx(34 / 40)
    assert comparison.accuracy_b.low < 34 / 40 < comparison.accuracy_b.high
    assert comparison.difference.estimate == pytest.approx(12 / 40)
    assert 0 < comparison.difference.low < 0.3 < comparison.difference.high
    assert comparison.mcnemar.pvalue == pytest.approx(scipy_stats.binomtest(2, 16, 0.5).pvalue)
    assert comparison.distinguishable
    verdict = comparison.verdict("en")
    assert verdict.startswith("ResNet-34 is more accurate than Plain-34") and "+30.0" in verdict
    assert "dapat membedakan" in comparison.verdict("id") and "belum" not in comparison.verdict("id")


def test_a_small_difference_is_not_told_apart(tmp_path):
    correct_a = np.array([True] * 25 + [True] * 3 + [False] * 5 + [False] * 7)
    correct_b = np.array([True] * 25 + [False] * 3 + [True] * 5 + [False] * 7)
    _runs(tmp_path, correct_a, correct_b)
    comparison = compare_runs("plain34", "resnet34", tmp_path)
    assert comparison.mcnemar.pvalue == pytest.approx(scipy_stats.binomtest(3, 8, 0.5).pvalue)
    assert not comparison.distinguishable
    assert comparison.difference.low < 0 < comparison.difference.high
    assert "belum dapat membedakan" in comparison.verdict("id")
    assert "cannot tell the two models apart" in comparison.verdict("en")


def test_pairs_are_joined_by_file_name_not_by_row_order(tmp_path):
    correct = np.array([True, False] * 10)
    a, b = _runs(tmp_path, correct, correct)
    shuffled = pd.read_csv(b / "predictions.csv").sample(frac=1.0, random_state=0)
    shuffled.to_csv(b / "predictions.csv", index=False)
    comparison = compare_runs(a, b)
    assert comparison.mcnemar.discordant == 0 and comparison.difference.estimate == 0.0


def test_runs_on_different_images_are_refused(tmp_path):
    runs = tmp_path / "runs"
    write_run(runs, "plain34", "plain34", n_val=30)
    write_run(runs, "resnet34", "resnet34", n_val=34)
    with pytest.raises(ValueError, match="different val images: 0 .* 4 only in ResNet-34's"):
        kit.text.set_language("en")
        try:
            compare_runs("plain34", "resnet34", tmp_path)
        finally:
            kit.text.set_language(None)


def test_runs_that_disagree_on_a_label_are_refused(tmp_path):
    correct = np.array([True] * 10)
    a, b = _runs(tmp_path, correct, correct)
    frame = pd.read_csv(b / "predictions.csv")
    frame.loc[3, ["label", "prediction"]] = "rendang" if frame.loc[3, "label"] != "rendang" else "bakso"
    frame.to_csv(b / "predictions.csv", index=False)
    with pytest.raises(ValueError, match="0004.jpg"):
        paired_outcomes(load_run(a), load_run(b))


def test_tables_one_row_per_comparison(tmp_path):
    correct_a = np.array([True, False, True, True] * 5)
    correct_b = np.array([True, True, True, False] * 5)
    _runs(tmp_path, correct_a, correct_b)
    comparison = compare_runs("plain34", "resnet34", tmp_path)
    raw = comparison_table([comparison, comparison])
    assert len(raw) == 2
    assert raw.loc[0, "accuracy_a"] == pytest.approx(0.75) and raw.loc[0, "mcnemar_p"] == comparison.mcnemar.pvalue
    shown = comparison_display_table([comparison], language="en")
    assert shown.loc[0, "Accuracy A (95% interval)"].startswith("75.0% [")
    assert shown.loc[0, "Difference B − A (points, 95% interval)"].startswith("+0.0 [")
    assert "Kesimpulan" in comparison_display_table([comparison], language="id").columns
