"""kit.checkpoint: checkpoints, caches and weights are read without running code; a damaged checkpoint is one
message naming the file and what to delete; RNG states survive a round trip."""

import os
import random

import numpy as np
import pytest
import torch

import kit
from kit.checkpoint import DamagedCheckpoint, load_checkpoint, rng_state, set_rng_state
from kit.config import Config
from kit.models import build_model
from kit.train import build_model_for, fit
from tiny_batches import TinyBatches

pytestmark = pytest.mark.usefixtures("one_thread", "english")


class _RunsCode:
    """Unpickling this calls ``os.makedirs`` on a marker folder: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.makedirs, (self.marker,))


def _malicious(path, marker):
    torch.save({"model": {}, "payload": _RunsCode(marker)}, path)
    return path


def test_a_checkpoint_that_would_run_code_is_refused(tmp_path):
    marker = tmp_path / "code-ran"
    path = _malicious(tmp_path / "last.pt", marker)
    with pytest.raises(DamagedCheckpoint, match="last.pt"):
        load_checkpoint(path)
    assert not marker.exists()


def test_weights_that_would_run_code_are_refused(tmp_path):
    marker = tmp_path / "code-ran"
    path = _malicious(tmp_path / "resnet18.pt", marker)
    with pytest.raises(Exception):
        build_model("resnet18", weights=path)
    assert not marker.exists()


def test_a_data_cache_that_would_run_code_is_rebuilt_not_run(tmp_path):
    from kit.data import make_synthetic, prepare
    from kit.data.pipeline import cache_path, cache_side, make_batches

    prepared = prepare(make_synthetic(tmp_path / "data", per_class=4), tmp_path / "ws")
    marker = tmp_path / "code-ran"
    file = cache_path(prepared.workspace / "cache", prepared.fingerprint, cache_side(16))
    file.parent.mkdir(parents=True, exist_ok=True)
    _malicious(file, marker)
    batches = make_batches(prepared, image_size=16, batch_size=4, device="cpu")
    assert not marker.exists()
    assert next(batches.eval_batches("val"))[0].shape[-1] == 16


def test_a_truncated_last_pt_is_one_message_naming_the_file_and_what_to_delete(tmp_path):
    config = Config(model="resnet18", epochs=2, batch_size=8, image_size=32, warmup_epochs=0)
    run_dir = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        fit(build_model_for(config, 5), TinyBatches(interrupt_at=(2, 1)), config, run_dir, progress=False)
    last = run_dir / "last.pt"
    last.write_bytes(last.read_bytes()[: last.stat().st_size // 3])  # a Drive sync cut short
    with pytest.raises(DamagedCheckpoint) as damaged:
        fit(build_model_for(config, 5), TinyBatches(), config, run_dir, progress=False)
    message = str(damaged.value)
    assert f"{last} is damaged" in message and f"Delete {last}" in message and str(run_dir) in message
    assert len(message.splitlines()) == 1

    last.unlink()  # what the message says to do: the run starts again
    history = fit(build_model_for(config, 5), TinyBatches(), config, run_dir, progress=False)
    assert history["epoch"].tolist() == [1, 2]


def test_rng_states_round_trip():
    state = rng_state()
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    set_rng_state(state)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first


def test_a_checkpoint_holds_only_what_weights_only_loading_accepts(tmp_path):
    config = Config(model="resnet18", epochs=1, batch_size=8, image_size=32, warmup_epochs=0)
    fit(build_model_for(config, len(kit.CLASSES)), TinyBatches(), config, tmp_path / "run", progress=False)
    for name in ("last.pt", "best.pt"):
        torch.load(tmp_path / "run" / name, weights_only=True)  # raises on anything but tensors and plain values
