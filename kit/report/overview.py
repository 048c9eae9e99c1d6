"""The report's opening sections: who (the group header), on what data, with which networks and settings."""

from __future__ import annotations

import re
from typing import Any, Mapping

import pandas as pd

from kit import numbers
from kit.header import Header, is_placeholder_name, is_placeholder_nim
from kit.links import colab_url
from kit.models import STAGE_BLOCKS
from kit.report.context import ReportContext, as_header
from kit.report.data_source import describe_source, is_synthetic
from kit.runs import RunResult
from kit.tables import hyperparameter_table, to_markdown
from kit.text import check_language, current_language, table

COLAB_NOTEBOOKS = ("01_data.ipynb", "02_plain34.ipynb", "03_resnet34.ipynb", "04_compare.ipynb",
                   "05_modifications.ipynb", "06_degradation.ipynb")
"""Every notebook of the kit, linked from the report's header."""

DATA_COUNTS = ("n_images", "blank_rows", "missing_files", "unreadable_files", "unlisted_files", "duplicate_groups")
"""The counts of data_report.json the data section lists, in this order."""


# --- the group header -----------------------------------------------------------------------------------------

def header_markdown(header: Header | Mapping[str, Any] | None, language: str | None = None) -> str:
    """The group line and the member table (name, NIM), with unfilled entries visibly marked.

    ``header`` is a ``kit.header.Header`` or the dict it saves (``header.json``); None (no header anywhere)
    shows every field as unfilled.
    """
    t = table("report", check_language(language) if language else current_language())
    header = as_header(header)
    if header is None:
        group, rows = t["unfilled"], [f"| 1 | {t['unfilled']} | {t['unfilled']} |"]
    else:
        group = _marked(header.group_name, is_placeholder_name(header.group_name), t)
        rows = [f"| {i} | {_marked(name, is_placeholder_name(name), t)} | {_marked(nim, is_placeholder_nim(nim), t)} |"
                for i, (name, nim) in enumerate(header.members, start=1)]
    lines = [f"**{t['group']}:** {group}", "", f"| No | {t['member']} | NIM |", "| --- | --- | --- |", *rows]
    if header is None or header.is_placeholder:
        lines += ["", t["header_incomplete"]]
    return "\n".join(lines)


def _marked(value: str, unfilled: bool, t: Mapping[str, str]) -> str:
    cell = value.replace("|", "\\|")
    return f"{cell} {t['unfilled']}".strip() if unfilled else cell


def header_section(ctx: ReportContext) -> str:
    """Title, course, the synthetic-data warning when it applies, the group header, Colab links, provenance."""
    t = ctx.text
    links = " · ".join(f"[{name.removesuffix('.ipynb')}]({colab_url(name)})" for name in COLAB_NOTEBOOKS)
    lines = [f"# {t['title'].format(models=' vs '.join(r.label for r in ctx.runs))}", "", t["course"], ""]
    if is_synthetic(ctx.data_report):
        lines += [f"> {t['source_synthetic']}", ""]
    lines += [header_markdown(ctx.header, ctx.language), "", f"**{t['colab']}:** {links}", "", f"_{t['generated']}_"]
    return "\n".join(lines)


# --- data ------------------------------------------------------------------------------------------------------

def data_section(ctx: ReportContext) -> str:
    """The data source, data report counts, leakage (must be 0) and images per class and split (split.csv)."""
    t = ctx.text
    lines = [f"## {t['data']}", ""]
    report = ctx.data_report
    if report is None:
        lines.append(t["data_missing"].format(workspace=ctx.workspace))
    else:
        lines += [f"**{t['source']}:** {describe_source(report, t)}", ""]
        rows = [(t[key], numbers.count(_count(report[key]))) for key in DATA_COUNTS if key in report]
        if isinstance(report.get("formats"), Mapping):
            rows.append((t["formats"], ", ".join(f"{k} {numbers.count(v)}" for k, v in report["formats"].items())))
        if report.get("val_with_duplicate_in_train") is not None:
            n = _count(report["val_with_duplicate_in_train"])
            rows.append((t["leakage"], t["leakage_ok" if n == 0 else "leakage_bad"].format(n=n)))
        lines.append(to_markdown(pd.DataFrame(rows, columns=[t["item"], t["value"]])))
    lines.append("")
    if ctx.split is None:
        lines.append(t["split_missing"].format(workspace=ctx.workspace))
    else:
        counts = pd.crosstab(ctx.split["label"], ctx.split["split"], margins=True, margins_name=t["total"])
        ordered = [s for s in ("train", "val", "test") if s in counts.columns]
        counts = counts[ordered + [c for c in counts.columns if c not in ordered]]
        counts.index.name = ctx.columns["class"]
        counts.columns.name = None
        lines.append(to_markdown(counts.reset_index()))
    return "\n".join(lines)


def _count(value: Any) -> int:
    """Counts in data_report.json may be numbers or the lists/dicts of what was counted."""
    if isinstance(value, (list, tuple, dict)):
        return len(value)
    return int(value)


# --- method and settings ---------------------------------------------------------------------------------------

_ARCHITECTURE = re.compile(r"(?P<family>plain|resnet)(?P<depth>\d+)")


def method_section(ctx: ReportContext) -> str:
    """The compared networks as Table 1 of He et al. (2016) builds them: blocks per stage, block type, shortcut,
    parameters (from metrics.json), and in words what differs between a plain net and its ResNet."""
    t, c = ctx.text, ctx.columns
    rows = []
    for run in ctx.runs:
        match = _ARCHITECTURE.fullmatch(str(run.config.get("model", "")))
        if match is None:
            continue  # not a Table-1 net; its Config is in the hyperparameter table
        depth = int(match["depth"])
        rows.append({c["model"]: run.label, t["method_stages"]: str(STAGE_BLOCKS.get(depth, "?")),
                     t["method_block"]: t["block_basic" if depth < 50 else "block_bottleneck"],
                     t["method_shortcut"]: t["shortcut_identity" if match["family"] == "resnet" else "shortcut_none"],
                     c["parameters"]: numbers.count(run.metrics.get("parameters"))})
    classes = len(ctx.runs[0].classes)
    lines = [f"## {t['method']}", "", t["method_note"].format(classes=classes), ""]
    if rows:
        lines.append(to_markdown(pd.DataFrame(rows)))
    pair = _plain_and_resnet(ctx.runs)
    if pair is not None:
        plain, resnet = pair
        difference = int(resnet.metrics["parameters"]) - int(plain.metrics["parameters"])
        lines += ["", t["method_difference"].format(plain=plain.label, resnet=resnet.label,
                                                    difference=numbers.count(difference))]
    return "\n".join(lines)


def _plain_and_resnet(runs: list[RunResult]) -> tuple[RunResult, RunResult] | None:
    """The plain net and the ResNet of one depth, unmodified, with parameter counts: the pair the method
    section can explain in one sentence. None for any other set of runs."""
    found = {}
    for run in runs:
        match = _ARCHITECTURE.fullmatch(str(run.config.get("model", "")))
        if match and not run.config.get("model_options") and run.metrics.get("parameters") is not None:
            found.setdefault(match["family"], []).append((int(match["depth"]), run))
    if len(runs) != 2 or [len(found.get(f, [])) for f in ("plain", "resnet")] != [1, 1]:
        return None
    (plain_depth, plain), (resnet_depth, resnet) = found["plain"][0], found["resnet"][0]
    return (plain, resnet) if plain_depth == resnet_depth else None


def hyperparameter_section(ctx: ReportContext) -> str:
    """Every Config field of the compared runs, from their config.json."""
    t = ctx.text
    return "\n".join([f"## {t['hyperparameters']}", "", t["hyperparameters_note"], "",
                      to_markdown(hyperparameter_table(ctx.runs, ctx.language))])
