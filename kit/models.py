"""Plain and residual networks for the ResNet exploration, built on torchvision's ``ResNet``.

He, Zhang, Ren, Sun (2016), "Deep Residual Learning for Image Recognition", CVPR (arXiv:1512.03385).
Table 1 of the paper: the 18- and 34-layer nets stack basic blocks ``[2, 2, 2, 2]`` / ``[3, 4, 6, 3]``, the
50-layer net bottleneck blocks ``[3, 4, 6, 3]``. The *plain* nets of Section 4.1 are the same stacks with
the shortcut connections removed, so a plain net differs from its ResNet only by ``out += identity``.

We reuse torchvision's ``ResNet``, ``BasicBlock`` and ``Bottleneck`` rather than retyping them: a
``resnet34`` from here has exactly the state_dict of ``torchvision.models.resnet34``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import torch
from torch import Tensor, nn
from torchvision import models as tv_models
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

STAGE_BLOCKS = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3]}
"""Blocks per stage (conv2_x .. conv5_x), Table 1 of He et al. (2016)."""

_TORCHVISION_WEIGHTS = {
    "resnet18": tv_models.ResNet18_Weights,
    "resnet34": tv_models.ResNet34_Weights,
    "resnet50": tv_models.ResNet50_Weights,
}


class PlainBasicBlock(BasicBlock):
    """``BasicBlock`` without its shortcut: conv-bn-relu-conv-bn-relu (He et al. 2016, Sec. 4.1, plain nets).

    torchvision's ``ResNet._make_layer`` hands every first block of a stage a 1x1 ``downsample`` projection
    for its shortcut; a plain block has no shortcut, so it drops the module (no unused parameters).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.downsample = None

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out)


class PlainBottleneck(Bottleneck):
    """``Bottleneck`` (1x1-3x3-1x1) without its shortcut, for ``plain50``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.downsample = None

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out)


_ARCHITECTURES: dict[str, tuple[type[nn.Module], list[int]]] = {
    "plain18": (PlainBasicBlock, STAGE_BLOCKS[18]),
    "plain34": (PlainBasicBlock, STAGE_BLOCKS[34]),
    "plain50": (PlainBottleneck, STAGE_BLOCKS[50]),
    "resnet18": (BasicBlock, STAGE_BLOCKS[18]),
    "resnet34": (BasicBlock, STAGE_BLOCKS[34]),
    "resnet50": (Bottleneck, STAGE_BLOCKS[50]),
}
MODEL_NAMES = tuple(_ARCHITECTURES)


def build_model(
    name: str,
    num_classes: int = 5,
    *,
    weights: str | Path | None = None,
    zero_init_residual: bool = False,
) -> ResNet:
    """Build ``plain18|plain34|plain50|resnet18|resnet34|resnet50`` with a ``num_classes``-way head.

    Args:
        name: architecture name (see ``MODEL_NAMES``).
        num_classes: outputs of the final fully connected layer.
        weights: ``None`` for random initialisation (the assignment trains from scratch); a torchvision
            weights name such as ``"IMAGENET1K_V1"`` / ``"DEFAULT"`` (ResNets only; downloaded and cached by
            torchvision); or the path of a saved state_dict of the same architecture. A 1000-class ImageNet
            head is dropped and a fresh ``num_classes`` head kept.
        zero_init_residual: zero each residual branch's last BN scale (Goyal et al. 2017, "Accurate, Large
            Minibatch SGD"), so every block starts as the identity. Meaningless without a shortcut: for a
            plain net it would zero every block's output, so it is refused there.
    """
    key = name.lower()
    if key not in _ARCHITECTURES:
        raise ValueError(f"Unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}.")
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes}.")
    is_plain = key.startswith("plain")
    if zero_init_residual and is_plain:
        raise ValueError(f"zero_init_residual needs a shortcut; {name} has none (it would zero every block).")
    block, layers = _ARCHITECTURES[key]
    model = ResNet(block, layers, num_classes=num_classes, zero_init_residual=zero_init_residual)
    model.kit_name = key  # so summaries and reports can name the architecture
    if weights is not None:
        _load_weights(model, key, weights)
    return model


def _load_weights(model: ResNet, key: str, weights: str | Path) -> None:
    """Load pretrained weights into ``model`` in place, keeping its own classification head when sizes differ."""
    path = Path(weights).expanduser()
    if path.suffix in {".pt", ".pth", ".bin"} or path.exists():
        if not path.exists():
            raise FileNotFoundError(f"Weights file not found: {path}")
        state_dict = torch.load(path, map_location="cpu", weights_only=True)
        if isinstance(state_dict, dict) and "model" in state_dict and isinstance(state_dict["model"], dict):
            state_dict = state_dict["model"]  # a kit checkpoint (best.pt / last.pt)
        source = str(path)
    else:
        if key not in _TORCHVISION_WEIGHTS:
            raise ValueError(f"No pretrained torchvision weights exist for {key}; train it from scratch.")
        enum = _TORCHVISION_WEIGHTS[key]
        try:
            tv_weights = enum.DEFAULT if str(weights).upper() == "DEFAULT" else enum[str(weights)]
        except KeyError:
            names = ", ".join(w.name for w in enum)
            raise ValueError(f"Unknown weights {weights!r} for {key}; choose DEFAULT, {names} or a file path.") from None
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
    missing, unexpected = model.load_state_dict(state_dict, strict=False)
    missing = [k for k in missing if not k.startswith("fc.")]
    if missing or unexpected:
        raise ValueError(
            f"Weights from {source} do not fit {key}: missing {missing[:5]}, unexpected {unexpected[:5]}."
        )


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def summary(model: nn.Module, image_size: int = 224) -> pd.DataFrame:
    """One row per stage (stem, conv2_x..conv5_x, pool, fc): output shape and parameter count.

    Stage names follow Table 1 of He et al. (2016). Uses torchinfo for the shapes and counts.
    """
    from torchinfo import summary as torchinfo_summary

    device = next(model.parameters()).device
    stats = torchinfo_summary(
        model, input_size=(1, 3, image_size, image_size), depth=1, verbose=0, device=device,
        col_names=("output_size", "num_params"),
    )
    stage_of = {"conv1": "conv1 (stem)", "bn1": "conv1 (stem)", "relu": "conv1 (stem)",
                "maxpool": "conv1 (stem)", "layer1": "conv2_x", "layer2": "conv3_x",
                "layer3": "conv4_x", "layer4": "conv5_x", "avgpool": "avgpool", "fc": "fc"}
    rows: dict[str, dict[str, Any]] = {}
    for layer in stats.summary_list:
        if layer.depth != 1:
            continue
        stage = stage_of.get(layer.var_name, layer.var_name)
        row = rows.setdefault(stage, {"stage": stage, "output_shape": None, "parameters": 0})
        row["output_shape"] = tuple(layer.output_size[1:])
        row["parameters"] += sum(p.numel() for p in getattr(model, layer.var_name).parameters())
    table = pd.DataFrame(list(rows.values()))
    total = pd.DataFrame([{"stage": "total", "output_shape": table["output_shape"].iloc[-1],
                           "parameters": int(table["parameters"].sum())}])
    return pd.concat([table, total], ignore_index=True)
