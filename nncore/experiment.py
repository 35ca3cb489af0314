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
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.connection import wait
from multiprocessing.sharedctypes import RawValue
from typing import Callable, Generator, Iterable, Iterator

import numpy as np
from threadpoolctl import threadpool_limits

from .data import NUM_CLASSES, image_side, load_mnist
from .diagnostics import (EvaluationDiagnostics, LayerHistory, LayerRecorder, LayerRows,
                          evaluation_diagnostics)
from .engine import NetworkStack, evaluation_order
from .forked import FORK_AVAILABLE, ForkedProducer
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
"""Iterations a group trains between two reports when compute_threads > 1 (the stop flag is
asked at each report; the groups never wait for each other before the end)."""


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
    (seeds noise_seed .. noise_seed + K - 1; run 0 is its path, the entry's schedule
    included), by label; else empty."""
    p = settings.paths
    if p.noise <= 0 or p.cloud <= 0:
        return {}
    function = get_function(p.function_key())
    return {label: noisy_cloud(function, entry.optimizer, entry.hyperparameters("paths"), p.start,
                               p.steps, p.noise, p.noise_seed, p.cloud, entry.schedule)
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
    """The networks one thread trains in one go: a :class:`NetworkStack` of entries of one or
    more repeats, one feed per repeat (a repeat's networks share its minibatches).

    ``rows`` are the networks' positions in the run's order (rows of the loss table, see
    :func:`row_names`), in the stack's order; ``repeats`` the repeats (0-based) whose batches
    the stack's feeds train on, in order.
    """

    def __init__(self, rows: list[int], stack: NetworkStack, repeats: list[int],
                 diagnostics: bool = False) -> None:
        self.rows = rows
        self.stack = stack
        self.repeats = repeats
        self.watches = [DivergenceWatch() for _ in rows]
        self.divergences: list[Divergence | None] = [None] * len(rows)
        self.recorder = LayerRecorder(stack.W, stack.dW) if diagnostics else None
        self.evaluations: dict[int, EvaluationDiagnostics] = {}
        """Diagnostics of the last :meth:`evaluate`, by row (with ``diagnostics`` only)."""

    def train(self, first_iteration: int, batches: list[np.ndarray], images: np.ndarray,
              labels: np.ndarray, losses: np.ndarray) -> None:
        """One iteration per batch of indices into ``images`` ((feeds, batch) arrays: one row
        per repeat of :attr:`repeats`), the first numbered ``first_iteration`` (1-based); each
        loss goes to ``losses[row, iteration - 1]``."""
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
    """The run's networks (entries x repeats, freshly initialised) dealt onto ``threads``
    groups (fewer if there are fewer networks), each one NetworkStack with a feed per repeat it
    holds, whose optimizers follow the entries' schedules over the run's iterations.

    With at least ``threads`` entries the entries are dealt, each with all its repeats; with
    fewer, the (repeat, entry) networks are. Dealt back and forth (0 1 1 0 0 1 ...), which
    balances the groups when the optimizers' cost grows along the list, as in the book's SGD,
    Momentum, AdaGrad, Adam: {SGD, Adam} and {Momentum, AdaGrad}.
    """
    m = settings.mnist
    entries = list(settings.run_entries().items())
    networks = [build_networks(settings, input_size, dtype, repeat) for repeat in range(m.repeats)]
    units = ([[(repeat, index) for repeat in range(m.repeats)] for index in range(len(entries))]
             if len(entries) >= threads else
             [[(repeat, index)] for repeat in range(m.repeats) for index in range(len(entries))])
    count = min(threads, len(units))
    dealt = [index % count if (index // count) % 2 == 0 else count - 1 - index % count
             for index in range(len(units))]
    groups = []
    for group in range(count):
        members = sorted(member for unit, owner in zip(units, dealt) if owner == group for member in unit)
        repeats = sorted({repeat for repeat, _ in members})
        optimizers = [scheduled(create(entries[i][1].optimizer, **entries[i][1].hyperparameters("mnist")),
                                entries[i][1].schedule, m.iterations) for _, i in members]
        stack = NetworkStack([networks[r][entries[i][0]].params for r, i in members], optimizers,
                             batch_size=batch_size, activation=m.activation,
                             weight_decay_lambda=m.weight_decay, dtype=dtype, eval_rows=EVAL_CHUNK,
                             feeds=[sum(1 for r, _ in members if r == repeat) for repeat in repeats])
        groups.append(_Group([r * len(entries) + i for r, i in members], stack, repeats, diagnostics))
    return groups


def _spans(iterations: int, eval_interval: int, chunk: int, batch_rngs: list[np.random.Generator],
           train_size: int, batch_size: int) -> Iterator[tuple[int, int, bool, list[np.ndarray]]]:
    """The run cut into spans, in order: ``(first, end, evaluate, batches)`` for iterations
    ``first .. end`` (1-based, inclusive), one (len(batch_rngs), batch_size) array of minibatch
    indices per iteration, and whether test accuracy is measured after iteration ``end``. With
    ``eval_interval`` the first span is the evaluation at iteration 0 (``(1, 0, True, [])``). A
    span ends at every ``chunk`` iterations, evaluation and the end. Row k of the minibatches
    is drawn from ``batch_rngs[k]`` as the spans are reached, one ``integers`` call per
    iteration.
    """
    if eval_interval:
        yield 1, 0, True, []
    done = 0
    while done < iterations:
        end = min(done + chunk, iterations)
        if eval_interval:
            end = min(end, (done // eval_interval + 1) * eval_interval)
        batches = [np.stack([rng.integers(0, train_size, size=batch_size) for rng in batch_rngs])
                   for _ in range(done, end)]
        yield done + 1, end, end == iterations or bool(eval_interval and end % eval_interval == 0), batches
        done = end


@dataclass(frozen=True)
class _Span:
    """What one group did in iterations ``first .. end``: its rows' losses (rows, end - first + 1),
    test accuracy by row after ``end`` (if evaluated), every divergence of its rows so far, the
    not-learning marks found at this span's evaluation, and with diagnostics the layer
    statistics recorded in the span and the evaluation's diagnostics, by row."""

    first: int
    end: int
    losses: np.ndarray
    accuracies: dict[int, float]
    divergences: dict[int, Divergence]
    not_learning: dict[int, NotLearning] = field(default_factory=dict)
    layers: dict[int, LayerRows] = field(default_factory=dict)
    evaluations: dict[int, EvaluationDiagnostics] = field(default_factory=dict)


def _train_spans(group: _Group, spans: Iterable[tuple[int, int, bool, list[np.ndarray]]], data,
                 losses: np.ndarray, limit: Callable[[], int]) -> Iterator[_Span]:
    """Train ``group`` span by span, writing its losses into ``losses`` (names x iterations), and
    yield each :class:`_Span`. Before a span that trains, ``limit()`` gives the last iteration
    to train: a span ending after it is not started, and the group's run ends there."""
    (x_train, t_train), (x_test, t_test) = data
    learning = {row: LearningWatch() for row in group.rows}
    for first, end, evaluate, batches in spans:
        if batches and end > limit():
            return
        group.train(first, batches, x_train, t_train, losses)
        accuracies = group.evaluate(x_test, t_test, end) if evaluate else {}
        marks = {row: learning[row].check(end, accuracy) for row, accuracy in accuracies.items()}
        layers = ({row: group.recorder.take(i) for i, row in enumerate(group.rows)}
                  if group.recorder else {})
        yield _Span(first, end, losses[group.rows, first - 1:end], accuracies,
                    {row: d for row, d in zip(group.rows, group.divergences) if d},
                    {row: mark for row, mark in marks.items() if mark},
                    {row: rows for row, rows in layers.items() if rows is not None},
                    dict(group.evaluations))
        group.evaluations.clear()


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
    ``compute_threads`` splits the networks into that many groups (at most one per network;
    each group is one stack, holding the repeats of its entries), each trained in its own
    forked child process (:mod:`nncore.forked`; where fork is not available, one span of each in turn on the calling thread) while the calling thread
    only collects their results, so it can do other work meanwhile, at the cost of slowing the
    groups equally. 1, the default, trains on the calling thread alone and so leaves the other
    cores free, e.g. for a GUI. Results do not depend on it. ``dtype`` is the floating-point
    type of the networks (float64 only to check that float32 gives the same curves).
    ``diagnostics`` adds the per-layer statistics and evaluation diagnostics of
    :mod:`nncore.diagnostics` to the updates (False only to measure what they cost); like the
    divergence and not-learning rules, each group computes them where it trains and sends them
    with its span.
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
    sources: list[ForkedProducer | _InProcess] = []
    try:
        batch_size = m.batch_size
        check_batch_fits(batch_size, len(x_train), m.data_dir)
        check_memory(settings, x_train.shape[1], len(x_test))
        groups = _make_groups(settings, x_train.shape[1], compute_threads, batch_size, dtype, diagnostics)
        order = evaluation_order(x_test, side=image_side(x_test))
        data = (x_train, t_train), (x_test[order], t_test[order])
        # Parallel groups (processes) only when asked for: at most one group per compute thread.
        parallel = min(compute_threads, len(groups)) > 1
        chunk = PARALLEL_CHUNK if parallel else 1
        losses = np.full((len(names), m.iterations), np.nan)
        last = RawValue("q", m.iterations)
        """The last iteration every group trains (lowered when ``stop()`` says so); shared
        memory, so forked groups read it too."""
        progress = [0] * len(groups)
        """The last iteration each group reported."""

        def spans(repeats: list[int]):
            """A group's spans; each group draws the minibatches of each of its repeats r from
            its own generator seeded with seed + r (the same ones for every group of that
            repeat)."""
            return _spans(m.iterations, m.eval_interval, chunk,
                          [np.random.default_rng([m.seed + repeat, 1 << 16]) for repeat in repeats],
                          len(x_train), batch_size)

        def stop_requested() -> None:
            """Ask ``stop()``; if it says so, every group ends after the last iteration all have
            finished (their later ones are not reported)."""
            if stop is not None and last.value == m.iterations and stop():
                last.value = min(progress)

        def in_process_limit() -> int:
            stop_requested()
            return last.value

        if parallel and FORK_AVAILABLE:
            sources = [ForkedProducer(partial(_train_spans, group, spans(group.repeats), data, losses,
                                              lambda: last.value)) for group in groups]
        else:  # one span of each group in turn, on this thread
            sources = [_InProcess(partial(_train_spans, group, spans(group.repeats), data, losses,
                                          in_process_limit))
                       for group in groups]
        started = clock()
        last_yield = started
        reported = 0
        pending_divergences: dict[str, Divergence] = {}
        pending_not_learning: dict[str, NotLearning] = {}
        pending_accuracies: list[tuple[int, str, tuple[int, float]]] = []
        pending_layers: list[tuple[int, str, LayerRows]] = []
        pending_evaluations: list[tuple[int, str, EvaluationDiagnostics]] = []
        """(the span's last iteration, optimizer, what it brought), held until every group is
        past that iteration."""

        def merge(index: int, span: _Span) -> None:
            """Record group ``index``'s span."""
            group = groups[index]
            losses[group.rows, span.first - 1:span.end] = span.losses  # the same values in process
            pending_accuracies.extend((span.end, names[row], (span.end, accuracy))
                                      for row, accuracy in span.accuracies.items())
            for row, divergence in span.divergences.items():
                if names[row] not in history.diverged:
                    pending_divergences.setdefault(names[row], divergence)
            for row, mark in span.not_learning.items():
                if names[row] not in history.not_learning:
                    pending_not_learning.setdefault(names[row], mark)
            pending_layers.extend((span.end, names[row], rows) for row, rows in span.layers.items())
            pending_evaluations.extend((span.end, names[row], snapshot)
                                       for row, snapshot in span.evaluations.items())
            progress[index] = span.end

        def update(done: int, finished: bool) -> MnistUpdate:
            """The update of iterations ``reported + 1 .. done`` (every group is past ``done``)."""
            nonlocal reported
            accuracies = released_spans(pending_accuracies, done)
            diverged = released(pending_divergences, done)
            result = MnistUpdate(reported, done, m.iterations,
                                 {n: losses[i, reported:done].copy() for i, n in enumerate(names)},
                                 {n: accuracies[n] for n in names if n in accuracies},
                                 diverged, clock() - started, finished,
                                 not_learning=released(pending_not_learning, done),
                                 layers={n: LayerRows.concatenate(parts)
                                         for n, parts in released_spans(pending_layers, done).items()},
                                 evaluations={n: parts[-1] for n, parts
                                              in released_spans(pending_evaluations, done).items()})
            reported = done
            history.apply(result)
            return result

        def released(pending: dict, done: int) -> dict:
            """The marks of ``pending`` (by optimizer, each with its ``iteration``) up to
            ``done``, removed from it."""
            ready = {n: mark for n, mark in pending.items() if mark.iteration <= done}
            for name in ready:
                del pending[name]
            return ready

        def released_spans(pending: list, done: int) -> dict[str, list]:
            """The items of ``pending`` from spans ending by ``done``, by optimizer in iteration
            order, removed from it."""
            ready: dict[str, list] = {}
            for end, name, item in sorted(pending, key=lambda p: p[0]):
                if end <= done:
                    ready.setdefault(name, []).append(item)
            pending[:] = [p for p in pending if p[0] > done]
            return ready

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
            unfinished = [s for s in sources if not s.finished]
            # Forked: wait for whichever has a message. Waiting on one pipe alone left the other
            # group blocked on its full pipe (an evaluation's span is ~0.7 MB) until then.
            ready = wait(unfinished) if forked else unfinished
            for source in ready:  # forked: those with a message waiting, else every unfinished
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
