"""``fit()``: the epoch loop, mixed precision, checkpoints that survive a disconnect, early stopping.

The loop in ``fit`` reads top to bottom (in the spirit of Karpathy's nanoGPT ``train.py``): build the
optimizer and schedule, resume if the run folder holds an unfinished run, then for every epoch train, validate,
write the run files. Everything the report shows later is read back from those files:

    run_dir/config.json     the Config
    run_dir/history.csv     epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds,images_per_s
    run_dir/metrics.json    model, parameters, device, precision, progress, best and last epoch
    run_dir/last.pt         everything needed to resume (model, optimizer, scheduler, scaler, RNG states, ...)
    run_dir/best.pt         the weights of the epoch with the best val accuracy
    run_dir/gradient_norms.csv  step,epoch,block,grad_norm every config.grad_norm_every steps (kit.diagnostics)
    run_dir/predictions.csv val predictions of best.pt, written when the run finishes (kit.metrics)

Every file is written atomically (a temporary file, then ``os.replace``), so a Colab disconnect in the middle
of a write leaves the previous version intact. Checkpoints hold only tensors and plain Python values and are
read with ``torch.load(..., weights_only=True)``, which cannot run arbitrary code.
"""

from __future__ import annotations

import copy
import functools
import gc
import json
import math
import random
import threading
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from kit.config import Config
from kit.diagnostics import GRADIENT_NORMS_FILE, GradientNormRecorder, gradient_frame
from kit.env import autocast_dtype, default_device
from kit.files import atomic_save, atomic_write_text
from kit.models import build_model, count_parameters

if TYPE_CHECKING:  # the contract only; importing kit.data would pull in the whole data pipeline
    from kit.data.batches import Batches

HISTORY_COLUMNS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds", "images_per_s")
RUN_FILES = ("config.json", "history.csv", "metrics.json", "last.pt", "best.pt", GRADIENT_NORMS_FILE)
LIVE_EVERY = 10
"""Steps between two progress-bar updates: each update waits for the GPU, so not after every step."""

OutOfMemoryError = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)
"""torch < 2.5 has only ``torch.cuda.OutOfMemoryError``."""


class ConfigMismatchError(ValueError):
    """The run folder already holds a run made with a different Config."""


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


class BatchSizeTooLarge(RuntimeError):
    """The GPU ran out of memory at the configured batch size."""


# ---- small pieces the loop uses ------------------------------------------------------------------------------

def set_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and every CUDA device)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def run_dir_for(workspace: str | Path, name: str) -> Path:
    """The folder of run ``name`` in ``workspace``: ``workspace/runs/name``."""
    if not isinstance(name, str) or not name.strip() or name.strip() in {".", ".."} or any(c in name for c in "/\\"):
        raise ValueError(f"A run name must be a plain folder name (no slashes), got {name!r}")
    return Path(workspace).expanduser() / "runs" / name.strip()


def build_model_for(config: Config, num_classes: int) -> nn.Module:
    """``set_seed(config.seed)``, then ``build_model(config.model, num_classes, **config.model_options)``.

    Seeding first makes the initial weights a function of the seed, so two runs of one config match.
    """
    set_seed(config.seed)
    return build_model(config.model, num_classes, **config.model_options)


def make_optimizer(model: nn.Module, config: Config) -> torch.optim.Optimizer:
    """AdamW (Loshchilov & Hutter 2019), Adam (Kingma & Ba 2015) or SGD with Nesterov momentum (Sutskever et al.
    2013, "On the importance of initialization and momentum in deep learning")."""
    params = [p for p in model.parameters() if p.requires_grad]
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, nesterov=True,
                           weight_decay=config.weight_decay)


def lr_factor(step: int, *, kind: str, warmup_steps: int, total_steps: int, steps_per_epoch: int,
              step_size: int, gamma: float) -> float:
    """Multiplier of the peak lr at optimizer step ``step`` (0-based).

    Linear warm-up over ``warmup_steps`` (Goyal et al. 2017), then ``cosine`` annealing to zero (Loshchilov &
    Hutter 2017), ``step`` decay by ``gamma`` every ``step_size`` epochs (He et al. 2016), or ``none``.
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    if kind == "cosine":
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
    if kind == "step":
        return gamma ** ((step // steps_per_epoch) // step_size)
    return 1.0


def make_scheduler(optimizer: torch.optim.Optimizer, config: Config, steps_per_epoch: int) -> torch.optim.lr_scheduler.LambdaLR:
    """A per-step ``LambdaLR`` following ``lr_factor`` (per step, so warm-up is smooth within an epoch)."""
    factor = functools.partial(
        lr_factor, kind=config.scheduler, warmup_steps=config.warmup_epochs * steps_per_epoch,
        total_steps=config.epochs * steps_per_epoch, steps_per_epoch=steps_per_epoch,
        step_size=config.step_size, gamma=config.gamma)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def precision_name(dtype: torch.dtype | None) -> str:
    return {torch.bfloat16: "bf16", torch.float16: "fp16"}.get(dtype, "fp32")


# ---- fit ---------------------------------------------------------------------------------------------------

def fit(
    model: nn.Module,
    data: Batches,
    config: Config,
    run_dir: str | Path,
    *,
    device: str | torch.device | None = None,
    progress: bool = True,
    on_epoch_end: Callable[[dict[str, Any]], None] | None = None,
) -> pd.DataFrame:
    """Train ``model`` on ``data`` with ``config``, writing the run files to ``run_dir`` after every epoch.

    - A new folder starts a new run. A folder holding an unfinished run with the same config resumes it after
      its last saved epoch and ends with the same history as an uninterrupted run (exactly, on the CPU).
    - A folder holding a finished run with the same config is loaded, not retrained: ``model`` gets the last
      epoch's weights and the saved history is returned.
    - A folder holding a run with a different config raises ``ConfigMismatchError``; nothing is overwritten.

    Args:
        model: the network, e.g. ``build_model_for(config, len(data.classes))``. Moved to ``device``.
        data: batches on the training device (the ``kit.data.batches.Batches`` contract), built with
            ``config.batch_size`` and ``config.image_size``.
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
        TrainingDiverged: the loss became NaN/inf (last.pt keeps the last good epoch).
        BatchSizeTooLarge: CUDA ran out of memory; the message names a batch size that fits.
        KeyboardInterrupt: passed on after the files of the last finished epoch are safely written.
    """
    run_dir = Path(run_dir).expanduser()
    device = torch.device(device) if device is not None else default_device()
    _check_inputs(model, data, config)
    checkpoint = _open_run(run_dir, config, getattr(data, "fingerprint", None))
    model.to(device)

    if checkpoint is not None and checkpoint["finished"]:
        model.load_state_dict(checkpoint["model"])
        history = _history_frame(checkpoint["history"])
        if progress:
            tqdm.write(f"{run_dir} holds a finished run ({len(history)} epochs): loaded, not retrained.")
        if not (run_dir / "predictions.csv").exists():
            _write_predictions(model, data, run_dir, device)
        return history

    dtype = autocast_dtype(device) if config.amp == "auto" else None
    channels_last = config.channels_last == "on" or (config.channels_last == "auto" and device.type == "cuda")
    if channels_last:
        model.to(memory_format=torch.channels_last)
    steps_per_epoch = data.train_steps()
    optimizer = make_optimizer(model, config)
    scheduler = make_scheduler(optimizer, config, steps_per_epoch)
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)  # fp16 needs loss scaling
    criterion = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    recorder = GradientNormRecorder(model, config.grad_norm_every) if config.grad_norm_every else None
    info = {"model": config.model, "parameters": count_parameters(model), "device": _device_name(device),
            "precision": precision_name(dtype), "epochs_planned": config.epochs, "classes": list(data.classes),
            "data": getattr(data, "fingerprint", None)}

    if checkpoint is None:
        run_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(run_dir / "config.json", config.to_json())
        set_seed(config.seed)
        history: list[dict[str, Any]] = []
        gradient_norms: list[dict[str, Any]] = []
        # The starting point as a checkpoint too: a run stopped during epoch 1 restarts from these weights, not
        # from the half-trained model still in the notebook's memory.
        atomic_save(_checkpoint(model, optimizer, scheduler, scaler, config, history, info, False, False,
                                gradient_norms if recorder else None), run_dir / "last.pt")
    else:
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        if checkpoint["scaler"] and scaler.is_enabled():
            scaler.load_state_dict(checkpoint["scaler"])
        _set_rng_state(checkpoint["rng"])
        history = _history_frame(checkpoint["history"]).to_dict("records")
        # From last.pt, not the csv: exactly the recorded steps up to the checkpointed epoch, none past it.
        gradient_norms = gradient_frame(checkpoint.get("gradient_norms")).to_dict("records")
        if recorder is not None:
            recorder.resume(gradient_norms)
        if progress:
            tqdm.write(f"Resuming {run_dir} after epoch {len(history)} of {config.epochs}.")

    train_model = torch.compile(model) if config.compile else model
    saver = _BackgroundSaver(background=device.type == "cuda")
    cudnn_benchmark = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = True  # fixed input sizes: let cuDNN pick its fastest kernels
    try:
        for epoch in range(len(history) + 1, config.epochs + 1):
            started = time.perf_counter()
            bar = tqdm(data.train_batches(epoch), total=steps_per_epoch, desc=f"epoch {epoch}/{config.epochs}",
                       leave=False, disable=not progress, dynamic_ncols=True)
            try:
                train_loss, train_acc, lr, images_per_s = _train_one_epoch(
                    train_model, bar, steps_per_epoch, optimizer, scheduler, scaler, criterion, dtype, channels_last,
                    config, epoch, recorder)
                val_loss, val_acc = _evaluate(train_model, data.eval_batches("val"), criterion, dtype, channels_last)
            except OutOfMemoryError:
                failed_in_epoch = epoch
            else:
                failed_in_epoch = None
            finally:
                bar.close()
            if failed_in_epoch is not None:  # handled outside the except block, so its tensors can be freed
                raise BatchSizeTooLarge(_out_of_memory_message(model, optimizer, config, device, dtype, channels_last,
                                                               len(data.classes))) from None

            if recorder is not None:
                gradient_norms += recorder.rows()
            history.append({"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc, "val_loss": val_loss,
                            "val_acc": val_acc, "lr": lr, "seconds": time.perf_counter() - started,
                            "images_per_s": images_per_s})
            stopped_early = _patience_ran_out(history, config)
            finished = epoch == config.epochs or stopped_early
            is_best = _best_row(history) is history[-1]
            saver.submit(_epoch_files(run_dir, model, optimizer, scheduler, scaler, config, history, info,
                                      is_best, finished, stopped_early, gradient_norms if recorder else None))
            if progress:
                tqdm.write(_summary_line(history[-1], config.epochs, is_best, stopped_early))
            if on_epoch_end is not None:
                on_epoch_end(dict(history[-1]))
            if finished:
                break
    except KeyboardInterrupt as interrupt:
        if hasattr(interrupt, "add_note"):  # Python >= 3.11
            interrupt.add_note(f"Training stopped; {run_dir} keeps every finished epoch. Run the same fit again "
                               "to resume from last.pt.")
        raise
    finally:
        torch.backends.cudnn.benchmark = cudnn_benchmark
        saver.wait()  # a started checkpoint is always completed, also on Ctrl-C
    saver.raise_error()

    _write_predictions(model, data, run_dir, device)
    return _history_frame(history)


def _train_one_epoch(model, batches, steps, optimizer, scheduler, scaler, criterion, dtype, channels_last, config, epoch,
                     recorder=None):
    """One pass over the training batches; returns (mean loss, accuracy, last lr, images per second).

    ``recorder`` (a ``kit.diagnostics.GradientNormRecorder``) sees the gradients of its steps after ``backward``
    and before the update; a record of a step the fp16 loss scaler skips is discarded.

    The scheduler advances on every step, also on one the scaler skips (as in PyTorch's AMP examples): the
    schedule counts batches, and the few skipped steps early in an fp16 run only lose their learning rate.
    """
    model.train()
    device = next(model.parameters()).device
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), dtype=torch.int64, device=device)
    seen, lr = 0, optimizer.param_groups[0]["lr"]
    _synchronize(device)
    started = time.perf_counter()
    for step, (images, labels) in enumerate(batches, start=1):
        if step == 1 and images.shape[-1] != config.image_size:
            raise ValueError(f"The data gives {images.shape[-1]} px images but config.image_size is "
                             f"{config.image_size}: build the batches with the config's image size.")
        if channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            logits = model(images)
            loss = criterion(logits, labels)
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
        if global_step == 1:
            _first_scheduler_step(scheduler)
        else:
            scheduler.step()

        loss_sum += loss.detach().float() * labels.numel()
        correct += (logits.argmax(dim=1) == labels).sum()
        seen += labels.numel()
        if step % LIVE_EVERY == 0 or step == steps:
            mean_loss = loss_sum.item() / seen  # waits for the GPU: only every LIVE_EVERY steps
            _stop_if_diverged(mean_loss, epoch, step, lr, config)
            batches.set_postfix(loss=f"{mean_loss:.3f}", acc=f"{correct.item() / seen:.1%}", refresh=False)
    if seen == 0:
        raise ValueError("The data yielded no training batches.")
    _synchronize(device)
    seconds = time.perf_counter() - started
    mean_loss = loss_sum.item() / seen
    _stop_if_diverged(mean_loss, epoch, step, lr, config)
    return mean_loss, correct.item() / seen, lr, seen / seconds


def _first_scheduler_step(scheduler) -> None:
    """``scheduler.step()`` on a run's first step, where an fp16 run's loss scaler usually skips the update.

    PyTorch then warns that the scheduler stepped before the optimizer and the schedule's first value is
    skipped. That is intended (``_train_one_epoch``) and only this warning is silenced, so it does not alarm
    students on a T4.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"Detected call of `lr_scheduler\.step\(\)` before", UserWarning)
        scheduler.step()


def _stop_if_diverged(mean_loss: float, epoch: int, step: int, lr: float, config: Config) -> None:
    if not math.isfinite(mean_loss):
        raise TrainingDiverged(
            f"The training loss became {mean_loss} in epoch {epoch} (step {step}) at lr {lr:.2g}. Lower the "
            f"learning rate (e.g. Config(lr={config.lr / 3:.1g}), a third of {config.lr:g}) and train into a new "
            "run folder; last.pt still holds the last good epoch.")


@torch.no_grad()
def _evaluate(model, batches, criterion, dtype, channels_last) -> tuple[float, float]:
    """Mean loss and accuracy over deterministic batches (no augmentation, no gradient)."""
    model.eval()
    device = next(model.parameters()).device
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), dtype=torch.int64, device=device)
    seen = 0
    for images, labels in batches:
        if channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            logits = model(images)
            loss_sum += criterion(logits, labels).float() * labels.numel()
        correct += (logits.argmax(dim=1) == labels).sum()
        seen += labels.numel()
    if seen == 0:
        raise ValueError("The data has no validation images: fit needs a val split to measure progress.")
    return loss_sum.item() / seen, correct.item() / seen


def _patience_ran_out(history: list[dict[str, Any]], config: Config) -> bool:
    """Early stopping (Prechelt 1998): ``patience`` epochs in a row without a new best ``monitor`` value."""
    if config.patience is None:
        return False
    values = [row[config.monitor] for row in history]
    best = values.index(min(values) if config.monitor == "val_loss" else max(values))
    return len(values) - 1 - best >= config.patience


def _summary_line(row: dict[str, Any], epochs: int, is_best: bool, stopped_early: bool) -> str:
    width = len(str(epochs))
    line = (f"epoch {row['epoch']:>{width}}/{epochs}  train loss {row['train_loss']:.4f} acc {row['train_acc']:6.1%}"
            f"  |  val loss {row['val_loss']:.4f} acc {row['val_acc']:6.1%}{' *' if is_best else '  '}"
            f"  |  lr {row['lr']:.2e}  {row['seconds']:.1f} s  {row['images_per_s']:,.0f} img/s")
    return line + ("  (early stop: no improvement)" if stopped_early else "")


def _check_inputs(model: nn.Module, data: Batches, config: Config) -> None:
    kit_name = getattr(model, "kit_name", None)
    if kit_name is not None and kit_name != config.model:
        raise ValueError(f"The model is {kit_name} but config.model is {config.model!r}: the run would be mislabelled.")
    if data.batch_size != config.batch_size:
        raise ValueError(f"The data gives batches of {data.batch_size} but config.batch_size is {config.batch_size}: "
                         "build the batches with the config's batch size.")
    head = getattr(model, "fc", None)
    if isinstance(head, nn.Linear) and head.out_features != len(data.classes):
        raise ValueError(f"The model has {head.out_features} outputs but the data has {len(data.classes)} classes.")


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return device.type


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# ---- the run folder ----------------------------------------------------------------------------------------

def check_run_config(run_dir: Path, config: Config, *, hint: str | None = None) -> bool:
    """True when ``run_dir`` holds a run of ``config``, False when it holds no run; ``ConfigMismatchError``
    naming every changed field when it holds a run of another config (nothing is ever overwritten)."""
    config_file = run_dir / "config.json"
    if not config_file.is_file():
        return False
    changed = Config.from_json(config_file).differences(config)
    if changed:
        listed = ", ".join(f"{name} {old!r} -> {new!r}" for name, (old, new) in changed.items())
        hint = hint or f"train into a new folder (e.g. run_dir_for(workspace, '{run_dir.name}_2'))"
        raise ConfigMismatchError(f"{run_dir} already holds a run with a different config ({listed}). A run folder "
                                  f"belongs to one config: {hint} or delete this folder to start over.")
    return True


def _open_run(run_dir: Path, config: Config, data_fingerprint: str | None = None) -> dict[str, Any] | None:
    """The last checkpoint of a run with ``config`` on the same data in ``run_dir``; None for a new run; an error
    otherwise."""
    config_file = run_dir / "config.json"
    if not config_file.exists():
        leftovers = [name for name in RUN_FILES if (run_dir / name).exists()]
        if leftovers:
            raise FileExistsError(f"{run_dir} holds {', '.join(leftovers)} but no config.json, so it is not a run "
                                  "this kit can resume. Choose another run folder or delete this one.")
        return None
    check_run_config(run_dir, config)
    if not (run_dir / "last.pt").exists():
        return None  # stopped before its starting point was saved: nothing trained yet, start afresh
    checkpoint = load_checkpoint(run_dir / "last.pt")
    if Config.from_dict(checkpoint["config"]) != config:  # via Config: a field added since has its default
        raise ConfigMismatchError(f"{run_dir / 'last.pt'} was written with another config than config.json; "
                                  "the folder was edited by hand. Delete it to start over.")
    trained_on = checkpoint.get("data")
    if trained_on and data_fingerprint and trained_on != data_fingerprint:
        raise ConfigMismatchError(
            f"{run_dir} was trained on other data or another split (split.csv has changed since), so its numbers "
            "would not match the data report. Train into a new folder, or delete this one to train it again.")
    return checkpoint


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a ``last.pt``/``best.pt`` safely (``weights_only=True``) onto the CPU."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No checkpoint at {path}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise RuntimeError(f"{path} cannot be read ({error}). Delete the run folder and train again.") from error


def _checkpoint(model, optimizer, scheduler, scaler, config, history, info, finished, stopped_early,
                gradient_norms=None) -> dict[str, Any]:
    """Everything a resume needs after the last epoch of ``history`` (epoch 0: before any training), on the CPU."""
    checkpoint = {
        "epoch": history[-1]["epoch"] if history else 0, "model": _to_cpu(model.state_dict()),
        "optimizer": _to_cpu(optimizer.state_dict()), "scheduler": scheduler.state_dict(),
        "scaler": scaler.state_dict(), "rng": _rng_state(), "history": _history_frame(history).to_dict("list"),
        "config": config.to_dict(), "classes": info["classes"], "data": info["data"], "finished": finished,
        "stopped_early": stopped_early,
    }
    if gradient_norms is not None:
        checkpoint["gradient_norms"] = gradient_frame(gradient_norms).to_dict("list")
    return checkpoint


def _epoch_files(run_dir, model, optimizer, scheduler, scaler, config, history, info, is_best, finished,
                 stopped_early, gradient_norms=None) -> list[tuple[Path, Any]]:
    """The files of one epoch, in write order, as CPU snapshots (training goes on while they are written).

    best.pt goes first and metrics.json last, so after a crash at any point the folder describes an epoch whose
    files all exist, and last.pt (the resume point) never runs ahead of best.pt.
    """
    last = _checkpoint(model, optimizer, scheduler, scaler, config, history, info, finished, stopped_early,
                       gradient_norms)
    weights = last["model"]
    files: list[tuple[Path, Any]] = []
    if is_best:
        files.append((run_dir / "best.pt", {"epoch": last["epoch"], "model": weights, "config": last["config"],
                                            "classes": info["classes"], "metrics": dict(history[-1])}))
    files.append((run_dir / "last.pt", last))
    files.append((run_dir / "history.csv", _history_frame(history).to_csv(index=False)))
    if gradient_norms is not None:
        files.append((run_dir / GRADIENT_NORMS_FILE, gradient_frame(gradient_norms).to_csv(index=False)))
    files.append((run_dir / "metrics.json", json.dumps(_metrics(history, info, finished, stopped_early), indent=2) + "\n"))
    return files


def _best_row(history: list[dict[str, Any]]) -> dict[str, Any]:
    """The epoch with the highest val acc; the first of equals (best.pt is only replaced by a strictly better one)."""
    return max(history, key=lambda row: row["val_acc"])


def _metrics(history, info, finished, stopped_early) -> dict[str, Any]:
    keys = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc")
    best = _best_row(history)
    return {
        "model": info["model"], "parameters": info["parameters"], "device": info["device"],
        "precision": info["precision"], "epochs_planned": info["epochs_planned"], "epochs_done": len(history),
        "finished": finished, "stopped_early": stopped_early, "data": info["data"],
        "best": {k: best[k] for k in keys}, "last": {k: history[-1][k] for k in keys},
    }


def _history_frame(history: list[dict[str, Any]] | dict[str, list[Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(history, columns=list(HISTORY_COLUMNS))
    frame["epoch"] = frame["epoch"].astype("int64")
    for column in HISTORY_COLUMNS[1:]:
        frame[column] = frame[column].astype("float64")
    return frame


def _write_predictions(model: nn.Module, data: Batches, run_dir: Path, device: torch.device) -> None:
    from kit.metrics import evaluate_run  # metrics builds on this module

    evaluate_run(run_dir, data, model=copy.deepcopy(model), device=device)


# ---- atomic files ------------------------------------------------------------------------------------------

def write_files(files: list[tuple[Path, Any]]) -> None:
    """Write ``(path, content)`` pairs in order, each atomically: text as UTF-8, anything else with torch.save."""
    for path, content in files:
        if isinstance(content, str):
            atomic_write_text(path, content)
        else:
            atomic_save(content, path)


class _BackgroundSaver:
    """Writes one epoch's files in a thread while the next epoch trains on the GPU.

    A ResNet-34 checkpoint with its Adam state is about 250 MB; written to Google Drive every epoch, it would
    otherwise leave a fast GPU idle. ``submit`` first waits for the previous write, so files land in order,
    and an error in the thread is raised in the training loop. With ``background=False`` (training on the
    CPU, whose cores the writer would only take from training) files are written on the spot.
    """

    def __init__(self, background: bool = True) -> None:
        self.background = background
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def submit(self, files: list[tuple[Path, Any]]) -> None:
        self.wait()
        self.raise_error()
        if not self.background:
            self._write(files)
            self.raise_error()
            return
        self._thread = threading.Thread(target=self._write, args=(files,), name="kit-checkpoint", daemon=False)
        self._thread.start()

    def _write(self, files: list[tuple[Path, Any]]) -> None:
        try:
            write_files(files)
        except BaseException as error:  # noqa: BLE001 - handed to the training thread
            self._error = error

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise RuntimeError(f"Writing the run files failed ({error}); the previous checkpoint is intact.") from error


def _to_cpu(value: Any) -> Any:
    """A CPU copy of every tensor in a nested state dict (a snapshot the next step cannot change)."""
    if isinstance(value, Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        return {key: _to_cpu(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_cpu(item) for item in value)
    return value


# ---- RNG states as tensors and plain values (loadable with weights_only=True) ------------------------------

def _rng_state() -> dict[str, Any]:
    version, python_state, gauss = random.getstate()
    _, numpy_keys, numpy_pos, numpy_has_gauss, numpy_gauss = np.random.get_state()
    return {
        "python": torch.tensor(python_state, dtype=torch.int64), "python_version": version, "python_gauss": gauss,
        "numpy": torch.from_numpy(numpy_keys.astype(np.int64)), "numpy_pos": int(numpy_pos),
        "numpy_has_gauss": int(numpy_has_gauss), "numpy_gauss": float(numpy_gauss),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def _set_rng_state(state: dict[str, Any]) -> None:
    random.setstate((state["python_version"], tuple(state["python"].tolist()), state["python_gauss"]))
    np.random.set_state(("MT19937", state["numpy"].numpy().astype(np.uint32), state["numpy_pos"],
                         state["numpy_has_gauss"], state["numpy_gauss"]))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


# ---- out of memory -----------------------------------------------------------------------------------------

def _out_of_memory_message(model, optimizer, config, device, dtype, channels_last, num_classes) -> str:
    optimizer.zero_grad(set_to_none=True)
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
    fits = largest_batch_that_fits(model, config.image_size, config.batch_size // 2, num_classes, dtype,
                                   channels_last)
    where = f"{config.model} at {config.image_size} px, {precision_name(dtype)}"
    if fits is None:
        return (f"Out of GPU memory even with a batch of 1 ({where}). Use a smaller config.image_size, or "
                "restart the runtime to free memory held by other notebooks.")
    return (f"Out of GPU memory with batch_size={config.batch_size} ({where}). A quick probe found that "
            f"batch_size={fits} fits: use Config(batch_size={fits}, ...) and build the batches with it, in a new "
            "run folder (a different batch size is a different config).")


def largest_batch_that_fits(model: nn.Module, image_size: int, start: int, num_classes: int,
                            dtype: torch.dtype | None = None, channels_last: bool = False) -> int | None:
    """The largest of ``start, start/2, ..., 1`` for which a forward and backward pass fits in memory.

    A probe, not a promise: the optimizer's state is already allocated, but fragmentation may differ.
    """
    device = next(model.parameters()).device
    batch = max(1, start)
    model.train()
    while batch >= 1:
        try:
            images = torch.randn(batch, 3, image_size, image_size, device=device)
            if channels_last:
                images = images.contiguous(memory_format=torch.channels_last)
            with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
                loss = nn.functional.cross_entropy(model(images), torch.zeros(batch, dtype=torch.long, device=device))
            loss.backward()
            return batch
        except OutOfMemoryError:
            pass
        finally:
            model.zero_grad(set_to_none=True)
            images = loss = None
            gc.collect()
            if device.type == "cuda":
                torch.cuda.empty_cache()
        batch //= 2
    return None
