"""Command-line options of the instructor's commands, ``kit grade`` and ``kit sweep`` (argparse only: free of
torch, so ``kit --help`` stays instant)."""

from __future__ import annotations

import argparse

from kit.commands.options import add_config_options
from kit.config import MODEL_NAMES


def add_grade_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", metavar="SUBMISSIONS",
                        help="folder with one entry per group: a CSV, or a folder or zip holding test_predictions.csv")
    parser.add_argument("--labels", required=True, metavar="LABELS.csv",
                        help="the private filename,label of every test image (never copied into the outputs)")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="where leaderboard.csv, leaderboard.md and leaderboard.png go")
    parser.add_argument("--language", choices=("id", "en"),
                        help="language of errors, notes, the table and the figure (default: $KIT_LANGUAGE, else id)")


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--models", nargs="+", choices=MODEL_NAMES, default=["plain34", "resnet34"], metavar="MODEL",
                        help=f"models to train, each with every seed ({', '.join(MODEL_NAMES)}; default: plain34 "
                             "resnet34)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], metavar="SEED",
                        help="seeds (default: 0 1 2); run names are MODEL-seedSEED, as in notebook 06")
    parser.add_argument("--folds", nargs="+", type=int, metavar="FOLD",
                        help="cross-validation folds to train on (made by `kit data --folds K`); runs are "
                             "MODEL-foldFOLD-seedSEED, and models are compared fold by fold (Nadeau-Bengio)")
    parser.add_argument("--reference", help="the model every other is compared with (default: the first of --models)")
    parser.add_argument("--executor", choices=("local", "slurm"), default="local",
                        help="local: subprocesses on this machine; slurm: one job array (default: local)")
    parser.add_argument("--parallel", type=int, metavar="N",
                        help="jobs running at once: locally default one per GPU; on Slurm the array's %%N cap "
                             "(default 8)")
    parser.add_argument("--partition", help="Slurm partition")
    parser.add_argument("--account", help="Slurm account")
    parser.add_argument("--gpus-per-job", type=int, default=1, help="Slurm: GPUs per job (default 1)")
    parser.add_argument("--cpus-per-job", type=int, default=4, help="Slurm: CPUs per job (default 4)")
    parser.add_argument("--time-limit", type=int, default=240, metavar="MINUTES",
                        help="Slurm: per job; a job that reaches it is requeued and resumes (default 240)")
    parser.add_argument("--wait", action=argparse.BooleanOptionalAction, default=None,
                        help="Slurm: wait for the job array to finish (default: no); local jobs are always "
                             "waited for")
    parser.add_argument("--summary-only", action="store_true",
                        help="train nothing: print the table of the sweep's finished runs")
    parser.add_argument("--data", metavar="PATH", help="dataset to prepare first (default: the workspace's "
                                                       "split.csv, else the embedded synthetic dataset)")
    parser.add_argument("--workspace", help="workspace folder (default: $KIT_WORKSPACE, Drive in Colab, ./workspace)")
    parser.add_argument("--smoke", action="store_true", help="small settings (64 px, 2 epochs) for a quick check")
    add_config_options(parser)
