"""Notebooks under nbval run in smoke mode (synthetic data, 64 px, 2 epochs) in one fresh workspace.

The settings reach the notebooks' kernels only: they are put into the environment just before each notebook
cell runs (nbval starts a notebook's kernel when its first cell runs, and the kernel keeps a copy) and taken out
again after it, so the tests in tests/ see the same environment whether pytest also collects notebooks/ or not.
The notebooks run in file order (01 -> 06) and share the workspace, as they would on Google Drive.

nbval compares no outputs here (``--nbval-lax``): the notebooks must run, their numbers change run to run. It is
switched on here rather than in ``addopts``, so ``pytest -p no:nbval`` still works.
"""

from __future__ import annotations

import os
import tempfile

import pytest

NOTEBOOK_ENVIRONMENT = {
    "KIT_SMOKE": "1",  # KIT_SMOKE=0 in the calling environment runs them for real (benchmarks/gpu_check.py)
    "MPLBACKEND": "Agg",
}
_workspace: list[str] = []  # one workspace for every notebook of the session, made when the first one runs
_saved: dict[str, str | None] = {}


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config.option, "nbval_lax") and not config.option.nbval:
        config.option.nbval_lax = True


def notebook_environment() -> dict[str, str]:
    """What the notebooks' kernels get, besides the calling environment (whose values win)."""
    if not _workspace:
        _workspace.append(tempfile.mkdtemp(prefix="kit-notebooks-"))
    return {**NOTEBOOK_ENVIRONMENT, "KIT_WORKSPACE": _workspace[0]}


def _is_notebook_cell(item: pytest.Item) -> bool:
    return item.path.suffix == ".ipynb"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _is_notebook_cell(item):
        for name, value in notebook_environment().items():
            _saved.setdefault(name, os.environ.get(name))
            os.environ.setdefault(name, value)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    if _is_notebook_cell(item):
        for name, value in _saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _saved.clear()
