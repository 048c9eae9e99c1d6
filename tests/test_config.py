"""kit.config: the Config defaults, its validation and JSON round trip (the group Header: tests/test_header.py)."""

import dataclasses
import json

import pytest

from kit.config import EXPERIMENT_FILE, PER_RUN_FIELDS, Config, describe_fields, experiment_conflicts
from kit.text import tr


def test_defaults_follow_the_course():
    config = Config()
    assert (config.model, config.epochs, config.batch_size, config.image_size) == ("resnet34", 30, 32, 224)
    assert (config.optimizer, config.lr, config.weight_decay, config.label_smoothing) == ("adamw", 3e-4, 1e-4, 0.1)
    assert (config.scheduler, config.warmup_epochs, config.patience, config.monitor) == ("cosine", 1, None, "val_loss")
    assert (config.amp, config.channels_last, config.compile, config.val_fraction) == ("auto", "auto", False, 0.2)
    assert config.model_options == {} and config.model_options is not Config().model_options


def test_json_round_trip_through_a_file(tmp_path):
    config = Config(model="plain34", model_options={"zero_init_residual": False}, optimizer="sgd", lr=0.05,
                    scheduler="step", step_size=5, gamma=0.5, patience=3, monitor="val_acc", seed=7)
    path = tmp_path / "config.json"
    config.to_json(path)
    assert json.loads(path.read_text())["model_options"] == {"zero_init_residual": False}
    assert Config.from_json(path) == config
    assert Config.from_json(config.to_json()) == config
    assert Config.from_json(path).differences(config) == {}


def test_differences_name_the_changed_fields():
    assert Config().differences(Config(lr=1e-3, epochs=5)) == {"epochs": (30, 5), "lr": (3e-4, 1e-3)}


def test_unknown_fields_in_json_are_an_error():
    with pytest.raises(ValueError, match="Unknown Config field.*learning_rate"):
        Config.from_dict({"learning_rate": 0.1})


@pytest.mark.parametrize("changes, message", [
    ({"model": "resnet35"}, "model must be one of"),
    ({"optimizer": "rmsprop"}, "optimizer must be one of adamw, adam, sgd"),
    ({"scheduler": "linear"}, "scheduler must be one of"),
    ({"lr": 0}, r"lr must lie in \(0, 10\]"),
    ({"lr": float("nan")}, "lr must be a number"),
    ({"epochs": 0}, "epochs must be a whole number >= 1"),
    ({"batch_size": 8.5}, "batch_size must be a whole number"),
    ({"label_smoothing": 1.0}, r"label_smoothing must lie in \[0, 1\)"),
    ({"val_fraction": 0.0}, "val_fraction"),
    ({"patience": 0}, "patience must be a whole number >= 1"),
    ({"monitor": "train_loss"}, "monitor must be one of val_loss, val_acc"),
    ({"amp": "fp16"}, "amp must be one of auto, off"),
    ({"compile": "yes"}, "compile must be True or False"),
    ({"model_options": {"num_classes": 10}}, "must not set num_classes"),
    ({"epochs": 1, "warmup_epochs": 1}, "warmup_epochs .1. must be smaller than epochs .1."),
])
def test_invalid_values_are_named(changes, message):
    with pytest.raises(ValueError, match=message):
        Config(**changes)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValueError) as error:
        Config(epochs=0, optimizer="rmsprop")
    assert "epochs" in str(error.value) and "optimizer" in str(error.value)


def test_smoke_settings_are_small_and_overridable():
    smoke = Config.smoke()
    assert (smoke.image_size, smoke.epochs) == (64, 2)
    assert smoke.lr == Config().lr and smoke.optimizer == Config().optimizer
    assert Config.smoke(model="plain34", epochs=3).epochs == 3


def test_model_name_is_normalised():
    assert Config(model="ResNet34").model == "resnet34"


def test_a_config_shows_as_a_table_in_notebooks():
    html = Config(lr=1e-3, model_options={"se": True})._repr_html_()
    assert html.count("<tr>") == len(dataclasses.fields(Config))  # one row per field (the header row is styled)
    assert "<td>0.001</td>" in html and "<td>{\"se\": true}</td>" in html
    assert tr("config.lr") in html and "``" not in html  # plain words, in the student's language


def test_augmentation_is_part_of_the_config_and_its_json(tmp_path):
    config = Config(crop_scale=(0.5, 1.0), crop_ratio=[0.8, 1.25], flip=False)
    assert config.crop_ratio == (0.8, 1.25)  # a JSON list becomes a tuple, so configs read back compare equal
    config.to_json(tmp_path / "config.json")
    saved = json.loads((tmp_path / "config.json").read_text())
    assert (saved["crop_scale"], saved["crop_ratio"], saved["flip"]) == ([0.5, 1.0], [0.8, 1.25], False)
    assert Config.from_json(tmp_path / "config.json") == config
    assert Config().differences(config).keys() == {"crop_scale", "crop_ratio", "flip"}


@pytest.mark.parametrize("changes, message", [
    ({"crop_scale": (0.0, 1.0)}, "crop_scale must be two numbers"),
    ({"crop_scale": (0.9, 0.5)}, "crop_scale must be two numbers"),
    ({"crop_ratio": (1.0,)}, "crop_ratio must be two numbers"),
    ({"flip": "yes"}, "flip must be True or False"),
    ({"model_options": {"max_parameters": None}}, "must not set max_parameters"),
])
def test_invalid_augmentation_and_budget_are_named(changes, message):
    with pytest.raises(ValueError, match=message):
        Config(**changes)


def test_runs_of_one_experiment_differ_only_in_model_options_seed_and_what_is_measured():
    experiment = Config()
    assert experiment_conflicts(experiment, experiment.replace(model="plain34", model_options={"se": True},
                                                               seed=2)) == {}
    assert experiment_conflicts(experiment, experiment.replace(lr=1e-3, flip=False)) == {
        "lr": (3e-4, 1e-3), "flip": (True, False)}
    assert set(PER_RUN_FIELDS) == {"model", "model_options", "seed", "grad_norm_every"}
    assert EXPERIMENT_FILE == "experiment.json"


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_field_has_a_plain_meaning_in_each_language(language):
    meanings = describe_fields(language)
    assert list(meanings) == [field.name for field in dataclasses.fields(Config)]
    assert all(meaning and "``" not in meaning for meaning in meanings.values())
    assert describe_fields("id")["flip"] != describe_fields("en")["flip"]
