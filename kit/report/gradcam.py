"""The report's Grad-CAM section: where Plain-34 and ResNet-34 (and the Tahap-3 modifications) look on the same
validation images (Selvaraju et al. 2017), as markdown with its figure saved beside the README.

``gradcam_markdown`` takes plain values (runs, the report folder, a language), so a notebook can call it too;
``gradcam_section`` is the same for ``write_report``'s section list. The maps come from each run's ``best.pt``
(``kit.explain.compare_gradcam``: the most confident correct image and mistake of each class, chosen from the
runs' own predictions); when they cannot be made, the section says why instead of failing the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from kit.explain import LAST_STAGE, STAGES, compare_gradcam
from kit.plots_explain import gradcam_comparison
from kit.report.context import save_figure
from kit.runs import RunResult, load_runs
from kit.text import check_language, tr

UNAVAILABLE = (FileNotFoundError, ValueError, KeyError, RuntimeError)
"""Why maps may not be made: no best.pt or predictions.csv (FileNotFoundError, RunNotFoundError), images not on
this machine, no chosen images (ValueError, KeyError), an unreadable best.pt cut short by a disconnect
(RuntimeError)."""


def gradcam_markdown(runs: Sequence[str | Path | RunResult], out_dir: str | Path, language: str = "id", *,
                     workspace: str | Path | None = None, image_dir: str | Path | None = None,
                     name: str = "gradcam", heading: bool = True) -> str:
    """Markdown showing the Grad-CAM comparison of ``runs``; the figure goes to ``<out_dir>/images/<name>.png``
    (``kit.report.context.save_figure``, as every figure of the report).

    ``image_dir``: the folder of the val images; by default the workspace's prepared dataset's. When the maps
    cannot be made, the markdown says why instead.
    """
    check_language(language)
    lines = [f"## {tr('explain.title', language)}", ""] if heading else []
    try:
        loaded = load_runs(runs, workspace)
        chosen, cams = compare_gradcam(loaded, workspace, image_dir=image_dir)
        figure = gradcam_comparison(chosen, cams, language=language)
    except UNAVAILABLE as error:
        return "\n".join(lines + [tr("explain.unavailable", language, reason=error)])
    models = " vs ".join(cam.run for cam in cams)
    image = save_figure(figure, Path(out_dir), name, tr("explain.alt", language, models=models))
    return "\n".join(lines + [tr("explain.note", language, stage=STAGES[LAST_STAGE]), "", image, "",
                              f"{tr('explain.reference', language)}: {tr('explain.citation', language)}"])


def gradcam_section(ctx: Any) -> str:
    """``write_report`` section: the compared runs side by side, then (when the report has extra runs, the
    Tahap-3 modifications) the last compared run beside them under a subheading. Reads ``ctx.runs``,
    ``ctx.extra_runs``, ``ctx.out_dir``, ``ctx.language`` and ``ctx.workspace``."""
    parts = [gradcam_markdown(ctx.runs, ctx.out_dir, ctx.language, workspace=ctx.workspace)]
    if ctx.extra_runs:
        parts += [f"### {tr('report.extra', ctx.language)}",
                  gradcam_markdown([ctx.runs[-1], *ctx.extra_runs], ctx.out_dir, ctx.language,
                                   workspace=ctx.workspace, name="gradcam_modifications", heading=False)]
    return "\n\n".join(parts)
