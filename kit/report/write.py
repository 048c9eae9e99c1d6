"""``write_report``: the sections in order, the README written without losing the group's text, the zip."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from kit.header import Header, load_header
from kit.language import saved_language
from kit.modifications import load_choice
from kit.report.archive import write_zip, zip_path
from kit.report.context import ReportContext, Section, as_header, read_csv, read_json
from kit.report.evidence import degradation_section, folds_section, gradient_flow_section, seeds_section
from kit.report.facts import analysis_section
from kit.report.gradcam import gradcam_section
from kit.report.overview import data_section, header_section, hyperparameter_section, method_section
from kit.report.readme import stored_language, write_readme
from kit.report.references import references_section
from kit.report.results import (confusion_section, curves_section, extra_runs_section, misclassified_section,
                                per_class_section, results_section)
from kit.runs import RunResult, load_runs
from kit.text import check_language, current_language

DEFAULT_RUNS = ("plain34", "resnet34")
DATA_REPORT_FILE, SPLIT_FILE = "data_report.json", "split.csv"

DEFAULT_SECTIONS: tuple[Section, ...] = (
    header_section, data_section, method_section, hyperparameter_section, results_section, seeds_section,
    folds_section,
    curves_section, confusion_section, per_class_section, misclassified_section, gradcam_section,
    gradient_flow_section,
    degradation_section, extra_runs_section, analysis_section, references_section)
"""The report's sections in order; ``write_report(extra_sections=...)`` inserts more before the analysis.
Sections with nothing to show (no seed or fold runs, no gradient norms, no degradation runs) leave no
trace."""
CLOSING_SECTIONS = 2
"""The analysis and the references close the report, after any extra sections."""


def write_report(workspace: str | Path, runs: Sequence[str | Path | RunResult] = DEFAULT_RUNS,
                 header: Header | Mapping[str, Any] | None = None, out_dir: str | Path | None = None,
                 language: str | None = None, extra_runs: Sequence[str | Path | RunResult] | None = None,
                 extra_sections: Iterable[Section] = ()) -> Path:
    """Write ``<out_dir>/README.md`` (default ``<workspace>/report``), its ``images/*.png`` and ``report.zip``
    beside the folder (``kit.report.zip_path``); return the README's path.

    ``runs`` are run names (looked up in ``<workspace>/runs``), run folders or loaded runs; the first is the
    reference the others are compared with (Plain-34, then ResNet-34). ``extra_runs`` (e.g. the Tahap-3
    modifications) get their own section, compared with the last of ``runs``; by default they are the runs
    chosen in 05_modifications (``modifications.json``) that have been trained, with a warning naming any
    chosen run that has not. A missing run raises ``kit.runs.RunNotFoundError`` naming the notebook that
    creates it.

    ``header``: a ``kit.header.Header`` or its dict; by default the header saved in the workspace
    (``kit.header.load_header``). ``language``: ``"id"`` or ``"en"``; by default the language the group chose
    (``kit.language``, saved in the workspace), else that of the existing report in ``out_dir``, else
    ``kit.text.current_language()``. The group's text between keep markers is
    carried over; if the existing README was edited anywhere else, it is first copied to
    ``README.edited-<YYYYmmdd-HHMMSS>.md`` with a ``ReportEditedWarning``.
    """
    workspace = Path(workspace)
    out_dir = Path(out_dir) if out_dir is not None else workspace / "report"
    readme = out_dir / "README.md"
    language = check_language(language or saved_language(workspace) or stored_language(readme)
                              or current_language())
    header = as_header(header) if header is not None else load_header(workspace)
    loaded = load_runs(runs, workspace)
    if not loaded:
        raise ValueError("write_report needs at least one run")
    extra = load_runs(_chosen_modifications(workspace) if extra_runs is None else extra_runs, workspace)
    clashes = sorted({r.name for r in loaded} & {r.name for r in extra})
    if clashes:
        raise ValueError(f"Runs {clashes} are given both in runs and in extra_runs")
    context = ReportContext(workspace=workspace, out_dir=out_dir, runs=loaded, extra_runs=extra, header=header,
                            language=language, data_report=read_json(workspace / DATA_REPORT_FILE),
                            split=read_csv(workspace / SPLIT_FILE))
    body, closing = DEFAULT_SECTIONS[:-CLOSING_SECTIONS], DEFAULT_SECTIONS[-CLOSING_SECTIONS:]
    sections = [*body, *extra_sections, *closing]
    markdown = "\n\n".join(part.strip() for part in (section(context) for section in sections) if part) + "\n"
    write_readme(readme, markdown, language)
    write_zip(readme, zip_path(out_dir))
    return readme


def _chosen_modifications(workspace: Path) -> list[str]:
    """Runs named in modifications.json that exist; a warning names the chosen ones not trained yet."""
    chosen = list(load_choice(workspace))
    trained = [name for name in chosen if (workspace / "runs" / name / "metrics.json").exists()]
    missing = sorted(set(chosen) - set(trained))
    if missing:
        warnings.warn(f"Modifications {', '.join(missing)} are chosen in modifications.json but not trained yet: "
                      "run notebooks/05_modifications.ipynb to add them to the report.", stacklevel=3)
    return trained
