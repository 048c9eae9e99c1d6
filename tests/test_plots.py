"""kit.plots: every figure is a Figure with the expected axes, drawn from the run files, in the chosen language."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from kit import plots, text  # noqa: E402
from kit.runs import load_run, load_runs, per_class_table  # noqa: E402
from run_factory import write_images, write_run, write_workspace  # noqa: E402


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """The figure tests below read English labels; ``test_every_figure_speaks_the_chosen_language`` covers both."""
    monkeypatch.setenv(text.LANGUAGE_ENV, "en")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return write_workspace(tmp_path_factory.mktemp("workspace"))


@pytest.fixture(scope="module")
def runs(workspace):
    return load_runs(["plain34", "resnet34"], workspace)


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_training_curves_show_the_history(runs):
    run = runs[1]
    fig = plots.training_curves(run)
    assert isinstance(fig, Figure)
    ax_loss, ax_acc = fig.axes
    assert ax_loss.get_title() == "Loss" and ax_acc.get_title() == "Accuracy"
    train, val = ax_loss.get_lines()[:2]
    np.testing.assert_allclose(train.get_ydata(), run.history["train_loss"])
    np.testing.assert_allclose(val.get_ydata(), run.history["val_loss"])
    np.testing.assert_allclose(ax_acc.get_lines()[1].get_ydata(), 100 * run.history["val_acc"])
    best_line = ax_acc.get_lines()[2]
    assert best_line.get_xdata()[0] == run.metrics["best"]["epoch"]
    assert fig._suptitle.get_text() == run.label


def test_compare_curves_label_each_run(runs):
    fig = plots.compare_curves(runs)
    assert len(fig.axes) == 2
    for ax in fig.axes:
        labels = [line.get_label() for line in ax.get_lines()]
        assert labels == [f"{r.label} {part}" for r in runs for part in ("train", "val")]
    np.testing.assert_allclose(fig.axes[1].get_lines()[3].get_ydata(), 100 * runs[1].history["val_acc"])
    with pytest.raises(ValueError):
        plots.compare_curves([])


def test_confusion_matrix_counts_and_normalized(runs):
    run = runs[0]
    counts = plots.confusion_matrix(run)
    assert len(counts.axes) == 1
    ax = counts.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(run.classes)
    assert sum(int(t) for t in _texts(ax)) == len(run.predictions)
    normalized = plots.confusion_matrix(run, normalize=True)
    values = np.array([float(t) for t in _texts(normalized.axes[0])]).reshape(len(run.classes), -1)
    np.testing.assert_allclose(values.sum(axis=1), 1.0, atol=0.01 * len(run.classes))
    both = plots.confusion_matrices(run)
    assert [a.get_title() for a in both.axes] == ["counts", "normalized per true class"]


def test_confusion_matrices_side_by_side(runs):
    fig = plots.compare_confusion_matrices(runs)
    assert [ax.get_title() for ax in fig.axes] == [r.label for r in runs]
    counts = plots.compare_confusion_matrices(runs, normalize=False)
    for ax, run in zip(counts.axes, runs):
        assert sum(int(t) for t in _texts(ax)) == len(run.predictions)


def test_f1_difference_bars(runs):
    plain, resnet = runs
    fig = plots.f1_difference(plain, resnet)
    ax = fig.axes[0]
    heights = [patch.get_height() for patch in ax.patches]
    expected = (per_class_table(resnet)["f1"] - per_class_table(plain)["f1"]).loc[list(plain.classes)]
    np.testing.assert_allclose(heights, expected)
    assert "ResNet-34" in ax.get_title() and "Plain-34" in ax.get_title()


def test_misclassified_grid_from_a_folder(workspace, runs):
    run = runs[0]
    wrong = int((~run.predictions["correct"]).sum())
    assert wrong > 4  # the fixture's plain34 is wrong often enough for a full grid
    fig = plots.misclassified_grid(run, workspace / "data" / "train", max_images=4, columns=2)
    with_images = [ax for ax in fig.axes if ax.get_images()]
    assert len(fig.axes) == 4 and len(with_images) == 4
    titles = [ax.get_title() for ax in with_images]
    assert all(t.startswith("true: ") and "pred: " in t for t in titles)
    # the most confident mistake comes first
    shown = run.predictions[~run.predictions["correct"]]
    confidence = [row[f"p_{row['prediction']}"] for _, row in shown.iterrows()]
    assert f"({max(confidence):.2f})" in titles[0]


def test_misclassified_grid_from_a_callable_and_no_mistakes(tmp_path):
    run = load_run(write_run(tmp_path / "runs", "resnet34", "resnet34", accuracy=1.0, n_val=10))
    fig = plots.misclassified_grid(run, lambda name: np.zeros((8, 8, 3)))
    assert len(fig.axes) == 1 and not fig.axes[0].get_images()
    assert "no misclassified" in _texts(fig.axes[0])[0]
    sloppy = load_run(write_run(tmp_path / "runs2", "plain34", "plain34", accuracy=0.0, n_val=6))
    seen = []
    fig = plots.misclassified_grid(sloppy, lambda name: seen.append(name) or np.ones((8, 8, 3)), columns=4)
    assert sorted(seen) == sorted(sloppy.predictions["filename"]) and len(fig.axes) == 8


def test_misclassified_grid_names_a_wrong_folder(tmp_path, runs):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        plots.misclassified_grid(runs[0], tmp_path / "nowhere")
    write_images(tmp_path / "partial", ["0001.jpg"])
    with pytest.raises(FileNotFoundError, match="not found"):
        plots.misclassified_grid(runs[0], tmp_path / "partial")


def test_seed_curves_average_finished_seeds_over_the_epochs_all_reached(tmp_path):
    """Early stopping ends seeds at different epochs; an unfinished seed is not averaged (as in seed_summary)."""
    runs_dir = tmp_path / "runs"
    full = load_run(write_run(runs_dir, "a-seed0", "plain34", seed=1, epochs=6))
    early = load_run(write_run(runs_dir, "a-seed1", "plain34", seed=2, epochs=6, epochs_done=4, stopped_early=True))
    unfinished = load_run(write_run(runs_dir, "a-seed2", "plain34", seed=3, epochs=6, epochs_done=2))
    single = load_run(write_run(runs_dir, "b-seed0", "resnet34", seed=4, epochs=6))
    fig = plots.seed_curves({"A": {0: full, 1: early, 2: unfinished}, "B": [single]})
    ax = fig.axes[0]
    means = {line.get_label(): line for line in ax.lines if not line.get_label().startswith("_")}
    assert set(means) == {"A (n=2, 1 unfinished not shown)", "B (n=1)"}
    assert len(ax.lines) == 2 + 1 + 1 + 1  # faint lines of the finished seeds and one mean per group

    mean_a = means["A (n=2, 1 unfinished not shown)"]
    both = np.vstack([full.history["val_acc"][:4], early.history["val_acc"]])
    np.testing.assert_array_equal(mean_a.get_xdata(), [1, 2, 3, 4])  # only epochs every seed reached
    np.testing.assert_allclose(mean_a.get_ydata(), 100 * both.mean(axis=0))
    np.testing.assert_allclose(means["B (n=1)"].get_ydata(), 100 * single.history["val_acc"])

    assert len(ax.collections) == 1  # a band for A only: one seed has no spread to show
    vertices = ax.collections[0].get_paths()[0].vertices
    for epoch, mean, std in zip(range(1, 5), both.mean(axis=0), both.std(axis=0, ddof=1)):
        ys = vertices[vertices[:, 0] == epoch, 1]
        assert np.isclose(ys, 100 * (mean - std)).any() and np.isclose(ys, 100 * (mean + std)).any()
    assert vertices[:, 0].max() == 4

    nothing = plots.seed_curves({"C": [unfinished]}).axes[0]
    assert [line.get_label() for line in nothing.lines] == ["C (no finished run, 1 unfinished not shown)"]


def test_seed_curves_name_run_name_groups_by_their_display_name(runs):
    ax = plots.seed_curves({"plain34": [runs[0]], "ResNet-34": [runs[1]]}).axes[0]
    assert [line.get_label() for line in ax.lines if not line.get_label().startswith("_")] == \
        ["Plain-34 (n=1)", "ResNet-34 (n=1)"]


@pytest.mark.parametrize("loss_range", [(1.2, 1.7), (0.5, 1.7), (0.004, 2.5)])
def test_degradation_loss_axis_reads_in_plain_decimals(runs, loss_range):
    """The log loss axis labels its ticks "0.6", "1.5", never "6×10⁻¹" or "1e-01"."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = plots.degradation_curves(runs)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_title() == "Plain: loss"
    ax.set_ylim(*loss_range)
    FigureCanvasAgg(fig).draw()
    labelled = [(tick, label.get_text()) for minor in (False, True)
                for tick, label in zip(ax.yaxis.get_ticklocs(minor=minor), ax.get_yticklabels(minor=minor))
                if label.get_text() and loss_range[0] <= tick <= loss_range[1]]
    assert len(labelled) >= 2  # a narrow range still gets labels, from the minor ticks
    for tick, text in labelled:
        assert all(ch in "0123456789." for ch in text), text
        assert float(text) == pytest.approx(tick)


ENGLISH_ONLY = ("Accuracy", "accuracy", "counts", "normalized", "true class", "true:", "pred:", "minus",
                "initialisation", "gradient norm", "Gradient", "Degradation", "bold", "over seeds", "misclassified",
                "Predicted label", "True label", "mean")
"""Words of the English labels that no Indonesian label contains."""


def _all_texts(figure):
    """Every title, axis label, legend entry and text a figure shows."""
    found = [figure._suptitle.get_text()] if figure._suptitle else []
    for ax in figure.axes:
        found += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *_texts(ax)]
        legend = ax.get_legend()
        found += [entry.get_text() for entry in legend.get_texts()] if legend else []
    return [t for t in found if t and not t.replace(".", "").replace("-", "").replace("+", "").isdigit()]


def _every_figure(runs, workspace, language):
    norms = pd.DataFrame({"model": ["plain34"] * 2 + ["resnet34"] * 2, "block": ["conv1", "fc"] * 2,
                          "grad_norm": [0.1, 1.0, 0.2, 1.1]})
    return {
        "training_curves": plots.training_curves(runs[0], language=language),
        "compare_curves": plots.compare_curves(runs, language=language),
        "confusion_matrix": plots.confusion_matrix(runs[0], normalize=True, language=language),
        "confusion_matrices": plots.confusion_matrices(runs[0], language=language),
        "compare_confusion_matrices": plots.compare_confusion_matrices(runs, language=language),
        "f1_difference": plots.f1_difference(*runs, language=language),
        "misclassified_grid": plots.misclassified_grid(runs[0], workspace / "data" / "train", max_images=2,
                                                       language=language),
        "gradient_flow_at_init": plots.gradient_flow_at_init(norms, language=language),
        "degradation_curves": plots.degradation_curves(runs, language=language),
        "seed_curves": plots.seed_curves({"plain34": [runs[0]]}, language=language),
    }


def test_every_figure_speaks_the_chosen_language(runs, workspace):
    english = {name: _all_texts(fig) for name, fig in _every_figure(runs, workspace, "en").items()}
    indonesian = {name: _all_texts(fig) for name, fig in _every_figure(runs, workspace, "id").items()}
    for name in english:
        assert english[name] != indonesian[name], f"{name}: the same labels in both languages"
        leftovers = [t for t in indonesian[name] if any(word in t for word in ENGLISH_ONLY)]
        assert not leftovers, f"{name}: English in the Indonesian figure: {leftovers}"
    assert "Akurasi" in indonesian["training_curves"] and "kelas sebenarnya" in indonesian["confusion_matrix"]


def test_the_default_language_is_the_current_one(runs, monkeypatch):
    monkeypatch.setenv(text.LANGUAGE_ENV, "id")
    assert plots.training_curves(runs[0]).axes[1].get_title() == "Akurasi"
    monkeypatch.setenv(text.LANGUAGE_ENV, "en")
    assert plots.training_curves(runs[0]).axes[1].get_title() == "Accuracy"


def test_f1_bars_are_labelled_with_three_decimals_as_in_every_table(runs):
    labels = [t for t in _texts(plots.f1_difference(*runs).axes[0])]
    assert labels and all(len(label.split(".")[1]) == 3 and label[0] in "+-" for label in labels), labels
