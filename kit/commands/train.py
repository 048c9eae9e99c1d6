"""``kit train``: one run, from the command line's Config options to a finished run folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from kit.commands.options import config_overrides
from kit.config import Config
from kit.data import load_prepared, prepare
from kit.data.batches import Batches
from kit.data.pipeline import batches_for
from kit.env import default_device, default_workspace, gpu_status, smoke_mode
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
    if small and not args.workspace and not smoke_mode():
        workspace = workspace / "smoke"  # small runs never share run folders with real ones
    print(gpu_status())
    if small:
        why = "no GPU" if device.type == "cpu" and not args.smoke else "smoke settings"
        print(f"{why}: small images ({config.image_size} px), {config.epochs} epochs, batch {config.batch_size}, "
              f"so the job finishes in minutes; numbers from such a run are a smoke check, not results.")
    elif device.type == "cpu":
        print(f"No GPU: training {config.epochs} epochs at {config.image_size} px on the CPU will be slow; "
              "add --smoke for a quick check.")
    if args.data is None and (workspace / "split.csv").is_file():
        source = "the workspace's split.csv"  # prepared before (notebook 01 or `kit data`): train on that, as is
        prepared = load_prepared(workspace)
    else:
        source = args.data or "synthetic"
        prepared = prepare(source, workspace, val_fraction=config.val_fraction, seed=config.split_seed)
    if getattr(args, "fold", None) is not None:  # `kit train --fold I`: that fold is val, the others train
        prepared = prepared.for_fold(args.fold)
        source += f", fold {args.fold} of {prepared.folds}"
    report = prepared.report
    sizes = {split: int((prepared.split["split"] == split).sum()) for split in ("train", "val", "test")}
    print(f"data: {source} -> {report['n_images']} images; train {sizes['train']}, val {sizes['val']}, "
          f"test images {len(prepared.test) if sizes['test'] == 0 else sizes['test']}; "
          f"val images with a duplicate in train: {report['val_with_duplicate_in_train']}")
    data = batches_for(config, prepared, device=device)
    return config, workspace, data


def train_and_report(config: Config, data: Batches, workspace: Path, name: str) -> None:
    run_dir = run_dir_for(workspace, name)
    print(f"--- {name}: {config.model}, {config.optimizer} lr {config.lr:g}, {config.epochs} epochs -> {run_dir}")
    model = build_model_for(config, len(data.classes))
    history = fit(model, data, config, run_dir)
    best = history.loc[history["val_acc"].idxmax()]
    print(f"{name}: best val acc {best['val_acc']:.1%} at epoch {int(best['epoch'])}; last val acc "
          f"{history['val_acc'].iloc[-1]:.1%}; predictions in {run_dir / 'predictions.csv'}")
