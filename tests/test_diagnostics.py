"""kit.diagnostics: per-block gradient norms recorded by fit, measured at initialisation, plotted and reported
(plain18/resnet18 at 32 px on tiny in-memory batches, CPU)."""

import itertools
import json
import random
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

import kit.train
from kit import plots
from kit.config import Config
from kit.diagnostics import (GRADIENT_COLUMNS, GradientNormRecorder, block_order, block_profile,
                             compare_gradient_norms_at_init, default_epochs, gradient_flow_table,
                             gradient_norms_at_init, group_norms, initial_step, parameter_groups,
                             read_gradient_norms, recorded_epochs)
from kit.models import build_model, count_parameters
from kit.report import write_report
from kit.runs import RunNotFoundError, load_run
from kit.train import build_model_for, fit, load_checkpoint
from run_factory import write_workspace
from tiny_batches import TinyBatches

CONFIG = Config(model="plain18", epochs=3, batch_size=8, image_size=32, lr=2e-3, warmup_epochs=0, grad_norm_every=3)
STEPS = TinyBatches().train_steps()  # 40 images, batch 8: 5 steps per epoch
BLOCKS = ["conv1", "conv2_x.1", "conv2_x.2", "conv3_x.1", "conv3_x.2", "conv4_x.1", "conv4_x.2", "conv5_x.1",
          "conv5_x.2", "fc"]


def _train(run_dir, config=CONFIG, data=None):
    data = data or TinyBatches(batch_size=config.batch_size, image_size=config.image_size)
    model = build_model_for(config, len(data.classes))
    return model, fit(model, data, config, run_dir, progress=False)


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Uninterrupted plain18 and resnet18 runs of CONFIG: the references."""
    root = tmp_path_factory.mktemp("runs")
    for model in ("plain18", "resnet18"):
        _train(root / "runs" / model, CONFIG.replace(model=model))
    return root


def test_norms_are_recorded_every_n_steps_from_step_one(runs):
    run_dir = runs / "runs" / "plain18"
    norms = read_gradient_norms(run_dir)
    assert list(norms.columns) == list(GRADIENT_COLUMNS)
    expected_steps = list(range(1, 3 * STEPS + 1, 3))  # 1, 4, 7, 10, 13 over 15 steps
    assert sorted(norms["step"].unique()) == expected_steps
    for step, own in norms.groupby("step"):
        assert own["block"].tolist() == BLOCKS  # every block, in network order
        assert (own["epoch"] == (step - 1) // STEPS + 1).all()
    assert np.isfinite(norms["grad_norm"]).all() and (norms["grad_norm"] > 0).all()
    # last.pt holds the same rows, so a resumed run continues from exactly these
    saved = pd.DataFrame(load_checkpoint(run_dir / "last.pt")["gradient_norms"])
    pd.testing.assert_frame_equal(saved, norms)


def test_step_one_is_the_gradient_at_initialisation(runs):
    data = TinyBatches()
    model = build_model_for(CONFIG, 5)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    state = torch.get_rng_state()
    at_init = gradient_norms_at_init(model, data, label_smoothing=CONFIG.label_smoothing)
    assert torch.equal(torch.get_rng_state(), state)  # the caller's random stream is untouched
    for name, tensor in model.state_dict().items():  # weights and BN running statistics too
        assert torch.equal(tensor, before[name]), name
    assert all(p.grad is None for p in model.parameters())

    recorded = read_gradient_norms(runs / "runs" / "plain18")
    step_one = recorded[recorded["step"] == 1]
    assert at_init["block"].tolist() == step_one["block"].tolist()
    np.testing.assert_allclose(at_init["grad_norm"], step_one["grad_norm"], rtol=1e-5)


def test_recorded_norms_are_the_parameters_gradients():
    model = build_model("resnet18", 5, preact=True, se=True)  # a kit net with a final_norm group
    groups = parameter_groups(model)
    assert list(groups)[:2] == ["conv1", "conv2_x.1"] and list(groups)[-2:] == ["final_norm", "fc"]
    assert sum(p.numel() for ps in groups.values() for p in ps) == count_parameters(model)  # each exactly once
    images, labels = TinyBatches().eval_batches("val").__next__()
    torch.nn.functional.cross_entropy(model(images), labels).backward()
    recorder = GradientNormRecorder(model, every=2)
    due = []
    for step in (1, 2, 3, 4, 5):  # as fit asks: in order, recording each due step
        due.append(recorder.due(step))
        if due[-1]:
            recorder.record(step=step, epoch=1)
    assert due == [True, False, True, False, True]
    rows = pd.DataFrame(recorder.rows()).query("step == 1")
    assert recorder.rows() == []  # rows are handed over once
    block = model.layer3[1]
    expected = torch.cat([p.grad.flatten() for p in block.parameters()]).norm().item()
    assert rows.set_index("block").loc["conv4_x.2", "grad_norm"] == pytest.approx(expected, rel=1e-4)  # fp32 sums


def test_at_init_plain_and_residual_nets_share_their_block_names():
    data = TinyBatches()
    states = (torch.get_rng_state(), random.getstate(), np.random.get_state()[1].copy())
    table = compare_gradient_norms_at_init(["plain18", "resnet18"], data, CONFIG, device="cpu")
    assert torch.equal(torch.get_rng_state(), states[0]) and random.getstate() == states[1]  # as it promises
    assert (np.random.get_state()[1] == states[2]).all()
    assert list(table.columns) == ["model", "block", "grad_norm"]
    for model in ("plain18", "resnet18"):
        assert table.loc[table["model"] == model, "block"].tolist() == BLOCKS
    assert (table["grad_norm"] > 0).all()
    plain, residual = (table[table["model"] == m].set_index("block")["grad_norm"] for m in ("plain18", "resnet18"))
    assert not np.allclose(plain, residual)  # the shortcuts change the backward pass
    figure = plots.gradient_flow_at_init(table)
    assert figure.axes[0].get_yscale() == "log" and len(figure.axes[0].lines) == 2


def test_resume_with_recording_gives_the_uninterrupted_files(runs, tmp_path):
    reference = runs / "runs" / "plain18"
    run_dir = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C in the middle of epoch 2
        _train(run_dir, data=TinyBatches(interrupt_at=(2, 3)))
    partial = read_gradient_norms(run_dir)
    assert partial["epoch"].max() == 1
    # rows past the checkpoint (as a crash between two file writes could leave) must not survive the resume
    extra = partial.assign(step=partial["step"] + 100, epoch=2)
    pd.concat([partial, extra]).to_csv(run_dir / "gradient_norms.csv", index=False)

    _, history = _train(run_dir)
    for name in ("gradient_norms.csv", "history.csv"):
        resumed, uninterrupted = pd.read_csv(run_dir / name), pd.read_csv(reference / name)
        if name == "history.csv":
            resumed, uninterrupted = (f.drop(columns=["seconds", "images_per_s"]) for f in (resumed, uninterrupted))
        pd.testing.assert_frame_equal(resumed, uninterrupted)


def test_loss_scaling_records_the_unscaled_gradient_and_trains_the_same(runs, tmp_path, monkeypatch):
    """fp16 runs scale the loss; emulate that on the CPU with a GradScaler whose scale is a power of two."""
    real_scaler = torch.amp.GradScaler
    monkeypatch.setattr(torch.amp, "GradScaler", lambda device, enabled=True: real_scaler(device, init_scale=2.0**10))
    _train(tmp_path / "scaled")
    reference = runs / "runs" / "plain18"
    pd.testing.assert_frame_equal(read_gradient_norms(tmp_path / "scaled"), read_gradient_norms(reference))
    assert load_checkpoint(tmp_path / "scaled" / "last.pt")["scaler"]["scale"] == 2.0**10


def test_fp16_steps_skipped_by_the_loss_scaler_are_recorded_by_the_next_step(tmp_path, monkeypatch):
    """A T4 trains in fp16 with a GradScaler whose first scale (65536) overflows: those steps are skipped. Their
    inf/NaN norms must not be kept; the first step that updates records the gradient of the initial weights."""
    monkeypatch.setattr(kit.train, "autocast_dtype", lambda device: torch.float16)  # fp16 autocast on the CPU
    config = CONFIG.replace(epochs=1, image_size=16)
    data = TinyBatches(n_train=48, n_val=8, batch_size=config.batch_size, image_size=config.image_size)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _train(tmp_path / "fp16", config, data)
    assert not [w for w in caught if "lr_scheduler" in str(w.message)]
    run = load_run(tmp_path / "fp16")
    assert run.metrics["precision"] == "fp16"
    assert load_checkpoint(tmp_path / "fp16" / "last.pt")["scaler"]["scale"] < 2.0**16  # the scaler did skip
    norms = read_gradient_norms(run)
    assert np.isfinite(norms["grad_norm"]).all()
    first = int(norms["step"].min())
    assert 1 < first <= data.train_steps() and initial_step(norms) == first

    # the weights were still the initial ones at that step: its gradient is the initial model's on that batch
    model = build_model_for(config, len(data.classes)).train()
    images, labels = next(itertools.islice(data.train_batches(1), first - 1, None))
    with torch.autocast("cpu", dtype=torch.float16):
        loss = torch.nn.functional.cross_entropy(model(images), labels, label_smoothing=config.label_smoothing)
    loss.backward()
    expected = group_norms(parameter_groups(model)).tolist()
    np.testing.assert_allclose(norms.loc[norms["step"] == first, "grad_norm"], expected, rtol=1e-2)

    init = gradient_flow_table([run], epochs=[1]).set_index("point").loc["init"]
    assert np.isfinite(init[["conv1", "min_block", "max_block", "fc", "stem_to_fc"]].astype(float)).all()
    assert init["conv1"] == pytest.approx(norms.query("step == @first and block == 'conv1'")["grad_norm"].item())


def test_a_discarded_record_makes_the_next_steps_due_also_after_a_resume():
    model = build_model("plain18", 5)
    recorder = GradientNormRecorder(model, every=3)  # scheduled: 1, 4, 7, ...
    recorder.record(step=1, epoch=1)
    recorder.discard()  # step 1 skipped by the scaler
    assert [recorder.due(step) for step in (2, 3)] == [True, True]
    recorder.record(step=2, epoch=1)  # kept
    assert [recorder.due(step) for step in (3, 4, 5)] == [False, True, True]
    assert [row["step"] for row in recorder.rows()] == [2] * len(BLOCKS)
    with pytest.raises(RuntimeError, match="discard"):
        recorder.discard()
    resumed = GradientNormRecorder(model, every=3)
    resumed.resume([{"step": 2}])
    assert [resumed.due(step) for step in (3, 4)] == [False, True]


def test_init_is_the_first_recorded_step_of_epoch_one():
    def frame(steps, epochs):
        return pd.DataFrame({"step": steps, "epoch": epochs, "block": "fc", "grad_norm": [float(s) for s in steps]})

    assert initial_step(frame([3, 6, 9], [1, 2, 3])) == 3  # steps 1 and 2 skipped by the loss scaler
    assert block_profile(frame([3, 6, 9], [1, 2, 3]), None).tolist() == [3.0]
    assert initial_step(frame([11, 21], [2, 3])) is None  # recording began after updates: no initialisation
    assert block_profile(frame([11, 21], [2, 3]), None).empty


def test_a_gradient_file_without_its_columns_is_named(runs, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(runs / "runs" / "plain18", run_dir)
    read_gradient_norms(run_dir).drop(columns="grad_norm").to_csv(run_dir / "gradient_norms.csv", index=False)
    with pytest.raises(ValueError, match=r"gradient_norms.csv: missing columns \['grad_norm'\]"):
        read_gradient_norms(run_dir)


def test_recording_off_writes_no_file(tmp_path):
    config = CONFIG.replace(epochs=1, grad_norm_every=0)
    _train(tmp_path / "run", config)
    assert not (tmp_path / "run" / "gradient_norms.csv").exists()
    assert "gradient_norms" not in load_checkpoint(tmp_path / "run" / "last.pt")
    with pytest.raises(RunNotFoundError, match="grad_norm_every=0"):
        read_gradient_norms(tmp_path / "run")


def test_grad_norm_every_is_validated_and_old_configs_load(tmp_path):
    assert Config().grad_norm_every == 10
    with pytest.raises(ValueError, match="grad_norm_every must be a whole number >= 0"):
        Config(grad_norm_every=-1)
    old = CONFIG.to_dict()
    del old["grad_norm_every"]  # a config.json written before the field existed
    (tmp_path / "config.json").write_text(json.dumps(old))
    assert Config.from_json(tmp_path / "config.json").grad_norm_every == 10


def test_gradient_flow_figure_and_table_come_from_the_files(runs):
    loaded = [load_run(runs / "runs" / m) for m in ("plain18", "resnet18")]
    figure = plots.gradient_flow(loaded)
    assert len(figure.axes) == 4  # initialisation + epochs 1, 2, 3
    assert all(ax.get_yscale() == "log" and len(ax.lines) == 2 for ax in figure.axes)
    table = gradient_flow_table(loaded, epochs=[3])
    assert table["point"].tolist() == ["init", "epoch 3", "init", "epoch 3"]
    norms = read_gradient_norms(loaded[1].run_dir)
    last = norms[norms["epoch"] == 3].groupby("block")["grad_norm"].median()
    row = table[(table["run"] == "ResNet-18") & (table["point"] == "epoch 3")].iloc[0]
    assert row["conv1"] == pytest.approx(last["conv1"]) and row["fc"] == pytest.approx(last["fc"])
    assert row["stem_to_fc"] == pytest.approx(last["conv1"] / last["fc"])
    blocks = last.drop(["conv1", "fc"])
    assert (row["min_block"], row["max_block"]) == pytest.approx((blocks.min(), blocks.max()))
    with pytest.raises(ValueError, match=r"epochs \[9\] have no recorded gradient norms.*recorded: \[1, 2, 3\]"):
        plots.gradient_flow(loaded, epochs=[9])


def test_default_epochs_are_recorded_ones():
    """With fewer steps per epoch than grad_norm_every (a smoke run) some epochs record nothing."""
    sparse = pd.DataFrame({"step": [1, 11, 21], "epoch": [1, 3, 5], "block": "fc", "grad_norm": 1.0})
    dense = pd.DataFrame({"step": [1, 5, 9, 13, 17], "epoch": [1, 2, 3, 4, 5], "block": "fc", "grad_norm": 1.0})
    assert recorded_epochs([sparse, dense]) == [1, 3, 5]
    assert default_epochs([1, 3, 5, 6]) == [1, 3, 6] and default_epochs([2]) == [2] and default_epochs([]) == []


def test_block_order_follows_the_network():
    assert block_order(["fc", "conv3_x.1", "conv1", "conv2_x.10", "conv2_x.2", "final_norm"]) == \
        ["conv1", "conv2_x.2", "conv2_x.10", "conv3_x.1", "final_norm", "fc"]


def test_report_shows_gradient_flow_only_when_recorded(runs, tmp_path):
    workspace = write_workspace(tmp_path / "ws")
    without = write_report(workspace, out_dir=tmp_path / "a", language="en").read_text()
    assert "## Gradient flow" not in without
    for fake, real in (("plain34", "plain18"), ("resnet34", "resnet18")):  # borrow recorded norms
        shutil.copy(runs / "runs" / real / "gradient_norms.csv", workspace / "runs" / fake / "gradient_norms.csv")
    text = write_report(workspace, out_dir=tmp_path / "b", language="en").read_text()
    assert "## Gradient flow" in text and (tmp_path / "b" / "images" / "gradient_flow.png").is_file()
    stem = read_gradient_norms(workspace / "runs" / "plain34").query("step == 1").set_index("block")["grad_norm"]
    row = next(line for line in text.splitlines() if line.startswith("| Plain-34") and "| init" in line)
    assert [cell.strip() for cell in row.split("|")][3] == f"{stem['conv1']:.3g}"
