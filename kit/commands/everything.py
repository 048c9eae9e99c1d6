"""``kit all``: data -> Plain-34 -> ResNet-34 (one Config) -> comparison -> report."""

from __future__ import annotations

import argparse
import time

from kit import numbers
from kit.commands.train import setup_training, train_and_report
from kit.report import write_report
from kit.text import tr


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    config, workspace, data = setup_training(args)
    for name in ("plain34", "resnet34"):
        train_and_report(config.replace(model=name), data, workspace, name)
    print(tr("cli.report", path=write_report(workspace)))
    print(tr("cli.all_done", seconds=numbers.seconds(time.perf_counter() - started), runs=workspace / "runs"))
    return 0
