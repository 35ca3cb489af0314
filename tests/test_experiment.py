"""The MNIST comparison runner and the 2D paths runner."""
from dataclasses import replace

import numpy as np
import pytest

from nncore.data import load_mnist
from nncore.experiment import MnistHistory, run_mnist, run_paths
from nncore.settings import MnistSettings, Settings
from run_helpers import drain


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def small(optimizers=("SGD", "Adam"), **mnist):
    """A fast run: 20 iterations of a 784-16-16-10 net, evaluated every 10 iterations."""
    values = dict(iterations=20, batch_size=32, hidden_sizes=(16, 16), eval_interval=10, seed=3)
    values.update(mnist)
    return Settings(optimizers=tuple(optimizers), mnist=MnistSettings(**values))


def test_updates_are_deltas_that_add_up_to_the_history(mnist):
    updates, history = drain(run_mnist(small(), mnist))
    assert updates[-1].finished and history.finished and history.completed == 20
    assert [u.start for u in updates[1:]] == [u.stop for u in updates[:-1]]
    for name in ("SGD", "Adam"):
        streamed = np.concatenate([u.losses[name] for u in updates])
        np.testing.assert_array_equal(streamed, history.losses[name])
        assert np.isfinite(streamed).all() and len(streamed) == 20
    rebuilt = MnistHistory(("SGD", "Adam"), 20)
    for u in updates:
        rebuilt.apply(u)
    np.testing.assert_array_equal(rebuilt.losses["Adam"], history.losses["Adam"])


def test_accuracy_at_start_every_interval_and_end(mnist):
    _, history = drain(run_mnist(small(iterations=25), mnist))
    for name in ("SGD", "Adam"):
        iterations = [i for i, _ in history.accuracies[name]]
        assert iterations == [0, 10, 20, 25]
        assert all(0.0 <= a <= 1.0 for _, a in history.accuracies[name])
    # Adam at its defaults learns something in 25 iterations; chance is 10 % (initial value).
    assert history.accuracies["Adam"][-1][1] > history.accuracies["Adam"][0][1] + 0.1


def test_eval_interval_zero_evaluates_only_at_the_end(mnist):
    _, history = drain(run_mnist(small(eval_interval=0), mnist))
    assert [i for i, _ in history.accuracies["SGD"]] == [20]


def test_same_minibatches_and_initial_weights_for_every_optimizer(mnist):
    """Momentum with momentum 0 is SGD exactly: equal losses prove shared batches and weights."""
    settings = small(("SGD", "Momentum"))
    settings.mnist_hyperparameters["Momentum"] = {"lr": 0.01, "momentum": 0.0}
    _, history = drain(run_mnist(settings, mnist))
    np.testing.assert_array_equal(history.losses["SGD"], history.losses["Momentum"])


def test_initial_weights_differ_when_fairness_is_off(mnist):
    settings = small(("SGD", "Momentum"), same_initial_weights=False)
    settings.mnist_hyperparameters["Momentum"] = {"lr": 0.01, "momentum": 0.0}
    _, history = drain(run_mnist(settings, mnist))
    assert history.losses["SGD"][0] != history.losses["Momentum"][0]


def test_reproducible_from_the_seed(mnist):
    _, first = drain(run_mnist(small(), mnist))
    _, again = drain(run_mnist(small(), mnist))
    _, other = drain(run_mnist(small(seed=4), mnist))
    np.testing.assert_array_equal(first.losses["Adam"], again.losses["Adam"])
    assert first.accuracies == again.accuracies
    assert not np.array_equal(first.losses["Adam"], other.losses["Adam"])


def test_stop_flag_ends_the_run_within_one_iteration(mnist):
    calls = []

    def stop():
        calls.append(None)
        return len(calls) > 7  # asked before each iteration: 7 run, the 8th is refused

    updates, history = drain(run_mnist(small(iterations=1000), mnist, stop=stop))
    assert history.completed == 7 and not history.finished
    assert not updates[-1].finished
    assert np.isfinite(history.losses["SGD"][:7]).all() and np.isnan(history.losses["SGD"][7:]).all()


def test_divergence_is_reported_and_the_others_keep_training(mnist):
    settings = small(("SGD", "Adam"), iterations=150, eval_interval=0)
    settings.mnist_hyperparameters["SGD"] = {"lr": 50.0}
    updates, history = drain(run_mnist(settings, mnist))
    divergence = history.diverged["SGD"]
    assert 1 <= divergence.iteration < 150 and divergence.reason
    assert sum("SGD" in u.diverged for u in updates) == 1
    assert np.isnan(history.losses["SGD"][divergence.iteration:]).all()
    assert "Adam" not in history.diverged and np.isfinite(history.losses["Adam"]).all()
    assert history.accuracies["SGD"] == [] and len(history.accuracies["Adam"]) == 1


def test_min_interval_throttles_updates(mnist):
    ticks = iter(range(1000))
    updates, _ = drain(run_mnist(small(iterations=30, eval_interval=0), mnist,
                                 min_interval=10.0, clock=lambda: float(next(ticks))))
    # The fake clock advances 1 s per reading: one update per 10 iterations or so, not 30.
    assert 2 <= len(updates) <= 5


def test_invalid_settings_raise_before_training(mnist):
    with pytest.raises(ValueError, match="no optimizer"):
        next(run_mnist(small(()), mnist))


def test_run_paths_uses_the_2d_learning_rates():
    settings = Settings()
    paths = run_paths(settings)
    assert list(paths) == list(settings.optimizers)
    assert all(p.points.shape == (30, 2) for p in paths.values())
    sgd = paths["SGD"].points
    assert sgd[1, 1] == pytest.approx(2 - 0.95 * 4)  # lr 0.95, not MNIST's 0.01
    changed = replace(settings, optimizers=("Adam",))
    changed.path_hyperparameters["Adam"]["lr"] = 0.05
    assert run_paths(changed)["Adam"].points[1, 0] == pytest.approx(-7 + 0.05, abs=1e-5)
