"""The Tahap-3 options of build_model: they run, compose, cost what their formulas say, and vanish when off."""

import pytest
import torch
from torch import nn
from torchvision import models as tv_models
from torchvision.models.resnet import ResNet

from kit.blocks import KitBlock
from kit.models import (
    MODEL_OPTION_DEFAULTS,
    MODIFICATIONS,
    PARAMETER_BUDGET,
    STAGE_BLOCKS,
    build_model,
    count_parameters,
    describe_options,
    summary,
)
from kit.text import set_language

PLANES = (64, 128, 256, 512)
RESNET34 = 21_287_237  # torchvision resnet34 with a 5-way head (checked against torchvision in test_models)


def blocks_of(depth):
    """(inplanes, planes) of every basic block of a ResNet-18/34, stage by stage (He et al. 2016, Table 1)."""
    for stage, (planes, count) in enumerate(zip(PLANES, STAGE_BLOCKS[depth])):
        for i in range(count):
            yield (planes // 2 if i == 0 and stage > 0 else planes), planes


def bn(channels):
    return 2 * channels  # weight and bias


def basic_branch(inplanes, planes):
    return 9 * inplanes * planes + bn(planes) + 9 * planes * planes + bn(planes)


@pytest.fixture(scope="module")
def image():
    return torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))


def delta(**options):
    return count_parameters(build_model("resnet34", **options)) - RESNET34


# --- every option off is torchvision ----------------------------------------------------------------------------

def test_every_option_off_is_torchvision_resnet34(image):
    off = {k: v for k, v in MODEL_OPTION_DEFAULTS.items() if k not in ("weights", "max_parameters")}
    ours = build_model("resnet34", num_classes=5, **off).eval()
    reference = tv_models.resnet34(num_classes=5).eval()
    assert type(ours) is ResNet
    assert list(ours.state_dict()) == list(reference.state_dict())
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: v.shape for k, v in reference.state_dict().items()}
    ours.load_state_dict(reference.state_dict())
    with torch.no_grad():
        assert torch.equal(ours(image), reference(image))
    assert ours.kit_options == {}


def test_resnet50_with_groups_is_torchvision_resnext50_32x4d(image):
    ours = build_model("resnet50", groups=32, width_per_group=4).eval()
    reference = tv_models.resnext50_32x4d(num_classes=5).eval()
    assert type(ours) is ResNet
    ours.load_state_dict(reference.state_dict())  # strict: same keys and shapes
    with torch.no_grad():
        assert torch.equal(ours(image), reference(image))


# --- forward and backward -------------------------------------------------------------------------------------

SINGLE_OPTIONS = [
    {"preact": True},
    {"se": True},
    {"se": True, "se_reduction": 4},
    {"activation": "gelu"},
    {"activation": "silu"},
    {"activation": "mish"},
    {"dropout": 0.2},
    {"dropout": 0.2, "dropout_where": "block"},
    {"multipath": True},
    {"multipath": True, "multipath_merge": "concat"},
    {"groups": 32, "width_per_group": 4},
    {"zero_init_residual": True, "preact": True},
]
COMBINATIONS = [
    {"preact": True, "se": True, "activation": "mish", "dropout": 0.2},
    {"preact": True, "multipath": True, "multipath_merge": "concat", "dropout": 0.1, "dropout_where": "block"},
    {"se": True, "multipath": True, "activation": "silu", "zero_init_residual": True},
    {"groups": 32, "width_per_group": 4, "se": True, "preact": True, "activation": "gelu"},
    {"groups": 8, "width_per_group": 16, "multipath": True, "se": True, "dropout": 0.3},
]
PLAIN_OPTIONS = [
    {"se": True},
    {"multipath": True, "multipath_merge": "concat"},
    {"groups": 32, "width_per_group": 4, "activation": "mish", "dropout": 0.2, "dropout_where": "block"},
]


def _forward_backward(model, image):
    model.train()
    logits = model(image)
    assert logits.shape == (2, 5)
    assert torch.isfinite(logits).all()
    logits.sum().backward()
    unused = [name for name, p in model.named_parameters() if p.grad is None]
    assert not unused  # every parameter of every option takes part in the forward pass


@pytest.mark.parametrize("options", SINGLE_OPTIONS + COMBINATIONS, ids=str)
def test_options_run_forward_and_backward(options, image):
    _forward_backward(build_model("resnet18", **options), image)


@pytest.mark.parametrize("options", PLAIN_OPTIONS, ids=str)
def test_options_run_on_plain_nets(options, image):
    model = build_model("plain18", **options)
    assert not [n for n, _ in model.named_modules() if "downsample" in n]
    _forward_backward(model, image)


def test_the_example_combination_on_resnet34_and_bottleneck_options_on_resnet50(image):
    _forward_backward(build_model("resnet34", preact=True, se=True, activation="mish", dropout=0.2), image)
    _forward_backward(build_model("resnet50", preact=True, activation="silu", dropout=0.1, dropout_where="block",
                                  groups=4, width_per_group=16), image)


# --- parameter counts -----------------------------------------------------------------------------------------

def test_se_adds_exactly_its_squeeze_and_excite_layers():
    for reduction in (16, 8):
        expected = 0
        for _, planes in blocks_of(34):
            squeeze = planes // reduction
            expected += (planes * squeeze + squeeze) + (squeeze * planes + planes)  # two 1x1 convs with bias
        assert delta(se=True, se_reduction=reduction) == expected
    # A plain net gets the same SE layers.
    assert count_parameters(build_model("plain34", se=True)) - 21_113_413 == delta(se=True)


def test_activation_and_dropout_add_no_parameters():
    for options in ({"activation": "mish"}, {"activation": "gelu"}, {"dropout": 0.5},
                    {"dropout": 0.5, "dropout_where": "block"}):
        assert delta(**options) == 0, options


def test_preact_moves_batch_norms_as_the_formula_says():
    expected = 0
    for inplanes, planes in blocks_of(34):
        expected += bn(inplanes) - bn(planes)  # the BN sits on the block input instead of after the last conv
        if inplanes != planes:
            expected -= bn(planes)  # the projection shortcut is a bare 1x1 conv
    expected += bn(512)  # final BN before pooling
    assert delta(preact=True) == expected


def test_grouped_basic_block_parameters():
    groups, width_per_group = 32, 4
    expected = 0
    for inplanes, planes in blocks_of(34):
        width = int(planes * width_per_group / 64) * groups
        grouped = 9 * inplanes * width // groups + bn(width) + 9 * width * planes + bn(planes)
        expected += grouped - basic_branch(inplanes, planes)
    assert delta(groups=groups, width_per_group=width_per_group) == expected
    block = build_model("resnet18", groups=groups, width_per_group=width_per_group).layer1[0]
    assert block.branch.conv1.groups == groups and block.branch.conv2.groups == 1


@pytest.mark.parametrize("merge", ["sum", "concat"])
def test_multipath_parameters(merge):
    expected = 0
    for inplanes, planes in blocks_of(34):
        out = planes if merge == "sum" else planes // 2
        paths = 0
        for kernel, width in ((3, planes // 2), (5, planes // 4)):
            paths += kernel**2 * inplanes * width + bn(width) + kernel**2 * width * out + bn(out)
        if merge == "concat":
            paths += 2 * out * planes + bn(planes)  # 1x1 conv mixing the concatenated paths
        expected += paths - basic_branch(inplanes, planes)
    assert delta(multipath=True, multipath_merge=merge) == expected
    assert abs(expected) < 0.2 * RESNET34  # "reasonable": within 20% of the baseline
    kernels = {m.kernel_size[0] for m in build_model("resnet18", multipath=True).layer1[0].modules()
               if isinstance(m, nn.Conv2d)}
    assert kernels == {3, 5}


def test_options_compose_additively():
    assert delta(preact=True, se=True) == delta(preact=True) + delta(se=True)
    assert delta(se=True, multipath=True) == delta(se=True) + delta(multipath=True)


def test_summary_of_a_modified_net_totals_its_parameters():
    model = build_model("resnet34", preact=True, se=True, activation="mish", dropout=0.2)
    table = summary(model, image_size=64)
    assert "relu" not in set(table["stage"]) and "final_norm" not in set(table["stage"])
    assert table.set_index("stage").loc["total", "parameters"] == count_parameters(model)


# --- behaviour ------------------------------------------------------------------------------------------------

def test_preact_block_with_zeroed_branch_is_exactly_the_identity(image):
    x = torch.randn(2, 64, 8, 8)
    with torch.no_grad():
        preact = build_model("resnet18", preact=True, zero_init_residual=True).layer1[1].eval()
        assert torch.equal(preact(x), x)  # nothing on the identity path (He et al. 2016b)
        post = build_model("resnet18", se=True, zero_init_residual=True).layer1[1].eval()
        assert torch.equal(post(x), torch.relu(x))  # post-activation: the ReLU after the addition remains


def test_se_scales_the_branch_before_the_addition():
    block = build_model("resnet18", se=True).layer1[1].eval()
    x = torch.randn(2, 64, 8, 8)
    with torch.no_grad():
        block.se.fc2.weight.zero_()
        block.se.fc2.bias.fill_(-100.0)  # sigmoid gate ~ 0: the branch is switched off, the shortcut is not
        assert torch.allclose(block(x), torch.relu(x), atol=1e-6)


def test_activation_applies_throughout():
    model = build_model("resnet18", activation="mish", se=True, preact=True)
    kinds = {type(m) for m in model.modules() if isinstance(m, (nn.ReLU, nn.GELU, nn.SiLU, nn.Mish))}
    assert kinds == {nn.Mish}
    assert isinstance(model.act, nn.Mish) and not hasattr(model, "relu")


def test_dropout_placement(image):
    head = build_model("resnet18", dropout=0.5)
    assert isinstance(head.dropout, nn.Dropout) and head.dropout.p == 0.5
    assert [m for m in head.modules() if isinstance(m, nn.Dropout)] == [head.dropout]
    torch.manual_seed(0)
    head.train()
    assert not torch.equal(head(image), head(image))  # stochastic in training
    head.eval()
    assert torch.equal(head(image), head(image))
    block = build_model("resnet18", dropout=0.5, dropout_where="block")
    assert isinstance(block.dropout, nn.Identity)
    per_block = [m for m in block.modules() if isinstance(m, KitBlock)]
    assert len(per_block) == sum(STAGE_BLOCKS[18])
    assert all(isinstance(b.branch.dropout, nn.Dropout) for b in per_block)


# --- budget and errors ----------------------------------------------------------------------------------------

def test_budget_names_the_count_and_the_cap():
    assert PARAMETER_BUDGET == 26_000_000
    with pytest.raises(ValueError, match=r"21,287,237 parameters, over the budget of 21,000,000"):
        build_model("resnet34", max_parameters=21_000_000)
    with pytest.raises(ValueError, match=r"groups=2.*32,612,037 parameters.*26,000,000"):
        build_model("resnet34", groups=2)  # two 64-wide groups double the first conv's width
    assert count_parameters(build_model("resnet34", groups=2, max_parameters=None)) == 32_612_037


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("plain34", {"preact": True}, "preact needs a shortcut"),
        ("resnet50", {"multipath": True}, "basic-block nets"),
        ("resnet18", {"activation": "tanh"}, "relu, gelu, silu, mish"),
        ("resnet18", {"dropout": 1.0}, r"\[0, 1\)"),
        ("resnet18", {"dropout": 0.1, "dropout_where": "stem"}, "head, block"),
        ("resnet18", {"multipath": True, "multipath_merge": "max"}, "sum, concat"),
        ("resnet18", {"groups": 3}, "groups=3 must divide"),
        ("resnet18", {"groups": 0}, "positive integers"),
        ("resnet18", {"se": True, "se_reduction": 128}, "no squeeze channels"),
    ],
)
def test_bad_options_are_clear_errors(name, options, message):
    with pytest.raises(ValueError, match=message):
        build_model(name, **options)


def test_weights_must_fit_the_modified_net(tmp_path, image):
    path = tmp_path / "resnet18.pth"
    torch.save(tv_models.resnet18().state_dict(), path)
    with pytest.raises(ValueError, match="do not fit resnet18"):
        build_model("resnet18", se=True, weights=path)
    grouped = tmp_path / "grouped.pth"
    torch.save(build_model("resnet18", groups=2, width_per_group=32).state_dict(), grouped)
    with pytest.raises(ValueError, match="do not fit resnet18"):  # same keys, other shapes
        build_model("resnet18", groups=4, width_per_group=16, weights=grouped)
    saved = build_model("resnet18", se=True, preact=True).eval()
    torch.save(saved.state_dict(), tmp_path / "se.pt")
    loaded = build_model("resnet18", se=True, preact=True, weights=tmp_path / "se.pt").eval()
    with torch.no_grad():
        assert torch.equal(loaded(image), saved(image))


# --- catalogue ------------------------------------------------------------------------------------------------

def test_describe_options_lists_the_chosen_modifications_with_citations():
    table = describe_options(preact=True, se=True, activation="mish", dropout=0.2, groups=32, width_per_group=4)
    assert list(table.columns) == ["option", "value", "description", "citation"]
    assert list(table["option"]) == ["preact", "se", "activation=mish", "dropout", "groups"]
    assert list(table["value"])[1:] == ["r=16", "mish", "p=0.2 (head)", "32x4d"]
    assert "Identity Mappings in Deep Residual Networks" in table.iloc[0]["citation"]
    assert "Misra" in table.iloc[2]["citation"]
    assert describe_options(dropout=0.1, dropout_where="block")["citation"].str.contains("Wide Residual").all()
    assert describe_options().empty
    assert describe_options(**build_model("resnet18", se=True, multipath=True).kit_options)["option"].tolist() == [
        "se", "multipath"]
    with pytest.raises(ValueError, match="preakt"):
        describe_options(preakt=True)


def test_catalogue_entries_speak_one_language_at_a_time_and_cite_a_dated_paper(monkeypatch):
    monkeypatch.delenv("KIT_LANGUAGE", raising=False)
    every_option = [{"preact": True}, {"se": True}, {"activation": "gelu"}, {"activation": "silu"},
                    {"activation": "mish"}, {"dropout": 0.1}, {"dropout": 0.1, "dropout_where": "block"},
                    {"multipath": True}, {"groups": 2}, {"zero_init_residual": True}]
    described = [row for options in every_option for row in describe_options(**options)["option"]]
    assert sorted(described) == sorted(MODIFICATIONS)  # each entry is reachable, none is missing
    for key, entry in MODIFICATIONS.items():
        indonesian, english = entry.describe("id"), entry.describe("en")
        assert indonesian and english and indonesian != english, key
        assert " / " not in indonesian + english, key  # one language at a time, never both side by side
        assert any(f"({year})" in entry.citation for year in range(2014, 2020)), key
    set_language("en")
    try:
        assert describe_options(se=True)["description"].tolist() == [MODIFICATIONS["se"].describe("en")]
    finally:
        set_language(None)
    assert describe_options(se=True)["description"].tolist() == [MODIFICATIONS["se"].describe("id")]
