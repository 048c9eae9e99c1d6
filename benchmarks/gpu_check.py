"""Everything that needs a GPU, checked and timed in one call.

    python benchmarks/gpu_check.py [DATASET]          # on a GPU: the course settings (30 epochs, 224 px)
    python benchmarks/gpu_check.py --smoke            # anywhere: tiny settings, proves the script runs

1. ``benchmarks/throughput.py``: naive starter-style pipeline (a), the kit's ``fit`` (b), the model-only
   ceiling (c); targets b/c >= 0.9 and b/a >= 10.
2. Notebooks 01, 02 and 03 top to bottom under nbval on DATASET, with the data cache built beforehand; target:
   02 and 03 each well under 30 s on an H100 (under 2 minutes on a T4).
3. The degradation experiment (plain18, plain34, resnet18, resnet34, one Config) in a fresh workspace that
   shares only the split and the cache; target: under 3 minutes on an H100.

Every figure printed is measured here. DATASET defaults to $KIT_DATA, else the course's mini dataset when present
(benchmarks/default_data.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from default_data import default_dataset  # benchmarks/default_data.py

ROOT = Path(__file__).resolve().parents[1]


def _timed(command: list[str], env: dict[str, str]) -> float:
    """Run ``command`` from the repository root, streaming its output; return its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def _degradation(workspace: Path, smoke: bool) -> float:
    """Train the four degradation models with one Config; return the wall time of training them."""
    import torch

    from kit.config import Config
    from kit.data import load_prepared
    from kit.degradation import degradation_runs
    from kit.experiments import batches_factory

    config = Config.smoke() if smoke else Config()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    batches = batches_factory(load_prepared(workspace), device=device)
    batches(config)  # builds the cache, so the timing below is training only
    started = time.perf_counter()
    degradation_runs(config, workspace, batches)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", default=default_dataset())
    parser.add_argument("--smoke", action="store_true", help="tiny settings: checks the script, measures nothing")
    args = parser.parse_args()
    dataset = str(Path(args.dataset).resolve()) if args.dataset != "synthetic" else "synthetic"

    import torch

    print(f"device: {torch.cuda.get_device_name() if torch.cuda.is_available() else 'CPU'}; torch {torch.__version__}")
    workspace = Path(tempfile.mkdtemp(prefix="kit-gpu-check-"))
    env = {**os.environ, "KIT_WORKSPACE": str(workspace), "KIT_DATA": dataset,
           "KIT_SMOKE": "1" if args.smoke else "0", "MPLBACKEND": "Agg"}
    seconds: dict[str, float] = {}

    throughput = [sys.executable, "benchmarks/throughput.py", dataset]
    if args.smoke:
        throughput += ["--image-size", "64", "--batch-size", "16", "--steps", "3"]
    seconds["throughput benchmark"] = _timed(throughput, env)

    nbval = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "--nbval-lax"]
    seconds["01_data"] = _timed(nbval + ["notebooks/01_data.ipynb"], env)
    warm_cache = ("from kit.config import Config; from kit.env import smoke_mode; from kit.data import make_batches; "
                  "c = Config.smoke() if smoke_mode() else Config(); "
                  "make_batches(None, image_size=c.image_size, batch_size=c.batch_size)")
    seconds["cache build"] = _timed([sys.executable, "-c", warm_cache], env)
    for notebook in ("02_plain34", "03_resnet34"):
        seconds[notebook] = _timed(nbval + [f"notebooks/{notebook}.ipynb"], env)

    fresh = Path(tempfile.mkdtemp(prefix="kit-gpu-degradation-"))
    for name in ("split.csv", "data_report.json", "experiment.json"):
        shutil.copy2(workspace / name, fresh / name)
    shutil.copytree(workspace / "cache", fresh / "cache")
    seconds["degradation (4 models)"] = _degradation(fresh, args.smoke)

    print("\nwall seconds on", torch.cuda.get_device_name() if torch.cuda.is_available() else "CPU")
    for step, value in seconds.items():
        print(f"  {step:<24} {value:8.1f}")
    print("targets: 02/03 each < 30 s on an H100 (< 120 s on a T4); degradation < 180 s on an H100")


if __name__ == "__main__":
    main()
