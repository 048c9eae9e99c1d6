"""Checkpoints: everything a resume needs, as tensors and plain Python values only.

``last.pt`` holds the model, optimizer, scheduler and loss-scaler states, every random generator's state, the
history and the Config; ``best.pt`` the weights of the best epoch. Both are read with
``torch.load(..., weights_only=True)``, which refuses any pickle that would run code, so a checkpoint from
elsewhere cannot take over a student's VM. Python's and NumPy's RNG states are therefore stored as tensors and
numbers, not as the objects ``random.getstate`` returns.
"""

from __future__ import annotations

import pickle
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from kit.config import Config
from kit.run_folder import RUN_FILES, ConfigMismatchError, check_run_config, history_frame
from kit.text import tr


class DamagedCheckpoint(RuntimeError):
    """A checkpoint cannot be read (cut short by a disconnect, or not a kit checkpoint); the message says what to
    delete."""


@dataclass
class TrainingState:
    """What ``fit`` carries from epoch to epoch, and what last.pt stores of it."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    scaler: torch.amp.GradScaler

    def snapshot(self, config: Config, history: list[dict[str, Any]], info: dict[str, Any], *, finished: bool,
                 stopped_early: bool, gradient_norms: dict[str, list] | None) -> dict[str, Any]:
        """last.pt after the last epoch of ``history`` (epoch 0: before any training), as CPU copies that the
        next step cannot change (a background thread writes them while training goes on)."""
        checkpoint = {
            "epoch": history[-1]["epoch"] if history else 0, "model": to_cpu(self.model.state_dict()),
            "optimizer": to_cpu(self.optimizer.state_dict()), "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(), "rng": rng_state(), "history": history_frame(history).to_dict("list"),
            "config": config.to_dict(), "classes": info["classes"], "data": info["data"], "info": info,
            "finished": finished, "stopped_early": stopped_early,
        }
        if gradient_norms is not None:
            checkpoint["gradient_norms"] = gradient_norms
        return checkpoint

    def restore(self, checkpoint: dict[str, Any]) -> None:
        """Continue exactly where ``checkpoint`` (a last.pt) stopped: weights, optimizer, schedule, loss scale and
        every random generator."""
        self.model.load_state_dict(checkpoint["model"])
        self.optimizer.load_state_dict(checkpoint["optimizer"])
        self.scheduler.load_state_dict(checkpoint["scheduler"])
        if checkpoint["scaler"] and self.scaler.is_enabled():
            self.scaler.load_state_dict(checkpoint["scaler"])
        set_rng_state(checkpoint["rng"])


def best_weights(last: dict[str, Any], metrics: dict[str, Any]) -> dict[str, Any]:
    """best.pt: the weights of ``last`` (a snapshot) with the epoch's numbers."""
    return {"epoch": last["epoch"], "model": last["model"], "config": last["config"], "classes": last["classes"],
            "metrics": metrics}


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a ``last.pt``/``best.pt`` safely (``weights_only=True``) onto the CPU.

    A file that cannot be read is a ``DamagedCheckpoint`` naming it and what to delete; a pickle that would run
    code is refused the same way.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No checkpoint at {path}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, pickle.UnpicklingError, zipfile.BadZipFile, EOFError, ValueError, OSError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DamagedCheckpoint(tr("train.damaged", path=path, error=reason, run_dir=path.parent)) from None


def to_cpu(value: Any) -> Any:
    """A CPU copy of every tensor in a nested state dict (a snapshot the next step cannot change)."""
    if isinstance(value, Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        return {key: to_cpu(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_cpu(item) for item in value)
    return value


def set_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and every CUDA device)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def rng_state() -> dict[str, Any]:
    """Python's, NumPy's, torch's and every CUDA device's generator state, as tensors and numbers."""
    version, python_state, gauss = random.getstate()
    _, numpy_keys, numpy_pos, numpy_has_gauss, numpy_gauss = np.random.get_state()
    return {
        "python": torch.tensor(python_state, dtype=torch.int64), "python_version": version, "python_gauss": gauss,
        "numpy": torch.from_numpy(numpy_keys.astype(np.int64)), "numpy_pos": int(numpy_pos),
        "numpy_has_gauss": int(numpy_has_gauss), "numpy_gauss": float(numpy_gauss),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def set_rng_state(state: dict[str, Any]) -> None:
    """Put every generator back into ``state`` (from ``rng_state``)."""
    random.setstate((state["python_version"], tuple(state["python"].tolist()), state["python_gauss"]))
    np.random.set_state(("MT19937", state["numpy"].numpy().astype(np.uint32), state["numpy_pos"],
                         state["numpy_has_gauss"], state["numpy_gauss"]))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def open_run(run_dir: Path, config: Config, data_fingerprint: str | None) -> dict[str, Any] | None:
    """The last checkpoint of a run with ``config`` on the same data in ``run_dir``; None for a new run; an error
    otherwise."""
    if not (run_dir / "config.json").exists():
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
