"""The optimizer comparison runs: 2D paths and MNIST training, free of any GUI or thread code.

:func:`run_mnist` is a generator: it trains one network per optimizer on the same minibatches,
yields a :class:`MnistUpdate` with what changed since the previous one, and checks ``stop``
before every iteration, so a caller on another thread can end it within one iteration.
:class:`MnistHistory` accumulates the updates into whole curves.

Before it allocates, :func:`run_mnist` raises ValueError (at the first ``next``) when the batch
is larger than the training set or the run needs more memory than is available
(:mod:`nncore.run_requirements`); the rules that mark an optimizer diverged or not learning are
in :mod:`nncore.training_rules`.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Generator, Iterator

import numpy as np
from threadpoolctl import threadpool_limits

from .data import NUM_CLASSES, image_side, load_mnist
from .diagnostics import (EvaluationDiagnostics, LayerHistory, LayerRecorder, LayerRows,
                          evaluation_diagnostics)
from .engine import NetworkStack, evaluation_order
from .functions import get_function
from .mlp import MultiLayerNet
from .optimizers import create
from .paths import PathResult, trace_path
from .run_requirements import check_batch_fits, check_memory
from .schedules import scheduled
from .settings import Settings
from .training_rules import Divergence, DivergenceWatch, LearningWatch, NotLearning
from .sweeps import Cloud, noisy_cloud, noisy_function

StopFlag = Callable[[], bool]

EVAL_CHUNK = 256
"""Test images evaluated per forward pass: bounds the memory of an evaluation, and keeps a
chunk's activations in the CPU cache (evaluations were ~18 % faster than with 2000)."""

PARALLEL_CHUNK = 10
"""Iterations every thread trains between two synchronisations when compute_threads > 1."""


def run_paths(settings: Settings) -> dict[str, PathResult]:
    """The 2D trajectory of every entry of the run, by label, from the settings' start; an
    entry's schedule sets its learning rate at each step (of ``steps``).

    With gradient noise (``settings.paths.noise`` > 0) every entry sees the same noise
    sequence, from ``settings.paths.noise_seed``."""
    p = settings.paths
    function = get_function(p.function_key())
    return {
        label: trace_path(noisy_function(function, p.noise, p.noise_seed) if p.noise > 0 else function,
                          scheduled(create(entry.optimizer, **entry.hyperparameters("paths")),
                                    entry.schedule, p.steps), p.start, p.steps)
        for label, entry in settings.run_entries().items()
    }


def run_clouds(settings: Settings) -> dict[str, Cloud]:
    """With gradient noise and a cloud size K > 0: each entry's :class:`Cloud` of K noisy paths
    (seeds noise_seed .. noise_seed + K - 1; run 0 is its path), by label; else empty. The cloud
    runs at the entry's learning rate (schedules are not applied to clouds)."""
    p = settings.paths
    if p.noise <= 0 or p.cloud <= 0:
        return {}
    function = get_function(p.function_key())
    return {label: noisy_cloud(function, entry.optimizer, entry.hyperparameters("paths"), p.start,
                               p.steps, p.noise, p.noise_seed, p.cloud)
            for label, entry in settings.run_entries().items()}


@dataclass(frozen=True)
class MnistUpdate:
    """What changed since the previous update of a run.

    ``losses[name]`` holds the training losses of iterations ``start + 1 .. stop`` (1-based; an
    array of length stop - start, NaN for an optimizer that has diverged). ``accuracies[name]``
    lists new (iteration, test accuracy) points, ``diverged`` the optimizers that diverged in
    this span. ``elapsed`` is seconds of training so far. ``not_learning`` names the optimizers
    found not learning in this span (see :mod:`nncore.training_rules`; they keep training).
    """

    start: int
    stop: int
    total: int
    losses: dict[str, np.ndarray]
    accuracies: dict[str, list[tuple[int, float]]]
    diverged: dict[str, Divergence]
    elapsed: float
    finished: bool = False
    not_learning: dict[str, NotLearning] = field(default_factory=dict)
    layers: dict[str, LayerRows] = field(default_factory=dict)
    """New per-layer statistics rows (:mod:`nncore.diagnostics`), by optimizer."""
    evaluations: dict[str, EvaluationDiagnostics] = field(default_factory=dict)
    """The latest evaluation's confusion matrix, misclassified digits and first layer, by optimizer."""


@dataclass
class MnistHistory:
    """Whole curves of a run, built by :meth:`apply` from its updates.

    ``losses[name]`` has length ``total``; entries after ``completed`` are NaN.
    ``not_learning[name]`` is the first time the optimizer was found not learning.
    """

    names: tuple[str, ...]
    total: int
    completed: int = 0
    elapsed: float = 0.0
    finished: bool = False
    losses: dict[str, np.ndarray] = field(default_factory=dict)
    accuracies: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    diverged: dict[str, Divergence] = field(default_factory=dict)
    not_learning: dict[str, NotLearning] = field(default_factory=dict)
    layers: dict[str, LayerHistory] = field(default_factory=dict)
    evaluations: dict[str, EvaluationDiagnostics] = field(default_factory=dict)
    """The latest evaluation diagnostics of each optimizer."""

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
        for name, mark in update.not_learning.items():
            self.not_learning.setdefault(name, mark)
        for name, rows in update.layers.items():
            self.layers.setdefault(name, LayerHistory()).add(rows)
        self.evaluations.update(update.evaluations)
        self.completed = update.stop
        self.elapsed = update.elapsed
        self.finished = update.finished


class _Group:
    """The networks one thread trains in one go: a :class:`NetworkStack` of entries of one
    repeat (they share its minibatches).

    ``rows`` are the networks' positions in the run's order (rows of the loss table, see
    :func:`row_names`), ``repeat`` the repeat (0-based) whose batches they train on.
    """

    def __init__(self, rows: list[int], stack: NetworkStack, repeat: int = 0,
                 diagnostics: bool = False) -> None:
        self.rows = rows
        self.stack = stack
        self.repeat = repeat
        self.watches = [DivergenceWatch() for _ in rows]
        self.divergences: list[Divergence | None] = [None] * len(rows)
        self.recorder = LayerRecorder(stack.W, stack.dW) if diagnostics else None
        self.evaluations: dict[int, EvaluationDiagnostics] = {}
        """Diagnostics of the last :meth:`evaluate`, by row (with ``diagnostics`` only)."""

    def train(self, first_iteration: int, batches: list[np.ndarray], images: np.ndarray,
              labels: np.ndarray, losses: np.ndarray) -> None:
        """One iteration per batch of indices into ``images``, the first numbered
        ``first_iteration`` (1-based); each loss goes to ``losses[row, iteration - 1]``."""
        with np.errstate(all="ignore"):
            for iteration, index in enumerate(batches, start=first_iteration):
                batch_losses = self.stack.gradients(images[index], labels[index])
                finite = self.stack.gradients_finite()
                for i, row in enumerate(self.rows):
                    if self.divergences[i]:
                        continue  # its row stays NaN
                    loss = float(batch_losses[i])
                    losses[row, iteration - 1] = loss
                    self.divergences[i] = self.watches[i].check(iteration, loss, bool(finite[i]))
                    if self.divergences[i] is None:
                        if self.recorder:
                            self.recorder.before_update(iteration, i)
                        self.stack.update(i)
                        if self.recorder:
                            self.recorder.after_update(iteration, i)

    def evaluate(self, images: np.ndarray, labels: np.ndarray, iteration: int = 0) -> dict[int, float]:
        """Test accuracy by row, for the networks that have not diverged; with diagnostics,
        also their :class:`EvaluationDiagnostics` (in ``evaluations``) after ``iteration``."""
        with np.errstate(all="ignore"), at_evaluation_points(self.stack):
            if self.recorder is None:
                accuracy = self.stack.accuracy(images, labels)
            else:
                predicted = self.stack.predictions(images)
                accuracy = np.count_nonzero(predicted == labels, axis=1) / len(images)
                for i, row in enumerate(self.rows):
                    if self.divergences[i] is None:
                        self.evaluations[row] = evaluation_diagnostics(
                            iteration, images, labels, predicted[i], self.stack.W[0][i],
                            self.stack.sizes[-1])
        return {row: float(accuracy[i]) for i, row in enumerate(self.rows)
                if self.divergences[i] is None}


@contextmanager
def at_evaluation_points(stack: NetworkStack) -> Iterator[None]:
    """Within the block, every network's parameters are where its optimizer evaluates the model
    (Schedule-Free's x instead of the y it takes gradients at); restored exactly afterwards."""
    saved = []
    for index, optimizer in enumerate(stack.optimizers):
        for key, param in stack.optimizer_params(index).items():
            point = optimizer.evaluation_point(key, param)
            if point is not param:
                saved.append((param, param.copy()))
                param[...] = point
    try:
        yield
    finally:
        for param, training_value in saved:
            param[...] = training_value


def repeat_name(label: str, repeat: int, repeats: int) -> str:
    """The key of repeat ``repeat`` (0-based) of the entry ``label`` in a run of ``repeats``:
    the label itself without repeats, else ``"label #1"``, ``"label #2"``, ..."""
    return label if repeats == 1 else f"{label} #{repeat + 1}"


def row_names(settings: Settings) -> tuple[str, ...]:
    """The keys of a run's networks, repeat by repeat: row r * E + e is repeat r of entry e."""
    repeats = settings.mnist.repeats
    return tuple(repeat_name(label, repeat, repeats) for repeat in range(repeats)
                 for label in settings.labels())


def build_networks(settings: Settings, input_size: int, dtype=np.float32,
                   repeat: int = 0) -> dict[str, MultiLayerNet]:
    """One network per entry of the run, by label, seeded from ``settings.mnist.seed + repeat``.

    With ``same_initial_weights`` every network starts from a copy of the same draw; otherwise
    entry i draws from its own stream. Either way the result depends only on the seed.
    """
    m = settings.mnist
    init = m.weight_init if m.weight_init in ("he", "relu", "xavier", "sigmoid") else float(m.weight_init)

    def make(stream: int) -> MultiLayerNet:
        return MultiLayerNet(input_size, m.hidden_sizes, NUM_CLASSES, activation=m.activation,
                             weight_init_std=init, weight_decay_lambda=m.weight_decay, dtype=dtype,
                             rng=np.random.default_rng([m.seed + repeat, stream]))

    networks = {}
    for index, label in enumerate(settings.labels()):
        networks[label] = make(0 if m.same_initial_weights else 1 + index)
    return networks


def _make_groups(settings: Settings, input_size: int, threads: int, batch_size: int,
                 dtype, diagnostics: bool = False) -> list[_Group]:
    """For each repeat, the run's entries dealt onto ``threads`` groups (fewer if there are
    fewer entries), each a NetworkStack of their freshly initialised networks, whose optimizers
    follow the entries' schedules over the run's iterations.

    Dealt back and forth (0 1 1 0 0 1 ...), which balances the groups when the optimizers' cost
    grows along the list, as in the book's SGD, Momentum, AdaGrad, Adam: {SGD, Adam} and
    {Momentum, AdaGrad}.
    """
    m = settings.mnist
    entries = list(settings.run_entries().items())
    count = min(threads, len(entries))
    dealt = [index % count if (index // count) % 2 == 0 else count - 1 - index % count
             for index in range(len(entries))]
    groups = []
    for repeat in range(m.repeats):
        networks = build_networks(settings, input_size, dtype, repeat)
        for group in range(count):
            members = [index for index in range(len(entries)) if dealt[index] == group]
            optimizers = [scheduled(create(entries[i][1].optimizer, **entries[i][1].hyperparameters("mnist")),
                                    entries[i][1].schedule, m.iterations) for i in members]
            stack = NetworkStack([networks[entries[i][0]].params for i in members], optimizers,
                                 batch_size=batch_size, activation=m.activation,
                                 weight_decay_lambda=m.weight_decay, dtype=dtype, eval_rows=EVAL_CHUNK)
            groups.append(_Group([repeat * len(entries) + i for i in members], stack, repeat, diagnostics))
    return groups


def run_mnist(settings: Settings, data=None, stop: StopFlag | None = None,
              min_interval: float = 0.0, blas_threads: int | None = 1,
              clock: Callable[[], float] = time.perf_counter, compute_threads: int = 1,
              dtype=np.float32, diagnostics: bool = True) -> Generator[MnistUpdate, None, MnistHistory]:
    """Train one network per entry and repeat and stream the losses, keyed by
    :func:`row_names` (the entries' labels without repeats). Repeat r starts from the weights
    of seed + r and draws its minibatches from seed + r; all entries of a repeat see the same
    ones. Each entry's schedule sets its optimizer's lr at every iteration.

    ``data`` is ``load_mnist()``'s result (loaded from ``settings.mnist.data_dir`` if None).
    Yields an update at most every ``min_interval`` seconds, after each evaluation and at the
    end (``finished`` True only when all iterations ran). ``stop()`` is checked before every
    iteration (before every ``PARALLEL_CHUNK`` iterations when ``compute_threads`` > 1); when it
    returns True the run ends with a last update. ``blas_threads`` caps the BLAS thread pool
    while training (1 is fastest for these small matrices); None leaves it.
    ``compute_threads`` splits the optimizers over that many threads (at most one per
    optimizer); 1, the default, trains on the calling thread alone and so leaves the other cores
    free, e.g. for a GUI. Results do not depend on it. ``dtype`` is the floating-point type of
    the networks (float64 only to check that float32 gives the same curves). ``diagnostics``
    adds the per-layer statistics and evaluation diagnostics of :mod:`nncore.diagnostics` to the
    updates (False only to measure what they cost).
    Returns the accumulated :class:`MnistHistory`.
    """
    settings.validate()
    if isinstance(compute_threads, bool) or not isinstance(compute_threads, int) or compute_threads < 1:
        raise ValueError(f"compute_threads must be a whole number >= 1, got {compute_threads!r}")
    m = settings.mnist
    (x_train, t_train), (x_test, t_test) = load_mnist(m.data_dir) if data is None else data
    names = row_names(settings)
    history = MnistHistory(names, m.iterations)
    limits = threadpool_limits(limits=blas_threads) if blas_threads else None
    pool: ThreadPoolExecutor | None = None
    try:
        batch_size = m.batch_size
        check_batch_fits(batch_size, len(x_train), m.data_dir)
        check_memory(settings, x_train.shape[1], len(x_test))
        groups = _make_groups(settings, x_train.shape[1], compute_threads, batch_size, dtype, diagnostics)
        lanes = [groups[lane::compute_threads] for lane in range(min(compute_threads, len(groups)))]
        if len(lanes) > 1:
            pool = ThreadPoolExecutor(len(lanes) - 1, thread_name_prefix="mnist")
        chunk = PARALLEL_CHUNK if pool else 1
        order = evaluation_order(x_test, side=image_side(x_test))
        x_test, t_test = x_test[order], t_test[order]
        # repeat r draws its minibatches from seed + r; every entry of a repeat sees the same ones
        batch_rngs = [np.random.default_rng([m.seed + repeat, 1 << 16]) for repeat in range(m.repeats)]
        losses = np.full((len(names), m.iterations), np.nan)
        started = clock()
        last_yield = started
        reported = 0
        accuracies: dict[str, list[tuple[int, float]]] = {n: [] for n in names}
        diverged: dict[str, Divergence] = {}
        learning = [LearningWatch() for _ in names]
        not_learning: dict[str, NotLearning] = {}
        layers: dict[str, list[LayerRows]] = {n: [] for n in names}
        evaluations: dict[str, EvaluationDiagnostics] = {}

        def update(done: int, finished: bool) -> MnistUpdate:
            nonlocal reported
            result = MnistUpdate(reported, done, m.iterations,
                                 {n: losses[i, reported:done].copy() for i, n in enumerate(names)},
                                 {n: list(points) for n, points in accuracies.items() if points},
                                 dict(diverged), clock() - started, finished,
                                 not_learning=dict(not_learning),
                                 layers={n: LayerRows.concatenate(parts)
                                         for n, parts in layers.items() if parts},
                                 evaluations=dict(evaluations))
            reported = done
            not_learning.clear()
            for points in accuracies.values():
                points.clear()
            for parts in layers.values():
                parts.clear()
            diverged.clear()
            evaluations.clear()
            history.apply(result)
            return result

        def work(lane: list[_Group], first: int, batches: list[list[np.ndarray]],
                 evaluate: bool) -> list[dict[int, float]]:
            """Each group of ``lane`` trains on its repeat's batches, then evaluates."""
            scores = []
            for group in lane:
                group.train(first, batches[group.repeat], x_train, t_train, losses)
                iteration = first - 1 + len(batches[group.repeat])
                scores.append(group.evaluate(x_test, t_test, iteration) if evaluate else {})
            return scores

        def run_chunk(first: int, batches: list[list[np.ndarray]], evaluate: bool, iteration: int) -> None:
            """All lanes train on ``batches`` (one list per repeat; on the pool and this
            thread), then collect."""
            futures = [pool.submit(work, lane, first, batches, evaluate) for lane in lanes[1:]] if pool else []
            results = work(lanes[0], first, batches, evaluate) + [s for f in futures for s in f.result()]
            for group, scores in zip([g for lane in lanes for g in lane], results):
                for row, accuracy in scores.items():
                    accuracies[names[row]].append((iteration, accuracy))
                    mark = learning[row].check(iteration, accuracy)
                    if mark and names[row] not in history.not_learning:
                        not_learning.setdefault(names[row], mark)
                for row, snapshot in group.evaluations.items():
                    evaluations[names[row]] = snapshot
                group.evaluations.clear()
                for i, row in enumerate(group.rows):
                    rows = group.recorder.take(i) if group.recorder else None
                    if rows is not None:
                        layers[names[row]].append(rows)
                for row, divergence in zip(group.rows, group.divergences):
                    if divergence and names[row] not in history.diverged:
                        diverged.setdefault(names[row], divergence)

        if m.eval_interval:
            run_chunk(1, [[] for _ in batch_rngs], True, 0)
        done = 0
        while done < m.iterations:
            if stop is not None and stop():
                break
            end = min(done + chunk, m.iterations)
            if m.eval_interval:
                end = min(end, (done // m.eval_interval + 1) * m.eval_interval)
            batches = [[rng.integers(0, len(x_train), size=batch_size) for _ in range(done, end)]
                       for rng in batch_rngs]
            evaluated = end == m.iterations or bool(m.eval_interval and end % m.eval_interval == 0)
            run_chunk(done + 1, batches, evaluated, end)
            done = end
            now = clock()
            if evaluated or diverged or now - last_yield >= min_interval:
                last_yield = now
                if done < m.iterations:
                    yield update(done, False)
        yield update(done, done == m.iterations)
        return history
    finally:
        if pool is not None:
            pool.shutdown()
        if limits is not None:
            limits.restore_original_limits()
