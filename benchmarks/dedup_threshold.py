"""The evidence behind ``kit.data.dedup.NEAR_THRESHOLD``: hash distances measured on the real course images.

    python benchmarks/dedup_threshold.py [DATASET]

DATASET defaults to $KIT_DATA, else the course's mini dataset when present (benchmarks/default_data.py).
Distances are pHash + dHash Hamming distances
(0..128 bits) between images that differ in their pixels. Prints:

1. pairs of *different-label* images (certainly different photos) and of same-label images, per distance;
2. each image's distance to its nearest other image;
3. how far re-encoding, resizing and trimming move an image (known duplicates, made here);
4. the duplicate groups each threshold would make.
A threshold is safe while it stays below the closest different-label pair; a useful one catches the edits of 3.
"""

from __future__ import annotations

import io
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw

from kit.data.dedup import NEAR_THRESHOLD, group_duplicates, hash_distances, hash_image, image_hashes
from kit.data.reading import DataWarning, open_rgb, read_dataset
from kit.data.sources import find_dataset_root

from default_data import default_dataset  # benchmarks/default_data.py



def _histogram(values: np.ndarray, upto: int) -> str:
    counts = np.bincount(values, minlength=upto + 1)[: upto + 1]
    return " ".join(f"{d}:{c}" for d, c in enumerate(counts) if c)


def edits(path: str) -> dict[str, Image.Image]:
    """Known near duplicates of one image: the kinds of copies found in the course data."""
    image = open_rgb(path)
    w, h = image.size

    def reencode(img: Image.Image, fmt: str, **kw) -> Image.Image:
        buffer = io.BytesIO()
        img.save(buffer, fmt, **kw)
        return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")

    return {
        "jpeg q=50": reencode(image, "JPEG", quality=50),
        "resize 60% + jpeg q=75": reencode(image.resize((w * 3 // 5, h * 3 // 5)), "JPEG", quality=75),
        "webp q=60": reencode(image, "WEBP", quality=60),
        "trim 4% each side": image.crop((w // 25, h // 25, w - w // 25, h - h // 25)),
        "trim 10% one side": image.crop((w // 10, 0, w, h)),
        # the copies tests/test_data_dedup.py pins the threshold with
        "trim 3% + resize 50%": reencode(image.crop((w * 3 // 100, h * 3 // 100, w - w * 3 // 100,
                                                     h - h * 3 // 100)).resize((w // 2, h // 2)), "JPEG",
                                         quality=75),
        "rotate 3 degrees": reencode(image.rotate(3, resample=Image.Resampling.BICUBIC), "JPEG", quality=80),
        "white banner on 20%": reencode(_banner(image), "JPEG", quality=80),
    }


def _banner(image: Image.Image) -> Image.Image:
    """A caption bar over the bottom fifth, as reposted food photos carry."""
    marked = image.copy()
    ImageDraw.Draw(marked).rectangle([0, int(image.height * 0.8), image.width, image.height], fill=(255, 255, 255))
    return marked


def main() -> None:
    dataset = Path(sys.argv[1] if len(sys.argv) > 1 else default_dataset())
    warnings.simplefilter("ignore", DataWarning)
    records = read_dataset(find_dataset_root(dataset)).records
    hashes = image_hashes(records)
    unique = hashes.drop_duplicates("pixel_hash").reset_index(drop=True)
    distance = hash_distances(unique)
    labels = unique["label"].to_numpy(object)
    upper = np.triu_indices(len(unique), 1)
    pair = distance[upper]
    same = labels[upper[0]] == labels[upper[1]]
    print(f"{len(records)} images, {len(unique)} distinct by pixels; pHash+dHash distance (bits of 128)")
    print(f"\n1. pairs per distance (<= 40)\n  different labels: {_histogram(pair[~same], 40)}")
    print(f"  same label:       {_histogram(pair[same], 40)}")
    closest = int(pair[~same].min())
    print(f"  closest different-label pair: {closest} bits")

    np.fill_diagonal(distance, 999)
    print(f"\n2. distance to the nearest other image (<= 40): {_histogram(distance.min(axis=1), 40)}")

    print("\n3. distance between an image and an edited copy (60 images)")
    rng = np.random.default_rng(0)
    sample = unique.iloc[rng.permutation(len(unique))[:60]]
    paths = records.drop_duplicates("sha256").set_index("sha256")["path"]
    moved: dict[str, list[int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for sha in sample["sha256"]:
            original = hash_image(paths[sha])
            for name, copy in edits(paths[sha]).items():
                file = Path(tmp) / "copy.png"
                copy.save(file)
                table = pd.DataFrame([original, hash_image(file)])
                moved.setdefault(name, []).append(int(hash_distances(table)[0, 1]))
    for name, values in moved.items():
        values = np.array(values)
        print(f"  {name:24s} median {np.median(values):4.0f}  95th pct {np.percentile(values, 95):4.0f}  "
              f"max {values.max():3d}  within threshold {np.mean(values <= NEAR_THRESHOLD):.0%}")

    print("\n4. groups per threshold (all images)")
    for threshold in (0, 6, 12, 18, 22, 26, 30, 34, 40):
        groups = hashes.assign(group=group_duplicates(hashes, threshold).to_numpy())
        sizes = groups["group"].value_counts()
        mixed = int((groups.groupby("group")["label"].nunique() > 1).sum())
        print(f"  <= {threshold:2d}: {len(sizes):4d} groups, {int(sizes[sizes > 1].sum()):4d} images in "
              f"duplicate groups, largest {int(sizes.max()):2d}, groups mixing labels {mixed}")
    print(f"\nNEAR_THRESHOLD = {NEAR_THRESHOLD}: {closest - NEAR_THRESHOLD} bits below the closest "
          f"different-label pair")


if __name__ == "__main__":
    main()
