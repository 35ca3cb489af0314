"""Maps instead of anecdotes: a hyperparameter map (one optimizer, every cell a setting) and a
basin map (one setting, every cell a start point), each computed as one array run
(:func:`nncore.sweeps.run_many`), and their CSV tables.

Grids are cell-centred: an axis of n cells over [low, high] samples the n cell centres (evenly,
or evenly in log10 for log-scaled axes), so the bounds themselves, which may be invalid (a decay
of exactly 1), are never run. Arrays are indexed [x, y] (axis 0 along x), as pyqtgraph's
ImageItem draws them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .functions import TestFunction
from .optimizers import OPTIMIZERS, Hyperparameter
from .files import csv_text, number_text
from .schedules import ScheduleSpec
from .settings import Settings
from .sweeps import run_many

LR_SPAN = 100.0
"""A log-scaled axis spans the current value divided and multiplied by this (four decades)."""
BASIN_TOLERANCE = 0.01
"""A basin-map run has reached a minimum when it ends within this fraction of the view's larger
side from it."""
DIVERGED, UNCONVERGED = -1, -2
"""Basin outcomes besides the index (>= 0) of the minimum reached."""
DEFAULT_MAP_SIZE = 100
DEFAULT_BASIN_SIZE = 128


@dataclass(frozen=True)
class Axis:
    """One axis of a hyperparameter map: hyperparameter ``name``, its cell centres ``values``
    (n,) spanning [low, high], evenly in log10 when ``log``."""

    name: str
    low: float
    high: float
    values: np.ndarray
    log: bool


def cell_centres(low: float, high: float, size: int, log: bool = False) -> np.ndarray:
    """The ``size`` cell centres of [low, high], evenly spaced (in log10 if ``log``), shape (size,)."""
    fractions = (np.arange(size) + 0.5) / size
    if log:
        return 10.0 ** (np.log10(low) + fractions * (np.log10(high) - np.log10(low)))
    return low + fractions * (high - low)


def default_axis(hp: Hyperparameter, current: float, size: int) -> Axis:
    """The axis for hyperparameter ``hp`` around its ``current`` value: log-scaled ones (learning
    rates) from current / LR_SPAN to current * LR_SPAN (within the valid range), the others over
    their whole valid range."""
    if hp.log_scale:
        low, high = current / LR_SPAN, min(current * LR_SPAN, hp.maximum)
        return Axis(hp.name, low, high, cell_centres(low, high, size, log=True), True)
    return Axis(hp.name, hp.minimum, hp.maximum, cell_centres(hp.minimum, hp.maximum, size), False)


def declared(optimizer: str, name: str) -> Hyperparameter:
    """The declaration of ``optimizer``'s hyperparameter ``name``; ValueError naming the ones it has."""
    for hp in OPTIMIZERS[optimizer].hyperparameters:
        if hp.name == name:
            return hp
    names = ", ".join(hp.name for hp in OPTIMIZERS[optimizer].hyperparameters)
    raise ValueError(f"{optimizer} has no hyperparameter {name!r}; it has {names}")


def default_y(optimizer: str) -> str | None:
    """The map's default second axis: the optimizer's second hyperparameter (momentum, beta1,
    decay rate), or None (a learning-rate curve) for optimizers with only a learning rate."""
    names = [hp.name for hp in OPTIMIZERS[optimizer].hyperparameters]
    return names[1] if len(names) > 1 else None


def entry_values(settings: Settings, optimizer: str) -> tuple[dict[str, float], ScheduleSpec | None]:
    """The 2D hyperparameters and learning-rate schedule a map or basin map of ``optimizer``
    runs with for ``settings``: those of the run's entry labelled ``optimizer``, else of its
    first entry of that optimizer, else the per-optimizer table's values and no schedule."""
    entries = settings.run_entries()
    entry = entries.get(optimizer)
    if entry is None or entry.optimizer != optimizer:
        entry = next((e for e in entries.values() if e.optimizer == optimizer), None)
    if entry is None:
        return settings.hyperparameters("paths", optimizer), None
    return entry.hyperparameters("paths"), entry.schedule


def reference_value(function: TestFunction) -> float | None:
    """f* for the map's colours: the lowest f over the function's known minima (None if it has none)."""
    if not function.minima:
        return None
    minima = np.asarray(function.minima, dtype=float)
    return float(np.min(function.f(minima[:, 0], minima[:, 1])))


@dataclass(frozen=True)
class HyperparameterMap:
    """Final f of ``optimizer`` after ``steps`` updates for every cell of ``x`` (x ``y``).

    ``final_f`` and ``diverged`` have shape (nx, ny), or (nx,) for a learning-rate curve
    (``y`` None). ``f_star`` is the reference value (see :func:`reference_value`; for a function
    without known minima, the lowest final f of a cell that did not diverge).
    """

    function_key: str
    optimizer: str
    steps: int
    x: Axis
    y: Axis | None
    final_f: np.ndarray
    diverged: np.ndarray
    f_star: float
    schedule: ScheduleSpec | None = None
    """The learning-rate schedule every cell followed (None: its lr throughout)."""

    def log_gap(self) -> np.ndarray:
        """log10(final f - f*) per cell (NaN where diverged; -inf where the gap is exactly 0)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.log10(np.maximum(self.final_f - self.f_star, 0.0))
        return np.where(self.diverged, np.nan, gap)

    def rows(self):
        """(x, y, final_f, diverged) per cell, y outer and x inner; y is None for a curve."""
        for j in range(1 if self.y is None else len(self.y.values)):
            for i, x in enumerate(self.x.values):
                index = (i,) if self.y is None else (i, j)
                yield (float(x), None if self.y is None else float(self.y.values[j]),
                       float(self.final_f[index]), bool(self.diverged[index]))


def hyperparameter_map(function: TestFunction, optimizer: str, hyperparameters: Mapping[str, float],
                       start: Sequence[float], steps: int, x: Axis, y: Axis | None,
                       schedule: ScheduleSpec | None = None) -> HyperparameterMap:
    """Run ``optimizer`` from ``start`` for every cell of the ``x`` (by ``y``) grid at once, the
    other hyperparameters at ``hyperparameters``' values; with a ``schedule``, each cell's lr
    follows it from the cell's lr over the ``steps`` updates, as the entry's single path does."""
    values = dict(hyperparameters)
    if y is None:
        values[x.name] = x.values
    else:
        values[x.name], values[y.name] = np.meshgrid(x.values, y.values, indexing="ij")
    runs = run_many(function, optimizer, values, np.asarray(start, dtype=float), steps,
                    schedule=schedule)
    f_star = reference_value(function)
    if f_star is None:
        alive = runs.final_f[~runs.diverged]
        f_star = float(np.min(alive)) if alive.size else 0.0
    return HyperparameterMap(function.key, optimizer, steps, x, y, runs.final_f, runs.diverged, f_star,
                             schedule)


@dataclass(frozen=True)
class BasinMap:
    """Where ``optimizer`` ends from every start of a grid over the function's view.

    ``xs`` (nx,), ``ys`` (ny,): the starts' cell centres. ``outcome`` (nx, ny): the index of the
    minimum (in ``function.minima``) the run ended within ``tolerance`` of, or DIVERGED, or
    UNCONVERGED.
    """

    function_key: str
    optimizer: str
    steps: int
    xs: np.ndarray
    ys: np.ndarray
    outcome: np.ndarray
    minima: tuple[tuple[float, float], ...]
    tolerance: float
    schedule: ScheduleSpec | None = None
    """The learning-rate schedule every run followed (None: its lr throughout)."""

    def shares(self) -> dict[int, float]:
        """Outcome -> fraction of the starts, for every minimum, DIVERGED and UNCONVERGED."""
        kinds = (*range(len(self.minima)), DIVERGED, UNCONVERGED)
        return {kind: float(np.mean(self.outcome == kind)) for kind in kinds}

    def rows(self):
        """(x, y, outcome text) per start, y outer and x inner."""
        for j, y in enumerate(self.ys):
            for i, x in enumerate(self.xs):
                yield float(x), float(y), outcome_text(int(self.outcome[i, j]))


def outcome_text(outcome: int) -> str:
    """The CSV text of a basin outcome: the minimum's index, 'diverged' or 'unconverged'."""
    return {DIVERGED: "diverged", UNCONVERGED: "unconverged"}.get(outcome, str(outcome))


def basin_map(function: TestFunction, optimizer: str, hyperparameters: Mapping[str, float],
              steps: int, size: int, schedule: ScheduleSpec | None = None) -> BasinMap:
    """Run ``optimizer`` from the ``size`` x ``size`` cell centres of the function's view at once
    (its lr following ``schedule`` over the ``steps`` updates, if given) and classify where each
    run ended."""
    x0, x1, y0, y1 = function.bounds
    xs, ys = cell_centres(x0, x1, size), cell_centres(y0, y1, size)
    starts = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1)
    runs = run_many(function, optimizer, hyperparameters, starts, steps, schedule=schedule)
    tolerance = BASIN_TOLERANCE * max(x1 - x0, y1 - y0)
    outcome = np.full((size, size), UNCONVERGED)
    for index, minimum in enumerate(function.minima):
        near = np.linalg.norm(runs.final - np.asarray(minimum), axis=-1) < tolerance
        outcome[near & (outcome == UNCONVERGED)] = index
    outcome[runs.diverged] = DIVERGED
    return BasinMap(function.key, optimizer, steps, xs, ys, outcome, function.minima, tolerance,
                    schedule)


def map_csv(result: HyperparameterMap) -> str:
    """``x,y,final_f,diverged``: one row per cell, the raw hyperparameter values (y empty for a
    learning-rate curve), final f (empty if not finite) and diverged as 0/1."""
    return csv_text(["x", "y", "final_f", "diverged"],
                    ([number_text(x), "" if y is None else number_text(y), number_text(f), int(d)]
                     for x, y, f, d in result.rows()))


def basins_csv(result: BasinMap) -> str:
    """``x,y,outcome``: one row per start; outcome is the 0-based index of the minimum reached
    in the function's list of minima, ``diverged`` or ``unconverged``."""
    return csv_text(["x", "y", "outcome"],
                    ([number_text(x), number_text(y), outcome] for x, y, outcome in result.rows()))
