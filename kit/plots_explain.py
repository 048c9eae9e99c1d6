"""Grad-CAM figures (Selvaraju et al. 2017): runs side by side on the same validation images, and every stage
of one image. Each function returns a matplotlib ``Figure`` built from :class:`kit.explain.GradCams`; titles are
in the student's language (``kit.text``, table ``explain``)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from kit.explain import KINDS, LAST_STAGE, STAGES, GradCams
from kit.text import tr

PANEL_INCHES = 2.1


def gradcam_comparison(chosen: pd.DataFrame, cams: Sequence[GradCams], stage: str = LAST_STAGE,
                       language: str | None = None) -> Figure:
    """One row per class; for the most confident correct image and then the most confident mistake
    (``chosen``, from :func:`kit.explain.choose_images`), the map of ``stage`` of every run side by side.

    Each panel is titled with the run, its prediction and confidence, green when right and red when wrong.
    """
    if not len(cams):
        raise ValueError("gradcam_comparison needs the Grad-CAMs of at least one run")
    missing = sorted(set(chosen["filename"]) - set.intersection(*(set(c.frame["filename"]) for c in cams)))
    if missing:
        raise ValueError(f"Some chosen images were not explained for every run, e.g. {missing[:3]}: compute the "
                         "maps with kit.explain.compare_gradcam (or explain_run on chosen['filename'])")
    labels = list(dict.fromkeys(chosen["label"]))
    if not labels:
        raise ValueError("No images were chosen: the runs' predictions.csv hold no validation images")
    n_runs = len(cams)
    fig = Figure(figsize=(PANEL_INCHES * 2 * n_runs + 0.3, PANEL_INCHES * 1.1 * len(labels) + 0.8),
                 layout="constrained")
    for group, (subfigure, kind) in enumerate(zip(fig.subfigures(1, len(KINDS)), KINDS)):
        subfigure.suptitle(tr(f"explain.{kind}", language), fontsize="medium")
        axes = subfigure.subplots(len(labels), n_runs, squeeze=False)
        for row, label in enumerate(labels):
            match = chosen[(chosen["label"] == label) & (chosen["kind"] == kind)]
            for column, cam in enumerate(cams):
                ax = axes[row, column]
                ax.set_xticks([])
                ax.set_yticks([])
                if match.empty:
                    ax.set_frame_on(False)
                    if column == 0:
                        ax.text(0.5, 0.5, tr(f"explain.no_{kind}", language), ha="center", va="center",
                                transform=ax.transAxes, fontsize="small", color="grey")
                    continue
                _draw_panel(ax, cam, cam.index(match["filename"].iloc[0]), stage, language)
            if group == 0:
                axes[row, 0].set_ylabel(tr("explain.row", language, label=label), fontsize="small")
    models = " vs ".join(cam.run for cam in cams)
    grid = "x".join(str(n) for n in cams[0].grids[stage])
    fig.suptitle(tr("explain.figure_title", language, stage=STAGES.get(stage, stage), grid=grid, models=models))
    return fig


def gradcam_stages(cams: Sequence[GradCams], filename: str, stages: Sequence[str] = tuple(STAGES),
                   language: str | None = None) -> Figure:
    """The image ``filename`` and the map of every stage in ``stages`` (conv2_x .. conv5_x), one row per run."""
    if not len(cams):
        raise ValueError("gradcam_stages needs the Grad-CAMs of at least one run")
    absent = [(cam.run, stage) for cam in cams for stage in stages if stage not in cam.maps]
    if absent:
        raise ValueError(f"No maps for {absent[:3]}: compute them with stages={tuple(stages)}")
    fig = Figure(figsize=(PANEL_INCHES * (len(stages) + 1), PANEL_INCHES * 1.15 * len(cams) + 0.5),
                 layout="constrained")
    axes = np.atleast_2d(fig.subplots(len(cams), len(stages) + 1, squeeze=False))
    for row, cam in enumerate(cams):
        index = cam.index(filename)
        axes[row, 0].imshow(cam.images[index])
        axes[row, 0].set_ylabel(cam.run)
        for column, stage in enumerate(stages, start=1):
            ax = axes[row, column]
            _draw_panel(ax, cam, index, stage, language)
            grid = "x".join(str(n) for n in cam.grids[stage])
            ax.set_title(f"{STAGES.get(stage, stage)} ({grid})\n{ax.get_title()}", fontsize="small",
                         color=ax.title.get_color())
        for ax in axes[row]:
            ax.set_xticks([])
            ax.set_yticks([])
    label = cams[0].frame["label"].iloc[cams[0].index(filename)]
    fig.suptitle(tr("explain.stages_title", language, filename=filename, label=label or "?"))
    return fig


def _draw_panel(ax, cam: GradCams, index: int, stage: str, language: str | None) -> None:
    row = cam.frame.iloc[index]
    ax.imshow(cam.overlay(index, stage))
    right = row["label"] == row["prediction"]
    colour = "black" if not row["label"] else ("tab:green" if right else "tab:red")
    ax.set_title(tr("explain.panel", language, model=cam.run, prediction=row["prediction"],
                    confidence=float(row["confidence"])), fontsize="small", color=colour)
