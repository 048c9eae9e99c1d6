"""The repository and branch the Colab badges and the Colab install cell point at: set in exactly one place.

Instructors who fork the kit change ``REPOSITORY`` (and ``BRANCH``, when students should use another branch
than ``main``) below and run ``python -m kit.links`` to rewrite every "Open in Colab" badge and every install
cell in README.md and the notebooks. The fork must be public: Colab opens a notebook from GitHub, and pip clones
the kit, without signing in.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPOSITORY = "if25-40401/resnet-kit"
"""``owner/name`` of the GitHub repository students open the notebooks from."""
BRANCH = "main"
"""The branch students open the notebooks from and install the kit from (badges and install cell alike)."""

_BADGE_URL = re.compile(r"https://colab\.research\.google\.com/github/[^/\s]+/[^/\s]+/blob/[^/\s]+/notebooks/")
_INSTALL_URL = re.compile(r"git\+https://github\.com/[^/\s]+/[^/\s\"']+?\.git(@[^\s\"']+)?")


def colab_url(notebook: str, repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """The Colab URL that opens ``notebooks/<notebook>`` straight from GitHub."""
    return f"https://colab.research.google.com/github/{repository}/blob/{branch}/notebooks/{notebook}"


def pip_install_url(repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """What Colab's setup cell gives to pip. Colab's own torch stays: the kit asks only for lower bounds."""
    return f"git+https://github.com/{repository}.git@{branch}"


def rewrite_badges(root: Path, repository: str | None = None, branch: str | None = None) -> list[Path]:
    """Point every Colab link and every Colab install URL in README.md and notebooks/*.ipynb at ``repository``
    and ``branch`` (default: ``REPOSITORY`` and ``BRANCH``); return the changed files."""
    repository, branch = repository or REPOSITORY, branch or BRANCH
    changed = []
    target = colab_url("", repository, branch).rsplit("notebooks/", 1)[0] + "notebooks/"
    install = pip_install_url(repository, branch)
    for path in [root / "README.md", *sorted((root / "notebooks").glob("*.ipynb"))]:
        text = path.read_text(encoding="utf-8")
        new = _INSTALL_URL.sub(install, _BADGE_URL.sub(target, text))
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    for path in rewrite_badges(root):
        print(f"rewrote {path}")
