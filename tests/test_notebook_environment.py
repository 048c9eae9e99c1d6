"""notebooks/conftest.py: the smoke settings reach the notebooks' kernels only, never the tests in tests/, so
``pytest`` and ``pytest tests/x.py`` run every test the same way."""

import importlib.util
import os
from pathlib import Path
from types import SimpleNamespace

CONFTEST = Path(__file__).resolve().parents[1] / "notebooks" / "conftest.py"


def _load_conftest():
    spec = importlib.util.spec_from_file_location("notebooks_conftest", CONFTEST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_loading_it_changes_no_environment_variable():
    before = dict(os.environ)
    _load_conftest()
    assert dict(os.environ) == before


def test_only_a_notebook_cell_runs_with_the_smoke_settings(monkeypatch):
    monkeypatch.delenv("KIT_SMOKE", raising=False)
    monkeypatch.delenv("KIT_WORKSPACE", raising=False)
    conftest = _load_conftest()
    test_item = SimpleNamespace(path=Path("tests/test_train.py"))
    conftest.pytest_runtest_setup(test_item)
    assert "KIT_SMOKE" not in os.environ
    conftest.pytest_runtest_teardown(test_item)

    cells = [SimpleNamespace(path=Path("notebooks/01_data.ipynb")), SimpleNamespace(path=Path("notebooks/02.ipynb"))]
    workspaces = []
    for cell in cells:
        conftest.pytest_runtest_setup(cell)
        assert os.environ["KIT_SMOKE"] == "1"
        workspaces.append(os.environ["KIT_WORKSPACE"])
        conftest.pytest_runtest_teardown(cell)
        assert "KIT_SMOKE" not in os.environ and "KIT_WORKSPACE" not in os.environ
    assert workspaces[0] == workspaces[1]  # the notebooks share one workspace, as on Drive


def test_a_value_from_the_calling_environment_wins(monkeypatch):
    monkeypatch.setenv("KIT_SMOKE", "0")  # benchmarks/gpu_check.py runs the notebooks for real
    conftest = _load_conftest()
    cell = SimpleNamespace(path=Path("notebooks/01_data.ipynb"))
    conftest.pytest_runtest_setup(cell)
    assert os.environ["KIT_SMOKE"] == "0"
    conftest.pytest_runtest_teardown(cell)
    assert os.environ["KIT_SMOKE"] == "0"


def _collect(*arguments):
    import subprocess
    import sys

    root = CONFTEST.parents[1]
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q",
                           *arguments], cwd=root, capture_output=True, text=True, timeout=120)


def test_pytest_runs_without_nbval_and_collects_notebooks_with_it():
    without = _collect("-p", "no:nbval", "tests/test_notebook_environment.py")
    assert without.returncode == 0, without.stdout + without.stderr
    notebook = _collect("notebooks/01_data.ipynb")  # nbval in lax mode, switched on by notebooks/conftest.py
    assert notebook.returncode == 0 and "01_data.ipynb::Cell 0" in notebook.stdout, notebook.stdout + notebook.stderr
