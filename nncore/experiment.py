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
from functools import partial
from multiprocessing.sharedctypes import RawValue
from typing import Callable, Generator, Iterable, Iterator

import numpy as np
from threadpoolctl import threadpool_limits

from .data import NUM_CLASSES, load_mnist
from .engine import NetworkStack, evaluation_order
from .forked import FORK_AVAILABLE, ForkedProducer
from .functions import get_function
from .mlp import MultiLayerNet
from .optimizers import create
from .paths import PathResult, trace_path
from .settings import Settings

StopFlag = Callable[[], bool]

EVAL_CHUNK = 256
"""Test images evaluated per forward pass: bounds the memory of an evaluation, and keeps a
chunk's activations in the CPU cache (evaluations were ~18 % faster than with 2000)."""

PARALLEL_CHUNK = 10
"""Iterations a group trains between two reports when compute_threads > 1 (the stop flag is
asked at each report; the groups never wait for each other before the end)."""

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


class _DivergenceWatch:
    """Decides, iteration by iteration, whether one optimizer's training has diverged."""

    def __init__(self) -> None:
        self.first_loss: float | None = None
        self.high_streak = 0

    def check(self, iteration: int, loss: float, grads_finite: bool) -> Divergence | None:
        """The divergence shown by this iteration's loss and gradient, or None."""
        if not math.isfinite(loss):
            return Divergence(iteration, "the loss became infinite or NaN")
        if not grads_finite:
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


class _Group:
    """The optimizers one thread trains: a :class:`NetworkStack` of their networks.

    ``rows`` are the optimizers' positions in the run's order (rows of the loss table).
    """

    def __init__(self, rows: list[int], stack: NetworkStack) -> None:
        self.rows = rows
        self.stack = stack
        self.watches = [_DivergenceWatch() for _ in rows]
        self.divergences: list[Divergence | None] = [None] * len(rows)

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
                        self.stack.update(i)

    def evaluate(self, images: np.ndarray, labels: np.ndarray) -> dict[int, float]:
        """Test accuracy by row, for the networks that have not diverged."""
        with np.errstate(all="ignore"):
            accuracy = self.stack.accuracy(images, labels)
        return {row: float(accuracy[i]) for i, row in enumerate(self.rows)
                if self.divergences[i] is None}


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


def _make_groups(settings: Settings, input_size: int, threads: int, batch_size: int,
                 dtype) -> list[_Group]:
    """The selected optimizers dealt onto ``threads`` groups (fewer if there are fewer
    optimizers), each a NetworkStack of their freshly initialised networks.

    Dealt back and forth (0 1 1 0 0 1 ...), which balances the groups when the optimizers' cost
    grows along the list, as in the book's SGD, Momentum, AdaGrad, Adam: {SGD, Adam} and
    {Momentum, AdaGrad}.
    """
    m = settings.mnist
    names = list(settings.optimizers)
    networks = build_networks(settings, input_size, dtype)
    count = min(threads, len(names))
    groups = []
    dealt = [index % count if (index // count) % 2 == 0 else count - 1 - index % count
             for index in range(len(names))]
    for group in range(count):
        rows = [row for row in range(len(names)) if dealt[row] == group]
        stack = NetworkStack([networks[names[row]].params for row in rows],
                             [create(names[row], **settings.hyperparameters("mnist", names[row]))
                              for row in rows],
                             batch_size=batch_size, activation=m.activation,
                             weight_decay_lambda=m.weight_decay, dtype=dtype, eval_rows=EVAL_CHUNK)
        groups.append(_Group(rows, stack))
    return groups


def _spans(iterations: int, eval_interval: int, chunk: int, batch_rng: np.random.Generator,
           train_size: int, batch_size: int) -> Iterator[tuple[int, int, bool, list[np.ndarray]]]:
    """The run cut into spans, in order: ``(first, end, evaluate, batches)`` for iterations
    ``first .. end`` (1-based, inclusive), one array of minibatch indices per iteration, and
    whether test accuracy is measured after iteration ``end``. With ``eval_interval`` the first
    span is the evaluation at iteration 0 (``(1, 0, True, [])``). A span ends at every
    ``chunk`` iterations, evaluation and the end. The minibatches are drawn from ``batch_rng``
    as the spans are reached, one ``integers`` call per iteration.
    """
    if eval_interval:
        yield 1, 0, True, []
    done = 0
    while done < iterations:
        end = min(done + chunk, iterations)
        if eval_interval:
            end = min(end, (done // eval_interval + 1) * eval_interval)
        batches = [batch_rng.integers(0, train_size, size=batch_size) for _ in range(done, end)]
        yield done + 1, end, end == iterations or bool(eval_interval and end % eval_interval == 0), batches
        done = end


@dataclass(frozen=True)
class _Span:
    """What one group did in iterations ``first .. end``: its rows' losses (rows, end - first + 1),
    test accuracy by row after ``end`` (if evaluated) and every divergence of its rows so far."""

    first: int
    end: int
    losses: np.ndarray
    accuracies: dict[int, float]
    divergences: dict[int, Divergence]


def _train_spans(group: _Group, spans: Iterable[tuple[int, int, bool, list[np.ndarray]]], data,
                 losses: np.ndarray, limit: Callable[[], int]) -> Iterator[_Span]:
    """Train ``group`` span by span, writing its losses into ``losses`` (names x iterations), and
    yield each :class:`_Span`. Before a span that trains, ``limit()`` gives the last iteration
    to train: a span ending after it is not started, and the group's run ends there."""
    (x_train, t_train), (x_test, t_test) = data
    for first, end, evaluate, batches in spans:
        if batches and end > limit():
            return
        group.train(first, batches, x_train, t_train, losses)
        accuracies = group.evaluate(x_test, t_test) if evaluate else {}
        yield _Span(first, end, losses[group.rows, first - 1:end],
                    accuracies, {row: d for row, d in zip(group.rows, group.divergences) if d})


class _InProcess:
    """A group trained in this process, one span per :meth:`receive`: the part of the interface
    of :class:`nncore.forked.ForkedProducer` that :func:`run_mnist` uses for these."""

    def __init__(self, produce: Callable[[], Iterator[_Span]]) -> None:
        self._spans = produce()
        self.finished = False

    def receive(self) -> _Span | None:
        span = next(self._spans, None)
        self.finished = span is None
        return span

    def close(self) -> None:
        self._spans.close()


def run_mnist(settings: Settings, data=None, stop: StopFlag | None = None,
              min_interval: float = 0.0, blas_threads: int | None = 1,
              clock: Callable[[], float] = time.perf_counter, compute_threads: int = 1,
              dtype=np.float32) -> Generator[MnistUpdate, None, MnistHistory]:
    """Train one network per selected optimizer on identical minibatches and stream the losses.

    ``data`` is ``load_mnist()``'s result (loaded from ``settings.mnist.data_dir`` if None).
    Yields an update at most every ``min_interval`` seconds, after each evaluation and at the
    end (``finished`` True only when all iterations ran). ``stop()`` is checked before every
    iteration (before every ``PARALLEL_CHUNK`` iterations when ``compute_threads`` > 1); when it
    returns True the run ends with a last update. ``blas_threads`` caps the BLAS thread pool
    while training (1 is fastest for these small matrices); None leaves it.
    ``compute_threads`` splits the optimizers into that many groups (at most one per
    optimizer), each trained in its own forked child process (:mod:`nncore.forked`; where fork
    is not available, one span of each in turn on the calling thread) while the calling thread
    only collects their results, so it can do other work meanwhile, at the cost of slowing the
    groups equally. 1, the default, trains on the calling thread alone and so leaves the other
    cores free, e.g. for a GUI. Results do not depend on it. ``dtype`` is the floating-point
    type of the networks (float64 only to check that float32 gives the same curves).
    Returns the accumulated :class:`MnistHistory`.
    """
    settings.validate()
    if isinstance(compute_threads, bool) or not isinstance(compute_threads, int) or compute_threads < 1:
        raise ValueError(f"compute_threads must be a whole number >= 1, got {compute_threads!r}")
    m = settings.mnist
    (x_train, t_train), (x_test, t_test) = load_mnist(m.data_dir) if data is None else data
    names = tuple(settings.optimizers)
    history = MnistHistory(names, m.iterations)
    limits = threadpool_limits(limits=blas_threads) if blas_threads else None
    sources: list[ForkedProducer | _InProcess] = []
    try:
        batch_size = min(m.batch_size, len(x_train))
        groups = _make_groups(settings, x_train.shape[1], compute_threads, batch_size, dtype)
        order = evaluation_order(x_test)
        data = (x_train, t_train), (x_test[order], t_test[order])
        chunk = PARALLEL_CHUNK if len(groups) > 1 else 1
        losses = np.full((len(names), m.iterations), np.nan)
        last = RawValue("q", m.iterations)
        """The last iteration every group trains (lowered when ``stop()`` says so); shared
        memory, so forked groups read it too."""
        progress = [0] * len(groups)
        """The last iteration each group reported."""

        def spans():
            """A group's spans; each group draws the same minibatches from its own generator."""
            return _spans(m.iterations, m.eval_interval, chunk, np.random.default_rng([m.seed, 1 << 16]),
                          len(x_train), batch_size)

        def stop_requested() -> None:
            """Ask ``stop()``; if it says so, every group ends after the last iteration all have
            finished (their later ones are not reported)."""
            if stop is not None and last.value == m.iterations and stop():
                last.value = min(progress)

        def in_process_limit() -> int:
            stop_requested()
            return last.value

        if len(groups) > 1 and FORK_AVAILABLE:
            sources = [ForkedProducer(partial(_train_spans, group, spans(), data, losses,
                                              lambda: last.value)) for group in groups]
        else:  # one span of each group in turn, on this thread
            sources = [_InProcess(partial(_train_spans, group, spans(), data, losses, in_process_limit))
                       for group in groups]
        started = clock()
        last_yield = started
        reported = 0
        pending_accuracies: list[tuple[int, str, float]] = []
        pending_divergences: dict[str, Divergence] = {}

        def merge(index: int, span: _Span) -> None:
            """Record group ``index``'s span."""
            group = groups[index]
            losses[group.rows, span.first - 1:span.end] = span.losses  # the same values in process
            pending_accuracies.extend((span.end, names[row], accuracy)
                                      for row, accuracy in span.accuracies.items())
            for row, divergence in span.divergences.items():
                if names[row] not in history.diverged:
                    pending_divergences.setdefault(names[row], divergence)
            progress[index] = span.end

        def update(done: int, finished: bool) -> MnistUpdate:
            """The update of iterations ``reported + 1 .. done`` (every group is past ``done``)."""
            nonlocal reported, pending_accuracies
            accuracies: dict[str, list[tuple[int, float]]] = {}
            for iteration, name, accuracy in sorted(pending_accuracies, key=lambda p: p[0]):
                if iteration <= done:
                    accuracies.setdefault(name, []).append((iteration, accuracy))
            pending_accuracies = [p for p in pending_accuracies if p[0] > done]
            diverged = {n: d for n, d in pending_divergences.items() if d.iteration <= done}
            for name in diverged:
                del pending_divergences[name]
            result = MnistUpdate(reported, done, m.iterations,
                                 {n: losses[i, reported:done].copy() for i, n in enumerate(names)},
                                 {n: accuracies[n] for n in names if n in accuracies},
                                 diverged, clock() - started, finished)
            reported = done
            history.apply(result)
            return result

        def due(done: int) -> bool:
            """Whether to yield an update of iterations up to ``done`` now."""
            if done <= reported:
                return False
            evaluated = bool(m.eval_interval and done % m.eval_interval == 0)
            has_divergence = any(d.iteration <= done for d in pending_divergences.values())
            return evaluated or has_divergence or clock() - last_yield >= min_interval

        def collected() -> Iterator[MnistUpdate]:
            """Updates due after merging what has arrived (not the last one of the run)."""
            nonlocal last_yield
            done = min(min(progress), last.value)
            if done < m.iterations and due(done):
                last_yield = clock()
                yield update(done, False)

        forked = isinstance(sources[0], ForkedProducer)
        while not all(source.finished for source in sources):
            ready = ([s for s in sources if s.poll()] or [next(s for s in sources if not s.finished)]
                     if forked else [s for s in sources if not s.finished])
            for source in ready:  # forked: those with a message waiting, else the first unfinished
                received = source.receive()
                if received is not None:
                    merge(sources.index(source), received)
                    if forked:
                        stop_requested()
            yield from collected()
        done = min(min(progress), last.value)
        yield update(done, done == m.iterations)
        return history
    finally:
        for source in sources:
            source.close()
        if limits is not None:
            limits.restore_original_limits()
