"""The course dataset: get it, read it, find duplicates, split without leakage, feed the device fast.

Data flows one way: ``sources`` (zip/folder -> records table) -> ``dedup`` -> ``split`` (split.csv in the
workspace, optionally with k grouped folds) -> ``pipeline`` (uint8 cache -> device tensors -> per-sample
augmentation) -> ``kit.train.fit``. ``leak`` checks test images and any outside folder against train and val.
"""

from kit.data.batches import Batches
from kit.data.dedup import (MATCH_COLUMNS, NEAR_THRESHOLD, duplicate_groups, group_duplicates, hash_distances,
                            image_hashes, match_table)
from kit.data.leak import LeakCheck, check_folder, write_matches
from kit.data.pipeline import CachedBatches, LoaderBatches, make_batches
from kit.data.prepare import Prepared, default_source, load_prepared, prepare
from kit.data.reading import Dataset, DataWarning, open_rgb, read_dataset
from kit.data.report import compare_splits, data_report
from kit.data.sources import GDRIVE_ID, DataUnavailableError, download, fetch, safe_extract, source_facts
from kit.data.split import (assign_folds, count_leakage, fold_counts, fold_split, grouped_split, leakage_pairs,
                            random_split, read_split, split_counts, starter_code_split, write_split)
from kit.data.synthetic import default_dataset, make_synthetic

__all__ = [
    "Batches", "CachedBatches", "DataUnavailableError", "DataWarning", "Dataset", "GDRIVE_ID", "LeakCheck",
    "LoaderBatches", "MATCH_COLUMNS", "NEAR_THRESHOLD", "Prepared", "assign_folds", "check_folder",
    "compare_splits", "count_leakage", "data_report", "default_dataset", "default_source", "download",
    "duplicate_groups", "fetch", "fold_counts", "fold_split", "group_duplicates", "grouped_split",
    "hash_distances", "image_hashes", "leakage_pairs", "load_prepared", "make_batches", "make_synthetic",
    "match_table", "open_rgb", "prepare", "random_split", "read_dataset", "read_split", "safe_extract",
    "source_facts", "split_counts", "starter_code_split", "write_matches", "write_split",
]
