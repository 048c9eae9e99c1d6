"""The notebooks as files: committed clean, every one starting the same way, thin, pointing at one repository.

That they *run* is proven by nbval (``pytest`` collects notebooks/ in smoke mode, see notebooks/conftest.py).
"""

import json
from pathlib import Path

import pytest

from kit.links import colab_url, pip_install_url

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
EXPECTED = ["01_data", "02_plain34", "03_resnet34", "04_compare", "05_modifications", "06_degradation"]


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell):
    return "".join(cell["source"])


def test_the_numbered_notebooks_exist():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs_or_widget_state(path):
    notebook = _load(path)
    dirty = [i for i, c in enumerate(notebook["cells"]) if c.get("outputs") or c.get("execution_count")]
    assert not dirty, f"{path.name}: cells {dirty} hold outputs; clear them before committing"
    assert "widgets" not in notebook["metadata"], f"{path.name} holds widget state"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_starts_with_badge_header_install_and_session(path):
    cells = _load(path)["cells"]
    badge, header, install, setup = (_source(c) for c in cells[:4])
    assert colab_url(path.name) in badge
    assert "GROUP_NAME =" in header and "MEMBERS =" in header
    assert pip_install_url() in install
    assert "start(GROUP_NAME, MEMBERS)" in setup


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_stay_thin(path):
    code = [_source(c) for c in _load(path)["cells"] if c["cell_type"] == "code"]
    long_cells = [c.splitlines()[0] for c in code if len(c.splitlines()) > 8]
    assert not long_cells, f"{path.name}: cells over 8 lines belong in kit: {long_cells}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_intro_says_to_pick_a_gpu_runtime(path):
    intro = _source(_load(path)["cells"][0])
    assert "Runtime → Change runtime type → T4 GPU" in intro


def test_04_ends_by_naming_the_file_to_submit_and_offering_it():
    cells = _load(NOTEBOOKS[EXPECTED.index("04_compare")])["cells"]
    assert "report.zip" in _source(cells[-2])
    assert "hand_in(" in _source(cells[-1]) and "write_report(" in _source(cells[-1])
