"""The group header every notebook starts with: ``GROUP_NAME`` and ``MEMBERS`` as ``(name, NIM)`` pairs.

One definition of what counts as "still the template", used by the notebooks' warnings and by the report's
marks, and the one header saved in the workspace (``HEADER_FILE``): a group fills the header in once, in
01_data, and every later notebook (each on its own Colab VM) and the report use the saved one. Free of torch,
so the report can use it without loading the training stack.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, NamedTuple

from kit.files import atomic_write_text
from kit.text import tr

HEADER_FILE = "header.json"
"""The group header saved in the workspace: written by ``use_header``, read by every later notebook and the report."""

PLACEHOLDER_GROUP_NAME = "Kelompok X"
PLACEHOLDER_MEMBERS = (("Nama Anggota 1", "1xxxxxxxx"), ("Nama Anggota 2", "1xxxxxxxx"),
                       ("Nama Anggota 3", "1xxxxxxxx"))
"""What the header cell of every notebook holds before a group fills it in."""

_PLACEHOLDER_NAME = re.compile(r"^(nama(\s+anggota)?(\s*\d+)?|name(\s+\d+)?|anggota\s*\d*|member\s*\d*|"
                               r"kelompok\s*x*|group\s*x*|todo|tbd|-+|\.+|…|x+|<.*>)$",
                               re.IGNORECASE)
_PLACEHOLDER_NIM = re.compile(r"^(\d*[xX?…]+[\dxX?…]*|[.\-_…]+|<.*>)$", re.ASCII)
"""A template NIM has an x, ? or … where digits go ("1xxxxxxxx"); "120-140-045" is a typo, not a template."""


@dataclass(frozen=True)
class Header:
    """The group header: ``GROUP_NAME`` and ``MEMBERS`` as ``(name, NIM)`` pairs.

    A NIM that is filled in must be ASCII digits 0-9 (``str.isdigit`` alone would take "¹²³", fullwidth and
    Arabic-Indic digits, which no student record holds); a name is one line, since it becomes a line of the
    report. Unfilled placeholders such as ``"Nama Anggota 1"`` or ``"1xxxxxxxx"`` are allowed, so a notebook
    still runs, but they are listed in ``warnings`` and flagged by ``is_placeholder`` so the notebook can warn
    and the report can mark them. Every refusal is a ``ValueError`` in the student's language.
    """

    group_name: str
    members: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        if not isinstance(self.group_name, str):
            raise ValueError(tr("header.group_name_type", value=self.group_name))
        group_name = _one_line(self.group_name.strip(), "GROUP_NAME")
        if isinstance(self.members, (str, bytes, Mapping)) or not hasattr(self.members, "__iter__"):
            raise ValueError(tr("header.members_type", value=self.members))
        given = list(self.members)
        if given and all(isinstance(entry, str) for entry in given):  # ("Ani", "122140001"): one pair, no list
            raise ValueError(tr("header.members_type", value=self.members))
        members = tuple(_member(position, member) for position, member in enumerate(given, start=1))
        if not members:
            raise ValueError(tr("header.members_empty"))
        nims = [nim for _, nim in members if _is_nim(nim)]
        repeated = sorted({nim for nim in nims if nims.count(nim) > 1})
        if repeated:
            raise ValueError(tr("header.nim_repeated", nims=", ".join(repeated)))
        object.__setattr__(self, "group_name", group_name)
        object.__setattr__(self, "members", members)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Header:
        """The header ``to_dict`` wrote (members as ``{"name", "nim"}`` or ``[name, NIM]`` pairs), validated again."""
        if not isinstance(data, Mapping):
            raise ValueError(tr("header.members_type", value=data))
        missing = [key for key in ("group_name", "members") if key not in data]
        if missing:
            raise ValueError(tr("header.file_missing_keys", keys=", ".join(missing)))
        members = data["members"]
        if isinstance(members, list):
            members = [(m.get("name"), m.get("nim")) if isinstance(m, Mapping) else m for m in members]
        return cls(data["group_name"], members)

    def to_dict(self) -> dict[str, Any]:
        return {"group_name": self.group_name, "members": [{"name": n, "nim": m} for n, m in self.members],
                "is_placeholder": self.is_placeholder}

    def messages(self, language: str | None = None) -> list[str]:
        """What is still unfilled, one sentence per field, in ``language`` (default: the current one)."""
        found = []
        if is_placeholder_name(self.group_name):
            found.append(tr("header.group_placeholder", language, value=self.group_name))
        for position, (name, nim) in enumerate(self.members, start=1):
            if is_placeholder_name(name):
                found.append(tr("header.name_placeholder", language, position=position, value=name))
            if is_placeholder_nim(nim):
                found.append(tr("header.nim_placeholder", language, position=position, name=name, value=nim))
        return found

    @property
    def warnings(self) -> list[str]:
        """What is still unfilled, in the current language (empty when the header is complete)."""
        return self.messages()

    @property
    def is_placeholder(self) -> bool:
        """True while any part of the header is unfilled."""
        return bool(self.messages())

    @property
    def is_template(self) -> bool:
        """True when every field is still unfilled: the header cell was never touched."""
        return (is_placeholder_name(self.group_name)
                and all(is_placeholder_name(name) and is_placeholder_nim(nim) for name, nim in self.members))

    def summary(self) -> str:
        """``"Kelompok 7: 122140001, 122140002"``, the one-line form used in notes."""
        return f"{self.group_name}: {', '.join(nim for _, nim in self.members)}"


def is_placeholder_name(text: str) -> bool:
    """An empty or template group/member name ("Kelompok X", "Nama Anggota 1", "TODO", "<nama>")."""
    return not text.strip() or bool(_PLACEHOLDER_NAME.match(text.strip()))


def is_placeholder_nim(text: str) -> bool:
    """An empty or template NIM ("1xxxxxxxx", "<NIM>"); a filled-in NIM must be ASCII digits."""
    return not text.strip() or bool(_PLACEHOLDER_NIM.match(text.strip()))


# --- the header saved in the workspace ----------------------------------------------------------------------


class HeaderInUse(NamedTuple):
    """The header a notebook goes on with, and the one-line note saying why, if there is something to say."""

    header: Header
    note: str | None


def load_header(workspace: str | Path) -> Header | None:
    """The header saved in ``workspace``, or None when none was saved; a damaged file is a clear ValueError."""
    path = Path(workspace) / HEADER_FILE
    if not path.exists():
        return None
    try:
        return Header.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, AttributeError) as problem:  # JSONDecodeError is a ValueError
        raise ValueError(tr("header.file_broken", path=path, problem=problem)) from None


def save_header(header: Header, workspace: str | Path) -> Path:
    """Write ``header`` to ``<workspace>/HEADER_FILE`` (atomically: Drive syncs whatever is on disk)."""
    text = json.dumps(header.to_dict(), indent=2, ensure_ascii=False) + "\n"
    return atomic_write_text(Path(workspace) / HEADER_FILE, text)


def use_header(cell: Header, workspace: str | Path) -> HeaderInUse:
    """Which header a notebook uses, given its header cell and the header saved in ``workspace``.

    Students fill the header in 01 and leave the template in the later notebooks, so an unfilled cell must
    never erase the filled one: a complete cell is saved (replacing a different saved header, with a note);
    a cell with placeholders uses the saved header (with a note) unless the saved one is itself incomplete
    and the cell holds more than the bare template. With nothing saved, the cell is saved as it is, so the
    report can mark what is missing.
    """
    saved = load_header(workspace)
    if saved is None or saved == cell:
        if saved is None:
            save_header(cell, workspace)
        return HeaderInUse(cell, None)
    if not cell.is_placeholder or (saved.is_placeholder and not cell.is_template):
        save_header(cell, workspace)
        note = None if saved.is_template else tr("header.saved_replaced", old=saved.summary(), new=cell.summary())
        return HeaderInUse(cell, note)
    if saved.is_template:  # two untouched templates: nothing was filled in anywhere, nothing to point to
        return HeaderInUse(saved, None)
    return HeaderInUse(saved, tr("header.saved_used", group=saved.group_name,
                                 nims=", ".join(nim for _, nim in saved.members)))


def _member(position: int, member: Any) -> tuple[str, str]:
    """One validated ``(name, NIM)`` pair; a NIM typed as a number is taken as its digits."""
    if not isinstance(member, (tuple, list)) or len(member) != 2:
        raise ValueError(tr("header.member_pair", position=position, value=member))
    name, nim = member
    if not isinstance(name, str):
        raise ValueError(tr("header.member_name_type", position=position, value=name))
    name = _one_line(name.strip(), f"MEMBERS[{position - 1}]")
    if isinstance(nim, int) and not isinstance(nim, bool):
        nim = str(nim)
    if not isinstance(nim, str):
        raise ValueError(tr("header.nim_type", position=position, name=name or tr("header.no_name"), value=nim))
    nim = nim.strip()
    if not is_placeholder_nim(nim) and not _is_nim(nim):
        raise ValueError(tr("header.nim_digits", position=position, name=name or tr("header.no_name"), value=nim))
    return name, nim


def _is_nim(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _one_line(text: str, field: str) -> str:
    """``text`` when it is one line; a line break in a name would start a new Markdown block in the report."""
    if len(text.splitlines()) > 1:
        raise ValueError(tr("header.one_line", field=field, value=text))
    return text
