"""kit.tables: the run tables in the student's language, with numbers written as kit.numbers writes them."""

import json

import pytest
from sklearn.metrics import precision_recall_fscore_support

from kit import numbers, tables
from kit.runs import load_runs
from kit.text import table
from run_factory import write_workspace


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    workspace = write_workspace(tmp_path_factory.mktemp("ws"))
    return load_runs(["plain34", "resnet34"], workspace)


@pytest.mark.parametrize("language", ["id", "en"])
def test_comparison_table_speaks_the_language_and_writes_percentages(runs, language):
    words = table("columns", language)
    shown = tables.comparison_table(runs, language)
    assert list(shown.columns) == [words[k] for k in ("model", "point", "epoch", "train_acc", "val_acc",
                                                       "val_acc_interval", "train_loss", "val_loss")]
    metrics = json.loads((runs[1].run_dir / "metrics.json").read_text())
    row = shown[(shown[words["model"]] == "ResNet-34") & (shown[words["point"]] == words["best"])].iloc[0]
    assert row[words["val_acc"]] == numbers.percent(metrics["best"]["val_acc"])
    assert row[words["train_loss"]] == numbers.loss(metrics["best"]["train_loss"])
    assert row[words["epoch"]] == str(metrics["best"]["epoch"])


def test_the_language_defaults_to_the_current_one(runs, monkeypatch):
    monkeypatch.setenv("KIT_LANGUAGE", "en")
    assert "Val acc" in tables.comparison_table(runs).columns
    monkeypatch.setenv("KIT_LANGUAGE", "id")
    assert "Akurasi val" in tables.comparison_table(runs).columns


def test_per_class_scores_equal_scikit_learn(runs):
    words = table("columns", "en")
    shown = tables.per_class_table(runs[0], "en").set_index(words["class"])
    predictions = runs[0].predictions
    precision, recall, f1, support = precision_recall_fscore_support(
        predictions["label"], predictions["prediction"], labels=list(runs[0].classes), zero_division=0)
    for i, name in enumerate(runs[0].classes):
        assert shown.loc[name, words["precision"]] == numbers.f1(precision[i])
        assert shown.loc[name, words["recall"]] == numbers.f1(recall[i])
        assert shown.loc[name, words["f1"]] == numbers.f1(f1[i])
        assert shown.loc[name, words["support"]] == str(support[i])
    assert shown.loc[words["macro_avg"], words["f1"]] == numbers.f1(f1.mean())


def test_f1_table_signs_its_difference(runs):
    shown = tables.f1_table(runs, "id").set_index("Kelas")
    difference = "selisih (ResNet-34 − Plain-34)"
    for name in runs[0].classes:
        plain, resnet = float(shown.loc[name, "Plain-34"]), float(shown.loc[name, "ResNet-34"])
        assert float(shown.loc[name, difference]) == pytest.approx(resnet - plain, abs=0.0011)
        assert shown.loc[name, difference][0] in "+-"


def test_run_summary_and_hyperparameters(runs):
    summary = tables.run_summary_table(runs, "en").set_index("Model")
    assert summary.loc["Plain-34", "Model parameters"] == numbers.count(runs[0].metrics["parameters"])
    assert summary.loc["Plain-34", "Epochs (done/planned)"] == "6/6"
    chosen = tables.hyperparameter_table(runs, "id", only=["lr", "model"])
    assert list(chosen["Parameter"]) == ["lr", "model"] and list(chosen["Plain-34"]) == ["0.0003", "plain34"]
    with pytest.raises(ValueError, match="learning_rate"):
        tables.hyperparameter_table(runs, only=["learning_rate"])


def test_markdown_keeps_cells_as_written_and_escapes_pipes(runs):
    import pandas as pd

    markdown = tables.to_markdown(pd.DataFrame({"F1": ["0.500"], "Seed": ["007"]}))
    assert "0.500" in markdown and "007" in markdown  # not re-read as the numbers 0.5 and 7
    frame = tables.comparison_table(runs, "en").assign(Model=["a|b"] * 4)
    assert "a\\|b" in tables.to_markdown(frame)
    assert all(cell in tables.to_markdown(frame) for cell in frame["Val acc"])  # "57.3%" stays "57.3%"


def test_val_accuracies_carry_their_wilson_interval(runs):
    import numpy as np

    from kit.stats import accuracy_interval

    words = table("columns", "en")
    shown = tables.comparison_table(runs, "en")
    assert list(shown.columns).index(words["val_acc_interval"]) == list(shown.columns).index(words["val_acc"]) + 1
    for run in runs:
        n = len(run.predictions)
        for point in ("best", "last"):
            accuracy = run.metrics[point]["val_acc"]
            hits = round(accuracy * n)
            interval = accuracy_interval(np.arange(n) < hits)  # the val set: hits right, the rest wrong
            row = shown[(shown[words["model"]] == run.label) & (shown[words["point"]] == words[point])].iloc[0]
            expected = f"[{numbers.percent(interval.low)}, {numbers.percent(interval.high)}]"
            assert row[words["val_acc_interval"]] == expected
    unfinished = runs[0].__class__(**{**runs[0].__dict__, "predictions": None})  # no val set size known yet
    assert set(tables.comparison_table([unfinished], "en")[words["val_acc_interval"]]) == {numbers.MISSING}


def test_seed_differences_carry_their_t_interval():
    from scipy import stats as scipy_stats

    from kit.experiments import PairedDifference

    words = table("columns", "en")
    three = PairedDifference("plain34", "resnet34", "val_acc", "best", (0, 1, 2), (0.05, 0.11, 0.02))
    one = PairedDifference("plain34", "resnet34", "train_loss", "last", (0,), (-0.12,))
    shown = tables.paired_difference_table([three, one], "en")
    row = shown.iloc[0]
    values = [0.05, 0.11, 0.02]
    interval = scipy_stats.t.interval(0.95, 2, loc=sum(values) / 3, scale=scipy_stats.sem(values))
    assert row[words["paired_interval"]] == f"[{numbers.points(interval[0])}, {numbers.points(interval[1])}]"
    assert row[words["paired_p"]] == f"{scipy_stats.ttest_1samp(values, 0).pvalue:.3f}"
    assert row[words["comparison"]] == "ResNet-34 − Plain-34" and row[words["paired_per_seed"]].startswith("0: +5.0")
    assert row[words["paired_mean_std"]] == numbers.mean_std(sum(values) / 3, scipy_stats.tstd(values), "val_acc",
                                                             difference=True) + " points"
    assert shown.iloc[1][words["paired_interval"]] == numbers.MISSING  # one seed: no spread to judge by
    assert shown.iloc[1][words["paired_per_seed"]] == "0: -0.1200"


def test_degradation_table_puts_the_interval_beside_each_val_accuracy(tmp_path):
    from kit.degradation import degradation_table, load_degradation_runs
    from run_factory import write_run

    workspace = write_workspace(tmp_path)
    for model, seed in (("plain18", 3), ("resnet18", 4)):
        write_run(workspace / "runs", model, model, seed=seed)
    runs = load_degradation_runs(workspace)
    raw = degradation_table(workspace, runs=runs)
    shown = tables.degradation_table(raw, runs, "id")
    words = table("columns", "id")
    assert list(shown.columns) == [words[k] for k in ("model", "epoch", "train_loss", "train_acc", "val_acc",
                                                      "val_acc_interval", "val_error", "paper_error")]
    for i, run in enumerate(runs):
        interval = tables.val_accuracy_interval(run, run.metrics["last"]["val_acc"])
        assert shown.iloc[i][words["val_acc_interval"]] == numbers.percent_interval(interval.low, interval.high)
    assert shown.iloc[1][words["paper_error"]] == "28.54%"


def test_seed_table_gives_mean_and_std_over_the_seeds_metrics(tmp_path):
    import numpy as np

    from kit.experiments import seed_summary
    from run_factory import write_run

    for seed in (1, 2, 3):
        write_run(tmp_path / "runs", f"resnet34-seed{seed}", "resnet34", seed=seed, config_changes={"seed": seed})
    best, last = (seed_summary(tmp_path, ["resnet34"], point=point) for point in ("best", "last"))
    shown = tables.seed_summary_table(best, last, "en").iloc[0]
    metrics = [json.loads((tmp_path / "runs" / f"resnet34-seed{s}" / "metrics.json").read_text()) for s in (1, 2, 3)]
    for point in ("best", "last"):
        values = np.array([m[point]["val_acc"] for m in metrics])
        assert shown[f"Val acc ({point})"] == numbers.mean_std(values.mean(), values.std(ddof=1), "val_acc")
    assert shown["Seeds"] == "1, 2, 3"
    assert shown["Val accuracy per seed (best epoch)"] == ", ".join(
        f"{s}: {numbers.percent(m['best']['val_acc'])}" for s, m in zip((1, 2, 3), metrics))
