"""The course dataset: get it, read it, find duplicates, split without leakage, feed the device fast.

Data flows one way: ``sources`` (zip/folder -> records table) -> ``dedup`` -> ``split`` (split.csv in the
workspace) -> ``pipeline`` (uint8 cache -> device tensors -> per-sample augmentation) -> ``kit.train.fit``.
"""
