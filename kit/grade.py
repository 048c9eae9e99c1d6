"""The instructor's leaderboard: every group's ``test_predictions.csv`` scored against the hidden test labels.

``kit grade SUBMISSIONS --labels LABELS.csv --out DIR`` (or :func:`grade` + :func:`write_leaderboard`):

- SUBMISSIONS holds one entry per group: a CSV file, or a folder or zip with ``test_predictions.csv`` somewhere
  inside (the file ``kit.metrics.evaluate_run`` writes into a run folder, in the course's ``filename,label``
  format). Hidden entries (``.DS_Store``, ``__MACOSX``) are not submissions and are passed over.
- LABELS.csv is the instructor's private ``filename,label`` for the rows of test.csv.
- Each group gets accuracy with its Wilson 95% interval (``kit.stats``), macro-F1 and per-class F1
  (``kit.metrics.per_class_scores``, scikit-learn). Missing rows are scored over the full label set as wrong,
  and the ``note`` column says how many. A malformed submission (wrong columns, unknown labels, duplicate or
  extra file names, unreadable file) gets a row with a readable ``error`` and never stops the others.
- DIR gets ``leaderboard.csv``, ``leaderboard.md`` and ``leaderboard.png``. The hidden labels never appear in
  any of them: only scores, and file names from the submissions themselves.

Texts a group may read (errors, notes, the Markdown table, the figure) are in ``kit.text`` (table ``grade``).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import kit
from kit import numbers
from kit.files import atomic_write_text
from kit.metrics import per_class_scores
from kit.stats import accuracy_interval
from kit.text import tr

SUBMISSION_FILE = "test_predictions.csv"
COLUMNS = ("filename", "label")
"""The course's submission format: what ``kit.metrics.to_course_format`` writes."""
EXAMPLES = 5
"""Names quoted in an error message."""
OUTPUT_FILES = ("leaderboard.csv", "leaderboard.md", "leaderboard.png")


class SubmissionError(ValueError):
    """A submission that cannot be scored; the message says why, in the reader's language."""


@dataclass(frozen=True)
class Entry:
    """One group's entry in the submissions folder: ``name`` (shown on the leaderboard) and its ``path``."""

    name: str
    path: Path


# ---- reading -------------------------------------------------------------------------------------------------

def read_labels(path: str | Path, classes: Sequence[str] = kit.CLASSES) -> pd.DataFrame:
    """The instructor's ``filename,label`` file, checked: every row a file name and one of ``classes``, no file
    name twice. Blank rows (``,``, as in the course's CSVs) are skipped. Errors name rows and files, never a
    label, so a log of them gives nothing away."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No labels file at {path}")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(c).strip() for c in frame.columns]
    if set(COLUMNS) - set(frame.columns):
        raise ValueError(f"{path}: the labels file needs the columns filename,label; it has {list(frame.columns)}")
    frame = _stripped(frame[list(COLUMNS)])
    frame = frame[(frame["filename"] != "") | (frame["label"] != "")]
    problems = []
    unlabelled = frame.loc[frame["label"] == "", "filename"].tolist()
    if unlabelled:
        problems.append(f"{len(unlabelled)} files have no label ({_examples(unlabelled)})")
    nameless = int((frame["filename"] == "").sum())
    if nameless:
        problems.append(f"{nameless} rows have a label but no file name")
    repeated = sorted(set(frame.loc[frame["filename"].duplicated(), "filename"]))
    if repeated:
        problems.append(f"file names listed more than once: {_examples(repeated)}")
    outside = frame.loc[(frame["label"] != "") & ~frame["label"].isin(classes), "filename"].tolist()
    if outside:
        problems.append(f"{len(outside)} files have a label that is not one of {list(classes)} "
                        f"({_examples(outside)})")
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems) + ".")
    if frame.empty:
        raise ValueError(f"{path}: the labels file has no rows.")
    return frame.reset_index(drop=True)


def find_submissions(folder: str | Path) -> list[Entry]:
    """One entry per item of ``folder`` (sorted), except hidden ones (names starting with ``.``, ``__MACOSX``).

    An entry is named by its file name without extension; two entries that would share a name (``g1.csv`` and
    ``g1.zip``) keep their full file names instead, so no group overwrites another on the leaderboard.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"No submissions folder at {folder}")
    items = sorted(p for p in folder.iterdir() if not _hidden(p.name))
    stems = [p.stem if p.is_file() else p.name for p in items]
    return [Entry(name=stem if stems.count(stem) == 1 else p.name, path=p) for p, stem in zip(items, stems)]


def read_submission(path: str | Path) -> pd.DataFrame:
    """The predictions of one entry: a CSV file, or the one ``test_predictions.csv`` inside a folder or zip.

    Raises :class:`SubmissionError` saying what is wrong (no such file inside, several, a broken zip, not CSV,
    wrong columns). Values are text with surrounding spaces removed; nothing else is changed here.
    """
    path = Path(path)
    if path.is_dir():
        found = sorted(p for p in path.rglob(SUBMISSION_FILE)
                       if not any(_hidden(part) for part in p.relative_to(path).parts))
        _require_one(path.name, [p.relative_to(path).as_posix() for p in found])
        return _parse_csv(found[0].read_bytes())
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                members = sorted(n for n in archive.namelist()
                                 if Path(n).name == SUBMISSION_FILE and not any(_hidden(p) for p in Path(n).parts))
                _require_one(path.name, members)
                return _parse_csv(archive.read(members[0]))
        except (zipfile.BadZipFile, OSError) as error:
            raise SubmissionError(tr("grade.bad_zip", name=path.name, reason=error)) from None
    if path.is_file() and path.suffix.lower() == ".csv":
        return _parse_csv(path.read_bytes())
    raise SubmissionError(tr("grade.not_a_submission", name=path.name))


def _require_one(name: str, found: list[str]) -> None:
    """Exactly one test_predictions.csv in entry ``name``: guessing which of several is meant could grade the
    wrong one."""
    if not found:
        raise SubmissionError(tr("grade.not_found_inside", name=name))
    if len(found) > 1:
        raise SubmissionError(tr("grade.several_found", name=name, paths=", ".join(found)))


def _parse_csv(content: bytes) -> pd.DataFrame:
    if not content.strip():
        raise SubmissionError(tr("grade.empty_file"))
    try:
        frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SubmissionError(tr("grade.unreadable_csv", reason=reason)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if sorted(frame.columns) != sorted(COLUMNS):
        hint = tr("grade.index_hint") if any(c == "" or c.startswith("Unnamed") for c in frame.columns) else ""
        raise SubmissionError(tr("grade.wrong_columns", columns=",".join(frame.columns) or "-", hint=hint))
    return _stripped(frame[list(COLUMNS)])


# ---- scoring -------------------------------------------------------------------------------------------------

def score_submission(predictions: pd.DataFrame, labels: pd.DataFrame,
                     classes: Sequence[str] = kit.CLASSES) -> dict:
    """Accuracy (with its Wilson 95% interval), macro-F1 and per-class F1 of ``predictions`` over every row of
    ``labels``; a file without a prediction counts as wrong and ``note`` says how many there were.

    Raises :class:`SubmissionError` for rows without a file name, repeated or unknown file names and unknown
    labels: such a file is not a submission of this test set, and scoring it would hide the mistake.
    """
    blank = (predictions["filename"] == "") & (predictions["label"] == "")
    predictions = predictions[~blank]
    nameless = np.flatnonzero(predictions["filename"].to_numpy() == "")
    if len(nameless):
        raise SubmissionError(tr("grade.no_filename", count=len(nameless),
                                 rows=_examples([i + 2 for i in nameless])))  # +2: header line, 1-based
    repeated = sorted(set(predictions.loc[predictions["filename"].duplicated(), "filename"]))
    if repeated:
        raise SubmissionError(tr("grade.duplicate_filenames", count=len(repeated), examples=_examples(repeated)))
    extra = sorted(set(predictions["filename"]) - set(labels["filename"]))
    if extra:
        raise SubmissionError(tr("grade.extra_filenames", count=len(extra), examples=_examples(extra)))
    given = predictions[predictions["label"] != ""]
    unknown = sorted(set(given["label"]) - set(classes))
    if unknown:
        raise SubmissionError(tr("grade.unknown_labels", labels=_examples(unknown), classes=", ".join(classes)))

    # Every test image once, in the labels' order; no prediction -> "" (never a class, so scored as wrong).
    scored = labels.merge(given.rename(columns={"label": "prediction"}), on="filename", how="left",
                          validate="one_to_one")
    scored["prediction"] = scored["prediction"].fillna("")
    interval = accuracy_interval((scored["prediction"] == scored["label"]).to_numpy())
    scores = per_class_scores(scored, tuple(classes))
    missing = int((scored["prediction"] == "").sum())
    notes = []
    if missing:
        notes.append(tr("grade.missing_note", missing=missing, total=len(scored)))
    if blank.any():
        notes.append(tr("grade.blank_rows_note", count=int(blank.sum())))
    return {"accuracy": interval.estimate, "accuracy_low": interval.low, "accuracy_high": interval.high,
            "macro_f1": float(scores.loc["macro avg", "f1"]),
            **{f"f1_{name}": float(scores.loc[name, "f1"]) for name in classes},
            "n_predicted": len(scored) - missing, "n_missing": missing, "note": " ".join(notes), "error": ""}


def grade(submissions: str | Path, labels: str | Path | pd.DataFrame,
          classes: Sequence[str] = kit.CLASSES) -> pd.DataFrame:
    """The leaderboard: one row per entry of ``submissions``, best accuracy first, ungradable entries last.

    Columns: ``rank`` (ties share one; empty for errors), ``submission``, ``accuracy``, ``accuracy_low``,
    ``accuracy_high`` (fractions, Wilson 95%), ``macro_f1``, ``f1_<class>``, ``n_predicted``, ``n_missing``,
    ``note``, ``error`` and ``source`` (the entry's file name). Any problem with one entry becomes its
    ``error``; grading always goes on with the next.
    """
    classes = tuple(classes)
    truth = labels if isinstance(labels, pd.DataFrame) else read_labels(labels, classes)
    rows = []
    for entry in find_submissions(submissions):
        row = {"submission": entry.name, "note": "", "error": ""}
        try:
            row.update(score_submission(read_submission(entry.path), truth, classes))
        except SubmissionError as error:
            row.update(error=str(error))
        row["source"] = entry.path.name
        rows.append(row)
    columns = ["rank", "submission", "accuracy", "accuracy_low", "accuracy_high", "macro_f1",
               *[f"f1_{name}" for name in classes], "n_predicted", "n_missing", "note", "error", "source"]
    board = pd.DataFrame(rows).reindex(columns=columns)
    failed = board["error"] != ""
    board = pd.concat([board[~failed].sort_values(["accuracy", "macro_f1", "submission"],
                                                  ascending=[False, False, True]),
                       board[failed].sort_values("submission")], ignore_index=True)
    ranks = board.loc[board["error"] == "", "accuracy"].rank(method="min", ascending=False)
    board["rank"] = pd.array([pd.NA] * len(board), dtype="Int64")
    board.loc[ranks.index, "rank"] = ranks.astype(int).to_numpy()
    board.attrs["n_test_images"] = len(truth)
    return board


# ---- output --------------------------------------------------------------------------------------------------

def leaderboard_markdown(board: pd.DataFrame, classes: Sequence[str] = kit.CLASSES,
                         language: str | None = None) -> str:
    """The leaderboard as a Markdown page: a title, one summary line and a table (accuracy in percent with its
    interval, F1 with three decimals)."""
    def text(key: str, **values) -> str:
        return tr(f"grade.{key}", language, **values)

    table = pd.DataFrame({
        text("rank"): [numbers.MISSING if pd.isna(r) else str(r) for r in board["rank"]],
        text("submission"): board["submission"],
        text("accuracy"): [numbers.MISSING if pd.isna(a) else
                           f"{numbers.percent(a)} [{numbers.percent(lo)}, {numbers.percent(hi)}]"
                           for a, lo, hi in zip(board["accuracy"], board["accuracy_low"], board["accuracy_high"])],
        text("macro_f1"): [numbers.f1(v) for v in board["macro_f1"]],
        **{text("f1_class", name=name): [numbers.f1(v) for v in board[f"f1_{name}"]] for name in classes},
        text("note"): board["note"],
        text("error"): board["error"],
    })
    failed = int((board["error"] != "").sum())
    summary = text("summary", scored=len(board) - failed, failed=failed, total=board.attrs.get("n_test_images", "?"))
    return f"# {text('title')}\n\n{summary}\n\n{table.to_markdown(index=False)}\n"


def leaderboard_figure(board: pd.DataFrame, language: str | None = None) -> Figure:
    """Accuracy of every graded submission with its 95% interval (bars) and its macro-F1 (dots), best on top."""
    graded = board[board["error"] == ""].iloc[::-1]  # barh draws bottom-up: best last so it sits on top
    figure = Figure(figsize=(7, 1.6 + 0.4 * max(len(graded), 1)), layout="constrained")
    axes = figure.add_subplot()
    positions = np.arange(len(graded))
    accuracy = graded["accuracy"].to_numpy(dtype=float)
    errors = np.vstack([accuracy - graded["accuracy_low"].to_numpy(dtype=float),
                        graded["accuracy_high"].to_numpy(dtype=float) - accuracy])
    axes.barh(positions, 100 * accuracy, xerr=100 * errors, color="#4C72B0", capsize=3,
              label=tr("grade.figure_accuracy", language))
    axes.scatter(100 * graded["macro_f1"].to_numpy(dtype=float), positions, color="#DD8452", zorder=3,
                 label=tr("grade.figure_macro_f1", language))
    axes.set_yticks(positions, graded["submission"].tolist())
    axes.set_xlim(0, 100)
    axes.set_xlabel(tr("grade.figure_axis", language))
    axes.set_title(tr("grade.figure_title", language, total=board.attrs.get("n_test_images", "?")))
    figure.legend(loc="outside lower center", ncols=2, fontsize="small")
    return figure


def write_leaderboard(board: pd.DataFrame, out: str | Path, classes: Sequence[str] = kit.CLASSES,
                      language: str | None = None) -> dict[str, Path]:
    """Write ``leaderboard.csv`` (every column of :func:`grade`), ``leaderboard.md`` and ``leaderboard.png`` into
    ``out``; return their paths by file name."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in OUTPUT_FILES}
    atomic_write_text(paths["leaderboard.csv"], board.to_csv(index=False))
    atomic_write_text(paths["leaderboard.md"], leaderboard_markdown(board, classes, language))
    leaderboard_figure(board, language).savefig(paths["leaderboard.png"], dpi=120)
    return paths


# ---- small helpers -------------------------------------------------------------------------------------------

def _hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def _stripped(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.apply(lambda column: column.astype(str).str.strip())


def _examples(items: Sequence) -> str:
    items = list(items)
    return ", ".join(map(str, items[:EXAMPLES])) + (" ..." if len(items) > EXAMPLES else "")
