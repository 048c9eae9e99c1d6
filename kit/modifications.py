"""Tahap 3: the group's chosen ResNet-34 modifications, saved in the workspace so the report finds them.

A choice maps a run name to ``build_model`` options, e.g. ``{"resnet34-se": {"se": True}}``. Every
modification is trained with the experiment's shared Config and compared with the ResNet-34 baseline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from kit.files import atomic_write_text
from kit.models import MODIFICATIONS, PARAMETER_BUDGET, build_model, count_parameters, describe_options
from kit.run_folder import check_run_name

CHOICE_FILE = "modifications.json"
RESERVED_RUNS = ("plain34", "resnet34")


def check_choice(modifications: Mapping[str, Mapping[str, Any]], *, base_model: str = "resnet34",
                 num_classes: int = 5, max_parameters: int | None = PARAMETER_BUDGET) -> pd.DataFrame:
    """Build every chosen model once and return ``run, options, parameters`` (and the change vs the baseline).

    Errors name the offending entry: a run name that is not a plain folder name or that would overwrite a
    baseline run, an unknown option, fewer than two modifications (the assignment asks for at least two), a model
    over the parameter budget (``kit.models.PARAMETER_BUDGET``).
    """
    if len(modifications) < 2:
        raise ValueError(f"Tahap 3 asks for at least two modifications; got {len(modifications)}.")
    baseline = count_parameters(build_model(base_model, num_classes))
    rows = []
    for name, options in modifications.items():
        if name in RESERVED_RUNS:
            raise ValueError(f"Run name {name!r} would overwrite a baseline run: choose a name other than "
                             f"{', '.join(RESERVED_RUNS)}.")
        check_run_name(name)
        if not isinstance(options, Mapping) or not options:
            raise ValueError(f"Modification {name!r} needs a non-empty dict of build_model options, got {options!r}.")
        try:
            model = build_model(base_model, num_classes, max_parameters=max_parameters, **options)
        except (TypeError, ValueError) as error:
            raise ValueError(f"Modification {name!r}: {error}") from error
        parameters = count_parameters(model)
        rows.append({"run": name, "options": json.dumps(dict(options), sort_keys=True), "parameters": parameters,
                     "vs_baseline": parameters - baseline})
    return pd.DataFrame(rows)


def save_choice(workspace: str | Path, modifications: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Check the choice and write it as ``modifications.json`` in the workspace; return ``check_choice``'s table."""
    table = check_choice(modifications)
    path = Path(workspace) / CHOICE_FILE
    atomic_write_text(path, json.dumps({k: dict(v) for k, v in modifications.items()}, indent=2, sort_keys=True) + "\n")
    return table


def load_choice(workspace: str | Path) -> dict[str, dict[str, Any]]:
    """The saved choice, or an empty dict when the group has not run 05_modifications yet."""
    path = Path(workspace) / CHOICE_FILE
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def catalogue() -> pd.DataFrame:
    """Every available modification: its option, what it changes and the paper it comes from."""
    return pd.DataFrame([{"option": key, "description": entry.description, "citation": entry.citation}
                         for key, entry in MODIFICATIONS.items()])


def citations(modifications: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The papers behind the chosen options: one row per (run, option), with description and citation."""
    frames = [describe_options(**options).assign(run=name) for name, options in modifications.items()]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["run"])
    return table[["run", *[c for c in table.columns if c != "run"]]]
