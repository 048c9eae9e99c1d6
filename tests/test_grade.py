"""kit.grade: perfect, partial and malformed submissions on one leaderboard; the hidden labels stay hidden."""

import zipfile

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

import kit
import kit.text
from kit.grade import find_submissions, grade, read_labels, write_leaderboard
from kit.metrics import to_course_format

CLASSES = list(kit.CLASSES)
N = 40


@pytest.fixture(autouse=True)
def english():
    kit.text.set_language("en")
    yield
    kit.text.set_language(None)


@pytest.fixture
def truth():
    rng = np.random.default_rng(7)
    return pd.DataFrame({"filename": [f"t{i:03d}.jpg" for i in range(N)],
                         "label": [CLASSES[i] for i in rng.integers(0, len(CLASSES), N)]})


@pytest.fixture
def labels_file(tmp_path, truth):
    path = tmp_path / "private" / "labels.csv"
    path.parent.mkdir()
    truth.to_csv(path, index=False)
    return path


def _wrong(label):
    return CLASSES[(CLASSES.index(label) + 1) % len(CLASSES)]


def _predictions(truth, wrong=(), drop=()):
    """Course-format predictions: rows ``wrong`` predicted as another class, rows ``drop`` left out."""
    predicted = [(_wrong(l) if i in wrong else l) for i, l in enumerate(truth["label"])]
    run_predictions = pd.DataFrame({"filename": truth["filename"], "label": truth["label"], "prediction": predicted})
    return to_course_format(run_predictions).drop(index=list(drop))  # what a run writes as test_predictions.csv


def _write(path, frame):
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def test_perfect_partial_and_zipped_submissions_are_scored(tmp_path, truth, labels_file):
    submissions = tmp_path / "submissions"
    _write(submissions / "perfect.csv", _predictions(truth))
    wrong, missing = {1, 5, 9, 20}, {2, 3, 30}
    _write(submissions / "partial" / "runs" / "resnet34" / "test_predictions.csv",
           _predictions(truth, wrong=wrong, drop=missing))
    archive = submissions / "zipped.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("group7/runs/plain34/test_predictions.csv",
                        _predictions(truth, wrong=set(range(0, N, 2))).to_csv(index=False))
        zipped.writestr("__MACOSX/group7/._test_predictions.csv", "junk")
    (submissions / ".DS_Store").write_bytes(b"\0")

    board = grade(submissions, labels_file).set_index("submission")
    assert list(board.index) == ["perfect", "partial", "zipped"]
    assert list(board["rank"]) == [1, 2, 3]
    assert (board["error"] == "").all()

    assert board.loc["perfect", "accuracy"] == 1.0 and board.loc["perfect", "macro_f1"] == 1.0
    expected = truth["label"].copy()
    predicted = [(_wrong(l) if i in wrong else l) for i, l in enumerate(truth["label"])]
    predicted = ["" if i in missing else p for i, p in enumerate(predicted)]
    assert board.loc["partial", "accuracy"] == pytest.approx((N - len(wrong) - len(missing)) / N)
    assert board.loc["partial", "macro_f1"] == pytest.approx(
        f1_score(expected, predicted, labels=CLASSES, average="macro", zero_division=0))
    per_class = f1_score(expected, predicted, labels=CLASSES, average=None, zero_division=0)
    assert [board.loc["partial", f"f1_{c}"] for c in CLASSES] == pytest.approx(list(per_class))
    assert board.loc["partial", "n_missing"] == 3 and "3 of 40 test images have no prediction" in \
        board.loc["partial", "note"]
    low, high = board.loc["partial", ["accuracy_low", "accuracy_high"]]
    assert low < board.loc["partial", "accuracy"] < high
    assert board.loc["zipped", "accuracy"] == pytest.approx(0.5)

    paths = write_leaderboard(board.reset_index(), tmp_path / "out")
    written = pd.read_csv(paths["leaderboard.csv"], keep_default_na=False)
    assert {"submission", "accuracy", "macro_f1", "error"} <= set(written.columns)
    assert "| perfect" in paths["leaderboard.md"].read_text() and "100.0%" in paths["leaderboard.md"].read_text()
    assert paths["leaderboard.png"].stat().st_size > 1000
    # the hidden labels never appear: no output names a single test image (let alone its label)
    for path in paths.values():
        content = path.read_bytes().decode("utf-8", errors="ignore")
        assert not any(name in content for name in truth["filename"]), path.name


MALFORMED = {
    "wrong_columns.csv": ("filename,prediction\nt000.jpg,bakso\n", "exactly the columns filename,label"),
    "with_index.csv": (",filename,label\n0,t000.jpg,bakso\n", "to_csv(index=False)"),
    "unknown_label.csv": ("filename,label\nt000.jpg,pizza\nt001.jpg,bakso\n", "Unknown labels pizza"),
    "duplicates.csv": ("filename,label\nt000.jpg,bakso\nt000.jpg,rendang\n", "more than once: t000.jpg"),
    "extra.csv": ("filename,label\nt000.jpg,bakso\nnot_in_test.jpg,bakso\n", "not in the test set: not_in_test.jpg"),
    "empty.csv": ("", "is empty"),
    "readme.txt": ("hello", "not a CSV file, a folder or a zip"),
    "broken.zip": ("not a zip at all", "not a zip file that can be opened"),
}


def test_malformed_submissions_get_a_readable_error_and_never_stop_the_others(tmp_path, truth, labels_file):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    for name, (content, _) in MALFORMED.items():
        (submissions / name).write_text(content)
    (submissions / "no_file_inside" / "runs").mkdir(parents=True)
    _write(submissions / "two_files" / "a" / "test_predictions.csv", _predictions(truth))
    _write(submissions / "two_files" / "b" / "test_predictions.csv", _predictions(truth))
    _write(submissions / "good.csv", _predictions(truth, wrong={0}))

    board = grade(submissions, labels_file).set_index("submission")
    assert board.loc["good", "error"] == "" and board.loc["good", "rank"] == 1
    assert board.index[0] == "good"  # graded rows first
    for name, (_, message) in MALFORMED.items():
        row = board.loc[name.rsplit(".", 1)[0]]
        assert message in row["error"], (name, row["error"])
        assert pd.isna(row["accuracy"]) and pd.isna(row["rank"])
    assert "No test_predictions.csv inside no_file_inside" in board.loc["no_file_inside", "error"]
    assert "a/test_predictions.csv, b/test_predictions.csv" in board.loc["two_files", "error"]


def test_errors_speak_indonesian_by_default(tmp_path, truth, labels_file):
    kit.text.set_language(None)
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "g1.csv").write_text("filename,label\nt000.jpg,pizza\n")
    assert "Label tidak dikenal" in grade(submissions, labels_file).loc[0, "error"]


def test_entries_sharing_a_name_keep_their_full_names(tmp_path):
    (tmp_path / "g1.csv").write_text("filename,label\n")
    (tmp_path / "g1.zip").write_bytes(b"")
    (tmp_path / "g2.csv").write_text("filename,label\n")
    assert [e.name for e in find_submissions(tmp_path)] == ["g1.csv", "g1.zip", "g2"]


def test_bad_labels_file_is_refused_without_showing_labels(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("filename,label\na.jpg,bakso\na.jpg,bakso\nb.jpg,\nc.jpg,sushi\n,\n")
    with pytest.raises(ValueError) as caught:
        read_labels(path)
    message = str(caught.value)
    assert "more than once: a.jpg" in message and "1 files have no label (b.jpg)" in message
    assert "(c.jpg)" in message and "sushi" not in message


def test_kit_grade_command_writes_the_leaderboard(tmp_path, truth, labels_file, capsys):
    from kit.cli import main

    submissions = tmp_path / "submissions"
    _write(submissions / "g1.csv", _predictions(truth, wrong={0, 1}))
    (submissions / "g2.csv").write_text("filename,label\nt000.jpg,pizza\n")
    out = tmp_path / "out"
    assert main(["grade", str(submissions), "--labels", str(labels_file), "--out", str(out), "--language", "en"]) == 0
    printed = capsys.readouterr().out
    assert "1. g1: accuracy 95.0%" in printed and "g2: Unknown labels pizza" in printed
    assert sorted(p.name for p in out.iterdir()) == ["leaderboard.csv", "leaderboard.md", "leaderboard.png"]
