"""Gradient flow: the norm of each block's gradient, at initialisation and while a run trains.

He et al. (2016, "Deep Residual Learning for Image Recognition", Sec. 4.1) find that Plain-34 trains to a higher
*training* error than Plain-18 (the degradation problem) and argue that this is "unlikely to be caused by
vanishing gradients": the plain nets use BatchNorm (Ioffe & Szegedy 2015), and "the backward propagated
gradients exhibit healthy norms". This module lets that claim be measured instead of asserted:

- ``kit.train.fit`` records, every ``Config.grad_norm_every`` optimizer steps, the L2 norm of the gradient of
  every block (``GradientNormRecorder``) into ``run_dir/gradient_norms.csv`` (columns ``step, epoch, block,
  grad_norm``). The first record of a run is taken before any update, i.e. at initialisation.
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
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import pandas as pd
import torch
from torch import Tensor, nn

from kit.runs import EXACT_FLOATS, RunNotFoundError, RunResult, _check_columns, load_run

if TYPE_CHECKING:
    from kit.config import Config
    from kit.data.batches import Batches

GRADIENT_NORMS_FILE = "gradient_norms.csv"
GRADIENT_COLUMNS = ("step", "epoch", "block", "grad_norm")
STAGES = {"layer1": "conv2_x", "layer2": "conv3_x", "layer3": "conv4_x", "layer4": "conv5_x"}
"""torchvision's stage modules and their names in Table 1 of He et al. (2016)."""
STEM_MODULES = ("conv1", "bn1")


# ---- which parameters belong to which block -----------------------------------------------------------------

def parameter_groups(model: nn.Module) -> dict[str, list[nn.Parameter]]:
    """The trainable parameters of ``model`` grouped by block, in network order.

    For a ResNet (torchvision's or the kit's): ``conv1`` (stem conv + BN), one group per block of ``layer1`` ..
    ``layer4`` named ``conv2_x.1`` ... ``conv5_x.N``, then any other top-level module that has parameters under
    its own name (``final_norm`` of a pre-activation net), and ``fc`` last. Any other network is grouped by its top-level
    modules. Every trainable parameter lands in exactly one group.
    """
    groups: dict[str, list[nn.Parameter]] = {}
    seen: set[int] = set()

    def add(name: str, parameters: Iterable[nn.Parameter]) -> None:
        fresh = [p for p in parameters if p.requires_grad and id(p) not in seen]
        seen.update(id(p) for p in fresh)
        if fresh:
            groups.setdefault(name, []).extend(fresh)

    add("(top level)", model.parameters(recurse=False))
    for child_name, child in model.named_children():
        if child_name in STAGES and isinstance(child, nn.Sequential):
            for index, block in enumerate(child, start=1):
                add(f"{STAGES[child_name]}.{index}", block.parameters())
        else:
            add("conv1" if child_name in STEM_MODULES else child_name, child.parameters())
    if not groups:
        raise ValueError(f"{type(model).__name__} has no trainable parameters: there is no gradient to measure.")
    # Registration order is not always network order (the kit's ResNet registers final_norm after fc).
    return {name: groups[name] for name in block_order(groups)}


@torch.no_grad()
def group_norms(groups: dict[str, list[nn.Parameter]]) -> Tensor:
    """The L2 norm of each group's gradients, as one tensor on the parameters' device (no GPU sync).

    A parameter without a gradient (``.grad is None``: it took no part in the loss) counts as a zero gradient.
    """
    device = next(iter(groups.values()))[0].device
    norms = []
    for parameters in groups.values():
        grads = [p.grad.detach() for p in parameters if p.grad is not None]
        if not grads:
            norms.append(torch.zeros((), device=device))
            continue
        # The norm of the per-tensor norms is the norm of all elements together, without concatenating them.
        per_tensor = torch.stack([torch.linalg.vector_norm(g, dtype=torch.float32) for g in grads])
        norms.append(torch.linalg.vector_norm(per_tensor))
    return torch.stack(norms)


# ---- during training -----------------------------------------------------------------------------------------

class GradientNormRecorder:
    """Records per-block gradient norms every ``every`` optimizer steps (steps 1, 1 + every, 1 + 2*every, ...).

    ``kit.train.fit`` calls ``record`` after ``backward`` and before the optimizer step, and ``rows`` once per
    epoch. The norms stay on the device until ``rows`` copies them all at once, so recording adds a few small
    kernels per recorded step and no extra wait for the GPU.

    When the fp16 loss scaler skips a recorded step (overflow; the weights stay unchanged), ``fit`` calls
    ``discard``: the record is dropped and each following step is due until one is kept. The first kept record
    is then still taken before any update.
    """

    def __init__(self, model: nn.Module, every: int) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a whole number >= 1 (steps between two recordings), got {every!r}")
        self.every = every
        self.groups = parameter_groups(model)
        self.blocks = list(self.groups)
        self._pending: list[tuple[int, int, Tensor]] = []
        self._last_kept = 0  # the step of the last kept record; 0: none yet
        self._before: int | None = None  # _last_kept before the latest record, while discard() may undo it

    def due(self, step: int) -> bool:
        """Whether global optimizer step ``step`` (1-based, counted over the whole run) is recorded: a scheduled
        step (1, 1 + every, ...), or a later one while the last scheduled step's record was discarded."""
        scheduled = step - (step - 1) % self.every  # the last scheduled step <= step
        return scheduled > self._last_kept

    def record(self, step: int, epoch: int) -> None:
        self._pending.append((step, epoch, group_norms(self.groups)))
        self._last_kept, self._before = step, self._last_kept

    def discard(self) -> None:
        """Drop the record just taken: the optimizer skipped its step, so the next step is due instead."""
        if self._before is None:
            raise RuntimeError("discard() undoes the latest record() and may follow it only once")
        self._pending.pop()
        self._last_kept, self._before = self._before, None

    def resume(self, rows: Iterable[dict[str, Any]]) -> None:
        """Continue a run whose records so far are ``rows`` (from its checkpoint), exactly as if uninterrupted."""
        self._last_kept, self._before = max((int(row["step"]) for row in rows), default=0), None

    def rows(self) -> list[dict[str, Any]]:
        """The records since the last call, one row per (step, block), and forgets them."""
        self._before = None
        if not self._pending:
            return []
        values = torch.stack([norms for _, _, norms in self._pending]).cpu().tolist()
        rows = [{"step": step, "epoch": epoch, "block": block, "grad_norm": value}
                for (step, epoch, _), norms in zip(self._pending, values) for block, value in zip(self.blocks, norms)]
        self._pending.clear()
        return rows


def gradient_frame(rows: list[dict[str, Any]] | dict[str, list[Any]] | None) -> pd.DataFrame:
    """Rows (or a column dict, as stored in ``last.pt``) as a frame with ``GRADIENT_COLUMNS`` and fixed dtypes."""
    frame = pd.DataFrame(rows if rows is not None else [], columns=list(GRADIENT_COLUMNS))
    return frame.astype({"step": "int64", "epoch": "int64", "grad_norm": "float64"})


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
    from kit.env import default_device
    from kit.train import build_model_for

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
    _check_columns(frame, GRADIENT_COLUMNS, path)
    return gradient_frame(frame[list(GRADIENT_COLUMNS)])


def has_gradient_norms(run: RunResult) -> bool:
    """Whether the run recorded gradient norms (has a ``gradient_norms.csv``)."""
    return run.run_dir is not None and (Path(run.run_dir) / GRADIENT_NORMS_FILE).is_file()


def block_order(blocks: Iterable[str]) -> list[str]:
    """Block names in network order: ``conv1``, ``conv2_x.1`` ... ``conv5_x.N``, other modules, ``fc`` last.

    Names of other networks keep the order in which they first appear.
    """
    unique = list(dict.fromkeys(blocks))

    def key(item: tuple[int, str]) -> tuple[int, int, int, int]:
        position, name = item
        if name == "conv1":
            return (0, 0, 0, position)
        stage = re.fullmatch(r"conv(\d+)_x\.(\d+)", name)
        if stage:
            return (1, int(stage.group(1)), int(stage.group(2)), position)
        return (3 if name == "fc" else 2, 0, 0, position)

    return [name for _, name in sorted(enumerate(unique), key=key)]


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
