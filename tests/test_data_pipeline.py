"""The input pipeline: uint8 cache, per-image device augmentation, the DataLoader path, the Batches contract."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from kit.data import pipeline
from kit.data.pipeline import (CachedBatches, LoaderBatches, cache_side, crop_resize_flip, epoch_plan, load_square,
                               make_batches)
from kit.data.prepare import prepare

pytestmark = pytest.mark.filterwarnings("ignore::kit.data.reading.DataWarning")
SIZE = 24


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    return prepare("synthetic", tmp_path_factory.mktemp("pipeline") / "ws")


@pytest.fixture(scope="module")
def cached(prepared):
    return make_batches(prepared, image_size=SIZE, batch_size=16, device="cpu", seed=0)


def test_batches_follow_the_contract(cached, prepared):
    assert isinstance(cached, CachedBatches)
    assert cached.classes == prepared.classes and cached.batch_size == 16
    n_train = (prepared.split["split"] == "train").sum()
    batches = list(cached.train_batches(1))
    assert len(batches) == cached.train_steps() == -(-n_train // 16)
    images, labels = batches[0]
    assert images.shape == (16, 3, SIZE, SIZE) and images.dtype == torch.float32
    assert labels.dtype == torch.int64 and 0 <= labels.min() and labels.max() < 5
    assert sum(len(y) for _, y in batches) == n_train
    assert -3 < images.mean() < 3  # normalised, not 0..255


def test_eval_batches_match_the_frames(cached, prepared):
    for split in ("train", "val"):
        frame = cached.frame(split)
        labels = torch.cat([y for _, y in cached.eval_batches(split)])
        expected = [prepared.classes.index(label) for label in frame["label"]]
        assert labels.tolist() == expected
    test_labels = torch.cat([y for _, y in cached.eval_batches("test")])
    assert len(test_labels) == len(cached.frame("test")) == 10 and (test_labels == -1).all()
    with pytest.raises(ValueError, match="split must be one of"):
        list(cached.eval_batches("validation"))


def test_train_batches_depend_only_on_seed_and_epoch(prepared, cached):
    again = make_batches(prepared, image_size=SIZE, batch_size=16, device="cpu", seed=0)
    for (a, la), (b, lb) in zip(cached.train_batches(3), again.train_batches(3)):
        assert torch.equal(a, b) and torch.equal(la, lb)
    first = next(cached.train_batches(1))[0]
    assert not torch.equal(first, next(cached.train_batches(2))[0])
    other_seed = make_batches(prepared, image_size=SIZE, batch_size=16, device="cpu", seed=1)
    assert not torch.equal(first, next(other_seed.train_batches(1))[0])


def test_every_image_gets_its_own_crop_and_flip():
    order, boxes, flips = epoch_plan(200, 64, seed=0, epoch=1)
    assert sorted(order.tolist()) == list(range(200))
    assert len({tuple(b) for b in boxes.tolist()}) > 190
    assert 0.35 < flips.float().mean() < 0.65
    top, left, height, width = boxes.unbind(1)
    assert (top >= 0).all() and (left >= 0).all() and (top + height <= 64).all() and (left + width <= 64).all()
    area = (height * width).float() / 64**2
    assert area.min() >= 0.2 and area.max() <= 1.0
    ratio = (width / height).float()
    assert ratio.min() > 0.7 and ratio.max() < 1.45


def test_crop_resize_flip_cuts_the_right_pixels():
    images = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).view(2, 3, 8, 8)
    whole = torch.tensor([[0, 0, 8, 8], [0, 0, 8, 8]])
    out = crop_resize_flip(images, whole, torch.tensor([False, True]), 8)
    assert torch.allclose(out[0], images[0]) and torch.allclose(out[1], images[1].flip(-1))
    corner = torch.tensor([[2, 4, 4, 4], [0, 0, 8, 8]])  # top=2, left=4, 4x4
    out = crop_resize_flip(images, corner, torch.tensor([False, False]), 4)
    assert torch.allclose(out[0], images[0, :, 2:6, 4:8])
    halved = crop_resize_flip(images, whole, torch.tensor([False, False]), 4)  # 2x2 average, no aliasing
    assert torch.allclose(halved[0], torch.nn.functional.avg_pool2d(images[:1], 2)[0])


def test_loader_path_gives_identical_eval_tensors(prepared, cached):
    loader = make_batches(prepared, image_size=SIZE, batch_size=16, device="cpu", seed=0, cache=False,
                          num_workers=0)
    assert isinstance(loader, LoaderBatches)
    for split in ("val", "test"):
        a = torch.cat([x for x, _ in cached.eval_batches(split)])
        b = torch.cat([x for x, _ in loader.eval_batches(split)])
        assert torch.equal(a, b)
        assert cached.frame(split).equals(loader.frame(split))
    # same per-image crops and flips; only the resampling differs (PIL on the CPU vs roi_align)
    (xa, ya), (xb, yb) = next(cached.train_batches(4)), next(loader.train_batches(4))
    assert torch.equal(ya, yb)
    assert (xa - xb).abs().mean() < 0.1
    again = next(loader.train_batches(4))[0]
    assert torch.equal(xb, again)


def test_loader_path_with_worker_processes(prepared):
    loader = make_batches(prepared, image_size=SIZE, batch_size=32, device="cpu", cache=False, num_workers=2)
    single = make_batches(prepared, image_size=SIZE, batch_size=32, device="cpu", cache=False, num_workers=0)
    assert torch.equal(next(loader.train_batches(2))[0], next(single.train_batches(2))[0])


def test_cache_file_is_keyed_by_content_and_size(prepared, cached, tmp_path):
    files = sorted((prepared.workspace / "cache").glob("images-*.pt"))
    assert [f.name for f in files] == [pipeline.cache_path(prepared.workspace / "cache", prepared.fingerprint,
                                                           cache_side(SIZE)).name]
    stored = torch.load(files[0], weights_only=True)
    assert stored["images"].dtype == torch.uint8 and stored["images"].shape[1:] == (3, 27, 27)
    make_batches(prepared, image_size=32, batch_size=8, device="cpu")
    assert len(list((prepared.workspace / "cache").glob("images-*.pt"))) == 2  # another size, another cache

    workspace = tmp_path / "ws"
    shutil.copytree(prepared.workspace, workspace)
    root = workspace / "data" / "synthetic"
    name = prepared.frame("train")["filename"][0]
    Image.new("RGB", (80, 80), "white").save(root / "train" / name, "JPEG")  # the data changed
    changed = prepare("synthetic", workspace)
    assert changed.fingerprint != prepared.fingerprint
    batches = make_batches(changed, image_size=SIZE, batch_size=8, device="cpu")
    assert len(list((workspace / "cache").glob(f"images-*-{cache_side(SIZE)}px.pt"))) == 2
    split = "train" if name in set(batches.frame("train")["filename"]) else "val"
    row = batches.frame(split)["filename"].tolist().index(name)
    image = torch.cat([x for x, _ in batches.eval_batches(split)])[row]
    assert image.std(dim=(1, 2)).max() < 0.05  # the new plain white picture, not the cached old one


def test_make_batches_from_a_workspace_uses_the_saved_cache(prepared, cached, monkeypatch):
    monkeypatch.setattr(pipeline, "build_cache", lambda *a, **k: pytest.fail("rebuilt the cache"))
    from_disk = make_batches(prepared.workspace, image_size=SIZE, batch_size=16, device="cpu", seed=0)
    for (a, _), (b, _) in zip(from_disk.eval_batches("val"), cached.eval_batches("val")):
        assert torch.equal(a, b)


def test_load_square_decodes_big_jpegs_in_draft_mode(tmp_path, monkeypatch):
    pixels = (np.random.default_rng(0).random((1500, 2000, 3)) * 255).astype(np.uint8)
    path = tmp_path / "big.jpg"
    Image.fromarray(pixels).save(path, "JPEG")
    decoded_sizes = []
    original = Image.Image.load

    def spy(self):
        result = original(self)
        decoded_sizes.append(self.size)
        return result

    monkeypatch.setattr(Image.Image, "load", spy)
    square = load_square(path, 64)
    assert square.size == (64, 64)
    assert max(w for w, _ in decoded_sizes) <= 250  # decoded at 1/8 scale, never 2000 px wide


def test_load_square_keeps_the_centre_of_wide_images(tmp_path):
    wide = np.zeros((40, 120, 3), dtype=np.uint8)
    wide[:, 40:80] = 255  # a white centre third
    path = tmp_path / "wide.png"
    Image.fromarray(wide).save(path)
    square = np.asarray(load_square(path, 40))
    assert square.shape == (40, 40, 3) and square.mean() > 250


def test_load_square_upscales_small_images(tmp_path):
    path = tmp_path / "small.png"
    buffer = io.BytesIO()
    Image.new("RGB", (10, 20), "red").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    assert load_square(path, 32).size == (32, 32)


def test_synthetic_data_is_learnable_in_a_few_epochs(cached):
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(), torch.nn.Linear(32, 5))
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    for epoch in range(1, 9):
        for images, labels in cached.train_batches(epoch):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(images), labels).backward()
            optimizer.step()
    with torch.no_grad():
        correct = sum((model(x).argmax(1) == y).sum().item() for x, y in cached.eval_batches("val"))
    assert correct / len(cached.frame("val")) >= 0.8


def test_a_damaged_cache_file_is_rebuilt(prepared):
    file = pipeline.cache_path(prepared.workspace / "cache", prepared.fingerprint, cache_side(16))
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(b"cut short")
    batches = make_batches(prepared, image_size=16, batch_size=8, device="cpu")
    assert next(batches.eval_batches("val"))[0].shape == (8, 3, 16, 16)
    assert torch.load(file, weights_only=True)["images"].dtype == torch.uint8


def test_the_config_decides_the_augmentation_and_the_fingerprint_names_it(prepared, cached):
    from kit.config import Config
    from kit.data.pipeline import batches_for

    config = Config(image_size=SIZE, batch_size=16, seed=0)
    same = batches_for(config, prepared, device="cpu")
    assert same.settings == {"image_size": SIZE, "batch_size": 16, "seed": 0, "crop_scale": config.crop_scale,
                             "crop_ratio": config.crop_ratio, "flip": True}
    assert same.fingerprint == cached.fingerprint
    unflipped = batches_for(config.replace(flip=False), prepared, device="cpu")
    narrow = batches_for(config.replace(crop_scale=(0.9, 1.0)), prepared, device="cpu")
    assert len({same.fingerprint, unflipped.fingerprint, narrow.fingerprint}) == 3
    # Same order and crops, only the flips differ: without flip no image is mirrored.
    _, _, flips = epoch_plan(64, 40, seed=0, epoch=1, flip=False)
    assert not flips.any()
    first, plain = next(same.train_batches(1))[0], next(unflipped.train_batches(1))[0]
    assert not torch.equal(first, plain)
    assert not torch.equal(next(narrow.train_batches(1))[0], first)


def test_building_the_cache_never_repeats_pillows_nameless_large_image_warning(prepared, monkeypatch):
    """The data report names each large file once; decoding it again for the cache must not warn per image."""
    import warnings

    def decode_huge_images(paths, side, **options):  # as Pillow does for every image above MAX_IMAGE_PIXELS
        for _ in paths[:3]:
            warnings.warn("Image size (120000000 pixels) exceeds limit", Image.DecompressionBombWarning)
        return torch.zeros((len(paths), 3, side, side), dtype=torch.uint8)

    monkeypatch.setattr(pipeline, "build_cache", decode_huge_images)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        relpaths, images = pipeline.load_or_build_cache(prepared, side=13)  # a side no other test caches
    assert images.shape[1:] == (3, 13, 13) and len(relpaths) == len(images)
    assert [w for w in caught if issubclass(w.category, Image.DecompressionBombWarning)] == []
    with pytest.warns(Image.DecompressionBombWarning):  # silenced only while the cache is built
        warnings.warn("after the cache", Image.DecompressionBombWarning)
