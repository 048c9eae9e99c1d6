"""kit.warnings_display: a warning reads as one line for a student; kit.language: the saved choice of language."""

import io
import json
import warnings

import pytest

from kit import text, warnings_display
from kit.data.reading import DataWarning
from kit.language import LANGUAGE_FILE, saved_language, use_language


@pytest.fixture(autouse=True)
def default_language(monkeypatch):
    monkeypatch.delenv(text.LANGUAGE_ENV, raising=False)
    text.set_language(None)
    yield
    text.set_language(None)


def test_a_kit_warning_is_its_message_alone_on_one_line():
    line = warnings_display.format_warning(DataWarning("3 files skipped:\n  a.jpg\n  b.jpg"))
    assert line == "⚠ 3 files skipped: a.jpg b.jpg"


def test_another_librarys_warning_keeps_its_category_to_be_searched_for():
    assert warnings_display.format_warning("x is deprecated", FutureWarning) == "⚠ FutureWarning: x is deprecated"


def test_show_warning_writes_no_path_no_line_number_no_source(monkeypatch):
    stream = io.StringIO()
    warnings_display.show_warning(DataWarning("blank row 53"), DataWarning, "/work/kit/data/prepare.py", 131,
                                  file=stream, line="dataset = read_dataset(root)")
    assert stream.getvalue() == "⚠ blank row 53\n"


def test_install_replaces_the_display_once(monkeypatch):
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)  # restored after the test
    warnings_display.install()
    warnings_display.install()
    assert warnings_display.installed() and warnings.showwarning is warnings_display.show_warning


def test_the_language_choice_is_saved_and_read_back(tmp_path):
    assert saved_language(tmp_path) is None and use_language(tmp_path) == "id"  # nothing chosen: the default
    assert use_language(tmp_path, "en") == "en" and saved_language(tmp_path) == "en"
    text.set_language(None)
    assert use_language(tmp_path) == "en"  # a later notebook follows the saved choice
    with pytest.raises(ValueError, match="language must be one of id, en"):
        use_language(tmp_path, "fr")
    assert saved_language(tmp_path) == "en"  # a refused choice changes nothing


def test_a_damaged_language_file_names_itself(tmp_path):
    (tmp_path / LANGUAGE_FILE).write_text(json.dumps({"language": "jawa"}))
    with pytest.raises(ValueError, match=rf"{LANGUAGE_FILE} tidak dapat dibaca .*Hapus berkas itu"):
        saved_language(tmp_path)
