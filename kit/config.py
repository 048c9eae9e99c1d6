"""Everything a run needs in one place: the ``Config`` dataclass (saved as ``config.json`` with every run), and
the group ``Header`` (``kit.header``) that every notebook and the report start with.

One Config drives both models, so Plain-34 and ResNet-34 are trained with exactly the same settings, as the
assignment demands. The defaults follow the course: 30 epochs, batch 32, 224 px, AdamW at lr 3e-4.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit.files import atomic_write_text

MODEL_NAMES = ("plain18", "plain34", "plain50", "resnet18", "resnet34", "resnet50")
"""The architectures ``kit.models.build_model`` builds: a family (plain, resnet) and a depth of Table 1 of He et
al. (2016). Defined here, free of torch, so that ``kit --help`` lists them without loading torch."""
OPTIMIZERS = ("adamw", "adam", "sgd")
SCHEDULERS = ("cosine", "step", "none")
MONITORS = ("val_loss", "val_acc")
AMP_MODES = ("auto", "off")
CHANNELS_LAST_MODES = ("auto", "on", "off")


@dataclass
class Config:
    """Hyperparameters and switches of one training run.

    Attributes:
        model: architecture name for ``kit.models.build_model`` (plain18/34/50, resnet18/34/50).
        model_options: extra keyword arguments for ``build_model`` (e.g. ``{"dropout": 0.2}``).
        epochs: passes over the training split.
        batch_size: images per optimizer step.
        image_size: side of the square images the network sees, in pixels.
        optimizer: ``adamw`` (Loshchilov & Hutter 2019, decoupled weight decay), ``adam`` (Kingma & Ba 2015)
            or ``sgd`` with Nesterov momentum (Sutskever et al. 2013).
        lr: peak learning rate.
        momentum: momentum of ``sgd`` (ignored by the Adam family).
        weight_decay: L2 penalty (``adam``/``sgd``) or decoupled weight decay (``adamw``).
        label_smoothing: target smoothing of the cross-entropy loss (Szegedy et al. 2016, "Rethinking the
            Inception Architecture"), applied to the train and the val loss alike so both curves are comparable.
        scheduler: ``cosine`` annealing to zero (Loshchilov & Hutter 2017, SGDR), ``step`` (multiply by
            ``gamma`` every ``step_size`` epochs, as in He et al. 2016) or ``none`` (constant).
        warmup_epochs: linear warm-up from almost zero to ``lr`` over this many epochs (Goyal et al. 2017),
            before any scheduler; 0 turns it off.
        step_size: epochs between two decays of the ``step`` scheduler.
        gamma: decay factor of the ``step`` scheduler.
        patience: early stopping: stop after this many epochs without improvement of ``monitor``; ``None``
            trains all ``epochs``.
        monitor: what early stopping watches: ``val_loss`` (lower is better) or ``val_acc`` (higher is better).
        seed: seeds python, numpy and torch, the model's initialisation and the data order.
        split_seed: seeds the train/val split; kept apart from ``seed`` so that runs over several seeds
            (and every model) share one split.csv.
        amp: ``auto`` uses mixed precision where the GPU has it (bf16, or fp16 with loss scaling on a T4);
            ``off`` trains in fp32 everywhere.
        channels_last: memory layout NHWC, which tensor cores prefer: ``auto`` (on CUDA), ``on`` or ``off``.
        compile: run the model through ``torch.compile`` (slower start, faster epochs on a GPU).
        val_fraction: share of the labelled images held out for validation when the split is made.
        grad_norm_every: record the gradient norm of every block each this many optimizer steps (steps 1,
            1 + N, ...) in ``gradient_norms.csv`` (``kit.diagnostics``; He et al. 2016, Sec. 4.1, on why
            plain nets degrade); 0 turns it off. It never changes what is trained.
    """

    model: str = "resnet34"
    model_options: dict[str, Any] = field(default_factory=dict)
    epochs: int = 30
    batch_size: int = 32
    image_size: int = 224
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

        def one_of(name: str, choices: tuple[str, ...]) -> None:
            value = getattr(self, name)
            check(value in choices, f"{name} must be one of {', '.join(choices)}; got {value!r}")

        check(isinstance(self.model, str) and self.model.lower() in MODEL_NAMES,
              f"model must be one of {', '.join(MODEL_NAMES)}; got {self.model!r}")
        check(isinstance(self.model_options, dict) and all(isinstance(k, str) for k in self.model_options),
              f"model_options must be a dict of keyword arguments for build_model, got {self.model_options!r}")
        if isinstance(self.model_options, dict) and "num_classes" in self.model_options:
            problems.append("model_options must not set num_classes: it comes from the dataset's classes")
        whole("epochs", 1)
        whole("batch_size", 1)
        whole("image_size", 16)
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
        if isinstance(self.warmup_epochs, int) and isinstance(self.epochs, int) and self.warmup_epochs >= self.epochs > 0:
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
        rows = {name: {"value": json.dumps(value) if isinstance(value, dict) else value,
                       "meaning": meanings.get(name, "")} for name, value in self.to_dict().items()}
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
            raise ValueError(f"Unknown Config field(s): {', '.join(unknown)}. Known fields: {', '.join(sorted(known))}.")
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


CHOICES: dict[str, tuple[str, ...]] = {
    "model": MODEL_NAMES, "optimizer": OPTIMIZERS, "scheduler": SCHEDULERS, "monitor": MONITORS,
    "amp": AMP_MODES, "channels_last": CHANNELS_LAST_MODES,
}
"""The allowed values of the Config fields that take a name."""


def describe_fields() -> dict[str, str]:
    """One sentence per Config field, taken from the ``Attributes`` section of its docstring (for ``--help``
    and hyperparameter tables)."""
    descriptions: dict[str, str] = {}
    current = None
    for line in (Config.__doc__ or "").split("Attributes:", 1)[-1].splitlines():
        match = re.match(r"^ {8}(\w+): (.*)$", line)
        if match:
            current = match.group(1)
            descriptions[current] = match.group(2).strip()
        elif current and line.startswith(" " * 12):
            descriptions[current] += " " + line.strip()
    return descriptions
