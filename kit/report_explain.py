"""The Grad-CAM section of the submission report: where Plain-34 and ResNet-34 (and the Tahap-3 modifications)
look on the same validation images (Selvaraju et al. 2017), as markdown with its figure saved beside it.

``gradcam_markdown`` takes plain values (runs, the report folder, a language); ``gradcam_section`` is the same
for ``kit.report.write_report``'s section list (a function of its ``ReportContext``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

from matplotlib.figure import Figure

from kit.explain import LAST_STAGE, STAGES, compare_gradcam
from kit.files import atomic_write
from kit.plots_explain import gradcam_comparison
from kit.runs import RunResult, load_runs
from kit.text import check_language, tr

IMAGE_DPI = 110  # as the report's other figures


def gradcam_markdown(runs: Sequence[str | Path | RunResult], out_dir: str | Path, language: str = "id", *,
                     workspace: str | Path | None = None, image_dir: str | Path | None = None,
                     name: str = "gradcam", heading: bool = True) -> str:
    """Markdown showing the Grad-CAM comparison of ``runs``; the figure goes to ``<out_dir>/images/<name>.png``.

    When the maps cannot be made (a run without best.pt or predictions.csv, images not on this machine), the
    markdown says why instead of failing the whole report.
    """
    check_language(language)
    lines = [f"## {tr('explain.title', language)}", ""] if heading else []
    try:
        loaded = load_runs(runs, workspace)
        chosen, cams = compare_gradcam(loaded, workspace, image_dir=image_dir)
        figure = gradcam_comparison(chosen, cams, language=language)
    except (FileNotFoundError, ValueError, KeyError, RuntimeError) as error:  # RuntimeError: unreadable best.pt
        return "\n".join(lines + [tr("explain.unavailable", language, reason=error)])
    models = " vs ".join(cam.run for cam in cams)
    image = _save(figure, Path(out_dir), name)
    return "\n".join(lines + [tr("explain.note", language, stage=STAGES[LAST_STAGE]), "",
                              f"![{tr('explain.alt', language, models=models)}]({image})", "",
                              f"{tr('explain.reference', language)}: {tr('explain.citation', language)}"])


def gradcam_section(ctx: Any) -> str:
    """``write_report`` section: the compared runs side by side, then (when the report has extra runs, the
    Tahap-3 modifications) the last compared run beside them. Reads ``ctx.runs``, ``ctx.extra_runs``,
    ``ctx.out_dir``, ``ctx.language`` and ``ctx.workspace``."""
    parts = [gradcam_markdown(ctx.runs, ctx.out_dir, ctx.language, workspace=ctx.workspace)]
    if ctx.extra_runs:
        parts.append(gradcam_markdown([ctx.runs[-1], *ctx.extra_runs], ctx.out_dir, ctx.language,
                                      workspace=ctx.workspace, name="gradcam_modifications", heading=False))
    return "\n\n".join(parts)


def _save(figure: Figure, out_dir: Path, name: str) -> str:
    """Save ``figure`` as ``<out_dir>/images/<name>.png``; return its path relative to ``out_dir``."""
    filename = re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".png"
    path = out_dir / "images" / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    # Atomic, as the report's other images: a disconnect mid-write leaves the previous image whole.
    atomic_write(path, lambda handle: figure.savefig(handle, format="png", dpi=IMAGE_DPI))
    return f"images/{filename}"
