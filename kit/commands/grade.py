"""``kit grade SUBMISSIONS --labels LABELS.csv --out DIR``: the leaderboard of every group's test predictions."""

from __future__ import annotations

import argparse

from kit import numbers
from kit.grade import grade, write_leaderboard
from kit.text import set_language, tr


def run(args: argparse.Namespace) -> int:
    if args.language:
        set_language(args.language)
    board = grade(args.submissions, args.labels)
    paths = write_leaderboard(board, args.out)
    failed = board[board["error"] != ""]
    graded = board[board["error"] == ""]
    for _, row in graded.iterrows():
        print(tr("cli.grade_row", rank=int(row["rank"]), submission=row["submission"],
                 accuracy=numbers.percent(row["accuracy"]),
                 interval=numbers.percent_interval(row["accuracy_low"], row["accuracy_high"]),
                 macro_f1=numbers.f1(row["macro_f1"]), note=f"  ({row['note']})" if row["note"] else ""))
    for _, row in failed.iterrows():
        print(tr("cli.grade_failed", submission=row["submission"], error=row["error"]))
    print(tr("cli.grade_done", graded=len(graded), failed=len(failed),
             files=", ".join(str(p) for p in paths.values())))
    return 0
