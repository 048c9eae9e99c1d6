"""The install story: pyproject.toml, environment.yml, README's two commands and .ci/run agree."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"pytorch": "torch"}  # conda package name -> pip package name
CONDA_ONLY = {"python", "pip", "jupyterlab"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_names_the_same_packages_as_pyproject():
    project = _pyproject()["project"]
    pip_names = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    conda_names = {CONDA_NAMES.get(_name(d), _name(d)) for d in conda} - CONDA_ONLY
    assert conda_names == pip_names
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section


def test_torch_torchvision_numpy_have_lower_bounds_only():
    for requirement in _pyproject()["project"]["dependencies"]:
        if _name(requirement) in {"torch", "torchvision", "numpy"}:
            assert ">=" in requirement and "==" not in requirement and "<" not in requirement.replace(">=", "")


def test_console_script_and_test_extra():
    project = _pyproject()["project"]
    assert project["scripts"]["kit"] == "kit.cli:main"
    assert {"pytest", "nbval"} <= {_name(r) for r in project["optional-dependencies"]["test"]}


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^    (\S.+)$", section, flags=re.MULTILINE)  # indented code lines
    assert len(commands) == 2 and commands[0].endswith("kit all"), commands
    test_command = next(c for c in commands if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command.strip() in ci


def test_importing_kit_changes_no_global_state():
    import subprocess
    import sys

    code = ("import torch; s = torch.initial_seed(); b = torch.backends.cudnn.benchmark; "
            "import kit, kit.models, kit.env, kit.cli; "
            "assert torch.initial_seed() == s and torch.backends.cudnn.benchmark == b")
    subprocess.run([sys.executable, "-c", code], check=True)
