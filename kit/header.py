"""The group header every notebook starts with: ``GROUP_NAME`` and ``MEMBERS`` as ``(name, NIM)`` pairs.

One definition of what counts as "still the template", used by the notebooks' warnings and by the report's
marks. Free of torch, so the report can use it without loading the training stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

PLACEHOLDER_GROUP_NAME = "Kelompok X"
PLACEHOLDER_MEMBERS = (("Nama Anggota 1", "1xxxxxxxx"), ("Nama Anggota 2", "1xxxxxxxx"), ("Nama Anggota 3", "1xxxxxxxx"))
"""What the header cell of every notebook holds before a group fills it in."""

_PLACEHOLDER_NAME = re.compile(r"^(nama(\s+anggota)?(\s*\d+)?|name(\s+\d+)?|anggota\s*\d*|member\s*\d*|"
                               r"kelompok\s*x*|group\s*x*|todo|tbd|-+|\.+|…|x+|<.*>)$",
                               re.IGNORECASE)
_PLACEHOLDER_NIM = re.compile(r"^(\d*[xX?…]+[\dxX?…]*|[.\-_…]+|<.*>)$")
"""A template NIM has an x, ? or … where digits go ("1xxxxxxxx"); "120-140-045" is a typo, not a template."""


@dataclass(frozen=True)
class Header:
    """The group header: ``GROUP_NAME`` and ``MEMBERS`` as ``(name, NIM)`` pairs.

    A NIM that is filled in must be all digits (a typo is an error). Unfilled placeholders such as
    ``"Nama Anggota 1"`` or ``"1xxxxxxxx"`` are allowed, so a notebook still runs, but they are listed in
    ``warnings`` and flagged by ``is_placeholder`` so the notebook can warn and the report can mark them.
    """

    group_name: str
    members: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        if not isinstance(self.group_name, str):
            raise ValueError(f"GROUP_NAME must be text, got {self.group_name!r}")
        if isinstance(self.members, (str, bytes)) or not hasattr(self.members, "__iter__"):
            raise ValueError(f"MEMBERS must be a list of (name, NIM) pairs, got {self.members!r}")
        members: list[tuple[str, str]] = []
        for position, member in enumerate(self.members, start=1):
            if isinstance(member, (str, bytes)) or len(tuple(member)) != 2:
                raise ValueError(f"MEMBERS entry {position} must be a (name, NIM) pair, got {member!r}")
            name, nim = (str(part).strip() for part in member)
            if not is_placeholder_nim(nim) and not nim.isdigit():
                raise ValueError(f"The NIM of member {position} ({name or 'no name'}) must be all digits, got {nim!r}")
            members.append((name, nim))
        if not members:
            raise ValueError("MEMBERS is empty: list every group member as a (name, NIM) pair")
        nims = [nim for _, nim in members if nim.isdigit()]
        repeated = sorted({nim for nim in nims if nims.count(nim) > 1})
        if repeated:
            raise ValueError(f"The same NIM appears more than once in MEMBERS: {', '.join(repeated)}")
        object.__setattr__(self, "group_name", self.group_name.strip())
        object.__setattr__(self, "members", tuple(members))

    @property
    def warnings(self) -> list[str]:
        """What is still unfilled, one message per problem (empty when the header is complete)."""
        found = []
        if is_placeholder_name(self.group_name):
            found.append(f"GROUP_NAME is still the placeholder {self.group_name!r}: fill in your group's name.")
        for position, (name, nim) in enumerate(self.members, start=1):
            if is_placeholder_name(name):
                found.append(f"Member {position}: the name is still the placeholder {name!r}.")
            if is_placeholder_nim(nim):
                found.append(f"Member {position} ({name}): the NIM is still the placeholder {nim!r}.")
        return found

    @property
    def is_placeholder(self) -> bool:
        """True while any part of the header is unfilled."""
        return bool(self.warnings)

    def to_dict(self) -> dict[str, Any]:
        return {"group_name": self.group_name, "members": [{"name": n, "nim": m} for n, m in self.members],
                "is_placeholder": self.is_placeholder}


def is_placeholder_name(text: str) -> bool:
    """An empty or template group/member name ("Kelompok X", "Nama Anggota 1", "TODO", "<nama>")."""
    return not text.strip() or bool(_PLACEHOLDER_NAME.match(text.strip()))


def is_placeholder_nim(text: str) -> bool:
    """An empty or template NIM ("1xxxxxxxx", "<NIM>"); a filled-in NIM must be all digits."""
    return not text.strip() or bool(_PLACEHOLDER_NIM.match(text.strip()))
