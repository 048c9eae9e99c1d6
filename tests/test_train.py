"""kit.train: the epoch loop on tiny in-memory data (resnet18 at 32 px, CPU)."""

import errno
import json

import pandas as pd
import pytest
import torch
from torch import nn

import kit.train
from kit.config import Config
from kit.train import (HISTORY_COLUMNS, BatchSizeTooLarge, ConfigMismatchError, TrainingDiverged, build_model_for,
                       fit, load_checkpoint, lr_factor, run_dir_for, set_seed)
from kit.run_folder import LOCK_FILE
from kit.runs import load_run
from tiny_batches import TinyBatches

CONFIG = Config(model="resnet18", model_options={"dropout": 0.3}, epochs=4, batch_size=8, image_size=32, lr=2e-3,
                warmup_epochs=1)
TIMING = ["seconds", "images_per_s"]  # wall-clock columns: the only ones allowed to differ between runs


def _train(run_dir, config=CONFIG, data=None, **kwargs):
    data = data or TinyBatches(batch_size=config.batch_size, image_size=config.image_size)
    model = build_model_for(config, len(data.classes))
    return model, fit(model, data, config, run_dir, progress=False, **kwargs)


def _without_timing(history: pd.DataFrame) -> pd.DataFrame:
    return history.drop(columns=TIMING)


pytestmark = pytest.mark.usefixtures("one_thread", "english")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One uninterrupted run of CONFIG; several tests compare against it."""
    run_dir = tmp_path_factory.mktemp("reference") / "run"
    model, history = _train(run_dir)
    return run_dir, model, history


def test_loss_falls_on_learnable_data(reference):
    _, _, history = reference
    assert list(history.columns) == list(HISTORY_COLUMNS)
    assert history["epoch"].tolist() == [1, 2, 3, 4]
    assert history["train_loss"].iloc[-1] < 0.8 * history["train_loss"].iloc[0]
    assert history["val_acc"].max() >= 0.6  # 5 classes: chance is 0.2


def test_run_files_hold_what_the_history_says(reference):
    run_dir, model, history = reference
    assert {p.name for p in run_dir.iterdir()} - {LOCK_FILE} == {
        "config.json", "history.csv", "metrics.json", "last.pt", "best.pt", "predictions.csv", "gradient_norms.csv"}
    # no temporary files left, and the trainer's lock released
    assert Config.from_json(run_dir / "config.json") == CONFIG
    pd.testing.assert_frame_equal(pd.read_csv(run_dir / "history.csv"), history)
    run = load_run(run_dir)
    pd.testing.assert_frame_equal(run.history, history)
    assert Config.from_dict(run.config) == CONFIG

    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert CONFIG.monitor == "val_loss"
    best_row = history.loc[history["val_loss"].idxmin()]  # the first of equals, as idxmin picks
    point = lambda row: {k: (int(row[k]) if k == "epoch" else float(row[k]))
                         for k in ("epoch", "train_loss", "train_acc", "val_loss", "val_acc")}
    assert metrics["best"] == point(best_row) and metrics["last"] == point(history.iloc[-1])
    assert metrics["epochs_done"] == metrics["epochs_planned"] == 4
    assert metrics["finished"] is True and metrics["stopped_early"] is False
    assert (metrics["model"], metrics["device"], metrics["precision"]) == ("resnet18", "cpu", "fp32")
    assert metrics["parameters"] == sum(p.numel() for p in model.parameters())

    last = load_checkpoint(run_dir / "last.pt")  # weights_only=True inside
    assert last["epoch"] == 4 and last["finished"] and last["config"] == CONFIG.to_dict()
    pd.testing.assert_frame_equal(pd.DataFrame(last["history"]), history)
    assert set(last) >= {"model", "optimizer", "scheduler", "scaler", "rng"}
    for name, tensor in model.state_dict().items():  # the model ends with the last epoch's weights
        assert torch.equal(tensor, last["model"][name]), name

    best = torch.load(run_dir / "best.pt", weights_only=True)
    assert best["epoch"] == int(best_row["epoch"])
    predictions = pd.read_csv(run_dir / "predictions.csv")
    assert len(predictions) == 20 and predictions["correct"].mean() == pytest.approx(best_row["val_acc"])


def test_the_lr_column_follows_warmup_then_cosine(reference):
    _, _, history = reference
    steps = TinyBatches().train_steps()
    expected = [CONFIG.lr * lr_factor(epoch * steps - 1, kind="cosine", warmup_steps=steps,
                                      total_steps=4 * steps, steps_per_epoch=steps, step_size=10, gamma=0.1)
                for epoch in (1, 2, 3, 4)]
    assert history["lr"].tolist() == pytest.approx(expected)
    assert history["lr"].iloc[0] == pytest.approx(CONFIG.lr)  # warm-up ends at the peak


def test_a_finished_run_is_loaded_not_retrained(reference, monkeypatch):
    run_dir, trained, history = reference
    before = {p.name: p.stat().st_mtime_ns for p in run_dir.iterdir()}

    def no_training(*args, **kwargs):
        raise AssertionError("a finished run must not be trained again")

    monkeypatch.setattr(kit.train, "_train_one_epoch", no_training)
    model = build_model_for(CONFIG.replace(seed=1), 5)
    again = fit(model, TinyBatches(), CONFIG, run_dir, progress=False)
    pd.testing.assert_frame_equal(again, history)
    for name, tensor in trained.state_dict().items():
        assert torch.equal(model.state_dict()[name], tensor), name
    assert {p.name: p.stat().st_mtime_ns for p in run_dir.iterdir()} == before


def test_a_different_config_in_the_same_folder_is_refused(reference):
    run_dir, _, _ = reference
    before = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    changed = CONFIG.replace(lr=1e-3, epochs=5)
    with pytest.raises(ConfigMismatchError, match=r"different config \(epochs 4 -> 5, lr 0.002 -> 0.001\)"):
        fit(build_model_for(changed, 5), TinyBatches(), changed, run_dir, progress=False)
    assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == before


def test_resume_after_an_interrupt_gives_the_uninterrupted_history(reference, tmp_path):
    _, reference_model, reference_history = reference
    run_dir = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C in the middle of epoch 3
        _train(run_dir, data=TinyBatches(interrupt_at=(3, 2)))
    assert load_checkpoint(run_dir / "last.pt")["epoch"] == 2
    assert json.loads((run_dir / "metrics.json").read_text())["finished"] is False
    partial = load_run(run_dir).history
    # Two separate runs with one seed: identical so far.
    pd.testing.assert_frame_equal(_without_timing(partial), _without_timing(reference_history.iloc[:2]))

    model, resumed = _train(run_dir)
    pd.testing.assert_frame_equal(_without_timing(resumed), _without_timing(reference_history))
    for name, tensor in reference_model.state_dict().items():
        assert torch.equal(model.state_dict()[name], tensor), name


def test_a_crash_while_writing_a_checkpoint_keeps_the_previous_one(tmp_path, monkeypatch):
    config = CONFIG.replace(epochs=2)
    real_save = torch.save

    def save_that_dies_halfway(obj, handle, *args, **kwargs):
        if isinstance(obj, dict) and obj.get("epoch") == 2 and "optimizer" in obj:
            real_save({"model": obj["model"]}, handle)
            handle.truncate(handle.tell() // 2)  # half a file on disk, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(obj, handle, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save_that_dies_halfway)
    run_dir = tmp_path / "run"
    with pytest.raises(OSError, match=r"Writing .*last.pt failed: the disk is full .*previous checkpoint is intact"):
        _train(run_dir, config)
    last = load_checkpoint(run_dir / "last.pt")
    assert last["epoch"] == 1 and not last["finished"]
    assert sorted(p.name for p in run_dir.iterdir() if p.name.startswith(".")) == [LOCK_FILE]  # temp file removed
    assert len(load_run(run_dir).history) == 1

    monkeypatch.setattr(torch, "save", real_save)
    _, history = _train(run_dir, config)  # picks up after epoch 1
    assert history["epoch"].tolist() == [1, 2]


def test_a_nan_loss_stops_with_advice_and_keeps_the_last_good_epoch(tmp_path):
    config = CONFIG.replace(epochs=3)
    with pytest.raises(TrainingDiverged, match=r"became nan in epoch 2.*Lower the learning rate.*lr=0.0007"):
        _train(tmp_path / "run", config, data=TinyBatches(poison_epoch=2))
    last = load_checkpoint(tmp_path / "run" / "last.pt")
    assert last["epoch"] == 1 and all(torch.isfinite(t).all() for t in last["model"].values())


class _SmallNet(nn.Module):
    """A few-kilobyte network that 'runs out of memory' above a given batch size. It stands in for CONFIG's model,
    so it names itself as build_model would (fit trains only what the Config describes)."""

    kit_name, kit_options = CONFIG.model, CONFIG.model_options

    def __init__(self, fits: int) -> None:
        super().__init__()
        self.fits = fits
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(4, 5)

    def forward(self, x):
        if x.shape[0] > self.fits:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return self.fc(self.features(x))


def test_out_of_memory_names_a_batch_size_that_fits(tmp_path):
    with pytest.raises(BatchSizeTooLarge, match=r"batch_size=8 .*batch_size=2 fits"):
        fit(_SmallNet(fits=3), TinyBatches(), CONFIG, tmp_path / "run", progress=False)


def test_data_that_does_not_match_the_config_is_refused(tmp_path):
    model = _SmallNet(fits=100)
    with pytest.raises(ValueError, match="batches of 4 but config.batch_size is 8"):
        fit(model, TinyBatches(batch_size=4), CONFIG, tmp_path / "a", progress=False)
    with pytest.raises(ValueError, match="16 px images but config.image_size is 32"):
        fit(model, TinyBatches(image_size=16), CONFIG, tmp_path / "b", progress=False)
    with pytest.raises(ValueError, match="model is resnet18 .* the Config says plain18"):
        fit(build_model_for(CONFIG, 5), TinyBatches(), CONFIG.replace(model="plain18"), tmp_path / "c")


def test_a_folder_with_foreign_files_is_not_overwritten(tmp_path):
    (tmp_path / "history.csv").write_text("epoch\n1\n")
    with pytest.raises(FileExistsError, match="no config.json"):
        fit(_SmallNet(fits=100), TinyBatches(), CONFIG, tmp_path, progress=False)
    assert (tmp_path / "history.csv").read_text() == "epoch\n1\n"


def test_early_stopping_after_patience_epochs_without_improvement(tmp_path, monkeypatch):
    history = [{"epoch": epoch, "train_loss": 1.0, "train_acc": 0.5, "val_loss": v, "val_acc": a}
               for epoch, (v, a) in enumerate([(1.0, 0.3), (0.8, 0.5), (0.9, 0.5), (0.85, 0.4)], start=1)]
    by_loss = CONFIG.replace(patience=2, monitor="val_loss")
    by_acc = CONFIG.replace(patience=2, monitor="val_acc")
    assert not kit.train._patience_ran_out(history[:3], by_loss)
    assert kit.train._patience_ran_out(history, by_loss)
    assert kit.train._patience_ran_out(history, by_acc)  # 0.5 at epoch 2 was never beaten
    assert not kit.train._patience_ran_out(history, CONFIG)  # patience None: never

    # In a run whose validation never improves after epoch 1, training stops at epoch 1 + patience.
    monkeypatch.setattr(kit.train, "_evaluate", lambda *args: (1.0, 0.5))
    config = CONFIG.replace(epochs=4, patience=1, monitor="val_acc")
    stopped = fit(_SmallNet(fits=100), TinyBatches(), config, tmp_path / "run", progress=False)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert stopped["epoch"].tolist() == [1, 2] and metrics["stopped_early"] and metrics["finished"]


@pytest.mark.parametrize("monitor, best_epoch", [("val_loss", 2), ("val_acc", 3)])
def test_best_pt_and_metrics_json_follow_the_monitor(tmp_path, monkeypatch, monitor, best_epoch):
    measured = [(1.0, 0.3), (0.7, 0.4), (0.8, 0.6), (0.9, 0.5)]  # epoch 2 has the lowest loss, 3 the highest acc
    monkeypatch.setattr(kit.train, "_evaluate", lambda *args: measured.pop(0))
    config = CONFIG.replace(monitor=monitor, patience=2)
    run_dir = tmp_path / "run"
    history = fit(_SmallNet(fits=100), TinyBatches(), config, run_dir, progress=False)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["best"]["epoch"] == load_checkpoint(run_dir / "best.pt")["epoch"] == best_epoch
    assert load_checkpoint(run_dir / "best.pt")["metrics"]["epoch"] == best_epoch
    # early stopping counts from the same best epoch: patience 2 after epoch 2 ends the run at 4, after 3 it runs on
    assert metrics["stopped_early"] is (monitor == "val_loss") and len(history) == 4


def test_lr_schedules():
    common = dict(warmup_steps=4, total_steps=20, steps_per_epoch=2, step_size=3, gamma=0.1)
    assert [lr_factor(s, kind="cosine", **common) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert lr_factor(4, kind="cosine", **common) == 1.0
    assert lr_factor(12, kind="cosine", **common) == pytest.approx(0.5)
    assert [lr_factor(s, kind="step", **common) for s in (4, 5, 6, 11, 12)] == pytest.approx([1, 1, 0.1, 0.1, 0.01])
    assert lr_factor(19, kind="none", **common) == 1.0


def test_set_seed_makes_python_numpy_and_torch_repeat():
    import random

    import numpy as np

    set_seed(3)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    set_seed(3)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first


def test_run_dir_for(tmp_path):
    assert run_dir_for(tmp_path, "plain34") == tmp_path / "runs" / "plain34"
    for bad in ("", "a/b", "..", "x\\y"):
        with pytest.raises(ValueError, match="plain folder name"):
            run_dir_for(tmp_path, bad)


def test_a_run_stopped_in_its_first_epoch_restarts_from_the_initial_weights(tmp_path, reference):
    """A notebook cell re-run after Ctrl-C in epoch 1 passes fit the half-trained model still in memory."""
    _, _, reference_history = reference
    run_dir = tmp_path / "run"
    model = build_model_for(CONFIG, len(kit.CLASSES))
    with pytest.raises(KeyboardInterrupt):
        fit(model, TinyBatches(interrupt_at=(1, 3)), CONFIG, run_dir, progress=False)
    history = fit(model, TinyBatches(), CONFIG, run_dir, progress=False)  # the same, now changed, model object
    pd.testing.assert_frame_equal(_without_timing(history), _without_timing(reference_history))


def test_a_finished_run_refuses_other_data(tmp_path):
    config = CONFIG.replace(epochs=2)
    first, other = TinyBatches(), TinyBatches()
    first.fingerprint, other.fingerprint = "split-a", "split-b"
    _train(tmp_path / "run", config, data=first)
    before = (tmp_path / "run" / "metrics.json").read_text()
    assert json.loads(before)["data"] == "split-a"
    with pytest.raises(ConfigMismatchError, match="other data or another split"):
        _train(tmp_path / "run", config, data=other)
    assert (tmp_path / "run" / "metrics.json").read_text() == before  # nothing overwritten


def _evaluations(*losses):
    """A stand-in for ``_evaluate`` giving these val losses, one per epoch (val acc 0.5)."""
    queue = list(losses)
    return lambda *args: (queue.pop(0), 0.5)


def test_a_nan_val_loss_stops_the_run_and_never_becomes_best(tmp_path, monkeypatch):
    monkeypatch.setattr(kit.train, "_evaluate", _evaluations(1.2, float("nan")))
    run_dir = tmp_path / "run"
    with pytest.raises(TrainingDiverged, match=r"validation loss became nan in epoch 2.*keeps epoch 1, the last"):
        _train(run_dir, CONFIG.replace(epochs=3))
    assert load_checkpoint(run_dir / "best.pt")["epoch"] == 1
    assert load_checkpoint(run_dir / "last.pt")["epoch"] == 1
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["best"]["epoch"] == metrics["last"]["epoch"] == 1 and not metrics["finished"]


def test_a_nan_val_loss_in_the_first_epoch_keeps_only_the_initial_weights(tmp_path, monkeypatch):
    monkeypatch.setattr(kit.train, "_evaluate", _evaluations(float("nan")))
    with pytest.raises(TrainingDiverged, match="no epoch was good yet"):
        _train(tmp_path / "run", CONFIG.replace(epochs=2))
    assert not (tmp_path / "run" / "best.pt").exists()
    assert load_checkpoint(tmp_path / "run" / "last.pt")["epoch"] == 0


def test_a_loss_orders_of_magnitude_above_guessing_is_warned_about(tmp_path, monkeypatch):
    monkeypatch.setattr(kit.train, "_evaluate", _evaluations(1e23))
    with pytest.warns(kit.train.LossExploding, match="val_loss of epoch 1 .1e\\+23. is .* times that of guessing"):
        _train(tmp_path / "run", CONFIG.replace(epochs=1, warmup_epochs=0))


def test_weight_decay_and_label_smoothing_reach_the_training(tmp_path):
    """Each setting changes what is trained; a fit that ignored one would repeat the baseline exactly."""
    base = CONFIG.replace(epochs=1, model_options={}, warmup_epochs=0, label_smoothing=0.0, weight_decay=0.0,
                          optimizer="sgd", lr=0.05)
    runs = {name: _train(tmp_path / name, config) for name, config in {
        "base": base, "decay": base.replace(weight_decay=0.5), "smooth": base.replace(label_smoothing=0.5)}.items()}
    weights = {name: torch.cat([p.detach().flatten() for n, p in model.named_parameters() if "conv" in n])
               for name, (model, _) in runs.items()}
    assert weights["decay"].norm() < weights["base"].norm()  # decay pulls every weight towards zero
    assert not torch.equal(weights["smooth"], weights["base"])
    base_loss, smooth_loss = (runs[name][1]["val_loss"].iloc[0] for name in ("base", "smooth"))
    assert smooth_loss != base_loss


def test_a_model_or_batches_unlike_the_config_are_refused(tmp_path):
    plain_options = CONFIG.replace(model_options={})
    with_se = build_model_for(plain_options.replace(model_options={"se": True}), 5)
    with pytest.raises(ValueError, match=r"model is resnet18 \{'se': True\} but the Config says resnet18 \{\}"):
        fit(with_se, TinyBatches(), plain_options, tmp_path / "a", progress=False)
    data = TinyBatches()
    data.settings = {"batch_size": 8, "image_size": 32, "seed": 0, "flip": False}  # as batches_for(config) records
    with pytest.raises(ValueError, match=r"built with flip=False \(Config: True\)"):
        fit(build_model_for(CONFIG, 5), data, CONFIG, tmp_path / "b", progress=False)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b" / "config.json").exists()
