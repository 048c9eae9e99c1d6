"""``kit check [--workspace WS]``: what to fix in the report before the group submits it; exit 0 only when clean."""

from __future__ import annotations

import argparse
from pathlib import Path

from kit.check import REPORT_DIR, check_submission, report_language, summary
from kit.env import default_workspace


def run(args: argparse.Namespace) -> int:
    workspace = Path(args.workspace).expanduser() if args.workspace else default_workspace()
    language = report_language(workspace)
    problems = check_submission(workspace, language=language)
    print(summary(problems, workspace / REPORT_DIR, language))
    return 1 if problems else 0
