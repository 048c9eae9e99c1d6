"""kit.notebook: the header check, the workspace, the language and the one shared experiment Config."""

import json
import re
import subprocess
import sys
import types
import warnings

import pytest

from kit import env, text, warnings_display
from kit.config import EXPERIMENT_FILE, Config
from kit.notebook import HeaderWarning, MissingStepError, hand_in, start

MEMBERS = [("Ani", "13522001"), ("Budi", "13522002"), ("Citra", "13522003")]
INTERNAL_PATH = re.compile(r"kit[/\\][\w/\\]+\.py:\d+")


@pytest.fixture(autouse=True)
def default_language(monkeypatch):
    """Each test starts in the default language, whatever an earlier ``start(language=...)`` chose."""
    monkeypatch.delenv(text.LANGUAGE_ENV, raising=False)
    text.set_language(None)
    yield
    text.set_language(None)


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
    assert len(caught) == 1 and "\n" not in message and "MEMBERS" in message  # one warning, one line
    assert "'Kelompok X'" in message and "'Nama Anggota 1'" in message  # naming what is still the example


def test_a_partly_filled_header_warns_naming_what_is_left(tmp_path):
    with pytest.warns(HeaderWarning) as caught:
        start("Kelompok 7", [("Ani", "13522001"), ("Nama Anggota 2", "1xxxxxxxx")], workspace=tmp_path)
    message = str(caught[0].message)
    assert len(caught) == 1 and "\n" not in message
    assert "Anggota ke-2" in message and "1xxxxxxxx" in message and "Ani" not in message


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
    with pytest.raises(ValueError, match=r"lr: tersimpan 0.0003, diminta 0.01"):
        session.experiment(lr=0.01)
    assert Config.from_json(tmp_path / EXPERIMENT_FILE).lr == 3e-4  # nothing overwritten


def test_the_experiment_lets_runs_differ_only_where_fit_does(tmp_path, monkeypatch):
    monkeypatch.delenv("KIT_SMOKE", raising=False)
    session = start("Kelompok 7", MEMBERS, workspace=tmp_path)
    saved = session.experiment(epochs=12)
    plain = session.experiment(model="plain34", seed=2)  # what kit.config.PER_RUN_FIELDS allows
    assert plain == saved.replace(model="plain34", seed=2)
    assert Config.from_json(tmp_path / EXPERIMENT_FILE) == saved  # the shared file is not changed by it
    with pytest.raises(ValueError, match=r"epochs: tersimpan 12, diminta 3"):
        session.experiment(model="plain34", epochs=3)


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


def test_english_is_chosen_once_and_followed_by_later_notebooks(tmp_path):
    first = start("Kelompok 7", MEMBERS, workspace=tmp_path, language="en")
    assert "language: English" in repr(first) and "workspace:" in repr(first)
    text.set_language(None)                                  # a later notebook on a fresh VM
    later = start("Kelompok 7", MEMBERS, workspace=tmp_path)
    assert text.current_language() == "en" and "language: English" in repr(later)
    with pytest.raises(ValueError, match="may hold only the digits 0-9"):
        start("Kelompok 7", [("Ani", "１２３")], workspace=tmp_path)
    start("Kelompok 7", MEMBERS, workspace=tmp_path, language="id")  # and back
    text.set_language(None)
    assert "bahasa: Indonesia" in repr(start("Kelompok 7", MEMBERS, workspace=tmp_path))


def test_an_unknown_language_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match="language must be one of id, en"):
        start("Kelompok 7", MEMBERS, workspace=tmp_path / "ws", language="english")
    assert not (tmp_path / "ws").exists()


@pytest.mark.parametrize("language, words", [("id", "Tidak ada GPU. Di Colab pilih Runtime"),
                                             ("en", "No GPU. In Colab choose Runtime")])
def test_no_gpu_in_colab_says_what_to_do_in_the_language(tmp_path, monkeypatch, language, words):
    monkeypatch.setattr("kit.notebook.in_colab", lambda: True)
    monkeypatch.setattr(env, "in_colab", lambda: True)
    monkeypatch.setattr("kit.notebook.default_device", lambda: env.torch.device("cpu"))
    monkeypatch.setattr(env, "default_device", lambda: env.torch.device("cpu"))
    with pytest.warns(env.GpuWarning) as caught:
        session = start("Kelompok 7", MEMBERS, workspace=tmp_path, language=language)
    assert str(caught[0].message).startswith(words) and words in repr(session)


@pytest.mark.parametrize("language, words", [("id", "Google Drive tidak dapat di-mount (access denied)"),
                                             ("en", "Google Drive could not be mounted (access denied)")])
def test_a_failed_drive_mount_says_what_to_do(monkeypatch, language, words):
    def refuse(where):
        raise ValueError("access denied")

    colab = types.ModuleType("google.colab")
    colab.drive = types.SimpleNamespace(mount=refuse)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setattr(env.os.path, "ismount", lambda path: False)
    text.set_language(language)
    with pytest.raises(env.DriveMountError, match=re.escape(words)):
        env.ensure_drive(env.COLAB_DRIVE_WORKSPACE)


def test_in_a_notebook_start_shows_warnings_as_one_line(tmp_path, monkeypatch):
    shell = types.SimpleNamespace(run_line_magic=lambda *args: None)
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)  # restored after the test
    start("Kelompok 7", MEMBERS, workspace=tmp_path)
    assert warnings_display.installed()


def test_a_warning_shown_in_a_notebook_has_no_internal_path_or_source_line(tmp_path):
    # a subprocess, as in a notebook kernel: pytest records warnings itself and would hide the display
    code = ("from kit import warnings_display; warnings_display.install(); import kit.data; "
            f"kit.data.prepare('synthetic', {str(tmp_path)!r})")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = [line for line in (shown.stdout + shown.stderr).splitlines() if line.strip()]
    assert lines and all(line.startswith("⚠ ") for line in lines), lines  # one line per warning, nothing else
    assert not INTERNAL_PATH.search(shown.stdout + shown.stderr)
    assert "read_dataset(" not in shown.stdout + shown.stderr  # no echoed source line


def _report(workspace):
    readme = workspace / "report" / "README.md"
    readme.parent.mkdir(parents=True)
    readme.write_text("# report\n")
    (workspace / "report.zip").write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip
    return readme


def test_hand_in_names_the_one_file_to_submit(tmp_path, monkeypatch):
    monkeypatch.setattr("kit.notebook.in_colab", lambda: False)
    with pytest.raises(MissingStepError, match="write_report"):
        hand_in(tmp_path / "report" / "README.md")
    submission = hand_in(_report(tmp_path))
    assert submission.archive == tmp_path / "report.zip" and submission.download_note is None
    assert "report.zip" in submission._repr_markdown_() and str(tmp_path / "report.zip") in repr(submission)


def test_in_colab_hand_in_offers_the_zip_for_download(tmp_path, monkeypatch):
    downloaded = []
    colab = types.ModuleType("google.colab")
    colab.files = types.SimpleNamespace(download=downloaded.append)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setattr("kit.notebook.in_colab", lambda: True)
    submission = hand_in(_report(tmp_path))
    assert downloaded == [str(tmp_path / "report.zip")] and "Colab mengunduh" in submission.download_note

    def blocked(path):
        raise RuntimeError("browser closed")

    colab.files = types.SimpleNamespace(download=blocked)
    note = hand_in(tmp_path / "report" / "README.md").download_note
    assert "browser closed" in note and "Google Drive" in note  # says where the file still is; no crash


def test_the_gpu_line_names_the_card_and_its_memory(monkeypatch):
    monkeypatch.setattr(env, "default_device", lambda: env.torch.device("cuda"))
    monkeypatch.setattr(env.torch.cuda, "get_device_name", lambda device: "Tesla T4")
    monkeypatch.setattr(env.torch.cuda, "get_device_properties",
                        lambda device: types.SimpleNamespace(total_memory=15 * 2**30))
    assert env.gpu_status("id") == env.gpu_status("en") == "GPU: Tesla T4 (15 GiB)"
