"""Starting from trained weights instead of random ones: torchvision's ImageNet weights, or a saved state_dict
(a kit checkpoint included), read with ``weights_only=True`` so a file from elsewhere cannot run code.

The assignment trains from scratch; this is for experiments beyond it (``build_model(..., weights=...)``).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torchvision import models as tv_models

_TORCHVISION_WEIGHTS = {
    "resnet18": tv_models.ResNet18_Weights,
    "resnet34": tv_models.ResNet34_Weights,
    "resnet50": tv_models.ResNet50_Weights,
}


def load_weights(model: nn.Module, key: str, weights: str | Path) -> None:
    """Load pretrained weights into ``model`` in place, keeping its own classification head when sizes differ."""
    path = Path(weights).expanduser()
    if path.suffix in {".pt", ".pth", ".bin"} or path.exists():
        if not path.exists():
            raise FileNotFoundError(f"Weights file not found: {path}")
        state_dict = torch.load(path, map_location="cpu", weights_only=True)
        if isinstance(state_dict, dict) and "model" in state_dict and isinstance(state_dict["model"], dict):
            state_dict = state_dict["model"]  # a kit checkpoint (best.pt / last.pt)
        # A model saved after torch.compile prefixes every key with "_orig_mod.".
        state_dict = {k.removeprefix("_orig_mod."): v for k, v in state_dict.items()}
        source = str(path)
    else:
        if key not in _TORCHVISION_WEIGHTS:
            raise ValueError(f"No pretrained torchvision weights exist for {key}; train it from scratch.")
        enum = _TORCHVISION_WEIGHTS[key]
        try:
            tv_weights = enum.DEFAULT if str(weights).upper() == "DEFAULT" else enum[str(weights)]
        except KeyError:
            names = ", ".join(w.name for w in enum)
            raise ValueError(f"Unknown weights {weights!r} for {key}; choose DEFAULT, {names} or a file "
                             "path.") from None
        try:
            state_dict = tv_weights.get_state_dict(progress=False)
        except Exception as error:  # URLError, HTTPError, OSError, SSL errors: all mean "could not fetch"
            raise RuntimeError(
                f"Could not download {key} weights {tv_weights.name} from {tv_weights.url} ({error}). "
                f"Without internet, download that file elsewhere and pass its path: "
                f"build_model({key!r}, weights='resnet34.pth')."
            ) from error
        source = tv_weights.url
    own_head = {k: v.shape for k, v in model.state_dict().items() if k.startswith("fc.")}
    if any(state_dict.get(k) is not None and state_dict[k].shape != shape for k, shape in own_head.items()):
        state_dict = {k: v for k, v in state_dict.items() if not k.startswith("fc.")}
    try:
        missing, unexpected = model.load_state_dict(state_dict, strict=False)
    except RuntimeError as error:  # same names, other shapes: e.g. ResNet weights into a grouped net
        raise ValueError(f"Weights from {source} do not fit {key}: {str(error).splitlines()[-1].strip()}") from None
    missing = [k for k in missing if not k.startswith("fc.")]
    if missing or unexpected:
        raise ValueError(
            f"Weights from {source} do not fit {key}: missing {missing[:5]}, unexpected {unexpected[:5]}."
        )
