"""Many 2D runs at once: the cells of a hyperparameter map, the starts of a basin map, the seeds
of a noisy-gradient cloud, each computed as one array computation instead of one path at a time.

The optimizers' update rules are element-wise and accept array-valued hyperparameters, so one
optimizer object moves a whole array of positions: position ``x[i]`` is updated with
hyperparameters ``lr[i]``, ``momentum[i]``, ... The rules that mix coordinates (Muon, Prodigy)
mix only each run's own ``x[i]`` and ``y[i]`` (the optimizer's ``cells`` mode). The arithmetic of each element is exactly that of
:func:`nncore.paths.trace_path` on the same settings (same operations, same order).

Divergence is the one 2D rule of :func:`nncore.paths.divergence_codes`, checked after every
update; a run that diverged keeps its first divergent update in ``diverged_at``.

Noise: :class:`GradientNoise` adds Gaussian noise to each gradient component; run k of a cloud
draws from ``numpy.random.default_rng(seed + k)``, two standard normals per update (x, then y),
so the single noisy path with seed s (:func:`noisy_function`) is exactly run 0 of the cloud
with seed s.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from .functions import TestFunction
from .optimizers import create
from .paths import divergence_codes
from .schedules import ScheduleSpec, scheduled


@dataclass(frozen=True)
class ManyRuns:
    """The outcome of :func:`run_many` for runs of broadcast shape S.

    ``final``: shape S + (2,), the position after the last update (not finite, or far away, for
    runs that diverged). ``final_f``: shape S, f there. ``diverged_at``: shape S, int, the first
    update (1-based) whose position diverged, 0 for runs that never did. ``points``: shape
    (steps + 1,) + S + (2,), every position, when requested (else None).
    """

    final: np.ndarray
    final_f: np.ndarray
    diverged_at: np.ndarray
    points: np.ndarray | None = None

    @property
    def diverged(self) -> np.ndarray:
        """Boolean array of shape S: True for runs that diverged."""
        return self.diverged_at > 0


class GradientNoise:
    """Gaussian gradient noise of standard deviation ``sigma`` for ``count`` independent runs.

    Run k draws from ``numpy.random.default_rng(seed + k)``: two standard normals per update,
    the x then the y component. :meth:`draw` returns the next update's noise, shape (2, count).
    Normals are drawn ``CHUNK`` updates at a time (the same stream as drawing them one by one).
    """

    CHUNK = 256

    def __init__(self, sigma: float, seed: int, count: int = 1) -> None:
        self.sigma = float(sigma)
        self.generators = [np.random.default_rng(seed + k) for k in range(count)]
        self._buffer = np.empty((0, 2, count))
        self._next = 0

    def draw(self) -> np.ndarray:
        """The noise for the next update: ``sigma`` times standard normals, shape (2, count)."""
        if self._next == len(self._buffer):
            chunk = np.stack([g.standard_normal((self.CHUNK, 2)) for g in self.generators], axis=2)
            self._buffer = self.sigma * chunk
            self._next = 0
        self._next += 1
        return self._buffer[self._next - 1]


def noisy_function(function: TestFunction, sigma: float, seed: int) -> TestFunction:
    """``function`` whose gradient gets Gaussian noise of standard deviation ``sigma`` on each
    component, from seed ``seed`` (one draw per gradient call; see :class:`GradientNoise`).

    Every call of the returned function's gradient consumes noise, so make a new one per path.
    It takes a single point (scalars or 0-d arrays); f itself is exact.
    """
    noise = GradientNoise(sigma, seed)

    def gradient(x, y):
        gx, gy = function.gradient(x, y)
        dx, dy = noise.draw()[:, 0]
        return gx + dx, gy + dy

    return replace(function, gradient=gradient)


def run_many(function: TestFunction, optimizer: str, hyperparameters: Mapping[str, object],
             starts, steps: int, noise: GradientNoise | None = None,
             record: bool = False, schedule: ScheduleSpec | None = None) -> ManyRuns:
    """Run optimizer ``optimizer`` on ``function`` for ``steps`` updates, for many runs at once.

    ``hyperparameters``: name -> number or array; ``starts``: array (..., 2). The runs' shape S
    is the broadcast of the hyperparameter arrays' shapes and ``starts.shape[:-1]``; every run
    starts at its start with its own hyperparameters. ``noise`` (count = the number of runs,
    S flattened) adds gradient noise. ``record`` keeps every position (memory: 16 bytes per run
    per step). ``schedule`` sets every run's lr before each update from its own base lr, as
    :func:`nncore.schedules.scheduled` does for a single path of ``steps`` updates (the same
    formula, evaluated on the array of base rates). Returns a :class:`ManyRuns`.

    A run's positions are the points the optimizer reports (``evaluation_point``: Schedule-Free's
    x), as :func:`nncore.paths.iter_path` draws them. The optimizer runs with ``cells`` set, so
    rules that mix coordinates (Muon's norm, Prodigy's sums over all parameters) mix only each
    run's own x and y.
    """
    starts = np.asarray(starts, dtype=float)
    shape = np.broadcast_shapes(starts.shape[:-1], *(np.shape(v) for v in hyperparameters.values()))
    rule = scheduled(create(optimizer, **hyperparameters), schedule, steps)
    rule.cells = True
    params = {"x": np.array(np.broadcast_to(starts[..., 0], shape)),
              "y": np.array(np.broadcast_to(starts[..., 1], shape))}
    grads = {"x": np.empty(shape), "y": np.empty(shape)}
    f_start = function.f(params["x"], params["y"])
    diverged_at = np.zeros(shape, dtype=int)
    points = np.empty((steps + 1, *shape, 2)) if record else None
    if record:
        points[0, ..., 0], points[0, ..., 1] = params["x"], params["y"]
    with np.errstate(all="ignore"):
        for step in range(1, steps + 1):
            gx, gy = function.gradient(params["x"], params["y"])
            if noise is not None:
                dx, dy = noise.draw()
                gx, gy = gx + dx.reshape(shape), gy + dy.reshape(shape)
            grads["x"][...] = gx
            grads["y"][...] = gy
            rule.update(params, grads)
            x, y = rule.evaluation_point("x", params["x"]), rule.evaluation_point("y", params["y"])
            if record:  # checked once at the end, over every recorded position at once
                points[step, ..., 0], points[step, ..., 1] = x, y
                continue
            value = function.f(x, y)
            codes = divergence_codes(x, y, value, function.bounds, f_start)
            diverged_at[(codes != 0) & (diverged_at == 0)] = step
        if record:
            diverged_at = _first_divergence(function, points[1:], f_start)
        x, y = rule.evaluation_point("x", params["x"]), rule.evaluation_point("y", params["y"])
        final_f = function.f(x, y)
    final = np.stack([x, y], axis=-1)
    return ManyRuns(final, final_f, diverged_at, points)


def _first_divergence(function: TestFunction, points: np.ndarray, f_start: np.ndarray) -> np.ndarray:
    """For positions ``points`` (steps,) + S + (2,) after updates 1..steps: the first update
    whose position diverged, per run (shape S; 0 where none did)."""
    x, y = points[..., 0], points[..., 1]
    bad = divergence_codes(x, y, function.f(x, y), function.bounds, f_start) != 0
    return np.where(bad.any(axis=0), np.argmax(bad, axis=0) + 1, 0)


@dataclass(frozen=True)
class Cloud:
    """``count`` noisy runs of one optimizer from one start (the seeds seed .. seed + count - 1).

    ``points``: shape (count, steps + 1, 2). ``mean``: shape (steps + 1, 2), the mean position
    over the runs that have not diverged by that step; ``covariance``: shape (steps + 1, 2, 2),
    their covariance (normalised by n - 1; NaN with fewer than two such runs). ``diverged_at``:
    shape (count,), as in :class:`ManyRuns`.
    """

    points: np.ndarray
    mean: np.ndarray
    covariance: np.ndarray
    diverged_at: np.ndarray


def noisy_cloud(function: TestFunction, optimizer: str, hyperparameters: Mapping[str, float],
                start, steps: int, sigma: float, seed: int, count: int,
                schedule: ScheduleSpec | None = None) -> Cloud:
    """The :class:`Cloud` of ``count`` runs with gradient noise ``sigma`` from seeds
    ``seed``, ``seed + 1``, ...: run 0 is the path ``noisy_function(function, sigma, seed)`` gives
    (with the learning-rate ``schedule`` over ``steps`` updates, if any)."""
    starts = np.broadcast_to(np.asarray(start, dtype=float), (count, 2))
    runs = run_many(function, optimizer, hyperparameters, starts, steps,
                    GradientNoise(sigma, seed, count), record=True, schedule=schedule)
    points = np.moveaxis(runs.points, 1, 0)  # (count, steps + 1, 2)
    alive = (runs.diverged_at == 0)[None, :] | (np.arange(steps + 1)[:, None] < runs.diverged_at[None, :])
    mean, covariance = _masked_moments(runs.points, alive)
    return Cloud(points, mean, covariance, runs.diverged_at)


def _masked_moments(points: np.ndarray, alive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per step, the mean (steps, 2) and covariance (steps, 2, 2) of ``points`` (steps, runs, 2)
    over the runs where ``alive`` (steps, runs) is True (n - 1 normalisation)."""
    weight = alive[..., None].astype(float)
    n = weight.sum(axis=1)  # (steps, 1)
    with np.errstate(all="ignore"):
        values = np.where(alive[..., None], points, 0.0)
        mean = values.sum(axis=1) / n
        centred = np.where(alive[..., None], points - mean[:, None, :], 0.0)
        covariance = np.einsum("sri,srj->sij", centred, centred) / (n[:, :, None] - 1)
    covariance[n[:, 0] < 2] = np.nan
    return mean, covariance
