"""kit.run_folder through fit: one trainer per folder, stale temporaries, unwritable folders, experiment.json,
and a finished run whose derived files were deleted (resnet18 at 32 px on tiny in-memory data, CPU)."""

import json
import os
import subprocess
import sys
import time

import pandas as pd
import pytest

import kit
from kit.config import EXPERIMENT_FILE, MONITORS, Config
from kit.run_folder import (LOCK_FILE, MONITOR_GOALS, OWNER_FILE, ConfigMismatchError, RunLock, RunLocked, best_row,
                            run_dir_for, summary_json)
from kit.train import build_model_for, fit
from tiny_batches import TinyBatches

CONFIG = Config(model="resnet18", epochs=1, batch_size=8, image_size=32, warmup_epochs=0, grad_norm_every=2)

pytestmark = pytest.mark.usefixtures("one_thread", "english")


class CountingBatches(TinyBatches):
    """TinyBatches that count the training epochs asked of them: zero means nothing was trained."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.epochs_trained = 0

    def train_batches(self, epoch):
        self.epochs_trained += 1
        return super().train_batches(epoch)


def _fit(run_dir, config=CONFIG, data=None):
    data = data or CountingBatches()
    return fit(build_model_for(config, len(kit.CLASSES)), data, config, run_dir, progress=False)


_HOLD_THE_LOCK = """
import sys, time
from pathlib import Path
from kit.run_folder import RunLock
with RunLock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_second_trainer_is_refused_naming_the_first_and_a_dead_ones_lock_does_not_block(tmp_path):
    run_dir = tmp_path / "runs" / "plain34"
    run_dir.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_THE_LOCK, str(run_dir)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        data = CountingBatches()
        with pytest.raises(RunLocked, match=rf"another process \(pid {holder.pid} on "):
            _fit(run_dir, data=data)
        assert data.epochs_trained == 0
    finally:
        holder.kill()
        holder.wait()
    # The killed trainer left its lock file and its owner note behind: neither blocks the next run.
    assert (run_dir / LOCK_FILE).exists() and json.loads((run_dir / OWNER_FILE).read_text())["pid"] == holder.pid
    history = _fit(run_dir)
    assert history["epoch"].tolist() == [1]


def test_the_lock_is_held_while_training_and_released_after(tmp_path):
    run_dir = tmp_path / "run"
    seen = []

    def try_to_lock(row):
        with pytest.raises(RunLocked):
            with RunLock(run_dir):
                pass
        seen.append(row["epoch"])

    fit(build_model_for(CONFIG, 5), TinyBatches(), CONFIG, run_dir, progress=False, on_epoch_end=try_to_lock)
    assert seen == [1]
    with RunLock(run_dir):  # free again
        pass


def test_temporaries_of_a_killed_write_are_removed_when_a_run_starts(tmp_path):
    run_dir = tmp_path / "run"
    config = CONFIG.replace(epochs=2)
    with pytest.raises(KeyboardInterrupt):
        _fit(run_dir, config, TinyBatches(interrupt_at=(2, 1)))
    stale = [run_dir / ".last.pt.4242.tmp", run_dir / ".history.csv.99.tmp"]
    for path in stale:
        path.write_bytes(b"half a checkpoint")
    keep = run_dir / "notes.tmp"  # not a temporary of the kit's atomic writes
    keep.write_text("mine")
    _fit(run_dir, config)
    assert not any(path.exists() for path in stale)
    assert keep.read_text() == "mine"


def test_an_unwritable_workspace_is_found_before_training(tmp_path):
    blocker = tmp_path / "workspace"
    blocker.write_text("a file where the workspace folder should be")  # works as root too, unlike chmod
    data = CountingBatches()
    with pytest.raises(OSError, match="cannot be written.*nothing has been trained"):
        _fit(run_dir_for(blocker, "plain34"), data=data)
    assert data.epochs_trained == 0


def test_a_config_that_contradicts_experiment_json_is_refused(tmp_path):
    experiment = CONFIG.replace(model="resnet34")
    experiment.to_json(tmp_path / EXPERIMENT_FILE)
    data = CountingBatches()
    with pytest.raises(ConfigMismatchError, match=r"experiment.json \(lr: 0.0003 -> 0.001\)"):
        _fit(run_dir_for(tmp_path, "tuned"), CONFIG.replace(lr=1e-3), data)
    assert data.epochs_trained == 0 and not (tmp_path / "runs" / "tuned" / "config.json").exists()
    # Architecture, its options and the seed are what runs of one experiment may differ in.
    allowed = CONFIG.replace(model="resnet18", model_options={"dropout": 0.1}, seed=3)
    assert _fit(run_dir_for(tmp_path, "mod"), allowed)["epoch"].tolist() == [1]


def test_a_finished_run_rebuilds_deleted_history_and_metrics_from_its_checkpoint(tmp_path, capsys):
    run_dir = tmp_path / "run"
    history = _fit(run_dir)
    originals = {name: (run_dir / name).read_text() for name in ("history.csv", "metrics.json", "gradient_norms.csv")}
    for name in originals:
        (run_dir / name).unlink()
    data = CountingBatches()
    again = fit(build_model_for(CONFIG, 5), data, CONFIG, run_dir, progress=True)
    assert data.epochs_trained == 0  # loaded, not retrained
    pd.testing.assert_frame_equal(again, history)
    for name, text in originals.items():
        assert (run_dir / name).read_text() == text, name
    assert "rebuilt" in capsys.readouterr().out


def test_kit_train_on_a_folder_being_trained_is_one_message(tmp_path, capsys):
    from kit.cli import main

    workspace = tmp_path / "ws"
    run_dir = workspace / "runs" / "resnet18"
    run_dir.mkdir(parents=True)
    with RunLock(run_dir):
        status = main(["train", "--workspace", str(workspace), "--model", "resnet18", "--smoke", "--epochs", "1",
                       "--image-size", "32"])
    err = capsys.readouterr().err
    assert status == 2 and f"pid {os.getpid()}" in err and "Traceback" not in err


def test_run_lock_message_names_an_unknown_holder(tmp_path):
    with RunLock(tmp_path):
        (tmp_path / OWNER_FILE).unlink()  # e.g. a Drive that has not synced the note yet
        started = time.perf_counter()
        with pytest.raises(RunLocked, match="another process"):
            with RunLock(tmp_path):
                pass
        assert time.perf_counter() - started < 5  # refused at once, never waits


def test_without_os_locks_a_dead_trainers_lock_file_is_removed_and_a_live_ones_refuses(tmp_path, monkeypatch):
    import filelock

    def no_flock(self, *args, **kwargs):
        raise NotImplementedError("FileSystem does not appear to support flock")

    monkeypatch.setattr(filelock.FileLock, "acquire", no_flock)  # as on a network mount without flock
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / LOCK_FILE).write_text("")
    owner = {"pid": int(dead.stdout), "host": __import__("socket").gethostname(), "since": "earlier"}
    (tmp_path / OWNER_FILE).write_text(json.dumps(owner))
    with RunLock(tmp_path):  # the holder no longer runs: its lock file does not block
        with pytest.raises(RunLocked, match=f"pid {os.getpid()}"):
            with RunLock(tmp_path):  # this process is alive: refused
                pass
    assert not (tmp_path / LOCK_FILE).exists()


# ---- the best epoch follows Config.monitor ---------------------------------------------------------------------

def _history(*points):
    """Rows of history.csv from (val_loss, val_acc) pairs; the training columns are finite and uninteresting."""
    return [{"epoch": epoch, "train_loss": 1.0, "train_acc": 0.5, "val_loss": loss, "val_acc": acc}
            for epoch, (loss, acc) in enumerate(points, start=1)]


def test_the_best_epoch_is_the_lowest_val_loss_or_the_highest_val_acc_as_the_monitor_says():
    history = _history((1.0, 0.30), (0.7, 0.40), (0.8, 0.55), (0.9, 0.50))  # loss and accuracy disagree
    assert best_row(history, "val_loss")["epoch"] == 2
    assert best_row(history, "val_acc")["epoch"] == 3
    info = {"model": "resnet18", "parameters": 1, "device": "cpu", "precision": "fp32", "epochs_planned": 4,
            "data": None}
    for monitor, epoch in (("val_loss", 2), ("val_acc", 3)):
        metrics = json.loads(summary_json(history, info, True, False, monitor))
        assert metrics["best"] == history[epoch - 1] and metrics["last"] == history[-1]
    assert set(MONITOR_GOALS) == set(MONITORS)  # every monitor a Config accepts has a rule
    with pytest.raises(ValueError, match="monitor must be one of"):
        best_row(history, "train_loss")


def test_the_first_of_equal_epochs_is_best_and_a_non_finite_epoch_never_is():
    tied = _history((0.8, 0.5), (0.8, 0.5), (0.9, 0.4))
    assert best_row(tied, "val_loss")["epoch"] == best_row(tied, "val_acc")["epoch"] == 1
    broken = _history((0.9, 0.4), (float("nan"), 0.9), (0.8, float("inf")), (0.85, 0.45))
    broken[0]["train_loss"] = float("inf")
    assert best_row(broken, "val_loss")["epoch"] == 4 and best_row(broken, "val_acc")["epoch"] == 4
    with pytest.raises(ValueError, match="finite"):
        best_row(_history((float("nan"), 0.5)), "val_loss")
