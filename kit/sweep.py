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

With ``folds`` (``kit data --folds K`` wrote a fold column into split.csv) every (model, fold, seed) is a run
``<m>-fold<f>-seed<s>`` trained with fold f as val and the other folds as train.

The jobs never prepare data: the sweep needs a workspace where ``kit data`` (or notebook 01) has written
split.csv, so every job trains on the same split and none races another writing it. :func:`sweep_summary`
reads the finished runs back: mean ± std per model and, against a reference model, the paired differences
(per seed, or per fold with the Nadeau-Bengio correction) with their interval (``kit.stats``), and how many
paired runs' val sets tell the two apart (McNemar).
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pandas as pd
import torch

from kit.comparisons import compare_runs
from kit.config import MODEL_NAMES, Config
from kit.data import load_prepared
from kit.data.batches import Batches
from kit.experiments import batches_factory, format_mean_std, seed_run_name, seed_table, train_or_reuse
from kit.run_folder import check_experiment, check_run_config, run_dir_for
from kit.runs import load_run
from kit.stats import corrected_resampled_ttest, summarize_differences

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
LOCAL_TIMEOUT_MIN = 7 * 24 * 60
"""Local jobs have no scheduler's time limit; submitit's local executor needs one (its default is 5 minutes)."""


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
    """One run of the sweep: ``model`` trained with ``seed`` (on cross-validation fold ``fold``) into run ``name``."""

    model: str
    seed: int
    fold: int | None = None

    @property
    def group(self) -> str:
        """The runs that differ only by their seed: ``resnet34``, or ``resnet34-fold2`` on fold 2."""
        return self.model if self.fold is None else f"{self.model}-fold{self.fold}"

    @property
    def name(self) -> str:
        """``resnet34-seed0``, or ``resnet34-fold2-seed0`` (``kit.experiments.seed_run_name`` of the group)."""
        return seed_run_name(self.group, self.seed)


class TrainJob(Checkpointable):
    """The callable every job runs: one resumable ``train_or_reuse``. As a ``Checkpointable``, submitit requeues
    it with the same arguments when Slurm preempts it or its time runs out; the run then resumes from last.pt."""

    def __call__(self, config: dict, workspace: str, name: str, data: Callable[[Config], Batches]) -> str:
        return str(train_or_reuse(Config.from_dict(config), workspace, name, data, progress=False))


def fold_batches(config: Config, fold: int, workspace: str | Path) -> Batches:
    """The batches of cross-validation fold ``fold`` of the workspace's split.csv (its images val, the other
    folds' train), built as every run's are (``kit.experiments.batches_factory``)."""
    return batches_factory(load_prepared(workspace).for_fold(fold))(config)


def _distinct_whole_numbers(values: Iterable[int], name: str) -> list[int]:
    values = list(values)
    if not values or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in values) \
            or len(set(values)) != len(values):
        raise ValueError(f"{name} must be distinct whole numbers >= 0, got {values!r}")
    return values


def plan(models: Sequence[str], seeds: Iterable[int], folds: Iterable[int] | None = None) -> list[SweepJob]:
    """Every (model, fold, seed), models first; a ``ValueError`` names an unknown model or a bad seed/fold list."""
    models = list(models)
    unknown = [m for m in models if m not in MODEL_NAMES]
    if not models or unknown:
        raise ValueError(f"models must be among {', '.join(MODEL_NAMES)}; got {models!r}")
    if len(set(models)) != len(models):
        raise ValueError(f"models must not repeat, got {models!r}")
    seeds = _distinct_whole_numbers(seeds, "seeds")
    fold_list = [None] if folds is None else _distinct_whole_numbers(folds, "folds")
    return [SweepJob(model, seed, fold) for model, fold, seed in itertools.product(models, fold_list, seeds)]


def _is_finished(workspace: Path, job: SweepJob) -> bool:
    run_dir = run_dir_for(workspace, job.name)
    if not (run_dir / "metrics.json").is_file():
        return False
    run = load_run(run_dir)
    return run.finished and run.predictions is not None


def run_sweep(config: Config, models: Sequence[str], seeds: Iterable[int], workspace: str | Path, *,
              folds: Iterable[int] | None = None, data: Callable[..., Batches] | None = None, executor: str = "local",
              parallel: int | None = None, slurm: SlurmOptions = SlurmOptions(),
              wait: bool | None = None) -> pd.DataFrame:
    """Train every (model, fold, seed) with ``config`` in ``workspace``; return one row per job.

    Columns: ``model``, ``fold`` (empty without folds), ``seed``, ``run``, ``status`` (``reused``: finished
    before, not submitted; ``finished``; ``failed``: ``message`` says why, run the sweep again to resume it;
    ``submitted``: queued on Slurm without waiting) and ``job_id``.

    ``folds``: cross-validation folds of split.csv to train on (``kit data --folds K`` made them); each fold's
    images are val and the other folds' train. ``data`` is a picklable function each job calls for its batches:
    ``Config -> Batches``, or ``(Config, fold) -> Batches`` with folds (default: from the workspace's split.csv).
    ``parallel``: local jobs at a time (default: one per GPU, one without). ``wait``: wait for a Slurm job array
    to finish (default: no; ``sweep_summary`` reads the runs once they have); local jobs are always waited for.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    workspace = Path(workspace).expanduser().resolve()
    jobs = plan(models, seeds, folds)
    if data is None:
        if not (workspace / "split.csv").is_file():
            raise FileNotFoundError(f"No split.csv in {workspace}: run `kit data PATH --workspace {workspace}` first, "
                                    "so that every job of the sweep trains on the same split.")
        if folds is None:
            data = batches_factory(workspace)
        else:
            prepared = load_prepared(workspace)
            for fold in sorted({job.fold for job in jobs}):
                prepared.for_fold(fold)  # a ValueError here, naming the folds split.csv has, not in every job
            data = functools.partial(fold_batches, workspace=workspace)
    rows = {job: {"model": job.model, "fold": job.fold, "seed": job.seed, "run": job.name, "status": "reused",
                  "job_id": "", "message": ""} for job in jobs}
    configs = {job: config.replace(model=job.model, seed=job.seed) for job in jobs}
    for job, job_config in configs.items():  # refuse here, before anything is queued, not in every job
        run_dir = run_dir_for(workspace, job.name)
        check_run_config(run_dir, job_config, hint="give the sweep another workspace, or other Config options")
        check_experiment(run_dir, job_config)
    todo = [job for job in jobs if not _is_finished(workspace, job)]
    calls = [(job, (configs[job].to_dict(), str(workspace), job.name,
                    data if job.fold is None else functools.partial(data, fold=job.fold)))
             for job in todo]
    folder = workspace / LOG_FOLDER / "%j"
    if not calls:  # every run has finished: nothing to queue
        results = []
    elif executor == "local":
        results = _run_locally(calls, folder, parallel)
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


def _run_locally(calls, folder: Path, parallel: int | None):
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
            executor.update_parameters(timeout_min=LOCAL_TIMEOUT_MIN, gpus_per_node=1 if gpus else 0,
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

def sweep_table(workspace: str | Path, models: Sequence[str], seeds: Iterable[int],
                folds: Iterable[int] | None = None, point: str = "best") -> pd.DataFrame:
    """One row per finished run of the sweep: ``model``, ``fold`` (empty without folds), ``seed``, ``run`` and
    the four metrics at ``point`` (``kit.experiments.seed_table``: ``best`` = the best epoch, ``last``)."""
    jobs = plan(models, seeds, folds)
    groups = {job.group: (job.model, job.fold) for job in jobs}
    table = seed_table(workspace, list(groups), sorted({job.seed for job in jobs}), point)
    table = table[table["finished"].astype(bool)].reset_index(drop=True)  # bool: an empty column is object dtype
    table.insert(0, "model", [groups[name][0] for name in table["name"]])
    table.insert(1, "fold", pd.array([groups[name][1] for name in table["name"]], dtype="Int64"))
    return table.drop(columns=["name", "label", "finished"])


def sweep_summary(workspace: str | Path, models: Sequence[str], seeds: Iterable[int],
                  folds: Iterable[int] | None = None, *, reference: str | None = None, point: str = "best",
                  test_to_train: float | None = None) -> pd.DataFrame:
    """One row per model over its finished runs: ``n``, val/train accuracy mean and sample std, and the paired
    val-accuracy difference against ``reference`` (default: the first model).

    Without folds runs pair by seed, and the differences get a Student t interval and p-value
    (``kit.stats.summarize_differences``). With folds runs pair by fold (the seeds of a fold averaged), and the
    differences get the Nadeau-Bengio corrected resampled t-test (``kit.stats.corrected_resampled_ttest``), since
    folds share training images; ``test_to_train`` is n_val / n_train, by default 1 / (k - 1) for the k folds of
    the workspace's split.csv. ``runs_told_apart`` counts the paired runs whose val predictions the exact McNemar
    test tells apart (``kit.comparisons.compare_runs``). Accuracies are fractions; ``val_acc`` and ``difference``
    repeat them as text ("61.2 ± 2.1 %", "+3.4 ± 1.0 points"); the reference's difference columns are empty.
    """
    models = list(models)
    reference = reference or models[0]
    if reference not in models:
        raise ValueError(f"reference {reference!r} is not among the sweep's models {models}")
    table = sweep_table(workspace, models, seeds, folds, point)
    by_fold = folds is not None
    if by_fold and test_to_train is None:
        test_to_train = 1.0 / (load_prepared(workspace).folds - 1)
    baseline = table[table["model"] == reference]
    rows = []
    for model in models:
        own = table[table["model"] == model]
        row = {"model": model, "n": len(own)}
        for metric in ("val_acc", "train_acc"):
            values = own[metric].to_numpy(dtype=float)
            row[f"{metric}_mean"] = float(values.mean()) if len(values) else math.nan
            row[f"{metric}_std"] = float(values.std(ddof=1)) if len(values) > 1 else math.nan  # sample std
        row.update({"pairing": "fold" if by_fold else "seed", "pairs": 0,
               **{f"difference_{kind}": math.nan for kind in ("mean", "std", "low", "high", "p")},
               "difference": "", "runs_paired": 0, "runs_told_apart": pd.NA})
        row["val_acc"] = format_mean_std(row["val_acc_mean"], row["val_acc_std"], "val_acc") if len(own) else ""
        paired = own.merge(baseline, on=["fold", "seed"], suffixes=("", "_reference"))
        if model != reference and len(paired):
            paired["difference"] = paired["val_acc"] - paired["val_acc_reference"]
            if by_fold:
                differences = paired.groupby("fold")["difference"].mean()
                result = (corrected_resampled_ttest(differences, test_to_train) if len(differences) > 1
                          else summarize_differences(differences))
            else:
                result = summarize_differences(paired["difference"])
            told_apart = sum(compare_runs(reference_run, run, workspace).distinguishable
                             for reference_run, run in zip(paired["run_reference"], paired["run"]))
            row.update(pairs=result.n, difference_mean=result.mean, difference_std=result.std,
                       difference_low=result.low, difference_high=result.high, difference_p=result.pvalue,
                       difference=format_mean_std(result.mean, result.std, "val_acc", difference=True),
                       runs_paired=len(paired), runs_told_apart=told_apart)
        rows.append(row)
    return pd.DataFrame(rows)
