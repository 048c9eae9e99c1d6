"""Recording the gradient norm of every block while a run trains (``kit.train.fit``; read back and explained by
``kit.diagnostics``).

Blocks are named after Table 1 of He et al. (2016, "Deep Residual Learning for Image Recognition"): ``conv1``
(the stem), ``conv2_x.1`` ... ``conv5_x.3`` (the blocks of each stage, counted from 1), ``fc`` (the classifier). A
block's norm is the L2 norm of the gradients of all its trainable parameters together. With fp16 the recorder
sees the gradients after ``scaler.unscale_``, the true ones; a step the loss scaler skips is discarded.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

import pandas as pd
import torch
from torch import Tensor, nn

GRADIENT_COLUMNS = ("step", "epoch", "block", "grad_norm")
STAGES = {"layer1": "conv2_x", "layer2": "conv3_x", "layer3": "conv4_x", "layer4": "conv5_x"}
"""torchvision's stage modules and their names in Table 1 of He et al. (2016)."""
STEM_MODULES = ("conv1", "bn1")


# ---- which parameters belong to which block -----------------------------------------------------------------

def parameter_groups(model: nn.Module) -> dict[str, list[nn.Parameter]]:
    """The trainable parameters of ``model`` grouped by block, in network order.

    For a ResNet (torchvision's or the kit's): ``conv1`` (stem conv + BN), one group per block of ``layer1`` ..
    ``layer4`` named ``conv2_x.1`` ... ``conv5_x.N``, then any other top-level module that has parameters under
    its own name (``final_norm`` of a pre-activation net), and ``fc`` last. Any other network is grouped by its
    top-level
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
