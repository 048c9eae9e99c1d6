"""The ``kit`` command line: ``kit all`` runs the whole job on the embedded synthetic data by default."""

from __future__ import annotations

import argparse
import sys


def _cmd_all(args: argparse.Namespace) -> int:
    """data -> plain34 -> resnet34 (same Config) -> comparison and report."""
    import time

    started = time.perf_counter()
    config, workspace, data = _setup_training(args)
    for name in ("plain34", "resnet34"):
        _train_and_report(config.replace(model=name), data, workspace, name)
    from kit.report import write_report

    print(f"report: {write_report(workspace)}")
    print(f"kit all finished in {time.perf_counter() - started:.0f} s; runs in {workspace / 'runs'}")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    """One training run: data (prepared or reused) -> model -> fit -> evaluation files."""
    config, workspace, data = _setup_training(args)
    _train_and_report(config, data, workspace, args.name or config.model)
    return 0


def _setup_training(args: argparse.Namespace):
    """The Config from the options, the workspace, and the prepared batches on the device."""
    from pathlib import Path

    from kit.config import Config
    from kit.data import load_prepared, make_batches, prepare
    from kit.env import default_device, default_workspace, gpu_status, smoke_mode

    device = default_device()
    small = args.smoke or smoke_mode() or (args.command == "all" and device.type == "cpu")
    overrides = _config_overrides(args)
    try:
        config = Config.smoke(**overrides) if small else Config(**overrides)
    except ValueError as error:
        raise SystemExit(f"kit {args.command}: {error}") from None
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
    report = prepared.report
    sizes = {split: int((prepared.split["split"] == split).sum()) for split in ("train", "val", "test")}
    print(f"data: {source} -> {report['n_images']} images; train {sizes['train']}, val {sizes['val']}, "
          f"test images {len(prepared.test) if sizes['test'] == 0 else sizes['test']}; "
          f"val images with a duplicate in train: {report['val_with_duplicate_in_train']}")
    data = make_batches(prepared, image_size=config.image_size, batch_size=config.batch_size, device=device,
                        seed=config.seed)
    return config, workspace, data


def _train_and_report(config, data, workspace, name: str) -> None:
    from kit.train import BatchSizeTooLarge, ConfigMismatchError, TrainingDiverged, build_model_for, fit, run_dir_for

    run_dir = run_dir_for(workspace, name)
    print(f"--- {name}: {config.model}, {config.optimizer} lr {config.lr:g}, {config.epochs} epochs -> {run_dir}")
    model = build_model_for(config, len(data.classes))
    try:
        history = fit(model, data, config, run_dir)
    except (ConfigMismatchError, TrainingDiverged, BatchSizeTooLarge) as error:
        raise SystemExit(f"{name}: {error}") from None
    best = history.loc[history["val_acc"].idxmax()]
    print(f"{name}: best val acc {best['val_acc']:.1%} at epoch {int(best['epoch'])}; last val acc "
          f"{history['val_acc'].iloc[-1]:.1%}; predictions in {run_dir / 'predictions.csv'}")


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    """One ``--option`` per Config field, generated from the dataclass, so the CLI never lags behind it."""
    import dataclasses
    import typing

    from kit.config import CHOICES, Config, describe_fields

    group = parser.add_argument_group("Config (defaults: the course's settings, or --smoke's)")
    descriptions = describe_fields()
    hints = typing.get_type_hints(Config)
    for field in dataclasses.fields(Config):
        flag = "--" + field.name.replace("_", "-")
        kind = hints[field.name]
        default = field.default_factory() if field.default is dataclasses.MISSING else field.default
        meaning = descriptions.get(field.name, "").replace("``", "").replace("%", "%%")  # argparse formats help
        options: dict = {"dest": field.name, "default": None, "help": f"{meaning} (course default: {default})"}
        if kind is bool:
            options["action"] = argparse.BooleanOptionalAction
        elif typing.get_origin(kind) is dict:
            options.update(type=_json_object, metavar="JSON")
        elif type(None) in typing.get_args(kind):
            options.update(type=_int_or_none, metavar="N|none")
        else:
            options.update(type=kind, choices=CHOICES.get(field.name))
        group.add_argument(flag, **options)


def _config_overrides(args: argparse.Namespace) -> dict:
    import dataclasses

    from kit.config import Config

    overrides = {}
    for field in dataclasses.fields(Config):
        value = getattr(args, field.name, None)
        if value is not None:  # None: not given on the command line
            overrides[field.name] = None if value == _NONE else value
    return overrides


def _json_object(text: str) -> dict:
    import json

    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not JSON ({error}); e.g. '{{\"dropout\": 0.2}}'") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object, e.g. '{\"dropout\": 0.2}'")
    return value


_NONE = "none"
"""What an optional number's option holds when given as ``none`` (plain ``None`` means "not given")."""


def _int_or_none(text: str):
    if text.strip().lower() in {"none", "off"}:
        return _NONE
    return int(text)


def _cmd_data(args: argparse.Namespace) -> int:
    import warnings
    from pathlib import Path

    from kit.data.prepare import prepare
    from kit.data.reading import DataWarning
    from kit.env import default_workspace

    workspace = Path(args.workspace) if args.workspace else default_workspace()
    source = args.path if args.path else "synthetic"
    with warnings.catch_warnings(record=True) as caught:  # shown below as one line each, after the summary
        warnings.simplefilter("always", DataWarning)
        prepared = prepare(source, workspace, val_fraction=args.val_fraction, seed=args.seed)
    r = prepared.report
    names = lambda items: f" ({', '.join(map(str, items[:5]))}{' ...' if len(items) > 5 else ''})" if items else ""
    sizes = {s: sum(c.values()) for s, c in r["per_split"].items()}
    print(f"dataset: {prepared.root} ({r['layout']} layout{', synthetic' if r['synthetic'] else ''})")
    print(f"images: {r['n_images']}; per class: " + ", ".join(f"{c} {n}" for c, n in r["per_class"].items()))
    print("formats: " + ", ".join(f"{f} {n}" for f, n in r["formats"].items()))
    for kind in ("blank_rows", "duplicate_rows", "missing_files", "unreadable_files", "unlisted_files"):
        if r[kind]:
            print(f"skipped {kind.replace('_', ' ')}: {r[kind]}{names(r['problems'][kind])}")
    print(f"duplicates: {r['unique_by_bytes']} unique by bytes; {r['duplicate_groups']} groups hold "
          f"{r['images_in_duplicate_groups']} images (near threshold {r['near_threshold']} bits)")
    print("split: " + " / ".join(f"{s} {n}" for s, n in sizes.items()) + f" (seed {args.seed}); val images with "
          f"a duplicate in train: {r['val_with_duplicate_in_train']}")
    print(f"wrote: {workspace / 'split.csv'}, {workspace / 'data_report.json'}")
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run_all = commands.add_parser("all", help="data -> plain34 -> resnet34 -> comparison -> report")
    train = commands.add_parser("train", help="train one model (plain34, resnet34, ...) and evaluate it")
    for command in (run_all, train):
        command.add_argument("--data", metavar="PATH", help="dataset folder, zip, 'gdrive' (the course zip) or "
                                                            "URL (default: the workspace's split.csv when there "
                                                            "is one, else the embedded synthetic dataset)")
        command.add_argument("--workspace", help="workspace folder (default: $KIT_WORKSPACE, Drive in Colab, "
                                                 "./workspace; small runs go to its smoke/ subfolder)")
        command.add_argument("--smoke", action="store_true", help="small settings (64 px, 2 epochs) for a quick "
                                                                   "check; the default for `kit all` without a GPU")
        _add_config_options(command)
    train.add_argument("--name", help="run name, the folder under WORKSPACE/runs (default: the model name)")
    run_all.set_defaults(handler=_cmd_all)
    train.set_defaults(handler=_cmd_train)

    data = commands.add_parser("data", help="fetch, read, deduplicate and split a dataset; write split.csv and "
                                             "data_report.json")
    data.add_argument("path", nargs="?", help="dataset folder, zip, 'gdrive' (the course zip) or URL; "
                                              "default: the synthetic stand-in in WORKSPACE/data/synthetic")
    data.add_argument("--workspace", help="workspace folder (default: $KIT_WORKSPACE, Drive in Colab, ./workspace)")
    data.add_argument("--val-fraction", type=float, default=0.2)
    data.add_argument("--seed", type=int, default=0)
    data.set_defaults(handler=_cmd_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    from kit.data.sources import DataUnavailableError

    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print(f"\nkit {args.command}: stopped. Every finished epoch is saved; run the same command again to "
              "resume.", file=sys.stderr)
        return 130
    except DataUnavailableError as error:  # no data to work on: the message says where to put it by hand
        print(error, file=sys.stderr)
        return 1
    except (ValueError, OSError) as error:  # bad input (data, options, files): the message says what to fix;
        print(f"kit {args.command}: {error}", file=sys.stderr)  # a failed run is named by _train_and_report
        return 2


if __name__ == "__main__":
    sys.exit(main())
