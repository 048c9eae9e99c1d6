"""``kit sweep --models ... --seeds ... [--folds ...]``: many resumable runs through submitit, and their table
across seeds."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from kit import numbers
from kit.commands.options import config_overrides
from kit.comparisons import format_pvalue
from kit.config import Config
from kit.data import prepare
from kit.env import default_workspace
from kit.language import use_language
from kit.sweep import SlurmOptions, run_sweep, sweep_summary
from kit.text import tr


def run(args: argparse.Namespace) -> int:
    overrides = config_overrides(args)
    config = Config.smoke(**overrides) if args.smoke else Config(**overrides)
    workspace = Path(args.workspace).expanduser() if args.workspace else default_workspace()
    use_language(workspace)  # the group's saved language, else $KIT_LANGUAGE, else Indonesian
    if not args.summary_only:
        if args.data is not None or not (workspace / "split.csv").is_file():
            # Prepared once, here: the jobs only read split.csv, so none of them races another writing it.
            prepared = prepare(args.data or "synthetic", workspace, val_fraction=config.val_fraction,
                               seed=config.split_seed)
            print(tr("cli.sweep_data", root=prepared.root, split=workspace / "split.csv"))
        slurm = SlurmOptions(partition=args.partition, gpus_per_job=args.gpus_per_job,
                             cpus_per_job=args.cpus_per_job, time_limit_min=args.time_limit,
                             parallel=args.parallel or SlurmOptions.parallel, account=args.account)
        jobs = run_sweep(config, args.models, args.seeds, workspace, folds=args.folds, executor=args.executor,
                         parallel=args.parallel, slurm=slurm, wait=args.wait)
        print(jobs.to_string(index=False))
        if (jobs["status"] == "submitted").any():
            print(tr("cli.sweep_submitted", logs=workspace / "sweep_logs"))
            return 0
    summary = sweep_summary(workspace, args.models, args.seeds, args.folds, reference=args.reference)
    print(_readable(summary).to_string(index=False))
    failed = 0 if args.summary_only else int((jobs["status"] == "failed").sum())
    if failed:
        print(tr("cli.sweep_failed", n=failed, logs=workspace / "sweep_logs"))
    return 1 if failed else 0


def _readable(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary with accuracies in percent and the paired difference's interval in points."""
    interval = [("" if pd.isna(low) else f"[{numbers.points(low)}, {numbers.points(high)}]")
                for low, high in zip(summary["difference_low"], summary["difference_high"])]
    return pd.DataFrame({"model": summary["model"], "runs": summary["n"], "val acc": summary["val_acc"],
                         "vs reference": summary["difference"], "95% interval": interval,
                         "p": ["" if pd.isna(p) else format_pvalue(p) for p in summary["difference_p"]],
                         "paired by": summary["pairing"],
                         "runs told apart (McNemar)": [
                             "" if pd.isna(k) else f"{numbers.count(k)}/{numbers.count(n)}"
                             for k, n in zip(summary["runs_told_apart"], summary["runs_paired"])]})
