"""Every sentence a student reads, in Bahasa Indonesia (the course's language, the default) and English.

The sentences live in small tables, one module per place they are read (``kit/text/report.py`` for the
report, ``kit/text/data.py`` for the data checks, ...). Each table module defines ``STRINGS``, a mapping
``{"id": {key: template}, "en": {key: template}}``; a sentence is named ``"<module>.<key>"`` and formatted with
``str.format``::

    tr("report.title", models="Plain-34 vs ResNet-34")        # in the current language
    tr("report.title", language="en", models="...")           # in a given one

The current language is ``set_language(...)``'s, else the ``KIT_LANGUAGE`` environment variable's, else
``"id"``. Free of torch and matplotlib: importing it costs nothing.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from functools import lru_cache
from typing import Any, Mapping

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
LANGUAGE_ENV = "KIT_LANGUAGE"

_chosen: str | None = None


def check_language(language: str) -> str:
    """``language`` if the kit speaks it, else a ``ValueError`` naming the languages it does speak."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    return language


def set_language(language: str | None) -> None:
    """Speak ``language`` (``"id"`` or ``"en"``) from now on in this process; ``None`` returns to the default."""
    global _chosen
    _chosen = None if language is None else check_language(language)


def current_language() -> str:
    """The language everything a student reads is written in now."""
    if _chosen is not None:
        return _chosen
    return check_language(os.environ.get(LANGUAGE_ENV, "").strip() or DEFAULT_LANGUAGE)


def tr(key: str, language: str | None = None, **values: Any) -> str:
    """The sentence ``key`` (``"<table>.<name>"``) in ``language`` (default: the current one), formatted."""
    language = check_language(language) if language is not None else current_language()
    table, _, name = key.partition(".")
    strings = tables().get(table)
    if strings is None or name not in strings[language]:
        raise KeyError(f"No sentence {key!r} in kit.text (language {language!r})")
    template = strings[language][name]
    return template.format(**values) if values else template


def table(name: str, language: str | None = None) -> Mapping[str, str]:
    """Every sentence of table ``name`` in ``language`` (default: the current one), e.g. for a report section."""
    language = check_language(language) if language is not None else current_language()
    try:
        return tables()[name][language]
    except KeyError:
        raise KeyError(f"No table {name!r} in kit.text") from None


@lru_cache(maxsize=None)
def tables() -> dict[str, dict[str, dict[str, str]]]:
    """Every table module of this package, loaded once: ``{table: {language: {key: template}}}``."""
    found = {}
    for module in pkgutil.iter_modules(__path__):
        strings = importlib.import_module(f"{__name__}.{module.name}").STRINGS
        missing = {language: sorted(set(strings[LANGUAGES[0]]) ^ set(strings[language])) for language in LANGUAGES}
        missing = {language: keys for language, keys in missing.items() if keys}
        if missing:
            raise RuntimeError(f"kit/text/{module.name}.py: keys not in every language: {missing}")
        found[module.name] = strings
    return found
