"""The README file itself: the group's keep blocks carried over, the kit's trailer line, a backup before loss.

The kit regenerates ``README.md`` from the run files, but the group writes its analysis into the same file.
Text between ``<!-- keep:NAME -->`` and ``<!-- /keep:NAME -->`` is carried into the new README. The last line,
the *trailer*, records the sha256 of the generated text with the keep blocks emptied, and the report's
language: an edit anywhere else changes that fingerprint, and then the old file is first copied to
``README.edited-<time>.md`` (with a :class:`ReportEditedWarning`) so regenerating never loses what was written.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import warnings
from datetime import datetime
from pathlib import Path

from kit.files import atomic_write_text

KEEP_BLOCK = re.compile(r"<!-- keep:(?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- /keep:(?P=name) -->", re.DOTALL)
TRAILER = re.compile(r"<!-- kit-report: sha256=(?P<sha256>[0-9a-f]{64}) language=(?P<language>[\w-]+) -->\n?")
"""The README's last line: the fingerprint of the generated text (keep-block bodies left out) and its language."""


class ReportEditedWarning(UserWarning):
    """The existing README was edited outside its keep blocks; it was copied aside before being replaced."""


def keep_block(name: str, body: str) -> str:
    """A block whose ``body`` the group may rewrite: regenerating the report keeps what they wrote."""
    return f"<!-- keep:{name} -->\n{body.rstrip()}\n<!-- /keep:{name} -->"


def stored_language(readme: Path) -> str | None:
    """The language recorded in an existing README's trailer (None without a README or trailer), so that
    05 and 06 regenerate the report in the language 04 chose."""
    if not readme.is_file():
        return None
    trailer = split_trailer(readme.read_text(encoding="utf-8"))[1]
    return trailer["language"] if trailer else None


def write_readme(readme: Path, markdown: str, language: str) -> Path:
    """Write ``markdown`` (and its trailer) to ``readme`` atomically, carrying the old README's keep blocks over
    and first copying the old README aside when writing would drop text the group wrote."""
    if readme.is_file():
        old = readme.read_text(encoding="utf-8")
        markdown = carry_keep_blocks(old, markdown)
        if loses_text(old, markdown):
            backup = back_up(readme)
            warnings.warn(f"{readme} was edited outside its <!-- keep:NAME --> blocks (or a block lost its closing "
                          f"marker), and the regenerated report cannot carry that text: the old file is saved as "
                          f"{backup}. Move what you wrote into a keep block.", ReportEditedWarning, stacklevel=3)
    readme.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(readme, markdown + f"<!-- kit-report: sha256={fingerprint(markdown)} "
                                                f"language={language} -->\n")


def carry_keep_blocks(old: str, new: str) -> str:
    """``new`` with the bodies of ``old``'s keep blocks put into the blocks of the same name."""
    kept = {m["name"]: m["body"] for m in KEEP_BLOCK.finditer(old)}

    def replace(match: re.Match[str]) -> str:
        body = kept.get(match["name"], match["body"])
        return f"<!-- keep:{match['name']} -->\n{body}<!-- /keep:{match['name']} -->"

    return KEEP_BLOCK.sub(replace, new)


def fingerprint(markdown: str) -> str:
    """sha256 of the report with the keep blocks emptied: it changes exactly when text outside them changes."""
    skeleton = KEEP_BLOCK.sub(lambda m: f"<!-- keep:{m['name']} -->\n<!-- /keep:{m['name']} -->", markdown)
    return hashlib.sha256(skeleton.encode("utf-8")).hexdigest()


def split_trailer(text: str) -> tuple[str, re.Match[str] | None]:
    """The README without its trailer line, and that line's match (None when there is none)."""
    found = list(TRAILER.finditer(text))
    if not found:
        return text, None
    last = found[-1]
    return text[:last.start()] + text[last.end():], last


def loses_text(old: str, new: str) -> bool:
    """Whether writing ``new`` over ``old`` drops text the group wrote: edits outside the keep blocks (seen by the
    fingerprint; a README without one counts as edited unless identical) or a keep block ``new`` lacks."""
    body, trailer = split_trailer(old)
    edited = body != new if trailer is None else fingerprint(body) != trailer["sha256"]
    dropped = {m["name"] for m in KEEP_BLOCK.finditer(old)} - {m["name"] for m in KEEP_BLOCK.finditer(new)}
    return edited or bool(dropped)


def back_up(readme: Path) -> Path:
    """Copy ``readme`` to ``README.edited-<YYYYmmdd-HHMMSS>.md`` beside it, never over an earlier backup."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    backup, n = readme.with_name(f"{readme.stem}.edited-{stamp}{readme.suffix}"), 1
    while backup.exists():
        backup, n = readme.with_name(f"{readme.stem}.edited-{stamp}-{n}{readme.suffix}"), n + 1
    shutil.copy2(readme, backup)
    return backup
