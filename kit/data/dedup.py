"""Find exact and near duplicate images and gather them into groups.

The course data holds many copies of the same photo: byte-identical files, the same pixels saved twice, and
re-encoded, resized, re-cropped or watermarked versions. A copy on each side of the train/val boundary lets the
model be graded on pictures it has trained on, so the split keeps every group on one side.

- **exact**: same bytes (sha256) or the same decoded pixels;
- **near**: the distance between two images is the Hamming distance between their perceptual hashes (pHash:
  DCT of a 32x32 greyscale thumbnail, Zauner 2010, "Implementation and Benchmarking of Perceptual Image Hash
  Functions") plus that between their difference hashes (dHash, Krawetz 2013), both 64 bits from ``imagehash``;
  two images are near duplicates when it is at most ``NEAR_THRESHOLD`` of the 128 bits.

Groups are the connected components of the "is a duplicate of" relation (union-find), so a resized copy of a
re-encoded copy lands in the same group as the original.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import imagehash
import numpy as np
import pandas as pd

from kit.data.reading import open_rgb, quiet_large_images
from kit.files import atomic_write_text

NEAR_THRESHOLD = 26
"""Largest pHash + dHash distance (bits of 128) at which two images count as near duplicates.

Measured on the real course images (``benchmarks/dedup_threshold.py``, checked by
``tests/test_data_integration.py``): every pair of different-label images (certainly different photos) is
32 bits apart or more, while every same-label pair at 26 or less that was looked at is the same photo
re-encoded, resized, re-cropped or watermarked; re-encoding or resizing an image moves it by a few bits only.
26 keeps a margin of 6 bits below the closest pair of different photos. Crops that cut away much of a photo
can land beyond it: the hashes see the whole frame.
"""

HASH_SIDE = 128
"""Images are decoded (JPEG draft mode) at a short side of at least this many pixels before hashing."""

HASH_COLUMNS = ["sha256", "pixel_hash", "phash", "dhash"]


def hash_image(path: str | Path) -> dict:
    """Pixel hash, pHash and dHash (hex strings) of one image, decoded at ``HASH_SIDE``."""
    image = open_rgb(Path(path), min_side=HASH_SIDE)
    pixels = hashlib.sha256(f"{image.width}x{image.height}".encode() + image.tobytes()).hexdigest()
    return {"pixel_hash": pixels, "phash": str(imagehash.phash(image)), "dhash": str(imagehash.dhash(image))}


def image_hashes(records: pd.DataFrame, *, cache_file: str | Path | None = None,
                 workers: int | None = None) -> pd.DataFrame:
    """One row per record: ``filename``, ``label``, ``sha256`` and the hashes of ``hash_image``.

    ``records`` needs ``filename``, ``label``, ``path`` and ``sha256`` (as ``read_dataset`` gives). Hashes are
    kept in ``cache_file`` by sha256, so unchanged images are not decoded again. Decoding runs on a few threads
    (PIL releases the GIL while it decodes).
    """
    cached = pd.DataFrame(columns=HASH_COLUMNS)
    if cache_file is not None and Path(cache_file).exists():
        cached = pd.read_csv(cache_file, dtype=str, keep_default_na=False)
        if list(cached.columns) != HASH_COLUMNS:
            cached = pd.DataFrame(columns=HASH_COLUMNS)
    known = set(cached["sha256"])
    todo = records.drop_duplicates("sha256")
    todo = todo[~todo["sha256"].isin(known)]
    with quiet_large_images(), ThreadPoolExecutor(max_workers=workers or min(4, os.cpu_count() or 1)) as pool:
        fresh = list(pool.map(hash_image, todo["path"]))
    fresh_table = pd.DataFrame([{"sha256": s, **h} for s, h in zip(todo["sha256"], fresh)], columns=HASH_COLUMNS)
    table = pd.concat([cached, fresh_table], ignore_index=True) if len(fresh_table) else cached
    if cache_file is not None and len(fresh_table):
        cache_file = Path(cache_file)
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(cache_file, table.to_csv(index=False))
    by_sha = table.drop_duplicates("sha256").set_index("sha256")
    out = records[["filename", "label", "sha256"]].join(by_sha, on="sha256")
    return out.astype(object).reset_index(drop=True)  # plain str objects, whichever pandas string dtype came in


# --------------------------------------------------------------------------------------------------- distances

_POPCOUNT8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _popcount(x: np.ndarray) -> np.ndarray:
    """Number of set bits of each uint64 (numpy >= 2 has it built in; the table serves older numpy)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x).astype(np.int64)
    return _POPCOUNT8[x[..., None].view(np.uint8)].sum(axis=-1, dtype=np.int64)


def _as_uint64(hex_hashes) -> np.ndarray:
    return np.array([int(h, 16) for h in hex_hashes], dtype=np.uint64)


def hash_distances(a: pd.DataFrame, b: pd.DataFrame | None = None) -> np.ndarray:
    """Matrix of pHash + dHash Hamming distances (0..128) between the rows of ``a`` and those of ``b`` (or ``a``)."""
    b = a if b is None else b
    pa, da = _as_uint64(a["phash"]), _as_uint64(a["dhash"])
    pb, db = _as_uint64(b["phash"]), _as_uint64(b["dhash"])
    return _popcount(pa[:, None] ^ pb[None, :]) + _popcount(da[:, None] ^ db[None, :])


def duplicate_pairs(hashes: pd.DataFrame, threshold: int = NEAR_THRESHOLD) -> pd.DataFrame:
    """Every pair of rows (``a`` < ``b`` in row order) that is a duplicate: ``kind`` is "bytes", "pixels" or
    "near", ``distance`` the hash distance. Rows are compared in blocks so memory stays small."""
    frames = []
    n = len(hashes)
    sha, pixels = hashes["sha256"].to_numpy(), hashes["pixel_hash"].to_numpy()
    for start in range(0, n, 2048):
        block = hash_distances(hashes.iloc[start:start + 2048], hashes)
        rows, cols = np.nonzero(block <= threshold)
        rows = rows + start
        keep = rows < cols
        rows, cols = rows[keep], cols[keep]
        kind = np.where(sha[rows] == sha[cols], "bytes", np.where(pixels[rows] == pixels[cols], "pixels", "near"))
        frames.append(pd.DataFrame({"a": rows, "b": cols, "kind": kind,
                                    "distance": block[rows - start, cols]}))
    # identical pixels always hash identically, so exact pairs are among those found above
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["a", "b", "kind", "distance"])


MATCH_COLUMNS = ["file", "kind", "matched_file", "matched_split", "distance"]
"""Columns of ``match_table``: ``kind`` is "exact" (same bytes or same pixels) or "near"."""


def closest_duplicates(query: pd.DataFrame, reference: pd.DataFrame,
                       threshold: int = NEAR_THRESHOLD) -> pd.DataFrame:
    """For every row of ``query`` with an exact or near duplicate among the rows of ``reference``, the closest.

    Both tables need ``sha256``, ``pixel_hash``, ``phash`` and ``dhash`` (``image_hashes``' columns). Returns
    ``query`` and ``reference`` (row positions), ``kind`` ("bytes", "pixels" or "near", in that order of
    preference) and ``distance`` (pHash + dHash bits), one row per query row that has a match.
    """
    columns = ["query", "reference", "kind", "distance"]
    if query.empty or reference.empty:
        return pd.DataFrame(columns=columns)
    sha = pd.factorize(pd.concat([query["sha256"], reference["sha256"]], ignore_index=True))[0]
    pixels = pd.factorize(pd.concat([query["pixel_hash"], reference["pixel_hash"]], ignore_index=True))[0]
    n = len(query)
    frames = []
    for start in range(0, n, 1024):  # in blocks, so a large folder never builds one huge matrix
        stop = min(start + 1024, n)
        distance = hash_distances(query.iloc[start:stop], reference)
        same_bytes = sha[start:stop, None] == sha[None, n:]
        same_pixels = pixels[start:stop, None] == pixels[None, n:]
        matched = same_bytes | same_pixels | (distance <= threshold)
        # preference: same bytes, then same pixels, then the smallest distance
        rank = np.where(same_bytes, 0, np.where(same_pixels, 1, 2)) * 1000 + distance
        best = np.where(matched, rank, np.iinfo(np.int64).max).argmin(axis=1)
        rows = np.nonzero(matched.any(axis=1))[0]
        cols = best[rows]
        kind = np.select([same_bytes[rows, cols], same_pixels[rows, cols]], ["bytes", "pixels"], default="near")
        frames.append(pd.DataFrame({"query": rows + start, "reference": cols, "kind": kind,
                                    "distance": distance[rows, cols]}))
    return pd.concat(frames, ignore_index=True)


def match_table(query: pd.DataFrame, reference: pd.DataFrame, threshold: int = NEAR_THRESHOLD) -> pd.DataFrame:
    """Images of ``query`` that are copies of images of ``reference``, in ``MATCH_COLUMNS``.

    ``query`` needs ``filename`` and the hash columns; ``reference`` also ``split`` (which side its image is
    on). ``kind`` is "exact" (same bytes or same decoded pixels) or "near" (within ``threshold`` bits).
    """
    found = closest_duplicates(query, reference, threshold)
    return pd.DataFrame({
        "file": query["filename"].to_numpy(object)[found["query"].to_numpy(int)],
        "kind": np.where(found["kind"] == "near", "near", "exact"),
        "matched_file": reference["filename"].to_numpy(object)[found["reference"].to_numpy(int)],
        "matched_split": reference["split"].to_numpy(object)[found["reference"].to_numpy(int)],
        "distance": found["distance"].to_numpy(int)}, columns=MATCH_COLUMNS)


class UnionFind:
    """Disjoint sets over ``0..n-1`` with path halving and union by size (Tarjan 1975)."""

    def __init__(self, n: int):
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        a, b = self.find(a), self.find(b)
        if a == b:
            return
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]


def group_duplicates(hashes: pd.DataFrame, threshold: int = NEAR_THRESHOLD) -> pd.Series:
    """A group number for every row of ``hashes`` (indexed like it): duplicates share one.

    Groups are numbered 0, 1, ... in the order their first member appears in ``hashes``.
    """
    sets = UnionFind(len(hashes))
    pairs = duplicate_pairs(hashes, threshold)
    for a, b in zip(pairs["a"], pairs["b"]):
        sets.union(int(a), int(b))
    roots = [sets.find(i) for i in range(len(hashes))]
    numbers: dict[int, int] = {}
    groups = [numbers.setdefault(r, len(numbers)) for r in roots]
    return pd.Series(groups, index=hashes.index, name="group", dtype="int64")


def duplicate_groups(table: pd.DataFrame) -> pd.DataFrame:
    """Groups with more than one member: ``group``, ``size``, ``labels`` (sorted, joined by "|") and
    ``filenames`` (a list), largest first. ``table`` needs ``filename``, ``label`` and ``group``."""
    multi = table[table.duplicated("group", keep=False)]
    summary = multi.groupby("group").agg(size=("filename", "size"),
                                         labels=("label", lambda s: "|".join(sorted(set(s)))),
                                         filenames=("filename", list)).reset_index()
    return summary.sort_values(["size", "group"], ascending=[False, True], ignore_index=True)
