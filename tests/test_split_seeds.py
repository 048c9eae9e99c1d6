"""Repeated runs that vary the split as well as the seed (kit.experiments.run_seeds(..., vary_split=True)):
each seed trains on its own grouped split of the workspace's images, both models of a seed share it, split.csv
stays as it is, a resumed run reuses its split, and the experiment's rule still refuses a changed split_seed on
the workspace's own split."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from kit.config import EXPERIMENT_FILE, Config, experiment_conflicts
from kit.data import load_prepared, prepare
from kit.data.pipeline import batches_for
from kit.experiments import paired_difference, run_seeds, seed_runs, seed_summary, seed_table, split_run_name
from kit.runs import load_run
from kit.train import ConfigMismatchError, build_model_for, fit, run_dir_for

pytestmark = pytest.mark.usefixtures("one_thread")

TINY = Config(model="plain18", epochs=1, batch_size=32, image_size=16, lr=2e-3, warmup_epochs=0, amp="off")
MODELS = ("plain18", "resnet18")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The synthetic stand-in prepared in a workspace with an experiment.json, and 2 seeds x 2 models trained
    on their own splits."""
    workspace = tmp_path_factory.mktemp("ws")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the synthetic stand-in carries the course's defects on purpose
        prepare("synthetic", workspace)
    TINY.to_json(workspace / EXPERIMENT_FILE)
    split_before = (workspace / "split.csv").read_bytes()
    folders = {model: run_seeds(TINY.replace(model=model), [1, 2], workspace, vary_split=True, progress=False)
               for model in MODELS}
    return workspace, split_before, folders


def _val(run_dir):
    return set(load_run(run_dir).predictions["filename"])


def test_each_seed_has_its_own_split_shared_by_both_models(trained):
    workspace, split_before, folders = trained
    assert [f.name for f in folders["resnet18"]] == [split_run_name("resnet18", s) for s in (1, 2)]
    assert (workspace / "split.csv").read_bytes() == split_before  # the workspace's split is never touched
    plain, resnet = folders["plain18"], folders["resnet18"]
    assert _val(plain[0]) == _val(resnet[0]) and _val(plain[1]) == _val(resnet[1])  # paired: one split per seed
    assert _val(plain[0]) != _val(plain[1])
    for seed, run_dir in zip((1, 2), resnet):
        config = load_run(run_dir).config
        assert (config["seed"], config["split_seed"]) == (seed, seed)
        kept = (workspace / "splits" / f"split-seed{seed}.csv").read_text()
        assert all(name in kept for name in _val(run_dir))
    kept = pd.read_csv(workspace / "splits" / "split-seed1.csv")
    assert (kept.groupby("group")["split"].nunique() == 1).all()  # grouped: no duplicate straddles train/val


def test_split_runs_are_their_own_group(trained):
    workspace, _, _ = trained
    assert seed_runs(workspace, "resnet18") == {}  # not mixed with the runs on split.csv
    assert sorted(seed_runs(workspace, "resnet18", vary_split=True)) == [1, 2]
    table = seed_table(workspace, list(MODELS), vary_split=True)
    assert table["run"].tolist() == ["plain18-split1", "plain18-split2", "resnet18-split1", "resnet18-split2"]
    summary = seed_summary(workspace, list(MODELS), vary_split=True)
    assert summary["varied"].tolist() == ["seed, split"] * 2 and summary["n"].tolist() == [2, 2]
    difference = paired_difference(workspace, "plain18", "resnet18", vary_split=True)
    assert difference.seeds == (1, 2) and difference.differing_config == ()
    assert str(difference).endswith("over 2 seeds and splits")


def test_a_finished_run_is_reused_and_an_interrupted_one_resumes_on_its_split(trained):
    workspace, _, folders = trained
    run_dir = folders["resnet18"][0]
    modified = (run_dir / "metrics.json").stat().st_mtime_ns
    assert run_seeds(TINY.replace(model="resnet18"), [1], workspace, vary_split=True, progress=False) == [run_dir]
    assert (run_dir / "metrics.json").stat().st_mtime_ns == modified
    longer = TINY.replace(model="resnet18", epochs=2)
    (workspace / EXPERIMENT_FILE).write_text(TINY.replace(epochs=2).to_json())
    try:
        seed_config = longer.replace(seed=1, split_seed=1)
        data = batches_for(seed_config, load_prepared(workspace).with_split_seed(1), device="cpu")
        stopped = run_dir_for(workspace, split_run_name("resnet18-longer", 1))

        def stop(row):
            raise KeyboardInterrupt  # Ctrl-C after epoch 1 is written

        with pytest.raises(KeyboardInterrupt):
            fit(build_model_for(seed_config, len(data.classes)), data, seed_config, stopped, device="cpu",
                progress=False, on_epoch_end=stop)
        assert not load_run(stopped).finished
        # resumed from last.pt, which refuses batches of any other split: the kept split-seed1.csv is reused
        assert run_seeds(longer, [1], workspace, vary_split=True, name="resnet18-longer", progress=False) == [stopped]
        resumed = load_run(stopped)
        assert resumed.finished and len(resumed.history) == 2 and _val(stopped) == _val(run_dir)
    finally:
        (workspace / EXPERIMENT_FILE).write_text(TINY.to_json())


def test_a_run_on_split_csv_may_not_change_split_seed(trained):
    workspace, _, _ = trained
    changed = TINY.replace(model="plain18", split_seed=5)
    assert experiment_conflicts(TINY, changed) == {"split_seed": (0, 5)}
    assert experiment_conflicts(TINY, changed, own_split=True) == {}
    data = batches_for(changed, workspace, device="cpu")  # the workspace's split.csv, made with split_seed 0
    with pytest.raises(ConfigMismatchError, match="split_seed"):
        fit(build_model_for(changed, len(data.classes)), data, changed, run_dir_for(workspace, "plain18-moved"),
            device="cpu", progress=False)
    assert not (workspace / "runs" / "plain18-moved" / "config.json").exists()
    with pytest.raises(ValueError, match="data_factory"):
        run_seeds(TINY, [1], workspace, lambda config: data, vary_split=True)


def test_the_report_shows_the_split_varying_runs_as_their_own_group(tmp_path):
    from kit.report import write_report
    from run_factory import write_run, write_workspace

    workspace = write_workspace(tmp_path / "ws")
    for name, accuracy in (("plain34", 0.4), ("resnet34", 0.7)):
        for seed in (1, 2):
            write_run(workspace / "runs", split_run_name(name, seed), name, seed=7 * seed + len(name),
                      accuracy=accuracy, config_changes={"seed": seed, "split_seed": seed})
    text = write_report(workspace, out_dir=tmp_path / "report", language="en").read_text()
    lines = text.splitlines()
    assert lines.count("## Repeated seeds") == 1 and lines.count("### Repeated seeds and splits") == 1
    assert "so seeds **and** splits varied" in text
    difference = paired_difference(workspace, "plain34", "resnet34", vary_split=True)
    assert f"ResNet-34 − Plain-34, val acc (best): {difference.format_value(difference.mean)} ± " in text
    assert (tmp_path / "report" / "images" / "split_seeds_val_acc.png").is_file()
