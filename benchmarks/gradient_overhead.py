"""What recording per-block gradient norms (``Config.grad_norm_every``) costs, relative to training.

    python benchmarks/gradient_overhead.py [--models plain18 resnet18 resnet34] [--image-size 64]
                                           [--batch-size 16] [--repeats 30] [--every 10 1]

A recording (``kit.diagnostics.GradientNormRecorder``: one norm per gradient tensor, one per block, and the copy
of the results to the host) happens after ``backward`` of every N-th optimizer step. On a shared machine, whole
epochs timed with recording on and off differ by more from load changes than from recording, so this pairs
them step by step: each repeat times one training step (forward, backward, AdamW update) alone and one followed
by a recording, in alternating order; the recording is also timed on its own. The share of an epoch's training time that
recording every N steps adds is ``cost of one recording / (N * step time)``; the printed ratio is
``1 + that share`` (target < 1.05 for the default N = 10; validation, which records nothing, only lowers it).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from kit.config import Config
from kit.diagnostics import GradientNormRecorder
from kit.env import autocast_dtype, default_device
from kit.models import build_model
from kit.train import make_optimizer


def measure(model_name: str, image_size: int, batch_size: int, repeats: int,
            device: torch.device) -> tuple[float, float, float]:
    """Median seconds of one training step without recording, median seconds of one recording (timed on its own
    within a step), and the median paired difference of whole steps with and without recording (a cross-check)."""
    config = Config(model=model_name, image_size=image_size, batch_size=batch_size)
    model = build_model(model_name, 5).to(device).train()
    optimizer = make_optimizer(model, config)
    criterion = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    dtype = autocast_dtype(device)
    images = torch.randn(batch_size, 3, image_size, image_size, device=device)
    labels = torch.arange(batch_size, device=device) % 5
    recorder = GradientNormRecorder(model, every=1)

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    def step(record: bool) -> tuple[float, float]:
        """(seconds of the whole step, seconds of the recording within it)."""
        sync()
        started = time.perf_counter()
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            loss = criterion(model(images), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        recording = 0.0
        if record:
            sync()
            recording_started = time.perf_counter()
            recorder.record(step=1, epoch=1)
            recorder.rows()  # fit copies once per epoch; once per recording is the upper bound
            recording = time.perf_counter() - recording_started
        optimizer.step()
        sync()
        return time.perf_counter() - started, recording

    for _ in range(3):  # warm-up: allocator, kernel selection
        step(record=True)
    plain, recording, paired = [], [], []
    for repeat in range(repeats):
        order = (False, True) if repeat % 2 == 0 else (True, False)  # alternate: drift hits both sides alike
        times = {record: step(record) for record in order}
        plain.append(times[False][0])
        recording.append(times[True][1])
        paired.append(times[True][0] - times[False][0])
    return statistics.median(plain), statistics.median(recording), statistics.median(paired)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["plain18", "resnet18", "resnet34"])
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=30, help="paired steps per model")
    parser.add_argument("--every", type=int, nargs="+", default=[10, 1], help="grad_norm_every values to report")
    args = parser.parse_args(argv)
    device = default_device()
    print(f"device {device}, torch threads {torch.get_num_threads()}, {args.image_size} px, batch {args.batch_size}, "
          f"{args.repeats} paired steps per model")
    for model_name in args.models:
        step_seconds, record_seconds, paired = measure(model_name, args.image_size, args.batch_size, args.repeats,
                                                       device)
        ratios = ", ".join(f"every {every}: {1 + record_seconds / (every * step_seconds):.3f}" for every in args.every)
        print(f"{model_name}: step {1000 * step_seconds:.1f} ms, one recording {1000 * record_seconds:.2f} ms "
              f"(paired step difference {1000 * paired:+.1f} ms); overhead ratio {ratios}", flush=True)


if __name__ == "__main__":
    main()
