"""The submission report: ``report/README.md``, its ``images/*.png`` and ``report.zip``, every number read from
the files the runs wrote.

The structure follows the course's submissions: group header (names and NIMs) and the data the numbers come
from (a warning that cannot be missed for the synthetic stand-in), the data and split summary (leakage
included), the method (Table 1 of He et al. 2016: stages, blocks, shortcuts, parameter counts),
hyperparameters, the metric comparison with how sure each difference is, curves, confusion matrices, per-class
precision/recall/F1, misclassified images, Grad-CAM maps of the runs side by side (from their best.pt), the
evidence of notebook 06 when its runs exist, the Tahap-3 modifications, an analysis whose measured facts are
computed from the runs with marked room for the group's own text, and the references. Everything a student
reads is in the report's one language (``kit/text/report.py``, ``kit/text/columns.py``); numbers are written by
``kit.numbers``.

Modules: ``write`` (``write_report`` and the section order), ``context`` (what sections read), ``overview``,
``results``, ``evidence``, ``facts``, ``gradcam``, ``references`` (the sections), ``uncertainty`` (intervals
and McNemar inside each comparison section, from ``kit.comparisons``), ``data_source`` (which data), ``readme``
(keep blocks, trailer, backup before loss) and ``archive`` (``report.zip``). Pass more sections with
``write_report(..., extra_sections=[...])``, each a function ``ReportContext -> markdown or None``.
"""

from kit.report.archive import ReportArchiveWarning, image_links, write_zip, zip_path
from kit.report.context import ReportContext, Section
from kit.report.data_source import describe_source, is_synthetic
from kit.report.facts import measured_facts
from kit.report.overview import COLAB_NOTEBOOKS, header_markdown
from kit.report.readme import ReportEditedWarning
from kit.report.results import best_criterion, comparison_markdown, summary_markdown
from kit.report.write import DEFAULT_RUNS, DEFAULT_SECTIONS, write_report

__all__ = [
    "COLAB_NOTEBOOKS", "DEFAULT_RUNS", "DEFAULT_SECTIONS", "ReportArchiveWarning", "ReportContext",
    "ReportEditedWarning", "Section", "best_criterion", "comparison_markdown", "describe_source", "header_markdown",
    "image_links", "is_synthetic", "measured_facts", "summary_markdown", "write_report", "write_zip", "zip_path",
]
