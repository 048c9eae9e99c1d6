"""The optimizer and the learning-rate schedule a Config asks for."""

from __future__ import annotations

import functools
import math

import torch
from torch import nn

from kit.config import Config


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


def make_scheduler(optimizer: torch.optim.Optimizer, config: Config,
                   steps_per_epoch: int) -> torch.optim.lr_scheduler.LambdaLR:
    """A per-step ``LambdaLR`` following ``lr_factor`` (per step, so warm-up is smooth within an epoch)."""
    factor = functools.partial(
        lr_factor, kind=config.scheduler, warmup_steps=config.warmup_epochs * steps_per_epoch,
        total_steps=config.epochs * steps_per_epoch, steps_per_epoch=steps_per_epoch,
        step_size=config.step_size, gamma=config.gamma)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
