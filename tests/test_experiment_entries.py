"""Entries, schedules and repeats in the runners: two Adams side by side, bit-identical constant
schedules, repeat i from seed + i, the same results on one or two threads."""
from dataclasses import replace

import numpy as np
import pytest

from nncore.data import load_mnist
from nncore.entries import make_entry
from nncore.experiment import row_names, run_mnist, run_paths
from nncore.schedules import ScheduleSpec
from nncore.settings import MnistSettings, Settings
from run_helpers import result


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def run(entries, data, threads=1, **mnist):
    values = dict(iterations=20, batch_size=32, hidden_sizes=(16, 16), eval_interval=10, seed=3)
    values.update(mnist)
    settings = Settings(entries=tuple(entries), mnist=MnistSettings(**values)).validate()
    return result(run_mnist(settings, data, compute_threads=threads))


def test_two_adam_entries_train_side_by_side_with_different_curves(mnist):
    slow, fast = make_entry("Adam", mnist={"lr": 1e-3}), make_entry("Adam", mnist={"lr": 1e-2})
    history = run([slow, fast], mnist)
    assert history.names == ("Adam lr=0.001", "Adam lr=0.01")
    a, b = history.losses["Adam lr=0.001"], history.losses["Adam lr=0.01"]
    assert a[0] == b[0]  # same initial weights and batch: the first loss is before any update
    assert np.abs(a[1:] - b[1:]).min() > 0
    alone = run([fast], mnist)
    np.testing.assert_allclose(alone.losses["Adam"], b, rtol=1e-5)


def test_a_constant_schedule_is_bit_identical_to_none_on_mnist(mnist):
    plain = run([make_entry("SGD", mnist={"lr": 0.1}), make_entry("Adam")], mnist)
    constant = run([make_entry("SGD", mnist={"lr": 0.1}, schedule=ScheduleSpec("constant")),
                    make_entry("Adam", schedule=ScheduleSpec("constant"))], mnist)
    for name in ("SGD", "Adam"):
        assert np.array_equal(plain.losses[name], constant.losses[name])
        assert plain.accuracies[name] == constant.accuracies[name]


def test_a_schedule_changes_the_learning_rate_from_the_second_update(mnist):
    plain = run([make_entry("SGD", mnist={"lr": 0.1})], mnist)
    decayed = run([make_entry("SGD", mnist={"lr": 0.1}, schedule=ScheduleSpec("step", {"gamma": 0.1, "every": 1}))], mnist)
    # the loss of iteration i is computed before its update: iterations 1 and 2 follow the same
    # first update (at the full rate), iteration 3 the first decayed one
    assert np.array_equal(plain.losses["SGD"][:2], decayed.losses["SGD"][:2])
    assert plain.losses["SGD"][2] != decayed.losses["SGD"][2]


def test_repeat_i_is_the_run_of_seed_plus_i(mnist):
    entries = [make_entry("SGD", mnist={"lr": 0.1}), make_entry("Adam")]
    repeated = run(entries, mnist, repeats=3)
    assert repeated.names == ("SGD #1", "Adam #1", "SGD #2", "Adam #2", "SGD #3", "Adam #3")
    for repeat in range(3):
        single = run(entries, mnist, seed=3 + repeat)
        for name in ("SGD", "Adam"):
            assert np.array_equal(repeated.losses[f"{name} #{repeat + 1}"], single.losses[name])
            assert repeated.accuracies[f"{name} #{repeat + 1}"] == single.accuracies[name]
    assert not np.array_equal(repeated.losses["SGD #1"], repeated.losses["SGD #2"])


def test_threads_do_not_change_the_results_with_repeats(mnist):
    entries = [make_entry("SGD", mnist={"lr": 0.1}), make_entry("Momentum"), make_entry("Adam")]
    one = run(entries, mnist, repeats=2)
    two = run(entries, mnist, threads=2, repeats=2)
    for name in one.names:
        assert np.array_equal(one.losses[name], two.losses[name])


def test_row_names_follow_repeats_then_entries():
    settings = Settings(mnist=MnistSettings(repeats=2))
    assert row_names(settings)[:5] == ("SGD #1", "Momentum #1", "AdaGrad #1", "Adam #1", "SGD #2")
    assert row_names(replace(settings, mnist=MnistSettings())) == ("SGD", "Momentum", "AdaGrad", "Adam")


def test_paths_of_entries_are_keyed_by_label_and_follow_their_schedules():
    settings = Settings(entries=(make_entry("SGD", paths={"lr": 0.9}),
                                 make_entry("SGD", paths={"lr": 0.9}, schedule=ScheduleSpec("cosine")),
                                 make_entry("SGD", paths={"lr": 0.9}, schedule=ScheduleSpec("constant"),
                                            label="constant")))
    paths = run_paths(settings)
    assert list(paths) == ["SGD schedule=constant", "SGD schedule=cosine", "constant"]
    assert np.array_equal(paths["SGD schedule=constant"].points, paths["constant"].points)
    assert not np.allclose(paths["SGD schedule=constant"].points[5:], paths["SGD schedule=cosine"].points[5:])
