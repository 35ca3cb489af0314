"""The value plot: f at each step of every 2D path, with the timeline's cursor.

On a log axis as f − f* where the function has a minimum (f* the lowest listed minimum), on a
linear axis as f for the saddle. The vertical cursor is the timeline's current step (dragging it
moves the timeline); hovering shows each path's f and its distance to the nearest minimum at that
step; the legend's tooltip holds each path's end summary (:mod:`nncore.path_analysis`).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QVBoxLayout, QWidget

from nncore.functions import TestFunction
from nncore.optimizers import OPTIMIZERS
from nncore.path_analysis import distance_to_nearest_minimum, summarize
from nncore.paths import PathResult

from . import style
from .legend import OptimizerLegend

LINE_WIDTH = 1.0
"""The curves' pen width in device pixels: up to 17 curves overlap here, and Qt's antialiased
strokes wider than 1 px took two thirds of this plot's repaint (see gui.style.line_width)."""
FLOOR = 1e-20
"""f − f* below this (down to 0: the minimum reached to the last bit) is drawn at this value, so
the log axis spans the decades that matter."""


MIN_DECADE_PX = 20.0
"""A decade of the log axis shorter than this (pixels) gets no ticks between its powers of ten."""


class DecadeAxis(pg.AxisItem):
    """pyqtgraph's axis, whose log mode subdivides a decade (ticks at 2, 3, …, 9 times the
    power of ten) only where the decade is at least MIN_DECADE_PX long: a diverging path's f
    spans 30 decades and more, where pyqtgraph drew and measured the labels of ~290 ticks (and
    their grid lines) within pixels of each other, 7 ms of every repaint of the value plot."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        decades = [(spacing, values) for spacing, values in stdTicks if spacing >= 1.0]
        if decades and size < MIN_DECADE_PX * (maxVal - minVal):
            return decades
        return super().logTickValues(minVal, maxVal, size, stdTicks)


def plotted_values(function: TestFunction, result: PathResult) -> np.ndarray:
    """What the value plot draws for ``result``: f − f* (at least FLOOR), or f without a minimum."""
    f = np.asarray(result.f if result.f is not None
                   else function.f(result.points[:, 0], result.points[:, 1]), dtype=float)
    if function.f_star is None:
        return f
    return np.maximum(f - function.f_star, FLOOR)


class ValuePanel(QWidget):
    """f per step of each path, the current-step cursor and the end summaries."""

    stepPicked = Signal(int)
    """The user dragged the cursor to this step."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("valuePlotPanel")
        self.plot_widget = style.make_plot_widget("", "step", "f \u2212 f*",
                                                  {"left": DecadeAxis})
        self.plot_widget.setObjectName("valuePlot")
        self.plot_widget.setToolTip("f at each step of each path; drag the line to move the step")
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        # No BSP index of the items: the live paths change items on every edit, and keeping the
        # index up to date cost more than finding the ~100 items of the plot linearly.
        self.plot_widget.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.plot_item.getAxis("left").enableAutoSIPrefix(False)  # no "(x1e+27)" on log axes
        for side in ("left", "bottom"):  # repainted only when their ticks change
            self.plot_item.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)
        self.items: dict[str, pg.PlotDataItem] = {}
        self.colors: dict[str, str] = {}
        """Curve name (a run entry's label) -> '#rrggbb'; others take gui.style.name_color."""
        for name in OPTIMIZERS:
            self._add_item(name)
        self.cursor = pg.InfiniteLine(pos=0, angle=90, movable=True,
                                      pen=pg.mkPen("#555555", width=1.5),
                                      hoverPen=pg.mkPen("#000000", width=2.5))
        self.cursor.setZValue(100)
        self.cursor.sigPositionChanged.connect(self._cursor_moved)
        self.plot_item.addItem(self.cursor)
        self._placing_cursor = False
        # Two columns at the bottom left, where the falling curves of f − f* rarely pass.
        self.legend = OptimizerLegend(self.plot_item, offset=(10, -10))
        self.legend.item.setColumnCount(2)
        self.function: TestFunction | None = None
        self.records: dict[str, PathResult] = {}
        self.summaries: dict[str, str] = {}
        self._summarized: dict[str, tuple[PathResult, str]] = {}
        """Name -> (the record, its summary text) for the current function."""
        self.plot_widget.scene().sigMouseMoved.connect(self._hovered)

    def _add_item(self, name: str) -> None:
        # No dynamic range limit: with it, every change of the y range (a path's f reaching
        # new decades) re-made the drawn data of all 17 curves; f − f* on the log axis spans
        # a few hundred units at most, never the million view heights it would cut.
        item = pg.PlotDataItem(pen=style.hex_pen(self.colors.get(name) or style.name_color(name),
                                                 width=LINE_WIDTH), dynamicRangeLimit=None)
        item.setZValue(len(self.items))
        item.setVisible(False)
        self.plot_item.addItem(item)
        self.items[name] = item

    def set_colors(self, colors: Mapping[str, str]) -> None:
        """Draw the curve of each name in ``colors[name]`` ('#rrggbb'); the same colours again
        change nothing."""
        if dict(colors) == self.colors:
            return
        self.colors = dict(colors)
        for name, item in self.items.items():
            item.setPen(style.hex_pen(self.colors.get(name) or style.name_color(name),
                                      width=LINE_WIDTH))

    def set_records(self, function: TestFunction, records: Mapping[str, PathResult],
                    changed=None) -> None:
        """Draw f per step of ``records`` (name -> PathResult) on ``function``; only the curves
        of ``changed`` (names; None = all) are recomputed when the function stays the same."""
        if function is not self.function:
            self._set_function(function)
            changed = None
        self.records = dict(records)
        for name in self.records:
            if name not in self.items:
                self._add_item(name)
        for name, item in self.items.items():
            result = self.records.get(name)
            if result is None:
                if item.isVisible():
                    item.setVisible(False)
                    item.setData([], [])
                continue
            if changed is None or name in changed or not item.isVisible():
                values = plotted_values(function, result)
                item.setData(np.arange(len(values)), values)
                item.setVisible(True)
        self.summaries = {name: self._summary(name, result) for name, result in self.records.items()}
        self.legend.show([(self.items[name], name) for name in self.records])
        self.legend.item.setToolTip("\n".join(f"{name}: {text}" for name, text in self.summaries.items()))

    def _summary(self, name: str, result: PathResult) -> str:
        """The end summary of ``name``'s path ``result``, computed once per record (a change of
        one path leaves the other summaries as they were)."""
        known = self._summarized.get(name)
        if known is None or known[0] is not result:
            known = self._summarized[name] = (result, summarize(self.function, result).text())
        return known[1]

    def _set_function(self, function: TestFunction) -> None:
        """Axis and title for ``function``: log f − f* with a minimum, linear f without."""
        self.function = function
        self._summarized = {}
        log = function.f_star is not None
        self.plot_item.setLogMode(False, log)
        # The scale in the axis label, no title: the plot is often narrow, and a title costs
        # the curves a line of height.
        self.plot_item.setLabel("left", "f \u2212 f* (log)" if log else "f")
        self.plot_item.enableAutoRange()

    def set_cursor(self, step: int) -> None:
        """Put the cursor on step ``step``."""
        self._placing_cursor = True
        try:
            self.cursor.setValue(step)
        finally:
            self._placing_cursor = False

    def _cursor_moved(self) -> None:
        if not self._placing_cursor:
            self.stepPicked.emit(int(round(self.cursor.value())))

    def hover_text(self, step: int) -> str:
        """Each path's f − f* (or f) and distance to the nearest minimum at ``step``."""
        if self.function is None or not self.records:
            return ""
        lines = [f"step {step}"]
        for name, result in self.records.items():
            if step >= len(result.points):
                lines.append(f"{name}: path ended at step {result.steps}")
                continue
            value = plotted_values(self.function, result)[step]
            x, y = result.points[step]
            distance = distance_to_nearest_minimum(self.function, x, y)
            near = f", {distance:.3g} from the nearest minimum" if distance is not None else ""
            label = "f \u2212 f*" if self.function.f_star is not None else "f"
            lines.append(f"{name}: {label} = {value:.3g}{near}")
        return "\n".join(lines)

    def _hovered(self, scene_position) -> None:
        view = self.plot_item.getViewBox()
        if not view.sceneBoundingRect().contains(scene_position):
            return
        step = int(round(view.mapSceneToView(scene_position).x()))
        self.plot_widget.setToolTip(self.hover_text(max(step, 0)))
