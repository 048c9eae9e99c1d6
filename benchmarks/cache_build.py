"""Time building the uint8 image cache for the real mini dataset (1089 images) and loading it back.

    python benchmarks/cache_build.py [DATASET] [--image-size 224]

DATASET defaults to $KIT_DATA, else the course's mini dataset when present (benchmarks/default_data.py).
Prints seconds; the target is under 30 s on a 2-core machine for the cold build.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

from kit.data.pipeline import cache_side, load_or_build_cache
from kit.data.prepare import prepare
from kit.data.reading import DataWarning

from default_data import default_dataset  # benchmarks/default_data.py



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", default=default_dataset())
    parser.add_argument("--image-size", type=int, default=224)
    args = parser.parse_args()
    if not Path(args.dataset).exists():
        raise SystemExit(f"{args.dataset} not found: pass the dataset folder")
    side = cache_side(args.image_size)
    warnings.simplefilter("ignore", DataWarning)
    with tempfile.TemporaryDirectory() as workspace:
        start = time.perf_counter()
        prepared = prepare(args.dataset, workspace)
        prepare_s = time.perf_counter() - start

        start = time.perf_counter()
        relpaths, images = load_or_build_cache(prepared, side)
        build_s = time.perf_counter() - start

        start = time.perf_counter()
        load_or_build_cache(prepared, side)
        load_s = time.perf_counter() - start

    print(f"cpus: {os.cpu_count()}  images: {len(relpaths)}  cache: {tuple(images.shape)} uint8 "
          f"({images.numel() / 2**20:.0f} MiB) for image_size {args.image_size}")
    print(f"prepare (read + hash + split, cold): {prepare_s:.1f} s")
    print(f"cache build (decode + resize, cold): {build_s:.1f} s")
    print(f"cache load (warm):                   {load_s:.2f} s")


if __name__ == "__main__":
    main()
