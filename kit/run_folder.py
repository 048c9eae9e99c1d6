"""The run folder: what ``kit.train.fit`` writes, the rules it follows before it trains, and the lock it holds.

    run_dir/config.json          the Config
    run_dir/history.csv          HISTORY_COLUMNS, one row per epoch
    run_dir/metrics.json         model, parameters, device, precision, progress, best and last epoch (``summary``;
                                 best: by the run's Config.monitor, ``best_row``)
    run_dir/last.pt, best.pt     checkpoints (``kit.checkpoint``)
    run_dir/gradient_norms.csv   step, epoch, block, grad_norm (``kit.gradient_norms``)
    run_dir/predictions.csv      val predictions of best.pt, written when the run finishes (``kit.predictions``)

The rules: a folder belongs to one Config (``check_run_config``); a run inside a workspace with an
``experiment.json`` shares its settings (``check_experiment``); one trainer at a time (``RunLock``, via the
``filelock`` package: an operating-system lock, so a lock left by a process that died does not block);
temporaries a killed write left behind are removed (``remove_stale_temporaries``); a folder that cannot be
written is found before training starts (``check_writable``). Free of torch, so the report can read runs.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import time
from pathlib import Path
from typing import Any

import pandas as pd
from filelock import BaseFileLock, FileLock, SoftFileLock, Timeout

from kit.config import EXPERIMENT_FILE, OWN_SPLIT_FIELDS, PER_RUN_FIELDS, Config, experiment_conflicts
from kit.files import atomic_write_text
from kit.text import tr

HISTORY_COLUMNS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds", "images_per_s")
"""Columns of history.csv. Tables and figures need the first five; the last three describe the training speed."""
REQUIRED_HISTORY_COLUMNS = HISTORY_COLUMNS[:5]
POINT_KEYS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc")
"""Keys of metrics.json's ``best`` and ``last`` entries."""
MONITOR_GOALS = {"val_loss": "min", "val_acc": "max"}
"""How each ``Config.monitor`` (``kit.config.MONITORS``) picks the best epoch: the lowest val loss, the highest val
accuracy. best.pt, metrics.json's ``best``, predictions.csv and early stopping all follow it."""
GRADIENT_NORMS_FILE = "gradient_norms.csv"
RUN_FILES = ("config.json", "history.csv", "metrics.json", "last.pt", "best.pt", GRADIENT_NORMS_FILE)
DERIVED_FILES = ("history.csv", "metrics.json", GRADIENT_NORMS_FILE)
"""Files a finished run can rebuild from its checkpoints when they are deleted."""
LOCK_FILE = ".trainer.lock"
OWNER_FILE = ".trainer.json"
_RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_TEMPORARY = re.compile(r"^\..+\.\d+\.tmp$")  # kit.files.atomic_write's ".<name>.<pid>.tmp"


class ConfigMismatchError(ValueError):
    """The run folder already holds a run made with a different Config, or other data."""


class RunLocked(RuntimeError):
    """Another process is training into the same run folder."""


# ---- names -------------------------------------------------------------------------------------------------

def check_run_name(name: str) -> str:
    """``name`` if it is a plain folder name (letters, digits, ``_ . -``, not starting with a dot or dash), else a
    ``ValueError``: run names become folders on Drive and labels in the report."""
    if not isinstance(name, str) or not _RUN_NAME.match(name):
        raise ValueError(f"A run name must be a plain folder name (letters, digits, _ . -; no slashes, not starting "
                         f"with . or -), got {name!r}")
    return name


def run_dir_for(workspace: str | Path, name: str) -> Path:
    """The folder of run ``name`` in ``workspace``: ``workspace/runs/name``."""
    return Path(workspace).expanduser() / "runs" / check_run_name(name)


# ---- the files -----------------------------------------------------------------------------------------------

def history_frame(history: list[dict[str, Any]] | dict[str, list[Any]]) -> pd.DataFrame:
    """Rows (or a column dict, as stored in last.pt) as a frame with ``HISTORY_COLUMNS`` and fixed dtypes."""
    frame = pd.DataFrame(history, columns=list(HISTORY_COLUMNS))
    return frame.astype({"epoch": "int64", **{column: "float64" for column in HISTORY_COLUMNS[1:]}})


def best_position(history: list[dict[str, Any]], monitor: str) -> int:
    """Where in ``history`` the best epoch by ``monitor`` (``Config.monitor``) stands: the lowest val loss or the
    highest val accuracy (``MONITOR_GOALS``), the first of equals (best.pt is only replaced by a strictly better
    epoch). An epoch with a non-finite loss or accuracy never counts; a history without a finite epoch is a
    ``ValueError``."""
    if monitor not in MONITOR_GOALS:
        raise ValueError(f"monitor must be one of {', '.join(MONITOR_GOALS)}, got {monitor!r}")
    sign = 1 if MONITOR_GOALS[monitor] == "min" else -1
    finite = [(sign * row[monitor], position) for position, row in enumerate(history)
              if all(math.isfinite(row[key]) for key in POINT_KEYS[1:])]
    if not finite:
        raise ValueError(f"No epoch of the history has finite losses and accuracies ({len(history)} epochs), so "
                         "none can be the best.")
    return min(finite)[1]  # (value, position): equal values fall back on the earlier position


def best_row(history: list[dict[str, Any]], monitor: str) -> dict[str, Any]:
    """The best epoch's row of ``history`` by ``monitor`` (``best_position``): the epoch best.pt holds, and
    metrics.json's ``best``."""
    return history[best_position(history, monitor)]


def summary(history: list[dict[str, Any]], info: dict[str, Any], finished: bool, stopped_early: bool,
            monitor: str) -> dict:
    """The content of metrics.json: ``info`` (model, parameters, device, precision, epochs_planned, data), the
    progress, the best epoch by ``monitor`` (``best_row``) and the last epoch."""
    best = best_row(history, monitor)
    return {
        "model": info["model"], "parameters": info["parameters"], "device": info["device"],
        "precision": info["precision"], "epochs_planned": info["epochs_planned"], "epochs_done": len(history),
        "finished": finished, "stopped_early": stopped_early, "data": info["data"],
        "best": {k: best[k] for k in POINT_KEYS}, "last": {k: history[-1][k] for k in POINT_KEYS},
    }


def summary_json(history: list[dict[str, Any]], info: dict[str, Any], finished: bool, stopped_early: bool,
                 monitor: str) -> str:
    return json.dumps(summary(history, info, finished, stopped_early, monitor), indent=2) + "\n"


def missing_derived_files(run_dir: Path, records_gradients: bool) -> list[str]:
    """The derived files of a finished run that are gone (deleted by hand, or lost in a Drive sync)."""
    wanted = DERIVED_FILES if records_gradients else tuple(f for f in DERIVED_FILES if f != GRADIENT_NORMS_FILE)
    return [name for name in wanted if not (run_dir / name).is_file()]


# ---- the rules -----------------------------------------------------------------------------------------------

def check_run_config(run_dir: Path, config: Config, *, hint: str | None = None) -> bool:
    """True when ``run_dir`` holds a run of ``config``, False when it holds no run; ``ConfigMismatchError``
    naming every changed field when it holds a run of another config (nothing is ever overwritten)."""
    config_file = run_dir / "config.json"
    if not config_file.is_file():
        return False
    changed = Config.from_json(config_file).differences(config)
    if changed:
        listed = ", ".join(f"{name} {old!r} -> {new!r}" for name, (old, new) in changed.items())
        raise ConfigMismatchError(tr("train.config_mismatch", run_dir=run_dir, changes=listed,
                                     hint=hint or tr("train.config_hint", name=run_dir.name)))
    return True


def check_experiment(run_dir: Path, config: Config, *, own_split: bool = False) -> None:
    """A ``ConfigMismatchError`` when ``run_dir`` lies in a workspace (``<workspace>/runs/<name>``) whose
    experiment.json fixes settings that ``config`` contradicts (anything but ``kit.config.PER_RUN_FIELDS``, and
    ``OWN_SPLIT_FIELDS`` when ``own_split``: the run's data is a split made with the Config's ``split_seed``)."""
    experiment = run_dir.parent.parent / EXPERIMENT_FILE
    if run_dir.parent.name != "runs" or not experiment.is_file():
        return
    conflicts = experiment_conflicts(Config.from_json(experiment), config, own_split=own_split)
    if conflicts:
        listed = ", ".join(f"{name}: {saved!r} -> {asked!r}" for name, (saved, asked) in conflicts.items())
        per_run = PER_RUN_FIELDS + (OWN_SPLIT_FIELDS if own_split else ())
        raise ConfigMismatchError(tr("train.experiment_conflict", experiment=experiment, changes=listed,
                                     per_run=", ".join(per_run)))


def check_writable(run_dir: Path) -> None:
    """Create ``run_dir`` and write a probe file into it: a read-only or unmounted workspace is an ``OSError``
    with a message now, not after an epoch of training."""
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(run_dir / ".write-test", "ok\n")
        (run_dir / ".write-test").unlink()
    except OSError as error:
        raise PermissionError(tr("train.not_writable", run_dir=run_dir, error=error.strerror or error)) from None


def remove_stale_temporaries(run_dir: Path) -> list[Path]:
    """Delete the ``.<file>.<pid>.tmp`` files a write killed midway left behind (a ResNet-34 last.pt temporary
    is ~250 MB of a student's Drive); call it holding the run's lock, when no write of this run can be running."""
    stale = [path for path in run_dir.iterdir() if path.is_file() and _TEMPORARY.match(path.name)]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


class RunLock:
    """One trainer per run folder: an operating-system file lock (``filelock``) on ``run_dir/.trainer.lock``,
    released when the process ends however it ends, plus ``.trainer.json`` naming the holder (pid, host, start)
    for the message a second trainer gets.

    Where the file system has no such locks (some network mounts), the lock is the file's existence
    (``SoftFileLock``); one left by a process of this machine that no longer runs is then removed as stale.
    """

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._lock: BaseFileLock = FileLock(str(run_dir / LOCK_FILE), timeout=0)

    def __enter__(self) -> RunLock:
        try:
            self._acquire()
        except NotImplementedError:  # no flock here: fall back to a lock file whose existence is the lock
            self._lock = SoftFileLock(str(self.run_dir / LOCK_FILE), timeout=0)
            if self._holder_is_gone():
                (self.run_dir / LOCK_FILE).unlink(missing_ok=True)
            self._acquire()
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%d %H:%M:%S")}
        atomic_write_text(self.run_dir / OWNER_FILE, json.dumps(owner) + "\n")
        return self

    def __exit__(self, *exc_info: Any) -> None:
        (self.run_dir / OWNER_FILE).unlink(missing_ok=True)
        self._lock.release()

    def _acquire(self) -> None:
        try:
            self._lock.acquire()
        except Timeout:
            raise RunLocked(self._holder_message()) from None

    def _owner(self) -> dict[str, Any] | None:
        try:
            return json.loads((self.run_dir / OWNER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _holder_is_gone(self) -> bool:
        owner = self._owner()
        if not owner or owner.get("host") != socket.gethostname():
            return False  # another machine's process cannot be asked whether it still runs
        try:
            os.kill(int(owner["pid"]), 0)
        except ProcessLookupError:
            return True
        except (OSError, KeyError, ValueError):
            return False
        return False

    def _holder_message(self) -> str:
        owner = self._owner()
        if owner and {"pid", "host", "since"} <= set(owner):
            return tr("train.locked", run_dir=self.run_dir, pid=owner["pid"], host=owner["host"], since=owner["since"])
        return tr("train.locked_unknown", run_dir=self.run_dir)
