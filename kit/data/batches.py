"""The contract between the data pipeline and the training loop.

``kit.train.fit`` only needs an object with this shape, so the GPU-resident cache, the DataLoader fallback
and a tiny in-memory set in a test are interchangeable.
"""

from __future__ import annotations

from typing import Iterator, Protocol

import pandas as pd
from torch import Tensor


class Batches(Protocol):
    """Batches of ``(images, labels)`` already on the training device.

    ``images`` are float32 NCHW, normalized; ``labels`` are int64 class indices (-1 for unlabelled test images).
    """

    classes: tuple[str, ...]
    batch_size: int
    fingerprint: str
    """Identifies the images, labels, split and augmentation (``fit`` records it, and refuses to continue a run on
    other data). Optional: data without it is not checked."""
    settings: dict
    """The Config fields the batches follow (``image_size``, ``batch_size``, ``seed``, ``crop_scale``,
    ``crop_ratio``, ``flip``; ``kit.data.pipeline.batches_for(config)``): ``fit`` refuses a Config that says
    otherwise. Optional: data without it is checked on its batch size and image size only."""

    def train_batches(self, epoch: int) -> Iterator[tuple[Tensor, Tensor]]:
        """Shuffled, augmented training batches. Order and augmentation depend only on (seed, epoch), so a
        run resumed at ``epoch`` sees exactly the batches an uninterrupted run would have seen."""
        ...

    def train_steps(self) -> int:
        """Number of batches ``train_batches`` yields per epoch."""
        ...

    def eval_batches(self, split: str) -> Iterator[tuple[Tensor, Tensor]]:
        """Deterministic (resize + center crop), unshuffled batches of ``split`` ("train", "val" or "test")."""
        ...

    def frame(self, split: str) -> pd.DataFrame:
        """Rows (``filename``, ``label``) of ``split`` in the order ``eval_batches(split)`` yields them;
        empty for "test" when there are no test images."""
        ...
