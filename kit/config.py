"""Everything that changes a result in one place: the ``Config`` dataclass, saved as ``config.json`` with every run.

One Config drives both models, so Plain-34 and ResNet-34 are trained with exactly the same settings, as the
assignment demands. The defaults follow the course: 30 epochs, batch 32, 224 px, AdamW at lr 3e-4. The
augmentation and every seed are fields too, so a run folder's config.json describes the run completely. Free of
torch, so ``kit --help`` can list the fields.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit.files import atomic_write_text
from kit.text import tr

MODEL_NAMES = ("plain18", "plain34", "plain50", "resnet18", "resnet34", "resnet50")
"""The architectures ``kit.models.build_model`` builds: a family (plain, resnet) and a depth of Table 1 of He et
al. (2016). Defined here, free of torch, so that ``kit --help`` lists them without loading torch."""
CROP_SCALE = (0.25, 1.0)
"""Range of the random crop's area as a share of the (square) cached image. torchvision's default is (0.08, 1);
a milder lower bound suits a 1000-image dataset trained for tens of epochs."""
CROP_RATIO = (3 / 4, 4 / 3)
"""Range of the random crop's aspect ratio (torchvision's ``RandomResizedCrop`` default)."""
EXPERIMENT_FILE = "experiment.json"
"""The experiment's shared Config in the workspace, written once (notebook 01) and read by every notebook."""
PER_RUN_FIELDS = ("model", "model_options", "seed", "grad_norm_every")
"""What may differ between the runs of one experiment (experiment.json): the architecture and its Tahap-3
options, the seed of repeated runs, and how often gradient norms are recorded (measured, never changing what is
trained). Everything else is shared, so the runs stay comparable."""
OWN_SPLIT_FIELDS = ("split_seed",)
"""What may also differ for a run whose data says it was split with the run's own ``split_seed``
(``Prepared.with_split_seed``: the batches' settings name the split seed, and ``fit`` checks it equals the
Config's): repeated runs that vary the split as well as the seed. A run on the workspace's split.csv may not
change it."""
NOT_MODEL_OPTIONS = {
    "num_classes": "it comes from the dataset's classes",
    "max_parameters": "the assignment's parameter budget (kit.models.PARAMETER_BUDGET) holds for every run",
}
"""``build_model`` arguments a Config must not set, and why."""
OPTIMIZERS = ("adamw", "adam", "sgd")
SCHEDULERS = ("cosine", "step", "none")
MONITORS = ("val_loss", "val_acc")
AMP_MODES = ("auto", "off")
CHANNELS_LAST_MODES = ("auto", "on", "off")


@dataclass
class Config:
    """Hyperparameters, augmentation and seeds of one training run.

    What each field means, in the words a student reads (Indonesian and English), is in ``kit/text/config.py``
    (``describe_fields``). The techniques behind them: AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay
    Regularization"), Adam (Kingma & Ba 2015), SGD with Nesterov momentum (Sutskever et al. 2013, "On the
    importance of initialization and momentum in deep learning"); label smoothing (Szegedy et al. 2016,
    "Rethinking the Inception Architecture"), applied to the train and the val loss alike; cosine annealing
    (Loshchilov & Hutter 2017, "SGDR"), step decay as in He et al. (2016), linear warm-up (Goyal et al. 2017,
    "Accurate, Large Minibatch SGD"); early stopping (Prechelt 1998); the random resized crop (Szegedy et al.
    2015, "Going Deeper with Convolutions") and horizontal flip; gradient norms as evidence on why plain nets
    degrade (He et al. 2016, Sec. 4.1; ``kit.diagnostics``).
    """

    model: str = "resnet34"
    model_options: dict[str, Any] = field(default_factory=dict)
    epochs: int = 30
    batch_size: int = 32
    image_size: int = 224
    crop_scale: tuple[float, float] = CROP_SCALE
    crop_ratio: tuple[float, float] = CROP_RATIO
    flip: bool = True
    optimizer: str = "adamw"
    lr: float = 3e-4
    momentum: float = 0.9
    weight_decay: float = 1e-4
    label_smoothing: float = 0.1
    scheduler: str = "cosine"
    warmup_epochs: int = 1
    step_size: int = 10
    gamma: float = 0.1
    patience: int | None = None
    monitor: str = "val_loss"
    seed: int = 0
    split_seed: int = 0
    amp: str = "auto"
    channels_last: str = "auto"
    compile: bool = False
    val_fraction: float = 0.2
    grad_norm_every: int = 10

    def __post_init__(self) -> None:
        problems: list[str] = []

        def check(ok: bool, message: str) -> None:
            if not ok:
                problems.append(message)

        def whole(name: str, minimum: int) -> None:
            value = getattr(self, name)
            check(isinstance(value, int) and not isinstance(value, bool) and value >= minimum,
                  f"{name} must be a whole number >= {minimum}, got {value!r}")

        def number(name: str, low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                problems.append(f"{name} must be a number, got {value!r}")
                return
            below = value <= low if low_open else value < low
            above = value >= high if high_open else value > high
            if below or above:
                interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
                problems.append(f"{name} must lie in {interval}, got {value!r}")

        def pair(name: str, low: float, high: float) -> Any:
            """A (low, high) range with low <= high inside (low, high]; a JSON list becomes a tuple."""
            value = getattr(self, name)
            if isinstance(value, (list, tuple)) and len(value) == 2 and all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and low < v <= high for v in value) \
                    and value[0] <= value[1]:
                return tuple(float(v) for v in value)
            problems.append(f"{name} must be two numbers (low, high) with {low:g} < low <= high <= {high:g}, "
                            f"got {value!r}")
            return value

        def one_of(name: str, choices: tuple[str, ...]) -> None:
            value = getattr(self, name)
            check(value in choices, f"{name} must be one of {', '.join(choices)}; got {value!r}")

        check(isinstance(self.model, str) and self.model.lower() in MODEL_NAMES,
              f"model must be one of {', '.join(MODEL_NAMES)}; got {self.model!r}")
        check(isinstance(self.model_options, dict) and all(isinstance(k, str) for k in self.model_options),
              f"model_options must be a dict of keyword arguments for build_model, got {self.model_options!r}")
        for name, why in NOT_MODEL_OPTIONS.items():
            if isinstance(self.model_options, dict) and name in self.model_options:
                problems.append(f"model_options must not set {name}: {why}")
        whole("epochs", 1)
        whole("batch_size", 1)
        whole("image_size", 16)
        self.crop_scale = pair("crop_scale", 0.0, 1.0)
        self.crop_ratio = pair("crop_ratio", 0.0, math.inf)
        check(isinstance(self.flip, bool), f"flip must be True or False, got {self.flip!r}")
        one_of("optimizer", OPTIMIZERS)
        number("lr", 0.0, 10.0, low_open=True)
        number("momentum", 0.0, 1.0, high_open=True)
        number("weight_decay", 0.0, 1.0)
        number("label_smoothing", 0.0, 1.0, high_open=True)
        one_of("scheduler", SCHEDULERS)
        whole("warmup_epochs", 0)
        whole("step_size", 1)
        number("gamma", 0.0, 1.0, low_open=True)
        if self.patience is not None:
            whole("patience", 1)
        one_of("monitor", MONITORS)
        whole("seed", 0)
        whole("split_seed", 0)
        one_of("amp", AMP_MODES)
        one_of("channels_last", CHANNELS_LAST_MODES)
        check(isinstance(self.compile, bool), f"compile must be True or False, got {self.compile!r}")
        number("val_fraction", 0.0, 1.0, low_open=True, high_open=True)
        whole("grad_norm_every", 0)
        if (isinstance(self.warmup_epochs, int) and isinstance(self.epochs, int)
                and self.warmup_epochs >= self.epochs > 0):
            problems.append(f"warmup_epochs ({self.warmup_epochs}) must be smaller than epochs ({self.epochs}), "
                            "or the run never reaches its peak learning rate")
        if problems:
            raise ValueError("Invalid Config: " + "; ".join(problems) + ".")
        self.model = self.model.lower()

    # ---- construction -------------------------------------------------------------------------------------
    @classmethod
    def smoke(cls, **overrides: Any) -> Config:
        """Small settings for a CPU or CI run: 64 px images, 2 epochs, batch 16, warm-up off.

        Everything else keeps the course defaults, so a smoke run exercises the same code path as a real one.
        """
        settings: dict[str, Any] = {"image_size": 64, "epochs": 2, "batch_size": 16, "warmup_epochs": 0}
        settings.update(overrides)
        return cls(**settings)

    def replace(self, **changes: Any) -> Config:
        """A copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)

    # ---- JSON ---------------------------------------------------------------------------------------------
    def _repr_html_(self) -> str:
        """In a notebook: one row per field with its meaning, instead of one long line."""
        import pandas as pd

        meanings = describe_fields()
        value, meaning = tr("config.value"), tr("config.meaning")
        rows = {name: {value: json.dumps(setting) if isinstance(setting, (dict, tuple)) else setting,
                       meaning: meanings[name]} for name, setting in self.to_dict().items()}
        return pd.DataFrame.from_dict(rows, orient="index").to_html()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self, path: str | Path | None = None) -> str:
        """The config as indented JSON; also written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n"
        if path is not None:
            atomic_write_text(path, text)
        return text

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Config:
        """Build from a dict; unknown keys are an error (a typo must not be silently ignored)."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"Unknown Config field(s): {', '.join(unknown)}. Known fields: "
                             f"{', '.join(sorted(known))}.")
        return cls(**values)

    @classmethod
    def from_json(cls, source: str | Path) -> Config:
        """Read a config from a ``config.json`` path or from a JSON string."""
        text = str(source)
        if not text.lstrip().startswith("{"):
            path = Path(source)
            if not path.exists():
                raise FileNotFoundError(f"No config file at {path}")
            text = path.read_text(encoding="utf-8")
        return cls.from_dict(json.loads(text))

    def differences(self, other: Config) -> dict[str, tuple[Any, Any]]:
        """Fields whose values differ, as ``{name: (self's value, other's value)}``."""
        mine, theirs = self.to_dict(), other.to_dict()
        return {name: (mine[name], theirs[name]) for name in mine if mine[name] != theirs[name]}


def experiment_conflicts(experiment: Config, config: Config, *, own_split: bool = False) -> dict[str, tuple[Any, Any]]:
    """The fields in which ``config`` contradicts the experiment's shared Config, as ``{name: (experiment's,
    config's)}``; the ``PER_RUN_FIELDS`` may differ, and the ``OWN_SPLIT_FIELDS`` too when ``own_split`` (the
    run's data is a split made with the Config's own ``split_seed``). Empty: ``config`` is a run of this
    experiment."""
    allowed = PER_RUN_FIELDS + (OWN_SPLIT_FIELDS if own_split else ())
    return {name: values for name, values in experiment.differences(config).items() if name not in allowed}


CHOICES: dict[str, tuple[str, ...]] = {
    "model": MODEL_NAMES, "optimizer": OPTIMIZERS, "scheduler": SCHEDULERS, "monitor": MONITORS,
    "amp": AMP_MODES, "channels_last": CHANNELS_LAST_MODES,
}
"""The allowed values of the Config fields that take a name."""


def describe_fields(language: str | None = None) -> dict[str, str]:
    """What each Config field means, in plain words (``kit/text/config.py``), in ``language`` (default: the
    current one): for ``kit train --help``, the Config table in notebooks and hyperparameter tables."""
    return {field.name: tr(f"config.{field.name}", language) for field in dataclasses.fields(Config)}
