"""Entries x repeats train as one stack: a NetworkStack with a feed per repeat computes, to the
bit, what a separate stack per repeat computes, and a run's repeats share one stack per group."""
import numpy as np
import pytest

import nncore.experiment
from nncore.data import load_mnist
from nncore.engine import NetworkStack
from nncore.entries import make_entry
from nncore.experiment import _make_groups, run_mnist
from nncore.mlp import MultiLayerNet
from nncore.optimizers import create
from nncore.settings import MnistSettings, Settings

NAMES = ("SGD", "Adam", "AdaGrad")


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def initial(repeat, count=len(NAMES)):
    return [MultiLayerNet(784, (24, 16), 10, dtype=np.float32,
                          rng=np.random.default_rng([repeat, i])).params for i in range(count)]


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_a_stack_with_a_feed_per_repeat_equals_a_stack_per_repeat_to_the_bit(mnist, weight_decay):
    (x_train, t_train), (x_test, t_test) = mnist
    options = dict(batch_size=32, weight_decay_lambda=weight_decay, dtype=np.float32, eval_rows=100)
    separate = [NetworkStack(initial(repeat), [create(n) for n in NAMES], **options) for repeat in range(3)]
    together = NetworkStack([p for repeat in range(3) for p in initial(repeat)],
                            [create(n) for _ in range(3) for n in NAMES], feeds=[3, 3, 3], **options)
    rngs = [np.random.default_rng(repeat) for repeat in range(3)]
    for _ in range(6):
        index = np.stack([rng.integers(0, len(x_train), size=32) for rng in rngs])
        assert not np.array_equal(x_train[index[0]].any(axis=0), x_train[index[1]].any(axis=0))
        losses = together.gradients(x_train[index], t_train[index])
        for repeat, stack in enumerate(separate):
            alone = stack.gradients(x_train[index[repeat]], t_train[index[repeat]])
            assert np.array_equal(losses[3 * repeat:3 * repeat + 3], alone)
            assert np.array_equal(together.grads[3 * repeat:3 * repeat + 3], stack.grads)
            for i in range(3):
                stack.update(i)
                together.update(3 * repeat + i)
    for repeat, stack in enumerate(separate):
        assert np.array_equal(together.params[3 * repeat:3 * repeat + 3], stack.params)
        assert np.array_equal(together.accuracy(x_test[:300], t_test[:300])[3 * repeat:3 * repeat + 3],
                              stack.accuracy(x_test[:300], t_test[:300]))


def test_feeds_that_do_not_cover_the_networks_are_refused():
    with pytest.raises(ValueError, match="feeds must be positive block sizes summing to 3 networks"):
        NetworkStack(initial(0), [create(n) for n in NAMES], batch_size=8, feeds=[2, 2])
    stack = NetworkStack(initial(0), [create(n) for n in NAMES], batch_size=8, feeds=[1, 2])
    images = np.zeros((3, 8, 784), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"one batch per feed \(2\), got 3"):
        stack.gradients(images, np.zeros((3, 8), dtype=np.intp))


def settings(entries, **mnist):
    values = dict(iterations=25, batch_size=32, hidden_sizes=(16, 16), eval_interval=10, seed=7)
    values.update(mnist)
    return Settings(entries=tuple(entries), mnist=MnistSettings(**values)).validate()


def finish(generator):
    while True:
        try:
            next(generator)
        except StopIteration as done:
            return done.value


ENTRIES = (make_entry("SGD", mnist={"lr": 0.1}), make_entry("Adam"), make_entry("Adam", mnist={"lr": 0.01}))


@pytest.mark.parametrize("threads, stacks", [(1, 1), (2, 2)])
def test_a_run_trains_all_its_repeats_in_one_stack_per_group(threads, stacks):
    groups = _make_groups(settings(ENTRIES, repeats=3), 784, threads, 32, np.float32)
    assert len(groups) == stacks
    assert all(group.repeats == [0, 1, 2] and len(group.stack.feeds) == 3 for group in groups)
    assert sorted(row for group in groups for row in group.rows) == list(range(9))


def test_one_entry_with_repeats_on_two_threads_deals_its_repeats():
    groups = _make_groups(settings(ENTRIES[:1], repeats=3), 784, 2, 32, np.float32)
    assert [group.repeats for group in groups] == [[0], [1, 2]]
    assert [group.rows for group in groups] == [[0], [1, 2]]


@pytest.mark.parametrize("entries, threads, fork", [(ENTRIES, 1, False), (ENTRIES, 2, True),
                                                    (ENTRIES[:1], 2, True), (ENTRIES[:1], 2, False)])
def test_the_one_stack_run_equals_separately_trained_repeats(mnist, monkeypatch, entries, threads, fork):
    monkeypatch.setattr(nncore.experiment, "FORK_AVAILABLE", fork and nncore.experiment.FORK_AVAILABLE)
    stacked = finish(run_mnist(settings(entries, repeats=3), mnist, compute_threads=threads))
    assert stacked.finished
    for repeat in range(3):
        alone = finish(run_mnist(settings(entries, seed=7 + repeat), mnist))
        for label in alone.names:
            key = f"{label} #{repeat + 1}"
            assert np.array_equal(stacked.losses[key], alone.losses[label])
            assert stacked.accuracies[key] == alone.accuracies[label]
            np.testing.assert_array_equal(stacked.layers[key].rows().update_ratio,
                                          alone.layers[label].rows().update_ratio)
