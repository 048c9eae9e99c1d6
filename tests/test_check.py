"""kit.check / `kit check`: a report with a problem is refused with one line per problem in the report's language,
a clean one passes, and checking changes no file."""

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from kit import numbers  # noqa: E402
from kit.check import check_submission  # noqa: E402
from kit.cli import main  # noqa: E402
from kit.header import PLACEHOLDER_GROUP_NAME, PLACEHOLDER_MEMBERS, Header, save_header  # noqa: E402
from kit.report import write_report, zip_path  # noqa: E402
from kit.report.readme import KEEP_BLOCK  # noqa: E402
from kit.text import tr  # noqa: E402
from run_factory import write_run, write_workspace  # noqa: E402

FILLED_HEADER = Header("Kelompok Rendang Pedas", (("Ani Lestari", "122140001"), ("Budi Santoso", "122140002"),
                                                  ("Citra Dewi", "122140003")))
COURSE_SETTINGS = {"epochs": 30, "device": "cuda:0", "config_changes": {"image_size": 224}}
"""Runs that do not look like smoke runs: the course's image size and epochs, on a GPU."""
ANALYSIS = "ResNet-34 belajar lebih cepat karena shortcut meneruskan gradien ke lapisan awal."

FIGURES = ("training_curves", "compare_curves", "confusion_matrices", "f1_difference", "misclassified_grid",
           "gradient_flow", "degradation_curves", "seed_curves")


def bare_figures(monkeypatch) -> None:
    """Every figure as a bare 1x1 Figure: the check compares the README's text and the images' presence, and
    drawing the real figures is most of a report's time (both when writing and when the check regenerates)."""
    from matplotlib.figure import Figure

    from kit import plots

    for name in FIGURES:
        monkeypatch.setattr(plots, name, lambda *args, **kwargs: Figure(figsize=(1, 1)))


@pytest.fixture(autouse=True)
def fast_default_language(monkeypatch):
    """Bare figures, and the kit's default language (Indonesian) whatever a test before chose."""
    from kit.text import LANGUAGE_ENV, set_language

    bare_figures(monkeypatch)
    monkeypatch.delenv(LANGUAGE_ENV, raising=False)
    set_language(None)


def fill_analysis(readme: Path, text: str) -> None:
    """Write the group's analysis into the README's analysis keep block, as a group does by hand."""
    markdown = readme.read_text(encoding="utf-8")
    filled = KEEP_BLOCK.sub(lambda m: m[0] if m["name"] != "analysis" else
                            f"<!-- keep:analysis -->\n{text}\n<!-- /keep:analysis -->", markdown)
    assert filled != markdown
    readme.write_text(filled, encoding="utf-8")


def write_clean_workspace(root: Path) -> Path:
    """A report ready to submit: filled header, course-sized GPU runs, the analysis written, the zip repacked.
    Each test writes its own rather than copying one: a report may name its workspace's path (a Grad-CAM note
    on runs without best.pt), so a copy would differ from its regenerated report in that line."""
    workspace = write_workspace(root)
    for name, seed, accuracy in (("plain34", 1, 0.4), ("resnet34", 2, 0.7)):
        write_run(workspace / "runs", name, name, seed=seed, accuracy=accuracy, **COURSE_SETTINGS)
    save_header(FILLED_HEADER, workspace)
    fill_analysis(write_report(workspace), ANALYSIS)
    write_report(workspace)  # carries the analysis over and packs the README as it is now
    return workspace


@pytest.fixture
def clean_workspace(tmp_path):
    return write_clean_workspace(tmp_path / "clean")


def kinds(problems) -> list[str]:
    return [problem.kind for problem in problems]


def test_a_clean_report_passes(clean_workspace, capsys):
    assert check_submission(clean_workspace) == []
    assert main(["check", "--workspace", str(clean_workspace)]) == 0
    assert capsys.readouterr().out.strip() == tr("check.clean", "id", path=clean_workspace / "report")


def test_a_smoke_report_with_an_unfilled_header_is_refused(tmp_path, capsys):
    workspace = write_workspace(tmp_path / "smoke")  # 32 px, 6 epochs, on a CPU
    save_header(Header(PLACEHOLDER_GROUP_NAME, PLACEHOLDER_MEMBERS), workspace)
    write_report(workspace)

    assert main(["check", "--workspace", str(workspace)]) != 0
    printed = capsys.readouterr().out.splitlines()
    problems = check_submission(workspace)
    assert {"header_unfilled", "small_runs"} <= set(kinds(problems))
    assert "analysis_empty" in kinds(problems)  # the analysis block still holds its placeholder
    for problem in problems:  # one line each, Indonesian, as printed
        assert f"- {problem.message}" in printed and "\n" not in problem.message
    unfilled = next(p.message for p in problems if p.kind == "header_unfilled")
    assert PLACEHOLDER_GROUP_NAME in unfilled and PLACEHOLDER_MEMBERS[0][1] in unfilled
    assert "Plain-34: image_size 32" in next(p.message for p in problems if p.kind == "small_runs")
    assert printed[0] == tr("check.found", "id", count=len(problems), path=workspace / "report")


def test_an_edited_number_in_the_readme_is_caught(clean_workspace):
    readme = clean_workspace / "report" / "README.md"
    metrics = json.loads((clean_workspace / "runs" / "resnet34" / "metrics.json").read_text())
    measured = numbers.percent(metrics["best"]["val_acc"])
    lines = readme.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if measured in line)  # first place the number is shown
    lines[at] = lines[at].replace(measured, "99,9%", 1)
    readme.write_text("".join(lines), encoding="utf-8")

    problems = check_submission(clean_workspace)
    assert kinds(problems) == ["line_changed", "zip_stale"]  # the zip holds the README as it was
    changed = problems[0].message
    assert f"baris {at + 1}:" in changed and "99,9%" in changed and measured in changed


def test_a_retrained_run_no_longer_matches_the_readme(clean_workspace):
    path = clean_workspace / "runs" / "resnet34" / "metrics.json"
    metrics = json.loads(path.read_text())
    metrics["last"]["val_acc"] = metrics["last"]["val_acc"] / 2
    path.write_text(json.dumps(metrics))

    problems = check_submission(clean_workspace)
    assert problems and set(kinds(problems)) <= {"line_changed", "line_extra", "line_missing", "more_lines"}
    assert any(numbers.percent(metrics["last"]["val_acc"]) in p.message for p in problems)


def test_a_deleted_image_is_caught_and_the_check_changes_nothing(clean_workspace):
    report = clean_workspace / "report"
    image = report / "images" / "curves_comparison.png"
    image.unlink()
    before = {path: path.stat().st_mtime_ns for path in clean_workspace.rglob("*")}

    problems = check_submission(clean_workspace)
    assert kinds(problems) == ["image_missing"]
    assert "images/curves_comparison.png" in problems[0].message
    assert not image.exists()  # regenerating for the comparison did not draw it back
    assert {path: path.stat().st_mtime_ns for path in clean_workspace.rglob("*")} == before


def test_different_configs_an_unfinished_run_and_a_missing_zip_are_named_in_english(clean_workspace):
    (clean_workspace / "language.json").write_text(json.dumps({"language": "en"}))
    write_run(clean_workspace / "runs", "resnet34", "resnet34", seed=2, accuracy=0.7, epochs_done=20,
              **{**COURSE_SETTINGS, "config_changes": {"image_size": 224, "lr": 1e-3}})
    zip_path(clean_workspace / "report").unlink()

    problems = {problem.kind: problem.message for problem in check_submission(clean_workspace)}
    assert problems["configs_differ"] == tr("check.configs_differ", "en", keys="lr")
    assert problems["run_unfinished"].startswith("Run ResNet-34 has not finished (20/30 epochs)")
    assert problems["zip_missing"] == tr("check.zip_missing", "en", zip=zip_path(clean_workspace / "report"))


def test_a_missing_report_and_run_are_named(tmp_path):
    workspace = tmp_path / "empty"
    write_run(workspace / "runs", "plain34", "plain34", **COURSE_SETTINGS)
    save_header(FILLED_HEADER, workspace)
    problems = check_submission(workspace)
    assert kinds(problems) == ["run_missing", "no_report"]
    assert "03_resnet34.ipynb" in problems[0].message
