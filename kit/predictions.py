"""Predictions of a trained network: one row per image with its class probabilities, written as
``predictions.csv`` (val) and ``test_predictions.csv`` (the course's format) into the run folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from kit.checkpoint import load_checkpoint
from kit.config import Config
from kit.data.batches import Batches
from kit.env import autocast_dtype, default_device
from kit.files import atomic_write_text
from kit.metrics import to_course_format
from kit.models import build_model_for


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
        raise ValueError(f"The {split} batches hold {len(probabilities)} images but frame({split!r}) lists "
                         f"{len(frame)}.")
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


def evaluate_run(run_dir: str | Path, data: Batches, *, model: nn.Module | None = None,
                 device: str | torch.device | None = None) -> pd.DataFrame:
    """Load ``best.pt`` of a run, write ``predictions.csv`` (val) and, when test images exist,
    ``test_predictions.csv`` (course format); return the val predictions.

    ``model`` is the network to load the weights into; by default ``build_model_for`` builds it from the run's
    config.json.
    """
    run_dir = Path(run_dir).expanduser()
    config = Config.from_json(run_dir / "config.json")
    best = load_checkpoint(run_dir / "best.pt")
    if tuple(best["classes"]) != tuple(data.classes):
        raise ValueError(f"{run_dir} was trained on classes {best['classes']} but the data has {list(data.classes)}.")
    if model is None:
        model = build_model_for(config, len(data.classes))
    model.load_state_dict(best["model"])
    model.to(device if device is not None else default_device())

    predictions = predict(model, data, "val", amp=config.amp)
    atomic_write_text(run_dir / "predictions.csv", predictions.to_csv(index=False))
    if len(data.frame("test")):
        test = to_course_format(predict(model, data, "test", amp=config.amp))
        atomic_write_text(run_dir / "test_predictions.csv", test.to_csv(index=False))
    return predictions


def _label_name(value, classes: tuple[str, ...]) -> str:
    """Class name of a label given as name or index; '' for a missing label (-1, NaN, empty)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return ""
    if isinstance(value, (int, np.integer)):
        return classes[value] if 0 <= value < len(classes) else ""
    if value not in classes:
        raise ValueError(f"Label {value!r} is not one of the classes {classes}.")
    return str(value)
