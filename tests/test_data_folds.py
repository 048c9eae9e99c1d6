"""Grouped, stratified k-fold cross-validation: the fold column of split.csv and the split of one fold."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kit.cli import main
from kit.data.prepare import load_prepared, prepare
from kit.data.split import assign_folds, fold_counts, fold_split, grouped_split, read_split, write_split

MINI = Path(__file__).resolve().parents[2] / "shared" / "data" / "if25-4041-mini"
pytestmark = pytest.mark.filterwarnings("ignore::kit.data.reading.DataWarning")


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setenv("KIT_LANGUAGE", "en")


def _table(seed=0) -> pd.DataFrame:
    """5 classes of 60 images, in duplicate groups of 1 to 4 copies."""
    rng = np.random.default_rng(seed)
    rows, group = [], 0
    for label in ("bakso", "gado_gado", "nasi_goreng", "rendang", "soto_ayam"):
        left = 60
        while left:
            size = min(left, int(rng.integers(1, 5)))
            rows += [{"filename": f"{label}-{group}-{i}.jpg", "label": label, "group": group} for i in range(size)]
            group, left = group + 1, left - size
    return pd.DataFrame(rows).sample(frac=1, random_state=seed).reset_index(drop=True)


def test_folds_keep_groups_whole_and_classes_balanced():
    split = assign_folds(grouped_split(_table(), seed=0), 5, seed=0)
    assert (split.groupby("group")["fold"].nunique() == 1).all()
    counts = fold_counts(split)
    assert list(counts.columns) == [0, 1, 2, 3, 4]
    assert (counts.max(axis=1) - counts.min(axis=1)).max() <= 4  # within one group of the even share of 12
    assert counts.to_numpy().sum() == 300


def test_each_image_is_val_in_exactly_one_fold_and_train_in_the_others():
    split = assign_folds(grouped_split(_table(), val_fraction=0.2, test_fraction=0.1, seed=0), 4, seed=1)
    test_rows = split["split"] == "test"
    assert (split.loc[test_rows, "fold"] == -1).all()
    times_in_val = np.zeros(len(split), dtype=int)
    for fold in range(4):
        one = fold_split(split, fold)
        assert (one["split"] == "test").equals(test_rows)  # the labelled test split is never trained on
        times_in_val += (one["split"] == "val").to_numpy()
        assert (one.groupby("group")["split"].nunique() == 1).all()
    assert (times_in_val[~test_rows.to_numpy()] == 1).all() and (times_in_val[test_rows.to_numpy()] == 0).all()


def test_folds_are_seeded():
    base = grouped_split(_table(), seed=0)
    assert assign_folds(base, 5, seed=3).equals(assign_folds(base, 5, seed=3))
    assert not assign_folds(base, 5, seed=3).equals(assign_folds(base, 5, seed=4))


def test_bad_fold_requests_are_named():
    split = grouped_split(_table(), seed=0)
    with pytest.raises(ValueError, match="no fold column"):
        fold_split(split, 0)
    with pytest.raises(ValueError, match="between 2"):
        assign_folds(split, 1)
    with pytest.raises(ValueError, match="there is no fold 5: split.csv has 5 folds"):
        fold_split(assign_folds(split, 5), 5)


def test_split_csv_keeps_the_fold_column_and_refuses_a_group_in_two_folds(tmp_path):
    split = assign_folds(grouped_split(_table(), seed=0), 5)
    path = write_split(split, tmp_path / "split.csv")
    assert path.read_text().splitlines()[0] == "filename,label,split,group,fold"
    assert read_split(path).equals(split)
    broken = split.copy()
    group = broken["group"].value_counts().index[0]  # a group of several images
    broken.loc[broken.index[broken["group"] == group][0], "fold"] = (broken.loc[broken["group"] == group, "fold"].iloc[0] + 1) % 5
    broken.to_csv(tmp_path / "broken.csv", index=False)
    with pytest.raises(ValueError, match=f"groups split across folds: \\[{group}\\]"):
        read_split(tmp_path / "broken.csv")


def test_kit_data_folds_and_a_fold_of_the_prepared_data(tmp_path, capsys):
    workspace = tmp_path / "ws"
    assert main(["data", "--workspace", str(workspace), "--folds", "3"]) == 0
    assert "folds: 3" in capsys.readouterr().out
    prepared = load_prepared(workspace)
    assert prepared.folds == 3
    fold = prepared.for_fold(1)
    assert set(fold.frame("val")["filename"]) == set(prepared.split.loc[prepared.split["fold"] == 1, "filename"])
    assert len(fold.frame("train")) + len(fold.frame("val")) == len(prepared.split)
    assert prepared.split["split"].tolist() != fold.split["split"].tolist()  # the holdout split is untouched
    with pytest.raises(ValueError, match="no fold column"):
        prepare("synthetic", tmp_path / "other").for_fold(0)


@pytest.mark.skipif(not MINI.is_dir(), reason=f"{MINI} not available")
def test_five_folds_of_the_mini_dataset_keep_every_group_in_one_fold_with_balanced_classes(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prepared = prepare(MINI, tmp_path / "ws", folds=5)
    split = read_split(tmp_path / "ws" / "split.csv")
    assert (split.groupby("group")["fold"].nunique() == 1).all()
    counts = fold_counts(split)
    share = counts.sum(axis=1) / 5
    assert (counts.sub(share, axis=0).abs().max(axis=1) <= 3).all(), counts  # each class within 3 of its fifth
    assert prepared.report["split_params"]["folds"] == 5


def test_kit_train_fold_trains_on_that_folds_split(tmp_path, capsys):
    from kit.cli import build_parser
    from kit.commands.train import setup_training

    workspace = tmp_path / "ws"
    assert main(["data", "--workspace", str(workspace), "--folds", "3"]) == 0
    args = build_parser().parse_args(["train", "--workspace", str(workspace), "--fold", "2", "--smoke"])
    _, _, data = setup_training(args)
    split = read_split(workspace / "split.csv")
    assert set(data.frame("val")["filename"]) == set(split.loc[split["fold"] == 2, "filename"])
    assert set(data.frame("train")["filename"]) == set(split.loc[split["fold"].isin([0, 1]), "filename"])
    assert "fold 2 of 3" in capsys.readouterr().out
