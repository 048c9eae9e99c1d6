"""Configurable residual blocks for the Tahap-3 modifications of ResNet (used by ``kit.models.build_model``).

One block class per block shape (``KitBasicBlock`` for the 18/34-layer nets, ``KitBottleneck`` for the
50-layer net), both with the constructor signature torchvision's ``ResNet._make_layer`` calls, plus one
frozen ``BlockOptions`` that switches each modification on or off. A block is

    post-activation (He et al. 2016a):   out = act( SE(branch(x)) + shortcut(x) )
    pre-activation  (He et al. 2016b):   a = act(BN(x));  out = SE(branch(a)) + shortcut(a or x)

where ``branch`` is a ``ConvPath`` (conv-BN-act-...-conv[-BN]) or, with ``multipath``, a ``MultiPath`` of a 3x3
and a 5x5 ``ConvPath`` merged by sum or by concatenation + 1x1 conv. A plain block (He et al. 2016a, Sec. 4.1)
is the same with ``shortcut=False``.

References:
    He, Zhang, Ren, Sun (2016a), "Deep Residual Learning for Image Recognition", CVPR.
    He, Zhang, Ren, Sun (2016b), "Identity Mappings in Deep Residual Networks", ECCV.
    Hu, Shen, Sun (2018), "Squeeze-and-Excitation Networks", CVPR.
    Zagoruyko, Komodakis (2016), "Wide Residual Networks", BMVC.
    Szegedy et al. (2015), "Going Deeper with Convolutions", CVPR.
    Xie, Girshick, Dollar, Tu, He (2017), "Aggregated Residual Transformations for Deep Neural Networks", CVPR.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

import torch
from torch import Tensor, nn
from torchvision.ops import SqueezeExcitation

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": partial(nn.ReLU, inplace=True),
    "gelu": nn.GELU,  # Hendrycks & Gimpel (2016), "Gaussian Error Linear Units (GELUs)"
    "silu": partial(nn.SiLU, inplace=True),  # Elfwing et al. (2018); Ramachandran et al. (2017) "Swish"
    "mish": partial(nn.Mish, inplace=True),  # Misra (2019), "Mish: A Self Regularized Non-Monotonic Activation"
}
"""Activation name -> module factory. In-place where PyTorch allows it, as torchvision's ResNet does."""

MULTIPATH_MERGES = ("sum", "concat")


def check_activation(name: str) -> str:
    """``name`` if it is one of ``ACTIVATIONS``, else a ``ValueError`` listing them."""
    if name not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}.")
    return name


def check_multipath_merge(merge: str) -> str:
    """``merge`` if it is one of ``MULTIPATH_MERGES``, else a ``ValueError`` listing them."""
    if merge not in MULTIPATH_MERGES:
        raise ValueError(f"Unknown multipath merge {merge!r}; choose one of {', '.join(MULTIPATH_MERGES)}.")
    return merge


def make_activation(name: str) -> nn.Module:
    """A fresh activation module for ``name`` (one of ``ACTIVATIONS``)."""
    return ACTIVATIONS[check_activation(name)]()


@dataclass(frozen=True)
class BlockOptions:
    """The switches of one block; the defaults give torchvision's ``BasicBlock`` / ``Bottleneck`` shape.

    Attributes:
        shortcut: add the identity/projection shortcut (False: a plain block, He et al. 2016a Sec. 4.1).
        preact: BN-act before each conv and nothing after the addition (He et al. 2016b).
        se_reduction: squeeze-and-excitation with this reduction ratio r on the branch output, before the
            addition (Hu et al. 2018); ``None`` for no SE.
        activation: a key of ``ACTIVATIONS``, used for every activation of the block (SE's hidden one too).
        dropout: dropout probability between the branch's last two convs (Zagoruyko & Komodakis 2016).
        multipath: ``None``, or how the 3x3 and 5x5 paths are merged: ``"sum"`` or ``"concat"``.
    """

    shortcut: bool = True
    preact: bool = False
    se_reduction: int | None = None
    activation: str = "relu"
    dropout: float = 0.0
    multipath: str | None = None

    def __post_init__(self) -> None:
        check_activation(self.activation)
        if self.preact and not self.shortcut:
            raise ValueError("preact reorders BN and activation around the identity shortcut; a plain block has none.")
        if self.multipath is not None:
            check_multipath_merge(self.multipath)
        if self.se_reduction is not None and self.se_reduction < 1:
            raise ValueError(f"se_reduction must be a positive integer, got {self.se_reduction}.")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}.")


class ConvPath(nn.Sequential):
    """A chain of convolutions: conv1-bn1-act1-conv2-bn2-...-[dropout]-convN-bnN.

    With ``preact`` the last BN is left out: in a pre-activation network the next block (or the network's final
    BN) normalises the sum, so the branch ends on a convolution (He et al. 2016b, Fig. 4e). ``dropout`` sits
    before the last convolution, after an activation, as in Wide ResNets (Zagoruyko & Komodakis 2016, Sec. 2.4).
    """

    def __init__(
        self,
        convs: list[nn.Conv2d],
        *,
        activation: str,
        dropout: float = 0.0,
        preact: bool = False,
        norm_layer: Callable[[int], nn.Module] = nn.BatchNorm2d,
    ) -> None:
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        for i, conv in enumerate(convs, start=1):
            last = i == len(convs)
            if last and dropout > 0:
                layers["dropout"] = nn.Dropout(dropout)
            layers[f"conv{i}"] = conv
            if not (last and preact):
                layers[f"bn{i}"] = norm_layer(conv.out_channels)
            if not last:
                layers[f"act{i}"] = make_activation(activation)
        super().__init__(layers)
        self.out_channels = convs[-1].out_channels

    def output_layer(self) -> nn.Module:
        """The layer whose weights decide the branch output (zeroed by ``zero_init_residual``)."""
        return self[-1]


class MultiPath(nn.Module):
    """Parallel ``ConvPath``s with different kernel sizes, merged into one branch output (Szegedy et al. 2015).

    ``"sum"`` adds the paths (each ends with ``out_channels``), like the aggregated transformations of ResNeXt
    (Xie et al. 2017, Eq. 2) with heterogeneous kernels. ``"concat"`` concatenates them along channels, as an
    Inception module does, and mixes them with a 1x1 convolution (+ BN unless ``preact``).
    """

    def __init__(
        self,
        paths: dict[str, ConvPath],
        *,
        merge: str,
        out_channels: int,
        preact: bool = False,
        norm_layer: Callable[[int], nn.Module] = nn.BatchNorm2d,
    ) -> None:
        super().__init__()
        self.merge_mode = check_multipath_merge(merge)
        self.paths = nn.ModuleDict(paths)
        self.merge: nn.Module | None = None
        if merge == "concat":
            concat_channels = sum(path.out_channels for path in paths.values())
            layers: OrderedDict[str, nn.Module] = OrderedDict()
            layers["conv"] = nn.Conv2d(concat_channels, out_channels, 1, bias=False)
            if not preact:
                layers["bn"] = norm_layer(out_channels)
            self.merge = nn.Sequential(layers)

    def forward(self, x: Tensor) -> Tensor:
        outputs = [path(x) for path in self.paths.values()]
        if self.merge is None:
            merged = outputs[0]
            for output in outputs[1:]:
                merged = merged + output
            return merged
        return self.merge(torch.cat(outputs, dim=1))

    def output_layers(self) -> list[nn.Module]:
        """The layers whose weights decide the merged output (zeroed by ``zero_init_residual``)."""
        if self.merge is None:
            return [path.output_layer() for path in self.paths.values()]
        return [self.merge[-1]]


class KitBlock(nn.Module):
    """Shared forward pass of the configurable blocks; subclasses build ``self.branch``.

    The constructor takes torchvision's block arguments (``inplanes, planes, stride, downsample, groups,
    base_width, dilation, norm_layer``) so ``ResNet._make_layer`` can stack it, plus ``options``.
    """

    expansion = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        groups: int = 1,
        base_width: int = 64,
        dilation: int = 1,
        norm_layer: Callable[[int], nn.Module] | None = None,
        *,
        options: BlockOptions = BlockOptions(),
    ) -> None:
        super().__init__()
        if dilation != 1:
            raise ValueError(f"{type(self).__name__} does not support dilation (got {dilation}).")
        norm_layer = norm_layer or nn.BatchNorm2d
        self.options = options
        out_channels = planes * self.expansion
        if options.preact:
            # The pre-activation BN-act on the block input, shared by the branch and a projection shortcut.
            self.norm_in = norm_layer(inplanes)
            self.act_in = make_activation(options.activation)
        self.branch = self._make_branch(inplanes, planes, stride, groups, base_width, norm_layer)
        self.se = None
        if options.se_reduction is not None:
            squeeze = out_channels // options.se_reduction
            if squeeze < 1:
                raise ValueError(
                    f"se_reduction={options.se_reduction} leaves no squeeze channels for a "
                    f"{out_channels}-channel block."
                )
            self.se = SqueezeExcitation(out_channels, squeeze, activation=partial(make_activation, options.activation))
        if not options.shortcut:
            downsample = None  # a plain block has no shortcut, so no projection either
        elif options.preact and isinstance(downsample, nn.Sequential):
            # torchvision builds conv1x1 + BN; the pre-activated input is already normalised and the sum is
            # normalised by the next block, so a pre-activation projection is the bare 1x1 conv (He et al. 2016b).
            downsample = downsample[0]
        self.downsample = downsample
        if not options.preact:
            self.act_out = make_activation(options.activation)

    def _make_branch(self, inplanes: int, planes: int, stride: int, groups: int, base_width: int,
                     norm_layer: Callable[[int], nn.Module]) -> nn.Module:
        raise NotImplementedError

    def _path(self, convs: list[nn.Conv2d], norm_layer: Callable[[int], nn.Module]) -> ConvPath:
        return ConvPath(convs, activation=self.options.activation, dropout=self.options.dropout,
                        preact=self.options.preact, norm_layer=norm_layer)

    def forward(self, x: Tensor) -> Tensor:
        if self.options.preact:
            x_in = self.act_in(self.norm_in(x))
            # The identity shortcut carries the raw x (a clean path through the net, He et al. 2016b); a
            # projection sees the activated input, as in the authors' code.
            identity = x if self.downsample is None else self.downsample(x_in)
        else:
            x_in = x
            identity = x if self.downsample is None else self.downsample(x)
        out = self.branch(x_in)
        if self.se is not None:
            out = self.se(out)
        if self.options.shortcut:
            out = out + identity
        if not self.options.preact:
            out = self.act_out(out)
        return out

    def zero_init_residual_(self) -> None:
        """Zero the branch's output layer(s) so the block starts as its shortcut (Goyal et al. 2017).

        Post-activation: the last BN scale, as torchvision does. Pre-activation: the branch ends on a conv, whose
        weights are zeroed instead, which makes the block exactly the identity at initialisation.
        """
        layers = self.branch.output_layers() if isinstance(self.branch, MultiPath) else [self.branch.output_layer()]
        for layer in layers:
            nn.init.zeros_(layer.weight)


def _conv(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, groups: int = 1) -> nn.Conv2d:
    """A bias-free 'same' convolution (the bias is redundant before BN)."""
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"groups={groups} must divide both channel counts of a {kernel_size}x{kernel_size} conv "
            f"({in_channels} -> {out_channels})."
        )
    return nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2,
                     groups=groups, bias=False)


class KitBasicBlock(KitBlock):
    """Basic block (two 3x3 convs, He et al. 2016a) with the ``BlockOptions`` modifications.

    Grouped version (ResNeXt, Xie et al. 2017): the first 3x3 conv has inner width
    ``int(planes * base_width / 64) * groups`` (torchvision's Bottleneck formula) split into ``groups`` groups;
    the second 3x3 conv is dense and maps back to ``planes``. Written as aggregated transformations
    (Xie et al., Eq. 2) this is the sum of ``groups`` two-layer paths, each seeing only its slice of the input
    channels; the dense second conv is the sum over paths. Xie et al. (Sec. 3.3, Fig. 4) note that paths which
    all see the whole input collapse into one wide dense block, and grouping the second conv too would keep
    the channel groups separate through a whole stage (the identity shortcut never mixes them), so only the
    first conv is grouped. ``groups=1, base_width=64`` is the ordinary basic block.

    Multi-path version (Szegedy et al. 2015): a 3x3 path and a 5x5 path, each two convs deep like the basic
    block's branch. A 5x5 kernel costs 25/9 of a 3x3 one, so the 3x3 path gets half the inner width and the
    5x5 path a quarter, which keeps a 5-class ResNet-34 within 20% of its 21.3M parameters. ``"sum"``: both
    paths end with ``planes`` channels and are added (25.4M). ``"concat"``: each ends with ``planes / 2``, the
    two are concatenated and a 1x1 conv mixes them back to ``planes`` (19.9M).
    """

    expansion = 1

    def _make_branch(self, inplanes: int, planes: int, stride: int, groups: int, base_width: int,
                     norm_layer: Callable[[int], nn.Module]) -> nn.Module:
        width = int(planes * (base_width / 64.0)) * groups
        if self.options.multipath is None:
            return self._path([_conv(inplanes, width, 3, stride, groups), _conv(width, planes, 3)], norm_layer)
        path_out = planes if self.options.multipath == "sum" else planes // 2
        paths = {
            f"k{kernel}": self._path(
                [_conv(inplanes, width // share, kernel, stride, groups), _conv(width // share, path_out, kernel)],
                norm_layer,
            )
            for kernel, share in ((3, 2), (5, 4))
        }
        return MultiPath(paths, merge=self.options.multipath, out_channels=planes, preact=self.options.preact,
                         norm_layer=norm_layer)


class KitBottleneck(KitBlock):
    """Bottleneck block (1x1-3x3-1x1, He et al. 2016a; stride on the 3x3 as torchvision) with ``BlockOptions``.

    ``groups`` / ``base_width`` group the 3x3 conv exactly as torchvision's ``Bottleneck`` (ResNeXt, Xie et al.
    2017, Fig. 3c). ``multipath`` is not defined for this block.
    """

    expansion = 4

    def _make_branch(self, inplanes: int, planes: int, stride: int, groups: int, base_width: int,
                     norm_layer: Callable[[int], nn.Module]) -> nn.Module:
        if self.options.multipath is not None:
            raise ValueError("multipath is defined for basic-block nets (18/34 layers), not for bottleneck nets.")
        width = int(planes * (base_width / 64.0)) * groups
        return self._path(
            [_conv(inplanes, width, 1), _conv(width, width, 3, stride, groups),
             _conv(width, planes * self.expansion, 1)],
            norm_layer,
        )


class BlockFactory:
    """What torchvision's ``ResNet`` needs of a block class: ``expansion`` and a constructor, with options bound."""

    def __init__(self, block_class: type[KitBlock], options: BlockOptions) -> None:
        self.block_class = block_class
        self.options = options
        self.expansion = block_class.expansion

    def __call__(self, *args: Any, **kwargs: Any) -> KitBlock:
        return self.block_class(*args, options=self.options, **kwargs)
