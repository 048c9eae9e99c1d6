"""Leakage beyond train/val: test images with copies in train/val, unlisted test files, and `kit leak FOLDER`."""

from __future__ import annotations

import csv
import io
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageDraw

from kit.cli import main
from kit.data.dedup import MATCH_COLUMNS
from kit.data.leak import check_folder
from kit.data.prepare import prepare
from kit.data.reading import open_rgb

MINI = Path(__file__).resolve().parents[2] / "shared" / "data" / "if25-4041-mini"
pytestmark = pytest.mark.filterwarnings("ignore::kit.data.reading.DataWarning")


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setenv("KIT_LANGUAGE", "en")


def _unrelated(seed: int, size=(200, 150)) -> Image.Image:
    """A smooth random picture: no relation to any dataset image."""
    rng = np.random.default_rng(seed)
    small = Image.fromarray((rng.random((5, 7, 3)) * 255).astype(np.uint8))
    return small.resize(size, Image.Resampling.BICUBIC)


def _copies(source: Path) -> dict[str, bytes]:
    """Copies of one image as they turn up in scraped sets: byte copy, re-encoded, resized, recompressed."""
    image = open_rgb(source)

    def encoded(picture: Image.Image, fmt: str, **options) -> bytes:
        buffer = io.BytesIO()
        picture.save(buffer, fmt, **options)
        return buffer.getvalue()

    half = image.resize((image.width // 2, image.height // 2), Image.Resampling.BILINEAR)
    return {"bytes": source.read_bytes(), "reencoded": encoded(image, "JPEG", quality=40),
            "resized": encoded(half, "PNG"), "recompressed": encoded(half, "WEBP", quality=50)}


# --------------------------------------------------------------------------------------------------- test images

def test_test_images_with_a_copy_in_train_and_unlisted_test_files_are_named(tmp_path):
    workspace = tmp_path / "ws"
    prepared = prepare("synthetic", workspace)
    root = prepared.root
    train_file = prepared.split.loc[prepared.split["split"] == "train", "filename"].iloc[0]
    val_file = prepared.split.loc[prepared.split["split"] == "val", "filename"].iloc[0]
    shutil.copy(root / "train" / train_file, root / "test" / "copy_of_train.jpg")  # listed below
    (root / "test" / "scraped.jpg").write_bytes(_copies(root / "train" / val_file)["resized"])  # listed below
    _unrelated(1).save(root / "test" / "not_listed.jpg")
    with open(root / "test.csv", "a", newline="") as handle:
        csv.writer(handle).writerows([["copy_of_train.jpg", ""], ["scraped.jpg", ""]])
    report = prepare("synthetic", workspace).report
    found = {d["file"]: d for d in report["test_duplicates"]}
    assert set(found) == {"copy_of_train.jpg", "scraped.jpg"} == set(found)
    assert report["test_with_duplicate_in_train_val"] == 2
    assert (found["copy_of_train.jpg"]["kind"], found["copy_of_train.jpg"]["matched_file"]) == ("exact", train_file)
    assert found["copy_of_train.jpg"]["matched_split"] == "train"
    assert (found["scraped.jpg"]["kind"], found["scraped.jpg"]["matched_split"]) == ("near", "val")
    assert report["problems"]["unlisted_test_files"] == ["not_listed.jpg"] and report["unlisted_test_files"] == 1


def test_a_test_only_change_keeps_split_csv_and_warns_of_nothing(tmp_path):
    workspace = tmp_path / "ws"
    prepared = prepare("synthetic", workspace)
    split_file = workspace / "split.csv"
    before = (split_file.read_bytes(), split_file.stat().st_mtime_ns)
    sorted((prepared.root / "test").iterdir())[0].unlink()  # the test images change, train and val do not
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = prepare("synthetic", workspace)
    assert again.fingerprint != prepared.fingerprint  # the data did change ...
    assert (split_file.read_bytes(), split_file.stat().st_mtime_ns) == before  # ... split.csv did not
    assert not list(workspace.glob("split.replaced-*.csv"))
    assert not [w for w in caught if "split settings changed" in str(w.message)]


# --------------------------------------------------------------------------------------------------- kit leak

@pytest.fixture(scope="module")
def synthetic_workspace(tmp_path_factory) -> Path:
    workspace = tmp_path_factory.mktemp("leak") / "ws"
    prepare("synthetic", workspace)
    return workspace


def test_check_folder_finds_copies_of_train_and_val_images_and_nothing_else(synthetic_workspace, tmp_path):
    split = pd.read_csv(synthetic_workspace / "split.csv")
    image_dir = synthetic_workspace / "data" / "synthetic" / "train"
    train_file = split.loc[split["split"] == "train", "filename"].iloc[3]
    val_file = split.loc[split["split"] == "val", "filename"].iloc[0]
    folder = tmp_path / "scraped"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.jpg").write_bytes(_copies(image_dir / train_file)["bytes"])
    (folder / "sub" / "b.webp").write_bytes(_copies(image_dir / val_file)["recompressed"])
    for seed in range(4):
        _unrelated(seed).save(folder / f"other{seed}.jpg", quality=90)
    (folder / "notes.txt").write_text("not an image")
    check = check_folder(folder, synthetic_workspace)
    matches = check.matches.set_index("file")
    assert list(check.matches.columns) == MATCH_COLUMNS
    assert sorted(matches.index) == ["a.jpg", "sub/b.webp"]
    assert matches.loc["a.jpg", ["kind", "matched_file", "matched_split", "distance"]].tolist() == \
        ["exact", train_file, "train", 0]
    assert matches.loc["sub/b.webp", ["kind", "matched_file", "matched_split"]].tolist() == ["near", val_file, "val"]
    assert check.checked == 6 and list(check.unreadable) == ["notes.txt"]
    assert "2 of 6" in check.summary(language="en")


def test_kit_leak_writes_matches_csv_and_a_one_line_summary(synthetic_workspace, tmp_path, capsys):
    split = pd.read_csv(synthetic_workspace / "split.csv")
    source = synthetic_workspace / "data" / "synthetic" / "train" / split["filename"].iloc[0]
    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copy(source, folder / "copy.jpg")
    out = tmp_path / "matches.csv"
    assert main(["leak", str(folder), "--workspace", str(synthetic_workspace), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "1 of 1" in lines[0] and str(out) in lines[0]
    written = pd.read_csv(out)
    assert list(written.columns) == MATCH_COLUMNS and written["file"].tolist() == ["copy.jpg"]


def test_kit_leak_without_a_prepared_workspace_says_what_to_run(tmp_path, capsys):
    (tmp_path / "folder").mkdir()
    assert main(["leak", str(tmp_path / "folder"), "--workspace", str(tmp_path / "empty")]) == 2
    assert "kit data" in capsys.readouterr().err


@pytest.mark.skipif(not MINI.is_dir(), reason=f"{MINI} not available")
def test_kit_leak_finds_copies_of_mini_images_and_not_unrelated_ones(tmp_path):
    workspace = tmp_path / "ws"
    prepared = prepare(MINI, workspace)
    split = prepared.split.drop_duplicates("group")  # one image per photo, so each copy has one true source
    chosen = pd.concat([split[split["split"] == "train"].iloc[::97][:6], split[split["split"] == "val"].iloc[::31][:4]])
    paths = prepared.records.set_index("filename")["path"]
    folder = tmp_path / "scraped"
    folder.mkdir()
    expected = {}
    for i, row in enumerate(chosen.itertuples()):
        for kind, data in _copies(Path(paths[row.filename])).items():
            name = f"{i:02d}-{kind}.img"
            (folder / name).write_bytes(data)
            expected[name] = (row.filename, row.split, "exact" if kind == "bytes" else None)
    for seed in range(10):
        _unrelated(seed, size=(320, 240)).save(folder / f"unrelated-{seed}.jpg", quality=90)
    check = check_folder(folder, workspace)
    found = check.matches.set_index("file")
    assert sorted(found.index) == sorted(expected)  # every copy, and no unrelated image
    group_of = prepared.split.set_index("filename")["group"]
    for name, (source, side, kind) in expected.items():
        assert group_of[found.loc[name, "matched_file"]] == group_of[source]  # the source or a copy of it
        assert found.loc[name, "matched_split"] == side
        assert kind is None or found.loc[name, "kind"] == kind
