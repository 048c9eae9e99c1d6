"""kit.runs: reading run folders and the tables built from them (fake run folders from run_factory)."""

import json

import numpy as np
import pandas as pd
import pytest

import kit
from kit.metrics import confusion
from kit.runs import (RunNotFoundError, comparison_table, differing_hyperparameters, f1_table,
                      hyperparameter_table, load_run, load_runs, per_class_table, run_summary_table)
from run_factory import write_run, write_workspace


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return write_workspace(tmp_path_factory.mktemp("workspace"))


def test_load_run_by_name_and_by_folder(workspace):
    by_name = load_run("resnet34", workspace)
    by_folder = load_run(workspace / "runs" / "resnet34")
    assert by_name.name == by_folder.name == "resnet34"
    assert by_name.label == "ResNet-34" and load_run("plain34", workspace).label == "Plain-34"
    assert by_name.metrics == json.loads((workspace / "runs/resnet34/metrics.json").read_text())
    pd.testing.assert_frame_equal(by_name.history, pd.read_csv(workspace / "runs/resnet34/history.csv"))
    assert by_name.classes == kit.CLASSES and by_name.finished


@pytest.mark.parametrize("name, notebook", [("plain34", "02_plain34.ipynb"), ("resnet34", "03_resnet34.ipynb"),
                                            ("resnet34_se", "05_modifications.ipynb")])
def test_missing_run_names_the_notebook_to_run(tmp_path, name, notebook):
    with pytest.raises(RunNotFoundError) as error:
        load_run(name, tmp_path)
    message = str(error.value)
    assert f"Run '{name}' not found in {tmp_path / 'runs'}" in message
    assert f"notebooks/{notebook} first" in message


def test_run_folder_without_metrics_is_reported(tmp_path):
    run_dir = write_run(tmp_path / "runs", "plain34", "plain34")
    (run_dir / "metrics.json").unlink()
    with pytest.raises(RunNotFoundError, match="has no metrics.json.*02_plain34"):
        load_run("plain34", tmp_path)


def test_broken_files_name_what_is_missing(tmp_path):
    run_dir = write_run(tmp_path / "runs", "plain34", "plain34")
    history = pd.read_csv(run_dir / "history.csv").drop(columns=["val_acc"])
    history.to_csv(run_dir / "history.csv", index=False)
    with pytest.raises(ValueError, match=r"history.csv: missing columns \['val_acc'\]"):
        load_run(run_dir)
    run_dir = write_run(tmp_path / "runs", "resnet34", "resnet34")
    predictions = pd.read_csv(run_dir / "predictions.csv")
    predictions.loc[0, "label"] = "pizza"
    predictions.to_csv(run_dir / "predictions.csv", index=False)
    with pytest.raises(ValueError, match="pizza"):
        load_run(run_dir)


def test_duplicate_run_names_are_refused(workspace):
    with pytest.raises(ValueError, match="unique"):
        load_runs(["plain34", workspace / "runs" / "plain34"], workspace)


def test_integer_labels_become_class_names(tmp_path):
    names = load_run(write_run(tmp_path / "a", "resnet34", "resnet34", seed=3))
    indices = load_run(write_run(tmp_path / "b", "resnet34", "resnet34", seed=3, integer_labels=True))
    pd.testing.assert_frame_equal(names.predictions, indices.predictions)


def test_comparison_table_equals_metrics_json(workspace):
    runs = load_runs(["plain34", "resnet34"], workspace)
    table = comparison_table(runs)
    assert list(table["point"]) == ["best", "last", "best", "last"]
    for run in runs:
        metrics = json.loads((run.run_dir / "metrics.json").read_text())
        for point in ("best", "last"):
            row = table[(table["run"] == run.label) & (table["point"] == point)].iloc[0]
            for key in ("epoch", "train_acc", "val_acc", "train_loss", "val_loss"):
                assert row[key] == metrics[point][key]
        # best really is the highest val acc of the history
        assert metrics["best"]["val_acc"] == run.history["val_acc"].max()


def test_run_summary_table(workspace):
    run = load_run("plain34", workspace)
    row = run_summary_table([run]).iloc[0]
    assert row["parameters"] == run.metrics["parameters"]
    assert row["train_seconds"] == pytest.approx(run.history["seconds"].sum())


def test_confusion_and_per_class_table_count_the_predictions(workspace):
    run = load_run("resnet34", workspace)
    predictions = run.predictions
    counts = confusion(run.require_predictions(), run.classes)
    assert counts.to_numpy().sum() == len(predictions)
    assert np.trace(counts.to_numpy()) == predictions["correct"].sum()
    normalized = confusion(run.require_predictions(), run.classes, normalize=True)
    np.testing.assert_allclose(normalized.sum(axis=1), 1.0)
    table = per_class_table(run)
    assert list(table.index) == [*kit.CLASSES, "macro avg"]
    assert table.loc["macro avg", "f1"] == pytest.approx(table.loc[list(kit.CLASSES), "f1"].mean())
    for cls in kit.CLASSES:
        true = predictions["label"] == cls
        predicted = predictions["prediction"] == cls
        assert table.loc[cls, "support"] == true.sum()
        assert table.loc[cls, "recall"] == pytest.approx((true & predicted).sum() / true.sum())
        if predicted.any():
            assert table.loc[cls, "precision"] == pytest.approx((true & predicted).sum() / predicted.sum())


def test_f1_table_difference(workspace):
    plain, resnet = load_runs(["plain34", "resnet34"], workspace)
    table = f1_table([plain, resnet])
    np.testing.assert_allclose(table["difference"], per_class_table(resnet)["f1"] - per_class_table(plain)["f1"])


def test_hyperparameter_table_from_config_json(tmp_path):
    write_run(tmp_path / "runs", "resnet34", "resnet34")
    write_run(tmp_path / "runs", "resnet34_se", "resnet34", model_options={"se": True},
              config_changes={"lr": 1e-3})
    runs = load_runs(["resnet34", "resnet34_se"], tmp_path)
    table = hyperparameter_table(runs)
    config = json.loads((tmp_path / "runs/resnet34/config.json").read_text())
    assert list(table.index) == list(config)
    assert table.loc["lr", "resnet34_se"] == "0.001" and table.loc["model_options", "resnet34_se"] == '{"se": true}'
    assert differing_hyperparameters(runs) == ["model_options", "lr"]


def test_unfinished_run_has_no_predictions_and_says_so(tmp_path):
    run = load_run(write_run(tmp_path / "runs", "plain34", "plain34", epochs=6, epochs_done=3))
    assert run.predictions is None and not run.finished
    with pytest.raises(RunNotFoundError, match=r"not finished \(3/6 epochs\).*02_plain34"):
        per_class_table(run)
