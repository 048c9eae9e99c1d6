"""Evidence beyond one run: the same Config over several seeds (the degradation experiment is kit.degradation).

One run of Plain-34 and one of ResNet-34 differ by the architecture *and* by the luck of one initialisation and
one data order. ``run_seeds`` trains a Config once per seed (runs ``<name>-seed<N>``), ``seed_summary`` gives
mean, standard deviation and every seed's value, and ``paired_difference`` compares two architectures seed by
seed ("ResNet-34 - Plain-34, val acc: +x.x +- y.y points over 3 seeds").

Repeated seeds on one split measure the spread over initialisations and data orders only; the choice of the
val set moves a result as much again (Bouthillier et al. 2021, "Accounting for Variance in Machine Learning
Benchmarks"). ``run_seeds(..., vary_split=True)`` trains seed s on a grouped, leak-free split made with
``split_seed=s`` from the same prepared images (``kit.data.prepare.Prepared.with_split_seed``, kept as
``splits/split-seed<s>.csv``; split.csv is not touched) into runs ``<name>-split<s>``. Every model of one seed
shares its split, so the per-seed differences stay paired; the summaries take ``vary_split=True`` to read
these runs as their own group.

Accuracies and errors are shown in percent (differences in percentage points) wherever they stand beside the
paper's numbers or in a text; columns of such tables name their unit (``val_acc_%``, ``train_acc_points``).

Everything that trains reuses finished runs (a finished run folder with the same Config is not trained again)
and resumes interrupted ones; everything that summarises reads only run folders.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from kit import numbers
from kit.config import Config
from kit.data.batches import Batches
from kit.data.pipeline import batches_for
from kit.data.prepare import load_prepared
from kit.runs import RunNotFoundError, RunResult, differing_hyperparameters, display_name, load_run
from kit.train import build_model_for, check_run_config, fit, run_dir_for

METRICS = ("train_loss", "train_acc", "val_loss", "val_acc")
POINTS = ("best", "last")
SEEDS = (0, 1, 2)
"""Default seeds: three runs per architecture are the fewest that give a spread."""
_NOT_RESULTS = ("seed", "grad_norm_every")
"""Config fields that may differ between runs being averaged or compared: the seed, and what is only measured."""
_SPLIT_VARYING = ("split_seed",)
"""What may differ besides ``_NOT_RESULTS`` between split-varying runs (``run_seeds(..., vary_split=True)``)."""



# ---- training, reusing what exists ---------------------------------------------------------------------------

def train_or_reuse(config: Config, workspace: str | Path, name: str, data: Batches | Callable[[Config], Batches], *,
                   device: str | torch.device | None = None, progress: bool = True) -> Path:
    """Train ``config`` into run ``name`` of ``workspace``, unless that run has already finished.

    A finished run with the same Config (and its predictions.csv) is reused without building the data or the
    model; an interrupted one is resumed by ``kit.train.fit``; a run of the same name with a different Config is
    an error that names the fields, so nothing is overwritten. ``data`` is a ``Batches`` or a function
    ``Config -> Batches`` (called only when training is needed).
    """
    run_dir = run_dir_for(workspace, name)
    if check_run_config(run_dir, config, hint="give this experiment other run names (the name=/suffix= argument)") \
            and _is_finished(run_dir):
        return run_dir
    batches = data(config) if callable(data) and not hasattr(data, "train_batches") else data
    model = build_model_for(config, len(batches.classes))
    fit(model, batches, config, run_dir, device=device, progress=progress)
    return run_dir


def _is_finished(run_dir: Path) -> bool:
    metrics_file = run_dir / "metrics.json"
    if not metrics_file.is_file() or not (run_dir / "predictions.csv").is_file():
        return False
    return bool(json.loads(metrics_file.read_text(encoding="utf-8")).get("finished", False))


def batches_factory(source: Any = None, **options: Any) -> Callable[[Config], Batches]:
    """A ``Config -> Batches`` function for ``run_seeds``: ``kit.data.pipeline.batches_for(config, source,
    **options)``, with the config's image size, batch size, seed and augmentation."""
    return functools.partial(batches_for, source=source, **options)


# ---- repeated seeds ----------------------------------------------------------------------------------------

def seed_run_name(name: str, seed: int) -> str:
    """``resnet34``, 1 -> ``resnet34-seed1``."""
    return f"{name}-seed{seed}"


def split_run_name(name: str, seed: int) -> str:
    """``resnet34``, 1 -> ``resnet34-split1``: seed 1 trained on the split made with split_seed 1."""
    return f"{name}-split{seed}"


def run_seeds(config: Config, seeds: Iterable[int], workspace: str | Path,
              data_factory: Callable[[Config], Batches] | None = None, *, vary_split: bool = False,
              name: str | None = None, device: str | torch.device | None = None, progress: bool = True) -> list[Path]:
    """Train ``config`` once per seed (``config.replace(seed=s)``) into runs ``<name>-seed<s>``; return their
    folders in the order of ``seeds``.

    ``name`` defaults to ``config.model``. ``data_factory(config)`` builds the batches of each seed's config
    (the seed also orders the training data): ``batches_factory(prepared)`` does this with
    ``kit.data.pipeline.batches_for``; ``None`` builds them from the workspace's prepared data on ``device``.
    Finished runs are reused and interrupted ones resumed, so calling this again after a disconnect continues
    where it stopped. The run ``<name>`` itself (e.g. ``resnet34`` from its own notebook) counts as the seed it
    was trained with when its Config is that seed's Config, instead of being trained a second time.

    ``vary_split=True``: seed s is trained with ``config.replace(seed=s, split_seed=s)`` on the workspace's
    images split anew with that seed (grouped and stratified, ``Prepared.with_split_seed``, kept in
    ``splits/split-seed<s>.csv``) into run ``<name>-split<s>``; every model given the same seeds trains on the
    same splits. The batches then come from the workspace (``data_factory`` must be left out).
    """
    seeds = _seed_list(seeds)
    name = name or config.model
    if vary_split:
        if data_factory is not None:
            raise ValueError("run_seeds(vary_split=True) builds each seed's batches from the workspace's own split "
                             "of that seed: leave data_factory out.")
        prepared = load_prepared(workspace)
        return [train_or_reuse(config.replace(seed=seed, split_seed=seed), workspace, split_run_name(name, seed),
                               batches_factory(prepared.with_split_seed(seed), device=device, progress=progress),
                               device=device, progress=progress)
                for seed in seeds]
    if data_factory is None:
        data_factory = batches_factory(load_prepared(workspace), device=device, progress=progress)
    folders = []
    for seed in seeds:
        seed_config = config.replace(seed=seed)
        own = run_dir_for(workspace, seed_run_name(name, seed))
        base = run_dir_for(workspace, name)
        use_base = (not own.exists() and (base / "config.json").is_file()
                    and Config.from_json(base / "config.json") == seed_config)
        run_name = name if use_base else seed_run_name(name, seed)
        folders.append(train_or_reuse(seed_config, workspace, run_name, data_factory, device=device,
                                      progress=progress))
    return folders


def seed_runs(workspace: str | Path, name: str, *, vary_split: bool = False) -> dict[int, RunResult]:
    """The runs of ``name`` over seeds: every ``<name>-seed<N>`` in ``<workspace>/runs``, plus ``<name>`` itself
    for its seed when no ``-seed`` run has that seed and its Config matches theirs. Sorted by seed; empty when
    there is no ``-seed`` run. ``vary_split=True``: the runs ``<name>-split<N>`` instead (seed N on split N,
    ``run_seeds(..., vary_split=True)``), a group of their own.

    Raises ``ValueError`` when a run's folder name and its config disagree on the seed (or split seed), or when
    the runs' Configs differ in anything but the seed (and split seed) (their numbers could not be averaged).
    """
    runs_dir = Path(workspace).expanduser() / "runs"
    kind = "split" if vary_split else "seed"
    pattern = re.compile(rf"{re.escape(name)}-{kind}(\d+)")
    found: dict[int, RunResult] = {}
    for folder in sorted(runs_dir.glob(f"{name}-{kind}*")) if runs_dir.is_dir() else []:
        match = pattern.fullmatch(folder.name)
        if not match or not (folder / "metrics.json").is_file():
            continue
        run = load_run(folder)
        seed = int(match.group(1))
        fields = ("seed", "split_seed") if vary_split else ("seed",)
        for field in fields:
            if int(run.config.get(field, -1)) != seed:
                raise ValueError(f"{folder}: the folder says {field} {seed} but config.json says "
                                 f"{run.config.get(field)}.")
        found[seed] = run
    if not found:
        return {}
    base = runs_dir / name
    if not vary_split and (base / "metrics.json").is_file():
        run = load_run(base)
        seed = int(run.config.get("seed", -1))
        if seed not in found and not differing_hyperparameters([run, *found.values()], ignore=_NOT_RESULTS):
            found[seed] = run
    runs = dict(sorted(found.items()))
    differing = differing_hyperparameters(list(runs.values()), ignore=_ignored(vary_split))
    if differing:
        raise ValueError(f"The seed runs of {name} differ in {', '.join(differing)}, not only in the seed: their "
                         "numbers cannot be averaged. Train them with one Config (run_seeds does).")
    return runs


def _ignored(vary_split: bool) -> tuple[str, ...]:
    """Config fields that may differ between the runs of one seed group."""
    return _NOT_RESULTS + (_SPLIT_VARYING if vary_split else ())


SeedRuns = Mapping[str, Mapping[int, RunResult]]
"""Name -> its ``seed_runs``: pass it as ``runs=`` to summarise runs already loaded instead of reading them again."""


def _seed_groups(workspace: str | Path, names: Sequence[str], runs: SeedRuns | None,
                 vary_split: bool = False) -> dict[str, dict[int, RunResult]]:
    """``seed_runs`` of each name: from ``runs`` when given, else read from ``workspace``."""
    if runs is None:
        return {name: seed_runs(workspace, name, vary_split=vary_split) for name in names}
    missing = [name for name in names if name not in runs]
    if missing:
        raise ValueError(f"runs has no seed runs of {missing}: pass {{name: seed_runs(workspace, name)}} for each "
                         f"of {list(names)}")
    return {name: dict(runs[name]) for name in names}


def seed_table(workspace: str | Path, names: Sequence[str], seeds: Iterable[int] | None = None,
               point: str = "best", *, runs: SeedRuns | None = None, vary_split: bool = False) -> pd.DataFrame:
    """One row per (name, seed): ``name``, ``label``, ``seed``, ``run`` (folder name), ``finished``, ``epoch``
    and the four metrics at ``point`` (``best``: the best epoch by the run's ``Config.monitor``; ``last``: the
    final epoch), from each run's metrics.json. ``seeds``: only these (all found when None). ``runs``: the
    ``seed_runs`` of each name when already loaded (``workspace`` is then not read). ``vary_split``: the
    split-varying runs ``<name>-split<N>`` (``run_seeds(..., vary_split=True)``)."""
    _check_point(point)
    wanted = None if seeds is None else set(_seed_list(seeds))
    rows = []
    for name, group in _seed_groups(workspace, names, runs, vary_split).items():
        for seed, run in group.items():
            if wanted is not None and seed not in wanted:
                continue
            values = run.metrics[point]
            rows.append({"name": name, "label": display_name(name), "seed": seed, "run": run.name,
                         "finished": run.finished, "epoch": int(values["epoch"]),
                         **{metric: float(values[metric]) for metric in METRICS}})
    return pd.DataFrame(rows, columns=["name", "label", "seed", "run", "finished", "epoch", *METRICS])


def seed_summary(workspace: str | Path, names: Sequence[str], seeds: Iterable[int] | None = None,
                 point: str = "best", *, runs: SeedRuns | None = None, vary_split: bool = False) -> pd.DataFrame:
    """Mean, standard deviation and every seed's value of each metric, one row per name.

    Only finished runs are averaged; unfinished ones are listed in ``unfinished``. The standard deviation is the
    sample one (n - 1), ``nan`` for a single seed. Columns: ``name``, ``label``, ``n``, ``seeds``,
    ``unfinished``, ``varied`` (what differs between the averaged runs: ``"seed"``, or ``"seed, split"`` for
    the split-varying runs of ``vary_split=True``), then per metric ``<metric>_mean``, ``<metric>_std`` and
    ``<metric>_per_seed`` (a tuple in seed order). Accuracies are fractions (0..1); ``format_mean_std`` writes a
    mean and its std as one text ("29.4 ± 4.5 %"). ``runs``: as in ``seed_table``.
    """
    table = seed_table(workspace, names, seeds, point, runs=runs, vary_split=vary_split)
    rows = []
    for name in names:
        own = table[table["name"] == name]
        if own.empty:
            continue
        done = own[own["finished"]]
        row: dict[str, Any] = {"name": name, "label": display_name(name), "n": len(done),
                               "seeds": tuple(int(s) for s in done["seed"]),
                               "unfinished": tuple(int(s) for s in own.loc[~own["finished"], "seed"]),
                               "varied": _varied(vary_split)}
        for metric in METRICS:
            values = done[metric].to_numpy(dtype=float)
            row[f"{metric}_mean"] = float(values.mean()) if len(values) else math.nan
            row[f"{metric}_std"] = float(values.std(ddof=1)) if len(values) > 1 else math.nan
            row[f"{metric}_per_seed"] = tuple(float(v) for v in values)
        rows.append(row)
    columns = ["name", "label", "n", "seeds", "unfinished", "varied"] + [f"{m}_{s}" for m in METRICS
                                                             for s in ("mean", "std", "per_seed")]
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class PairedDifference:
    """``other - reference`` of one metric, seed by seed, over the seeds both have finished."""

    reference: str
    other: str
    metric: str
    point: str
    seeds: tuple[int, ...]
    differences: tuple[float, ...]
    differing_config: tuple[str, ...] = ()
    """Config fields (besides model and seed) in which the two sides differ: empty for a fair comparison."""
    vary_split: bool = False
    """Each seed was trained on its own split (``run_seeds(..., vary_split=True)``): the spread covers the
    choice of the val set too."""

    @property
    def varied(self) -> str:
        """What differs from one pair to the next: ``"seed"``, or ``"seed, split"``."""
        return _varied(self.vary_split)

    @property
    def n(self) -> int:
        return len(self.differences)

    @property
    def mean(self) -> float:
        return float(np.mean(self.differences))

    @property
    def std(self) -> float:
        """Sample standard deviation (n - 1) of the per-seed differences; ``nan`` for one seed."""
        return float(np.std(self.differences, ddof=1)) if self.n > 1 else math.nan

    @property
    def in_points(self) -> bool:
        """Accuracies are shown in percentage points, losses as they are."""
        return self.metric.endswith("_acc")

    def format_value(self, value: float) -> str:
        """A difference (or its spread) signed in its unit: percentage points for accuracies, as is for losses."""
        return numbers.points(value) if self.in_points else numbers.loss(value, signed=True)

    def __str__(self) -> str:
        metric = self.metric.replace("_", " ")
        seeds = f"{self.n} seed{'s' if self.n != 1 else ''}"
        if self.vary_split:
            seeds += f" and split{'s' if self.n != 1 else ''}"
        value = format_mean_std(self.mean, self.std, self.metric, difference=True)
        return (f"{display_name(self.other)} − {display_name(self.reference)}, {metric} ({self.point} epoch): "
                f"{value} over {seeds}")


def format_mean_std(mean: float, std: float, metric: str, *, difference: bool = False) -> str:
    """Mean ± standard deviation as one text, both in one unit, named once at the end: ``kit.numbers.mean_std``,
    with a ``difference`` of accuracies named "points".

    Accuracies (``metric`` ending in ``_acc``, given as fractions) read "29.4 ± 4.5%", or "+2.3 ± 1.1 points"
    for a ``difference`` (signed, in percentage points); losses keep their own scale ("0.8123 ± 0.0123",
    "+0.0123 ± 0.0045"). A ``nan`` std (a single seed) leaves the ± part out.
    """
    text = numbers.mean_std(mean, std, metric, difference=difference)
    in_points = difference and metric.endswith("_acc") and not numbers.is_missing(mean)
    return text + " points" if in_points else text


def paired_difference(workspace: str | Path, reference: str = "plain34", other: str = "resnet34",
                      metric: str = "val_acc", point: str = "best",
                      seeds: Iterable[int] | None = None, *, runs: SeedRuns | None = None,
                      vary_split: bool = False) -> PairedDifference:
    """``other - reference`` in ``metric`` at ``point``, paired by seed (same seed = same data order), over the
    seeds both have finished. ``str()`` of the result reads e.g. "ResNet-34 − Plain-34, val acc (best epoch):
    +2.3 ± 1.1 points over 3 seeds"; the ± is the sample standard deviation of the per-seed differences.
    ``runs``: as in ``seed_table``. ``vary_split``: the split-varying runs, paired by seed and split (same
    seed = same split, initialisation and data order); the text then says "over 3 seeds and splits"."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    groups = _seed_groups(workspace, [reference, other], runs, vary_split)
    table = seed_table(workspace, [reference, other], seeds, point, runs=groups)
    table = table[table["finished"]]
    by_name = {name: own.set_index("seed")[metric] for name, own in table.groupby("name")}
    for name in (reference, other):
        if name not in by_name:
            raise RunNotFoundError(f"No finished seed runs of {name} in {Path(workspace) / 'runs'}: train them with "
                                   f"kit.experiments.run_seeds(config.replace(model='{name}'), ...).")
    common = sorted(set(by_name[reference].index) & set(by_name[other].index))
    if not common:
        raise ValueError(f"{reference} has seeds {sorted(by_name[reference].index)} and {other} has "
                         f"{sorted(by_name[other].index)}: no seed in common to pair.")
    differing = differing_hyperparameters([groups[reference][common[0]], groups[other][common[0]]],
                                          ignore=("model", *_NOT_RESULTS))
    return PairedDifference(reference=reference, other=other, metric=metric, point=point, seeds=tuple(common),
                            differences=tuple(float(by_name[other][s] - by_name[reference][s]) for s in common),
                            differing_config=tuple(differing), vary_split=vary_split)


def _varied(vary_split: bool) -> str:
    return "seed, split" if vary_split else "seed"


def _seed_list(seeds: Iterable[int]) -> list[int]:
    seeds = list(seeds)
    bad = [s for s in seeds if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0]
    if bad or not seeds:
        raise ValueError(f"seeds must be a non-empty list of whole numbers >= 0, got {seeds!r}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must not repeat, got {seeds!r}")
    return [int(s) for s in seeds]


def _check_point(point: str) -> None:
    if point not in POINTS:
        raise ValueError(f"point must be 'best' (the best epoch by Config.monitor) or 'last', got {point!r}")
