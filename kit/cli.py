"""The ``kit`` command line: ``kit all`` runs the whole job on the embedded synthetic data by default.

Every subcommand is one entry of ``COMMANDS``: its name, one line of help, a function adding its arguments
(argparse only) and the ``module:function`` that runs it. That module is imported only when its command runs,
so ``kit --help``, ``kit train --help`` and a mistyped option answer at once, without loading torch. Adding a
command is adding one entry here and writing its module under ``kit/commands/``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from dataclasses import dataclass
from typing import Callable

from kit.commands.instructor_options import add_grade_arguments, add_sweep_arguments
from kit.commands.options import add_config_options
from kit.text import tr
from kit.warnings_display import install as install_warning_display


@dataclass(frozen=True)
class Command:
    """One ``kit`` subcommand."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    runs: str
    """``"module:function"``: called with the parsed arguments, returns the exit status; imported on use."""

    def implementation(self) -> Callable[[argparse.Namespace], int]:
        module, _, function = self.runs.partition(":")
        return getattr(importlib.import_module(module), function)


def _workspace_argument(parser: argparse.ArgumentParser, small_runs: bool = False) -> None:
    parser.add_argument("--workspace", help="workspace folder (default: $KIT_WORKSPACE, Drive in Colab, "
                                            "./workspace" + ("; small runs go to its smoke/ subfolder)" if small_runs
                                                             else ")"))


def _training_arguments(parser: argparse.ArgumentParser) -> None:
    """What ``kit train`` and ``kit all`` share: the data, the workspace, --smoke and every Config field."""
    parser.add_argument("--data", metavar="PATH", help="dataset folder, zip, 'gdrive' (the course zip) or URL "
                                                       "(default: the workspace's split.csv when there is one, "
                                                       "else the embedded synthetic dataset)")
    _workspace_argument(parser, small_runs=True)
    parser.add_argument("--smoke", action="store_true", help="small settings (64 px, 2 epochs) for a quick "
                                                             "check; the default for `kit all` without a GPU")
    add_config_options(parser)


def _train_arguments(parser: argparse.ArgumentParser) -> None:
    _training_arguments(parser)
    parser.add_argument("--name", help="run name, the folder under WORKSPACE/runs (default: the model name, "
                                       "with -foldI for --fold I)")
    parser.add_argument("--fold", type=int, metavar="I", help="train cross-validation fold I (val) on the other "
                                                              "folds (train); needs `kit data --folds K` first")


def _data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="dataset folder, zip, 'gdrive' (the course zip) or URL; "
                                                "default: the synthetic stand-in in WORKSPACE/data/synthetic")
    _workspace_argument(parser)
    parser.add_argument("--val-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folds", type=int, metavar="K", help="also cut the train and val images into K grouped, "
                                                               "stratified folds (a fold column in split.csv) "
                                                               "for `kit train --fold I`")


def _leak_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", help="a folder of images (e.g. a test set you collected) to check against the "
                                       "workspace's train and val images")
    _workspace_argument(parser)
    parser.add_argument("--out", metavar="CSV", help="where to write the matches (file, kind, matched_file, "
                                                     "matched_split, distance); default: WORKSPACE/leak-FOLDER.csv")
    parser.add_argument("--threshold", type=int, help="near-duplicate distance in bits (default: the one the "
                                                      "workspace's split was made with)")


COMMANDS: tuple[Command, ...] = (
    Command("data", "fetch, read, deduplicate and split a dataset; write split.csv and data_report.json",
            _data_arguments, "kit.commands.data:run"),
    Command("train", "train one model (plain34, resnet34, ...) and evaluate it", _train_arguments,
            "kit.commands.train:run"),
    Command("all", "data -> plain34 -> resnet34 -> comparison -> report", _training_arguments,
            "kit.commands.everything:run"),
    Command("leak", "check a folder of images for copies of the workspace's train and val images",
            _leak_arguments, "kit.commands.leak:run"),
    Command("check", "before submitting: check the report against the run files; exit 0 only when nothing is "
            "left to fix", _workspace_argument, "kit.commands.check:run"),
    Command("grade", "instructors: score every group's test_predictions.csv against the hidden labels; write a "
            "leaderboard", add_grade_arguments, "kit.commands.grade:run"),
    Command("sweep", "instructors: train models x seeds as resumable jobs (locally or as a Slurm job array) and "
            "tabulate them", add_sweep_arguments, "kit.commands.sweep:run"),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kit", description="The course kit: `kit all` runs the whole job "
                                     "(data, Plain-34, ResNet-34, report) on the embedded synthetic data by default.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        subparser = subparsers.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(subparser)
        subparser.set_defaults(chosen=command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run = args.chosen.implementation()
    from kit.commands.failures import EXPECTED_FAILURES, exit_status  # loads torch: only once a command is sure to run

    shown_before = warnings.showwarning
    install_warning_display(sys.stderr)  # one line each, no internal path or echoed source line
    try:
        return run(args)
    except KeyboardInterrupt:
        print("\n" + tr("cli.stopped", command=args.command), file=sys.stderr)
        return 130
    except EXPECTED_FAILURES as error:  # bad input, files, a failed run: the message says what to fix
        print(f"kit {args.command}: {error}", file=sys.stderr)
        return exit_status(error)
    finally:
        warnings.showwarning = shown_before  # main() called from Python leaves the caller's display as it was


if __name__ == "__main__":
    sys.exit(main())
