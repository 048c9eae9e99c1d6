"""``fit()``: the epoch loop, mixed precision, early stopping, and run files that survive a disconnect.

The loop in ``fit`` reads top to bottom (in the spirit of Karpathy's nanoGPT ``train.py``): check the inputs
and the run folder, build the optimizer and schedule, start or resume, then for every epoch train, validate and
hand the epoch's files to a background writer. Everything else lives in modules named for it:
``kit.run_folder`` (the files and the rules: one Config per folder, the experiment's settings, one trainer at a
time), ``kit.checkpoint`` (what last.pt holds, RNG states included), ``kit.optimizer`` (optimizer and learning-rate
schedule), ``kit.background_writer``, ``kit.oom`` (a batch size that fits) and ``kit.gradient_norms``.
Everything the report shows is read back from the run files.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pandas as pd
import torch
from torch import nn
from tqdm import tqdm  # the bars' type; kit.progress makes them

from kit.background_writer import BackgroundWriter, write_files
from kit.checkpoint import TrainingState, best_weights, load_checkpoint, open_run, set_seed
from kit.config import Config
from kit.data.batches import Batches
from kit.env import autocast_dtype, default_device
from kit.gradient_norms import GradientNormRecorder, gradient_frame
from kit.models import build_model_for, chosen_options, count_parameters
from kit.optimizer import lr_factor, make_optimizer, make_scheduler
from kit.oom import BatchSizeTooLarge, OutOfMemoryError, out_of_memory_message, precision_name
from kit.predictions import evaluate_run
from kit.progress import progress_bar, write_line
from kit.run_folder import (GRADIENT_NORMS_FILE, HISTORY_COLUMNS, ConfigMismatchError, RunLock, best_position,
                            check_experiment, check_run_config, check_writable, history_frame, missing_derived_files,
                            remove_stale_temporaries, run_dir_for, summary_json)
from kit.text import tr

__all__ = ["BatchSizeTooLarge", "ConfigMismatchError", "HISTORY_COLUMNS", "LossExploding", "TrainingDiverged",
           "build_model_for", "check_run_config", "fit", "load_checkpoint", "lr_factor", "make_optimizer",
           "make_scheduler", "precision_name", "run_dir_for", "set_seed"]

LIVE_EVERY = 10
"""Steps between two progress-bar updates: each update waits for the GPU, so not after every step."""
EXPLODED = 100.0
"""A loss this many times that of guessing (ln of the number of classes) has blown up, not merely stalled."""


class TrainingDiverged(RuntimeError):
    """The training or validation loss became NaN or infinite."""


class LossExploding(UserWarning):
    """The loss grew orders of magnitude above that of guessing: the learning rate is probably too high."""


# ---- fit -----------------------------------------------------------------------------------------------------

def fit(model: nn.Module, data: Batches, config: Config, run_dir: str | Path, *,
        device: str | torch.device | None = None, progress: bool = True,
        on_epoch_end: Callable[[dict[str, Any]], None] | None = None) -> pd.DataFrame:
    """Train ``model`` on ``data`` with ``config``, writing the run files to ``run_dir`` after every epoch.

    - best.pt holds the best epoch by ``config.monitor`` (``kit.run_folder.best_row``: lowest val loss or highest
      val acc, first of equals), and so do metrics.json's ``best``, predictions.csv and early stopping.
    - A new folder starts a new run. A folder holding an unfinished run with the same config resumes it after
      its last saved epoch and ends with the same history as an uninterrupted run (exactly, on the CPU).
    - A folder holding a finished run with the same config is loaded, not retrained: ``model`` gets the last
      epoch's weights, files deleted since are rebuilt from the checkpoints, and the saved history is returned.
    - A folder holding a run of another config or other data, a ``config`` that contradicts the workspace's
      experiment.json, a model or batches that are not what ``config`` says: ``ConfigMismatchError`` /
      ``ValueError``, and nothing is overwritten. A second process training the same folder: ``RunLocked``.

    Args:
        model: the network, ``build_model_for(config, len(data.classes))``. Moved to ``device``.
        data: batches on the training device (``kit.data.batches.Batches``), ``batches_for(config, ...)``.
        config: the run's hyperparameters.
        run_dir: the run's folder, e.g. ``run_dir_for(workspace, "plain34")``.
        device: where to train; defaults to ``kit.env.default_device()``.
        progress: show a progress bar per epoch and print a one-line summary after each.
        on_epoch_end: called with the epoch's history row at the end of each epoch (e.g. for a live plot).

    Returns:
        The history, one row per epoch, columns ``HISTORY_COLUMNS``. Accuracies are fractions (0..1); ``lr``
        is the rate of the epoch's last step; ``seconds`` is the epoch's wall time (train + val) and
        ``images_per_s`` the training throughput. Both losses include label smoothing, so they are comparable.

    Raises:
        TrainingDiverged: a loss became NaN/inf; last.pt keeps the last epoch with finite losses, best.pt the
            best of those by ``config.monitor``.
        BatchSizeTooLarge: CUDA ran out of memory; the message names a batch size that fits.
        KeyboardInterrupt: passed on after the files of the last finished epoch are safely written.
    """
    run_dir = Path(run_dir).expanduser()
    device = torch.device(device) if device is not None else default_device()
    check_model(model, config, len(data.classes))
    check_data(data, config)
    # split_seed may differ from experiment.json only where the data names its split seed (check_data: equal)
    check_experiment(run_dir, config, own_split="split_seed" in getattr(data, "settings", {}))
    check_writable(run_dir)
    with RunLock(run_dir):
        remove_stale_temporaries(run_dir)
        checkpoint = open_run(run_dir, config, getattr(data, "fingerprint", None))
        model.to(device)
        if checkpoint is not None and checkpoint["finished"]:
            return _load_finished(model, data, checkpoint, run_dir, device, progress)
        return _train(model, data, config, run_dir, checkpoint, device, progress, on_epoch_end)


def _train(model, data, config, run_dir, checkpoint, device, progress, on_epoch_end) -> pd.DataFrame:
    """The epoch loop of a new or resumed run."""
    dtype = autocast_dtype(device) if config.amp == "auto" else None
    channels_last = config.channels_last == "on" or (config.channels_last == "auto" and device.type == "cuda")
    if channels_last:
        model.to(memory_format=torch.channels_last)
    steps = data.train_steps()
    optimizer = make_optimizer(model, config)
    state = TrainingState(model, optimizer, make_scheduler(optimizer, config, steps),
                          torch.amp.GradScaler(device.type, enabled=dtype == torch.float16))  # fp16: loss scaling
    criterion = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    recorder = GradientNormRecorder(model, config.grad_norm_every) if config.grad_norm_every else None
    info = {"model": config.model, "parameters": count_parameters(model), "device": _device_name(device),
            "precision": precision_name(dtype), "epochs_planned": config.epochs, "classes": list(data.classes),
            "data": getattr(data, "fingerprint", None)}
    history, gradient_norms = _start_or_resume(state, checkpoint, config, run_dir, info, recorder, progress=progress)
    setup = _Setup(torch.compile(model) if config.compile else model, state, criterion, dtype, channels_last,
                   recorder, config, steps)
    writer = BackgroundWriter(background=device.type == "cuda")
    try:
        with _cudnn_benchmark():
            for epoch in range(len(history) + 1, config.epochs + 1):
                started = time.perf_counter()
                with _progress_bar(data.train_batches(epoch), steps, epoch, config.epochs, progress) as bar:
                    try:
                        train = _train_one_epoch(setup, bar, epoch, last_good=len(history))
                        val_loss, val_acc = _evaluate(setup, data.eval_batches("val"))
                    except OutOfMemoryError:
                        train = None  # handled below, outside the except block, so its tensors can be freed
                if train is None:
                    raise BatchSizeTooLarge(out_of_memory_message(
                        model, optimizer, model_name=config.model, image_size=config.image_size,
                        batch_size=config.batch_size, dtype=dtype, channels_last=channels_last,
                        num_classes=len(data.classes))) from None
                if not math.isfinite(val_loss):
                    raise TrainingDiverged(_diverged("train.diverged_val", val_loss, epoch, config, len(history)))
                history.append({"epoch": epoch, **train, "val_loss": val_loss, "val_acc": val_acc,
                                "seconds": time.perf_counter() - started})
                gradient_norms += recorder.rows() if recorder is not None else []
                _warn_if_exploding(history[-1], len(data.classes), config)
                stopped_early = _patience_ran_out(history, config)
                finished = epoch == config.epochs or stopped_early
                writer.submit(_epoch_files(run_dir, state, config, history, info, finished=finished,
                                           stopped_early=stopped_early,
                                           gradient_norms=gradient_norms if recorder is not None else None))
                if progress:
                    write_line(_epoch_line(history[-1], config.epochs, _is_best(history, config), stopped_early),
                               replacing=bar)  # in a notebook the line takes the closed bar's place
                if on_epoch_end is not None:
                    on_epoch_end(dict(history[-1]))
                if finished:
                    break
    except KeyboardInterrupt as interrupt:
        if hasattr(interrupt, "add_note"):  # Python >= 3.11
            interrupt.add_note(tr("train.interrupted", run_dir=run_dir))
        raise
    finally:
        writer.wait()  # a started checkpoint is always completed, also on Ctrl-C
    writer.raise_error()
    _write_predictions(model, data, run_dir, device)
    return history_frame(history)


def _start_or_resume(state, checkpoint, config, run_dir, info, recorder, *, progress: bool) -> tuple[list, list]:
    """The history and gradient-norm records so far: empty for a new run (whose starting point is saved as
    last.pt, so a run stopped in epoch 1 restarts from these weights, not from a half-trained model still in the
    notebook's memory), else those of ``checkpoint``, whose state ``state`` takes over."""
    if checkpoint is None:
        config.to_json(run_dir / "config.json")
        set_seed(config.seed)
        write_files([(run_dir / "last.pt", state.snapshot(config, [], info, finished=False, stopped_early=False,
                                                          gradient_norms=None))])
        return [], []
    state.restore(checkpoint)
    history = history_frame(checkpoint["history"]).to_dict("records")
    # From last.pt, not the csv: exactly the recorded steps up to the checkpointed epoch, none past it.
    gradient_norms = gradient_frame(checkpoint.get("gradient_norms")).to_dict("records")
    if recorder is not None:
        recorder.resume(gradient_norms)
    if progress:
        write_line(tr("train.resuming", run_dir=run_dir, epoch=len(history), epochs=config.epochs))
    return history, gradient_norms


def _load_finished(model, data, checkpoint, run_dir, device, progress) -> pd.DataFrame:
    """A finished run: its last weights into ``model``; run files deleted since rebuilt from its checkpoints."""
    model.load_state_dict(checkpoint["model"])
    history = history_frame(checkpoint["history"])
    if progress:
        write_line(tr("train.loaded", run_dir=run_dir, epochs=len(history)))
    missing = missing_derived_files(run_dir, "gradient_norms" in checkpoint)
    if missing:
        info = checkpoint.get("info") or _info_of(model, checkpoint, device)
        rows = history.to_dict("records")
        files = {"history.csv": history.to_csv(index=False),
                 "metrics.json": summary_json(rows, info, True, checkpoint["stopped_early"],
                                              Config.from_dict(checkpoint["config"]).monitor),
                 GRADIENT_NORMS_FILE: gradient_frame(checkpoint.get("gradient_norms")).to_csv(index=False)}
        write_files([(run_dir / name, files[name]) for name in missing])
        if progress:
            write_line(tr("train.rebuilt", run_dir=run_dir, files=", ".join(missing)))
    if not (run_dir / "predictions.csv").exists():
        _write_predictions(model, data, run_dir, device)
    return history


def _info_of(model, checkpoint, device) -> dict[str, Any]:
    """metrics.json's description of a run whose checkpoint predates storing it: what can be known now."""
    config = Config.from_dict(checkpoint["config"])
    return {"model": config.model, "parameters": count_parameters(model), "device": _device_name(device),
            "precision": "unknown", "epochs_planned": config.epochs, "classes": checkpoint["classes"],
            "data": checkpoint.get("data")}


# ---- one epoch -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Setup:
    """What every step of a run needs, set up once: the model (compiled when ``config.compile``), its training
    state, the loss, the autocast dtype (None: fp32), the memory layout, the gradient-norm recorder (None: off)."""

    model: nn.Module
    state: TrainingState
    criterion: nn.Module
    dtype: torch.dtype | None
    channels_last: bool
    recorder: GradientNormRecorder | None
    config: Config
    steps: int


def _train_one_epoch(setup: _Setup, batches: tqdm, epoch: int, *, last_good: int) -> dict[str, float]:
    """One pass over the training batches: ``train_loss``, ``train_acc``, ``lr`` (of the last step),
    ``images_per_s``.

    ``recorder`` (``kit.gradient_norms.GradientNormRecorder``) sees the gradients of its steps after ``backward``
    and before the update; a record of a step the fp16 loss scaler skips is discarded. The scheduler advances
    on every step, also on one the scaler skips (as in PyTorch's AMP examples): the schedule counts batches.
    """
    model, config, steps, recorder = setup.model, setup.config, setup.steps, setup.recorder
    optimizer, scheduler, scaler = setup.state.optimizer, setup.state.scheduler, setup.state.scaler
    model.train()
    device = next(model.parameters()).device
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), dtype=torch.int64, device=device)
    seen, lr, step = 0, optimizer.param_groups[0]["lr"], 0
    _synchronize(device)
    started = time.perf_counter()
    for step, (images, labels) in enumerate(batches, start=1):
        if step == 1 and images.shape[-1] != config.image_size:
            raise ValueError(f"The data gives {images.shape[-1]} px images but config.image_size is "
                             f"{config.image_size}: build the batches with the config's image size.")
        if setup.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        with torch.autocast(device.type, dtype=setup.dtype, enabled=setup.dtype is not None):
            logits = model(images)
            loss = setup.criterion(logits, labels)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        global_step = (epoch - 1) * steps + step
        scale = None
        if recorder is not None and recorder.due(global_step):
            # fp16: unscale first so the true gradient is recorded; scaler.step then does not unscale again,
            # so the update is the same as without recording (and a no-op without loss scaling).
            scaler.unscale_(optimizer)
            recorder.record(global_step, epoch)
            scale = scaler.get_scale() if scaler.is_enabled() else None  # scaler.step waits for the GPU anyway
        scaler.step(optimizer)
        scaler.update()
        if scale is not None and scaler.get_scale() < scale:  # the scale only drops when the step was skipped
            recorder.discard()  # inf/NaN gradients of unchanged weights; the next step records instead
        lr = optimizer.param_groups[0]["lr"]
        _scheduler_step(scheduler, first=global_step == 1)
        loss_sum += loss.detach().float() * labels.numel()
        correct += (logits.argmax(dim=1) == labels).sum()
        seen += labels.numel()
        if step % LIVE_EVERY == 0 or step == steps:
            mean_loss = loss_sum.item() / seen  # waits for the GPU: only every LIVE_EVERY steps
            if not math.isfinite(mean_loss):
                raise TrainingDiverged(_diverged("train.diverged_train", mean_loss, epoch, config, last_good,
                                                 step=step, lr=lr))
            batches.set_postfix(loss=f"{mean_loss:.3f}", acc=f"{correct.item() / seen:.1%}", refresh=False)
    if seen == 0:
        raise ValueError("The data yielded no training batches.")
    _synchronize(device)
    seconds = time.perf_counter() - started
    mean_loss = loss_sum.item() / seen
    if not math.isfinite(mean_loss):
        raise TrainingDiverged(_diverged("train.diverged_train", mean_loss, epoch, config, last_good, step=step, lr=lr))
    return {"train_loss": mean_loss, "train_acc": correct.item() / seen, "lr": lr, "images_per_s": seen / seconds}


@torch.no_grad()
def _evaluate(setup: _Setup, batches: Iterator) -> tuple[float, float]:
    """Mean loss and accuracy over deterministic batches (no augmentation, no gradient)."""
    model = setup.model
    model.eval()
    device = next(model.parameters()).device
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), dtype=torch.int64, device=device)
    seen = 0
    for images, labels in batches:
        if setup.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        with torch.autocast(device.type, dtype=setup.dtype, enabled=setup.dtype is not None):
            logits = model(images)
            loss_sum += setup.criterion(logits, labels).float() * labels.numel()
        correct += (logits.argmax(dim=1) == labels).sum()
        seen += labels.numel()
    if seen == 0:
        raise ValueError("The data has no validation images: fit needs a val split to measure progress.")
    return loss_sum.item() / seen, correct.item() / seen


def _scheduler_step(scheduler, *, first: bool) -> None:
    """``scheduler.step()``. On a run's first step an fp16 run's loss scaler usually skips the update; PyTorch then
    warns that the scheduler stepped before the optimizer. That is intended (``_train_one_epoch``), and only that
    warning is silenced, so it does not alarm students on a T4."""
    if not first:
        scheduler.step()
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"Detected call of `lr_scheduler\.step\(\)` before", UserWarning)
        scheduler.step()


# ---- the pieces the loop uses --------------------------------------------------------------------------------

def _patience_ran_out(history: list[dict[str, Any]], config: Config) -> bool:
    """Early stopping (Prechelt 1998): ``patience`` epochs in a row without a new best epoch by ``monitor``
    (the rule of best.pt, ``kit.run_folder.best_position``)."""
    if config.patience is None:
        return False
    return len(history) - 1 - best_position(history, config.monitor) >= config.patience


def _is_best(history: list[dict[str, Any]], config: Config) -> bool:
    """Whether the last epoch of ``history`` is the run's best so far by ``config.monitor``: best.pt is written."""
    return best_position(history, config.monitor) == len(history) - 1


def _diverged(key: str, loss: float, epoch: int, config: Config, last_good: int, **where: Any) -> str:
    kept = tr("train.kept_epoch", epoch=last_good) if last_good else tr("train.kept_start")
    return tr(key, loss=loss, epoch=epoch, suggested=config.lr / 3, config_lr=config.lr, kept=kept, **where)


def _warn_if_exploding(row: dict[str, Any], num_classes: int, config: Config) -> None:
    """A ``LossExploding`` warning when an epoch's loss is ``EXPLODED`` times that of guessing or more."""
    chance = math.log(num_classes)
    for which in ("train_loss", "val_loss"):
        if row[which] >= EXPLODED * chance:
            warnings.warn(tr("train.exploding", which=which, epoch=row["epoch"], loss=row[which],
                             factor=row[which] / chance, chance=chance, lr=config.lr), LossExploding, stacklevel=3)
            return


def _epoch_line(row: dict[str, Any], epochs: int, is_best: bool, stopped_early: bool) -> str:
    """The one line printed after each epoch."""
    line = tr("train.epoch_line", width=len(str(epochs)), epochs=epochs, best=" *" if is_best else "  ", **row)
    return line + (tr("train.early_stop") if stopped_early else "")


@contextmanager
def _progress_bar(batches: Iterator, steps: int, epoch: int, epochs: int, show: bool) -> Iterator[tqdm]:
    """The progress bar of one epoch's training batches, gone when the epoch ends."""
    bar = progress_bar(batches, total=steps, desc=f"epoch {epoch}/{epochs}", enabled=show)
    try:
        yield bar
    finally:
        bar.close()


@contextmanager
def _cudnn_benchmark() -> Iterator[None]:
    """Fixed input sizes: let cuDNN pick its fastest kernels while training, and restore the setting after."""
    before = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = True
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = before


def _epoch_files(run_dir, state, config, history, info, *, finished: bool, stopped_early: bool,
                 gradient_norms: list | None) -> list[tuple[Path, Any]]:
    """The files of one epoch, in write order, as CPU snapshots (training goes on while they are written).

    best.pt goes first and metrics.json last, so after a crash at any point the folder describes an epoch whose
    files all exist, and last.pt (the resume point) never runs ahead of best.pt.
    """
    norms = gradient_frame(gradient_norms) if gradient_norms is not None else None
    last = state.snapshot(config, history, info, finished=finished, stopped_early=stopped_early,
                          gradient_norms=norms.to_dict("list") if norms is not None else None)
    files = [(run_dir / "best.pt", best_weights(last, dict(history[-1])))] if _is_best(history, config) else []
    files += [(run_dir / "last.pt", last), (run_dir / "history.csv", history_frame(history).to_csv(index=False))]
    if norms is not None:
        files.append((run_dir / GRADIENT_NORMS_FILE, norms.to_csv(index=False)))
    return files + [(run_dir / "metrics.json", summary_json(history, info, finished, stopped_early, config.monitor))]


def _write_predictions(model: nn.Module, data: Batches, run_dir: Path, device: torch.device) -> None:
    evaluate_run(run_dir, data, model=copy.deepcopy(model), device=device)


# ---- checks before training -------------------------------------------------------------------------------------

def check_model(model: nn.Module, config: Config, num_classes: int) -> None:
    """A ``ValueError`` unless ``model`` is what ``config`` describes (architecture and options) with
    ``num_classes`` outputs: config.json must describe the network that was trained."""
    if not hasattr(model, "kit_name"):
        raise ValueError(tr("train.model_unknown", kind=type(model).__name__))
    wanted = chosen_options(config.model_options)
    if (model.kit_name, model.kit_options) != (config.model, wanted):
        raise ValueError(tr("train.model_mismatch", model=model.kit_name, options=model.kit_options,
                            config_model=config.model, config_options=wanted))
    head = getattr(model, "fc", None)
    if isinstance(head, nn.Linear) and head.out_features != num_classes:
        raise ValueError(f"The model has {head.out_features} outputs but the data has {num_classes} classes.")


def check_data(data: Batches, config: Config) -> None:
    """A ``ValueError`` unless ``data`` was built with ``config``'s batch size (and, where the batches say so,
    its image size, seed and augmentation)."""
    if data.batch_size != config.batch_size:
        raise ValueError(f"The data gives batches of {data.batch_size} but config.batch_size is {config.batch_size}: "
                         "build the batches with the config's batch size.")
    settings = getattr(data, "settings", {})
    differ = {name: value for name, value in settings.items() if value != getattr(config, name)}
    if differ:
        raise ValueError(tr("train.data_mismatch", changes=", ".join(
            f"{name}={value!r} (Config: {getattr(config, name)!r})" for name, value in differ.items())))


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return device.type


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
