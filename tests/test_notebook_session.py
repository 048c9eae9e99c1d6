"""kit.notebook: the header check, the workspace and the one shared experiment Config."""

import json
import warnings

import pytest

from kit.config import Config
from kit.notebook import EXPERIMENT_FILE, HeaderWarning, MissingStepError, start

MEMBERS = [("Ani", "13522001"), ("Budi", "13522002"), ("Citra", "13522003")]


def test_a_filled_header_starts_quietly_and_is_saved(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", HeaderWarning)
        session = start("Kelompok 7", MEMBERS, workspace=tmp_path)
    saved = json.loads((tmp_path / "header.json").read_text())
    assert saved["group_name"] == "Kelompok 7" and saved["members"][0] == {"name": "Ani", "nim": "13522001"}
    assert "Kelompok 7" in repr(session) and "13522003" in session._repr_markdown_()


def test_placeholders_warn_visibly_but_run(tmp_path):
    with pytest.warns(HeaderWarning, match="GROUP_NAME") as caught:
        session = start("Kelompok X", [("Nama Anggota 1", "1xxxxxxxx")], workspace=tmp_path)
    assert session.header.is_placeholder
    message = str(caught[0].message)
    assert len(caught) == 1 and "\n" not in message  # one warning, one line, naming every field
    assert message.count("1xxxxxxxx") == 1 and "GROUP_NAME" in message and "Nama Anggota 1" in message


def test_a_later_notebook_left_unfilled_uses_the_header_saved_in_01(tmp_path):
    start("Kelompok 7", MEMBERS, workspace=tmp_path)                        # 01, filled in
    with warnings.catch_warnings():
        warnings.simplefilter("error", HeaderWarning)                          # no "incomplete" warning
        later = start("Kelompok X", [("Nama Anggota 1", "1xxxxxxxx")], workspace=tmp_path)  # 04, template
    assert later.header.group_name == "Kelompok 7" and len(later.notes) == 1
    assert "Kelompok 7" in later._repr_markdown_().splitlines()[-1]            # says so, in one line
    assert json.loads((tmp_path / "header.json").read_text())["group_name"] == "Kelompok 7"


@pytest.mark.parametrize("nim", ["13522O01", "135-220-01", "135.220.01"])
def test_a_nim_with_anything_but_digits_is_an_error(tmp_path, nim):
    with pytest.raises(ValueError, match="0-9"):
        start("Kelompok 7", [("Ani", nim)], workspace=tmp_path)


def test_the_experiment_config_is_written_once_and_shared(tmp_path, monkeypatch):
    monkeypatch.delenv("KIT_SMOKE", raising=False)
    first = start("Kelompok 7", MEMBERS, workspace=tmp_path).experiment(epochs=12, lr=1e-3)
    assert Config.from_json(tmp_path / EXPERIMENT_FILE) == first
    second = start("Kelompok 7", MEMBERS, workspace=tmp_path).experiment()  # another notebook, another VM
    assert second == first and second.epochs == 12
    assert start("Kelompok 7", MEMBERS, workspace=tmp_path).experiment(epochs=12) == first


def test_contradicting_the_saved_experiment_is_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv("KIT_SMOKE", raising=False)
    session = start("Kelompok 7", MEMBERS, workspace=tmp_path)
    session.experiment()
    with pytest.raises(ValueError, match=r"lr: saved 0.0003, asked 0.01"):
        session.experiment(lr=0.01)
    assert Config.from_json(tmp_path / EXPERIMENT_FILE).lr == 3e-4  # nothing overwritten


def test_smoke_mode_gives_the_small_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_SMOKE", "1")
    config = start("Kelompok 7", MEMBERS, workspace=tmp_path).experiment()
    assert config == Config.smoke()


def test_training_before_01_names_the_notebook_to_run(tmp_path):
    session = start("Kelompok 7", MEMBERS, workspace=tmp_path)
    with pytest.raises(MissingStepError, match="01_data"):
        session.prepared()


def test_a_drive_workspace_is_mounted_before_use_in_colab(monkeypatch, tmp_path):
    import sys
    import types

    from kit import env

    mounted = []
    colab = types.ModuleType("google.colab")
    colab.drive = types.SimpleNamespace(mount=lambda where: mounted.append(where))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setattr(env.os.path, "ismount", lambda path: bool(mounted))
    env.ensure_drive(env.COLAB_DRIVE_WORKSPACE / "runs")
    env.ensure_drive(env.COLAB_DRIVE_WORKSPACE)  # already mounted: not again
    assert mounted == ["/content/drive"]
    env.ensure_drive(tmp_path)  # not on Drive: nothing to mount
    assert mounted == ["/content/drive"]
