"""``kit data``: fetch, read, deduplicate and split a dataset; write split.csv and data_report.json."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from kit.data.prepare import prepare
from kit.data.reading import DataWarning
from kit.data.split import fold_counts
from kit.env import default_workspace
from kit.text import tr


def run(args: argparse.Namespace) -> int:
    workspace = Path(args.workspace) if args.workspace else default_workspace()
    source = args.path if args.path else "synthetic"
    with warnings.catch_warnings(record=True) as caught:  # shown below as one line each, after the summary
        warnings.simplefilter("always", DataWarning)
        try:
            prepared = prepare(source, workspace, val_fraction=args.val_fraction, seed=args.seed,
                               folds=args.folds)
        except BaseException:  # what was found before the failure often explains it: say it first
            _print_warnings(caught)
            raise
    r = prepared.report
    sizes = {s: sum(c.values()) for s, c in r["per_split"].items()}
    print(f"dataset: {prepared.root} ({r['layout']} layout{', synthetic' if r['synthetic'] else ''})")
    print(f"images: {r['n_images']}; per class: " + ", ".join(f"{c} {n}" for c, n in r["per_class"].items()))
    print("formats: " + ", ".join(f"{f} {n}" for f, n in r["formats"].items()))
    for kind in ("blank_rows", "duplicate_rows", "missing_files", "unreadable_files", "unlisted_files"):
        if r[kind]:
            print(f"skipped {kind.replace('_', ' ')}: {r[kind]}{_some(r['problems'][kind])}")
    print(f"duplicates: {r['unique_by_bytes']} unique by bytes; {r['duplicate_groups']} groups hold "
          f"{r['images_in_duplicate_groups']} images (near threshold {r['near_threshold']} bits)")
    print("split: " + " / ".join(f"{s} {n}" for s, n in sizes.items()) + f" (seed {args.seed}); val images with "
          f"a duplicate in train: {r['val_with_duplicate_in_train']}")
    if prepared.folds:
        counts = fold_counts(prepared.split)
        print(tr("data.folds_summary", folds=prepared.folds, sizes=" / ".join(str(n) for n in counts.sum())))
    print(f"wrote: {workspace / 'split.csv'}, {workspace / 'data_report.json'}")
    _print_warnings(caught)
    return 0


def _print_warnings(caught: list) -> None:
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)


def _some(items: list) -> str:
    """`` (a, b, c, d, e ...)``: the first five of ``items``, or nothing when there are none."""
    if not items:
        return ""
    return f" ({', '.join(map(str, items[:5]))}{' ...' if len(items) > 5 else ''})"
