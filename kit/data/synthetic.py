"""A small, learnable stand-in for the course dataset, in its exact layout and with its quirks.

``make_synthetic(root)`` writes ``train/`` (flat, ``0001.jpg`` ...), ``train.csv`` (``filename,label``),
``test/`` and ``test.csv`` (file names, empty labels), like the course zip, plus ``synthetic.json`` describing
what it planted. Each class has its own colours and pattern, so a small CNN tells them apart within a couple of
epochs. The quirks of the real data are there on purpose, so every run on synthetic data exercises the same
code paths: a WEBP and a palette PNG named ``.jpg``, a ``.jpeg`` file, an EXIF-rotated JPEG, a blank row, a row
whose file is missing, an exact duplicate pair and a near duplicate (resized and re-encoded) pair.

It is the default data of ``kit all``, of the notebooks' smoke mode and of the tests.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from kit import CLASSES
from kit.text import tr

MANIFEST = "synthetic.json"
_EXIF_ROTATE_90_CW = 6  # EXIF orientation: "display after rotating 90 degrees clockwise"

# base colours (background, foreground) per class; patterns are drawn by _draw below
_PALETTE = {
    "bakso": ((205, 175, 125), (110, 70, 45)),       # broth with meatballs
    "gado_gado": ((85, 150, 60), (235, 215, 90)),    # greens with dots
    "nasi_goreng": ((200, 115, 45), (245, 225, 180)),  # fried rice speckles
    "rendang": ((75, 35, 20), (140, 30, 25)),        # dark chunks
    "soto_ayam": ((230, 200, 70), (250, 250, 235)),  # yellow soup with stripes
}


def _jitter(colour, rng, amount=18):
    return tuple(int(np.clip(c + rng.integers(-amount, amount + 1), 0, 255)) for c in colour)


def _draw(label: str, width: int, height: int, rng: np.random.Generator, pattern_index: int) -> Image.Image:
    """One picture of ``label``: a jittered two-colour gradient background and the class's pattern."""
    background, foreground = _PALETTE.get(label, ((128, 128, 128), (pattern_index * 53 % 256, 90, 160)))
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:height, 0:width]
    ramp = (np.cos(angle) * xx / width + np.sin(angle) * yy / height)
    ramp = (ramp - ramp.min()) / (np.ptp(ramp) + 1e-9)
    start, end = np.array(_jitter(background, rng)), np.array(_jitter(background, rng, 45))
    pixels = start[None, None] * (1 - ramp[..., None]) + end[None, None] * ramp[..., None]
    image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    side = min(width, height)
    kind = pattern_index % len(_PALETTE)
    if kind == 0:    # a few large discs
        for _ in range(rng.integers(3, 7)):
            r = side * rng.uniform(0.08, 0.16)
            x, y = rng.uniform(0, width), rng.uniform(0, height)
            draw.ellipse([x - r, y - r, x + r, y + r], fill=_jitter(foreground, rng))
    elif kind == 1:  # many small multicoloured dots
        for _ in range(rng.integers(25, 45)):
            r = side * rng.uniform(0.02, 0.05)
            x, y = rng.uniform(0, width), rng.uniform(0, height)
            colour = foreground if rng.random() < 0.5 else (240, 240, 240)
            draw.ellipse([x - r, y - r, x + r, y + r], fill=_jitter(colour, rng))
    elif kind == 2:  # dense tiny speckles (grains)
        for _ in range(rng.integers(120, 200)):
            x, y = rng.uniform(0, width), rng.uniform(0, height)
            draw.ellipse([x - 1.5, y - 1, x + 1.5, y + 1], fill=_jitter(foreground, rng))
    elif kind == 3:  # irregular dark chunks
        for _ in range(rng.integers(4, 9)):
            cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), side * rng.uniform(0.08, 0.18)
            points = [(cx + r * rng.uniform(0.6, 1.2) * np.cos(t), cy + r * rng.uniform(0.6, 1.2) * np.sin(t))
                      for t in np.sort(rng.uniform(0, 2 * np.pi, 6))]
            draw.polygon(points, fill=_jitter(foreground, rng))
    else:            # wavy horizontal stripes
        for _ in range(rng.integers(3, 6)):
            y0, amplitude, phase = rng.uniform(0, height), rng.uniform(2, 6), rng.uniform(0, 6.3)
            points = [(x, y0 + amplitude * np.sin(x / width * 6.3 + phase)) for x in range(0, width + 4, 4)]
            draw.line(points, fill=_jitter(foreground, rng), width=int(rng.integers(2, 5)))
    noisy = np.asarray(image, dtype=np.int16) + rng.integers(-8, 9, size=(height, width, 3))
    return Image.fromarray(noisy.clip(0, 255).astype(np.uint8))


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def make_synthetic(root: str | Path, *, per_class: int = 20, size: tuple[int, int] = (64, 96), n_test: int = 10,
                   seed: int = 0, classes: tuple[str, ...] = CLASSES) -> Path:
    """Write the synthetic dataset into the folder ``root`` (created; must not exist or be empty) and return it.

    ``per_class`` images per class (plus the planted duplicates), each side drawn from ``size`` (min, max)
    pixels, ``n_test`` unlabelled test images. If ``root`` already holds a synthetic set made with the same
    arguments it is returned as it is; any other non-empty folder is an error (nothing is overwritten).
    """
    root = Path(root)
    arguments = {"per_class": per_class, "size": list(size), "n_test": n_test, "seed": seed,
                 "classes": list(classes)}
    if (root / MANIFEST).is_file():
        if json.loads((root / MANIFEST).read_text()).get("arguments") == arguments:
            return root
        raise FileExistsError(tr("data.synthetic_other_arguments", folder=root))
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(tr("data.synthetic_folder_not_empty", folder=root))
    if per_class < 4:
        raise ValueError(tr("data.synthetic_per_class", per_class=per_class))

    rng = np.random.default_rng(seed)
    labels = list(np.repeat(np.asarray(classes, dtype=object), per_class))
    labels = [labels[i] for i in rng.permutation(len(labels))]
    low, high = size

    def picture(label: str) -> Image.Image:
        width, height = (int(v) for v in rng.integers(low, high + 1, size=2))
        return _draw(label, width, height, rng, classes.index(label))

    files: dict[str, bytes] = {}   # path relative to root -> bytes
    rows: list[tuple[str, str]] = []
    quirks = {"webp_named_jpg": [], "png_named_jpg": [], "jpeg_extension": [], "exif_rotated": []}
    for number, label in enumerate(labels, start=1):
        name, image = f"{number:04d}.jpg", picture(label)
        if number == 3:
            data = _encode(image, "WEBP", quality=90)
            quirks["webp_named_jpg"].append(name)
        elif number == 5:
            palette = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
            palette.info["transparency"] = 0  # one palette entry transparent, as in the course PNGs
            data = _encode(palette, "PNG")
            quirks["png_named_jpg"].append(name)
        elif number == 7:
            name = f"{number:04d}.jpeg"
            data = _encode(image, "JPEG", quality=90)
            quirks["jpeg_extension"].append(name)
        elif number == 9:
            # stored turned a quarter to the left; the EXIF tag tells viewers to turn it back upright
            exif = Image.Exif()
            exif[0x0112] = _EXIF_ROTATE_90_CW
            data = _encode(image.transpose(Image.Transpose.ROTATE_90), "JPEG", quality=90, exif=exif.tobytes())
            quirks["exif_rotated"].append(name)
        else:
            data = _encode(image, "JPEG", quality=90)
        files[f"train/{name}"] = data
        rows.append((name, label))

    # planted duplicates: an exact copy of one file, a resized and re-encoded copy of another
    n = len(rows)
    exact_source, near_source = rows[1], rows[10]
    exact_name, near_name = f"{n + 1:04d}.jpg", f"{n + 2:04d}.jpg"
    files[f"train/{exact_name}"] = files[f"train/{exact_source[0]}"]
    original = Image.open(io.BytesIO(files[f"train/{near_source[0]}"])).convert("RGB")
    smaller = original.resize((original.width * 4 // 5, original.height * 4 // 5), Image.Resampling.BILINEAR)
    files[f"train/{near_name}"] = _encode(smaller, "JPEG", quality=75)
    rows += [(exact_name, exact_source[1]), (near_name, near_source[1])]
    missing_name = f"{n + 3:04d}.jpg"          # listed, never written
    rows.append((missing_name, classes[-1]))
    blank_at = len(rows) // 2                   # a row with nothing but the comma
    csv_rows = rows[:blank_at] + [("", "")] + rows[blank_at:]

    test_labels = {}
    for number in range(1, n_test + 1):
        label = classes[(number - 1) % len(classes)]
        name = f"{number:04d}.jpg"
        files[f"test/{name}"] = _encode(picture(label), "JPEG", quality=90)
        test_labels[name] = label

    manifest = {
        "arguments": arguments,
        "note": "Synthetic stand-in for the course dataset (kit.data.synthetic); not real food photos.",
        "n_images": n + 2,
        "per_class": {c: per_class + sum(lbl == c for _, lbl in (rows[n], rows[n + 1])) for c in classes},
        **quirks,
        "blank_rows": [blank_at + 2],  # CSV line number (line 1 is the header)
        "missing_files": [missing_name],
        "duplicate_pairs": [[exact_source[0], exact_name, "bytes"], [near_source[0], near_name, "near"]],
        "test_labels": test_labels,
    }

    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".synthetic-", dir=root.parent))
    try:
        for relpath, data in files.items():
            (staging / relpath).parent.mkdir(parents=True, exist_ok=True)
            (staging / relpath).write_bytes(data)
        (staging / "train.csv").write_text("filename,label\n" + "".join(f"{f},{lbl}\n" for f, lbl in csv_rows))
        (staging / "test.csv").write_text("filename,label\n" + "".join(f"{f},\n" for f in test_labels))
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2))
        if root.exists():
            root.rmdir()  # empty, checked above
        staging.rename(root)  # appears complete or not at all
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return root


def default_dataset(workspace: str | Path | None = None) -> Path:
    """The synthetic dataset under ``workspace/data/synthetic`` (made on first use) for ``kit all``, smoke
    mode and tests."""
    if workspace is None:
        from kit.env import default_workspace

        workspace = default_workspace()
    return make_synthetic(Path(workspace) / "data" / "synthetic")
