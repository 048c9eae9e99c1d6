"""Duplicates: exact (bytes, pixels) and near (pHash + dHash), grouped with union-find."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from kit.data import dedup
from kit.data.dedup import (UnionFind, duplicate_groups, duplicate_pairs, group_duplicates,
                            hash_distances, image_hashes)
from kit.data.reading import read_dataset
from kit.data.synthetic import make_synthetic

pytestmark = pytest.mark.filterwarnings("ignore::kit.data.reading.DataWarning")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    return make_synthetic(tmp_path_factory.mktemp("dedup") / "data", per_class=8, n_test=0)


def _photo(seed: int, size=(120, 90)) -> Image.Image:
    """A smooth random picture (structure at several scales, like a photo rather than noise)."""
    rng = np.random.default_rng(seed)
    small = rng.random((6, 8, 3)) * 255
    image = Image.fromarray(small.astype(np.uint8)).resize(size, Image.Resampling.BICUBIC)
    detail = rng.integers(-10, 11, size=(size[1], size[0], 3))
    return Image.fromarray((np.asarray(image, dtype=np.int16) + detail).clip(0, 255).astype(np.uint8))


def _records(tmp_path: Path, files: dict[str, bytes]) -> pd.DataFrame:
    import hashlib

    rows = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        rows.append({"filename": name, "label": "bakso", "path": str(tmp_path / name),
                     "sha256": hashlib.sha256(data).hexdigest()})
    return pd.DataFrame(rows)


def _encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def test_exact_and_near_copies_group_and_different_pictures_do_not(tmp_path):
    photo = _photo(1)
    files = {
        "a.jpg": _encode(photo, "JPEG", quality=90),
        "a_copy.jpg": _encode(photo, "JPEG", quality=90),                 # same bytes
        "a_png.png": _encode(photo, "PNG"),                               # different bytes ...
        "a_webp.jpg": _encode(photo, "WEBP", lossless=True),              # ... same pixels
        "a_small.jpg": _encode(photo.resize((84, 63)), "JPEG", quality=70),  # resized + re-encoded
        "b.jpg": _encode(_photo(2), "JPEG", quality=90),
        "c.jpg": _encode(_photo(3), "JPEG", quality=90),
    }
    hashes = image_hashes(_records(tmp_path, files))
    groups = dict(zip(hashes["filename"], group_duplicates(hashes)))
    assert len({groups[n] for n in ("a.jpg", "a_copy.jpg", "a_png.png", "a_webp.jpg", "a_small.jpg")}) == 1
    assert len({groups["a.jpg"], groups["b.jpg"], groups["c.jpg"]}) == 3
    pairs = duplicate_pairs(hashes)
    kinds = {(hashes["filename"][a], hashes["filename"][b]): k for a, b, k in zip(pairs["a"], pairs["b"], pairs["kind"])}
    assert kinds[("a.jpg", "a_copy.jpg")] == "bytes"
    assert kinds[("a_png.png", "a_webp.jpg")] == "pixels"
    assert kinds[("a.jpg", "a_small.jpg")] == "near"


def test_synthetic_data_has_exactly_its_planted_duplicates(synthetic):
    facts = json.loads((synthetic / "synthetic.json").read_text())
    hashes = image_hashes(read_dataset(synthetic).records)
    hashes["group"] = group_duplicates(hashes)
    found = sorted(sorted(names) for names in duplicate_groups(hashes)["filenames"])
    assert found == sorted(sorted(pair[:2]) for pair in facts["duplicate_pairs"])


def test_groups_are_transitive_through_union_find():
    # a~b and b~c are within the threshold, a and c are not: still one group
    zero, twelve, twenty_four = "0" * 16, "0000000000000fff", "0000000000ffffff"
    hashes = pd.DataFrame({"filename": ["a", "b", "c", "d"], "label": "bakso",
                           "sha256": ["1", "2", "3", "4"], "pixel_hash": ["1", "2", "3", "4"],
                           "phash": [zero, twelve, twenty_four, "ffffffffffffffff"], "dhash": [zero] * 4})
    assert hash_distances(hashes)[0, 2] == 24
    groups = group_duplicates(hashes, threshold=12).tolist()
    assert groups[0] == groups[1] == groups[2] != groups[3]
    assert groups == [0, 0, 0, 1]  # numbered in order of first appearance


def test_union_find():
    sets = UnionFind(5)
    sets.union(0, 1)
    sets.union(3, 4)
    sets.union(1, 4)
    assert len({sets.find(i) for i in (0, 1, 3, 4)}) == 1 and sets.find(2) == 2


def test_popcount_table_matches_numpy(monkeypatch):
    values = np.random.default_rng(0).integers(0, 2**63, size=100, dtype=np.uint64)
    expected = [bin(int(v)).count("1") for v in values]
    assert dedup._popcount(values).tolist() == expected
    monkeypatch.delattr(np, "bitwise_count", raising=False)  # the numpy < 2 path
    assert dedup._popcount(values).tolist() == expected


def test_hash_cache_avoids_decoding_again(synthetic, tmp_path, monkeypatch):
    records = read_dataset(synthetic).records
    cache = tmp_path / "hashes.csv"
    first = image_hashes(records, cache_file=cache)
    monkeypatch.setattr(dedup, "hash_image", lambda path: pytest.fail(f"decoded {path} again"))
    pd.testing.assert_frame_equal(image_hashes(records, cache_file=cache), first)


# --------------------------------------------------------------------------------------------------- the threshold

def _known_copies(photo: Image.Image) -> dict[str, bytes]:
    """Copies of one photo as they turn up in the course data, from a few bits apart (re-encoded, resized,
    recompressed) to about twenty (cropped and resized, slightly rotated, a banner pasted over a fifth)."""
    from PIL import ImageDraw

    width, height = photo.size
    cropped = photo.crop((width * 3 // 100, height * 3 // 100, width - width * 3 // 100, height - height * 3 // 100))
    banner = photo.copy()
    ImageDraw.Draw(banner).rectangle([0, int(height * 0.8), width, height], fill=(255, 255, 255))
    return {"reencoded": _encode(photo, "JPEG", quality=30),
            "resized": _encode(photo.resize((width // 2, height // 2)), "PNG"),
            "recompressed": _encode(photo, "WEBP", quality=40),
            "cropped": _encode(cropped.resize((width // 2, height // 2)), "JPEG", quality=75),
            "rotated": _encode(photo.rotate(3, resample=Image.Resampling.BICUBIC), "JPEG", quality=80),
            "banner": _encode(banner, "JPEG", quality=80)}


def test_near_threshold_groups_every_known_copy_with_its_original(tmp_path):
    """Pins NEAR_THRESHOLD from below: a threshold of a few bits leaves the cropped, rotated and bannered
    copies (9 to 24 bits away here) on their own, and they could land on the other side of the split."""
    files = {}
    for seed in range(6):
        photo = _photo(seed, size=(320, 240))
        files[f"p{seed}.jpg"] = _encode(photo, "JPEG", quality=92)
        files.update({f"p{seed}-{kind}.img": data for kind, data in _known_copies(photo).items()})
    hashes = image_hashes(_records(tmp_path, files))
    group = dict(zip(hashes["filename"], group_duplicates(hashes)))
    for seed in range(6):
        assert {group[name] for name in files if name.startswith(f"p{seed}")} == {group[f"p{seed}.jpg"]}, seed
    assert len(set(group.values())) == 6  # and the six photos stay apart
    originals = hashes[hashes["filename"].str.fullmatch(r"p\d\.jpg")].set_index("filename")
    copies = hashes[~hashes["filename"].str.fullmatch(r"p\d\.jpg")]
    distances = [hash_distances(originals.loc[[name.split("-")[0] + ".jpg"]].reset_index(), copies.iloc[[i]])[0, 0]
                 for i, name in enumerate(copies["filename"])]
    assert max(distances) > 2 * 4  # the fixture needs copies far beyond a few bits, or the test pins nothing


def test_near_threshold_keeps_distinct_pictures_apart(tmp_path):
    """Pins NEAR_THRESHOLD from above: the 100 synthetic pictures are distinct photos except the two planted
    copies, and the closest distinct pair is 35 bits apart, so a much larger threshold merges distinct
    pictures (and duplicate groups would chain across a dataset)."""
    root = make_synthetic(tmp_path / "data", per_class=20, n_test=0)
    facts = json.loads((root / "synthetic.json").read_text())
    hashes = image_hashes(read_dataset(root).records)
    hashes["group"] = group_duplicates(hashes)
    found = sorted(sorted(names) for names in duplicate_groups(hashes)["filenames"])
    assert found == sorted(sorted(pair[:2]) for pair in facts["duplicate_pairs"])
    planted = {name for pair in facts["duplicate_pairs"] for name in pair[:2]}
    distinct = hashes[~hashes["filename"].isin(planted)]
    distance = hash_distances(distinct)
    closest = distance[np.triu_indices(len(distinct), 1)].min()
    assert dedup.NEAR_THRESHOLD < closest <= 40  # the fixture holds pairs a much larger threshold would merge
