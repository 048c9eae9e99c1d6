"""kit.cross_validation: fold i trains on the other folds, two models compare fold by fold with the Nadeau-Bengio
correction, and the time of k folds x m models is computed from a run's measured speed."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from kit.config import Config
from kit.cross_validation import cross_validation_time, fold_comparison, fold_run_name, train_fold, training_seconds
from kit.runs import load_run
from kit.text import tr
from run_factory import write_run, write_workspace

pytestmark = pytest.mark.usefixtures("one_thread")


def test_fold_runs_are_named_as_the_sweep_names_them():
    assert fold_run_name("resnet34", 2, 0) == "resnet34-fold2-seed0"


def test_fold_i_trains_on_the_other_folds_and_is_judged_on_its_own(tmp_path):
    from kit.data import prepare

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the synthetic stand-in carries the course's defects on purpose
        prepared = prepare("synthetic", tmp_path, folds=3)
    config = Config(model="resnet18", epochs=1, batch_size=16, image_size=32, lr=2e-3, warmup_epochs=0, amp="off")
    run_dir = train_fold(config, 1, tmp_path, progress=False)
    assert run_dir.name == "resnet18-fold1-seed0"
    judged = set(load_run(run_dir).predictions["filename"])
    in_fold = prepared.split.loc[prepared.split["fold"] == 1, "filename"]
    assert judged == set(in_fold)
    modified = run_dir.joinpath("metrics.json").stat().st_mtime_ns
    assert train_fold(config, 1, tmp_path, progress=False) == run_dir  # finished: reused, not trained again
    assert run_dir.joinpath("metrics.json").stat().st_mtime_ns == modified
    with pytest.raises(ValueError):
        train_fold(config, 3, tmp_path, progress=False)  # there are folds 0..2 only


def test_folds_pair_and_the_test_is_corrected_for_shared_training_images(tmp_path):
    k = 4
    for fold in range(k):
        for model, accuracy in (("plain34", 0.4), ("resnet34", 0.7)):
            if fold == 3 and model == "resnet34":
                continue  # fold 3 not trained for ResNet-34 yet: left out
            write_run(tmp_path / "runs", fold_run_name(model, fold), model, seed=10 * fold + len(model),
                      accuracy=accuracy)
    result = fold_comparison(tmp_path, "plain34", "resnet34", folds=k)
    best = {m: [load_run(tmp_path / "runs" / fold_run_name(m, f)).metrics["best"]["val_acc"] for f in range(3)]
            for m in ("plain34", "resnet34")}
    differences = np.subtract(best["resnet34"], best["plain34"])
    assert result.table["fold"].tolist() == [0, 1, 2]
    np.testing.assert_allclose(result.table["difference"], differences)
    # Nadeau & Bengio (2003): variance (1/J + n_test/n_train) s^2 with n_test/n_train = 1/(k-1) for k folds
    s = differences.std(ddof=1)
    half = scipy_stats.t(df=2).ppf(0.975) * math.sqrt((1 / 3 + 1 / (k - 1)) * s ** 2)
    assert (result.summary.low, result.summary.high) == pytest.approx((differences.mean() - half,
                                                                      differences.mean() + half))
    plain_half = scipy_stats.t(df=2).ppf(0.975) * s / math.sqrt(3)
    assert result.summary.high - result.summary.low > 2 * plain_half  # wider than the uncorrected t interval
    sentence = result.describe("en")
    assert "ResNet-34 − Plain-34" in sentence and "3 of 4 folds" in sentence and "Nadeau-Bengio" in sentence
    shown = result.display_table("en")
    assert list(shown.columns) == ["Fold", "Plain-34", "ResNet-34", "Difference ResNet-34 − Plain-34 (points)"]

    empty = fold_comparison(tmp_path, "plain18", "resnet34", folds=k)
    assert empty.summary is None and empty.describe("en") == tr("cross_validation.folds_none", "en", a="Plain-18",
                                                                b="ResNet-34", n=0, k=k)


def test_the_time_of_k_folds_comes_from_the_runs_measured_speed(tmp_path):
    workspace = write_workspace(tmp_path)
    run = load_run("resnet34", workspace)
    split = pd.read_csv(workspace / "split.csv")
    estimate = cross_validation_time("resnet34", workspace, folds=5, models=2)
    images = len(split) * 4 // 5  # each fold trains on four fifths of the train and val images
    speed = run.history["images_per_s"].mean()
    assert estimate.seconds == pytest.approx(10 * run.config["epochs"] * images / speed)
    assert estimate.seconds == pytest.approx(10 * training_seconds(speed, run.config["epochs"], images))
    assert not estimate.on_t4 and "own measured speed" in estimate.describe("en") and "cpu" in estimate.describe("en")

    metrics = json.loads((run.run_dir / "metrics.json").read_text())
    (run.run_dir / "metrics.json").write_text(json.dumps({**metrics, "device": "cuda (Tesla T4)"}))
    on_t4 = cross_validation_time("resnet34", workspace)
    assert on_t4.on_t4 and "on a T4" in on_t4.describe("en") and "own measured speed" not in on_t4.describe("en")
    with pytest.raises(ValueError, match="images_per_s"):
        training_seconds(0.0, 10, 100)
