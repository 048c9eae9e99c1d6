"""Where a trained network looks: Grad-CAM maps of a run's ``best.pt`` on chosen validation images.

Grad-CAM (Selvaraju et al. 2017, "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based
Localization", ICCV) weighs each channel ``A^k`` of a stage's output by the spatial mean of the gradient of the
class score ``y^c`` (before softmax) and keeps the positive part::

    L^c = ReLU( sum_k alpha_k^c A^k ),      alpha_k^c = mean_ij  d y^c / d A^k_ij

The maps come from torchcam's ``GradCAM``, which hooks the stage output in the forward pass and differentiates
with ``torch.autograd.grad``, so the in-place ReLUs inside torchvision's and the kit's blocks are no problem
(a backward hook on a module followed by an in-place op is, see pytorch/pytorch#61519).

The stages are the four stages of He et al. (2016), Table 1: conv2_x .. conv5_x, named ``layer1`` ..
``layer4`` in torchvision's ``ResNet`` and so in every model of ``kit.models.build_model``. The last stage's
map (7x7 for a 224-px image) is the usual Grad-CAM; earlier stages show finer, less class-specific maps.

Cost: only the chosen images are decoded (JPEG draft mode), at the run's image size and exactly as evaluation
sees them (``kit.data.pipeline.load_square`` and a centre crop); the val set is never loaded as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF
from PIL import Image
from torch import Tensor, nn
from torchcam.methods import GradCAM
from torchcam.utils import overlay_mask

from kit.config import Config
from kit.data.pipeline import IMAGENET_MEAN, IMAGENET_STD, cache_side, load_square, normalize
from kit.data.prepare import load_prepared
from kit.models import build_model
from kit.runs import RunNotFoundError, RunResult, load_run, load_runs, notebook_for
from kit.train import load_checkpoint

STAGES = {"layer1": "conv2_x", "layer2": "conv3_x", "layer3": "conv4_x", "layer4": "conv5_x"}
"""Module name of each stage -> its name in Table 1 of He et al. (2016)."""
LAST_STAGE = "layer4"
KINDS = ("correct", "mistake")
"""The images chosen per class: the most confident correct one and the most confident mistake."""
BATCH = 16
"""Images per forward/backward pass: bounds the activations kept for the backward pass, whatever the count."""


@dataclass(frozen=True)
class GradCams:
    """Grad-CAM maps of one run on a set of images.

    ``frame``: one row per image: ``filename``, ``label`` (true class, "" when unknown), ``prediction``,
    ``confidence`` (softmax probability of the prediction) and ``explained`` (the class whose map it is).
    ``images``: ``N x H x W x 3`` uint8, what the network saw. ``maps``: stage -> ``N x H x W`` in [0, 1].
    ``grids``: stage -> the (rows, columns) of the stage's output, the map's true resolution.
    """

    run: str
    classes: tuple[str, ...]
    frame: pd.DataFrame
    images: np.ndarray
    maps: dict[str, np.ndarray]
    grids: dict[str, tuple[int, int]]

    def index(self, filename: str) -> int:
        """Row of ``filename`` in ``frame`` / ``images`` / ``maps``."""
        matches = np.flatnonzero(self.frame["filename"].to_numpy() == filename)
        if not len(matches):
            raise KeyError(f"{filename!r} is not among the images explained for {self.run}")
        return int(matches[0])

    def overlay(self, index: int, stage: str = LAST_STAGE, alpha: float = 0.5) -> Image.Image:
        """Image ``index`` with the map of ``stage`` drawn over it (jet colours; ``alpha`` = share of the image)."""
        if stage not in self.maps:
            raise KeyError(f"No {stage!r} maps for {self.run}; computed: {', '.join(self.maps)}")
        mask = Image.fromarray(self.maps[stage][index].astype(np.float32))  # mode "F"
        return overlay_mask(Image.fromarray(self.images[index]), mask, alpha=alpha)


def load_run_model(run: str | Path | RunResult, workspace: str | Path | None = None,
                   device: str | torch.device = "cpu") -> tuple[nn.Module, tuple[str, ...]]:
    """The network of ``run`` with the weights of its ``best.pt``, in eval mode, and its class order."""
    run = load_run(run, workspace)
    checkpoint_path = run.run_dir / "best.pt"
    if not checkpoint_path.is_file():
        raise RunNotFoundError(f"Run '{run.name}' has no best.pt in {run.run_dir}: "
                               f"run notebooks/{notebook_for(run.name)} first")
    checkpoint = load_checkpoint(checkpoint_path)
    config = Config.from_dict(run.config)
    classes = tuple(checkpoint.get("classes") or run.classes)
    model = build_model(config.model, len(classes), **config.model_options)
    # A model trained under torch.compile saves every key with an "_orig_mod." prefix.
    model.load_state_dict({k.removeprefix("_orig_mod."): v for k, v in checkpoint["model"].items()})
    return model.to(device).eval(), classes


def read_images(paths: Sequence[str | Path], image_size: int) -> tuple[np.ndarray, Tensor]:
    """Decode ``paths`` as evaluation does: ``(N x S x S x 3 uint8, N x 3 x S x S normalised float32)``."""
    missing = [str(p) for p in paths if not Path(p).is_file()]
    if missing:
        raise FileNotFoundError(f"{len(missing)} image(s) not found, e.g. {missing[:3]}: is the image folder "
                                "the one the run's predictions.csv refers to?")
    side = cache_side(image_size)
    pictures = [np.asarray(TF.center_crop(load_square(p, side), [image_size, image_size])) for p in paths]
    array = np.stack(pictures) if pictures else np.zeros((0, image_size, image_size, 3), dtype=np.uint8)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return array, normalize(torch.from_numpy(array).permute(0, 3, 1, 2), mean, std)


class CamBatch(NamedTuple):
    """What :func:`gradcam` returns: softmax ``probabilities`` (``N x K``); per stage the ``maps`` upsampled to
    the images' ``H x W`` and scaled to [0, 1] per image; per stage the ``grids`` (rows, columns) the maps were
    computed on (7 x 7 for conv5_x of a 224-px image; a 1 x 1 grid gives a flat map that shows nothing)."""

    probabilities: np.ndarray
    maps: dict[str, np.ndarray]
    grids: dict[str, tuple[int, int]]


def gradcam(model: nn.Module, images: Tensor, *, stages: Sequence[str] = (LAST_STAGE,),
            targets: Sequence[int] | None = None) -> CamBatch:
    """Grad-CAM of ``images`` (normalised ``N x 3 x H x W``) for each of ``stages`` (module names of ``model``).

    ``targets`` are the class indices to explain, one per image; by default each image's predicted class.
    The maps are upsampled bilinearly to the image size, as in Selvaraju et al. (2017).
    """
    modules = dict(model.named_modules())
    unknown = [s for s in stages if s not in modules]
    if unknown or not stages:
        raise ValueError(f"stages must name modules of the model, e.g. {', '.join(STAGES)}; got {list(stages)}")
    if targets is not None and len(targets) != len(images):
        raise ValueError(f"targets must give one class per image: {len(targets)} for {len(images)} images")
    model.eval()
    device = next(model.parameters()).device
    probabilities, maps, grids = [], {stage: [] for stage in stages}, {}
    for first in range(0, len(images), BATCH):
        batch = images[first:first + BATCH].to(device)
        # enable_grad: Grad-CAM differentiates even when the caller runs under torch.no_grad().
        with torch.enable_grad(), GradCAM(model, list(stages)) as extractor:
            scores = model(batch)
            explained = scores.argmax(1).tolist() if targets is None else list(targets[first:first + BATCH])
            batch_maps = extractor(class_idx=[int(c) for c in explained], scores=scores)
        probabilities.append(scores.detach().float().softmax(1).cpu())
        for stage, cam in zip(stages, batch_maps):
            grids[stage] = (int(cam.shape[-2]), int(cam.shape[-1]))
            upsampled = F.interpolate(cam[:, None].float(), size=tuple(batch.shape[-2:]), mode="bilinear",
                                      align_corners=False)[:, 0]
            maps[stage].append(upsampled.clamp(0, 1).cpu())
    if not probabilities:
        raise ValueError("gradcam needs at least one image")
    return CamBatch(probabilities=torch.cat(probabilities).numpy(),
                    maps={stage: torch.cat(parts).numpy() for stage, parts in maps.items()}, grids=grids)


def explain_run(run: str | Path | RunResult, filenames: Sequence[str], *, workspace: str | Path | None = None,
                image_dir: str | Path | None = None, stages: Sequence[str] = (LAST_STAGE,),
                explain: str = "prediction", device: str | torch.device = "cpu") -> GradCams:
    """Grad-CAM of ``run``'s best weights on the validation images ``filenames``.

    ``image_dir`` is the folder the filenames are relative to; by default the prepared dataset's
    (``kit.data.load_prepared(workspace).image_dir``, the workspace being the run's). ``explain`` is
    ``"prediction"`` (why the network said what it said) or ``"label"`` (where it sees the true class).
    """
    if explain not in ("prediction", "label"):
        raise ValueError(f"explain must be 'prediction' or 'label', got {explain!r}")
    run = load_run(run, workspace)
    model, classes = load_run_model(run, device=device)
    if image_dir is None:
        image_dir = load_prepared(workspace if workspace is not None else run.run_dir.parent.parent).image_dir
    known = {}
    if run.predictions is not None:
        known = dict(zip(run.predictions["filename"].astype(str), run.predictions["label"].astype(str)))
    labels = [known.get(str(f), "") for f in filenames]
    if explain == "label" and not all(label in classes for label in labels):
        raise ValueError(f"explain='label' needs the true class of every image; {run.name}'s predictions.csv "
                         "lacks some of them")
    images, tensor = read_images([Path(image_dir) / f for f in filenames], int(run.config["image_size"]))
    targets = [classes.index(label) for label in labels] if explain == "label" else None
    probabilities, maps, grids = gradcam(model, tensor, stages=stages, targets=targets)
    predicted = probabilities.argmax(1)
    explained = predicted if targets is None else np.asarray(targets)
    frame = pd.DataFrame({"filename": [str(f) for f in filenames], "label": labels,
                          "prediction": [classes[i] for i in predicted],
                          "confidence": probabilities[np.arange(len(predicted)), predicted],
                          "explained": [classes[i] for i in explained]})
    return GradCams(run=run.label, classes=classes, frame=frame, images=images, maps=maps, grids=grids)


def choose_images(runs: Sequence[RunResult]) -> pd.DataFrame:
    """The val images to explain, the same for every run: per class (in class order) the most confident
    ``correct`` image and the most confident ``mistake``, as rows ``label, kind, filename``.

    ``mistake``: wrong for at least one run, with the highest probability any run gave a wrong class.
    ``correct``: another image, right for as many runs as possible, then with the highest smallest probability
    of the true class. A class without such an image has no row of that kind. Only images every run has
    predicted are considered.
    """
    if not runs:
        raise ValueError("choose_images needs at least one run")
    classes = runs[0].classes
    per_run = []
    for number, run in enumerate(runs):
        predictions = run.require_predictions()
        probabilities = predictions[[f"p_{c}" for c in classes]].to_numpy(dtype=float)
        rows = np.arange(len(predictions))
        true_index = predictions["label"].map({c: i for i, c in enumerate(classes)}).to_numpy()
        predicted_index = predictions["prediction"].map({c: i for i, c in enumerate(classes)}).to_numpy()
        correct = true_index == predicted_index
        per_run.append(pd.DataFrame({
            "filename": predictions["filename"].astype(str), "label": predictions["label"].astype(str),
            f"correct_{number}": correct, f"p_true_{number}": probabilities[rows, true_index],
            f"p_wrong_{number}": np.where(correct, -1.0, probabilities[rows, predicted_index])}))
    merged = per_run[0]
    for frame in per_run[1:]:
        merged = merged.merge(frame.drop(columns="label"), on="filename", how="inner")
    n = len(runs)
    merged["n_correct"] = merged[[f"correct_{i}" for i in range(n)]].sum(axis=1)
    merged["p_true_min"] = merged[[f"p_true_{i}" for i in range(n)]].min(axis=1)
    merged["p_wrong_max"] = merged[[f"p_wrong_{i}" for i in range(n)]].max(axis=1)
    chosen = []
    for label in classes:
        of_class = merged[merged["label"] == label]
        wrong = of_class[of_class["n_correct"] < n].sort_values(["p_wrong_max", "filename"], ascending=[False, True])
        mistake = wrong["filename"].iloc[0] if len(wrong) else None
        # The correct image is another one than the mistake, even when every image fooled some run.
        right = of_class[(of_class["n_correct"] > 0) & (of_class["filename"] != mistake)]
        right = right.sort_values(["n_correct", "p_true_min", "filename"], ascending=[False, False, True])
        correct = right["filename"].iloc[0] if len(right) else None
        for kind, filename in zip(KINDS, (correct, mistake)):
            if filename is not None:
                chosen.append({"label": label, "kind": kind, "filename": filename})
    return pd.DataFrame(chosen, columns=["label", "kind", "filename"])


def compare_gradcam(runs: Sequence[str | Path | RunResult], workspace: str | Path | None = None, *,
                    image_dir: str | Path | None = None, stages: Sequence[str] = (LAST_STAGE,),
                    device: str | torch.device = "cpu") -> tuple[pd.DataFrame, list[GradCams]]:
    """:func:`choose_images` for ``runs`` (e.g. Plain-34 and ResNet-34), then :func:`explain_run` of each run
    on those same images. Returns the chosen images and one :class:`GradCams` per run, in the order given."""
    loaded = load_runs(runs, workspace)
    chosen = choose_images(loaded)
    filenames = list(dict.fromkeys(chosen["filename"]))
    return chosen, [explain_run(run, filenames, workspace=workspace, image_dir=image_dir, stages=stages,
                                device=device) for run in loaded]
