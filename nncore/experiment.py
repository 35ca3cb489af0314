"""The optimizer comparison runs: 2D paths and MNIST training, free of any GUI or thread code.

:func:`run_mnist` is a generator: it trains one network per optimizer on the same minibatches,
yields a :class:`MnistUpdate` with what changed since the previous one, and checks ``stop``
before every iteration, so a caller on another thread can end it within one iteration.
:class:`MnistHistory` accumulates the updates into whole curves.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Generator

import numpy as np
from threadpoolctl import threadpool_limits

from .data import NUM_CLASSES, load_mnist, scale_batch
from .functions import get_function
from .mlp import MultiLayerNet
from .optimizers import create
from .paths import PathResult, trace_path
from .settings import Settings

StopFlag = Callable[[], bool]

EVAL_CHUNK = 2000
"""Test images evaluated per forward pass (bounds the memory of an evaluation)."""

EXPLODE_FACTOR = 4.0
EXPLODE_PATIENCE = 20
"""A loss above EXPLODE_FACTOR x its first value for EXPLODE_PATIENCE iterations in a row is
divergence. (The book's cross-entropy saturates at -log(1e-7) = 16.1, 7x the initial ln 10, so
an exploding network shows up as a loss stuck near that ceiling rather than as infinity.)"""


def run_paths(settings: Settings) -> dict[str, PathResult]:
    """The 2D trajectory of every selected optimizer, by name, from the settings' start."""
    function = get_function(settings.paths.function)
    return {
        name: trace_path(function, create(name, **settings.hyperparameters("paths", name)),
                         settings.paths.start, settings.paths.steps)
        for name in settings.optimizers
    }


@dataclass(frozen=True)
class Divergence:
    """Training of one optimizer stopped at ``iteration`` (1-based) because of ``reason``."""

    iteration: int
    reason: str


@dataclass(frozen=True)
class MnistUpdate:
    """What changed since the previous update of a run.

    ``losses[name]`` holds the training losses of iterations ``start + 1 .. stop`` (1-based; an
    array of length stop - start, NaN for an optimizer that has diverged). ``accuracies[name]``
    lists new (iteration, test accuracy) points, ``diverged`` the optimizers that diverged in
    this span. ``elapsed`` is seconds of training so far.
    """

    start: int
    stop: int
    total: int
    losses: dict[str, np.ndarray]
    accuracies: dict[str, list[tuple[int, float]]]
    diverged: dict[str, Divergence]
    elapsed: float
    finished: bool = False


@dataclass
class MnistHistory:
    """Whole curves of a run, built by :meth:`apply` from its updates.

    ``losses[name]`` has length ``total``; entries after ``completed`` are NaN.
    """

    names: tuple[str, ...]
    total: int
    completed: int = 0
    elapsed: float = 0.0
    finished: bool = False
    losses: dict[str, np.ndarray] = field(default_factory=dict)
    accuracies: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    diverged: dict[str, Divergence] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.names:
            self.losses.setdefault(name, np.full(self.total, np.nan))
            self.accuracies.setdefault(name, [])

    def apply(self, update: MnistUpdate) -> None:
        for name, values in update.losses.items():
            self.losses[name][update.start:update.stop] = values
        for name, points in update.accuracies.items():
            self.accuracies[name].extend(points)
        self.diverged.update(update.diverged)
        self.completed = update.stop
        self.elapsed = update.elapsed
        self.finished = update.finished


class _Contestant:
    """One optimizer, its network and its divergence watch."""

    def __init__(self, name: str, settings: Settings, network: MultiLayerNet) -> None:
        self.name = name
        self.network = network
        self.optimizer = create(name, **settings.hyperparameters("mnist", name))
        self.first_loss: float | None = None
        self.high_streak = 0
        self.divergence: Divergence | None = None

    def step(self, iteration: int, x: np.ndarray, t: np.ndarray) -> float:
        """Train on one batch; return its loss (computed before the update), or NaN if diverged."""
        if self.divergence:
            return math.nan
        with np.errstate(all="ignore"):
            loss, grads = self.network.loss_and_gradient(x, t)
            self.divergence = self._check(iteration, loss, grads)
            if self.divergence is None:
                self.optimizer.update(self.network.params, grads)
        return loss

    def _check(self, iteration: int, loss: float, grads: dict[str, np.ndarray]) -> Divergence | None:
        if not math.isfinite(loss):
            return Divergence(iteration, "the loss became infinite or NaN")
        if not all(np.isfinite(g).all() for g in grads.values()):
            return Divergence(iteration, "the gradient became infinite or NaN")
        if self.first_loss is None:
            self.first_loss = loss
        if loss > EXPLODE_FACTOR * self.first_loss:
            self.high_streak += 1
            if self.high_streak >= EXPLODE_PATIENCE:
                return Divergence(iteration, f"the loss exploded: above {EXPLODE_FACTOR:g}x its "
                                             f"initial {self.first_loss:.2f} for "
                                             f"{EXPLODE_PATIENCE} iterations")
        else:
            self.high_streak = 0
        return None


def build_networks(settings: Settings, input_size: int, dtype=np.float32) -> dict[str, MultiLayerNet]:
    """One network per selected optimizer, seeded from ``settings.mnist.seed``.

    With ``same_initial_weights`` every network starts from a copy of the same draw; otherwise
    optimizer i draws from its own stream. Either way the result depends only on the seed.
    """
    m = settings.mnist
    init = m.weight_init if m.weight_init in ("he", "relu", "xavier", "sigmoid") else float(m.weight_init)

    def make(stream: int) -> MultiLayerNet:
        return MultiLayerNet(input_size, m.hidden_sizes, NUM_CLASSES, activation=m.activation,
                             weight_init_std=init, weight_decay_lambda=m.weight_decay, dtype=dtype,
                             rng=np.random.default_rng([m.seed, stream]))

    networks = {}
    for index, name in enumerate(settings.optimizers):
        networks[name] = make(0 if m.same_initial_weights else 1 + index)
    return networks


def evaluate(network: MultiLayerNet, images: np.ndarray, labels: np.ndarray, dtype=np.float32) -> float:
    """Accuracy of ``network`` on uint8 ``images`` (N, 784) with labels (N,), in chunks."""
    correct = 0
    for begin in range(0, len(images), EVAL_CHUNK):
        x = scale_batch(images[begin:begin + EVAL_CHUNK], dtype)
        predicted = np.argmax(network.predict(x), axis=1)
        correct += int(np.count_nonzero(predicted == labels[begin:begin + EVAL_CHUNK]))
    return correct / len(images)


def run_mnist(settings: Settings, data=None, stop: StopFlag | None = None,
              min_interval: float = 0.0, blas_threads: int | None = 1,
              clock: Callable[[], float] = time.perf_counter
              ) -> Generator[MnistUpdate, None, MnistHistory]:
    """Train one network per selected optimizer on identical minibatches and stream the losses.

    ``data`` is ``load_mnist()``'s result (loaded from ``settings.mnist.data_dir`` if None).
    Yields an update at most every ``min_interval`` seconds, after each evaluation and at the
    end (``finished`` True only when all iterations ran). ``stop()`` is checked before every
    iteration; when it returns True the run ends with a last update. ``blas_threads`` caps the
    BLAS thread pool while training (1 is fastest for these small matrices); None leaves it.
    Returns the accumulated :class:`MnistHistory`.
    """
    settings.validate()
    m = settings.mnist
    (x_train, t_train), (x_test, t_test) = load_mnist(m.data_dir) if data is None else data
    names = tuple(settings.optimizers)
    history = MnistHistory(names, m.iterations)
    limits = threadpool_limits(limits=blas_threads) if blas_threads else None
    try:
        contestants = [_Contestant(name, settings, net)
                       for name, net in build_networks(settings, x_train.shape[1]).items()]
        batch_rng = np.random.default_rng([m.seed, 1 << 16])
        batch_size = min(m.batch_size, len(x_train))
        x_batch = np.empty((batch_size, x_train.shape[1]), dtype=np.float32)
        losses = np.full((len(names), m.iterations), np.nan)
        started = clock()
        last_yield = started
        reported = 0
        accuracies: dict[str, list[tuple[int, float]]] = {n: [] for n in names}
        diverged: dict[str, Divergence] = {}

        def update(done: int, finished: bool) -> MnistUpdate:
            nonlocal reported
            result = MnistUpdate(reported, done, m.iterations,
                                 {n: losses[i, reported:done].copy() for i, n in enumerate(names)},
                                 {n: list(points) for n, points in accuracies.items() if points},
                                 dict(diverged), clock() - started, finished)
            reported = done
            for points in accuracies.values():
                points.clear()
            diverged.clear()
            history.apply(result)
            return result

        def evaluate_all(iteration: int) -> None:
            for c in contestants:
                if not c.divergence:
                    accuracies[c.name].append((iteration, evaluate(c.network, x_test, t_test)))

        if m.eval_interval:
            evaluate_all(0)
        done = 0
        for iteration in range(1, m.iterations + 1):
            if stop is not None and stop():
                break
            index = batch_rng.integers(0, len(x_train), size=batch_size)
            scale_batch(x_train[index], out=x_batch)
            t_batch = t_train[index]
            for i, c in enumerate(contestants):
                was_fine = c.divergence is None
                losses[i, iteration - 1] = c.step(iteration, x_batch, t_batch)
                if was_fine and c.divergence:
                    diverged[c.name] = c.divergence
            done = iteration
            evaluated = iteration == m.iterations or (m.eval_interval and iteration % m.eval_interval == 0)
            if evaluated:
                evaluate_all(iteration)
            now = clock()
            if evaluated or diverged or now - last_yield >= min_interval:
                last_yield = now
                if iteration < m.iterations:
                    yield update(iteration, False)
        yield update(done, done == m.iterations)
        return history
    finally:
        if limits is not None:
            limits.restore_original_limits()
