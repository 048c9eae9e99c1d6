"""Cross-validation from a notebook: train fold i of split.csv, compare two models fold by fold, and know what
it costs before starting.

One split judges a model on one set of ~200 val images; k-fold cross-validation judges it on every image once,
each time trained on the other folds (``kit data --folds K`` / ``kit.data.prepare(..., folds=K)`` writes the
grouped, stratified ``fold`` column). Two models trained on the same folds pair fold by fold, and because the
folds share training images their differences are correlated: the Nadeau-Bengio corrected resampled t-test
(``kit.stats.corrected_resampled_ttest``, test/train = 1/(k-1)) accounts for that where a plain t-test would
be far too sure (Nadeau & Bengio 2003; Bouckaert & Frank 2004).

Runs are named ``<model>-fold<f>-seed<s>``, as ``kit sweep --folds`` names them, so a sweep on a cluster and a
notebook on Colab fill the same table. Before training, :func:`cross_validation_time` turns a finished run's own
measured speed into the time k folds x m models will take on the same device.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd
import torch

from kit import numbers
from kit.comparisons import format_pvalue
from kit.config import Config
from kit.data import load_prepared
from kit.experiments import batches_factory, seed_run_name, train_or_reuse
from kit.runs import RunResult, display_name, load_run
from kit.stats import PairedSummary, corrected_resampled_ttest
from kit.text import tr

T4 = "T4"
"""The GPU of Colab's free tier, as torch names it (``Tesla T4``): estimates measured on it are the students'."""


def fold_run_name(model: str, fold: int, seed: int = 0) -> str:
    """``resnet34``, fold 2, seed 0 -> ``resnet34-fold2-seed0`` (the name ``kit sweep --folds`` gives it)."""
    return seed_run_name(f"{model}-fold{fold}", seed)


def train_fold(config: Config, fold: int, workspace: str | Path, *, device: str | torch.device | None = None,
               progress: bool = True) -> Path:
    """Train ``config`` on cross-validation fold ``fold`` of the workspace's split.csv (its images val, the other
    folds' train) into run ``fold_run_name(config.model, fold, config.seed)``; a finished run is reused, an
    interrupted one resumed (``kit.experiments.train_or_reuse``). Returns the run folder. Without a fold column
    in split.csv, the ValueError says how to make one."""
    prepared = load_prepared(workspace).for_fold(fold)
    data = batches_factory(prepared, device=device, progress=progress)
    return train_or_reuse(config, workspace, fold_run_name(config.model, fold, config.seed), data, device=device,
                          progress=progress)


def train_folds(config: Config, models: Sequence[str], folds: Iterable[int], workspace: str | Path, *,
                device: str | torch.device | None = None, progress: bool = True) -> list[Path]:
    """:func:`train_fold` for every fold of ``folds`` and every model of ``models`` (fold by fold, so an
    interrupted session leaves whole folds to compare)."""
    return [train_fold(config.replace(model=model), fold, workspace, device=device, progress=progress)
            for fold in folds for model in models]


@dataclass(frozen=True)
class FoldComparison:
    """``other - reference`` val accuracy fold by fold, with the Nadeau-Bengio corrected test.

    ``table``: one row per fold both finished: ``fold``, ``reference``, ``other`` (val accuracy at the best
    epoch, fractions) and ``difference``. ``summary``: mean, std, corrected 95% interval and p-value of the
    differences (None for fewer than two folds).
    """

    reference: str
    other: str
    folds: int
    table: pd.DataFrame
    summary: PairedSummary | None

    def describe(self, language: str | None = None) -> str:
        """One sentence: the mean difference, its corrected interval and p, or which folds are still missing."""
        values = {"a": self.reference, "b": self.other, "n": len(self.table), "k": self.folds}
        if self.summary is None:
            return tr("cross_validation.folds_none" if self.table.empty else "cross_validation.folds_one",
                      language, **values)
        s = self.summary
        return tr("cross_validation.folds_summary", language, mean=numbers.points(s.mean),
                  std=numbers.points(s.std).lstrip("+"), low=numbers.points(s.low), high=numbers.points(s.high),
                  p=format_pvalue(s.pvalue), **values)

    def display_table(self, language: str | None = None) -> pd.DataFrame:
        """The folds as a student reads them: each model's val accuracy and the difference in points."""
        return pd.DataFrame({
            tr("cross_validation.fold", language): self.table["fold"].astype(str),
            self.reference: self.table["reference"].map(numbers.percent),
            self.other: self.table["other"].map(numbers.percent),
            tr("cross_validation.difference", language, a=self.reference, b=self.other):
                self.table["difference"].map(numbers.points),
        })


def fold_comparison(workspace: str | Path, reference: str = "plain34", other: str = "resnet34", *, seed: int = 0,
                    folds: int | None = None) -> FoldComparison:
    """Compare the fold runs of ``other`` with those of ``reference`` (val accuracy at the best epoch), paired by
    fold. ``folds``: k of split.csv (read from the workspace when None). Folds without both runs finished are
    left out; the summary needs two folds."""
    workspace = Path(workspace)
    k = load_prepared(workspace).folds if folds is None else int(folds)
    if not k:
        raise ValueError(f"{workspace / 'split.csv'} has no fold column: run kit data --folds 5 first")
    rows = []
    for fold in range(k):
        values = {}
        for name in (reference, other):
            run_dir = workspace / "runs" / fold_run_name(name, fold, seed)
            if (run_dir / "metrics.json").is_file():
                run = load_run(run_dir)
                if run.finished:
                    values[name] = float(run.metrics["best"]["val_acc"])
        if len(values) == 2:
            rows.append({"fold": fold, "reference": values[reference], "other": values[other],
                         "difference": values[other] - values[reference]})
    table = pd.DataFrame(rows, columns=["fold", "reference", "other", "difference"])
    summary = corrected_resampled_ttest(table["difference"], 1.0 / (k - 1)) if len(table) > 1 else None
    return FoldComparison(reference=display_name(reference), other=display_name(other), folds=k, table=table,
                          summary=summary)


@dataclass(frozen=True)
class TimeEstimate:
    """How long ``folds`` x ``models`` trainings of ``epochs`` epochs over ``images`` training images each take at
    the speed ``images_per_s`` that run ``run`` measured on ``device``."""

    run: str
    folds: int
    models: int
    epochs: int
    images: int
    images_per_s: float
    device: str

    @property
    def runs(self) -> int:
        return self.folds * self.models

    @property
    def seconds(self) -> float:
        return training_seconds(self.images_per_s, self.epochs, self.images) * self.runs

    @property
    def on_t4(self) -> bool:
        """Whether the speed was measured on Colab's T4, so the estimate is the students' own."""
        return T4 in self.device

    def describe(self, language: str | None = None) -> str:
        """The estimate in one sentence, saying on which device its speed was measured."""
        return tr("cross_validation.time_t4" if self.on_t4 else "cross_validation.time_other", language,
                  folds=self.folds, models=self.models, runs=self.runs, epochs=self.epochs,
                  images=numbers.count(self.images), minutes=numbers.minutes(self.seconds), device=self.device,
                  run=self.run, speed=numbers.rate(self.images_per_s))

    def __str__(self) -> str:
        return self.describe()


def training_seconds(images_per_s: float, epochs: int, images: int) -> float:
    """Seconds one run takes to train ``epochs`` epochs over ``images`` images at ``images_per_s`` (evaluation
    and start-up come on top: an estimate from below)."""
    if not (isinstance(images_per_s, (int, float)) and math.isfinite(images_per_s) and images_per_s > 0):
        raise ValueError(f"images_per_s must be a measured speed > 0, got {images_per_s!r}")
    return epochs * images / images_per_s


def cross_validation_time(run: str | Path | RunResult, workspace: str | Path | None = None, *, folds: int = 5,
                          models: int = 2) -> TimeEstimate:
    """What ``folds`` folds x ``models`` models take with ``run``'s Config (its epochs) at ``run``'s own measured
    training speed (mean ``images_per_s`` of its history.csv) on the device it ran on. Each fold trains on
    (k-1)/k of the train and val images of the workspace's split.csv (the run's workspace by default)."""
    run = load_run(run, workspace)
    workspace = Path(workspace) if workspace is not None else run.run_dir.parent.parent
    split = pd.read_csv(workspace / "split.csv")
    pool = int((split["split"] != "test").sum())
    speed = float(run.history["images_per_s"].mean()) if "images_per_s" in run.history else math.nan
    return TimeEstimate(run=run.label, folds=folds, models=models, epochs=int(run.config["epochs"]),
                        images=pool * (folds - 1) // folds, images_per_s=speed,
                        device=str(run.metrics.get("device") or "?"))
