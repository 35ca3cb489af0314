"""The MNIST divergence and not-learning rules, at their exact boundaries (issue 12, item 10)."""
import numpy as np
import pytest

from nncore.data import load_mnist
from nncore.experiment import MnistHistory, run_mnist
from nncore.settings import MnistSettings, Settings
from nncore.training_rules import (CHANCE_ACCURACY, DIVERGENCE_FACTOR, DIVERGENCE_PATIENCE,
                                   DIVERGENCE_WINDOW, NOT_LEARNING_AFTER, DivergenceWatch,
                                   LearningWatch)
from run_helpers import drain


def declared_at(losses):
    """The iteration (1-based) at which a fresh DivergenceWatch declares divergence, or None."""
    watch = DivergenceWatch()
    for iteration, loss in enumerate(losses, start=1):
        if watch.check(iteration, float(loss)) is not None:
            return iteration
    return None


def reference_declared_at(losses):
    """The rule written independently over the whole array: the first i whose trailing
    DIVERGENCE_PATIENCE moving averages (window DIVERGENCE_WINDOW, shorter at the start) all
    exceed DIVERGENCE_FACTOR x losses[0]."""
    losses = np.asarray(losses, dtype=float)
    sums = np.concatenate([[0.0], np.cumsum(losses)])
    ends = np.arange(1, len(losses) + 1)
    starts = np.maximum(0, ends - DIVERGENCE_WINDOW)
    high = (sums[ends] - sums[starts]) / (ends - starts) > DIVERGENCE_FACTOR * losses[0]
    run = 0
    for i, flag in enumerate(high, start=1):
        run = run + 1 if flag else 0
        if run == DIVERGENCE_PATIENCE:
            return i
    return None


def test_a_loss_stuck_high_is_declared_at_exactly_the_hundredth_high_average():
    # Initial loss 1, then 3: the average (1 + 3(k - 1)) / k exceeds 2 from k = 3 on, so the
    # 100th high average in a row is at iteration 102.
    losses = [1.0] + [3.0] * 200
    assert declared_at(losses[:101]) is None
    assert declared_at(losses) == 102 == reference_declared_at(losses)


def test_an_average_exactly_at_the_threshold_is_not_above_it():
    assert declared_at([1.0] + [2.0] * 300) is None  # average never exceeds 2 x 1


def test_one_average_back_at_the_threshold_starts_the_count_again():
    # High averages from iteration 3; losses of 0 from iteration 83 pull the average down by
    # 0.06 per iteration: still high up to iteration 98 (96 in a row), 1.98 at 99 (reset).
    losses = [1.0] + [3.0] * 81 + [0.0] * 40 + [3.0] * 300
    averages = [np.mean(losses[max(0, i - 50):i]) for i in range(1, len(losses) + 1)]
    assert averages[97] > 2.0 >= averages[98]
    expected = reference_declared_at(losses)
    assert expected is not None and expected >= 99 + DIVERGENCE_PATIENCE
    assert declared_at(losses) == expected


def test_single_good_batches_do_not_reset_the_rule():
    """AdamW at lr 100: a loss around 9 with a batch near the initial 2.3 now and then."""
    rng = np.random.default_rng(0)
    losses = np.r_[2.3, rng.uniform(8, 10, 400)]
    losses[::7] = 2.3
    assert declared_at(losses) == reference_declared_at(losses) == 101  # high from iteration 2


@pytest.mark.parametrize("seed", range(5))
def test_the_watch_agrees_with_the_rule_written_over_the_whole_array(seed):
    rng = np.random.default_rng(seed)
    losses = np.r_[1.0, np.repeat(rng.uniform(0.5, 3.5, 40), rng.integers(5, 40, 40))]
    assert declared_at(losses) == reference_declared_at(losses)


@pytest.mark.parametrize("loss, grads_finite", [(float("nan"), True), (float("inf"), True), (2.0, False)])
def test_non_finite_loss_or_gradient_diverges_at_once(loss, grads_finite):
    watch = DivergenceWatch()
    assert watch.check(1, 2.3) is None
    divergence = watch.check(2, loss, grads_finite)
    assert divergence is not None and divergence.iteration == 2


def marks(evaluations):
    """(iteration, accuracy) pairs in order -> iterations at which not-learning is declared."""
    watch = LearningWatch()
    return [i for i, a in evaluations if watch.check(i, a) is not None]


def test_not_learning_needs_two_chance_evaluations_after_iteration_200():
    chance = CHANCE_ACCURACY
    assert marks([(0, 0.1), (100, 0.1), (200, 0.1), (300, 0.1)]) == []  # 200 is not after 200
    assert marks([(0, 0.1), (200, 0.1), (201, chance), (300, chance)]) == [300]
    assert marks([(300, chance), (400, np.nextafter(chance, 1)), (500, 0.1)]) == []  # reset
    assert marks([(300, 0.1), (400, 0.1), (500, 0.1), (600, 0.1)]) == [400]  # declared once
    assert marks([(300, 0.1), (400, 0.1), (500, 0.9), (600, 0.1), (700, 0.1)]) == [400, 700]
    assert NOT_LEARNING_AFTER == 200


def small(optimizers, **mnist):
    values = dict(iterations=20, batch_size=32, hidden_sizes=(16, 16), eval_interval=10, seed=3)
    values.update(mnist)
    return Settings(optimizers=tuple(optimizers), mnist=MnistSettings(**values))


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def test_adamw_at_lr_100_is_marked_diverged(mnist):
    settings = small(("AdamW", "Adam"), iterations=300, eval_interval=0)
    settings.mnist_hyperparameters["AdamW"]["lr"] = 100.0
    _, history = drain(run_mnist(settings, mnist))
    divergence = history.diverged["AdamW"]
    assert divergence.iteration == reference_declared_at(history.losses["AdamW"][:divergence.iteration])
    assert "Adam" not in history.diverged


@pytest.mark.parametrize("compute_threads", [1, 2])
def test_a_stalled_network_is_reported_not_learning_and_keeps_training(mnist, compute_threads):
    """On this thread, and with each optimizer in its own forked training process."""
    settings = small(("SGD", "Adam"), iterations=400, eval_interval=100,
                     hidden_sizes=(16, 16, 16, 16), weight_init="0.01")
    updates, history = drain(run_mnist(settings, mnist, compute_threads=compute_threads))
    assert history.not_learning["SGD"].iteration == 400
    assert "chance" in history.not_learning["SGD"].reason
    assert "SGD" not in history.diverged and np.isfinite(history.losses["SGD"]).all()
    assert "Adam" not in history.not_learning
    assert sum("SGD" in u.not_learning for u in updates) == 1
    rebuilt = MnistHistory(("SGD", "Adam"), 400)
    for update in updates:
        rebuilt.apply(update)
    assert rebuilt.not_learning == history.not_learning
