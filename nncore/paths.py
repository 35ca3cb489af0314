"""Optimizer trajectories on a 2D test function (the book's figure 6-8 and its variations).

Each optimizer's ``update`` runs unchanged on the position (see :func:`trace_path`); the result
records, per step, f, the gradient, the update and the optimizer's state, for the step
inspector, the value plot and ``run.json``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generator, Mapping, Sequence

import numpy as np

from .functions import TestFunction
from .optimizers import Optimizer


@dataclass(frozen=True, eq=False)
class PathResult:
    """A trajectory and what happened at each step (a path record).

    ``points`` has shape (n + 1, 2): row 0 the start, row i the position after i updates.
    When the path diverged (see :func:`divergence_codes`), ``diverged_at`` is the update
    (1-based) that produced the first diverged position, ``points`` stops at the last position
    before it, and ``reason`` says in words which part of the rule it broke. Otherwise both are
    None and n equals the requested number of steps.

    The per-step records end where ``points`` ends (all None/empty when built by hand):
    ``f`` (n + 1,): f at each point; ``gradients`` (n, 2): the gradient update i used, taken at
    ``points[i - 1]``; ``updates`` (n, 2): ``points[i] - points[i - 1]``; ``state``: the
    optimizer's state after each update by the book's attribute names (see
    ``Optimizer.state_for``), an (n, 2) array per per-coordinate slot such as ``v`` or ``h``
    (x in column 0, y in column 1) and an (n,) array per counter such as Adam's ``iter``.
    """

    points: np.ndarray
    diverged_at: int | None = None
    reason: str | None = None
    f: np.ndarray | None = None
    gradients: np.ndarray | None = None
    updates: np.ndarray | None = None
    state: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        """The number of updates recorded (len(points) - 1)."""
        return len(self.points) - 1


LIMIT = 1e150
"""Positions beyond this magnitude count as diverged: squaring them in f would overflow."""
CHECK_EVERY = 16
"""The walk checks the position against LIMIT every this many steps (the divergence rule then
finds the exact step); a non-finite position stays non-finite, so nothing is lost."""

BOX_FACTOR = 1000.0
"""A path diverges when it leaves the box of this many times the view's width and height,
centred on the view's centre."""
VALUE_FACTOR = 1e6
"""A path diverges when f exceeds this many times max(1, f(start))."""

OUTCOME_FINITE, OUTCOME_NOT_FINITE, OUTCOME_LEFT_BOX, OUTCOME_VALUE = 0, 1, 2, 3
"""Codes returned by :func:`divergence_codes`: 0 is fine, the others say why a point diverged."""


def divergence_codes(x, y, f, bounds: tuple[float, float, float, float], f_start) -> np.ndarray:
    """The 2D divergence rule, element-wise over arrays of any (broadcastable) shape.

    A point (x, y) with value f = f(x, y), on a path that started at value ``f_start``, has
    diverged when, checked in this order:
    1. x, y or f is not finite (code ``OUTCOME_NOT_FINITE``);
    2. it lies outside the box of ``BOX_FACTOR`` times the view ``bounds`` (x_min, x_max, y_min,
       y_max) around the view's centre (code ``OUTCOME_LEFT_BOX``);
    3. f > ``VALUE_FACTOR`` * max(1, f_start) (code ``OUTCOME_VALUE``).
    Returns an int8 array of codes, 0 where the point is fine.
    """
    x, y, f, f_start = (np.asarray(v, dtype=float) for v in (x, y, f, f_start))
    x_min, x_max, y_min, y_max = bounds
    cx, cy = (x_min + x_max) / 2, (y_min + y_max) / 2
    half_w, half_h = BOX_FACTOR * (x_max - x_min) / 2, BOX_FACTOR * (y_max - y_min) / 2
    with np.errstate(invalid="ignore"):
        not_finite = ~(np.isfinite(x) & np.isfinite(y) & np.isfinite(f))
        outside = (np.abs(x - cx) > half_w) | (np.abs(y - cy) > half_h)
        too_high = f > VALUE_FACTOR * np.maximum(1.0, f_start)
    return np.select([not_finite, outside, too_high],
                     [OUTCOME_NOT_FINITE, OUTCOME_LEFT_BOX, OUTCOME_VALUE], 0).astype(np.int8)


REASONS = {
    OUTCOME_NOT_FINITE: "the position or f became infinite or NaN",
    OUTCOME_LEFT_BOX: f"it left the box {BOX_FACTOR:g} times the view's size",
    OUTCOME_VALUE: f"f exceeded {VALUE_FACTOR:g} \u00d7 max(1, f(start))",
}
"""What each divergence code means, in words (the ``reason`` of a diverged PathResult)."""


def trace_path(function: TestFunction, optimizer: Optimizer, start: Sequence[float],
               steps: int) -> PathResult:
    """Walk ``steps`` updates of ``optimizer`` from ``start`` and return the full record.

    The book's ``optimizer_compare_naive.py`` hands x and y to ``update`` as two 0-d float64
    arrays. For rules that are ``elementwise`` (all but Muon) the position is instead one (2,)
    array, as the engine keeps a network's parameters in one flat vector: the same arithmetic
    with half the NumPy calls (a test checks the points against the book's, bit for bit). Each
    recorded point is the optimizer's ``evaluation_point`` (the position itself except for
    Schedule-Free, which reports x and takes gradients at y). The walk stops early once a
    position is non-finite or beyond ``LIMIT`` (checked every ``CHECK_EVERY`` steps); then f
    is evaluated on all points at once and the path is cut before its first point that
    :func:`divergence_codes` flags. ``optimizer`` is reset first, so it can be reused.
    """
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    optimizer.reset()
    walker = (_StackedPosition if type(optimizer).elementwise else _BookPosition)(optimizer, start)
    points = np.empty((steps + 1, 2))
    gradients = np.empty((steps, 2))
    states = _StateRecord(walker, steps)
    points[0] = start
    walked = steps
    gradient_at, update = function.gradient, optimizer.update
    with np.errstate(all="ignore"):
        for i in range(1, steps + 1):
            gradients[i - 1] = walker.set_gradient(gradient_at(*walker.xy()))
            update(walker.params, walker.grads)
            points[i] = walker.point()
            states.record(i - 1)
            if i % CHECK_EVERY == 0 and not np.all(np.abs(points[i]) <= LIMIT):  # False for NaN
                walked = i
                break
        points = points[:walked + 1]
        f = np.asarray(function.f(points[:, 0], points[:, 1]), dtype=float)
    codes = divergence_codes(points[:, 0], points[:, 1], f, function.bounds, f[0])
    bad = np.flatnonzero(codes)
    kept, diverged_at, reason = walked, None, None
    if len(bad):
        kept = max(int(bad[0]) - 1, 0)
        diverged_at, reason = kept + 1, REASONS[int(codes[bad[0]])]
    points = points[:kept + 1].copy()
    return PathResult(points, diverged_at, reason, f=f[:kept + 1].copy(),
                      gradients=gradients[:kept].copy(), updates=np.diff(points, axis=0),
                      state=states.arrays(kept))


KEY = "xy"
"""The name of the (2,) position parameter handed to an elementwise optimizer."""


class _StackedPosition:
    """(x, y) as one (2,) float64 parameter ``"xy"``."""

    def __init__(self, optimizer: Optimizer, start: Sequence[float]) -> None:
        self.optimizer = optimizer
        self.position = np.array([float(start[0]), float(start[1])])
        self.gradient = np.zeros(2)
        self.params, self.grads = {KEY: self.position}, {KEY: self.gradient}

    def xy(self):
        return self.position[0], self.position[1]

    def set_gradient(self, gradient) -> np.ndarray:
        self.gradient[...] = gradient
        return self.gradient

    def point(self) -> np.ndarray:
        return self.optimizer.evaluation_point(KEY, self.position)

    def state_views(self) -> dict[str, tuple[np.ndarray, ...]]:
        """Each per-coordinate slot as the live (2,) array of (x, y)."""
        return {name: (view,) for name, view in self.optimizer.state_views(KEY).items()}


class _BookPosition:
    """(x, y) as the book keeps them: two 0-d float64 parameters ``"x"`` and ``"y"``."""

    def __init__(self, optimizer: Optimizer, start: Sequence[float]) -> None:
        self.optimizer = optimizer
        self.params = {"x": np.array(float(start[0])), "y": np.array(float(start[1]))}
        self.grads = {"x": np.array(0.0), "y": np.array(0.0)}

    def xy(self):
        return self.params["x"], self.params["y"]

    def set_gradient(self, gradient) -> tuple[float, float]:
        self.grads["x"][...] = gradient[0]
        self.grads["y"][...] = gradient[1]
        return float(self.grads["x"]), float(self.grads["y"])

    def point(self) -> tuple[float, float]:
        evaluation_point = self.optimizer.evaluation_point
        return (float(evaluation_point("x", self.params["x"])),
                float(evaluation_point("y", self.params["y"])))

    def state_views(self) -> dict[str, tuple[np.ndarray, ...]]:
        """Each per-coordinate slot as the live 0-d arrays of x and of y."""
        x_views, y_views = self.optimizer.state_views("x"), self.optimizer.state_views("y")
        return {name: (view, y_views[name]) for name, view in x_views.items()}


class _StateRecord:
    """The optimizer's state after each step (``Optimizer.state_for``'s names and order), written
    into arrays allocated once: an (n, 2) array per per-coordinate slot (x in column 0, y in
    column 1) and an (n,) array per counter. The slots are those present after the first step,
    read through the live arrays of ``Optimizer.state_views`` fetched then (each stays the same
    array until the optimizer's reset)."""

    def __init__(self, walker: _StackedPosition | _BookPosition, steps: int) -> None:
        self.walker, self.steps = walker, steps
        self.counters = type(walker.optimizer).counters
        self.views: list[tuple[np.ndarray, tuple[np.ndarray, ...]]] = []
        self.rows: dict[str, np.ndarray] = {}

    def record(self, step: int) -> None:
        """Copy the state after update ``step + 1`` into row ``step``."""
        if step == 0:
            views = self.walker.state_views()
            slots = {name: np.empty((self.steps, 2)) for name in views}
            self.views = [(slots[name], pair) for name, pair in views.items()]
            self.rows = {**slots, **{name: np.empty(self.steps) for name in self.counters}}
        for rows, pair in self.views:
            row = rows[step]
            if len(pair) == 1:
                row[...] = pair[0]
            else:
                row[0], row[1] = pair
        optimizer = self.walker.optimizer
        for name in self.counters:
            self.rows[name][step] = getattr(optimizer, name)

    def arrays(self, n: int) -> dict[str, np.ndarray]:
        """The first ``n`` steps' state, name -> (n, 2) or (n,) array ({} when n is 0)."""
        if n == 0:
            return {}
        return {name: rows[:n].copy() for name, rows in self.rows.items()}


def iter_path(function: TestFunction, optimizer: Optimizer, start: Sequence[float],
              steps: int) -> Generator[np.ndarray, None, PathResult]:
    """Yield the start and then the position after each update, each as an array of shape (2,).

    Stops before the first diverged position; the generator's return value
    (``StopIteration.value``) is the full :class:`PathResult` of :func:`trace_path`.
    """
    result = trace_path(function, optimizer, start, steps)
    for point in result.points:
        yield point.copy()
    return result


def solve_path(function: TestFunction, optimizer: Optimizer, start: Sequence[float],
               steps: int) -> np.ndarray:
    """Positions of shape (steps + 1, 2): row 0 is ``start``, row i the position after i updates.

    If the path diverges the array is shorter (it ends at the last position before the
    divergence); use :func:`trace_path` to learn where and why.
    """
    return trace_path(function, optimizer, start, steps).points
