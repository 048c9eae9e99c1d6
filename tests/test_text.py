"""kit.text: every sentence exists in both languages, with the same blanks to fill."""

import string

import pytest

from kit import text


def _fields(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_sentence_has_both_languages_and_the_same_fields():
    for table_name, strings in text.tables().items():
        assert set(strings) >= set(text.LANGUAGES), table_name
        for key, template in strings["id"].items():
            assert _fields(template) == _fields(strings["en"][key]), f"{table_name}.{key}: fields differ"


def test_language_follows_the_setting_and_refuses_unknown(monkeypatch):
    monkeypatch.delenv(text.LANGUAGE_ENV, raising=False)
    assert text.current_language() == "id"
    monkeypatch.setenv(text.LANGUAGE_ENV, "en")
    assert text.current_language() == "en"
    text.set_language("id")
    try:
        assert text.current_language() == "id"
    finally:
        text.set_language(None)
    with pytest.raises(ValueError, match="language must be one of id, en"):
        text.set_language("fr")


def test_unknown_sentence_is_named():
    with pytest.raises(KeyError, match="no_such_table.key"):
        text.tr("no_such_table.key")
