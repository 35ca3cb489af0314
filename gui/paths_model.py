"""The live 2D paths: the 2D settings the paths are solved for, and their records.

:class:`PathsModel` owns the 2D part of the settings (function, start, steps, the ticked
optimizers and their 2D hyperparameters) and one :class:`nncore.paths.PathResult` per ticked
optimizer. Every change schedules one re-solve on a zero-delay timer, so a burst of edits (a
slider dragged, a number typed, the start marker dragged) becomes one solve per pass of the event
loop (a change that makes a long solve waits a little longer for the next edit, see
LARGE_SOLVE_STEPS); the solve re-runs only the optimizers whose inputs changed. It also owns the
:class:`gui.timeline.Timeline` of the animation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication

from nncore.functions import DEFAULT_FUNCTION, TestFunction, get_function
from nncore.optimizers import create
from nncore.path_analysis import explain_divergence
from nncore.paths import PathResult, trace_path
from nncore.schedules import ScheduleSpec, scheduled
from nncore.sweeps import noisy_function

from .timeline import Timeline


LARGE_SOLVE_STEPS = 20_000
"""Steps to walk (summed over the paths to re-solve) above which a solve takes a noticeable
time (~10-30 µs per step in Python): such a change waits SETTLE_MS for the next edit, so typing
100000 into Steps solves 100000 steps once rather than 10000 first, and the cursor shows the wait."""
SETTLE_MS = 300


@dataclass(frozen=True)
class PathInputs:
    """Everything one optimizer's path depends on (the cache key of its record)."""

    function: str
    start: tuple[float, float]
    steps: int
    hyperparameters: tuple[tuple[str, float], ...]
    noise: tuple[float, int] = (0.0, 0)
    optimizer: str = ""
    """The registry name of the path's optimizer (the path's name when it is one)."""
    schedule: ScheduleSpec | None = None


class PathsModel(QObject):
    """2D settings in, path records out. ``recordsChanged`` carries the names re-solved."""

    recordsChanged = Signal(list)
    """Emitted after a solve with the names whose records changed (or were removed)."""
    functionChanged = Signal(str)
    startChanged = Signal(float, float)
    selectedChanged = Signal(str)
    """The optimizer selected in the list (the one the step inspector explains)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.function_key = DEFAULT_FUNCTION
        self.start: tuple[float, float] = get_function(DEFAULT_FUNCTION).start
        self.steps = get_function(DEFAULT_FUNCTION).steps
        self.optimizers: tuple[str, ...] = ()
        self.hyperparameters: dict[str, dict[str, float]] = {}
        self.selected: str | None = None
        self.noise: tuple[float, int] = (0.0, 0)
        """(sigma, seed) of the gradient noise, as run_paths uses it (sigma 0: exact)."""
        self.kinds: dict[str, tuple[str, ScheduleSpec | None]] = {}
        """Path name (a run entry's label) -> (its optimizer, its schedule); a name not here is
        an optimizer without a schedule."""
        self.records: dict[str, PathResult] = {}
        self._inputs: dict[str, PathInputs] = {}
        self.solves = 0
        """How many paths have been solved (tests check that only changes re-solve)."""
        self.timeline = Timeline(parent=self)
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.solve)

    @property
    def function(self) -> TestFunction:
        return get_function(self.function_key)

    def update(self, function: str | None = None, start: tuple[float, float] | None = None,
               steps: int | None = None, optimizers=None,
               hyperparameters: Mapping[str, Mapping[str, float]] | None = None,
               noise: tuple[float, int] | None = None, entries=None) -> None:
        """Change any of the 2D settings; the paths are re-solved on the next pass of the event
        loop (call :meth:`solve` to do it now). ``entries`` (label -> RunEntry) sets the paths,
        their optimizers, 2D hyperparameters and schedules at once."""
        if entries is not None:
            optimizers = tuple(entries)
            hyperparameters = {label: entry.hyperparameters("paths") for label, entry in entries.items()}
            self.kinds = {label: (entry.optimizer, entry.schedule) for label, entry in entries.items()}
        elif optimizers is not None:
            self.kinds = {}
        if function is not None and function != self.function_key:
            get_function(function)  # ValueError for an unknown key, before anything changes
            self.function_key = function
            self.functionChanged.emit(function)
        if start is not None and tuple(start) != self.start:
            self.start = (float(start[0]), float(start[1]))
            self.startChanged.emit(*self.start)
        if steps is not None:
            self.steps = int(steps)
        if optimizers is not None:
            self.optimizers = tuple(optimizers)
        if noise is not None:
            self.noise = (float(noise[0]), int(noise[1]))
        if hyperparameters is not None:
            self.hyperparameters = {name: dict(values) for name, values in hyperparameters.items()}
        self._pending.setInterval(SETTLE_MS if self._work() > LARGE_SOLVE_STEPS else 0)
        self._pending.start()

    def _work(self) -> int:
        """Steps the next solve walks: the steps of every path whose inputs changed (at most
        steps × paths, which is all it takes to know that a solve is small)."""
        if self.steps * len(self.optimizers) <= LARGE_SOLVE_STEPS:
            return self.steps * len(self.optimizers)
        return sum(self.steps for name in self.optimizers if self._inputs.get(name) != self._inputs_of(name))

    def select(self, name: str | None) -> None:
        """Make ``name`` the optimizer the inspector explains."""
        if name != self.selected:
            self.selected = name
            self.selectedChanged.emit(name or "")

    def _inputs_of(self, name: str) -> PathInputs:
        optimizer, schedule = self.kinds.get(name, (name, None))
        return PathInputs(self.function_key, self.start, self.steps,
                          tuple(sorted(self.hyperparameters.get(name, {}).items())), self.noise,
                          optimizer, schedule)

    def solve(self) -> None:
        """Re-solve the paths whose inputs changed; drop the unticked ones; emit recordsChanged.

        A hyperparameter outside its range (a value being typed) leaves that path as it was.
        """
        self._pending.stop()
        busy = self._work() > LARGE_SOLVE_STEPS
        if busy:  # seconds of solving: say so with the cursor
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self._solve()
        finally:
            if busy:
                QGuiApplication.restoreOverrideCursor()

    def _solve(self) -> None:
        changed = [name for name in self.records if name not in self.optimizers]
        for name in changed:
            del self.records[name]
            self._inputs.pop(name, None)
        function = self.function
        for name in self.optimizers:
            inputs = self._inputs_of(name)
            if self._inputs.get(name) == inputs:
                continue
            try:
                optimizer = scheduled(create(inputs.optimizer, **dict(inputs.hyperparameters)),
                                      inputs.schedule, inputs.steps)
            except ValueError:
                continue
            sigma, seed = inputs.noise
            # The same noise sequence for every optimizer, as in run_paths: a new one per path.
            walked = noisy_function(function, sigma, seed) if sigma > 0 else function
            self.records[name] = trace_path(walked, optimizer, inputs.start, inputs.steps)
            self._inputs[name] = inputs
            self.solves += 1
            changed.append(name)
        # Registry order, whatever order they were solved in.
        self.records = {name: self.records[name] for name in self.optimizers if name in self.records}
        if changed:
            self.timeline.set_total(max((r.steps for r in self.records.values()), default=0))
            self.recordsChanged.emit(changed)

    def explanation(self, name: str) -> str | None:
        """Why ``name``'s path diverged, in words (None if it did not)."""
        record = self.records.get(name)
        if record is None:
            return None
        return explain_divergence(self.function, self.kinds.get(name, (name,))[0],
                                  self.hyperparameters.get(name, {}),
                                  self.start, record)

    @property
    def pending(self) -> bool:
        """True while a change waits for its solve."""
        return self._pending.isActive()
