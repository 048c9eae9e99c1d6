"""Feed the training loop fast: decode once into a uint8 cache kept on the GPU, augment there.

A Colab VM has 2 CPU cores; decoding and augmenting JPEGs on them every epoch starves a T4. The whole course
dataset is small (about 1100 images, ~220 MB as 256x256 uint8), so, as in Keller Jordan's airbench, it is
decoded once, kept on the device, and augmented there:

1. **decode once** (``load_square``): PIL's JPEG draft mode decodes at the smallest DCT scale that still gives
   the needed size (an 8000-px photo is never decoded at full size), the short side is resized to
   ``side = image_size / 0.875`` and the centre square kept. The result is cached as uint8 in
   ``workspace/cache/images-<dataset fingerprint>-<side>px.pt``, so every notebook reuses it and a changed
   dataset or size builds a new one.
2. **augment on the device**, a different crop for every image: random-resized-crop boxes (Szegedy et al. 2015,
   "Going Deeper with Convolutions", as in torchvision's ``RandomResizedCrop``) are sampled per image and
   cut out and resized for the whole batch at once with ``torchvision.ops.roi_align`` (He et al. 2017,
   "Mask R-CNN"), then a random horizontal flip and the ImageNet normalisation.
3. **evaluate** deterministically: the centre ``image_size`` square of the cached image (resize + centre crop).

``LoaderBatches`` is the standard alternative for data too big to cache: a ``torch.utils.data.DataLoader`` with
torchvision transforms on ``min(2, cpus)`` worker processes. It decodes with the same ``load_square``, so its
evaluation tensors are identical to the cached path's, and it uses the same per-image crop boxes.

Both implement ``kit.data.batches.Batches``: the order and the augmentation of epoch ``e`` depend only on
``(seed, e)`` and the Config's augmentation fields (``batches_for(config)``), so a resumed run sees exactly the
batches an uninterrupted one would have seen.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import torch
import torchvision.transforms.functional as TF
from PIL import Image
from torch import Tensor
from torchvision.ops import roi_align

from kit.config import CROP_RATIO, CROP_SCALE, Config
from kit.data.prepare import Prepared, load_prepared
from kit.data.reading import open_rgb, quiet_large_images
from kit.env import default_device
from kit.files import atomic_save
from kit.progress import progress_bar

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
EVAL_CROP_FRACTION = 0.875
"""Evaluation resizes the short side to ``image_size / 0.875`` (256 for 224) and keeps the centre, as is
standard for ImageNet models since AlexNet; the cache stores images at that side."""
CACHE_VERSION = 1  # bump when load_square changes, so old caches are not reused


def cache_side(image_size: int) -> int:
    """Side of the cached squares for a network input of ``image_size``."""
    return int(round(image_size / EVAL_CROP_FRACTION))


def load_square(path: str | Path, side: int) -> Image.Image:
    """Decode ``path`` (draft mode for JPEG), resize its short side to ``side`` and keep the centre square."""
    image = open_rgb(Path(path), min_side=side)
    width, height = image.size
    scale = side / min(width, height)
    size = (max(side, round(width * scale)), max(side, round(height * scale)))
    if size != image.size:
        image = image.resize(size, Image.Resampling.BILINEAR)  # PIL's bilinear filter antialiases when shrinking
    return TF.center_crop(image, [side, side])


# --------------------------------------------------------------------------------------------------- cache

def cache_path(cache_dir: str | Path, fingerprint: str, side: int) -> Path:
    """Where the cache for this dataset content and side lives."""
    key = hashlib.sha256(f"{fingerprint}:{side}:{CACHE_VERSION}".encode()).hexdigest()[:16]
    return Path(cache_dir) / f"images-{key}-{side}px.pt"


def build_cache(paths: list[str], side: int, *, workers: int | None = None, progress: bool = False) -> Tensor:
    """Decode every image with ``load_square`` into one uint8 tensor ``N x 3 x side x side``.

    Decoding runs on a few threads: PIL releases the GIL while it decodes and resizes.
    """
    images = np.empty((len(paths), side, side, 3), dtype=np.uint8)

    def decode(i: int) -> None:
        images[i] = np.asarray(load_square(paths[i], side))

    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        jobs = pool.map(decode, range(len(paths)))
        for _ in progress_bar(jobs, total=len(paths), desc=f"caching {side}px images", enabled=progress):
            pass
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()


def load_or_build_cache(prepared: Prepared, side: int, *, progress: bool = False) -> tuple[list[str], Tensor]:
    """The cached images of every labelled and test image of ``prepared`` (``relpaths``, uint8 tensor),
    built and saved in ``workspace/cache`` when absent."""
    relpaths = list(prepared.records["relpath"]) + list(prepared.test["relpath"])
    paths = list(prepared.records["path"]) + list(prepared.test["path"])
    file = cache_path(prepared.workspace / "cache", prepared.fingerprint, side)
    if file.is_file():
        try:
            stored = torch.load(file, weights_only=True)
        except Exception:  # a cache cut short (say, a Drive sync interrupted): build it again
            stored = {"relpaths": []}
        if relpaths and set(relpaths) <= set(stored["relpaths"]):
            return list(stored["relpaths"]), stored["images"]
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise FileNotFoundError(f"{len(missing)} image(s) of the split are not on disk, e.g. {missing[:3]}: "
                                f"run prepare() again (notebook 01 or `kit data`) for this workspace.")
    with quiet_large_images():  # the data report names large files once; Pillow would warn per decode, nameless
        images = build_cache(paths, side, progress=progress)
    file.parent.mkdir(parents=True, exist_ok=True)
    atomic_save({"relpaths": relpaths, "images": images, "side": side, "fingerprint": prepared.fingerprint,
                 "version": CACHE_VERSION}, file)
    return relpaths, images


# --------------------------------------------------------------------------------------------------- augmentation

def _epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """A CPU generator that depends only on (seed, epoch): the same on every device and after a resume."""
    key = int.from_bytes(hashlib.sha256(f"kit.data:{seed}:{epoch}".encode()).digest()[:8], "little")
    return torch.Generator().manual_seed(key & (2**63 - 1))


def epoch_plan(n: int, side: int, seed: int, epoch: int, scale: tuple[float, float] = CROP_SCALE,
               ratio: tuple[float, float] = CROP_RATIO, flip: bool = True) -> tuple[Tensor, Tensor, Tensor]:
    """Order, crop boxes and flips of one training epoch.

    Returns ``order`` (a permutation of ``0..n-1``), ``boxes`` (``n x 4`` int: top, left, height, width of the
    crop for the image at each position of ``order``) and ``flips`` (``n`` bools). Boxes follow torchvision's
    ``RandomResizedCrop.get_params`` (10 tries of area and aspect, else the whole image), vectorised. Without
    ``flip`` no image is flipped (the flips are still drawn, so the crops stay those of the flipping plan).
    """
    generator = _epoch_generator(seed, epoch)
    order = torch.randperm(n, generator=generator)
    tries = 10
    area = torch.empty(n, tries).uniform_(scale[0], scale[1], generator=generator) * side * side
    log_ratio = torch.empty(n, tries).uniform_(math.log(ratio[0]), math.log(ratio[1]), generator=generator)
    aspect = torch.exp(log_ratio)
    width = torch.round(torch.sqrt(area * aspect)).long()
    height = torch.round(torch.sqrt(area / aspect)).long()
    fits = (width > 0) & (width <= side) & (height > 0) & (height <= side)
    first = fits.int().argmax(dim=1)
    rows = torch.arange(n)
    width = torch.where(fits.any(dim=1), width[rows, first], torch.full((n,), side))
    height = torch.where(fits.any(dim=1), height[rows, first], torch.full((n,), side))
    top = (torch.rand(n, generator=generator) * (side - height + 1)).long().clamp(max=side - height)
    left = (torch.rand(n, generator=generator) * (side - width + 1)).long().clamp(max=side - width)
    flips = (torch.rand(n, generator=generator) < 0.5) & flip
    return order, torch.stack([top, left, height, width], dim=1), flips


def normalize(images: Tensor, mean: Tensor, std: Tensor) -> Tensor:
    """uint8 (or 0..255 float) NCHW -> float32 normalised, with the same operations as torchvision's
    ``to_tensor`` + ``Normalize`` so both pipelines agree to the last bit."""
    return images.float().div(255).sub_(mean).div_(std)


def crop_resize_flip(images: Tensor, boxes: Tensor, flips: Tensor, size: int) -> Tensor:
    """Cut box ``i`` out of image ``i``, resize it to ``size`` and flip it where ``flips[i]``, for a whole batch.

    ``roi_align`` averages ``ceil(box / size)`` samples per output pixel (``sampling_ratio=-1``), so shrinking a
    large crop does not alias.
    """
    top, left, height, width = boxes.to(images.device, torch.float32).unbind(dim=1)
    index = torch.arange(len(images), device=images.device, dtype=torch.float32)
    rois = torch.stack([index, left, top, left + width, top + height], dim=1)
    out = roi_align(images.float(), rois, output_size=(size, size), spatial_scale=1.0, sampling_ratio=-1,
                    aligned=True)
    flips = flips.to(images.device)
    return torch.where(flips[:, None, None, None], out.flip(-1), out)


# --------------------------------------------------------------------------------------------------- batches

@dataclass(frozen=True)
class Augmentation:
    """How the training images of every epoch are ordered, cropped and flipped (the Config fields of the same
    names): a function of ``(seed, epoch)`` alone."""

    seed: int = 0
    crop_scale: tuple[float, float] = CROP_SCALE
    crop_ratio: tuple[float, float] = CROP_RATIO
    flip: bool = True

    def plan(self, n: int, side: int, epoch: int) -> tuple[Tensor, Tensor, Tensor]:
        """``epoch_plan`` of ``n`` images cached at ``side`` px in ``epoch``."""
        return epoch_plan(n, side, self.seed, epoch, self.crop_scale, self.crop_ratio, self.flip)


class _Splits:
    """Shared bookkeeping: the rows, labels and class indices of each split."""

    def __init__(self, prepared: Prepared, image_size: int, batch_size: int, augmentation: Augmentation,
                 device: torch.device):
        if batch_size < 1 or image_size < 8:
            raise ValueError(f"need batch_size >= 1 and image_size >= 8; got {batch_size}, {image_size}")
        self.classes = tuple(prepared.classes)
        self.batch_size = batch_size
        self.image_size = image_size
        self.side = cache_side(image_size)
        self.augmentation = augmentation
        self.settings = {"image_size": image_size, "batch_size": batch_size, **dataclasses.asdict(augmentation)}
        """The Config fields these batches follow: ``fit`` refuses a Config that says otherwise."""
        if prepared.split_seed is not None:  # a split of its own (Prepared.with_split_seed), not split.csv
            self.settings["split_seed"] = prepared.split_seed
        self.device = device
        index = {c: i for i, c in enumerate(self.classes)}
        self._frames = {s: prepared.frame(s) for s in ("train", "val", "test")}
        split_rows = prepared.split[["filename", "label", "split"]].to_csv(index=False)
        settings = json.dumps(self.settings, sort_keys=True)
        self.fingerprint = hashlib.sha256(f"{prepared.fingerprint}\n{split_rows}\n{settings}".encode()).hexdigest()[:16]
        """Which images, labels, split and augmentation these batches give: a run records it and refuses others."""
        self._labels = {s: torch.tensor([index.get(lbl, -1) for lbl in f["label"]], dtype=torch.long)
                        for s, f in self._frames.items()}
        if self._frames["train"].empty:
            raise ValueError("The split has no training images")
        self._mean = torch.tensor(IMAGENET_MEAN, device=device).view(1, 3, 1, 1)
        self._std = torch.tensor(IMAGENET_STD, device=device).view(1, 3, 1, 1)

    def frame(self, split: str) -> pd.DataFrame:
        self._check(split)
        return self._frames[split][["filename", "label"]].copy()

    def train_steps(self) -> int:
        return math.ceil(len(self._frames["train"]) / self.batch_size)

    def _check(self, split: str) -> None:
        if split not in self._frames:
            raise ValueError(f"split must be one of {tuple(self._frames)}, not {split!r}")


class CachedBatches(_Splits):
    """``Batches`` from the uint8 cache kept on the device (or in CPU memory when it does not fit there)."""

    def __init__(self, prepared: Prepared, *, image_size: int, batch_size: int, device: torch.device, 
                 augmentation: Augmentation = Augmentation(), progress: bool = False):
        super().__init__(prepared, image_size, batch_size, augmentation, device)
        relpaths, images = load_or_build_cache(prepared, self.side, progress=progress)
        self.storage = _storage_for(images, device)
        self.images = images.to(self.storage)
        row = {r: i for i, r in enumerate(relpaths)}
        # Indices live beside the images and labels on the device, so a step never waits for a host copy.
        self._rows = {s: torch.tensor([row[r] for r in f["relpath"]], dtype=torch.long, device=self.storage)
                      for s, f in self._frames.items()}
        self._device_labels = {s: labels.to(device) for s, labels in self._labels.items()}

    def _gather(self, rows: Tensor) -> Tensor:
        """The cached images at ``rows`` (indices on the storage device), on the training device."""
        batch = self.images[rows]
        if batch.device != self.device:  # cache in CPU memory: a pinned batch copies while the GPU computes
            batch = batch.pin_memory().to(self.device, non_blocking=True)
        return batch

    def train_batches(self, epoch: int) -> Iterator[tuple[Tensor, Tensor]]:
        order, boxes, flips = self.augmentation.plan(len(self._rows["train"]), self.side, epoch)
        # One transfer per epoch instead of one per step.
        rows = self._rows["train"][order.to(self.storage)]
        labels = self._device_labels["train"][order.to(self.device)]
        boxes, flips = boxes.to(self.device), flips.to(self.device)
        for start in range(0, len(order), self.batch_size):
            end = start + self.batch_size
            crops = crop_resize_flip(self._gather(rows[start:end]), boxes[start:end], flips[start:end],
                                     self.image_size)
            yield normalize(crops, self._mean, self._std), labels[start:end]

    def eval_batches(self, split: str) -> Iterator[tuple[Tensor, Tensor]]:
        self._check(split)
        rows, labels = self._rows[split], self._device_labels[split]
        for start in range(0, len(rows), self.batch_size):
            end = start + self.batch_size
            images = TF.center_crop(self._gather(rows[start:end]), [self.image_size] * 2)
            yield normalize(images, self._mean, self._std), labels[start:end]


def _storage_for(images: Tensor, device: torch.device) -> torch.device:
    """The device itself when the cache takes under half its free memory, else the CPU."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return device if images.numel() < free // 2 else torch.device("cpu")
    return device


class _DecodedImages(torch.utils.data.Dataset):
    """Decodes one image per item with torchvision transforms; the key says which image and how to crop it."""

    def __init__(self, paths: list[str], labels: Tensor, side: int, image_size: int):
        self.paths, self.labels, self.side, self.image_size = paths, labels, side, image_size

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, key: int | tuple[int, int, int, int, int, bool]) -> tuple[Tensor, Tensor]:
        index = key if isinstance(key, int) else key[0]
        image = load_square(self.paths[index], self.side)
        if isinstance(key, int):  # evaluation: centre crop
            image = TF.center_crop(image, [self.image_size] * 2)
        else:
            _, top, left, height, width, flip = key
            image = TF.resized_crop(image, top, left, height, width, [self.image_size] * 2,
                                    interpolation=TF.InterpolationMode.BILINEAR, antialias=True)
            if flip:
                image = TF.hflip(image)
        tensor = TF.normalize(TF.to_tensor(image), IMAGENET_MEAN, IMAGENET_STD)
        return tensor, self.labels[index]


class LoaderBatches(_Splits):
    """``Batches`` from a standard ``DataLoader`` decoding on CPU workers, for data too big to cache."""

    def __init__(self, prepared: Prepared, *, image_size: int, batch_size: int, device: torch.device, 
                 augmentation: Augmentation = Augmentation(), num_workers: int | None = None):
        super().__init__(prepared, image_size, batch_size, augmentation, device)
        self.num_workers = min(2, os.cpu_count() or 1) if num_workers is None else num_workers
        self._datasets = {s: _DecodedImages(list(f["path"]), self._labels[s], self.side, image_size)
                          for s, f in self._frames.items()}

    def _loader(self, split: str, keys: list) -> torch.utils.data.DataLoader:
        return torch.utils.data.DataLoader(self._datasets[split], batch_size=self.batch_size, sampler=keys,
                                           num_workers=self.num_workers, pin_memory=self.device.type == "cuda")

    def train_batches(self, epoch: int) -> Iterator[tuple[Tensor, Tensor]]:
        order, boxes, flips = self.augmentation.plan(len(self._datasets["train"]), self.side, epoch)
        keys = [(int(i), *map(int, box), bool(flip)) for i, box, flip in zip(order, boxes, flips)]
        for images, labels in self._loader("train", keys):
            yield images.to(self.device, non_blocking=True), labels.to(self.device, non_blocking=True)

    def eval_batches(self, split: str) -> Iterator[tuple[Tensor, Tensor]]:
        self._check(split)
        for images, labels in self._loader(split, list(range(len(self._datasets[split])))):
            yield images.to(self.device, non_blocking=True), labels.to(self.device, non_blocking=True)


def make_batches(source: Prepared | str | Path | None = None, *, image_size: int = 224, batch_size: int = 32,
                 device: torch.device | str | None = None, seed: int = 0, crop_scale: tuple[float, float] = CROP_SCALE,
                 crop_ratio: tuple[float, float] = CROP_RATIO, flip: bool = True, cache: bool = True,
                 num_workers: int | None = None, progress: bool = False) -> CachedBatches | LoaderBatches:
    """The one entry point from a prepared dataset to training batches (``kit.data.batches.Batches``).

    ``batches_for(config, source)`` passes a Config's values; ``fit`` refuses batches that differ from its Config.

    Args:
        source: the result of ``prepare`` or a workspace folder where it ran (``None``: the default workspace).
        image_size: side of the square images the network sees.
        batch_size: images per batch.
        device: where batches are delivered (``kit.env.default_device()``).
        seed: seeds the training order and augmentation (with the epoch number).
        crop_scale, crop_ratio: area and aspect ranges of the random resized crop.
        flip: random horizontal flips.
        cache: ``True`` for the device-resident uint8 cache; ``False`` for the DataLoader path (data too big
            to cache).
        num_workers: DataLoader workers (``min(2, cpus)``); only for ``cache=False``.
        progress: show a progress bar while the cache is built.
    """
    prepared = source if isinstance(source, Prepared) else load_prepared(source)
    device = torch.device(device) if device is not None else default_device()
    augmentation = Augmentation(seed=seed, crop_scale=tuple(crop_scale), crop_ratio=tuple(crop_ratio), flip=flip)
    if cache:
        return CachedBatches(prepared, image_size=image_size, batch_size=batch_size, device=device,
                             augmentation=augmentation, progress=progress)
    return LoaderBatches(prepared, image_size=image_size, batch_size=batch_size, device=device,
                         augmentation=augmentation, num_workers=num_workers)


def batches_for(config: Config, source: Prepared | str | Path | None = None,
                **options) -> CachedBatches | LoaderBatches:
    """``make_batches`` with ``config``'s image size, batch size, seed and augmentation; ``options`` are
    ``make_batches``' others (``device``, ``cache``, ``num_workers``, ``progress``)."""
    return make_batches(source, image_size=config.image_size, batch_size=config.batch_size, seed=config.seed,
                        crop_scale=config.crop_scale, crop_ratio=config.crop_ratio, flip=config.flip, **options)
