"""Optimizer trajectories on a 2D test function (the book's figure 6-8 and its variations).

The position is kept as two 0-d float64 arrays ``{"x": ..., "y": ...}`` and handed to the
optimizer exactly as the book's ``optimizer_compare_naive.py`` does, so each optimizer's
``update`` runs unchanged on it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generator, Sequence

import numpy as np

from .functions import TestFunction
from .optimizers import Optimizer


@dataclass(frozen=True)
class PathResult:
    """A trajectory: ``points`` has shape (n + 1, 2), row 0 the start, row i after i updates.

    When the optimizer left the finite numbers, ``diverged_at`` is the update (1-based) that
    produced the first non-finite or overflowing position, ``points`` stops at the last finite
    position before it, and ``reason`` says what happened. Otherwise both are None and
    n equals the requested number of steps.
    """

    points: np.ndarray
    diverged_at: int | None = None
    reason: str | None = None


LIMIT = 1e150
"""Positions beyond this magnitude count as diverged: squaring them in f would overflow."""

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


def iter_path(function: TestFunction, optimizer: Optimizer, start: Sequence[float],
              steps: int) -> Generator[np.ndarray, None, PathResult]:
    """Yield the start and then the position after each update, each as an array of shape (2,).

    Stops early, without yielding it, at the first position that is non-finite or beyond
    ``LIMIT``; the generator's return value (``StopIteration.value``) is the full
    :class:`PathResult`. ``optimizer`` is reset first, so the same object can be reused.
    """
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    optimizer.reset()
    params = {"x": np.array(float(start[0])), "y": np.array(float(start[1]))}
    grads = {"x": np.array(0.0), "y": np.array(0.0)}
    points = np.empty((steps + 1, 2))
    points[0] = (params["x"], params["y"])
    yield points[0].copy()
    with np.errstate(all="ignore"):
        for i in range(1, steps + 1):
            gx, gy = function.gradient(params["x"], params["y"])
            grads["x"][...] = gx
            grads["y"][...] = gy
            optimizer.update(params, grads)
            # the point the optimizer reports (Schedule-Free's x), not always where it takes gradients
            position = (float(optimizer.evaluation_point("x", params["x"])),
                        float(optimizer.evaluation_point("y", params["y"])))
            problem = _divergence(position, (float(gx), float(gy)))
            if problem:
                return PathResult(points[:i].copy(), i, problem)
            points[i] = position
            yield points[i].copy()
    return PathResult(points)


def _divergence(position: tuple[float, float], gradient: tuple[float, float]) -> str | None:
    """Why this position counts as diverged, or None if it is fine."""
    if not all(np.isfinite(gradient)):
        return "the gradient overflowed"
    if not all(np.isfinite(position)):
        return "the position became infinite or NaN"
    if max(abs(position[0]), abs(position[1])) > LIMIT:
        return f"the position exceeded {LIMIT:g}"
    return None


def trace_path(function: TestFunction, optimizer: Optimizer, start: Sequence[float],
               steps: int) -> PathResult:
    """Run ``iter_path`` to the end and return its :class:`PathResult`."""
    walker = iter_path(function, optimizer, start, steps)
    while True:
        try:
            next(walker)
        except StopIteration as done:
            return done.value


def solve_path(function: TestFunction, optimizer: Optimizer, start: Sequence[float],
               steps: int) -> np.ndarray:
    """Positions of shape (steps + 1, 2): row 0 is ``start``, row i the position after i updates.

    If the path diverges the array is shorter (it ends at the last finite position); use
    :func:`trace_path` to learn where and why.
    """
    return trace_path(function, optimizer, start, steps).points
