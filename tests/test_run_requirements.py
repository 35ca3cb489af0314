"""What a run needs before it starts: memory, a batch the data can fill (issue 12, items 5, 23)."""
import sys
import tracemalloc

import numpy as np
import pytest

import gui.headless
from nncore import ranges, run_requirements
from nncore.data import load_mnist
from nncore.experiment import run_mnist
from nncore.run_requirements import (NotEnoughResources, check_memory, memory_needed,
                                     optimizer_arrays, parameter_count)
from nncore.settings import MnistSettings, Settings
from run_helpers import result


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def _settings(optimizers=("SGD", "Adam"), **mnist):
    values = dict(iterations=20, batch_size=32, hidden_sizes=(16, 16), eval_interval=10, seed=3)
    values.update(mnist)
    return Settings(task="mnist", optimizers=tuple(optimizers), mnist=MnistSettings(**values))


def test_parameter_count_is_weights_and_biases():
    assert parameter_count(784, (100, 100, 100, 100)) == 785 * 100 + 3 * 101 * 100 + 101 * 10


def test_optimizer_arrays_count_state_and_work_buffers():
    assert optimizer_arrays("SGD", {"lr": 0.01}) == 1  # the lr * dW work array
    assert optimizer_arrays("Momentum", {"lr": 0.01, "momentum": 0.9}) == 2  # v and the work array
    assert optimizer_arrays("Adam", {"lr": 0.001, "beta1": 0.9, "beta2": 0.999}) >= 2  # m, v, ...


@pytest.mark.parametrize("optimizers, hidden, iterations", [
    (("SGD", "Momentum", "AdaGrad", "Adam"), (256, 256), 10),
    (("Adam", "AdamW", "RMSprop"), (64,) * 4, 300),
])
def test_the_estimate_covers_what_a_run_allocates(mnist, optimizers, hidden, iterations):
    """tracemalloc sees NumPy's allocations: the estimate is above the measured peak, and not
    wildly above it (the estimate must not refuse runs that fit)."""
    settings = _settings(optimizers, hidden_sizes=hidden, iterations=iterations, eval_interval=0)
    tracemalloc.start()
    try:
        result(run_mnist(settings, mnist))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    estimate = memory_needed(settings, 784, 10000)
    assert peak <= estimate <= 1.5 * peak + 2e6


def test_check_memory_at_its_exact_boundary():
    settings = _settings()
    needed = memory_needed(settings, 784, 10000) * run_requirements.SAFETY
    check_memory(settings, 784, 10000, available=int(np.ceil(needed)))
    with pytest.raises(NotEnoughResources, match="not enough memory"):
        check_memory(settings, 784, 10000, available=int(np.ceil(needed)) - 1)


def test_the_largest_network_is_refused_in_one_line_before_anything_runs(tmp_path, monkeypatch, capsys):
    """16 hidden layers of 4096 for every optimizer: about 40 GB. The headless run says so and
    exits 2 with nothing written (the machine's memory is replaced by a known figure)."""
    settings = Settings(task="mnist", optimizers=("SGD", "Momentum", "AdaGrad", "Adam"),
                        mnist=MnistSettings(hidden_sizes=(int(ranges.HIDDEN_SIZE.maximum),)
                                            * int(ranges.HIDDEN_LAYERS.maximum)))
    assert memory_needed(settings, 784, 10000) > 8e9
    monkeypatch.setattr(run_requirements, "available_memory", lambda: 8_000_000_000)
    out = tmp_path / "out"
    assert gui.headless.run_headless(settings, out, stream=sys.stderr) == 2
    line, = capsys.readouterr().err.splitlines()
    assert line.startswith("optimizer-lab: error: not enough memory: this run needs about")
    assert "8.00 GB is available" in line
    assert list(out.iterdir()) == []


def test_the_training_process_gets_the_same_refusal(mnist, monkeypatch):
    """run_mnist checks too, so the window's training process reports it as a ValueError."""
    monkeypatch.setattr(run_requirements, "available_memory", lambda: 1000)
    with pytest.raises(ValueError, match="not enough memory"):
        next(run_mnist(_settings(), mnist))


def _tiny_training_set(mnist, size):
    (x_train, t_train), test = mnist
    return (x_train[:size], t_train[:size]), test


def test_a_batch_larger_than_the_training_set_is_refused(mnist):
    data = _tiny_training_set(mnist, 10)
    history = result(run_mnist(_settings(batch_size=10), data))  # exactly the training set: fine
    assert history.finished
    with pytest.raises(ValueError, match=r"batch size 11 is larger than the training set \(10 images"):
        next(run_mnist(_settings(batch_size=11), data))


def test_headless_refuses_a_batch_larger_than_the_training_set(tmp_path, mnist, monkeypatch, capsys):
    data = _tiny_training_set(mnist, 10)
    monkeypatch.setattr(gui.headless, "load_mnist", lambda directory: data)
    assert gui.headless.run_headless(_settings(batch_size=128), tmp_path / "out", stream=sys.stderr) == 2
    line, = capsys.readouterr().err.splitlines()
    assert "batch size 128 is larger than the training set (10 images in the bundled MNIST)" in line
    assert "[1, 10]" in line


def test_the_output_estimate_counts_one_path_per_entry_of_the_run():
    """Two Adam entries write two 2D paths (with Adam's state): the estimate follows the
    run's entries, not the optimizer selection."""
    from nncore.entries import make_entry

    def paths_bytes(*entries):
        settings = Settings(task="paths", entries=entries).validate()
        return run_requirements.output_size(settings) - run_requirements.OUTPUT_BYTES_FIXED

    slow, fast = make_entry("Adam", paths={"lr": 0.1}), make_entry("Adam", paths={"lr": 0.3})
    one_adam, one_sgd = paths_bytes(slow), paths_bytes(make_entry("SGD"))
    assert paths_bytes(slow, fast) == 2 * one_adam > 2 * one_sgd  # Adam records m, v and t
