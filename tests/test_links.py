"""Every Colab badge points at kit.links.REPOSITORY, so a fork changes one line."""

import re
from pathlib import Path

from kit.links import REPOSITORY, colab_url, pip_install_url, rewrite_badges

ROOT = Path(__file__).resolve().parents[1]


def _colab_links(text):
    return re.findall(r"https://colab\.research\.google\.com/github/[^)\s\"]+", text)


def test_readme_and_notebook_badges_use_the_one_repository_setting():
    files = [ROOT / "README.md", *sorted((ROOT / "notebooks").glob("*.ipynb"))]
    links = [link for f in files for link in _colab_links(f.read_text(encoding="utf-8"))]
    assert links
    assert all(link.startswith(colab_url("").rsplit("notebooks/", 1)[0]) for link in links)
    assert REPOSITORY in links[0]


def test_rewrite_badges_moves_links_to_the_configured_repository(tmp_path):
    (tmp_path / "notebooks").mkdir()
    old = "https://colab.research.google.com/github/someone/old-fork/blob/main/notebooks/01_data.ipynb"
    (tmp_path / "README.md").write_text(f"[badge]({old})\n")
    (tmp_path / "notebooks" / "01_data.ipynb").write_text(f'{{"source": "[b]({old})"}}')
    changed = rewrite_badges(tmp_path)
    assert len(changed) == 2
    assert colab_url("01_data.ipynb") in (tmp_path / "README.md").read_text()
    assert "old-fork" not in (tmp_path / "notebooks" / "01_data.ipynb").read_text()


def test_a_fork_on_another_branch_moves_badges_and_install_cells_to_it(tmp_path):
    (tmp_path / "notebooks").mkdir()
    badge = "https://colab.research.google.com/github/if25-40401/resnet-kit/blob/main/notebooks/02_plain34.ipynb"
    install = "git+https://github.com/if25-40401/resnet-kit.git@main"
    (tmp_path / "README.md").write_text(f"[badge]({badge})\n")
    (tmp_path / "notebooks" / "02_plain34.ipynb").write_text(f'{{"source": ["pip install -q {install}"]}}')
    rewrite_badges(tmp_path, repository="lab-ui/resnet-kit", branch="semester-ganjil")
    readme = (tmp_path / "README.md").read_text()
    notebook = (tmp_path / "notebooks" / "02_plain34.ipynb").read_text()
    assert colab_url("02_plain34.ipynb", "lab-ui/resnet-kit", "semester-ganjil") in readme
    assert pip_install_url("lab-ui/resnet-kit", "semester-ganjil") in notebook and "@main" not in notebook
