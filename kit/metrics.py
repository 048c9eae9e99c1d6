"""Scores of a predictions table (one row per image): confusion matrix, per-class scores, accuracy, the test.csv
format.

The scores come from scikit-learn, so they mean exactly what its documentation says. The table is what
``kit.predictions.evaluate_run`` writes as ``predictions.csv`` into a run folder; plots and the report read that
file. Free of torch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support


def confusion(predictions: pd.DataFrame, classes: tuple[str, ...] | list[str], *,
              normalize: bool = False) -> pd.DataFrame:
    """Confusion matrix of the labelled rows: rows are true classes, columns predicted ones.

    ``normalize=True`` divides each row by its count (each row sums to 1: the recall of that class on the
    diagonal).
    """
    labelled = _labelled(predictions)
    matrix = confusion_matrix(labelled["label"], labelled["prediction"], labels=list(classes),
                              normalize="true" if normalize else None)
    if normalize:
        matrix = np.nan_to_num(matrix)  # a class absent from the split has an empty row, not NaNs
    return pd.DataFrame(matrix, index=pd.Index(list(classes), name="true"),
                        columns=pd.Index(list(classes), name="predicted"))


def per_class_scores(predictions: pd.DataFrame, classes: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Precision, recall, F1 and support per class, plus a ``macro avg`` row (scikit-learn, zero_division=0)."""
    labelled = _labelled(predictions)
    y_true, y_pred = labelled["label"], labelled["prediction"]
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=list(classes),
                                                                     zero_division=0)
    table = pd.DataFrame({"precision": precision, "recall": recall, "f1": f1, "support": support},
                         index=pd.Index(list(classes), name="class"))
    macro = precision_recall_fscore_support(y_true, y_pred, labels=list(classes), average="macro", zero_division=0)
    table.loc["macro avg"] = [macro[0], macro[1], macro[2], int(support.sum())]
    table["support"] = table["support"].astype(int)
    return table


def accuracy(predictions: pd.DataFrame) -> float:
    """Share of labelled rows predicted correctly."""
    labelled = _labelled(predictions)
    return float((labelled["label"] == labelled["prediction"]).mean())


def to_course_format(predictions: pd.DataFrame) -> pd.DataFrame:
    """The course's submission format for ``test.csv``: ``filename,label`` with the predicted class."""
    return pd.DataFrame({"filename": predictions["filename"], "label": predictions["prediction"]})


def _labelled(predictions: pd.DataFrame) -> pd.DataFrame:
    labelled = predictions[predictions["label"].fillna("").astype(str) != ""]
    if labelled.empty:
        raise ValueError("The predictions hold no labelled rows (test images have no labels to score against).")
    return labelled
