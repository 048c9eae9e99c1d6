"""``kit train``: one run, from the command line's Config options to a finished run folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from kit import numbers
from kit.commands.options import config_overrides
from kit.config import Config
from kit.data import load_prepared, prepare
from kit.data.batches import Batches
from kit.data.pipeline import batches_for
from kit.env import default_device, default_workspace, gpu_status, smoke_mode
from kit.language import use_language
from kit.run_folder import best_row
from kit.text import tr
from kit.train import build_model_for, fit, run_dir_for


def run(args: argparse.Namespace) -> int:
    """One training run: data (prepared or reused) -> model -> fit -> evaluation files."""
    config, workspace, data = setup_training(args)
    fold = f"-fold{args.fold}" if args.fold is not None else ""
    train_and_report(config, data, workspace, args.name or config.model + fold)
    return 0


def setup_training(args: argparse.Namespace) -> tuple[Config, Path, Batches]:
    """The Config from the options, the workspace, and the prepared batches on the device."""
    device = default_device()
    small = args.smoke or smoke_mode() or (args.command == "all" and device.type == "cpu")
    overrides = config_overrides(args)
    config = Config.smoke(**overrides) if small else Config(**overrides)
    workspace = Path(args.workspace).expanduser() if args.workspace else default_workspace()
    use_language(workspace)  # the group's saved language, else $KIT_LANGUAGE, else Indonesian
    if small and not args.workspace and not smoke_mode():
        workspace = workspace / "smoke"  # small runs never share run folders with real ones
    print(gpu_status())
    if small:
        why = "cli.small_no_gpu" if device.type == "cpu" and not args.smoke else "cli.small_smoke"
        print(tr(why, size=config.image_size, epochs=config.epochs, batch=config.batch_size))
    elif device.type == "cpu":
        print(tr("cli.cpu_slow", epochs=config.epochs, size=config.image_size))
    if args.data is None and (workspace / "split.csv").is_file():
        source = tr("cli.source_workspace_split")  # prepared before (notebook 01 or `kit data`): train on that, as is
        prepared = load_prepared(workspace)
    else:
        source = args.data or "synthetic"
        prepared = prepare(source, workspace, val_fraction=config.val_fraction, seed=config.split_seed)
    if getattr(args, "fold", None) is not None:  # `kit train --fold I`: that fold is val, the others train
        prepared = prepared.for_fold(args.fold)
        source = tr("cli.source_fold", source=source, fold=args.fold, folds=prepared.folds)
    report = prepared.report
    sizes = {split: int((prepared.split["split"] == split).sum()) for split in ("train", "val", "test")}
    sizes["test"] = sizes["test"] or len(prepared.test)  # test images listed in split.csv, else those of test/
    counts = {split: numbers.count(n) for split, n in sizes.items()}
    print(tr("cli.data_line", source=source, n=numbers.count(report["n_images"]), **counts,
             leaked=numbers.count(report["val_with_duplicate_in_train"])))
    data = batches_for(config, prepared, device=device)
    return config, workspace, data


def train_and_report(config: Config, data: Batches, workspace: Path, name: str) -> None:
    """Train (or load) run ``name`` and print its best epoch by ``config.monitor`` and its last epoch."""
    run_dir = run_dir_for(workspace, name)
    print(tr("cli.run_start", name=name, model=config.model, optimizer=config.optimizer, lr=config.lr,
             epochs=config.epochs, run_dir=run_dir))
    model = build_model_for(config, len(data.classes))
    history = fit(model, data, config, run_dir).to_dict("records")
    best = best_row(history, config.monitor)
    print(tr("cli.run_done", name=name, epoch=best["epoch"], criterion=tr(f"cli.criterion_{config.monitor}"),
             best=numbers.percent(best["val_acc"]), last=numbers.percent(history[-1]["val_acc"]),
             predictions=run_dir / "predictions.csv"))
