"""kit.metrics and kit.predictions: predictions, confusion matrix, per-class scores, the test.csv format, evaluate_run."""

import numpy as np
import pandas as pd
import pytest

from kit.config import Config
from kit.metrics import accuracy, confusion, per_class_scores, to_course_format
from kit.predictions import evaluate_run, predict
from kit.train import build_model_for, fit
from tiny_batches import TinyBatches

CLASSES = ("a", "b", "c")


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def handmade():
    # true a a b b c / predicted a b b b a
    return pd.DataFrame({"filename": [f"{i}.jpg" for i in range(5)], "label": list("aabbc"),
                         "prediction": list("abbba")})


def test_confusion_counts_and_rows(handmade):
    counts = confusion(handmade, CLASSES)
    assert counts.to_numpy().tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    assert list(counts.index) == list(CLASSES) and list(counts.columns) == list(CLASSES)
    rates = confusion(handmade, CLASSES, normalize=True)
    assert rates.to_numpy().tolist() == [[0.5, 0.5, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


def test_per_class_scores_match_their_definitions(handmade):
    scores = per_class_scores(handmade, CLASSES)
    assert scores.loc["a"].tolist() == pytest.approx([0.5, 0.5, 0.5, 2])
    assert scores.loc["b"].tolist() == pytest.approx([2 / 3, 1.0, 0.8, 2])
    assert scores.loc["c"].tolist() == pytest.approx([0.0, 0.0, 0.0, 1])  # never predicted: 0, not an error
    assert scores.loc["macro avg", "f1"] == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    assert scores.loc["macro avg", "support"] == 5
    assert accuracy(handmade) == pytest.approx(3 / 5)


def test_unlabelled_rows_are_not_scored(handmade):
    with_test = pd.concat([handmade, pd.DataFrame({"filename": ["t.jpg"], "label": [""], "prediction": ["c"]})])
    assert confusion(with_test, CLASSES).to_numpy().sum() == 5
    with pytest.raises(ValueError, match="no labelled rows"):
        accuracy(with_test.tail(1))


def test_predict_gives_probabilities_and_argmax():
    data = TinyBatches(n_val=7, n_test=3, batch_size=4)
    model = build_model_for(Config(model="resnet18", image_size=32), len(data.classes))
    table = predict(model, data, "val")
    probability_columns = [f"p_{c}" for c in data.classes]
    assert list(table.columns) == ["filename", "label", "prediction", "correct", *probability_columns]
    assert table["filename"].tolist() == data.frame("val")["filename"].tolist()
    assert table["label"].tolist() == data.frame("val")["label"].tolist()
    probabilities = table[probability_columns].to_numpy()
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert table["prediction"].tolist() == [data.classes[i] for i in probabilities.argmax(axis=1)]
    assert table["correct"].tolist() == (table["label"] == table["prediction"]).tolist()

    test = predict(model, data, "test")
    assert len(test) == 3 and test["correct"].isna().all() and (test["label"] == "").all()
    submission = to_course_format(test)
    assert list(submission.columns) == ["filename", "label"]
    assert submission["label"].tolist() == test["prediction"].tolist()


def test_evaluate_run_writes_predictions_of_best_pt(tmp_path):
    config = Config(model="resnet18", epochs=2, batch_size=8, image_size=32, lr=2e-3, warmup_epochs=0)
    data = TinyBatches(n_train=24, n_val=10, n_test=4)
    run_dir = tmp_path / "run"
    history = fit(build_model_for(config, 5), data, config, run_dir, progress=False)
    written_by_fit = pd.read_csv(run_dir / "predictions.csv")
    (run_dir / "predictions.csv").unlink()
    (run_dir / "test_predictions.csv").unlink()

    predictions = evaluate_run(run_dir, data, device="cpu")  # builds resnet18 from config.json
    pd.testing.assert_frame_equal(pd.read_csv(run_dir / "predictions.csv"), written_by_fit)
    assert accuracy(predictions) == pytest.approx(history["val_acc"].max())
    submission = pd.read_csv(run_dir / "test_predictions.csv")
    assert list(submission.columns) == ["filename", "label"] and len(submission) == 4
    assert set(submission["label"]) <= set(data.classes)
    assert submission["filename"].tolist() == data.frame("test")["filename"].tolist()

    with pytest.raises(ValueError, match="trained on classes"):
        evaluate_run(run_dir, TinyBatches(classes=("x", "y", "z", "u", "v")))
