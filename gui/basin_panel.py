"""The basin map tab: from a grid of start points over the view, where one optimizer ends.

Every start is one run with the selected optimizer's 2D hyperparameters for the 2D steps, all
computed together (:func:`nncore.maps.basin_map`). A cell is coloured by the minimum its run
ended near (one colour per minimum, as listed by the function), or as diverged (the maps' one
marked colour), or grey when it reached no minimum within the steps; the legend gives each
outcome's share of the starts. Hovering a cell draws the path from that start.
"""
from __future__ import annotations

import time
import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from nncore.functions import get_function
from nncore.maps import DEFAULT_BASIN_SIZE, DIVERGED, UNCONVERGED, BasinMap, basin_map, basins_csv
from nncore.optimizers import create
from nncore.paths import trace_path
from nncore.schedules import scheduled

from . import map_style, style
from .sweep_panel import SweepPanel

BASINS_CSV = "basins.csv"
HOVER_STEP_LIMIT = 5000
"""Hover draws paths of up to this many steps (about 0.1 s each); longer runs would stall the
mouse."""


def outcome_label(outcome: int, minima) -> str:
    """Legend text of an outcome: the minimum's index and position, diverged or not converged."""
    if outcome == DIVERGED:
        return "diverged"
    if outcome == UNCONVERGED:
        return "no minimum reached"
    x, y = minima[outcome]
    return f"minimum {outcome} ({x:.3g}, {y:.3g})"


class BasinPanel(SweepPanel):
    """The basin image, its legend with shares, the hover path and the controls."""

    CSV_NAME = BASINS_CSV
    WORK_UNIT = "start-steps"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("basin", "x (start)", "y (start)", "The optimizer run from every start",
                         "Starts", DEFAULT_BASIN_SIZE, parent)
        self.setObjectName("basinPanel")
        self.result: BasinMap | None = None
        self.hover_start: tuple[float, float] | None = None

        row = QHBoxLayout()
        row.addWidget(self.optimizer_combo)
        row.addWidget(QLabel("Starts"))
        row.addWidget(self.size_spin)
        row.addWidget(self.compute_button)
        row.addStretch(1)

        self.image = pg.ImageItem()
        self.minima_item = pg.ScatterPlotItem(symbol="star", size=16, pen=pg.mkPen(style.FOREGROUND),
                                              brush=pg.mkBrush("#ffffff"))
        # Dark line, white dots: readable on every basin colour.
        self.hover_path = pg.PlotDataItem(pen=pg.mkPen(style.FOREGROUND, width=2), symbol="o",
                                          symbolSize=5, symbolPen=pg.mkPen(style.FOREGROUND),
                                          symbolBrush="#ffffff")
        for z, item in enumerate((self.image, self.hover_path, self.minima_item)):
            item.setZValue(z)
            self.plot_item.addItem(item)
        self._legend_samples: list[pg.ScatterPlotItem] = []
        self.plot_widget.scene().sigMouseMoved.connect(self._hovered)

        self._assemble(row)
        self.optimizer_combo.currentTextChanged.connect(self._inputs_changed)
        self.size_spin.valueChanged.connect(self._inputs_changed)

    # -- the grid's inputs ---------------------------------------------------------------------
    def _key(self) -> tuple:
        return (self._function_key, self._steps, self.optimizer, self.schedule,
                self.size_spin.value(), tuple(sorted(self.values_of(self.optimizer).items())))

    def _work(self) -> int:
        return self.size_spin.value() ** 2 * self._steps

    # -- computing and drawing -----------------------------------------------------------------
    def compute(self) -> BasinMap:
        """Run every start now and show the basins; returns them."""
        began = time.perf_counter()
        result = basin_map(get_function(self._function_key), self.optimizer, self.values_of(self.optimizer),
                           self._steps, self.size_spin.value(), self.schedule)
        self._computed(self._key(), time.perf_counter() - began)
        self.show_basins(result)
        return result

    def show_basins(self, result: BasinMap) -> None:
        """Draw ``result``: one colour per outcome, the minima, the legend with shares."""
        self.result = result
        self.hover_path.setData([], [])
        self.hover_start = None
        palette = {kind: map_style.rgba(map_style.basin_color(kind)) for kind in result.shares()}
        pixels = np.zeros((*result.outcome.shape, 4), dtype=np.uint8)
        for kind, colour in palette.items():
            pixels[result.outcome == kind] = colour
        self.image.setImage(pixels, levels=None)
        fn = get_function(result.function_key)
        x0, x1, y0, y1 = fn.bounds
        self.image.setRect(x0, y0, x1 - x0, y1 - y0)
        minima = np.asarray(result.minima, dtype=float).reshape(-1, 2)
        self.minima_item.setData(minima[:, 0], minima[:, 1])
        self.plot_item.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self.plot_item.setTitle(f"{result.optimizer}{map_style.schedule_title(result.schedule)}, "
                                f"{result.steps} steps<br>{fn.name}",
                                color=style.FOREGROUND, size="10pt")
        self.legend.clear()
        self._legend_samples = []
        for kind, share in result.shares().items():
            if share == 0 and kind < 0:
                continue
            sample = pg.ScatterPlotItem(symbol="s", size=12, pen=None,
                                        brush=pg.mkBrush(map_style.basin_color(kind)))
            self._legend_samples.append(sample)
            self.legend.addItem(sample, f"{outcome_label(kind, result.minima)}: {100 * share:.1f} %")
        self.status_label.setText(
            f"{result.outcome.size:,} starts in {self.compute_seconds:.2f} s; a run reaches a "
            f"minimum when it ends within {result.tolerance:.3g} of it. "
            + ("Hover to see a path." if result.steps <= HOVER_STEP_LIMIT else
               f"Paths are drawn on hover for up to {HOVER_STEP_LIMIT:,} steps."))

    def show_path_from(self, x: float, y: float) -> np.ndarray | None:
        """Draw the path from start (x, y) with the map's optimizer; returns its points."""
        result = self.result
        if result is None:
            return None
        fn = get_function(result.function_key)
        values = self.values_of(result.optimizer)
        points = trace_path(fn, scheduled(create(result.optimizer, **values), result.schedule, result.steps),
                            (x, y), result.steps).points
        self.hover_path.setData(points[:, 0], points[:, 1])
        self.hover_start = (x, y)
        return points

    def _hovered(self, scene_position) -> None:
        result = self.result
        view = self.plot_item.getViewBox()
        if result is None or result.steps > HOVER_STEP_LIMIT \
                or not view.sceneBoundingRect().contains(scene_position):
            return
        point = view.mapSceneToView(scene_position)
        step_x, step_y = result.xs[1] - result.xs[0], result.ys[1] - result.ys[0]
        i = int(np.floor((point.x() - result.xs[0]) / step_x + 0.5))
        j = int(np.floor((point.y() - result.ys[0]) / step_y + 0.5))
        if 0 <= i < len(result.xs) and 0 <= j < len(result.ys):
            start = (float(result.xs[i]), float(result.ys[j]))
            if start != self.hover_start:
                self.show_path_from(*start)

    def _csv_text(self) -> str:
        return basins_csv(self.result)
