"""``kit grade SUBMISSIONS --labels LABELS.csv --out DIR``: the leaderboard of every group's test predictions."""

from __future__ import annotations

import argparse

from kit.grade import grade, write_leaderboard
from kit.text import set_language


def run(args: argparse.Namespace) -> int:
    if args.language:
        set_language(args.language)
    board = grade(args.submissions, args.labels)
    paths = write_leaderboard(board, args.out)
    failed = board[board["error"] != ""]
    graded = board[board["error"] == ""]
    for _, row in graded.iterrows():
        note = f"  ({row['note']})" if row["note"] else ""
        print(f"{int(row['rank']):>3}. {row['submission']}: accuracy {row['accuracy']:.1%} "
              f"[{row['accuracy_low']:.1%}, {row['accuracy_high']:.1%}], macro-F1 {row['macro_f1']:.3f}{note}")
    for _, row in failed.iterrows():
        print(f"  -  {row['submission']}: {row['error']}")
    print(f"{len(graded)} graded, {len(failed)} not gradable; wrote " + ", ".join(str(p) for p in paths.values()))
    return 0
