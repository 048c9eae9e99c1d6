"""The language a group chose, saved in the workspace so every later notebook and the report speak it.

A group that wants English says so once (``start(GROUP_NAME, MEMBERS, language="en")`` in any notebook, usually
01); the choice is written to ``LANGUAGE_FILE`` and every later notebook, each on its own Colab VM, reads it
back. Without a choice the kit speaks Indonesian (``kit.text.DEFAULT_LANGUAGE``). Free of torch.
"""

from __future__ import annotations

import json
from pathlib import Path

from kit.files import atomic_write_text
from kit.text import check_language, current_language, set_language, tr

LANGUAGE_FILE = "language.json"


def saved_language(workspace: str | Path) -> str | None:
    """The language saved in ``workspace``, or None when no group chose one there."""
    path = Path(workspace) / LANGUAGE_FILE
    if not path.exists():
        return None
    try:
        return check_language(json.loads(path.read_text(encoding="utf-8"))["language"])
    except (ValueError, KeyError, TypeError) as problem:  # JSONDecodeError is a ValueError
        raise ValueError(tr("notebook.language_file_broken", path=path, problem=problem)) from None


def save_language(workspace: str | Path, language: str) -> Path:
    """Write ``language`` (``"id"`` or ``"en"``) to ``<workspace>/LANGUAGE_FILE``."""
    text = json.dumps({"language": check_language(language)}) + "\n"
    return atomic_write_text(Path(workspace) / LANGUAGE_FILE, text)


def use_language(workspace: str | Path, language: str | None = None) -> str:
    """Speak ``language`` from now on in this process and save it in ``workspace``; with ``None``, speak the
    language saved there (if any, else the current one). Returns the language now spoken."""
    if language is not None:
        save_language(workspace, language)
    else:
        language = saved_language(workspace)
    if language is not None:
        set_language(language)
    return current_language()
