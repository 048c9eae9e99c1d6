"""Plain and residual networks for the ResNet exploration, built on torchvision's ``ResNet``.

He, Zhang, Ren, Sun (2016), "Deep Residual Learning for Image Recognition", CVPR (arXiv:1512.03385).
Table 1 of the paper: the 18- and 34-layer nets stack basic blocks ``[2, 2, 2, 2]`` / ``[3, 4, 6, 3]``, the
50-layer net bottleneck blocks ``[3, 4, 6, 3]``. The *plain* nets of Section 4.1 are the same stacks with
the shortcut connections removed, so a plain net differs from its ResNet only by ``out += identity``.

We reuse torchvision's ``ResNet``, ``BasicBlock`` and ``Bottleneck`` rather than retyping them: a
``resnet34`` from here has exactly the state_dict of ``torchvision.models.resnet34``.

The Tahap-3 modifications are keyword options of ``build_model`` that compose freely, e.g.
``build_model("resnet34", preact=True, se=True, activation="mish", dropout=0.2)``; the blocks they need live
in ``kit.blocks``. With every option off the model *is* torchvision's. ``MODIFICATIONS`` and
``describe_options`` give each option's description and paper, for tables and citation lists.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any, Mapping, NamedTuple

import pandas as pd
import torch
from torch import Tensor, nn
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

from kit.blocks import (
    BlockFactory,
    BlockOptions,
    KitBasicBlock,
    KitBlock,
    KitBottleneck,
    check_activation,
    check_multipath_merge,
    make_activation,
)
from kit.config import MODEL_NAMES, Config
from kit.pretrained import load_weights
from kit.text import tr

STAGE_BLOCKS = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3]}
"""Blocks per stage (conv2_x .. conv5_x), Table 1 of He et al. (2016)."""



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


_BLOCK_CLASSES: dict[tuple[str, bool], type[nn.Module]] = {
    ("plain", False): PlainBasicBlock, ("plain", True): PlainBottleneck,
    ("resnet", False): BasicBlock, ("resnet", True): Bottleneck,
}
"""(family, bottleneck?) -> block class: 18/34-layer nets stack basic blocks, the 50-layer net bottlenecks."""


def _architecture(name: str) -> tuple[type[nn.Module], list[int]]:
    """The block class and blocks per stage of ``name`` (one of ``MODEL_NAMES``: family + depth)."""
    family, depth = re.fullmatch(r"(plain|resnet)(\d+)", name).groups()
    return _BLOCK_CLASSES[family, int(depth) >= 50], STAGE_BLOCKS[int(depth)]


PARAMETER_BUDGET = 26_000_000
"""The assignment's cap on a modified ResNet-34 (Tahap 3): fewer than 26M parameters."""

DROPOUT_PLACES = ("head", "block")


class KitResNet(ResNet):
    """torchvision's ``ResNet`` plus the network-level parts of the modifications.

    - ``act``: the stem activation (``activation`` applies throughout, stem included).
    - ``final_norm``: BN + activation after the last block, needed by pre-activation nets whose blocks end on
      an un-normalised sum (He et al. 2016b); an ``Identity`` otherwise.
    - ``dropout``: dropout before the classifier (Srivastava et al. 2014); an ``Identity`` when off.

    Blocks come from ``block`` (a torchvision block class or a ``kit.blocks.BlockFactory``), stacked by
    torchvision's own ``_make_layer`` as in the unmodified net.
    """

    def __init__(
        self,
        block: type[nn.Module] | BlockFactory,
        layers: list[int],
        num_classes: int,
        *,
        groups: int = 1,
        width_per_group: int = 64,
        activation: str = "relu",
        preact: bool = False,
        head_dropout: float = 0.0,
        zero_init_residual: bool = False,
    ) -> None:
        super().__init__(block, layers, num_classes=num_classes, zero_init_residual=zero_init_residual,
                         groups=groups, width_per_group=width_per_group)
        del self.relu  # replaced by ``act``, so a Mish net has no module called "relu"
        self.act = make_activation(activation)
        if preact:
            features = self.fc.in_features
            self.final_norm: nn.Module = nn.Sequential(self._norm_layer(features), make_activation(activation))
        else:
            self.final_norm = nn.Identity()
        self.dropout = nn.Dropout(head_dropout) if head_dropout > 0 else nn.Identity()
        if zero_init_residual:  # torchvision's loop only knows its own block classes
            for module in self.modules():
                if isinstance(module, KitBlock):
                    module.zero_init_residual_()

    def _forward_impl(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.act(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.final_norm(x)
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(self.dropout(x))


def build_model(
    name: str,
    num_classes: int = 5,
    *,
    weights: str | Path | None = None,
    zero_init_residual: bool = False,
    preact: bool = False,
    se: bool = False,
    se_reduction: int = 16,
    activation: str = "relu",
    dropout: float = 0.0,
    dropout_where: str = "head",
    multipath: bool = False,
    multipath_merge: str = "sum",
    groups: int = 1,
    width_per_group: int = 64,
    max_parameters: int | None = PARAMETER_BUDGET,
) -> ResNet:
    """Build ``plain18|plain34|plain50|resnet18|resnet34|resnet50`` with a ``num_classes``-way head.

    The modification options compose freely (e.g. ``preact=True, se=True, activation="mish", dropout=0.2``).
    With all of them at their defaults the result is torchvision's ``ResNet`` itself: same modules,
    state_dict and logits. ``describe_options`` / ``MODIFICATIONS`` list each option's paper.

    Args:
        name: architecture name (see ``MODEL_NAMES``).
        num_classes: outputs of the final fully connected layer.
        weights: ``None`` for random initialisation (the assignment trains from scratch); a torchvision
            weights name such as ``"IMAGENET1K_V1"`` / ``"DEFAULT"`` (ResNets only; downloaded and cached by
            torchvision); or the path of a saved state_dict of the same architecture. A 1000-class ImageNet
            head is dropped and a fresh ``num_classes`` head kept. Weights must fit the modified net.
        zero_init_residual: zero each residual branch's last BN scale (Goyal et al. 2017, "Accurate, Large
            Minibatch SGD"), so every block starts as the identity (pre-activation blocks: the branch's last
            conv). Meaningless without a shortcut: for a plain net it would zero every block's output, so it
            is refused there.
        preact: pre-activation blocks (He, Zhang, Ren, Sun 2016, "Identity Mappings in Deep Residual
            Networks", ECCV): each block computes BN-act-conv-BN-act-conv and adds it to an untouched
            identity, with nothing after the addition; the projection shortcut is a bare 1x1 conv on the
            activated input; a final BN-act follows the last block, before pooling. ResNets only: a plain net
            has no identity path to keep clean.
        se: squeeze-and-excitation (Hu, Shen, Sun 2018, "Squeeze-and-Excitation Networks", CVPR): global
            average pool -> 1x1 conv to C/r -> activation -> 1x1 conv to C -> sigmoid, scaling each channel of
            the block's branch output before the addition (plain nets: before the block's activation). Adds
            ``2*C*(C//r) + C//r + C`` parameters per block of width C.
        se_reduction: SE reduction ratio r (16 in Hu et al.).
        activation: ``"relu"`` (default), ``"gelu"`` (Hendrycks & Gimpel 2016), ``"silu"`` (Elfwing et al.
            2018; Ramachandran et al. 2017 "Swish") or ``"mish"`` (Misra 2019), used for every activation of
            the net: stem, blocks, SE and the pre-activation final BN-act. No parameters change.
        dropout: dropout probability p (0 turns it off; Srivastava et al. 2014). No parameters change.
        dropout_where: ``"head"`` (default): on the pooled features before the classifier. ``"block"``: inside
            each block, after the activation that precedes the branch's last conv, as in Wide ResNets
            (Zagoruyko & Komodakis 2016).
        multipath: each block's branch becomes a 3x3 path and a 5x5 path in parallel (Inception-style,
            Szegedy et al. 2015, "Going Deeper with Convolutions"), each two convs deep; the 3x3 path has half
            and the 5x5 path a quarter of the block's inner width, keeping ResNet-34 within 20% of its
            parameters. Basic-block nets (18/34) only. See ``kit.blocks.KitBasicBlock``.
        multipath_merge: ``"sum"``: the paths are added. ``"concat"``: each path gives half the channels,
            they are concatenated and mixed by a 1x1 conv (+ BN).
        groups: ResNeXt cardinality (Xie, Girshick, Dollar, Tu, He 2017, "Aggregated Residual Transformations
            for Deep Neural Networks", CVPR). Bottleneck nets: torchvision's grouped 3x3 conv, e.g.
            ``resnet50, groups=32, width_per_group=4`` is ResNeXt-50 32x4d. Basic-block nets: torchvision's
            ``BasicBlock`` refuses groups, so the first 3x3 conv is grouped with inner width
            ``int(planes * width_per_group / 64) * groups`` and the second 3x3 conv is dense (it merges the
            groups; see ``kit.blocks.KitBasicBlock``).
        width_per_group: channels per group at the 64-plane stage (ResNeXt's ``d``; 64 with ``groups=1`` is
            the ordinary block).
        max_parameters: parameter budget; a model with more trainable parameters is a ``ValueError`` naming
            the count and the cap. ``None`` for no budget.
    """
    key = name.lower()
    if key not in MODEL_NAMES:
        raise ValueError(f"Unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}.")
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes}.")
    is_plain = key.startswith("plain")
    if zero_init_residual and is_plain:
        raise ValueError(f"zero_init_residual needs a shortcut; {name} has none (it would zero every block).")
    if preact and is_plain:
        raise ValueError(
            f"preact needs a shortcut; {name} has none. Pre-activation keeps the identity path free of BN and "
            f"activation (He et al. 2016b); without that path it is the same conv-BN-act stack. Use a resnet."
        )
    if dropout_where not in DROPOUT_PLACES:
        raise ValueError(f"Unknown dropout_where {dropout_where!r}; choose one of {', '.join(DROPOUT_PLACES)}.")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be a probability in [0, 1), got {dropout}.")
    check_multipath_merge(multipath_merge)
    if not (isinstance(groups, int) and groups >= 1 and isinstance(width_per_group, int) and width_per_group >= 1):
        raise ValueError(f"groups and width_per_group must be positive integers, got {groups} and {width_per_group}.")
    check_activation(activation)
    block, layers = _architecture(key)
    bottleneck = issubclass(block, Bottleneck)

    options = BlockOptions(
        shortcut=not is_plain,
        preact=preact,
        se_reduction=se_reduction if se else None,
        activation=activation,
        dropout=dropout if dropout_where == "block" else 0.0,
        multipath=multipath_merge if multipath else None,
    )
    # torchvision's Bottleneck groups its 3x3 itself; its BasicBlock refuses groups != 1 / width != 64.
    needs_kit_blocks = options != BlockOptions(shortcut=options.shortcut) or (
        not bottleneck and (groups, width_per_group) != (1, 64)
    )
    head_dropout = dropout if dropout_where == "head" else 0.0
    if needs_kit_blocks or head_dropout > 0:
        block_arg = BlockFactory(KitBottleneck if bottleneck else KitBasicBlock, options) if needs_kit_blocks else block
        model: ResNet = KitResNet(
            block_arg, layers, num_classes, groups=groups, width_per_group=width_per_group, activation=activation,
            preact=preact, head_dropout=head_dropout, zero_init_residual=zero_init_residual,
        )
    else:
        model = ResNet(block, layers, num_classes=num_classes, zero_init_residual=zero_init_residual,
                       groups=groups, width_per_group=width_per_group)
    model.kit_name = key  # so summaries and reports can name the architecture
    chosen = {"preact": preact, "se": se, "se_reduction": se_reduction, "activation": activation,
              "dropout": dropout, "dropout_where": dropout_where, "multipath": multipath,
              "multipath_merge": multipath_merge, "groups": groups, "width_per_group": width_per_group,
              "zero_init_residual": zero_init_residual}
    model.kit_options = chosen_options(chosen)
    if max_parameters is not None:
        count = count_parameters(model)
        if count > max_parameters:
            with_options = ", ".join(f"{k}={v!r}" for k, v in model.kit_options.items())
            raise ValueError(
                f"{key}{f' ({with_options})' if with_options else ''} has {count:,} parameters, over the budget "
                f"of {max_parameters:,} (max_parameters). Drop or shrink a modification, or raise the budget."
            )
    if weights is not None:
        load_weights(model, key, weights)
    return model


MODEL_OPTION_DEFAULTS: dict[str, Any] = {
    name: parameter.default
    for name, parameter in inspect.signature(build_model).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY
}
"""Every keyword option of ``build_model`` with its default ("off") value."""


def chosen_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The architecture options of ``options`` (``build_model`` keywords) that differ from their defaults: what a
    model built with them records as ``kit_options``. Pretrained ``weights`` are a starting point, not an option."""
    return {k: v for k, v in options.items()
            if k not in ("weights", "max_parameters") and v != MODEL_OPTION_DEFAULTS[k]}


def build_model_for(config: Config, num_classes: int) -> ResNet:
    """The model ``config`` describes: ``build_model(config.model, num_classes, **config.model_options)``, within
    the assignment's parameter budget, its initial weights a function of ``config.seed``.

    The seed is set on a forked generator (``torch.random.fork_rng``), so the caller's random streams are left
    exactly as they were.
    """
    unknown = sorted(set(config.model_options) - set(MODEL_OPTION_DEFAULTS))
    if unknown:
        raise ValueError(f"Unknown model option(s) {', '.join(unknown)} in config.model_options; choose from "
                         f"{', '.join(k for k in MODEL_OPTION_DEFAULTS if k != 'max_parameters')}.")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        return build_model(config.model, num_classes, **config.model_options)


class Modification(NamedTuple):
    """One catalogue entry: its key (option, or option=value), and the paper it comes from. What it changes is a
    sentence of ``kit/text/models.py`` (``description``), so a student reads it in one language."""

    option: str
    citation: str

    def describe(self, language: str | None = None) -> str:
        """What the option changes, in ``language`` (default: the current one)."""
        return tr(f"models.{self.option}", language)

    @property
    def description(self) -> str:
        """What the option changes, in the current language."""
        return self.describe()


_CITATIONS = {
    "preact": "He, K., Zhang, X., Ren, S., & Sun, J. (2016). Identity Mappings in Deep Residual Networks. ECCV.",
    "se": "Hu, J., Shen, L., & Sun, G. (2018). Squeeze-and-Excitation Networks. CVPR.",
    "activation=gelu": "Hendrycks, D., & Gimpel, K. (2016). Gaussian Error Linear Units (GELUs). arXiv:1606.08415.",
    "activation=silu": (
        "Elfwing, S., Uchibe, E., & Doya, K. (2018). Sigmoid-Weighted Linear Units for Neural Network Function "
        "Approximation in Reinforcement Learning. Neural Networks; Ramachandran, P., Zoph, B., & Le, Q. V. "
        "(2017). Searching for Activation Functions. arXiv:1710.05941."),
    "activation=mish": (
        "Misra, D. (2019). Mish: A Self Regularized Non-Monotonic Activation Function. arXiv:1908.08681."),
    "dropout": (
        "Srivastava, N., Hinton, G., Krizhevsky, A., Sutskever, I., & Salakhutdinov, R. (2014). Dropout: A "
        "Simple Way to Prevent Neural Networks from Overfitting. JMLR."),
    "dropout_where=block": "Zagoruyko, S., & Komodakis, N. (2016). Wide Residual Networks. BMVC.",
    "multipath": (
        "Szegedy, C., Liu, W., Jia, Y., Sermanet, P., Reed, S., Anguelov, D., Erhan, D., Vanhoucke, V., & "
        "Rabinovich, A. (2015). Going Deeper with Convolutions. CVPR."),
    "groups": (
        "Xie, S., Girshick, R., Dollár, P., Tu, Z., & He, K. (2017). Aggregated Residual Transformations for "
        "Deep Neural Networks. CVPR."),
    "zero_init_residual": (
        "Goyal, P., Dollár, P., Girshick, R., Noordhuis, P., et al. (2017). Accurate, Large Minibatch SGD: "
        "Training ImageNet in 1 Hour. arXiv:1706.02677."),
}
MODIFICATIONS: dict[str, Modification] = {key: Modification(key, citation) for key, citation in _CITATIONS.items()}
"""Catalogue of the architecture options: key (option, or option=value) -> its ``Modification`` (the paper, and
what it changes in the current language)."""


def describe_options(**options: Any) -> pd.DataFrame:
    """One row per modification switched on by ``options`` (the keywords of ``build_model``).

    Columns: ``option`` (a ``MODIFICATIONS`` key), ``value`` (its setting, e.g. ``r=16`` or ``32x4d``),
    ``description`` and ``citation``. Options at their defaults give no row, so
    ``describe_options(**config.model_options)`` is the citation list of a run.
    """
    unknown = sorted(set(options) - set(MODEL_OPTION_DEFAULTS))
    if unknown:
        raise ValueError(
            f"Unknown model option(s) {', '.join(unknown)}; choose from {', '.join(MODEL_OPTION_DEFAULTS)}."
        )
    o = {**MODEL_OPTION_DEFAULTS, **options}
    check_activation(o["activation"])
    rows: list[tuple[str, str]] = []
    if o["preact"]:
        rows.append(("preact", "on"))
    if o["se"]:
        rows.append(("se", f"r={o['se_reduction']}"))
    if o["activation"] != "relu":
        rows.append((f"activation={o['activation']}", o["activation"]))
    if o["dropout"] > 0:
        rows.append(("dropout" if o["dropout_where"] == "head" else f"dropout_where={o['dropout_where']}",
                     f"p={o['dropout']} ({o['dropout_where']})"))
    if o["multipath"]:
        rows.append(("multipath", o["multipath_merge"]))
    if (o["groups"], o["width_per_group"]) != (1, 64):
        rows.append(("groups", f"{o['groups']}x{o['width_per_group']}d"))
    if o["zero_init_residual"]:
        rows.append(("zero_init_residual", "on"))
    return pd.DataFrame(
        [{"option": key, "value": value, "description": MODIFICATIONS[key].description,
          "citation": MODIFICATIONS[key].citation} for key, value in rows],
        columns=["option", "value", "description", "citation"],
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
                "layer3": "conv4_x", "layer4": "conv5_x", "avgpool": "avgpool", "fc": "fc",
                "act": "conv1 (stem)", "final_norm": "conv5_x", "dropout": "fc"}  # KitResNet's modules
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
