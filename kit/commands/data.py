"""``kit data``: fetch, read, deduplicate and split a dataset; write split.csv and data_report.json."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from kit import numbers
from kit.data.prepare import prepare
from kit.data.reading import DataWarning
from kit.data.split import fold_counts
from kit.env import default_workspace
from kit.language import use_language
from kit.text import tr
from kit.warnings_display import format_warning


def run(args: argparse.Namespace) -> int:
    workspace = Path(args.workspace) if args.workspace else default_workspace()
    use_language(workspace)  # the group's saved language, else $KIT_LANGUAGE, else Indonesian
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
    source = "cli.data_source_synthetic" if r["synthetic"] else "cli.data_source"
    print(tr(source, root=prepared.root, layout=r["layout"]))
    print(tr("cli.data_images", n=numbers.count(r["n_images"]),
             per_class=", ".join(f"{c} {numbers.count(n)}" for c, n in r["per_class"].items())))
    print(tr("cli.data_formats", formats=", ".join(f"{f} {numbers.count(n)}" for f, n in r["formats"].items())))
    for kind in ("blank_rows", "duplicate_rows", "missing_files", "unreadable_files", "unlisted_files"):
        if r[kind]:
            print(tr(f"cli.skipped_{kind}", n=numbers.count(r[kind]), examples=_some(r["problems"][kind])))
    print(tr("cli.data_duplicates", unique=numbers.count(r["unique_by_bytes"]),
             groups=numbers.count(r["duplicate_groups"]), images=numbers.count(r["images_in_duplicate_groups"]),
             threshold=r["near_threshold"]))
    print(tr("cli.data_split", sizes=" / ".join(f"{s} {numbers.count(n)}" for s, n in sizes.items()), seed=args.seed,
             leaked=numbers.count(r["val_with_duplicate_in_train"])))
    if prepared.folds:
        counts = fold_counts(prepared.split)
        print(tr("data.folds_summary", folds=prepared.folds, sizes=" / ".join(numbers.count(n) for n in counts.sum())))
    print(tr("cli.data_wrote", files=f"{workspace / 'split.csv'}, {workspace / 'data_report.json'}"))
    _print_warnings(caught)
    return 0


def _print_warnings(caught: list) -> None:
    """Each caught warning as ``kit.warnings_display``'s one line (no file path), on standard error."""
    for warning in caught:
        print(format_warning(warning.message, warning.category), file=sys.stderr)


def _some(items: list) -> str:
    """`` (a, b, c, d, e ...)``: the first five of ``items``, or nothing when there are none."""
    if not items:
        return ""
    return f" ({', '.join(map(str, items[:5]))}{' ...' if len(items) > 5 else ''})"
