"""The repository the Colab badges and the Colab install cell point at: set in exactly one place.

Instructors who fork the kit change ``REPOSITORY`` below and run ``python -m kit.links`` to rewrite every
"Open in Colab" badge in README.md and the notebooks.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPOSITORY = "if25-40401/resnet-kit"
"""``owner/name`` of the GitHub repository students open the notebooks from."""
BRANCH = "main"

_BADGE_URL = re.compile(r"https://colab\.research\.google\.com/github/[^/\s]+/[^/\s]+/blob/[^/\s]+/notebooks/")
_INSTALL_URL = re.compile(r"git\+https://github\.com/[^/\s]+/[^/\s\"']+?\.git(@[^\s\"']+)?")


def colab_url(notebook: str, repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """The Colab URL that opens ``notebooks/<notebook>`` straight from GitHub."""
    return f"https://colab.research.google.com/github/{repository}/blob/{branch}/notebooks/{notebook}"


def pip_install_url(repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """What Colab's setup cell gives to pip. Colab's own torch stays: the kit asks only for lower bounds."""
    return f"git+https://github.com/{repository}.git@{branch}"


def rewrite_badges(root: Path) -> list[Path]:
    """Point every Colab link and every Colab install URL in README.md and notebooks/*.ipynb at ``REPOSITORY``;
    return the changed files."""
    changed = []
    target = colab_url("").rsplit("notebooks/", 1)[0] + "notebooks/"
    for path in [root / "README.md", *sorted((root / "notebooks").glob("*.ipynb"))]:
        text = path.read_text(encoding="utf-8")
        new = _INSTALL_URL.sub(pip_install_url(), _BADGE_URL.sub(target, text))
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    for path in rewrite_badges(root):
        print(f"rewrote {path}")
