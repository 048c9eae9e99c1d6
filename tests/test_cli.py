"""The ``kit train`` and ``kit all`` commands on the embedded synthetic data (tiny settings, CPU)."""

import dataclasses
import json
import re
import zipfile
import subprocess
import sys

import pandas as pd
import pytest

from kit.cli import COMMANDS, build_parser, main
from kit.commands.options import OFF, config_overrides
from kit.config import Config
from kit.text import tr

TINY = ["--image-size", "32", "--batch-size", "16", "--epochs", "1", "--smoke"]


pytestmark = pytest.mark.usefixtures("one_thread", "english")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return tmp_path_factory.mktemp("workspace")


def test_every_config_field_is_an_option():
    parser = build_parser()
    for command in ("train", "all"):
        flags = {flag for action in parser._subparsers._group_actions[0].choices[command]._actions
                 for flag in action.option_strings}
        for field in dataclasses.fields(Config):
            assert "--" + field.name.replace("_", "-") in flags, (command, field.name)
    args = parser.parse_args(["train", "--patience", "none", "--compile", "--model-options", '{"dropout": 0.1}',
                              "--lr", "0.01", "--optimizer", "sgd"])
    assert (args.patience, args.compile, args.model_options, args.lr, args.optimizer) == \
        (OFF, True, {"dropout": 0.1}, 0.01, "sgd")
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "--optimizer", "rmsprop"])


def test_a_choice_called_none_is_not_switching_a_field_off():
    args = build_parser().parse_args(["train", "--scheduler", "none", "--patience", "none", "--epochs", "3"])
    overrides = config_overrides(args)
    assert overrides == {"scheduler": "none", "patience": None, "epochs": 3}
    assert Config(**overrides).scheduler == "none"


_NO_TORCH = """
import sys
from kit.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    status = exit.code
loaded = sorted(m for m in ("torch", "torchvision", "pandas", "matplotlib") if m in sys.modules)
print("status", status, "loaded", loaded)
"""


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["data", "--help"], ["train", "--lr", "fast"],
                                  ["teach"], ["all", "--optimizer", "rmsprop"]])
def test_help_and_argument_errors_answer_without_loading_torch(argv):
    done = subprocess.run([sys.executable, "-c", _NO_TORCH, *argv], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] in ("status 0 loaded []", "status 2 loaded []"), done.stdout
    assert "usage: kit" in done.stdout + done.stderr


REQUIRED_ARGUMENTS = {"grade": ["SUBMISSIONS", "--labels", "LABELS.csv", "--out", "DIR"], "leak": ["FOLDER"]}
"""The least each command with required arguments parses."""


def test_every_command_resolves_to_its_implementation():
    parser = build_parser()
    for command in COMMANDS:
        assert callable(command.implementation()), command.name
        assert parser.parse_args([command.name, *REQUIRED_ARGUMENTS.get(command.name, [])]).chosen is command


def test_kit_train_on_the_synthetic_default(workspace, capsys):
    argv = ["train", "--workspace", str(workspace), "--model", "resnet18", "--name", "tiny", *TINY]
    assert main(argv) == 0
    run_dir = workspace / "runs" / "tiny"
    config = Config.from_json(run_dir / "config.json")
    assert (config.model, config.image_size, config.batch_size, config.epochs) == ("resnet18", 32, 16, 1)
    assert config == Config.smoke(model="resnet18", image_size=32, batch_size=16, epochs=1)
    split = pd.read_csv(workspace / "split.csv")
    predictions = pd.read_csv(run_dir / "predictions.csv")
    assert sorted(predictions["filename"]) == sorted(split.loc[split["split"] == "val", "filename"])
    assert len(pd.read_csv(run_dir / "test_predictions.csv")) > 0  # the synthetic set has test images
    assert json.loads((run_dir / "metrics.json").read_text())["finished"] is True
    out, err = capsys.readouterr()
    assert "epoch 1/1" in out and "tiny: best epoch 1 (lowest val loss): val acc " in out  # Config.monitor's best
    data_warnings = [line for line in err.splitlines() if "train.csv" in line]  # a blank row, a missing file
    assert len(data_warnings) == 2 and all(line.startswith("⚠ ") for line in data_warnings), err
    assert "kit/" not in err and "read_dataset(" not in err  # no internal path, no echoed source line

    assert main(argv) == 0  # the same command again: loaded, not retrained
    assert "loaded, not retrained" in capsys.readouterr().out

    assert main([*argv, "--lr", "0.001"]) == 2  # a message, not a traceback
    assert "different config (lr 0.0003 -> 0.001" in capsys.readouterr().err


def test_kit_all_trains_both_models_and_writes_the_report(workspace, capsys):
    assert main(["all", "--workspace", str(workspace), *TINY]) == 0
    out = capsys.readouterr().out
    assert "Smoke settings: small images (32 px), 1 epochs" in out
    for name in ("plain34", "resnet34"):
        metrics = json.loads((workspace / "runs" / name / "metrics.json").read_text())
        assert metrics["model"] == name and metrics["finished"]
    plain, resnet = (Config.from_json(workspace / "runs" / n / "config.json") for n in ("plain34", "resnet34"))
    assert plain.differences(resnet) == {"model": ("plain34", "resnet34")}  # one config drives both
    readme = (workspace / "report" / "README.md").read_text(encoding="utf-8")
    # The report a student hands in: its data named as synthetic, every comparison with its interval, McNemar p and
    # verdict, the Grad-CAM maps, and all of it packed in report.zip.
    assert tr("report.source_synthetic") in readme  # in the workspace's language, unmissable
    assert "McNemar p" in readme and re.search(r"\d+\.\d% \[\d+\.\d%, \d+\.\d%\]", readme)
    assert re.search(r"Plain-34 .*McNemar p = [\d.<]+", readme)  # the verdict sentence
    gradcam = re.findall(r"!\[Grad-CAM[^\]]*\]\((images/[^)]+\.png)\)", readme)
    assert gradcam and all((workspace / "report" / image).is_file() for image in gradcam)
    with zipfile.ZipFile(workspace / "report.zip") as packed:
        assert {"README.md", *gradcam} <= set(packed.namelist())


def test_without_data_kit_train_uses_the_workspace_split(tmp_path, capsys):
    from kit.data import make_synthetic

    real = make_synthetic(tmp_path / "course", per_class=6, seed=3)  # stands in for the group's real dataset
    assert main(["data", str(real), "--workspace", str(tmp_path / "ws")]) == 0
    split_before = (tmp_path / "ws" / "split.csv").read_text()
    assert main(["train", "--workspace", str(tmp_path / "ws"), "--model", "resnet18", *TINY]) == 0
    assert "the workspace's split.csv" in capsys.readouterr().out
    assert (tmp_path / "ws" / "split.csv").read_text() == split_before  # not replaced by the synthetic default
    assert not list((tmp_path / "ws").glob("split.replaced-*"))


def test_bad_data_is_a_message_not_a_traceback(tmp_path, capsys):
    from kit.data import make_synthetic

    root = make_synthetic(tmp_path / "course", per_class=4)
    csv = root / "train.csv"
    csv.write_text(csv.read_text().replace(",rendang\n", ",rendangg\n", 1))
    assert main(["data", str(root), "--workspace", str(tmp_path / "ws")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kit data: ") and "rendangg" in err and "Traceback" not in err


def test_kit_data_speaks_the_workspaces_language_and_warns_in_one_line_each(tmp_path, capsys, monkeypatch):
    from kit.language import save_language
    from kit.text import set_language

    set_language(None)  # no choice in this process: Indonesian unless the workspace saved another
    monkeypatch.delenv("KIT_LANGUAGE", raising=False)
    assert main(["data", "--workspace", str(tmp_path / "id")]) == 0
    out, err = capsys.readouterr()
    assert "gambar val yang punya duplikat di train: 0" in out and "val images with" not in out
    warnings = err.strip().splitlines()
    assert warnings and all(line.startswith("⚠ ") for line in warnings)  # kit.warnings_display's one line each
    assert "prepare.py" not in err and "kit/" not in err  # no internal path, no echoed source line

    (tmp_path / "en").mkdir()
    save_language(tmp_path / "en", "en")  # the group chose English in a notebook
    assert main(["data", "--workspace", str(tmp_path / "en")]) == 0
    out, err = capsys.readouterr()
    assert "val images with a duplicate in train: 0" in out
    assert "⚠ Blank rows in train.csv" in err and "DataWarning" not in err
    set_language(None)


def test_kit_sweeps_table_writes_numbers_as_the_report_does():
    from kit import numbers
    from kit.commands.sweep import _readable

    summary = pd.DataFrame({"model": ["plain34", "resnet34"], "n": [3, 3], "val_acc": ["50.0 ± 1.0%", "60.0 ± 1.0%"],
                            "difference": ["", "+10.0 ± 1.0 points"], "difference_low": [float("nan"), 0.0512],
                            "difference_high": [float("nan"), 0.1488], "difference_p": [float("nan"), 0.0004],
                            "pairing": ["", "seed"], "runs_told_apart": [float("nan"), 2],
                            "runs_paired": [float("nan"), 3]})
    shown = _readable(summary).iloc[1]
    assert shown["95% interval"] == f"[{numbers.points(0.0512)}, {numbers.points(0.1488)}]" == "[+5.1, +14.9]"
    assert shown["p"] == "< 0.001" and shown["runs told apart (McNemar)"] == "2/3"
    assert _readable(summary).iloc[0]["95% interval"] == ""
