"""Closed-form convergence theory of gradient descent and the heavy ball on quadratics, and the
convergence rate measured on a path.

On f = 1/2 (lambda1 u^2 + lambda2 v^2) (any rotation), each eigendirection evolves on its own:

- plain gradient descent (the book's SGD on exact gradients) multiplies the error along the
  direction of curvature lambda by (1 - lr lambda) per step, so it converges at the rate
  rho = max_i |1 - lr lambda_i|, is stable for lr < 2 / lambda_max, and is fastest at
  lr = 2 / (lambda1 + lambda2), where rho = (kappa - 1) / (kappa + 1), kappa = lambda_max / lambda_min;
- the book's Momentum (v <- beta v - lr g; x <- x + v) is Polyak's heavy ball: per direction
  (x_{k+1}, x_k) = [[1 + beta - lr lambda, -beta], [1, 0]] (x_k, x_{k-1}); its rate is the largest
  spectral radius of that matrix over both lambdas, it is stable for lr lambda_max < 2 + 2 beta, and
  fastest at lr* = (2 / (sqrt(lambda1) + sqrt(lambda2)))^2, beta* = ((sqrt(lambda2) - sqrt(lambda1)) /
  (sqrt(lambda2) + sqrt(lambda1)))^2, where rho* = sqrt(beta*) = (sqrt(kappa) - 1) / (sqrt(kappa) + 1).

Rates are per update: the distance to the minimum shrinks like rho^k. Every rate function is
element-wise over array arguments (for the stability boundary on hyperparameter maps).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .entries import RunEntry
from .functions import TestFunction

MEASURE_WINDOW = 20
"""Points of a path (its last ones) through which the measured rate's line is fitted."""

THEORY_OPTIMIZERS = ("SGD", "Momentum")
"""Optimizers with a closed-form rate: plain gradient descent and the heavy ball."""


def curvatures(function: TestFunction) -> tuple[float, float] | None:
    """(lambda1, lambda2) of a quadratic test function (the book's or the rotatable one), else None."""
    if function.quadratic_form is None:
        return None
    return function.quadratic_form[0], function.quadratic_form[1]


def gd_rate(lr, lambdas: Sequence[float]):
    """Plain gradient descent's rate max_i |1 - lr lambda_i| (element-wise over ``lr``)."""
    lr = np.asarray(lr, dtype=float)
    return np.max([np.abs(1.0 - lr * lam) for lam in lambdas], axis=0)


def gd_lr_max(lambdas: Sequence[float]) -> float:
    """The largest stable learning rate of gradient descent, 2 / lambda_max (diverges above)."""
    return 2.0 / max(lambdas)


def gd_lr_opt(lambdas: Sequence[float]) -> float:
    """Gradient descent's fastest learning rate, 2 / (lambda1 + lambda2)."""
    return 2.0 / sum(lambdas)


def heavy_ball_rate(lr, beta, lambdas: Sequence[float]):
    """The heavy ball's rate: the largest spectral radius of [[1 + beta - lr lambda, -beta], [1, 0]]
    over the lambdas (element-wise over ``lr`` and ``beta``).

    The matrix's eigenvalues are the roots of z^2 - (1 + beta - lr lambda) z + beta = 0.
    """
    lr, beta = np.asarray(lr, dtype=float), np.asarray(beta, dtype=float)
    radii = []
    for lam in lambdas:
        trace = 1.0 + beta - lr * lam
        root = np.sqrt((trace * trace - 4.0 * beta).astype(complex))
        radii.append(np.maximum(np.abs(trace + root), np.abs(trace - root)) / 2.0)
    return np.max(radii, axis=0)


def heavy_ball_lr_max(beta, lambdas: Sequence[float]):
    """The heavy ball's stability boundary: it diverges where lr > (2 + 2 beta) / lambda_max."""
    return (2.0 + 2.0 * np.asarray(beta, dtype=float)) / max(lambdas)


def heavy_ball_optimum(lambdas: Sequence[float]) -> tuple[float, float]:
    """(lr*, beta*) = ((2 / (sqrt l1 + sqrt l2))^2, ((sqrt l2 - sqrt l1) / (sqrt l2 + sqrt l1))^2)
    with l1 <= l2: the heavy ball's fastest setting."""
    low, high = np.sqrt(min(lambdas)), np.sqrt(max(lambdas))
    return float((2.0 / (low + high)) ** 2), float(((high - low) / (high + low)) ** 2)


@dataclass(frozen=True)
class QuadraticTheory:
    """The closed-form figures of one quadratic (see the module docstring)."""

    lambdas: tuple[float, float]
    kappa: float
    gd_lr_max: float
    gd_lr_opt: float
    gd_rho_opt: float
    heavy_ball_lr_opt: float
    heavy_ball_beta_opt: float
    heavy_ball_rho_opt: float

    @classmethod
    def of(cls, lambdas: Sequence[float]) -> "QuadraticTheory":
        lambdas = (float(lambdas[0]), float(lambdas[1]))
        lr_opt = gd_lr_opt(lambdas)
        hb_lr, hb_beta = heavy_ball_optimum(lambdas)
        return cls(lambdas, max(lambdas) / min(lambdas), gd_lr_max(lambdas), lr_opt,
                   float(gd_rate(lr_opt, lambdas)), hb_lr, hb_beta,
                   float(heavy_ball_rate(hb_lr, hb_beta, lambdas)))


def predicted_rate(optimizer: str, hyperparameters: Mapping[str, float],
                   lambdas: Sequence[float]) -> float | None:
    """The closed-form rate of ``optimizer`` (SGD or Momentum) with these hyperparameters on the
    quadratic with curvatures ``lambdas``; None for optimizers without one."""
    if optimizer == "SGD":
        return float(gd_rate(hyperparameters["lr"], lambdas))
    if optimizer == "Momentum":
        return float(heavy_ball_rate(hyperparameters["lr"], hyperparameters["momentum"], lambdas))
    return None


def optimal_hyperparameters(optimizer: str, lambdas: Sequence[float]) -> dict[str, float] | None:
    """The fastest hyperparameters of ``optimizer`` (SGD: lr; Momentum: lr and momentum) on the
    quadratic with curvatures ``lambdas``; None for optimizers without a closed form."""
    if optimizer == "SGD":
        return {"lr": gd_lr_opt(lambdas)}
    if optimizer == "Momentum":
        lr, beta = heavy_ball_optimum(lambdas)
        return {"lr": lr, "momentum": beta}
    return None


def nearest_minimum(function: TestFunction, point) -> np.ndarray | None:
    """The known minimum of ``function`` nearest to ``point``, shape (2,); None if it has none."""
    if not function.minima:
        return None
    minima = np.asarray(function.minima, dtype=float)
    return minima[np.argmin(np.linalg.norm(minima - np.asarray(point, dtype=float), axis=1))]


def measured_rate(points: np.ndarray, minimum, window: int = MEASURE_WINDOW) -> float | None:
    """The rate measured on a path: exp of the slope of the least-squares line through
    log ||x_k - x*|| over the path's last ``window`` points (k = step index).

    ``points`` has shape (n, 2), ``minimum`` is x*. None when fewer than 3 of those points are
    finite and away from x* (a path that ended exactly on the minimum has no rate to measure).
    In oscillating regimes (complex eigenvalues: the heavy ball with beta > beta*) the distance
    is a decaying oscillation and the fit settles on the rate only over many periods.
    """
    points = np.asarray(points, dtype=float)
    steps = np.arange(len(points))[-window:]
    distances = np.linalg.norm(points[-window:] - np.asarray(minimum, dtype=float), axis=1)
    usable = np.isfinite(distances) & (distances > 0)
    if usable.sum() < 3:
        return None
    slope = np.polyfit(steps[usable], np.log(distances[usable]), 1)[0]
    return float(np.exp(slope))


def path_rules(entries: Mapping[str, RunEntry]) -> dict[str, str | None]:
    """Label -> the optimizer whose closed-form rate (:func:`predicted_rate`) describes the
    entry's 2D path: its optimizer, or None when a schedule changes its learning rate over the
    path (a constant schedule without warmup does not)."""
    return {label: entry.optimizer if entry.schedule is None or
            (entry.schedule.name == "constant" and not entry.schedule.warmup) else None
            for label, entry in entries.items()}


def theory_record(function: TestFunction, hyperparameters: Mapping[str, Mapping[str, float]],
                  paths: Mapping[str, np.ndarray],
                  rules: Mapping[str, str | None] | None = None) -> dict | None:
    """The ``"theory"`` section of run.json for a quadratic ``function`` (None otherwise):
    lambdas, kappa, gradient descent's and the heavy ball's closed forms, and for each path
    (``hyperparameters`` and ``paths`` by name; paths as points (n, 2)) the predicted and
    measured rates (None where there is none). ``rules`` (see :func:`path_rules`) names each
    path's optimizer; a name missing from it is its own optimizer."""
    lambdas = curvatures(function)
    if lambdas is None:
        return None
    theory = QuadraticTheory.of(lambdas)
    minimum = np.asarray(function.minima[0], dtype=float)
    return {
        "lambdas": list(theory.lambdas),
        "theta_degrees": function.quadratic_form[2],
        "kappa": theory.kappa,
        "gd": {"lr_max": theory.gd_lr_max, "lr_opt": theory.gd_lr_opt,
               "rho_opt": theory.gd_rho_opt},
        "heavy_ball": {"lr_opt": theory.heavy_ball_lr_opt, "beta_opt": theory.heavy_ball_beta_opt,
                       "rho_opt": theory.heavy_ball_rho_opt},
        "measure_window": MEASURE_WINDOW,
        "optimizers": {
            name: {"rho_predicted": predicted_rate((rules or {}).get(name, name), hyperparameters[name],
                                                   lambdas),
                   "rho_measured": measured_rate(points, minimum)}
            for name, points in paths.items()
        },
    }



def theory_csv(record: Mapping) -> str:
    """A ``"theory"`` record (:func:`theory_record`) as CSV: header ``quantity,value``, one row
    per number, nested keys joined with dots (``gd.lr_max``, ``optimizers.SGD.rho_measured``);
    an empty value where there is none."""
    rows = ["quantity,value"]

    def walk(prefix: str, value) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(f"{prefix}{key}.", inner)
        elif isinstance(value, (list, tuple)):
            for index, inner in enumerate(value, start=1):
                walk(f"{prefix}{index}.", inner)
        else:
            rows.append(f"{prefix.rstrip('.')},{'' if value is None else repr(value)}")

    walk("", record)
    return "\n".join(rows) + "\n"
