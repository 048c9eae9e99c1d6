"""The install story: pyproject.toml, environment.yml, README's two commands and .ci/run agree."""

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
COLAB_CONSTRAINTS = ROOT / "benchmarks" / "colab" / "constraints.txt"
CONDA_NAMES = {"pytorch": "torch"}  # conda package name -> pip package name
CONDA_ONLY = {"python", "pip"}


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


def _colab_versions() -> tuple[dict[str, Version], set[str]]:
    """Colab's preinstalled versions from the constraints file, and the names it says Colab does not have."""
    pinned, absent = {}, set()
    for line in COLAB_CONSTRAINTS.read_text().splitlines():
        if line.startswith("# not-preinstalled:"):
            absent |= {canonicalize_name(name) for name in line.split(":", 1)[1].split()}
        requirement = line.split("#", 1)[0].strip()
        if requirement:
            name, version = requirement.split("==")
            pinned[canonicalize_name(name)] = Version(version)
    return pinned, absent


def _kit_requirements() -> list[Requirement]:
    """What the install cell installs, and what the notebooks' test run adds to it."""
    project = _pyproject()["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def test_every_bound_admits_colabs_preinstalled_version():
    pinned, _ = _colab_versions()
    assert {"torch", "torchvision", "numpy", "ipywidgets"} <= set(pinned)
    refused = [f"{r} refuses Colab's {pinned[canonicalize_name(r.name)]}" for r in _kit_requirements()
               if canonicalize_name(r.name) in pinned
               and not r.specifier.contains(pinned[canonicalize_name(r.name)], prereleases=True)]
    assert not refused, "pip would replace a package Colab preinstalls:\n" + "\n".join(refused)


def test_environment_yml_bounds_admit_colabs_versions_too():
    pinned, _ = _colab_versions()
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    for dependency in (d for d in env["dependencies"] if isinstance(d, str) and _name(d) not in CONDA_ONLY):
        requirement = Requirement(CONDA_NAMES.get(_name(dependency), _name(dependency)) + dependency[len(_name(dependency)):])
        version = pinned.get(canonicalize_name(requirement.name))
        assert version is None or requirement.specifier.contains(version), f"{dependency} refuses Colab's {version}"


def test_constraints_file_knows_every_kit_dependency():
    """Each dependency is either pinned at Colab's version or named as one Colab does not preinstall, so a new
    dependency cannot slip in without someone looking up what Colab ships."""
    pinned, absent = _colab_versions()
    unknown = sorted({canonicalize_name(r.name) for r in _kit_requirements()} - set(pinned) - absent)
    assert not unknown, f"add Colab's version of {unknown} to {COLAB_CONSTRAINTS.relative_to(ROOT)}"
    assert not set(pinned) & absent


def test_environment_yml_uses_conda_forge_only():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert set(env["channels"]) - {"nodefaults"} == {"conda-forge"}


def test_colab_like_run_flags_a_replaced_package_but_not_an_added_one():
    import importlib.util

    spec = importlib.util.spec_from_file_location("colab_like", ROOT / "benchmarks" / "colab" / "colab_like.py")
    colab_like = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(colab_like)
    before = {"ipywidgets": "7.7.1", "torch": "2.11.0", "comm": "0.2.3"}
    after = {"ipywidgets": "8.1.9", "torch": "2.11.0", "imagehash": "4.3.2"}
    assert colab_like.changed_packages(before, after) == ["comm: 0.2.3 -> removed", "ipywidgets: 7.7.1 -> 8.1.9"]
    assert colab_like.changed_packages(before, {**before, "imagehash": "4.3.2"}) == []
