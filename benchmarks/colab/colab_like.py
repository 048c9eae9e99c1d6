"""Run the notebooks the way a student's Colab would: Colab's Python and preinstalled versions, then the kit on top.

    python benchmarks/colab/colab_like.py [--python /root/.pyenv/versions/3.13.0/bin/python] [--venv DIR]

1. builds (once; reused while constraints.txt is unchanged) a venv with Colab's Python and installs exactly the
   versions in ``benchmarks/colab/constraints.txt`` (torch and torchvision from PyPI: CPU is enough);
2. installs the kit the way the notebooks' install cell does (``pip install <repository>``; here the repository
   is a snapshot of this working tree instead of GitHub) and fails if pip changed, upgraded or removed any package
   that was there before: in Colab that would replace a preinstalled package behind the student's back;
3. adds nbval (the only test tool Colab lacks) and runs ``pytest notebooks/`` in smoke mode (``KIT_SMOKE=1``, set
   by ``notebooks/conftest.py``), and ``tests/test_progress.py`` against Colab's ipywidgets 7;
4. prints the versions that ran and the wall time of each step.

The venv lives outside the repository (default ``~/.cache/if25-kit-colab-like``). Standard library only, so any
Python 3 can start it. Exit status 0 only when the install changed nothing and every notebook passed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = Path(__file__).resolve().with_name("constraints.txt")
DEFAULT_PYTHON = "/root/.pyenv/versions/3.13.0/bin/python"
DEFAULT_VENV = Path.home() / ".cache" / "if25-kit-colab-like"
DEFAULT_TESTS = ("notebooks", "tests/test_progress.py")
"""The notebooks, and the progress bars against Colab's ipywidgets 7."""
REPORTED = ("torch", "torchvision", "numpy", "pandas", "matplotlib", "ipywidgets", "ipykernel", "ipython",
            "notebook", "tqdm", "pillow", "scikit-learn", "nbval", "pytest", "if25-resnet-kit")


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    print("$", " ".join(str(part) for part in command), flush=True)
    return subprocess.run(command, check=True, **kwargs)


def freeze(python: Path) -> dict[str, str]:
    """``{normalised name: version}`` of everything installed in the venv of ``python``."""
    lines = subprocess.run([python, "-m", "pip", "freeze", "--all"], check=True, capture_output=True,
                           text=True).stdout.splitlines()
    packages = {}
    for line in lines:
        if "==" in line:
            name, version = line.split("==", 1)
        elif " @ " in line:  # installed from a path or URL (the kit itself)
            name, version = line.split(" @ ", 1)
        else:
            continue
        packages[name.strip().lower().replace("_", "-").replace(".", "-")] = version.strip()
    return packages


def changed_packages(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """One line per package that was installed before and is now another version or gone."""
    return [f"{name}: {version} -> {after.get(name, 'removed')}"
            for name, version in sorted(before.items()) if after.get(name) != version]


def build_venv(python: str, venv: Path) -> Path:
    """The venv's interpreter with exactly Colab's versions installed. Built once per constraints.txt; a reused
    venv is first put back to that state (the previous run installed the kit, nbval, maybe upgrades)."""
    stamp = venv / "constraints.sha256"
    baseline_file = venv / "baseline-freeze.json"
    digest = hashlib.sha256(CONSTRAINTS.read_bytes()).hexdigest()
    venv_python = venv / "bin" / "python"
    if stamp.exists() and stamp.read_text() == digest and venv_python.exists():
        print(f"reusing {venv} (built from this constraints.txt)")
        if restore(venv_python, json.loads(baseline_file.read_text())):
            return venv_python
        print("could not restore its packages: building it again")
    shutil.rmtree(venv, ignore_errors=True)
    run([python, "-m", "venv", venv])
    # Colab's pip first: its resolver is the one that meets the install cell.
    pip_pins = [line.split()[0] for line in CONSTRAINTS.read_text().splitlines() if line.startswith("pip==")]
    if pip_pins:
        run([venv_python, "-m", "pip", "install", "-q", *pip_pins])
    run([venv_python, "-m", "pip", "install", "-q", "-r", CONSTRAINTS])
    baseline_file.write_text(json.dumps(freeze(venv_python), indent=1))
    stamp.write_text(digest)
    return venv_python


def restore(python: Path, baseline: dict[str, str]) -> bool:
    """Uninstall what was added since the venv was built and put moved packages back; True if that worked."""
    current = freeze(python)
    added = sorted(set(current) - set(baseline))
    if added:
        run([python, "-m", "pip", "uninstall", "-q", "-y", *added])
    moved = [f"{name}=={version}" for name, version in baseline.items() if current.get(name) != version]
    if moved:
        run([python, "-m", "pip", "install", "-q", "--no-deps", *moved])
    return freeze(python) == baseline


def snapshot_of_working_tree(destination: Path) -> Path:
    """Copy the files git would ship (tracked and untracked-but-not-ignored) so that building the kit writes no
    build folder into the shared working tree, and the notebooks run from the same files that were installed."""
    names = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                           check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, names):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def versions(python: Path) -> str:
    installed = freeze(python)
    python_version = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                                    check=True, capture_output=True, text=True).stdout.strip()
    return "  ".join([f"python {python_version}"] + [f"{name} {installed[name]}" for name in REPORTED
                                                     if name in installed])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--python", default=DEFAULT_PYTHON, help="Colab's Python (default: %(default)s)")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="where the venv lives (default: %(default)s)")
    parser.add_argument("pytest_args", nargs="*", default=list(DEFAULT_TESTS),
                        help="what pytest runs (default: %(default)s), e.g. notebooks/01_data.ipynb")
    args = parser.parse_args(argv)
    if not Path(args.python).exists():
        parser.error(f"no Python at {args.python}; pass --python with a Python 3.13 interpreter")

    timings = {}
    started = time.perf_counter()
    python = build_venv(args.python, args.venv)
    timings["venv with Colab's versions"] = time.perf_counter() - started

    with tempfile.TemporaryDirectory(prefix="kit-colab-like-") as scratch:
        checkout = snapshot_of_working_tree(Path(scratch) / "resnet-kit")
        before = freeze(python)
        started = time.perf_counter()
        # What the install cell runs, with the snapshot in place of git+https://github.com/...: no constraints,
        # no extras, pip's default upgrade strategy; a bound that Colab's version misses shows up as a change.
        run([python, "-m", "pip", "install", "-q", checkout])
        timings["install cell"] = time.perf_counter() - started
        after = freeze(python)
        changed = changed_packages(before, after)
        added = sorted(set(after) - set(before))
        print(f"install cell added: {', '.join(f'{name} {after[name]}' for name in added) or 'nothing'}")
        if changed:
            print("FAIL: the install cell changed packages Colab preinstalls:\n  " + "\n  ".join(changed))
            return 1
        print("install cell changed no preinstalled package")

        run([python, "-m", "pip", "install", "-q", "nbval", "-c", CONSTRAINTS])
        environment = dict(os.environ, PATH=f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
                           KIT_SMOKE="1", MPLBACKEND="Agg")
        environment.pop("KIT_WORKSPACE", None)  # notebooks/conftest.py makes a fresh one
        started = time.perf_counter()
        tests = subprocess.run([python, "-m", "pytest", "-p", "no:cacheprovider", *args.pytest_args],
                               cwd=checkout, env=environment)
        timings["notebooks in smoke mode"] = time.perf_counter() - started

    print("versions:", versions(python))
    for step, seconds in timings.items():
        print(f"{step}: {seconds:.0f} s")
    print("PASS" if tests.returncode == 0 else f"FAIL: pytest exited {tests.returncode}")
    return tests.returncode


if __name__ == "__main__":
    sys.exit(main())
