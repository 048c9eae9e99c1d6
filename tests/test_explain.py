"""Grad-CAM (kit.explain, kit.plots_explain, kit.report_explain): maps that find the class evidence, equal the
paper's definition on the kit's networks, on images chosen from the runs' own predictions."""

from __future__ import annotations

import copy
import json
from collections import OrderedDict
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from torchvision.models.resnet import BasicBlock

import kit
from kit.explain import KINDS, GradCams, choose_images, compare_gradcam, explain_run, gradcam, read_images
from kit.models import build_model
from kit.plots_explain import gradcam_comparison, gradcam_stages
from kit.report_explain import gradcam_markdown, gradcam_section
from kit.runs import RunResult, load_run
from kit.text import tr
from run_factory import val_filenames, write_images, write_run

pytestmark = pytest.mark.usefixtures("one_thread")

SIZE = 64
CLASS_COLOURS = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
DISTRACTOR = torch.tensor([1.0, 1.0, 1.0])  # brighter than any class patch, and in every image


def patch_images(n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Noise images with the class evidence, a patch of the class's colour, in a random quadrant, and a white
    distractor patch (no evidence, more contrast) in another. Returns images, labels, evidence quadrants."""
    labels = torch.arange(n) % len(CLASS_COLOURS)
    quadrants = torch.randint(0, 4, (n,), generator=generator)
    images = 0.1 * torch.randn(n, 3, SIZE, SIZE, generator=generator)
    half, patch = SIZE // 2, SIZE // 4
    for i in range(n):
        distractor = (int(quadrants[i]) + 1 + int(torch.randint(0, 3, (1,), generator=generator))) % 4
        dy, dx = torch.randint(0, half - patch + 1, (2,), generator=generator).tolist()
        for quadrant, colour in ((int(quadrants[i]), CLASS_COLOURS[labels[i]]), (distractor, DISTRACTOR)):
            top, left = (quadrant // 2) * half + dy, (quadrant % 2) * half + dx
            images[i, :, top:top + patch, left:left + patch] += 2 * colour.view(3, 1, 1)
    return images, labels, quadrants


def small_resnet(num_classes: int, width: int = 16) -> nn.Sequential:
    """A four-stage net of torchvision's BasicBlock (in-place ReLU, as in ResNet-34), named like ResNet's."""
    def stage(inplanes: int, planes: int, stride: int) -> nn.Sequential:
        projection = None
        if stride != 1 or inplanes != planes:
            projection = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
        return nn.Sequential(BasicBlock(inplanes, planes, stride, projection))

    w = width
    return nn.Sequential(OrderedDict(
        conv1=nn.Conv2d(3, w, 3, 2, 1, bias=False), bn1=nn.BatchNorm2d(w), relu=nn.ReLU(inplace=True),
        layer1=stage(w, w, 1), layer2=stage(w, 2 * w, 2), layer3=stage(2 * w, 4 * w, 2),
        layer4=stage(4 * w, 4 * w, 2), avgpool=nn.AdaptiveAvgPool2d(1), flatten=nn.Flatten(),
        fc=nn.Linear(4 * w, num_classes)))


def peak_quadrants(maps: np.ndarray) -> np.ndarray:
    rows, columns = np.unravel_index(maps.reshape(len(maps), -1).argmax(axis=1), maps.shape[1:])
    return (rows >= maps.shape[1] // 2).astype(int) * 2 + (columns >= maps.shape[2] // 2).astype(int)


def hit_rate(model: nn.Module, images, labels, quadrants) -> float:
    _, maps, grids = gradcam(model, images, stages=("layer4",), targets=labels.tolist())
    assert maps["layer4"].shape == (len(images), SIZE, SIZE) and grids["layer4"] == (4, 4)  # stride 16
    return float((peak_quadrants(maps["layer4"]) == quadrants.numpy()).mean())


def test_gradcam_peaks_on_the_class_evidence_after_training():
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    model = small_resnet(len(CLASS_COLOURS))
    untrained = small_resnet(len(CLASS_COLOURS))
    untrained.load_state_dict(model.state_dict())
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(40):
        images, labels, _ = patch_images(32, generator)
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    images, labels, quadrants = patch_images(64, generator)
    # Chance is 1/4; the brighter distractor draws any map that follows contrast rather than class evidence.
    assert hit_rate(model, images, labels, quadrants) >= 0.8
    assert hit_rate(untrained, images, labels, quadrants) < 0.65


def grad_cam_by_hand(model: nn.Module, images: torch.Tensor, targets: list[int], stage: str) -> np.ndarray:
    """Selvaraju et al. (2017), Eq. 1-2, written out: channel weights = spatial mean of d score / d A.

    Computed on a twin of ``model`` whose activations all work out of place, so a map that an in-place ReLU
    corrupted would differ from this one."""
    model = copy.deepcopy(model)
    for module in model.modules():
        if getattr(module, "inplace", False):
            module.inplace = False
    stored = {}
    handle = dict(model.named_modules())[stage].register_forward_hook(lambda m, i, o: stored.update(a=o))
    try:
        scores = model(images)
    finally:
        handle.remove()
    activations = stored["a"]
    (gradients,) = torch.autograd.grad(scores[torch.arange(len(images)), targets].sum(), activations)
    cam = F.relu((gradients.mean(dim=(2, 3), keepdim=True) * activations).sum(1)).detach()
    low, high = cam.amin(dim=(1, 2), keepdim=True), cam.amax(dim=(1, 2), keepdim=True)
    cam = (cam - low) / (high - low + 1e-8)
    return F.interpolate(cam[:, None], size=images.shape[-2:], mode="bilinear", align_corners=False)[:, 0].numpy()


@pytest.mark.parametrize("name, options", [("plain18", {}), ("resnet18", {}),
                                           ("resnet18", {"preact": True, "activation": "mish"})])
def test_maps_equal_the_papers_definition_on_kit_networks(name, options):
    torch.manual_seed(1)
    model = build_model(name, 5, **options).eval()
    images = torch.randn(3, 3, SIZE, SIZE)
    targets = [0, 3, 4]
    probabilities, maps, grids = gradcam(model, images, stages=("layer3", "layer4"), targets=targets)
    assert grids == {"layer3": (4, 4), "layer4": (2, 2)}  # 64 px: strides 16 and 32 (He et al. 2016, Table 1)
    with torch.no_grad():
        expected_probabilities = model(images).softmax(1).numpy()
    np.testing.assert_allclose(probabilities, expected_probabilities, atol=1e-5)
    for stage in ("layer3", "layer4"):
        np.testing.assert_allclose(maps[stage], grad_cam_by_hand(model, images, targets, stage), atol=1e-4)


def test_gradcam_explains_the_prediction_by_default_and_names_bad_stages():
    torch.manual_seed(2)
    model = build_model("resnet18", 5).eval()
    images = torch.randn(2, 3, SIZE, SIZE)
    probabilities, maps, _ = gradcam(model, images, stages=("layer4",))
    expected = grad_cam_by_hand(model, images, probabilities.argmax(1).tolist(), "layer4")
    np.testing.assert_allclose(maps["layer4"], expected, atol=1e-4)
    with pytest.raises(ValueError, match="layer5"):
        gradcam(model, images, stages=("layer5",))
    with pytest.raises(ValueError, match="one class per image"):
        gradcam(model, images, targets=[1])


# ---- run folders -------------------------------------------------------------------------------------------

def write_trained_run(runs_dir: Path, name: str, model: str, seed: int, accuracy: float) -> Path:
    """A run folder of run_factory plus a best.pt with real (random) weights of ``model`` for 32-px images."""
    run_dir = write_run(runs_dir, name, model, seed=seed, accuracy=accuracy, n_val=15)
    torch.manual_seed(seed)
    weights = build_model(model, len(kit.CLASSES)).state_dict()
    config = json.loads((run_dir / "config.json").read_text())
    torch.save({"epoch": 6, "model": weights, "config": config, "classes": list(kit.CLASSES)}, run_dir / "best.pt")
    return run_dir


@pytest.fixture()
def workspace(tmp_path) -> Path:
    write_images(tmp_path / "images", val_filenames(15), size=48)
    write_trained_run(tmp_path / "runs", "plain18", "plain18", seed=1, accuracy=0.4)
    write_trained_run(tmp_path / "runs", "resnet18", "resnet18", seed=2, accuracy=0.7)
    return tmp_path


def test_choose_images_takes_the_most_confident_correct_image_and_mistake_of_each_class(workspace):
    runs = [load_run("plain18", workspace), load_run("resnet18", workspace)]
    chosen = choose_images(runs)
    merged = runs[0].predictions.merge(runs[1].predictions, on=["filename", "label"], suffixes=("_a", "_b"))
    for label in kit.CLASSES:
        rows = merged[merged["label"] == label]
        confidence_wrong = {}
        correct_both = {}
        for _, row in rows.iterrows():
            wrong = [row[f"p_{row[f'prediction_{s}']}_{s}"] for s in "ab" if row[f"prediction_{s}"] != label]
            if wrong:
                confidence_wrong[row["filename"]] = max(wrong)
            if all(row[f"prediction_{s}"] == label for s in "ab"):
                correct_both[row["filename"]] = min(row[f"p_{label}_a"], row[f"p_{label}_b"])
        picked = chosen[chosen["label"] == label].set_index("kind")["filename"]
        if confidence_wrong:
            assert picked["mistake"] == max(confidence_wrong, key=confidence_wrong.get)
        else:
            assert "mistake" not in picked
        if correct_both:
            assert picked["correct"] == max(correct_both, key=correct_both.get)
        if "correct" in picked and "mistake" in picked:
            assert picked["correct"] != picked["mistake"]
    assert list(dict.fromkeys(chosen["label"])) == [c for c in kit.CLASSES if c in set(chosen["label"])]


def predictions_run(name: str, rows: list[tuple[str, str, str, float]]) -> RunResult:
    """A run whose predictions.csv holds ``(filename, label, prediction, probability of the prediction)``."""
    classes = ("a", "b")
    table = pd.DataFrame([{"filename": f, "label": label, "prediction": guess,
                           **{f"p_{c}": p if c == guess else 1 - p for c in classes}} for f, label, guess, p in rows])
    return RunResult(name=name, config={}, history=pd.DataFrame(), metrics={}, predictions=table)


def test_the_correct_image_is_never_the_mistake_shown_beside_it():
    # Every "a" image fools the plain run; x.jpg is its surest mistake and the only one the other run gets right.
    plain = predictions_run("plain", [("x.jpg", "a", "b", 0.9), ("y.jpg", "a", "b", 0.6), ("z.jpg", "b", "b", 0.8)])
    resnet = predictions_run("resnet", [("x.jpg", "a", "a", 0.7), ("y.jpg", "a", "b", 0.55), ("z.jpg", "b", "b", 0.9)])
    chosen = choose_images([plain, resnet]).set_index(["label", "kind"])["filename"]
    assert chosen[("a", "mistake")] == "x.jpg"
    assert ("a", "correct") not in chosen  # no other "a" image is right for any run: the cell says so
    assert chosen[("b", "correct")] == "z.jpg" and ("b", "mistake") not in chosen


def test_explain_run_reads_only_the_chosen_images_at_the_runs_size(workspace):
    filenames = val_filenames(15)[:3]
    cams = explain_run("resnet18", filenames, workspace=workspace, image_dir=workspace / "images",
                       stages=("layer1", "layer4"))
    assert isinstance(cams, GradCams) and cams.run == "ResNet-18"
    assert cams.images.shape == (3, 32, 32, 3) and cams.images.dtype == np.uint8
    assert set(cams.maps) == {"layer1", "layer4"} and cams.maps["layer1"].shape == (3, 32, 32)
    assert cams.frame["filename"].tolist() == filenames
    predictions = load_run("resnet18", workspace).predictions.set_index("filename")
    assert cams.frame["label"].tolist() == predictions.loc[filenames, "label"].tolist()
    assert (cams.frame["prediction"] == cams.frame["explained"]).all()
    by_label = explain_run("resnet18", filenames, workspace=workspace, image_dir=workspace / "images",
                           explain="label")
    assert by_label.frame["explained"].tolist() == by_label.frame["label"].tolist()
    assert cams.overlay(0).size == (32, 32)
    with pytest.raises(FileNotFoundError, match="9999.jpg"):
        explain_run("resnet18", ["9999.jpg"], workspace=workspace, image_dir=workspace / "images")


def test_read_images_matches_the_evaluation_pipeline(tmp_path):
    from kit.data.pipeline import IMAGENET_MEAN, IMAGENET_STD, cache_side, load_square
    import torchvision.transforms.functional as TF

    picture = np.random.default_rng(0).integers(0, 256, (50, 70, 3), dtype=np.uint8)
    Image.fromarray(picture).save(tmp_path / "a.png")
    array, tensor = read_images([tmp_path / "a.png"], 32)
    expected = TF.center_crop(load_square(tmp_path / "a.png", cache_side(32)), [32, 32])
    np.testing.assert_array_equal(array[0], np.asarray(expected))
    reference = TF.normalize(TF.to_tensor(expected), IMAGENET_MEAN, IMAGENET_STD)
    torch.testing.assert_close(tensor[0], reference)


def test_side_by_side_figure_has_a_row_per_class_and_titles_in_the_language(workspace):
    chosen, cams = compare_gradcam(["plain18", "resnet18"], workspace, image_dir=workspace / "images")
    assert [c.run for c in cams] == ["Plain-18", "ResNet-18"]
    for language, word in (("id", "benar"), ("en", "correct")):
        figure = gradcam_comparison(chosen, cams, language=language)
        assert len(figure.axes) == 4 * chosen["label"].nunique()  # (correct, mistake) x (Plain, ResNet)
        assert [sub.get_suptitle() for sub in figure.subfigs] == [tr(f"explain.{kind}", language) for kind in KINDS]
        assert word in figure.subfigs[0].get_suptitle()
        assert "conv5_x" in figure.get_suptitle() and "1x1" in figure.get_suptitle()  # 32 px / stride 32
        titles = " ".join(ax.get_title() for ax in figure.axes)
        assert "Plain-18" in titles and "ResNet-18" in titles
    stages = explain_run("resnet18", chosen["filename"].iloc[:1].tolist(), workspace=workspace,
                         image_dir=workspace / "images", stages=("layer1", "layer2", "layer3", "layer4"))
    figure = gradcam_stages([stages], chosen["filename"].iloc[0], language="en")
    assert len(figure.axes) == 5 and "conv5_x" in figure.axes[-1].get_title()


def test_report_markdown_saves_the_figure_or_says_why_not(workspace, tmp_path):
    out_dir = tmp_path / "report"
    markdown = gradcam_markdown(["plain18", "resnet18"], out_dir, "id", workspace=workspace,
                                image_dir=workspace / "images")
    assert markdown.startswith(f"## {tr('explain.title', 'id')}")
    assert "](images/gradcam.png)" in markdown and (out_dir / "images" / "gradcam.png").stat().st_size > 1000
    assert tr("explain.citation", "id") in markdown
    (workspace / "runs" / "plain18" / "best.pt").unlink()
    missing = gradcam_markdown(["plain18", "resnet18"], tmp_path / "other", "en", workspace=workspace,
                               image_dir=workspace / "images")
    assert "best.pt" in missing and "![" not in missing and not (tmp_path / "other").exists()
    (workspace / "runs" / "resnet18" / "best.pt").write_bytes(b"cut short by a disconnect")
    broken = gradcam_markdown(["resnet18"], tmp_path / "other", "en", workspace=workspace,
                              image_dir=workspace / "images")
    assert tr("explain.unavailable", "en", reason="") in broken and "best.pt" in broken and "![" not in broken


def test_report_section_adds_the_modifications_beside_the_last_compared_run(workspace, tmp_path, monkeypatch):
    write_trained_run(workspace / "runs", "resnet18-se", "resnet18", seed=3, accuracy=0.6)
    # The section finds the images where the prepared dataset of the workspace says they are.
    monkeypatch.setattr("kit.explain.load_prepared", lambda workspace: SimpleNamespace(image_dir=workspace / "images"))
    ctx = SimpleNamespace(runs=[load_run("plain18", workspace), load_run("resnet18", workspace)],
                          extra_runs=[load_run("resnet18-se", workspace)], out_dir=tmp_path / "report",
                          language="en", workspace=workspace)
    markdown = gradcam_section(ctx)
    assert "images/gradcam.png" in markdown and "images/gradcam_modifications.png" in markdown
    assert (tmp_path / "report" / "images" / "gradcam_modifications.png").is_file()


COURSE_IMAGES = Path(__file__).resolve().parents[2] / "shared/data/if25-4041-mini/IF25-4041-dataset/train"


@pytest.mark.skipif(not COURSE_IMAGES.is_dir(), reason="the course dataset (../shared/data) is not on this machine")
def test_course_images_of_every_format_get_maps():
    """JPEG, and WEBP and palette PNG files named .jpg, as the course dataset holds them."""
    signatures = {b"\xff\xd8": "jpeg", b"RIFF": "webp", b"\x89PNG": "png"}
    found = {}
    for path in sorted(COURSE_IMAGES.iterdir()):
        head = path.read_bytes()[:4]
        kind = next((k for s, k in signatures.items() if head.startswith(s)), None)
        found.setdefault(kind, path)
        if {"jpeg", "webp", "png"} <= set(found):
            break
    paths = [found[k] for k in ("jpeg", "webp", "png")]
    images, tensor = read_images(paths, SIZE)
    assert images.shape == (3, SIZE, SIZE, 3) and torch.isfinite(tensor).all()
    torch.manual_seed(0)
    _, maps, _ = gradcam(build_model("resnet18", 5), tensor, stages=("layer3",))
    assert maps["layer3"].shape == (3, SIZE, SIZE) and maps["layer3"].min() >= 0 and maps["layer3"].max() <= 1
