"""Evaluation of a trained run: per-image predictions, confusion matrix, per-class scores, test.csv predictions.

The scores come from scikit-learn, so they mean exactly what its documentation says. Everything here works on a
predictions table (one row per image), which ``evaluate_run`` writes as ``predictions.csv`` into the run folder;
plots and the report read that file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from torch import nn

from kit.config import Config
from kit.env import autocast_dtype, default_device
from kit.models import build_model
from kit.files import atomic_write_text
from kit.train import load_checkpoint

if TYPE_CHECKING:
    from kit.data.batches import Batches


def predict(model: nn.Module, data: Batches, split: str = "val", *, amp: str = "auto") -> pd.DataFrame:
    """One row per image of ``split``: ``filename, label, prediction, correct, p_<class>...``.

    ``p_<class>`` are softmax probabilities; ``correct`` is empty (``<NA>``) for unlabelled (test) images.
    """
    frame = data.frame(split).reset_index(drop=True)
    classes = tuple(data.classes)
    device = next(model.parameters()).device
    dtype = autocast_dtype(device) if amp == "auto" else None
    model.eval()
    chunks = []
    with torch.inference_mode():
        for images, _ in data.eval_batches(split):
            with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
                logits = model(images.to(device))
            chunks.append(logits.float().softmax(dim=1).cpu())
    probabilities = torch.cat(chunks).numpy() if chunks else np.zeros((0, len(classes)), dtype=np.float32)
    if len(probabilities) != len(frame):
        raise ValueError(f"The {split} batches hold {len(probabilities)} images but frame({split!r}) lists {len(frame)}.")
    labels = [_label_name(value, classes) for value in frame["label"]] if "label" in frame else [""] * len(frame)
    predicted = [classes[i] for i in probabilities.argmax(axis=1)] if len(frame) else []
    table = pd.DataFrame({
        "filename": frame["filename"].astype(str),
        "label": labels,
        "prediction": predicted,
        "correct": pd.array([None if not label else label == guess for label, guess in zip(labels, predicted)],
                            dtype="boolean"),
    })
    for index, name in enumerate(classes):
        table[f"p_{name}"] = probabilities[:, index].astype(np.float64)
    return table


def confusion(predictions: pd.DataFrame, classes: tuple[str, ...] | list[str], *, normalize: bool = False) -> pd.DataFrame:
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


def evaluate_run(run_dir: str | Path, data: Batches, *, model: nn.Module | None = None,
                 device: str | torch.device | None = None) -> pd.DataFrame:
    """Load ``best.pt`` of a run, write ``predictions.csv`` (val) and, when test images exist,
    ``test_predictions.csv`` (course format); return the val predictions.

    ``model`` is the network to load the weights into (needed for a model that ``build_model`` cannot build
    from ``config.json``); by default it is built from the run's config.
    """
    run_dir = Path(run_dir).expanduser()
    config = Config.from_json(run_dir / "config.json")
    best = load_checkpoint(run_dir / "best.pt")
    if tuple(best["classes"]) != tuple(data.classes):
        raise ValueError(f"{run_dir} was trained on classes {best['classes']} but the data has {list(data.classes)}.")
    if model is None:
        model = build_model(config.model, len(data.classes), **config.model_options)
    model.load_state_dict(best["model"])
    model.to(device if device is not None else default_device())

    predictions = predict(model, data, "val", amp=config.amp)
    atomic_write_text(run_dir / "predictions.csv", predictions.to_csv(index=False))
    if len(data.frame("test")):
        test = to_course_format(predict(model, data, "test", amp=config.amp))
        atomic_write_text(run_dir / "test_predictions.csv", test.to_csv(index=False))
    return predictions


def _labelled(predictions: pd.DataFrame) -> pd.DataFrame:
    labelled = predictions[predictions["label"].fillna("").astype(str) != ""]
    if labelled.empty:
        raise ValueError("The predictions hold no labelled rows (test images have no labels to score against).")
    return labelled


def _label_name(value, classes: tuple[str, ...]) -> str:
    """Class name of a label given as name or index; '' for a missing label (-1, NaN, empty)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return ""
    if isinstance(value, (int, np.integer)):
        return classes[value] if 0 <= value < len(classes) else ""
    if value not in classes:
        raise ValueError(f"Label {value!r} is not one of the classes {classes}.")
    return str(value)
