"""Per-layer statistics and evaluation diagnostics (nncore.diagnostics) and their way through
run_mnist's updates into the history."""
import numpy as np
import pytest

from nncore.data import load_mnist
from nncore.diagnostics import (GALLERY_SIZE, LayerRecorder, confusion_matrix,
                                evaluation_diagnostics)
from nncore.engine import NetworkStack
from nncore.experiment import run_mnist
from nncore.mlp import MultiLayerNet
from nncore.optimizers import SGD
from nncore.settings import MnistSettings, Settings
from run_helpers import result


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def test_layer_statistics_of_an_sgd_step_are_lr_times_the_gradient(mnist):
    (x_train, t_train), _ = mnist
    net = MultiLayerNet(784, (16, 12), 10, dtype=np.float64, rng=np.random.default_rng(0))
    stack = NetworkStack([net.params], [SGD(lr=0.1)], batch_size=64, dtype=np.float64)
    recorder = LayerRecorder(stack.W, stack.dW, interval=2)
    for iteration in (1, 2):
        stack.gradients(x_train[:64], t_train[:64])
        before = [np.linalg.norm(w[0]) for w in stack.W]
        gradients = [np.linalg.norm(g[0]) for g in stack.dW]
        recorder.before_update(iteration, 0)
        stack.update(0)
        recorder.after_update(iteration, 0)
    rows = recorder.take(0)
    assert rows.iterations.tolist() == [2]  # iteration 1 is not a multiple of 2
    np.testing.assert_allclose(rows.gradient_norm[0], gradients, rtol=1e-12)
    np.testing.assert_allclose(rows.update_ratio[0], 0.1 * np.array(gradients) / before, rtol=1e-9)
    np.testing.assert_allclose(rows.weight_norm[0], [np.linalg.norm(w[0]) for w in stack.W], rtol=1e-12)
    assert recorder.take(0) is None  # handed over once


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    true = np.array([0, 0, 1, 2, 2, 2])
    predicted = np.array([0, 1, 1, 2, 0, 2])
    expected = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    np.testing.assert_array_equal(confusion_matrix(true, predicted, 3), expected)


def test_evaluation_diagnostics_keep_at_most_32_misclassified_images_with_their_labels():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (500, 784), dtype=np.uint8)
    labels = rng.integers(0, 10, 500)
    predicted = np.where(rng.random(500) < 0.3, (labels + 1) % 10, labels)
    first_layer = rng.standard_normal((784, 120))
    result = evaluation_diagnostics(7, images, labels, predicted, first_layer, 10)
    assert result.iteration == 7 and result.confusion.sum() == 500
    assert np.trace(result.confusion) == np.count_nonzero(predicted == labels)
    assert len(result.misclassified) == GALLERY_SIZE < np.count_nonzero(predicted != labels)
    assert np.all(result.predicted != result.true)
    for image, shown_true in zip(result.misclassified, result.true):
        index = np.flatnonzero((images == image).all(axis=1))[0]
        assert labels[index] == shown_true and predicted[index] != labels[index]
    assert result.first_layer.shape == (784, 100) and result.first_layer.dtype == np.float32


def small_settings(**mnist):
    values = dict(iterations=40, batch_size=32, hidden_sizes=(16, 16), eval_interval=20)
    values.update(mnist)
    return Settings(task="mnist", optimizers=("SGD", "Adam", "ScheduleFreeAdamW"),
                    mnist=MnistSettings(**values))


def test_run_mnist_sends_layer_statistics_and_evaluations_without_changing_training(mnist):
    updates = list(run_mnist(small_settings(), mnist))
    plain = list(run_mnist(small_settings(), mnist, diagnostics=False))
    last, last_plain = updates[-1], plain[-1]
    names = ("SGD", "Adam", "ScheduleFreeAdamW")
    for name in names:
        sent = np.concatenate([u.losses[name] for u in updates])
        np.testing.assert_array_equal(sent, np.concatenate([u.losses[name] for u in plain]))
        iterations = np.concatenate([u.layers[name].iterations for u in updates if name in u.layers])
        assert iterations.tolist() == [10, 20, 30, 40]
    assert all(not u.layers and not u.evaluations for u in plain)
    assert last.evaluations.keys() == set(names)
    for name, evaluation in last.evaluations.items():
        assert evaluation.iteration == 40 and evaluation.confusion.sum() == len(mnist[1][1])
        accuracy = dict(last_plain.accuracies[name])[40]
        assert np.trace(evaluation.confusion) / evaluation.confusion.sum() == pytest.approx(accuracy)
        assert evaluation.first_layer.shape == (784, 16)


def test_history_collects_every_layer_row(mnist):
    history = result(run_mnist(small_settings(iterations=30, eval_interval=0), mnist, min_interval=0.0))
    rows = history.layers["Adam"].rows()
    assert rows.iterations.tolist() == [10, 20, 30]
    assert rows.update_ratio.shape == (3, 3) and np.all(rows.update_ratio > 0)
