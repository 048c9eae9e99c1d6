"""kit.sweep: 2 models x 2 seeds with submitit's local executor on the CPU, a killed job that resumes, and the
Slurm job array a sweep submits (through a stand-in sbatch)."""

import functools
import os
import shutil
import signal
import stat
import sys
from pathlib import Path

import pandas as pd
import pytest

from kit.config import Config
from kit.runs import load_run
from kit.sweep import SlurmOptions, run_sweep, sweep_summary
from tiny_batches import TinyBatches

TESTS = Path(__file__).resolve().parent
CONFIG = Config(model="resnet18", epochs=2, batch_size=8, image_size=32, warmup_epochs=0, lr=2e-3, amp="off",
                grad_norm_every=0)


class KilledOnce(TinyBatches):
    """Tiny data whose first use by the ``victim`` run kills its process (SIGKILL: no cleanup, like a preempted
    node) as epoch 2 starts; every other use trains normally."""

    def __init__(self, config, marker: str, victim: tuple[str, int]):
        super().__init__(n_train=24, n_val=20, image_size=config.image_size, batch_size=config.batch_size,
                         seed=config.seed)
        self.kill = (config.model, config.seed) == victim and not Path(marker).exists()
        self.marker = Path(marker)

    def train_batches(self, epoch):
        if epoch == 2 and self.kill:
            self.marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        yield from super().train_batches(epoch)


@pytest.fixture
def job_environment(monkeypatch):
    """Jobs are new processes: they import this module's data from tests/, and use one thread each."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


def test_two_models_two_seeds_finish_and_a_killed_job_resumes(tmp_path, job_environment):
    models, seeds = ["resnet18", "plain18"], [0, 1]
    data = functools.partial(KilledOnce, marker=str(tmp_path / "killed-once"), victim=("plain18", 1))
    first = run_sweep(CONFIG, models, seeds, tmp_path, data=data, executor="local", parallel=2)
    assert list(first["run"]) == ["resnet18-seed0", "resnet18-seed1", "plain18-seed0", "plain18-seed1"]
    assert list(first["status"]) == ["finished"] * 3 + ["failed"], first["message"].tolist()
    stopped = load_run(tmp_path / "runs" / "plain18-seed1")
    assert not stopped.finished and len(stopped.history) == 1  # epoch 1 was saved before the kill

    second = run_sweep(CONFIG, models, seeds, tmp_path, data=data, executor="local", parallel=2)
    assert list(second["status"]) == ["reused"] * 3 + ["finished"], second["message"].tolist()
    resumed = load_run(tmp_path / "runs" / "plain18-seed1")
    assert resumed.finished and list(resumed.history["epoch"]) == [1, 2]
    # epoch 1 was not trained again: its row, wall-clock seconds included, is the one written before the kill
    pd.testing.assert_series_equal(resumed.history.iloc[0], stopped.history.iloc[0])
    for _, job in second.iterrows():
        run = load_run(tmp_path / "runs" / job["run"])
        assert run.finished and len(run.history) == 2 and run.predictions is not None
        assert (run.config["model"], run.config["seed"]) == (job["model"], job["seed"])

    third = run_sweep(CONFIG, models, seeds, tmp_path, data=data, executor="local", parallel=2)
    assert list(third["status"]) == ["reused"] * 4 and (third["job_id"] == "").all()  # nothing queued again

    summary = sweep_summary(tmp_path, models, seeds).set_index("model")
    val_acc = {name: [load_run(tmp_path / "runs" / f"{name}-seed{s}").metrics["best"]["val_acc"] for s in seeds]
               for name in models}
    assert summary.loc["plain18", "n"] == 2
    assert summary.loc["plain18", "val_acc_mean"] == pytest.approx(sum(val_acc["plain18"]) / 2)
    differences = [p - r for p, r in zip(val_acc["plain18"], val_acc["resnet18"])]
    assert summary.loc["plain18", "difference_mean"] == pytest.approx(sum(differences) / 2)
    assert summary.loc["plain18", "pairs"] == 2 and 0 <= summary.loc["plain18", "runs_told_apart"] <= 2
    if differences[0] != differences[1]:
        assert summary.loc["plain18", "difference_low"] < summary.loc["plain18", "difference_mean"] \
            < summary.loc["plain18", "difference_high"]
    assert pd.isna(summary.loc["resnet18", "difference_mean"])  # the reference


def test_slurm_sweep_is_one_job_array_with_the_asked_resources(tmp_path, monkeypatch):
    (tmp_path / "split.csv").write_text("filename,label,split,group\n")  # jobs would train on this split
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    sbatch = bin_dir / "sbatch"
    sbatch.write_text(f"#!{sys.executable}\nimport sys, shutil\nshutil.copy(sys.argv[-1], {str(tmp_path)!r} + "
                      "'/submitted.sh')\nprint('Submitted batch job 4242')\n")
    srun = bin_dir / "srun"  # submitit checks that it runs where Slurm does
    srun.write_text("#!/bin/sh\n")
    for tool in (sbatch, srun):
        tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    options = SlurmOptions(partition="gpu", gpus_per_job=1, cpus_per_job=4, time_limit_min=90, parallel=2)
    jobs = run_sweep(CONFIG, ["plain34", "resnet34"], [0, 1, 2], tmp_path, executor="slurm", slurm=options)
    assert list(jobs["status"]) == ["submitted"] * 6
    assert list(jobs["job_id"]) == [f"4242_{i}" for i in range(6)]
    script = (tmp_path / "submitted.sh").read_text()
    for line in ("#SBATCH --array=0-5%2", "#SBATCH --partition=gpu", "#SBATCH --gpus-per-node=1",
                 "#SBATCH --cpus-per-task=4", "#SBATCH --time=90", "#SBATCH --signal=USR2@120"):
        assert line in script, line


def test_fold_runs_are_named_and_compared_fold_by_fold(tmp_path):
    from scipy import stats as scipy_stats

    from kit.sweep import plan
    from run_factory import write_run

    assert [job.name for job in plan(["resnet34"], [0, 1], folds=[2])] == ["resnet34-fold2-seed0",
                                                                            "resnet34-fold2-seed1"]
    runs = tmp_path / "runs"
    for fold in range(3):
        for model, accuracy in (("plain34", 0.4), ("resnet34", 0.7)):
            write_run(runs, f"{model}-fold{fold}-seed0", model, seed=10 * fold + len(model), accuracy=accuracy)
    summary = sweep_summary(tmp_path, ["plain34", "resnet34"], [0], folds=[0, 1, 2], test_to_train=0.5)
    summary = summary.set_index("model")
    best = {m: [load_run(runs / f"{m}-fold{f}-seed0").metrics["best"]["val_acc"] for f in range(3)]
            for m in ("plain34", "resnet34")}
    differences = [r - p for r, p in zip(best["resnet34"], best["plain34"])]
    mean = sum(differences) / 3
    variance = sum((d - mean) ** 2 for d in differences) / 2
    t = mean / ((1 / 3 + 0.5) * variance) ** 0.5  # Nadeau & Bengio (2003): k = 3 folds, n_test / n_train = 1/2
    row = summary.loc["resnet34"]
    assert (row["pairing"], row["pairs"], row["runs_paired"]) == ("fold", 3, 3)
    assert row["difference_mean"] == pytest.approx(mean)
    assert row["difference_p"] == pytest.approx(2 * scipy_stats.t(2).sf(abs(t)))
    assert summary.loc["plain34", "val_acc_mean"] == pytest.approx(sum(best["plain34"]) / 3)


def test_fold_jobs_train_on_their_fold_of_the_workspace_split(tmp_path):
    from kit.data import prepare
    from kit.sweep import fold_batches

    prepared = prepare("synthetic", tmp_path, folds=2)
    config = Config.smoke(image_size=32, batch_size=8)
    for fold in (0, 1):
        batches = fold_batches(config, fold, tmp_path)
        in_fold = set(prepared.split.loc[prepared.split["fold"] == fold, "filename"])
        assert set(batches.frame("val")["filename"]) == in_fold
        assert not in_fold & set(batches.frame("train")["filename"])
    with pytest.raises(ValueError, match="fold 2"):  # refused before any job is queued
        run_sweep(config, ["resnet18"], [0], tmp_path, folds=[0, 2])
    assert not (tmp_path / "sweep_logs").exists()


def test_a_sweep_without_finished_runs_summarises_to_empty_rows(tmp_path):
    summary = sweep_summary(tmp_path, ["plain34", "resnet34"], [0, 1])
    assert list(summary["model"]) == ["plain34", "resnet34"]
    assert list(summary["n"]) == [0, 0] and list(summary["val_acc"]) == ["", ""]


def test_a_sweep_over_runs_of_another_config_is_refused_before_anything_is_queued(tmp_path):
    from run_factory import write_run

    (tmp_path / "split.csv").write_text("filename,label,split,group\n")
    # an unfinished run of another Config would fail its job; a finished one would enter the summary unnoticed
    for epochs_done, name in ((2, "resnet34-seed1"), (6, "resnet34-seed0")):
        write_run(tmp_path / "runs", name, "resnet34", epochs=6, epochs_done=epochs_done)
        with pytest.raises(ValueError, match=name):
            run_sweep(CONFIG, ["resnet34"], [0, 1], tmp_path, executor="local")
        assert not (tmp_path / "sweep_logs").exists()
        shutil.rmtree(tmp_path / "runs" / name)
