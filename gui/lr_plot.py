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

    def set_iteration(self, iteration: int | None) -> None:
        """Mark ``iteration`` (None hides the mark)."""
        self.marker.setVisible(iteration is not None)
        if iteration is not None:
            self.marker.setValue(iteration)
