"""Out of GPU memory: find a batch size that fits, and say so instead of showing CUDA's traceback."""

from __future__ import annotations

import gc

import torch
from torch import nn

from kit.text import tr

OutOfMemoryError = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)
"""torch < 2.5 has only ``torch.cuda.OutOfMemoryError``."""


class BatchSizeTooLarge(RuntimeError):
    """The GPU ran out of memory at the configured batch size."""


def precision_name(dtype: torch.dtype | None) -> str:
    return {torch.bfloat16: "bf16", torch.float16: "fp16"}.get(dtype, "fp32")


def out_of_memory_message(model: nn.Module, optimizer: torch.optim.Optimizer, *, model_name: str, image_size: int,
                          batch_size: int, dtype: torch.dtype | None, channels_last: bool, num_classes: int) -> str:
    """Free what the failed step held, probe for a batch size that fits, and name it."""
    optimizer.zero_grad(set_to_none=True)
    _free(next(model.parameters()).device)
    fits = largest_batch_that_fits(model, image_size, batch_size // 2, num_classes, dtype, channels_last)
    where = f"{model_name} at {image_size} px, {precision_name(dtype)}"
    if fits is None:
        return tr("train.oom_even_one", where=where)
    return tr("train.oom", batch_size=batch_size, where=where, fits=fits)


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
            _free(device)
        batch //= 2
    return None


def _free(device: torch.device) -> None:
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
