"""Architecture facts of kit.models, checked against torchvision and the figures of the assignment."""

import pytest
import torch
from torch import nn
from torchvision import models as tv_models

from kit.models import MODEL_NAMES, build_model, count_parameters, summary


@pytest.fixture(scope="module")
def image():
    return torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))


def test_parameter_counts_of_the_two_34_layer_nets():
    assert count_parameters(build_model("resnet34", num_classes=5)) == 21_287_237
    assert count_parameters(build_model("plain34", num_classes=5)) == 21_113_413


def test_plain_nets_have_no_downsample_modules():
    for name in ("plain18", "plain34", "plain50"):
        model = build_model(name)
        assert not [n for n, _ in model.named_parameters() if "downsample" in n], name
        assert not [n for n, _ in model.named_modules() if "downsample" in n], name


def test_resnet34_state_dict_matches_torchvision():
    ours = build_model("resnet34", num_classes=5).state_dict()
    theirs = tv_models.resnet34(num_classes=5).state_dict()
    assert list(ours) == list(theirs)
    assert {k: v.shape for k, v in ours.items()} == {k: v.shape for k, v in theirs.items()}


def test_loading_a_torchvision_state_dict_gives_identical_logits(image):
    reference = tv_models.resnet34(num_classes=5).eval()
    ours = build_model("resnet34", num_classes=5).eval()
    ours.load_state_dict(reference.state_dict())
    with torch.no_grad():
        assert torch.equal(ours(image), reference(image))


def test_the_shortcut_is_the_only_difference(image):
    resnet = build_model("resnet34").eval()
    plain = build_model("plain34").eval()
    shared = {k: v for k, v in resnet.state_dict().items() if "downsample" not in k}
    plain.load_state_dict(shared)  # strict: every plain parameter exists in the ResNet
    with torch.no_grad():
        assert not torch.allclose(plain(image), resnet(image))


def _blocks(model):
    return [block for stage in (model.layer1, model.layer2, model.layer3, model.layer4) for block in stage]


def _block_outputs_with_a_silent_branch(model):
    """Each block's output when its branch outputs zeros (its last BN's scale and shift set to 0), for a random
    input: whatever remains came around the branch, through a shortcut."""
    outputs = []
    with torch.no_grad():
        for block in _blocks(model.eval()):
            last_norm = getattr(block, "bn3", None) or block.bn2
            nn.init.zeros_(last_norm.weight)
            nn.init.zeros_(last_norm.bias)
            x = torch.randn(2, block.conv1.in_channels, 8, 8, generator=torch.Generator().manual_seed(1))
            outputs.append(block(x))
    return outputs


@pytest.mark.parametrize("name", ["plain18", "plain34", "plain50"])
def test_no_block_of_a_plain_net_has_a_path_around_its_branch(name):
    outputs = _block_outputs_with_a_silent_branch(build_model(name))
    assert len(outputs) == {"plain18": 8, "plain34": 16, "plain50": 16}[name]
    assert all(torch.count_nonzero(out) == 0 for out in outputs)


@pytest.mark.parametrize("name", ["resnet18", "resnet34", "resnet50"])
def test_every_block_of_a_resnet_passes_its_input_around_the_branch(name):
    assert all(torch.count_nonzero(out) > 0 for out in _block_outputs_with_a_silent_branch(build_model(name)))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_model_runs_forward_and_backward(name, image):
    model = build_model(name, num_classes=5)
    logits = model(image)
    assert logits.shape == (2, 5)
    logits.sum().backward()
    assert all(p.grad is not None for p in model.parameters())  # no unused parameters


def test_zero_init_residual_is_refused_for_plain_nets():
    with pytest.raises(ValueError, match="shortcut"):
        build_model("plain34", zero_init_residual=True)
    resnet = build_model("resnet34", zero_init_residual=True)
    assert torch.count_nonzero(resnet.layer1[0].bn2.weight) == 0


def test_unknown_model_names_the_choices():
    with pytest.raises(ValueError, match="resnet34"):
        build_model("resnet35")


def test_weights_from_a_local_state_dict_file(tmp_path, image):
    imagenet = tv_models.resnet34()  # random init stands in for the ImageNet download offline
    path = tmp_path / "resnet34.pth"
    torch.save(imagenet.state_dict(), path)
    model = build_model("resnet34", num_classes=5, weights=path)
    assert torch.equal(model.conv1.weight, imagenet.conv1.weight)
    assert torch.equal(model.layer4[2].bn2.running_mean, imagenet.layer4[2].bn2.running_mean)
    assert model.fc.out_features == 5  # the 1000-class head is replaced, not loaded


def test_weights_file_of_another_architecture_is_a_clear_error(tmp_path):
    path = tmp_path / "resnet18.pth"
    torch.save(tv_models.resnet18().state_dict(), path)
    with pytest.raises(ValueError, match="do not fit resnet34"):
        build_model("resnet34", weights=path)


def test_download_failure_is_a_clear_error(monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    with pytest.raises(RuntimeError, match="Without internet"):
        build_model("resnet34", weights="IMAGENET1K_V1")
    with pytest.raises(ValueError, match="No pretrained"):
        build_model("plain34", weights="DEFAULT")


def test_summary_lists_stages_with_shapes_and_parameters():
    model = build_model("resnet34")
    table = summary(model, image_size=224)
    assert list(table["stage"]) == ["conv1 (stem)", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "avgpool", "fc", "total"]
    shapes = dict(zip(table["stage"], table["output_shape"]))
    assert shapes["conv1 (stem)"] == (64, 56, 56)
    assert shapes["conv5_x"] == (512, 7, 7)
    assert table.set_index("stage").loc["total", "parameters"] == 21_287_237


def test_weights_saved_from_a_compiled_model_load(tmp_path, image):
    reference = tv_models.resnet34(num_classes=5).eval()
    path = tmp_path / "compiled.pt"
    torch.save({f"_orig_mod.{k}": v for k, v in reference.state_dict().items()}, path)  # torch.compile's keys
    model = build_model("resnet34", num_classes=5, weights=path).eval()
    with torch.no_grad():
        assert torch.equal(model(image), reference(image))


def test_build_model_for_leaves_the_callers_random_streams_alone():
    from kit.config import Config
    from kit.models import build_model_for

    config = Config(model="resnet18", seed=5)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    first = build_model_for(config, 5)
    assert torch.equal(torch.rand(3), expected)
    second = build_model_for(config, 5)
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))
    other_seed = build_model_for(config.replace(seed=6), 5)
    assert not torch.equal(first.conv1.weight, other_seed.conv1.weight)


def test_the_parameter_budget_cannot_be_switched_off_from_a_config():
    from kit.config import Config
    from kit.models import PARAMETER_BUDGET, build_model_for

    with pytest.raises(ValueError, match="must not set max_parameters"):
        Config(model_options={"groups": 2, "max_parameters": None})
    with pytest.raises(ValueError, match=f"over the budget of {PARAMETER_BUDGET:,}"):
        build_model_for(Config(model="resnet34", model_options={"groups": 2}), 5)
    with pytest.raises(ValueError, match="Unknown model option.*squeeze"):
        build_model_for(Config(model_options={"squeeze": True}), 5)
