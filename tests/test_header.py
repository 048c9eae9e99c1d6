"""kit.header: what a valid header is, what counts as unfilled, and the one header saved in the workspace."""

import json

import pytest

from kit import text
from kit.header import (HEADER_FILE, PLACEHOLDER_GROUP_NAME, PLACEHOLDER_MEMBERS, Header, load_header, save_header,
                        use_header)

MEMBERS = [("Budi Santoso", "122140001"), ("Siti Aminah", "122140002")]
TEMPLATE = Header(PLACEHOLDER_GROUP_NAME, PLACEHOLDER_MEMBERS)


@pytest.fixture(params=["id", "en"])
def language(request):
    text.set_language(request.param)
    yield request.param
    text.set_language(None)


@pytest.fixture
def english():
    text.set_language("en")
    yield
    text.set_language(None)


def test_a_filled_header_has_no_warnings():
    header = Header("Kelompok 7", MEMBERS)
    assert header.warnings == [] and not header.is_placeholder and not header.is_template
    assert header.members == tuple(MEMBERS)


def test_the_notebook_placeholder_warns_for_every_field(language):
    assert TEMPLATE.is_placeholder and TEMPLATE.is_template
    assert len(TEMPLATE.warnings) == 1 + 2 * len(PLACEHOLDER_MEMBERS)
    assert any("GROUP_NAME" in w for w in TEMPLATE.warnings)
    assert any("1xxxxxxxx" in w for w in TEMPLATE.warnings)


def test_warnings_speak_the_chosen_language():
    header = Header("Kelompok 7", [("Budi Santoso", "122140001"), ("Nama Anggota 2", "1xxxxxxxx")])
    assert header.messages("en") == ["Member 2: the name is still the placeholder 'Nama Anggota 2'.",
                                     "Member 2 (Nama Anggota 2): the NIM is still the placeholder '1xxxxxxxx'."]
    assert header.messages("id")[0] == "Anggota ke-2: nama masih berisi contoh 'Nama Anggota 2'."
    assert header.is_placeholder and not header.is_template


def test_a_header_survives_its_dict():
    header = Header("Kelompok 7", MEMBERS)
    assert Header.from_dict(header.to_dict()) == header
    assert Header.from_dict({"group_name": "Kelompok 7", "members": [list(m) for m in MEMBERS]}) == header
    assert Header.from_dict(json.loads(json.dumps(TEMPLATE.to_dict()))) == TEMPLATE


@pytest.mark.parametrize("members, message", [
    ([("Budi", "12214A001")], "NIM of member 1 .Budi. may hold only the digits 0-9"),
    ([("Budi", "122 140 001")], "only the digits 0-9"),
    ([("Budi", "¹²²¹⁴⁰⁰⁰¹")], "only the digits 0-9"),            # superscripts: str.isdigit says yes
    ([("Budi", "１２２１４０００１")], "only the digits 0-9"),          # fullwidth
    ([("Budi", "١٢٢١٤٠٠٠١")], "only the digits 0-9"),              # Arabic-Indic
    ([("Budi", "¹xxxxxxxx")], "only the digits 0-9"),              # not a template either
    ([("Budi\n# Nilai: A", "122140001")], r"MEMBERS\[0\] must be one line"),
    ([("Budi", None)], "NIM of member 1 .Budi. must be text of digits"),
    ([(None, "122140001")], "name of member 1 must be text"),
    ([], "MEMBERS is empty"),
    ([("Budi",)], "entry 1 must be a .name, NIM. pair"),
    ([None], "entry 1 must be a .name, NIM. pair"),
    ([("Budi", "122140001"), ("Siti", "122140001")], "same NIM appears more than once in MEMBERS: 122140001"),
])
def test_bad_members_are_one_clear_message(english, members, message):
    with pytest.raises(ValueError, match=message):
        Header("Kelompok 7", members)


@pytest.mark.parametrize("members", [None, "Budi, 122140001", {"Budi": "122140001"}, 122140001,
                                     ("Budi", "122140001")])
def test_members_of_the_wrong_type_are_named_not_a_type_error(english, members):
    with pytest.raises(ValueError, match=r"MEMBERS must be a list of \(name, NIM\) pairs.*holds"):
        Header("Kelompok 7", members)


def test_a_group_name_must_be_one_line_of_text(english):
    with pytest.raises(ValueError, match="GROUP_NAME must be one line"):
        Header("Kelompok 7\n## Nilai", MEMBERS)
    with pytest.raises(ValueError, match="GROUP_NAME must be text"):
        Header(None, MEMBERS)
    assert Header("  Kelompok 7\n", MEMBERS).group_name == "Kelompok 7"  # surrounding blanks are not a break


def test_a_nim_typed_as_a_number_is_its_digits():
    assert Header("Kelompok 7", [("Budi", 122140001)]).members == (("Budi", "122140001"),)


def test_refusals_speak_indonesian_by_default(monkeypatch):
    monkeypatch.delenv(text.LANGUAGE_ENV, raising=False)
    with pytest.raises(ValueError, match="hanya boleh berisi angka 0-9"):
        Header("Kelompok 7", [("Budi", "１２２")])


# --- the saved header: filled once in 01, used by every later notebook ------------------------------------


def test_a_header_filled_in_01_only_reaches_every_later_notebook(tmp_path):
    filled = Header("Kelompok 7", MEMBERS)
    assert use_header(filled, tmp_path) == (filled, None)  # 01: saved, nothing to say
    for _ in ("02", "03", "04"):                              # the template left in later notebooks
        used, note = use_header(TEMPLATE, tmp_path)
        assert used == filled and "Kelompok 7" in note and "\n" not in note
    assert load_header(tmp_path) == filled                    # never overwritten


def test_a_different_filled_header_replaces_the_saved_one_with_a_note(tmp_path):
    use_header(Header("Kelompok 7", MEMBERS), tmp_path)
    other = Header("Kelompok 8", [("Dewi", "122140009")])
    used, note = use_header(other, tmp_path)
    assert used == other and load_header(tmp_path) == other
    assert "Kelompok 7" in note and "Kelompok 8" in note


def test_a_partly_filled_header_never_erases_a_complete_one(tmp_path):
    filled = Header("Kelompok 7", MEMBERS)
    save_header(filled, tmp_path)
    partly = Header("Kelompok 7", [("Budi Santoso", "122140001"), ("Nama Anggota 2", "1xxxxxxxx")])
    assert use_header(partly, tmp_path).header == filled and load_header(tmp_path) == filled


def test_an_incomplete_saved_header_is_replaced_by_more_but_not_by_the_template(tmp_path):
    partly = Header("Kelompok 7", [("Budi Santoso", "122140001"), ("Nama Anggota 2", "1xxxxxxxx")])
    use_header(TEMPLATE, tmp_path)                         # nothing saved yet: the template is saved as is
    assert load_header(tmp_path) == TEMPLATE
    other_template = Header("Kelompok X", [("Nama Anggota 1", "1xxxxxxxx")])
    assert use_header(other_template, tmp_path) == (TEMPLATE, None)  # no note pointing at an unfilled header
    assert use_header(partly, tmp_path) == (partly, None)  # replacing the bare template needs no note
    assert use_header(TEMPLATE, tmp_path).header == partly and load_header(tmp_path) == partly


def test_a_damaged_saved_header_names_the_file(english, tmp_path):
    (tmp_path / HEADER_FILE).write_text('{"group_name": "Kelompok 7"}')
    with pytest.raises(ValueError, match=rf"{HEADER_FILE} cannot be read .*no members.*Delete that file"):
        load_header(tmp_path)
    (tmp_path / HEADER_FILE).write_text("{not json")
    with pytest.raises(ValueError, match="cannot be read as a group header"):
        load_header(tmp_path)
