"""kit.modifications: the Tahap-3 choice is checked, saved, cited and found by the report."""

import json

import pytest

from kit.models import build_model, count_parameters
from kit.modifications import CHOICE_FILE, catalogue, check_choice, citations, load_choice, save_choice

CHOICE = {"resnet34-se": {"se": True}, "resnet34-mish": {"activation": "mish", "dropout": 0.2}}


def test_the_choice_is_checked_and_saved(tmp_path):
    table = save_choice(tmp_path, CHOICE)
    assert json.loads((tmp_path / CHOICE_FILE).read_text()) == CHOICE
    assert load_choice(tmp_path) == CHOICE
    se = table.set_index("run").loc["resnet34-se"]
    assert se["parameters"] == count_parameters(build_model("resnet34", se=True))
    assert se["vs_baseline"] == se["parameters"] - count_parameters(build_model("resnet34"))
    assert table.set_index("run").loc["resnet34-mish", "vs_baseline"] == 0


@pytest.mark.parametrize("choice, message", [
    ({"resnet34-se": {"se": True}}, "at least two"),
    ({"resnet34": {"se": True}, "b": {"preact": True}}, "other than"),
    ({"a b": {"se": True}, "b": {"preact": True}}, "plain folder name"),
    ({"a": {"se": True}, "b": {}}, "non-empty"),
    ({"a": {"se": True}, "b": {"squeeze": True}}, "Modification 'b'"),
    ({"a": {"se": True}, "b": {"groups": 2}}, "budget"),
])
def test_bad_choices_name_the_entry(tmp_path, choice, message):
    with pytest.raises(ValueError, match=message):
        save_choice(tmp_path, choice)
    assert not (tmp_path / CHOICE_FILE).exists()


def test_no_choice_yet_is_empty(tmp_path):
    assert load_choice(tmp_path) == {}


def test_citations_list_every_chosen_option_with_its_paper():
    table = citations(CHOICE)
    assert list(table["run"]) == ["resnet34-se", "resnet34-mish", "resnet34-mish"]
    assert table["citation"].str.contains("Squeeze-and-Excitation").any()
    assert table["citation"].str.contains("Misra").any()
    assert set(catalogue()["option"]) >= {"preact", "se", "multipath", "groups"}


def test_check_choice_does_not_write(tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_WORKSPACE", str(tmp_path))  # where a save would land: the default workspace ...
    monkeypatch.chdir(tmp_path)  # ... or the current folder
    table = check_choice(CHOICE)
    assert list(table["run"]) == list(CHOICE)
    assert not list(tmp_path.iterdir())
    save_choice(tmp_path, CHOICE)  # the check above can fail: saving does write here
    assert [p.name for p in tmp_path.iterdir()] == [CHOICE_FILE]


def test_run_names_follow_the_one_rule_of_run_folders(tmp_path):
    from kit.run_folder import run_dir_for

    for bad in ("a/b", "-x", ".hidden", "a b"):
        with pytest.raises(ValueError, match="plain folder name") as refused:
            check_choice({bad: {"se": True}, "b": {"preact": True}})
        with pytest.raises(ValueError, match="plain folder name") as also_refused:
            run_dir_for(tmp_path, bad)
        assert str(also_refused.value) in str(refused.value)


def test_the_report_adds_the_trained_choices_and_warns_about_the_rest(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from run_factory import write_run, write_workspace

    from kit.report import write_report

    workspace = write_workspace(tmp_path)
    save_choice(workspace, CHOICE)
    write_run(workspace / "runs", "resnet34-se", "resnet34", model_options={"se": True}, seed=5)
    with pytest.warns(UserWarning, match="resnet34-mish"):
        readme = write_report(workspace).read_text()
    assert "resnet34-se" in readme and "resnet34-mish" not in readme
