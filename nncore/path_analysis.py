"""What a 2D path did, in numbers and words: its end summary and why it diverged.

Used by the value plot's legend, the exported data (``run.json``) and the window's status bar;
Qt-free. The divergence sentence comes from the function's Hessian at the start point: on a
quadratic ½(λ₁x² + λ₂y²) gradient descent multiplies the coordinate along an eigenvector by
1 − lr·λ each step, so it diverges when lr·λ > 2; the heavy ball (the book's Momentum) when
lr·λ > 2 + 2β, Nesterov's method when lr·λ > (2 + 2β)/(1 + 2β).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .functions import TestFunction
from .paths import PathResult

TOLERANCE = 1e-6
"""A path has reached the minimum when f − f* is below this."""


@dataclass(frozen=True)
class PathSummary:
    """The end of one path: ``final_f`` (f at its last point), ``first_within`` (the first step
    with f − f* < TOLERANCE, None if none or the function has no minimum), ``steps`` (updates
    taken), ``diverged_at`` and ``reason`` as in PathResult."""

    final_f: float
    first_within: int | None
    steps: int
    diverged_at: int | None
    reason: str | None

    def text(self) -> str:
        """One line, e.g. 'final f 3.1e-05; not within 1e-06 of the minimum in 29 steps'."""
        if self.diverged_at is not None:
            return f"diverged at step {self.diverged_at}: {self.reason}"
        reach = (f"f \u2212 f* < {TOLERANCE:g} from step {self.first_within}"
                 if self.first_within is not None
                 else f"not within {TOLERANCE:g} of the minimum in {self.steps} steps")
        return f"final f {self.final_f:.4g}; {reach}"

    def to_dict(self) -> dict:
        return {"final_f": self.final_f, "first_within_1e-6": self.first_within,
                "steps": self.steps, "diverged_at": self.diverged_at, "reason": self.reason}


def summarize(function: TestFunction, result: PathResult) -> PathSummary:
    """The :class:`PathSummary` of ``result`` (a path on ``function`` with its f record)."""
    f = result.f if result.f is not None else function.f(result.points[:, 0], result.points[:, 1])
    first = None
    if function.f_star is not None:
        within = np.flatnonzero(np.asarray(f) - function.f_star < TOLERANCE)
        first = int(within[0]) if len(within) else None
    return PathSummary(float(f[-1]), first, result.steps, result.diverged_at, result.reason)


def distance_to_nearest_minimum(function: TestFunction, x: float, y: float) -> float | None:
    """Euclidean distance from (x, y) to the closest listed minimum (None without minima)."""
    if not function.minima:
        return None
    minima = np.asarray(function.minima, dtype=float)
    return float(np.min(np.hypot(minima[:, 0] - x, minima[:, 1] - y)))


def _number(value: float) -> str:
    """``value`` with 4 significant digits and a real minus sign (−199, 0.1, 3.8)."""
    return f"{value:.4g}".replace("-", "\u2212")


def _direction(vector: np.ndarray) -> str:
    """'x' or 'y' for an eigenvector along an axis, else 'the direction (a, b)'."""
    a, b = vector / np.max(np.abs(vector))
    if abs(b) < 1e-9:
        return "x"
    if abs(a) < 1e-9:
        return "y"
    return f"the direction ({_number(a)}, {_number(b)})"


def stability_limit(optimizer_name: str, hyperparameters: Mapping[str, float]) -> tuple[float, str] | None:
    """The largest lr × curvature at which ``optimizer_name`` is stable on a quadratic, and how
    to write it ('2', '2 + 2·momentum = 3.8', ...); None for rules without such a limit."""
    if optimizer_name == "SGD":
        return 2.0, "2"
    momentum = hyperparameters.get("momentum")
    if momentum is None:
        return None
    if optimizer_name == "Nesterov":
        limit = (2 + 2 * momentum) / (1 + 2 * momentum)
        return limit, f"(2 + 2\u00b7momentum)/(1 + 2\u00b7momentum) = {_number(limit)}"
    limit = 2 + 2 * momentum
    return limit, f"2 + 2\u00b7momentum = {_number(limit)}"


def explain_divergence(function: TestFunction, optimizer_name: str,
                       hyperparameters: Mapping[str, float], start, result: PathResult) -> str | None:
    """Why ``result`` diverged, in one sentence; None if it did not.

    From the Hessian at ``start``: its most curved direction (eigenvalue λ) when lr·λ is past
    the rule's stability limit (gradient descent: 'each step multiplies y by 1 − lr·2 = −199:
    lr × curvature (200) is above 2'), or a direction of negative curvature; otherwise the step
    and the rule's reason from the path record.
    """
    if result.diverged_at is None:
        return None
    fallback = f"at step {result.diverged_at} {result.reason}"
    lr = hyperparameters.get("lr")
    if function.hessian is None or lr is None:
        return fallback
    hessian = np.array(function.hessian(float(start[0]), float(start[1])), dtype=float)
    if not np.all(np.isfinite(hessian)):
        return fallback
    eigenvalues, vectors = np.linalg.eigh(hessian)
    curvature, direction = eigenvalues[-1], _direction(vectors[:, -1])
    limit = stability_limit(optimizer_name, hyperparameters)
    if limit is not None and curvature > 0 and lr * curvature > limit[0]:
        product = lr * curvature
        if optimizer_name == "SGD":
            return (f"each step multiplies {direction} by 1 \u2212 lr\u00b7{_number(curvature)} = "
                    f"{_number(1 - product)}: lr \u00d7 curvature ({_number(product)}) is above 2")
        return (f"lr \u00d7 curvature along {direction} ({_number(product)}) is above "
                f"{limit[1]}: the velocity grows at every step")
    if eigenvalues[0] < 0:
        return (f"f curves downward along {_direction(vectors[:, 0])} at the start (curvature "
                f"{_number(eigenvalues[0])}): the path slides downhill without end; {fallback}")
    return fallback
