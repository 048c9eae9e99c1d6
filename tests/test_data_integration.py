"""The real course data (downscaled mini copy in ../shared): read exactly, split without leakage.

Skipped when ../shared/data/if25-4041-mini is absent. Also holds the evidence for ``NEAR_THRESHOLD``
(``benchmarks/dedup_threshold.py`` prints the full distributions).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from kit.data.dedup import NEAR_THRESHOLD, hash_distances
from kit.data.prepare import prepare
from kit.data.reading import DataWarning
from kit.data.report import compare_splits
from kit.data_figures import plot_duplicate_examples, plot_samples, report_table

MINI = Path(__file__).resolve().parents[2] / "shared" / "data" / "if25-4041-mini"
pytestmark = [pytest.mark.skipif(not MINI.is_dir(), reason=f"{MINI} not available"),
              pytest.mark.filterwarnings("ignore::kit.data.reading.DataWarning")]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("mini")
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings(record=True) as caught:
        patch.setenv("KIT_LANGUAGE", "en")
        warnings.simplefilter("always", DataWarning)
        prepared = prepare(MINI, workspace, val_fraction=0.2, seed=0)
    return prepared, [str(w.message) for w in caught if issubclass(w.category, DataWarning)]


def test_every_image_is_read(run):
    prepared, _ = run
    report = prepared.report
    assert report["n_images"] == 1089 == len(prepared.records)
    assert report["per_class"] == {"bakso": 215, "gado_gado": 213, "nasi_goreng": 232, "rendang": 219,
                                   "soto_ayam": 210}
    assert report["formats"] == {"JPEG": 1046, "WEBP": 38, "PNG": 5}
    assert report["unique_by_bytes"] == 663


def test_problems_are_counted_named_and_warned(run):
    prepared, messages = run
    report = json.loads((prepared.workspace / "data_report.json").read_text())
    assert report["blank_rows"] == 18 and len(report["problems"]["blank_rows"]) == 18
    assert report["missing_files"] == 1 and report["problems"]["missing_files"] == ["0352.jpg"]
    assert report["unreadable_files"] == 0 and report["unlisted_files"] == 0
    assert any("blank rows in train.csv, skipped (18)" in m.lower() for m in messages) and any("0352.jpg" in m for m in messages)


def test_split_has_no_leakage_and_is_stratified(run):
    prepared, _ = run
    split = prepared.split
    assert prepared.report["val_with_duplicate_in_train"] == 0
    assert (split.groupby("group")["split"].nunique() == 1).all()
    for label, n in prepared.report["per_class"].items():
        n_val = ((split["label"] == label) & (split["split"] == "val")).sum()
        assert abs(n_val - 0.2 * n) <= 3, (label, n_val)
    header = (prepared.workspace / "split.csv").read_text().splitlines()[0]
    assert header == "filename,label,split,group"


def test_near_threshold_is_justified_on_the_real_images(run):
    prepared, _ = run
    hashes = prepared.hashes.drop_duplicates("pixel_hash").reset_index(drop=True)
    distance = hash_distances(hashes)
    labels = hashes["label"].to_numpy(object)
    different = labels[:, None] != labels[None, :]
    # different labels are certainly different photos: the threshold stays clear of the closest such pair
    assert distance[different].min() > NEAR_THRESHOLD + 4
    # no duplicate group mixes labels, and the groups stay small (no chaining into a giant component)
    assert prepared.report["mixed_label_groups"] == []
    assert prepared.report["largest_duplicate_group"] <= 12
    # the threshold does catch near copies beyond exact ones
    assert prepared.report["images_in_duplicate_groups"] > 1089 - 663 + 100


def test_the_starter_code_split_leaks_and_the_kit_split_does_not(run):
    prepared, _ = run
    table = compare_splits(prepared.records, prepared.hashes, prepared.split, seed=0).set_index("split")
    assert table.loc["starter_code", "share"] > 0.7
    assert 0.3 < table.loc["random", "share"] < 0.9
    assert table.loc["kit", "with_duplicate_in_train"] == 0


def test_report_tables_and_figures(run):
    prepared, _ = run
    table = report_table(prepared.report, language="en").set_index("item")["value"]
    assert table["images read"] == "1\u202f089" and table["format WEBP"] == "38"
    fig = plot_duplicate_examples(prepared.records, n_groups=2, per_group=3)
    assert len([ax for ax in fig.axes if ax.images]) == 6
    fig = plot_samples(prepared.records, per_class=2)
    assert len([ax for ax in fig.axes if ax.images]) == 10


def test_second_prepare_reuses_the_split(run):
    prepared, _ = run
    stamp = (prepared.workspace / "split.csv").stat().st_mtime_ns
    again = prepare(MINI, prepared.workspace, val_fraction=0.2, seed=0)
    assert (prepared.workspace / "split.csv").stat().st_mtime_ns == stamp
    assert np.array_equal(again.split["split"].to_numpy(), prepared.split["split"].to_numpy())


def test_kit_data_on_the_course_data_prints_readable_lines_only(tmp_path):
    """What a student sees from `kit data` on the real data (blank rows, a missing file, disguised formats): one
    line per warning, in Indonesian, with no internal source path, echoed source line or traceback."""
    import os
    import re
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if key not in {"KIT_LANGUAGE", "PYTHONWARNINGS"}}
    done = subprocess.run([sys.executable, "-m", "kit.cli", "data", str(MINI), "--workspace", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=600)
    shown = done.stdout + done.stderr
    assert done.returncode == 0, shown
    assert not re.search(r"kit[/\\][\w/\\]+\.py:\d+", shown), shown
    assert "Traceback" not in shown and "read_dataset(" not in shown, shown
    assert "0352.jpg" in done.stderr  # the missing file is named, in one line
    warnings = done.stderr.strip().splitlines()
    assert warnings and all(line.startswith("⚠ ") for line in warnings), warnings
    assert "dilewati" in done.stderr, "the warnings are not in Indonesian"
