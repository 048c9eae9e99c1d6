"""The ``kit`` command line: ``kit all`` runs the whole job on the embedded synthetic data by default."""

from __future__ import annotations

import argparse
import sys


def _cmd_all(args: argparse.Namespace) -> int:
    from kit.models import build_model, summary

    for name in ("plain34", "resnet34"):
        model = build_model(name)
        print(f"{name}:")
        print(summary(model, image_size=args.image_size).to_string(index=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run_all = commands.add_parser("all", help="data -> plain34 -> resnet34 -> comparison -> report")
    run_all.add_argument("--image-size", type=int, default=64)
    run_all.set_defaults(handler=_cmd_all)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
