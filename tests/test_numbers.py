"""kit.numbers: every kind of number is written one way, so a notebook, a figure and the report agree."""

import math

import pytest

from kit import numbers


def test_accuracy_is_a_percentage_with_one_decimal():
    assert numbers.percent(0.378049) == "37.8%"  # not 0.378049 beside 37.8%
    assert numbers.percent(1) == "100.0%" and numbers.percent(0.00049) == "0.0%"
    assert numbers.points(0.0234) == "+2.3" and numbers.points(-0.01) == "-1.0" and numbers.points(0) == "+0.0"


def test_scores_losses_counts_and_durations():
    assert numbers.f1(0.81234) == "0.812" and numbers.f1(0.0101, signed=True) == "+0.010"
    assert numbers.loss(0.812345) == "0.8123" and numbers.loss(-0.27431, signed=True) == "-0.2743"
    assert numbers.count(21_284_293) == "21\u202f284\u202f293" and numbers.count(150) == "150"
    assert numbers.seconds(9.26) == "9.3" and numbers.rate(126.4) == "126"


def test_mean_and_spread_in_one_unit():
    assert numbers.mean_std(0.294, 0.045, "val_acc") == "29.4 ± 4.5%"
    assert numbers.mean_std(0.023, 0.011, "val_acc", difference=True) == "+2.3 ± 1.1"
    assert numbers.mean_std(0.8123, 0.0123, "train_loss") == "0.8123 ± 0.0123"
    assert numbers.mean_std(0.5, math.nan, "val_acc") == "50.0%"  # one seed: no spread to show


def test_missing_numbers_are_a_dash_and_wrong_input_is_named():
    for write in (numbers.percent, numbers.points, numbers.f1, numbers.loss, numbers.count, numbers.seconds):
        assert write(None) == "-" and write(math.nan) == "-"
    with pytest.raises(TypeError, match="'abc'"):
        numbers.percent("abc")


def test_metric_names_choose_the_rule():
    assert numbers.metric(0.5, "val_acc") == numbers.percent(0.5)
    assert numbers.metric(0.5, "train_loss") == numbers.loss(0.5) == "0.5000"
    assert numbers.metric(0.5, "recall") == "0.500"
    with pytest.raises(ValueError, match="'epoch'"):
        numbers.metric(3, "epoch")
