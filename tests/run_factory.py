"""Fake but self-consistent run folders and workspaces for the plots/report tests.

Files follow the run-folder contract of ``kit.train.fit``: metrics.json's ``best``/``last`` entries are taken
from the history it writes, and predictions.csv's probabilities agree with its predictions, so tests derive
every expected number from these files instead of hard-coding it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

import kit

CONFIG = {"model": "resnet34", "model_options": {}, "epochs": 6, "batch_size": 16, "image_size": 32,
          "optimizer": "adamw", "lr": 3e-4, "momentum": 0.9, "weight_decay": 1e-4, "label_smoothing": 0.1,
          "scheduler": "cosine", "warmup_epochs": 1, "step_size": 10, "gamma": 0.1, "patience": None,
          "monitor": "val_loss", "seed": 0, "amp": "auto", "channels_last": "auto", "compile": False,
          "val_fraction": 0.2}


def val_filenames(n_val: int) -> list[str]:
    return [f"{i:04d}.jpg" for i in range(1, n_val + 1)]


def val_labels(n_val: int, classes=kit.CLASSES) -> list[str]:
    return [classes[i % len(classes)] for i in range(n_val)]


def write_run(runs_dir: Path, name: str, model: str, *, seed: int = 0, epochs: int = 6, epochs_done: int | None = None,
              n_val: int = 30, accuracy: float = 0.6, classes=kit.CLASSES, model_options: dict | None = None,
              config_changes: dict | None = None, stopped_early: bool = False, integer_labels: bool = False,
              device: str = "cpu") -> Path:
    """Write config.json, history.csv, metrics.json and (when all epochs are done) predictions.csv."""
    rng = np.random.default_rng(seed)
    run_dir = Path(runs_dir) / name
    run_dir.mkdir(parents=True, exist_ok=True)
    done = epochs if epochs_done is None else epochs_done
    config = {**CONFIG, "model": model, "model_options": model_options or {}, "epochs": epochs,
              **(config_changes or {})}
    (run_dir / "config.json").write_text(json.dumps(config, indent=2))

    epoch = np.arange(1, done + 1)
    train_loss = 1.6 * np.exp(-epoch / (3 + 5 * rng.random())) + 0.2 * rng.random(done)
    val_loss = train_loss + 0.1 + 0.3 * rng.random(done)
    train_acc = np.clip(0.2 + 0.7 * (1 - np.exp(-epoch / 3)) + 0.05 * rng.random(done), 0, 1)
    val_acc = np.clip(train_acc - 0.05 - 0.2 * rng.random(done), 0, 1)
    history = pd.DataFrame({"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc,
                            "val_loss": val_loss, "val_acc": val_acc, "lr": np.linspace(3e-4, 1e-6, done),
                            "seconds": 1 + rng.random(done), "images_per_s": 100 + 50 * rng.random(done)})
    history.to_csv(run_dir / "history.csv", index=False)

    def point(row: pd.Series) -> dict:
        return {"epoch": int(row["epoch"]), **{k: float(row[k]) for k in
                                                ("train_loss", "train_acc", "val_loss", "val_acc")}}

    finished = done == epochs or stopped_early
    metrics = {"model": model, "parameters": int(21_000_000 + rng.integers(0, 400_000)), "device": device,
               "precision": "fp32", "epochs_planned": epochs, "epochs_done": done, "finished": finished,
               "stopped_early": stopped_early, "best": point(history.loc[history["val_acc"].idxmax()]),
               "last": point(history.iloc[-1])}
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))

    if finished:
        labels = val_labels(n_val, classes)
        predictions = []
        for label in labels:
            if rng.random() < accuracy:
                predicted = label
            else:
                predicted = rng.choice([c for c in classes if c != label])
            logits = rng.normal(size=len(classes))
            logits[list(classes).index(predicted)] = logits.max() + 1 + rng.random()
            probabilities = np.exp(logits) / np.exp(logits).sum()
            predictions.append((label, str(predicted), probabilities))
        frame = pd.DataFrame({
            "filename": val_filenames(n_val),
            "label": [list(classes).index(l) if integer_labels else l for l, _, _ in predictions],
            "prediction": [list(classes).index(p) if integer_labels else p for _, p, _ in predictions],
            "correct": [l == p for l, p, _ in predictions],
            **{f"p_{c}": [p[i] for _, _, p in predictions] for i, c in enumerate(classes)},
        })
        frame.to_csv(run_dir / "predictions.csv", index=False)
    return run_dir


def write_images(folder: Path, filenames: list[str], size: int = 16) -> Path:
    """Tiny JPEGs named like the course's files, for the misclassified-image grid."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, filename in enumerate(filenames):
        color = ((37 * i) % 256, (91 * i) % 256, (151 * i) % 256)
        Image.new("RGB", (size, size), color).save(folder / filename, format="JPEG")
    return folder


def write_workspace(root: Path, n_val: int = 30, leakage: int = 0) -> Path:
    """A workspace with data_report.json, split.csv, data/train images and the runs plain34 and resnet34."""
    workspace = Path(root)
    classes = kit.CLASSES
    n_train = 4 * n_val
    train_names = [f"{i:04d}.jpg" for i in range(n_val + 1, n_val + n_train + 1)]
    split = pd.DataFrame({
        "filename": val_filenames(n_val) + train_names,
        "label": val_labels(n_val) + [classes[i % len(classes)] for i in range(n_train)],
        "split": ["val"] * n_val + ["train"] * n_train,
        "group": list(range(n_val + n_train)),
    })
    workspace.mkdir(parents=True, exist_ok=True)
    split.to_csv(workspace / "split.csv", index=False)
    per_class = split["label"].value_counts().reindex(classes).astype(int).to_dict()
    report = {"n_images": len(split), "per_class": per_class, "formats": {"JPEG": len(split) - 2, "WEBP": 2},
              "blank_rows": 3, "missing_files": ["0999.jpg"], "unreadable_files": [], "unlisted_files": [],
              "duplicate_groups": 4, "val_with_duplicate_in_train": leakage}
    (workspace / "data_report.json").write_text(json.dumps(report, indent=2))
    write_images(workspace / "data" / "train", val_filenames(n_val))
    write_run(workspace / "runs", "plain34", "plain34", seed=1, accuracy=0.4, n_val=n_val)
    write_run(workspace / "runs", "resnet34", "resnet34", seed=2, accuracy=0.7, n_val=n_val)
    return workspace
