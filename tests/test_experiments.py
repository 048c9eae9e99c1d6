"""kit.experiments: runs over seeds and their summaries, the degradation experiment, and their report sections.

Summaries are checked against numbers recomputed here from the runs' metrics.json (fake but self-consistent run
folders from run_factory); training is checked on tiny in-memory batches (CPU)."""

import json
import statistics
from pathlib import Path

import pytest

import kit.train
from kit import degradation, experiments, numbers, plots
from kit.config import Config
from kit.degradation import (PAPER_TOP1_ERROR, degradation_runs, degradation_table, depth_effect,
                             load_degradation_runs)
from kit.experiments import (format_mean_std, paired_difference, run_seeds, seed_runs, seed_summary, seed_table,
                             train_or_reuse)
from kit.report import write_report
from kit.runs import load_run
from kit.train import ConfigMismatchError
from run_factory import write_run, write_workspace
from tiny_batches import TinyBatches

TINY = Config(model="resnet18", epochs=1, batch_size=8, image_size=32, lr=2e-3, warmup_epochs=0, grad_norm_every=2)


def tiny_data(config: Config) -> TinyBatches:
    return TinyBatches(n_train=16, n_val=10, batch_size=config.batch_size, image_size=config.image_size,
                       seed=config.seed)


pytestmark = pytest.mark.usefixtures("one_thread")


def _metrics(workspace, run):
    return json.loads((workspace / "runs" / run / "metrics.json").read_text())


@pytest.fixture()
def seeded(tmp_path):
    """plain34 and resnet34 over seeds 0, 1, 2 (fake runs; each seed's numbers differ)."""
    workspace = write_workspace(tmp_path / "ws")
    for name, accuracy in (("plain34", 0.4), ("resnet34", 0.7)):
        for seed in (0, 1, 2):
            write_run(workspace / "runs", f"{name}-seed{seed}", name, seed=10 * seed + len(name), accuracy=accuracy,
                      config_changes={"seed": seed})
    return workspace


def test_seed_summary_is_mean_and_sample_std_of_the_files(seeded):
    summary = seed_summary(seeded, ["plain34", "resnet34"]).set_index("name")
    for name in ("plain34", "resnet34"):
        values = [_metrics(seeded, f"{name}-seed{s}")["best"]["val_acc"] for s in (0, 1, 2)]
        row = summary.loc[name]
        assert row["n"] == 3 and row["seeds"] == (0, 1, 2)
        assert row["val_acc_mean"] == pytest.approx(statistics.mean(values))
        assert row["val_acc_std"] == pytest.approx(statistics.stdev(values))
        assert row["val_acc_per_seed"] == pytest.approx(tuple(values))
    last = seed_summary(seeded, ["plain34"], point="last").iloc[0]
    losses = [_metrics(seeded, f"plain34-seed{s}")["last"]["train_loss"] for s in (0, 1, 2)]
    assert last["train_loss_mean"] == pytest.approx(statistics.mean(losses))
    assert seed_table(seeded, ["plain34"], seeds=[2])["run"].tolist() == ["plain34-seed2"]


def test_paired_difference_pairs_by_seed(seeded):
    difference = paired_difference(seeded, "plain34", "resnet34", "val_acc", "best")
    per_seed = [_metrics(seeded, f"resnet34-seed{s}")["best"]["val_acc"]
                - _metrics(seeded, f"plain34-seed{s}")["best"]["val_acc"] for s in (0, 1, 2)]
    assert difference.seeds == (0, 1, 2) and difference.differences == pytest.approx(tuple(per_seed))
    assert difference.mean == pytest.approx(statistics.mean(per_seed))
    assert difference.std == pytest.approx(statistics.stdev(per_seed))
    assert difference.differing_config == ()
    assert str(difference) == (f"ResNet-34 − Plain-34, val acc (best epoch): {100 * statistics.mean(per_seed):+.1f} "
                               f"± {100 * statistics.stdev(per_seed):.1f} points over 3 seeds")
    loss = paired_difference(seeded, "plain34", "resnet34", "train_loss", "last", seeds=[0, 1])
    assert loss.n == 2 and str(loss).endswith("over 2 seeds") and "points" not in str(loss)
    one = paired_difference(seeded, "plain34", "resnet34", "val_acc", "best", seeds=[1])
    assert str(one).endswith(f": {100 * per_seed[1]:+.1f} points over 1 seed")  # no spread from one seed


def test_mean_and_std_share_one_unit_named_once():
    assert format_mean_std(0.29364, 0.04541, "val_acc") == "29.4 ± 4.5%" == numbers.mean_std(0.29364, 0.04541, "val_acc")
    assert format_mean_std(0.023, 0.011, "val_acc", difference=True) == "+2.3 ± 1.1 points"
    assert format_mean_std(-0.023, 0.011, "train_acc", difference=True) == "-2.3 ± 1.1 points"
    assert format_mean_std(0.81234, 0.01234, "train_loss") == "0.8123 ± 0.0123"
    assert format_mean_std(-0.01234, 0.0045, "val_loss", difference=True) == "-0.0123 ± 0.0045"
    assert format_mean_std(0.5, float("nan"), "val_acc") == "50.0%"  # one seed: no spread


def test_unfinished_and_mismatched_seed_runs_are_not_averaged(seeded):
    write_run(seeded / "runs", "plain34-seed3", "plain34", seed=5, epochs=6, epochs_done=2,
              config_changes={"seed": 3})
    summary = seed_summary(seeded, ["plain34"]).iloc[0]
    assert summary["n"] == 3 and summary["unfinished"] == (3,)
    assert seed_table(seeded, ["plain34"])["finished"].tolist() == [True, True, True, False]

    write_run(seeded / "runs", "plain34-seed4", "plain34", seed=6, config_changes={"seed": 4, "lr": 0.1})
    with pytest.raises(ValueError, match="differ in lr, not only in the seed"):
        seed_summary(seeded, ["plain34"])
    write_run(seeded / "runs", "resnet34-seed7", "resnet34", seed=7, config_changes={"seed": 8})
    with pytest.raises(ValueError, match="folder says seed 7 but config.json says 8"):
        seed_runs(seeded, "resnet34")


def test_the_notebook_run_counts_as_its_seed_when_its_config_matches(seeded):
    # write_workspace made 'resnet34' with seed 0, the seed runs' Config: it joins only for a seed not yet there
    assert seed_runs(seeded, "resnet34")[0].name == "resnet34-seed0"
    (seeded / "runs" / "resnet34-seed0" / "metrics.json").unlink()
    assert seed_runs(seeded, "resnet34")[0].name == "resnet34"
    config = json.loads((seeded / "runs" / "resnet34" / "config.json").read_text())
    (seeded / "runs" / "resnet34" / "config.json").write_text(json.dumps({**config, "epochs": 3}))
    assert sorted(seed_runs(seeded, "resnet34")) == [1, 2]  # another Config: not a seed of this experiment
    assert seed_runs(seeded, "nothing") == {}


def test_run_seeds_trains_each_seed_once_and_reuses_the_notebook_run(tmp_path, monkeypatch):
    workspace = tmp_path / "ws"
    base = train_or_reuse(TINY, workspace, "resnet18", tiny_data, progress=False)  # as notebook 03 would
    folders = run_seeds(TINY, [0, 1], workspace, tiny_data, progress=False)
    assert [f.name for f in folders] == ["resnet18", "resnet18-seed1"] and folders[0] == base
    assert Config.from_json(folders[1] / "config.json") == TINY.replace(seed=1)
    assert not (workspace / "runs" / "resnet18-seed0").exists()

    def no_training(*args, **kwargs):
        raise AssertionError("finished runs must be reused")

    monkeypatch.setattr(kit.train, "fit", no_training)
    assert run_seeds(TINY, [0, 1], workspace, lambda c: pytest.fail("no data needed"), progress=False) == folders
    with pytest.raises(ConfigMismatchError, match="resnet18-seed1.*lr 0.002 -> 0.001.*name=/suffix="):
        run_seeds(TINY.replace(lr=1e-3), [1], workspace, tiny_data, progress=False)
    with pytest.raises(ValueError, match="must not repeat"):
        run_seeds(TINY, [1, 1], workspace, tiny_data)

    summary = seed_summary(workspace, ["resnet18"]).iloc[0]
    assert summary["seeds"] == (0, 1)  # the notebook run is seed 0
    accs = [json.loads((f / "metrics.json").read_text())["best"]["val_acc"] for f in folders]
    assert summary["val_acc_mean"] == pytest.approx(statistics.mean(accs))


def test_degradation_runs_train_four_models_with_one_config(tmp_path):
    workspace = tmp_path / "ws"
    data = tiny_data(TINY)
    folders = degradation_runs(TINY, workspace, data, suffix="-tiny", progress=False)
    assert {m: f.name for m, f in folders.items()} == {m: f"{m}-tiny" for m in degradation.DEGRADATION_MODELS}
    for model, folder in folders.items():
        assert Config.from_json(folder / "config.json") == TINY.replace(model=model)
    table = degradation_table(workspace, suffix="-tiny")
    for _, row in table.iterrows():
        metrics = _metrics(workspace, f"{row['model']}-tiny")
        assert row["train_loss"] == metrics["last"]["train_loss"]
        assert row["val_acc_%"] == pytest.approx(100 * metrics["last"]["val_acc"])
        assert row["val_error_%"] == pytest.approx(100 * (1 - metrics["last"]["val_acc"]))
    assert not degradation.has_degradation_runs(workspace)  # the default names were not used


def test_degradation_table_puts_the_paper_beside_our_files(tmp_path):
    workspace = write_workspace(tmp_path / "ws")  # plain34 and resnet34 of notebooks 02/03
    for model, seed in (("plain18", 3), ("resnet18", 4)):
        write_run(workspace / "runs", model, model, seed=seed)
    table = degradation_table(workspace).set_index("model")
    assert list(table.columns) == ["label", "family", "layers", "epoch", "train_loss", "train_acc_%", "val_loss",
                                   "val_acc_%", "val_error_%", "paper_top1_error_%", "finished"]
    assert table.loc["plain34", "paper_top1_error_%"] == 28.54
    assert table.loc["resnet34", "paper_top1_error_%"] == 25.03
    assert dict(table["paper_top1_error_%"]) == PAPER_TOP1_ERROR
    for model in degradation.DEGRADATION_MODELS:  # accuracies and errors in percent beside the paper's percent
        last = _metrics(workspace, model)["last"]
        assert (table.loc[model, "train_loss"], table.loc[model, "val_loss"]) == (last["train_loss"], last["val_loss"])
        assert table.loc[model, "train_acc_%"] == pytest.approx(100 * last["train_acc"])
        assert table.loc[model, "val_acc_%"] == pytest.approx(100 * last["val_acc"])
        assert table.loc[model, "val_error_%"] == pytest.approx(100 - 100 * last["val_acc"])
    effect = depth_effect(table.reset_index()).set_index("family")
    assert list(effect.columns) == ["train_loss", "train_acc_points", "val_acc_points", "paper_top1_error_points"]
    assert effect.loc["plain", "paper_top1_error_points"] == pytest.approx(0.60)
    assert effect.loc["resnet", "paper_top1_error_points"] == pytest.approx(-2.85)
    last = {model: _metrics(workspace, model)["last"] for model in degradation.DEGRADATION_MODELS}
    assert effect.loc["plain", "train_loss"] == pytest.approx(last["plain34"]["train_loss"]
                                                              - last["plain18"]["train_loss"])
    for family in ("plain", "resnet"):  # in percentage points, the unit of the paper's error change
        for metric in ("train_acc", "val_acc"):
            assert effect.loc[family, f"{metric}_points"] == pytest.approx(
                100 * (last[f"{family}34"][metric] - last[f"{family}18"][metric]))
    figure = plots.degradation_curves(load_degradation_runs(workspace))
    assert [ax.get_title() for ax in figure.axes] == ["Plain: loss", "ResNet: loss", "Plain: error", "ResNet: error"]
    assert all(len(ax.lines) == 4 for ax in figure.axes)  # 18 and 34 layers, train and val each
    plain34_val = [line for line in figure.axes[2].lines if line.get_label() == "Plain-34 val"][0]
    history = load_run("plain34", workspace).history
    assert list(plain34_val.get_ydata()) == pytest.approx(list(100 * (1 - history["val_acc"])))


def test_report_sections_appear_only_when_their_runs_exist(tmp_path):
    workspace = write_workspace(tmp_path / "ws")
    plain = write_report(workspace, out_dir=tmp_path / "a", language="en").read_text()
    assert "## Repeated seeds" not in plain and "## Degradation experiment" not in plain

    for model, seed in (("plain18", 3), ("resnet18", 4)):
        write_run(workspace / "runs", model, model, seed=seed)
    for name, accuracy in (("plain34", 0.4), ("resnet34", 0.7)):
        for seed in (1, 2):
            write_run(workspace / "runs", f"{name}-seed{seed}", name, seed=7 * seed + len(name), accuracy=accuracy,
                      config_changes={"seed": seed})
    text = write_report(workspace, out_dir=tmp_path / "b", language="en").read_text()
    assert "## Repeated seeds" in text and "## Degradation experiment" in text
    assert text.index("## Results") < text.index("## Repeated seeds") < text.index("## Analysis")

    difference = paired_difference(workspace, "plain34", "resnet34")  # the notebook runs are seed 0
    assert difference.seeds == (0, 1, 2)
    assert (f"ResNet-34 − Plain-34, val acc (best): {difference.format_value(difference.mean)} ± "
            f"{difference.format_value(difference.std).lstrip('+')} points over 3 seeds") in text
    for model in degradation.DEGRADATION_MODELS:
        label, paper = load_run(model, workspace).label, f"{PAPER_TOP1_ERROR[model]:.2f}"
        row = next(line for line in text.splitlines() if line.startswith(f"| {label} ") and paper in line)
        last = _metrics(workspace, model)["last"]
        assert f"{last['train_loss']:.4f}" in row and numbers.percent(last["val_acc"]) in row
    assert (tmp_path / "b" / "images" / "degradation_curves.png").is_file()
    assert (tmp_path / "b" / "images" / "seeds_val_acc.png").is_file()
    indonesian = write_report(workspace, out_dir=tmp_path / "c").read_text()
    assert "## Beberapa seed" in indonesian and "## Eksperimen degradasi" in indonesian


def test_summaries_of_loaded_runs_read_no_file_again(seeded, monkeypatch):
    for model, seed in (("plain18", 3), ("resnet18", 4)):
        write_run(seeded / "runs", model, model, seed=seed)
    reads = []  # the folder name of every run experiments reads
    real_load_run = experiments.load_run

    def counting_load_run(run, *args, **kwargs):
        reads.append(Path(run).name)
        return real_load_run(run, *args, **kwargs)

    monkeypatch.setattr(experiments, "load_run", counting_load_run)
    monkeypatch.setattr(degradation, "load_run", counting_load_run)

    groups = {name: seed_runs(seeded, name) for name in ("plain34", "resnet34")}
    runs = load_degradation_runs(seeded)
    loaded = len(reads)
    pair = paired_difference(seeded, "plain34", "resnet34", "val_acc", "last", runs=groups)
    summary = seed_summary(seeded, ["plain34", "resnet34"], runs=groups)
    table = degradation_table(seeded, runs=runs)
    assert len(reads) == loaded  # nothing read twice
    assert pair == paired_difference(seeded, "plain34", "resnet34", "val_acc", "last")  # the workspace API
    assert summary.equals(seed_summary(seeded, ["plain34", "resnet34"]))
    assert table.equals(degradation_table(seeded))
    with pytest.raises(ValueError, match=r"runs has no seed runs of \['resnet34'\]"):
        seed_table(seeded, ["plain34", "resnet34"], runs={"plain34": groups["plain34"]})
    with pytest.raises(ValueError, match="Run 'resnet18' is a resnet18, not a plain34"):
        degradation_table(seeded, runs=[runs[0], runs[2], runs[1], runs[3]])

    reads.clear()
    write_report(seeded, out_dir=seeded / "report", language="en")
    seed_reads = [run for run in reads if "-seed" in run]
    assert seed_reads and len(seed_reads) == len(set(seed_reads))  # each seed run read once for the report
    assert reads.count("plain18") == reads.count("resnet18") == 1  # the degradation runs, too
