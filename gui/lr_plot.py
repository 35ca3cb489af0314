"""The learning-rate plot under the loss plot: each entry's lr(t) over the run, with the current
iteration marked by a vertical line."""
from __future__ import annotations

import functools

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from nncore.schedules import ScheduleSpec, learning_rates
from nncore.settings import Settings

from . import style


def schedule_curves(settings: Settings) -> dict[str, np.ndarray]:
    """Label -> the MNIST learning rate of each iteration (1 .. iterations) of every entry
    (read-only arrays, shared between calls with the same schedule, length and lr)."""
    total = settings.mnist.iterations
    curves = {}
    for label, entry in settings.run_entries().items():
        spec = entry.schedule
        key = None if spec is None else (spec.name, tuple(sorted(spec.parameters.items())), spec.warmup)
        curves[label] = _rates(key, total, entry.hyperparameters("mnist")["lr"])
    return curves


@functools.lru_cache(maxsize=256)
def _rates(schedule: tuple | None, total: int, base: float) -> np.ndarray:
    """:func:`learning_rates` of the schedule (name, sorted parameter items, warmup) or None,
    computed once: every edit of any setting asks for every entry's curve (2000 values each)."""
    spec = None if schedule is None else ScheduleSpec(schedule[0], dict(schedule[1]), schedule[2])
    rates = np.array(learning_rates(spec, total, base))
    rates.flags.writeable = False
    return rates


def log_ticks(low: float, high: float) -> list[float]:
    """Tick values for a log axis showing ``low`` .. ``high`` (> 0): the 1-2-5 series
    (0.001, 0.002, 0.005, 0.01, ...) from the largest value <= low to the smallest >= high, or
    only the powers of ten when that would be more than MAX_TICKS values. pyqtgraph's own log
    ticks label every 1..9 multiple inside a decade: ten labels on a 100 px axis overlapped."""
    if not (0 < low <= high and np.isfinite(high)):
        return []
    first, last = int(np.floor(np.log10(low))), int(np.ceil(np.log10(high)))
    series = [m * 10.0 ** e for e in range(first, last + 1) for m in (1, 2, 5)]
    below = [v for v in series if v <= low * (1 + 1e-9)]
    above = [v for v in series if v >= high * (1 - 1e-9)]
    ticks = [v for v in series if below[-1] <= v <= above[0]]
    if len(ticks) > MAX_TICKS:
        ticks = [10.0 ** e for e in range(first, last + 1)]
    return ticks


MAX_TICKS = 6
"""At most this many labelled values on the lr axis (it is about 100 px tall)."""


class LearningRatePlot(QWidget):
    """A short plot of lr(t) per entry (log y axis) and a line at the current iteration."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lrPlot")
        self.setToolTip("Each entry's MNIST learning rate over the run (its schedule); the "
                        "dashed line marks the current iteration")
        self.plot_widget = style.make_plot_widget("", "iteration", "lr")
        self.plot_widget.setObjectName("lrPlotView")
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot_item.setLogMode(x=False, y=True)
        self.plot_item.getAxis("left").enableAutoSIPrefix(False)  # no "(x0.001)" on a log axis
        self.marker = pg.InfiniteLine(angle=90, movable=False,
                                      pen=pg.mkPen(style.FOREGROUND, width=1, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.marker.setVisible(False)
        self.plot_item.addItem(self.marker)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._drawn: dict[str, tuple[str, np.ndarray]] = {}
        """Label -> (colour, rates) its curve shows."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)
        self.setMinimumHeight(130)

    def set_schedules(self, curves: dict[str, np.ndarray], colors: dict[str, str]) -> None:
        """Draw ``curves`` (label -> lr per iteration, from iteration 1) in ``colors``."""
        for label, item in list(self.curves.items()):
            if label not in curves:
                self.plot_item.removeItem(item)
                del self.curves[label]
                self._drawn.pop(label, None)
        for label, rates in curves.items():
            item = self.curves.get(label)
            if item is None:
                item = self.curves[label] = pg.PlotDataItem()
                self.plot_item.addItem(item)
            color = colors.get(label) or style.name_color(label)
            drawn = self._drawn.get(label)
            if drawn is not None and drawn[0] == color and drawn[1] is rates:
                continue  # every edit of a setting passes the curves: redraw only new ones
            item.setPen(style.hex_pen(color, width=1.5))
            item.setData(np.arange(1, len(rates) + 1), rates)
            self._drawn[label] = (color, rates)
        total = max((len(r) for r in curves.values()), default=0)
        if total:
            self.plot_item.setXRange(0, total, padding=0.01)
        positive = [r[r > 0] for r in curves.values()]
        positive = np.concatenate(positive) if positive else np.empty(0)
        ticks = log_ticks(float(positive.min()), float(positive.max())) if len(positive) else []
        # The axis is in log10 units (log mode); labels in lr's own units.
        self.plot_item.getAxis("left").setTicks([[(float(np.log10(v)), f"{v:g}") for v in ticks]]
                                                if ticks else None)

    def set_iteration(self, iteration: int | None) -> None:
        """Mark ``iteration`` (None hides the mark)."""
        self.marker.setVisible(iteration is not None)
        if iteration is not None:
            self.marker.setValue(iteration)
