"""The fast trainer (nncore.engine.NetworkStack) computes what MultiLayerNet + an optimizer compute."""
import math

import numpy as np
import pytest

import nncore.experiment
from nncore.data import load_mnist, scale_batch
from nncore.engine import NetworkStack
from nncore.experiment import run_mnist
from nncore.mlp import MultiLayerNet
from nncore.optimizers import BOOK_OPTIMIZERS, EPSILON, OPTIMIZERS, create
from nncore.settings import MnistSettings, Settings
from run_helpers import result

ALL = tuple(OPTIMIZERS)


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def networks(count, hidden=(12, 9), activation="relu", weight_decay=0.0, dtype=np.float64, seed=1):
    return [MultiLayerNet(784, hidden, 10, activation=activation, weight_decay_lambda=weight_decay,
                          dtype=dtype, rng=np.random.default_rng([seed, i])) for i in range(count)]


def stack_of(nets, names, batch_size=32, **kwargs):
    return NetworkStack([n.params for n in nets], [create(name) for name in names],
                        batch_size=batch_size, activation=nets[0].layers[1].__class__.__name__.lower(),
                        weight_decay_lambda=nets[0].weight_decay_lambda, dtype=nets[0].dtype, **kwargs)


@pytest.mark.parametrize("activation, weight_decay", [("relu", 0.0), ("sigmoid", 0.0), ("relu", 0.05)])
def test_training_matches_multilayernet_with_each_optimizer(mnist, activation, weight_decay):
    """Float64, five iterations of all seven optimizers: losses, gradients and weights agree."""
    (x_train, t_train), _ = mnist
    nets = networks(len(ALL), activation=activation, weight_decay=weight_decay)
    stack = stack_of(nets, ALL)
    reference = [create(name) for name in ALL]
    rng = np.random.default_rng(0)
    for _ in range(5):
        index = rng.integers(0, len(x_train), size=32)
        losses = stack.gradients(x_train[index], t_train[index])
        x = scale_batch(x_train[index], np.float64)
        for i, (net, optimizer) in enumerate(zip(nets, reference)):
            loss, grads = net.loss_and_gradient(x, t_train[index])
            assert losses[i] == pytest.approx(loss, rel=1e-12, abs=1e-12)
            for key, grad in stack.network_grads(i).items():
                np.testing.assert_allclose(grad, grads[key], rtol=1e-9, atol=1e-12, err_msg=key)
            optimizer.update(net.params, grads)
            stack.update(i)
    for i, net in enumerate(nets):
        for key, value in stack.network_params(i).items():
            np.testing.assert_allclose(value, net.params[key], rtol=1e-9, atol=1e-12, err_msg=key)


def test_pixels_blank_in_the_whole_batch_get_an_exactly_zero_gradient(mnist):
    (x_train, t_train), _ = mnist
    images = x_train[:16].copy()
    images[:, 300:340] = 0  # blank in every image, including the middle of the digits
    nets = networks(2)
    stack = stack_of(nets, ("SGD", "Adam"), batch_size=16)
    stack.gradients(images, t_train[:16])
    dense = nets[1].gradient(scale_batch(images, np.float64), t_train[:16])["W1"]
    dw1 = stack.network_grads(1)["W1"]
    assert not dw1[300:340].any() and dw1[200:300].any()
    np.testing.assert_allclose(dw1, dense, rtol=1e-9, atol=1e-14)


def test_stack_params_are_independent_copies_of_the_initial_weights(mnist):
    (x_train, t_train), _ = mnist
    nets = networks(2)
    before = nets[0].params["W1"].copy()
    stack = stack_of(nets, ("SGD", "Momentum"))
    stack.gradients(x_train[:32], t_train[:32])
    stack.update(0)
    np.testing.assert_array_equal(nets[0].params["W1"], before)
    assert not np.array_equal(stack.network_params(0)["W1"], before)
    np.testing.assert_array_equal(stack.network_params(1)["W1"], nets[1].params["W1"])  # not updated


def test_accuracy_matches_multilayernet_across_chunks(mnist):
    _, (x_test, t_test) = mnist
    nets = networks(3, dtype=np.float32)
    stack = stack_of(nets, ("SGD", "AdaGrad", "Adam"), eval_rows=700)  # 1000 = 700 + 300
    expected = [net.accuracy(scale_batch(x_test[:1000]), t_test[:1000]) for net in nets]
    np.testing.assert_allclose(stack.accuracy(x_test[:1000], t_test[:1000]), expected)


def test_gradients_finite_flags_only_the_broken_network(mnist):
    (x_train, t_train), _ = mnist
    nets = networks(3)
    nets[1].params["W3"][0, 0] = np.inf
    stack = stack_of(nets, ("SGD", "SGD", "SGD"))
    with np.errstate(all="ignore"):
        losses = stack.gradients(x_train[:32], t_train[:32])
    assert stack.gradients_finite().tolist() == [True, False, True]
    assert math.isfinite(losses[0]) and math.isfinite(losses[2])


def book_update(name, params, grads, state, t):
    """The book's update rules written out as plain NumPy expressions (common/optimizer.py)."""
    hp = OPTIMIZERS[name].defaults()
    lr = hp["lr"]
    for key in params:
        p, g = params[key], grads[key]
        if name == "SGD":
            p -= lr * g
        elif name == "Momentum":
            v = state.setdefault(key, np.zeros_like(p))
            v *= hp["momentum"]
            v -= lr * g
            p += v
        elif name == "AdaGrad":
            h = state.setdefault(key, np.zeros_like(p))
            h += g * g
            p -= lr * g / (np.sqrt(h) + EPSILON)
        elif name == "Adam":
            m = state.setdefault(key, np.zeros_like(p))
            v = state.setdefault(key + "v", np.zeros_like(p))
            b1, b2 = hp["beta1"], hp["beta2"]
            lr_t = lr * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
            m += (1 - b1) * (g - m)
            v += (1 - b2) * (g * g - v)
            p -= lr_t * m / (np.sqrt(v) + EPSILON)


@pytest.mark.parametrize("name", BOOK_OPTIMIZERS)
def test_flat_float32_update_is_bit_for_bit_the_books_per_array_rule(mnist, name):
    """One update call on the whole flat vector, with work buffers, changes every weight exactly as
    the book's expressions applied to each parameter array do."""
    (x_train, t_train), _ = mnist
    nets = networks(1, dtype=np.float32)
    stack = stack_of(nets, (name,))
    params = {key: value.copy() for key, value in nets[0].params.items()}
    state = {}
    for t in range(1, 4):
        stack.gradients(x_train[t * 32:(t + 1) * 32], t_train[t * 32:(t + 1) * 32])
        grads = {key: value.copy() for key, value in stack.network_grads(0).items()}
        book_update(name, params, grads, state, t)
        stack.update(0)
        for key, value in stack.network_params(0).items():
            np.testing.assert_array_equal(value, params[key], err_msg=f"{key} after step {t}")


def small_settings(optimizers=BOOK_OPTIMIZERS, **mnist):
    values = dict(iterations=30, batch_size=24, hidden_sizes=(16, 12), eval_interval=10, seed=5)
    values.update(mnist)
    return Settings(optimizers=tuple(optimizers), mnist=MnistSettings(**values))


@pytest.mark.parametrize("fork", [True, False])
@pytest.mark.parametrize("optimizers", [BOOK_OPTIMIZERS, ("SGD", "Adam", "RMSprop")])
def test_results_do_not_depend_on_the_number_of_compute_threads(mnist, optimizers, fork, monkeypatch):
    """Forked groups (Linux) and groups taking turns on this thread (elsewhere) alike."""
    monkeypatch.setattr(nncore.experiment, "FORK_AVAILABLE", fork and nncore.experiment.FORK_AVAILABLE)
    one = result(run_mnist(small_settings(optimizers), mnist))
    two = result(run_mnist(small_settings(optimizers), mnist, compute_threads=2))
    three = result(run_mnist(small_settings(optimizers), mnist, compute_threads=3))
    for other in (two, three):
        assert other.finished and other.completed == 30
        for name in optimizers:
            np.testing.assert_array_equal(other.losses[name], one.losses[name])
            rows, one_rows = other.layers[name].rows(), one.layers[name].rows()
            assert rows.iterations.tolist() == one_rows.iterations.tolist() == [10, 20, 30]
            np.testing.assert_array_equal(rows.update_ratio, one_rows.update_ratio)
            assert other.evaluations[name].iteration == 30
            np.testing.assert_array_equal(other.evaluations[name].confusion, one.evaluations[name].confusion)
        assert other.accuracies == one.accuracies


def test_divergence_with_two_threads_stops_only_the_diverging_optimizer(mnist):
    settings = small_settings(("SGD", "Adam"), iterations=150, eval_interval=0, batch_size=32,
                              hidden_sizes=(16, 16), seed=3)
    settings.mnist_hyperparameters["SGD"] = {"lr": 50.0}
    history = result(run_mnist(settings, mnist, compute_threads=2))
    assert 1 <= history.diverged["SGD"].iteration < 150 and "Adam" not in history.diverged
    assert np.isnan(history.losses["SGD"][history.diverged["SGD"].iteration:]).all()
    assert np.isfinite(history.losses["Adam"]).all()


def test_stop_with_two_threads_ends_between_chunks(mnist):
    stopped = []
    run = run_mnist(small_settings(iterations=500, eval_interval=0), mnist, stop=lambda: bool(stopped),
                    compute_threads=2)
    first = next(run)  # every group has reported at least one chunk
    stopped.append(True)
    history = result(run)
    assert first.stop <= history.completed < 500 and not history.finished
    assert history.completed % 10 == 0  # PARALLEL_CHUNK: groups stop between chunks
    assert np.isfinite(history.losses["Adam"][:history.completed]).all()
    assert np.isnan(history.losses["Adam"][history.completed:]).all()


def test_float32_curves_match_float64(mnist):
    """The default float32 run and a float64 run of the same seed agree to plotting precision."""
    settings = small_settings(iterations=60, eval_interval=30)
    single = result(run_mnist(settings, mnist))
    double = result(run_mnist(settings, mnist, dtype=np.float64))
    assert single.completed == double.completed == 60
    for name in BOOK_OPTIMIZERS:
        assert len(single.losses[name]) == len(double.losses[name]) == 60
        np.testing.assert_allclose(single.losses[name], double.losses[name], atol=2e-3, rtol=2e-3)
        # strict: a missing or extra evaluation in either run is a failure, not a shorter zip
        assert len(single.accuracies[name]) == len(double.accuracies[name]) == 3
        for (i, a), (j, b) in zip(single.accuracies[name], double.accuracies[name], strict=True):
            assert i == j and abs(a - b) <= 0.005


@pytest.mark.parametrize("threads", [0, -1, 1.5, True])
def test_bad_compute_threads_are_refused(mnist, threads):
    with pytest.raises(ValueError, match="compute_threads"):
        next(run_mnist(small_settings(), mnist, compute_threads=threads))
