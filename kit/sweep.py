"""Many independent runs at once: models x seeds, on one machine or as a Slurm job array (submitit).

``kit sweep --models plain34 resnet34 --seeds 0 1 2`` (or :func:`run_sweep` from Python) trains
``config.replace(model=m, seed=s)`` for every pair into run ``<m>-seed<s>`` of the workspace, the names
``kit.experiments.run_seeds`` uses, so notebook 06's seed tables and this sweep share their runs. Each job is
one ``kit.experiments.train_or_reuse``: a finished run is reused, an interrupted one resumes from its last.pt.

- ``executor="local"``: jobs run as subprocesses of this machine (submitit's ``LocalExecutor``), ``parallel``
  at a time (default: one per GPU, or one on a CPU), and the call waits for them.
- ``executor="slurm"``: one Slurm job array (submitit's ``AutoExecutor``) with ``SlurmOptions``: partition,
  GPUs per job, CPUs per job, time limit and the array parallelism cap (``%N``). The job callable is
  ``submitit.helpers.Checkpointable``, so a job that is preempted or reaches its time limit is requeued with the
  same arguments, and ``fit`` resumes it after its last finished epoch.

The jobs never prepare data: the sweep needs a workspace where ``kit data`` (or notebook 01) has written
split.csv, so every job trains on the same split and none races another writing it. :func:`sweep_summary`
reads the finished runs back: mean ± std per model and, against a reference model, the paired per-seed
differences with their t interval (``kit.stats``) and how many seeds' val sets tell the two apart (McNemar).

Folds are not part of a sweep yet: the data side has no fold column in split.csv to train fold i from.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pandas as pd
import torch

from kit.comparisons import compare_runs
from kit.config import MODEL_NAMES, Config
from kit.data.batches import Batches
from kit.experiments import (batches_factory, format_mean_std, paired_difference, seed_run_name, seed_summary,
                             seed_table, train_or_reuse)
from kit.runs import load_run
from kit.stats import summarize_differences

try:
    import submitit
    from submitit.helpers import Checkpointable
except ImportError as missing:  # an optional extra: students never need it
    raise ImportError("kit.sweep needs submitit: pip install 'if25-resnet-kit[cluster]' (or pip install submitit)"
                      ) from missing

EXECUTORS = ("local", "slurm")
LOG_FOLDER = "sweep_logs"
"""Submitit's job folders (pickled calls, stdout/stderr per job) live in ``<workspace>/sweep_logs/<job id>``."""
POLL_SECONDS = 1.0
"""How often the local executor's queue looks for a finished job."""


@dataclass(frozen=True)
class SlurmOptions:
    """What a Slurm job array asks for. ``time_limit_min`` is per job; a job that reaches it is requeued and
    resumes (submitit sends the signal ``signal_delay_s`` before the limit, and ``fit`` keeps its finished
    epochs)."""

    partition: str | None = None
    gpus_per_job: int = 1
    cpus_per_job: int = 4
    time_limit_min: int = 240
    parallel: int = 8
    """At most this many jobs of the array run at once (``--array=0-N%parallel``)."""
    account: str | None = None
    signal_delay_s: int = 120

    def parameters(self) -> dict:
        """submitit ``AutoExecutor.update_parameters`` keywords."""
        values = {"slurm_partition": self.partition, "gpus_per_node": self.gpus_per_job,
                  "cpus_per_task": self.cpus_per_job, "timeout_min": self.time_limit_min,
                  "slurm_array_parallelism": self.parallel, "slurm_signal_delay_s": self.signal_delay_s,
                  "slurm_account": self.account, "tasks_per_node": 1, "nodes": 1}
        return {key: value for key, value in values.items() if value is not None}


@dataclass(frozen=True)
class SweepJob:
    """One run of the sweep: ``model`` trained with ``seed`` into run ``name``."""

    model: str
    seed: int

    @property
    def name(self) -> str:
        return seed_run_name(self.model, self.seed)


class TrainJob(Checkpointable):
    """The callable every job runs: one resumable ``train_or_reuse``. As a ``Checkpointable``, submitit requeues
    it with the same arguments when Slurm preempts it or its time runs out; the run then resumes from last.pt."""

    def __call__(self, config: dict, workspace: str, name: str, data: Callable[[Config], Batches]) -> str:
        return str(train_or_reuse(Config.from_dict(config), workspace, name, data, progress=False))


def plan(models: Sequence[str], seeds: Iterable[int]) -> list[SweepJob]:
    """Every (model, seed) pair, models first; a ``ValueError`` names an unknown model or a bad seed list."""
    models = list(models)
    unknown = [m for m in models if m not in MODEL_NAMES]
    if not models or unknown:
        raise ValueError(f"models must be among {', '.join(MODEL_NAMES)}; got {models!r}")
    if len(set(models)) != len(models):
        raise ValueError(f"models must not repeat, got {models!r}")
    seeds = list(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in seeds) \
            or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct whole numbers >= 0, got {seeds!r}")
    return [SweepJob(model, seed) for model, seed in itertools.product(models, seeds)]


def _is_finished(workspace: Path, job: SweepJob) -> bool:
    run_dir = workspace / "runs" / job.name
    if not (run_dir / "metrics.json").is_file():
        return False
    run = load_run(run_dir)
    return run.finished and run.predictions is not None


def run_sweep(config: Config, models: Sequence[str], seeds: Iterable[int], workspace: str | Path, *,
              data: Callable[[Config], Batches] | None = None, executor: str = "local", parallel: int | None = None,
              slurm: SlurmOptions = SlurmOptions(), wait: bool | None = None) -> pd.DataFrame:
    """Train every (model, seed) with ``config`` in ``workspace``; return one row per job.

    Columns: ``model``, ``seed``, ``run``, ``status`` (``reused``: finished before, not submitted;
    ``finished``; ``failed``: ``message`` says why, run the sweep again to resume it; ``submitted``: queued on
    Slurm without waiting) and ``job_id``.

    ``data`` is a picklable ``Config -> Batches`` function each job calls (default: the workspace's split.csv,
    ``kit.experiments.batches_factory(workspace)``). ``parallel``: local jobs at a time (default: one per GPU,
    one without). ``wait``: wait for the jobs (default: yes locally, no on Slurm, where ``sweep_summary`` reads
    the runs once they have finished).
    """
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    workspace = Path(workspace).expanduser().resolve()
    jobs = plan(models, seeds)
    if data is None:
        if not (workspace / "split.csv").is_file():
            raise FileNotFoundError(f"No split.csv in {workspace}: run `kit data PATH --workspace {workspace}` first, "
                                    "so that every job of the sweep trains on the same split.")
        data = batches_factory(workspace)
    rows = {job: {"model": job.model, "seed": job.seed, "run": job.name, "status": "reused", "job_id": "",
                  "message": ""} for job in jobs}
    todo = [job for job in jobs if not _is_finished(workspace, job)]
    calls = [(job, (config.replace(model=job.model, seed=job.seed).to_dict(), str(workspace), job.name, data))
             for job in todo]
    folder = workspace / LOG_FOLDER / "%j"
    if executor == "local":
        results = _run_locally(calls, folder, parallel, slurm.time_limit_min)
    else:
        results = _submit_to_slurm(calls, folder, slurm, wait=bool(wait))
    for job, status, job_id, message in results:
        rows[job].update(status=status, job_id=job_id, message=message)
    return pd.DataFrame(list(rows.values()))


def _outcome(job: SweepJob, submitted) -> tuple[SweepJob, str, str, str]:
    """(job, finished|failed, job id, the last line of the error) once ``submitted`` has ended."""
    try:
        submitted.result()
    except Exception as error:  # noqa: BLE001 -- any failure of one job is reported, and the others go on
        lines = [line for line in str(error).strip().splitlines() if line.strip()]
        return job, "failed", str(submitted.job_id), (lines[-1] if lines else type(error).__name__)
    return job, "finished", str(submitted.job_id), ""


def _run_locally(calls, folder: Path, parallel: int | None, time_limit_min: int):
    """Run the jobs as local subprocesses, ``parallel`` at a time, each on its own GPU when there are several."""
    gpus = torch.cuda.device_count()
    parallel = parallel or max(1, gpus)
    if parallel < 1:
        raise ValueError(f"parallel must be >= 1, got {parallel}")
    executor = submitit.LocalExecutor(folder=folder)
    pending, running, results = list(calls), {}, []
    while pending or running:
        while pending and len(running) < parallel:
            slot = min(set(range(parallel)) - set(running.values()))
            executor.update_parameters(timeout_min=time_limit_min, gpus_per_node=1 if gpus else 0,
                                       visible_gpus=(slot % gpus,) if gpus else ())
            job, arguments = pending.pop(0)
            running[(job, executor.submit(TrainJob(), *arguments))] = slot
        for key in [key for key in running if key[1].done()]:
            del running[key]
            results.append(_outcome(*key))
        if running:
            time.sleep(POLL_SECONDS)
    return results


def _submit_to_slurm(calls, folder: Path, slurm: SlurmOptions, wait: bool):
    """One job array for all ``calls``; wait for it only when asked (a sweep can take days)."""
    try:
        executor = submitit.AutoExecutor(folder=folder, cluster="slurm")
    except RuntimeError as error:  # submitit finds no srun: not on a Slurm machine
        raise ValueError(f"{error} Run the Slurm sweep on the cluster's login node, or use executor='local'.") \
            from None
    executor.update_parameters(name="kit-sweep", **slurm.parameters())
    with executor.batch():
        submitted = [(job, executor.submit(TrainJob(), *arguments)) for job, arguments in calls]
    if wait:
        return [_outcome(job, handle) for job, handle in submitted]
    return [(job, "submitted", str(handle.job_id), "") for job, handle in submitted]


# ---- results ---------------------------------------------------------------------------------------------------

def sweep_summary(workspace: str | Path, models: Sequence[str], seeds: Iterable[int], *,
                  reference: str | None = None, point: str = "best") -> pd.DataFrame:
    """One row per model over its finished seed runs: ``n``, val/train accuracy mean and sample std, and against
    ``reference`` (default: the first model) the paired per-seed val-accuracy difference: its mean, std, t
    interval (``low``/``high``) and p-value (``kit.stats.summarize_differences``), plus ``seeds_told_apart``:
    on how many seeds the exact McNemar test tells the two runs' val predictions apart
    (``kit.comparisons.compare_runs``). Accuracies are fractions; the reference's own difference columns are
    empty. ``val_acc`` and ``difference`` hold the same numbers as text ("61.2 ± 2.1 %", "+3.4 ± 1.0 points").
    """
    models = list(models)
    seeds = [job.seed for job in plan(models[:1], seeds)]
    reference = reference or models[0]
    if reference not in models:
        raise ValueError(f"reference {reference!r} is not among the sweep's models {models}")
    summary = seed_summary(workspace, models, seeds, point).set_index("name")
    runs = seed_table(workspace, models, seeds, point)
    runs = runs[runs["finished"]].set_index(["name", "seed"])["run"]
    rows = []
    for model in models:
        row = {"model": model, "n": 0, "val_acc_mean": float("nan"), "val_acc_std": float("nan"),
               "train_acc_mean": float("nan"), "train_acc_std": float("nan")}
        if model in summary.index:
            own = summary.loc[model]
            row.update(n=int(own["n"]), **{k: float(own[k]) for k in
                                           ("val_acc_mean", "val_acc_std", "train_acc_mean", "train_acc_std")})
        row["val_acc"] = format_mean_std(row["val_acc_mean"], row["val_acc_std"], "val_acc")
        row.update({"difference_mean": float("nan"), "difference_std": float("nan"), "difference_low": float("nan"),
                    "difference_high": float("nan"), "difference_p": float("nan"), "seeds_paired": 0,
                    "seeds_told_apart": pd.NA, "difference": ""})
        if model != reference and row["n"] and reference in summary.index:
            paired = paired_difference(workspace, reference, model, "val_acc", point, seeds)
            differences = summarize_differences(paired.differences)
            told_apart = sum(compare_runs(runs[(reference, seed)], runs[(model, seed)], workspace).distinguishable
                             for seed in paired.seeds)
            row.update(difference_mean=differences.mean, difference_std=differences.std,
                       difference_low=differences.low, difference_high=differences.high,
                       difference_p=differences.pvalue, seeds_paired=differences.n, seeds_told_apart=told_apart,
                       difference=format_mean_std(differences.mean, differences.std, "val_acc", difference=True))
        rows.append(row)
    return pd.DataFrame(rows)
