"""How every number a student reads is written: one rule per kind of number, shared by tables, plots and report.

A val accuracy must read the same in the notebook table, the figure and the submission README ("37.8%", never
"0.378049" beside "37.8%"). The decimals follow what the data can resolve: one validation image of the course's
~200 moves accuracy by about half a point, so one decimal of a percent is already finer than the measurement;
F1 gets three decimals (it is a score in 0..1, as scikit-learn reports it); losses get four, enough to see the
small changes of late epochs. Digit groups in counts are separated by a narrow no-break space (ISO 80000-1),
which reads the same in Indonesian (where "." groups digits) and in English (where "," does).

Everything returns text; a missing value (``None`` or NaN) is written ``-``. Free of torch and matplotlib.
"""

from __future__ import annotations

import math
from typing import Any

ACCURACY_DECIMALS = 1
"""Decimals of an accuracy in percent, and of a difference of accuracies in percentage points."""
F1_DECIMALS = 3
LOSS_DECIMALS = 4
SECONDS_DECIMALS = 1
MISSING = "-"
DIGIT_GROUP_SEPARATOR = "\u202f"
"""Narrow no-break space: groups digits without meaning a decimal point in either language."""


def is_missing(value: Any) -> bool:
    """``None`` or NaN: a number the run did not record."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        raise TypeError(f"Expected a number, got {value!r} ({type(value).__name__})") from None


def percent(fraction: Any) -> str:
    """An accuracy (or error, or any share) given as a fraction in 0..1, as a percentage: ``0.378049`` ->
    ``"37.8%"``."""
    if is_missing(fraction):
        return MISSING
    return f"{100 * float(fraction):.{ACCURACY_DECIMALS}f}%"


def percent_interval(low: Any, high: Any) -> str:
    """A 95% interval of an accuracy (fractions) as ``"[50.1%, 70.3%]"``; ``-`` when either end is missing."""
    if is_missing(low) or is_missing(high):
        return MISSING
    return f"[{percent(low)}, {percent(high)}]"


def points(fraction_difference: Any) -> str:
    """A difference of two accuracies (fractions), signed, in percentage points: ``0.023`` -> ``"+2.3"``."""
    if is_missing(fraction_difference):
        return MISSING
    return f"{100 * float(fraction_difference):+.{ACCURACY_DECIMALS}f}"


def f1(score: Any, signed: bool = False) -> str:
    """An F1 score (or precision, recall) in 0..1 with three decimals; ``signed`` for a difference."""
    if is_missing(score):
        return MISSING
    return f"{float(score):{'+' if signed else ''}.{F1_DECIMALS}f}"


def loss(value: Any, signed: bool = False) -> str:
    """A cross-entropy loss with four decimals; ``signed`` for a difference."""
    if is_missing(value):
        return MISSING
    return f"{float(value):{'+' if signed else ''}.{LOSS_DECIMALS}f}"


def mean_std(mean: Any, std: Any, name: str, difference: bool = False) -> str:
    """A mean over seeds and its standard deviation as one text in one unit: ``"29.4 ± 4.5%"`` for an accuracy,
    ``"+2.3 ± 1.1"`` (percentage points) for a ``difference`` of accuracies, ``"0.8123 ± 0.0123"`` for a loss.
    A missing std (a single seed) leaves the ± part out."""
    accuracy = name.endswith("_acc")
    if accuracy:
        center = points(mean) if difference else percent(mean).removesuffix("%")
        spread = points(std).lstrip("+")
    else:
        center, spread = loss(mean, signed=difference), loss(std)
    text = center if is_missing(std) else f"{center} ± {spread}"
    return text + "%" if accuracy and not difference and not is_missing(mean) else text


def count(value: Any) -> str:
    """A whole number with grouped digits: ``21284293`` -> ``"21 284 293"`` (narrow no-break spaces)."""
    if is_missing(value):
        return MISSING
    return f"{int(value):,}".replace(",", DIGIT_GROUP_SEPARATOR)


def seconds(value: Any) -> str:
    """A duration in seconds with one decimal (the unit is named by the column or sentence)."""
    if is_missing(value):
        return MISSING
    return f"{float(value):.{SECONDS_DECIMALS}f}"


def minutes(seconds_value: Any) -> str:
    """A duration given in seconds as whole minutes (for estimates of hours of training, where seconds are
    noise): ``5412`` -> ``"90"``."""
    if is_missing(seconds_value):
        return MISSING
    return f"{float(seconds_value) / 60:.0f}"


def rate(value: Any) -> str:
    """A throughput such as images per second, whole."""
    if is_missing(value):
        return MISSING
    return f"{float(value):.0f}"


def metric(value: Any, name: str) -> str:
    """``value`` of the history/metrics column ``name``: ``*_acc`` as :func:`percent`, ``*_loss`` as
    :func:`loss`, ``f1``/``precision``/``recall`` as :func:`f1`."""
    if name.endswith("_acc"):
        return percent(value)
    if name.endswith("loss"):
        return loss(value)
    if name in ("f1", "precision", "recall"):
        return f1(value)
    raise ValueError(f"No number format for {name!r}: expected a name ending in _acc or loss, or f1, "
                     f"precision, recall")
