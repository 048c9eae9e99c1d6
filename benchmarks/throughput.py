"""Training throughput, in images per second, of three ways to feed the same network on the current device.

    python benchmarks/throughput.py [DATASET] [--model resnet34] [--image-size 224] [--batch-size N] [--steps N]
    python benchmarks/throughput.py --image-size 64 --batch-size 16 --steps 5      # a quick CPU smoke run

(a) naive: the course's starter style, a Dataset that decodes each JPEG with PIL, torchvision transforms
    (RandomResizedCrop, flip, normalize), a DataLoader with 2 workers, fp32, batches copied to the device;
(b) the kit: ``kit.train.fit`` on ``kit.data.make_batches`` (uint8 cache on the device, augmentation there),
    with the kit's precision (bf16/fp16 autocast on a GPU) and channels_last; the training phase of each epoch
    after the first, as fit records it in history.csv (``images_per_s``);
(c) the ceiling: the same model, optimizer, batch size and precision on random tensors already on the device.

Prints b/c (how close the kit comes to the model's own speed; target >= 0.9 on a GPU) and b/a (how much faster
than the starter-style pipeline; target >= 10 on a GPU) last. DATASET defaults to
$KIT_DATA, else the course's mini dataset when present, else the synthetic one (benchmarks/default_data.py).
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import torch
from PIL import Image
from torch import nn
from torchvision import transforms

from kit.config import Config
from kit.data import DataWarning, make_batches, prepare
from kit.env import autocast_dtype, default_device
from kit.models import build_model
from kit.train import build_model_for, fit, make_optimizer, precision_name

from default_data import default_dataset  # benchmarks/default_data.py



class _FirstSteps:
    """A ``Batches`` that yields only the first ``steps`` batches of every split, so a benchmark stays short."""

    def __init__(self, data, steps: int) -> None:
        self.data, self.steps = data, steps
        self.classes, self.batch_size = data.classes, data.batch_size

    def train_steps(self) -> int:
        return min(self.steps, self.data.train_steps())

    def train_batches(self, epoch: int):
        for step, batch in enumerate(self.data.train_batches(epoch)):
            if step == self.steps:
                return
            yield batch

    def eval_batches(self, split: str):
        for step, batch in enumerate(self.data.eval_batches(split)):
            if step == self.steps:
                return
            yield batch

    def frame(self, split: str):
        return self.data.frame(split).head(self.steps * self.batch_size)


def model_only(config: Config, device: torch.device, steps: int, num_classes: int) -> float:
    """(c) Forward, backward and optimizer step on one random batch kept on the device."""
    dtype = autocast_dtype(device)
    model = build_model(config.model, num_classes).to(device)
    images = torch.randn(config.batch_size, 3, config.image_size, config.image_size, device=device)
    if device.type == "cuda":
        model, images = model.to(memory_format=torch.channels_last), images.contiguous(memory_format=torch.channels_last)
    labels = torch.randint(0, num_classes, (config.batch_size,), device=device)
    optimizer = make_optimizer(model, config)
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)
    criterion = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)

    def step() -> None:
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            loss = criterion(model(images), labels)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    return _timed(step, steps, device) * config.batch_size


def kit_fit(config: Config, prepared, device: torch.device, steps: int, workspace: Path) -> tuple[float, float]:
    """(b) ``fit`` itself; returns (training-phase images/s, end-to-end images/s incl. val and checkpoints)."""
    data = make_batches(prepared, image_size=config.image_size, batch_size=config.batch_size, device=device,
                        seed=config.seed)
    short = _FirstSteps(data, steps)
    epochs = 1 + math.ceil(steps / short.train_steps())  # the first epoch warms up (cuDNN autotuning)
    config = config.replace(epochs=epochs)
    model = build_model_for(config, len(data.classes))
    started = time.perf_counter()
    history = fit(model, short, config, workspace / "runs" / "throughput", device=device, progress=False)
    total = time.perf_counter() - started
    images_per_epoch = min(steps * config.batch_size, len(data.frame("train")))
    return statistics.median(history["images_per_s"].iloc[1:]), images_per_epoch * epochs / total


class _CourseStyleDataset(torch.utils.data.Dataset):
    """What the starter code does: open and decode every image with PIL on every access."""

    def __init__(self, paths: list[str], labels: list[int], image_size: int) -> None:
        self.paths, self.labels = paths, labels
        self.transform = transforms.Compose([
            transforms.RandomResizedCrop(image_size), transforms.RandomHorizontalFlip(), transforms.ToTensor(),
            transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int):
        with Image.open(self.paths[index]) as image:
            return self.transform(image.convert("RGB")), self.labels[index]


def naive(config: Config, prepared, device: torch.device, steps: int) -> float:
    """(a) The starter-style pipeline in fp32 (no autocast, no channels_last), 2 DataLoader workers."""
    frame = prepared.frame("train")
    classes = list(prepared.classes)
    dataset = _CourseStyleDataset(list(frame["path"]), [classes.index(c) for c in frame["label"]], config.image_size)
    loader = torch.utils.data.DataLoader(dataset, batch_size=config.batch_size, shuffle=True, num_workers=2,
                                         pin_memory=device.type == "cuda")
    model = build_model(config.model, len(classes)).to(device)
    optimizer = make_optimizer(model, config)
    criterion = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)

    def batches():
        while True:  # a new epoch restarts the workers, as a course training loop does
            yield from loader

    stream = batches()
    seen = 0

    def step() -> None:
        nonlocal seen
        images, labels = next(stream)
        images, labels = images.to(device), labels.to(device)
        loss = criterion(model(images), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        seen += len(labels)

    step()  # first batch: worker start-up
    seen = 0
    steps_per_s = _timed(step, steps, device, warmup=0)
    return seen / (steps / steps_per_s)


def _timed(step, steps: int, device: torch.device, warmup: int = 3) -> float:
    """Steps per second of ``step`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        step()
    _synchronize(device)
    started = time.perf_counter()
    for _ in range(steps):
        step()
    _synchronize(device)
    return steps / (time.perf_counter() - started)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", default=default_dataset(),
                        help="dataset folder or zip, or 'synthetic' (default: the mini set when present)")
    parser.add_argument("--model", default="resnet34")
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--batch-size", type=int, help="default: 256 on a GPU, 32 elsewhere")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per measurement")
    parser.add_argument("--workspace", help="reuse this workspace's caches (default: a temporary folder)")
    args = parser.parse_args()

    device = default_device()
    batch_size = args.batch_size or (256 if device.type == "cuda" else 32)
    config = Config(model=args.model, image_size=args.image_size, batch_size=batch_size, warmup_epochs=0, epochs=2)
    torch.backends.cudnn.benchmark = True  # as fit does; a benchmark script may set global flags
    warnings.simplefilter("ignore", DataWarning)
    with tempfile.TemporaryDirectory() as temporary:
        workspace = Path(args.workspace) if args.workspace else Path(temporary)
        prepared = prepare(args.dataset, workspace, val_fraction=config.val_fraction, seed=config.seed)
        name = torch.cuda.get_device_name(device) if device.type == "cuda" else device.type
        layout = "channels_last" if device.type == "cuda" else "contiguous"
        print(f"device: {name} | {args.model} | {args.image_size} px | batch {batch_size} | "
              f"{precision_name(autocast_dtype(device))} | {layout} | {len(prepared.frame('train'))} train images "
              f"from {args.dataset}")
        ceiling = model_only(config, device, args.steps, len(prepared.classes))
        kit, kit_end_to_end = kit_fit(config, prepared, device, args.steps, workspace)
        baseline = naive(config, prepared, device, args.steps)

    print(f"(a) naive PIL Dataset + DataLoader(2 workers), fp32: {baseline:10,.0f} images/s")
    print(f"(b) kit fit (device cache + device augmentation):   {kit:10,.0f} images/s "
          f"(end to end with val and checkpoints: {kit_end_to_end:,.0f})")
    print(f"(c) model only, random tensors on the device:       {ceiling:10,.0f} images/s")
    print(f"b/c = {kit / ceiling:.2f}  (target >= 0.9 on a GPU)")
    print(f"b/a = {kit / baseline:.1f}  (target >= 10 on a GPU)")


if __name__ == "__main__":
    main()
