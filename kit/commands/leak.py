"""``kit leak FOLDER``: which images of a folder are copies of the workspace's train or val images."""

from __future__ import annotations

import argparse
from pathlib import Path

from kit.data.leak import check_folder, write_matches
from kit.env import default_workspace
from kit.language import use_language


def run(args: argparse.Namespace) -> int:
    workspace = Path(args.workspace).expanduser() if args.workspace else default_workspace()
    use_language(workspace)  # the group's saved language, else $KIT_LANGUAGE, else Indonesian
    check = check_folder(args.folder, workspace, threshold=args.threshold)
    out = Path(args.out) if args.out else workspace / f"leak-{Path(args.folder).resolve().name}.csv"
    write_matches(check, out)
    print(f"{check.summary()} -> {out}")
    return 0
