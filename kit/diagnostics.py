"""Gradient flow: the norm of each block's gradient, at initialisation and while a run trains.

He et al. (2016, "Deep Residual Learning for Image Recognition", Sec. 4.1) find that Plain-34 trains to a higher
*training* error than Plain-18 (the degradation problem) and argue that this is "unlikely to be caused by
vanishing gradients": the plain nets use BatchNorm (Ioffe & Szegedy 2015), and "the backward propagated
gradients exhibit healthy norms". This module lets that claim be measured instead of asserted:

- ``kit.train.fit`` records, every ``Config.grad_norm_every`` optimizer steps, the L2 norm of the gradient of
  every block (``kit.gradient_norms.GradientNormRecorder``, re-exported here) into
  ``run_dir/gradient_norms.csv`` (columns ``step, epoch, block, grad_norm``). The first record of a run is
  taken before any update, i.e. at initialisation.
- ``gradient_norms_at_init`` measures one backward pass of an untrained model without training it, and
  ``compare_gradient_norms_at_init`` does so for several architectures built with one Config.
- ``read_gradient_norms`` and ``gradient_flow_table`` read a run's file back for plots and the report.

Blocks are named after Table 1 of the paper: ``conv1`` (the stem: 7x7 conv and its BN), ``conv2_x.1`` ...
``conv5_x.3`` (the residual or plain blocks of each stage, counted from 1), ``fc`` (the classifier). A block's
norm is the L2 norm of the gradients of *all* its trainable parameters together (convs, BN scales and shifts,
the projection shortcut), so blocks of different widths are comparable only up to their parameter counts;
compare the same block across plain and residual nets, and how a profile changes over depth and training.

With fp16 mixed precision (a T4) the loss is scaled before ``backward`` (``GradScaler``); the recorder sees the
gradients after ``scaler.unscale_``, i.e. the true, unscaled gradients, the same in fp16, bf16 and fp32 runs.
A step whose scaled gradients overflowed is skipped by the scaler (the weights stay as they were; its first
scale, 65536, overflows in the first few steps): its ``inf``/``nan`` record is dropped and the next step records
instead, so the first record is still the gradient at initialisation, only at a later step than 1.
"""

from __future__ import annotations

import copy
import itertools
import re
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd
import torch
from torch import Tensor, nn

from kit.config import Config
from kit.data.batches import Batches
from kit.env import default_device
from kit.gradient_norms import (  # noqa: F401 - the recorder's names, re-exported: part of this module's story
    GRADIENT_COLUMNS,
    STAGES,
    GradientNormRecorder,
    block_order,
    gradient_frame,
    group_norms,
    parameter_groups,
)
from kit.run_folder import GRADIENT_NORMS_FILE
from kit.runs import EXACT_FLOATS, RunNotFoundError, RunResult, check_columns, load_run
from kit.train import build_model_for


# ---- at initialisation, without training ----------------------------------------------------------------------

def gradient_norms_at_init(
    model: nn.Module,
    data: Batches | tuple[Tensor, Tensor],
    *,
    batches: int = 1,
    label_smoothing: float = 0.0,
    device: str | torch.device | None = None,
) -> pd.DataFrame:
    """Per-block gradient norms of one backward pass through ``model``, without training it.

    The loss (cross-entropy, as in training) is averaged over the first ``batches`` training batches of epoch 1
    of ``data`` (a ``Batches``), or taken on one ``(images, labels)`` pair. The model runs in training mode (BN
    uses batch statistics, as in training) on a copy, so ``model`` (weights and BN running statistics) and the
    global random state (dropout) are left exactly as they were.

    With the model built by ``kit.train.build_model_for(config, ...)``, ``batches=1`` and
    ``label_smoothing=config.label_smoothing``, this is the gradient a run of ``config`` records at step 1 (in
    fp32 and bf16; fp16 may record its first step later, see the module docstring).

    Returns:
        One row per block (see ``parameter_groups``): ``block``, ``grad_norm``; network order.
    """
    if isinstance(batches, bool) or not isinstance(batches, int) or batches < 1:
        raise ValueError(f"batches must be a whole number >= 1, got {batches!r}")
    device = torch.device(device) if device is not None else next(model.parameters()).device
    if isinstance(data, (tuple, list)):
        if len(data) != 2:
            raise ValueError("data must be a Batches or one (images, labels) pair")
        source: Iterable[tuple[Tensor, Tensor]] = [tuple(data)]  # type: ignore[list-item]
    elif hasattr(data, "train_batches"):
        source = itertools.islice(data.train_batches(1), batches)
    else:
        raise TypeError(f"data must be a Batches or an (images, labels) pair, got {type(data).__name__}")
    probe = copy.deepcopy(model).to(device).train()
    probe.zero_grad(set_to_none=True)
    criterion = nn.CrossEntropyLoss(label_smoothing=label_smoothing)
    cuda = [device] if device.type == "cuda" else []
    pairs = list(source)
    if not pairs:
        raise ValueError("data yielded no training batch")
    with torch.random.fork_rng(devices=cuda):  # dropout draws random numbers: keep the caller's stream intact
        for images, labels in pairs:
            loss = criterion(probe(images.to(device)), labels.to(device)) / len(pairs)
            loss.backward()
    groups = parameter_groups(probe)
    return pd.DataFrame({"block": list(groups), "grad_norm": group_norms(groups).cpu().tolist()})


def compare_gradient_norms_at_init(
    model_names: Sequence[str],
    data: Batches,
    config: Config,
    *,
    batches: int = 1,
    device: str | torch.device | None = None,
) -> pd.DataFrame:
    """``gradient_norms_at_init`` for each architecture, each built with ``config.replace(model=name)`` (same
    seed, so e.g. Plain-34 and ResNet-34 share the stem's initial weights) and measured on the same batches.

    Returns:
        Columns ``model``, ``block``, ``grad_norm``: for ``kit.plots.gradient_flow_at_init``.
    """
    if not model_names:
        raise ValueError("model_names is empty: name at least one architecture, e.g. ['plain34', 'resnet34']")
    device = torch.device(device) if device is not None else default_device()
    frames = []
    for name in model_names:
        run_config = config.replace(model=name)
        model = build_model_for(run_config, len(data.classes)).to(device)
        frame = gradient_norms_at_init(model, data, batches=batches, label_smoothing=run_config.label_smoothing,
                                       device=device)
        frames.append(frame.assign(model=run_config.model)[["model", "block", "grad_norm"]])
    return pd.concat(frames, ignore_index=True)


# ---- reading a run's file back -------------------------------------------------------------------------------

def read_gradient_norms(run: str | Path | RunResult, workspace: str | Path | None = None) -> pd.DataFrame:
    """``gradient_norms.csv`` of a run (a name in ``<workspace>/runs``, a folder or a loaded run).

    Raises ``RunNotFoundError`` when the run has no such file (trained with ``grad_norm_every=0``).
    """
    run = load_run(run, workspace)
    path = Path(run.run_dir) / GRADIENT_NORMS_FILE if run.run_dir is not None else None
    if path is None or not path.is_file():
        raise RunNotFoundError(f"Run '{run.name}' has no {GRADIENT_NORMS_FILE}: it was trained with "
                               "grad_norm_every=0. Train it with Config(grad_norm_every=10) in a new run folder.")
    frame = pd.read_csv(path, **EXACT_FLOATS)
    check_columns(frame, GRADIENT_COLUMNS, path)
    return gradient_frame(frame[list(GRADIENT_COLUMNS)])


def has_gradient_norms(run: RunResult) -> bool:
    """Whether the run recorded gradient norms (has a ``gradient_norms.csv``)."""
    return run.run_dir is not None and (Path(run.run_dir) / GRADIENT_NORMS_FILE).is_file()


def recorded_epochs(tables: Iterable[pd.DataFrame]) -> list[int]:
    """The epochs in which every one of ``tables`` (``read_gradient_norms`` frames) recorded norms.

    With few steps per epoch (a smoke run) and ``grad_norm_every`` above that, some epochs record nothing.
    """
    common: set[int] | None = None
    for norms in tables:
        epochs = set(int(e) for e in norms["epoch"].unique())
        common = epochs if common is None else common & epochs
    return sorted(common or ())


def default_epochs(recorded: Sequence[int]) -> list[int]:
    """Early, middle and late: the first, middle and last of the ``recorded`` epochs (fewer when there are fewer)."""
    recorded = sorted(recorded)
    if not recorded:
        return []
    return sorted({recorded[0], recorded[(len(recorded) - 1) // 2], recorded[-1]})


def check_epochs(epochs: Sequence[int], recorded: Sequence[int]) -> list[int]:
    """``epochs`` if each was recorded by every run, else a ``ValueError`` listing the recorded ones."""
    missing = [e for e in epochs if e not in set(recorded)]
    if missing:
        raise ValueError(f"epochs {missing} have no recorded gradient norms in every run; recorded: {list(recorded)}")
    return list(epochs)


def initial_step(norms: pd.DataFrame) -> int | None:
    """The recorded step that shows the gradient at initialisation, before any update; None if none does.

    That is the first recorded step: step 1, or with fp16 the first step the loss scaler did not skip (see the
    module docstring). It must lie in epoch 1: a run resumed from a checkpoint written before recording existed
    starts recording after many updates.
    """
    first = norms.loc[norms["step"].idxmin()] if len(norms) else None
    return int(first["step"]) if first is not None and int(first["epoch"]) == 1 else None


def block_profile(norms: pd.DataFrame, epoch: int | None) -> pd.Series:
    """The median norm of each block over the recorded steps of ``epoch``; ``None``: the gradient at
    initialisation (``initial_step``; empty when there is none).

    The median rather than the mean: one exploding step would otherwise stand for a whole epoch.
    """
    chosen = norms[norms["step"] == initial_step(norms)] if epoch is None else norms[norms["epoch"] == epoch]
    profile = chosen.groupby("block", sort=False)["grad_norm"].median()
    return profile.reindex(block_order(profile.index))


def gradient_flow_table(runs: Sequence[RunResult], epochs: Sequence[int] | None = None) -> pd.DataFrame:
    """How the gradient changes from the classifier to the stem, per run, at initialisation and at chosen epochs.

    One row per (run, point): ``point`` is ``init`` (the first recorded step, before any update:
    ``initial_step``) or ``epoch N``; the median norm over the epoch's
    recorded steps of the stem (``conv1``), the smallest and largest block (``conv2_x.1`` .. ``conv5_x.N``) and
    the classifier (``fc``), and ``stem_to_fc`` = conv1 / fc. A vanishing gradient would show as
    ``stem_to_fc`` far below 1 (the stem learning orders of magnitude slower than the classifier).
    ``epochs`` defaults to the first, middle and last epoch every run has recorded.
    """
    if not runs:
        raise ValueError("gradient_flow_table needs at least one run")
    tables = {run.label: read_gradient_norms(run) for run in runs}
    recorded = recorded_epochs(tables.values())
    epochs = default_epochs(recorded) if epochs is None else check_epochs(epochs, recorded)
    rows = []
    for label, norms in tables.items():
        for epoch in [None, *epochs]:
            profile = block_profile(norms, epoch)
            if profile.empty:  # only init can be missing here: a run resumed from a file without it
                continue
            blocks = profile[[name for name in profile.index if re.fullmatch(r"conv\d+_x\.\d+", name)]]
            stem, head = profile.get("conv1", float("nan")), profile.get("fc", float("nan"))
            rows.append({"run": label, "point": "init" if epoch is None else f"epoch {epoch}",
                         "epoch": 0 if epoch is None else int(epoch), "conv1": stem,
                         "min_block": blocks.min() if len(blocks) else float("nan"),
                         "max_block": blocks.max() if len(blocks) else float("nan"), "fc": head,
                         "stem_to_fc": stem / head if head else float("nan")})
    return pd.DataFrame(rows)
