"""A tiny in-memory implementation of the ``kit.data.batches.Batches`` contract for training tests.

Each class has its own mean colour, so a small network learns it within a few epochs; the training order and
flips depend only on ``(seed, epoch)``, as the contract asks.
"""

from __future__ import annotations

import math
from typing import Iterator

import pandas as pd
import torch
from torch import Tensor

import kit


class TinyBatches:
    """``n_train``/``n_val``/``n_test`` images of ``image_size`` px in memory, on the CPU."""

    def __init__(self, n_train: int = 40, n_val: int = 20, n_test: int = 0, image_size: int = 32, batch_size: int = 8,
                 seed: int = 0, classes: tuple[str, ...] = kit.CLASSES, poison_epoch: int | None = None,
                 interrupt_at: tuple[int, int] | None = None) -> None:
        self.classes = tuple(classes)
        self.batch_size = batch_size
        self.seed = seed
        self.poison_epoch = poison_epoch  # this epoch's batches contain NaN pixels
        self.interrupt_at = interrupt_at  # (epoch, step): raise KeyboardInterrupt there, like Ctrl-C
        generator = torch.Generator().manual_seed(1234)
        colours = torch.randn(len(self.classes), 3, 1, 1, generator=generator) * 1.5
        self._images: dict[str, Tensor] = {}
        self._labels: dict[str, Tensor] = {}
        self._frames: dict[str, pd.DataFrame] = {}
        start = 0
        for split, count in (("train", n_train), ("val", n_val), ("test", n_test)):
            labels = torch.arange(count) % len(self.classes)
            noise = torch.randn(count, 3, image_size, image_size, generator=generator)
            self._images[split] = colours[labels] + noise
            self._labels[split] = labels if split != "test" else torch.full((count,), -1)
            self._frames[split] = pd.DataFrame({
                "filename": [f"{i:04d}.jpg" for i in range(start + 1, start + count + 1)],
                "label": [self.classes[i] for i in labels] if split != "test" else [""] * count,
            })
            start += count

    def train_steps(self) -> int:
        return math.ceil(len(self._labels["train"]) / self.batch_size)

    def train_batches(self, epoch: int) -> Iterator[tuple[Tensor, Tensor]]:
        generator = torch.Generator().manual_seed(self.seed * 100_003 + epoch)
        images, labels = self._images["train"], self._labels["train"]
        order = torch.randperm(len(labels), generator=generator)
        flips = torch.rand(len(labels), generator=generator) < 0.5
        for step, first in enumerate(range(0, len(labels), self.batch_size), start=1):
            if self.interrupt_at == (epoch, step):
                raise KeyboardInterrupt
            index = order[first:first + self.batch_size]
            batch = torch.where(flips[index, None, None, None], images[index].flip(-1), images[index])
            if epoch == self.poison_epoch:
                batch = batch * float("nan")
            yield batch, labels[index]

    def eval_batches(self, split: str) -> Iterator[tuple[Tensor, Tensor]]:
        images, labels = self._images[split], self._labels[split]
        for first in range(0, len(labels), self.batch_size):
            yield images[first:first + self.batch_size], labels[first:first + self.batch_size]

    def frame(self, split: str) -> pd.DataFrame:
        return self._frames[split].copy()
