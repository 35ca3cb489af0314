"""The hyperparameter map tab: for one optimizer, the final f - f* of a whole grid of settings.

Each cell is one run from the 2D start for the 2D steps, all cells computed together as arrays
(:func:`nncore.maps.hyperparameter_map`). Cells are coloured by log10(final f - f*) (viridis),
diverged cells in one marked colour; with one hyperparameter on the x axis only ("none" for y)
the map is a curve. The current setting is marked; on quadratics the theory's stability boundary
and optimum are drawn on top. A click on a cell emits :attr:`MapPanel.valuesPicked` with that
cell's values.

The map recomputes itself (after a short pause, when the tab is visible) when its inputs change
and the work is small (:mod:`gui.sweep_panel`); otherwise Compute runs it. The axes keep their range
while the current values stay inside it, so a click on a cell does not move the map under it.
"""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QWidget

from nncore.functions import get_function
from nncore.maps import (DEFAULT_MAP_SIZE, Axis, HyperparameterMap, declared, default_axis,
                         default_y, hyperparameter_map, map_csv)
from nncore.optimizers import OPTIMIZERS
from nncore.theory import curvatures, gd_lr_max, gd_lr_opt, heavy_ball_lr_max, heavy_ball_optimum

from . import map_style, style
from .sweep_panel import SweepPanel

GAP_DECADES = 24
"""The colour scale spans at most this many decades below the worst cell."""
NO_Y = "none"
"""The y choice that makes the map a curve over the x hyperparameter."""
MAP_CSV = "map.csv"


def _position(axis: Axis, values) -> np.ndarray:
    """Plot coordinate of hyperparameter ``values`` on ``axis`` (log10 for log axes)."""
    values = np.asarray(values, dtype=float)
    return np.log10(values) if axis.log else values


def _log_ticks(low: float, high: float) -> list[list[tuple[float, str]]]:
    """Tick levels for a log10 axis from ``low`` to ``high`` (values, not logs): labelled powers
    of ten, plus 2 and 5 times them when the axis spans fewer than three decades."""
    first, last = int(np.floor(np.log10(low))), int(np.ceil(np.log10(high)))
    mantissas = (1.0, 2.0, 5.0) if last - first < 4 else (1.0,)
    ticks = [(np.log10(m * 10.0 ** e), f"{m * 10.0 ** e:g}") for e in range(first, last + 1)
             for m in mantissas if low <= m * 10.0 ** e <= high]
    return [ticks, []]


def _set_axis(axis_item: pg.AxisItem, axis: Axis) -> None:
    """Label ``axis_item`` for ``axis``: explicit decade ticks on log axes, automatic otherwise."""
    axis_item.setTicks(_log_ticks(axis.low, axis.high) if axis.log else None)


def _colour_scale(gap: np.ndarray) -> tuple[float, float]:
    """(low, high) of the colour bar: the finite gaps' range, at most GAP_DECADES deep."""
    finite = gap[np.isfinite(gap)]
    if not finite.size:
        return 0.0, 1.0
    high = float(finite.max())
    low = max(float(finite.min()), high - GAP_DECADES)
    return (low, high) if high > low else (low - 1.0, high + 1.0)


class MapPanel(SweepPanel):
    """The map, its controls (optimizer, axes, cells per side, Compute) and a status line."""

    valuesPicked = Signal(str, object)
    """(optimizer, {hyperparameter: value}) when the user clicks a cell."""
    CSV_NAME = MAP_CSV
    WORK_UNIT = "cell-steps"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("map", "lr", "", "The optimizer whose hyperparameters the map varies",
                         "Cells", DEFAULT_MAP_SIZE, parent)
        self.setObjectName("mapPanel")
        self.result: HyperparameterMap | None = None
        self._axes: tuple[Axis, Axis | None] | None = None
        self._build()

    # -- construction ------------------------------------------------------------------------
    def _build(self) -> None:
        self.x_combo = QComboBox()
        self.x_combo.setObjectName("mapXCombo")
        self.x_combo.setToolTip("Hyperparameter along the x axis (log axis for learning rates)")
        self.y_combo = QComboBox()
        self.y_combo.setObjectName("mapYCombo")
        self.y_combo.setToolTip("Hyperparameter along the y axis, or none: a curve of the final "
                                "f over the x hyperparameter")
        # Two short rows: the tab is often narrow beside the training curves.
        row = QGridLayout()
        for combo in (self.x_combo, self.y_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
        row.addWidget(self.optimizer_combo, 0, 0, 1, 2)
        row.addWidget(QLabel("Cells"), 0, 2)
        row.addWidget(self.size_spin, 0, 3)
        row.addWidget(self.compute_button, 0, 4)
        for column, (label, widget) in enumerate((("x", self.x_combo), ("y", self.y_combo))):
            row.addWidget(QLabel(label), 1, 2 * column)
            row.addWidget(widget, 1, 2 * column + 1)
        row.setColumnStretch(5, 1)

        self.image = pg.ImageItem()
        self.image.setZValue(0)
        self.curve = pg.PlotDataItem(pen=pg.mkPen(style.FOREGROUND, width=2), symbol="o",
                                     symbolSize=4, symbolPen=None, symbolBrush=style.FOREGROUND)
        self.diverged_points = pg.ScatterPlotItem(symbol="x", size=8, pen=None,
                                                  brush=pg.mkBrush(map_style.DIVERGED_COLOR))
        self.boundary = pg.PlotCurveItem(pen=map_style.THEORY_PEN)
        self.optimum = pg.ScatterPlotItem(symbol="star", size=18, pen=pg.mkPen(style.FOREGROUND),
                                          brush=pg.mkBrush("#ffd700"))
        self.current = pg.ScatterPlotItem(symbol="o", size=13, pen=map_style.MARKER_PEN,
                                          brush=pg.mkBrush(0, 0, 0, 0))
        self.current_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(style.FOREGROUND, width=1))
        self.boundary_lines = [pg.InfiniteLine(angle=90, pen=map_style.THEORY_PEN),
                               pg.InfiniteLine(angle=90, pen=pg.mkPen("#2ca02c", width=2,
                                                                      style=Qt.PenStyle.DotLine))]
        for z, item in enumerate((self.image, self.curve, self.diverged_points, self.boundary,
                                  *self.boundary_lines, self.current_line, self.optimum,
                                  self.current)):
            item.setZValue(z)
            self.plot_item.addItem(item)
        self.colour_bar = pg.ColorBarItem(values=(0, 1), colorMap=map_style.VALUE_COLORMAP,
                                          interactive=False, label="log10(final f \u2212 f*)",
                                          pen=style.FOREGROUND, colorMapMenu=False)
        self.plot_item.layout.addItem(self.colour_bar, 2, 5)
        self._legend_key: tuple = ()
        # Stand-ins drawn only in the legend (an InfiniteLine cannot be a legend sample).
        self._legend_samples = {
            "current": (pg.ScatterPlotItem(symbol="o", size=12, pen=map_style.MARKER_PEN,
                                           brush=pg.mkBrush(0, 0, 0, 0)), "current setting"),
            "current line": (pg.PlotDataItem(pen=pg.mkPen(style.FOREGROUND, width=1)), "current setting"),
            "boundary": (pg.PlotDataItem(pen=map_style.THEORY_PEN), "stability boundary (theory)"),
            "optimum line": (pg.PlotDataItem(pen=self.boundary_lines[1].pen), "optimum (theory)"),
            "optimum": (pg.ScatterPlotItem(symbol="star", size=14, pen=pg.mkPen(style.FOREGROUND),
                                           brush=pg.mkBrush("#ffd700")), "optimum (theory)"),
            "diverged cell": (pg.ScatterPlotItem(symbol="s", size=12, pen=None,
                                                 brush=pg.mkBrush(map_style.DIVERGED_COLOR)), "diverged"),
            "diverged": (pg.ScatterPlotItem(symbol="x", size=10, pen=None,
                                            brush=pg.mkBrush(map_style.DIVERGED_COLOR)), "diverged"),
        }
        self.plot_widget.scene().sigMouseClicked.connect(self._clicked)

        self._assemble(row)
        self._fill_axes()
        self.optimizer_combo.currentTextChanged.connect(self._optimizer_chosen)
        self.x_combo.currentTextChanged.connect(self._axes_changed)
        self.y_combo.currentTextChanged.connect(self._axes_changed)
        self.size_spin.valueChanged.connect(self._axes_changed)

    def _fill_axes(self) -> None:
        """Fill the axis combos with the optimizer's hyperparameters: x lr, y its default."""
        name = self.optimizer
        names = [hp.name for hp in OPTIMIZERS[name].hyperparameters]
        for combo in (self.x_combo, self.y_combo):
            combo.blockSignals(True)
            combo.clear()
        self.x_combo.addItems(names)
        self.y_combo.addItems([NO_Y, *names])
        self.x_combo.setCurrentText("lr")
        self.y_combo.setCurrentText(default_y(name) or NO_Y)
        for combo in (self.x_combo, self.y_combo):
            combo.blockSignals(False)

    # -- inputs --------------------------------------------------------------------------------
    @property
    def axis_names(self) -> tuple[str, str | None]:
        y = self.y_combo.currentText()
        return self.x_combo.currentText(), None if y == NO_Y else y

    def set_choice(self, optimizer: str, x: str, y: str | None, size: int) -> None:
        """Choose the optimizer, the axes' hyperparameters (y None: a curve) and the cells per side."""
        self.select_optimizer(optimizer)
        self.x_combo.setCurrentText(x)
        self.y_combo.setCurrentText(NO_Y if y is None else y)
        self.size_spin.setValue(size)

    def _optimizer_chosen(self) -> None:
        self._fill_axes()
        self._axes_changed()

    def _axes_changed(self) -> None:
        self._axes = None
        self._inputs_changed()

    def _axes_for(self, values: dict[str, float]) -> tuple[Axis, Axis | None]:
        """The axes: kept while the current values lie inside them, else centred anew."""
        x_name, y_name = self.axis_names
        size = self.size_spin.value()

        def inside(axis: Axis | None, name: str | None) -> bool:
            return axis is None if name is None else (
                axis is not None and axis.name == name and len(axis.values) == size
                and axis.low <= values[name] <= axis.high)

        if self._axes is None or not (inside(self._axes[0], x_name) and inside(self._axes[1], y_name)):
            optimizer = self.optimizer
            x_axis = default_axis(declared(optimizer, x_name), values[x_name], size)
            y_axis = None if y_name is None else default_axis(declared(optimizer, y_name),
                                                               values[y_name], size)
            self._axes = (x_axis, y_axis)
        return self._axes

    def _key(self) -> tuple:
        """Everything the cells depend on (the axes' own current values excepted)."""
        values = self.values_of(self.optimizer)
        axes = self._axes_for(values)
        others = tuple(sorted((k, v) for k, v in values.items() if k not in self.axis_names))
        return (self._function_key, self._start, self._steps, self.optimizer, self.schedule,
                tuple((a.name, a.low, a.high, len(a.values)) for a in axes if a is not None), others)

    def _work(self) -> int:
        x_axis, y_axis = self._axes_for(self.values_of(self.optimizer))
        return len(x_axis.values) * (1 if y_axis is None else len(y_axis.values)) * self._steps

    def _same_inputs(self) -> None:
        self._draw_overlays()  # the current setting moved inside the map

    # -- computing and drawing -----------------------------------------------------------------
    def compute(self) -> HyperparameterMap:
        """Run every cell now and show the map; returns it."""
        values = self.values_of(self.optimizer)
        x_axis, y_axis = self._axes_for(values)
        began = time.perf_counter()
        result = hyperparameter_map(get_function(self._function_key), self.optimizer, values,
                                    self._start, self._steps, x_axis, y_axis, self.schedule)
        self._computed(self._key(), time.perf_counter() - began)
        self.show_map(result)
        return result

    def show_map(self, result: HyperparameterMap) -> None:
        """Draw ``result`` (and the current setting and the theory for its optimizer)."""
        self.result = result
        gap = result.log_gap()
        low, high = _colour_scale(gap)
        self.colour_bar.setLevels((low, high))
        x = result.x
        self.plot_item.setLabel("bottom", x.name + (" (log scale)" if x.log else ""))
        _set_axis(self.plot_item.getAxis("bottom"), x)
        x_low, x_high = _position(x, [x.low, x.high])
        if result.y is None:
            self._draw_curve(result, gap, low, high)
        else:
            self._draw_image(result, gap, low, high)
            y_low, y_high = _position(result.y, [result.y.low, result.y.high])
            self.plot_item.setRange(xRange=(x_low, x_high), yRange=(y_low, y_high), padding=0)
        self.plot_item.setTitle(f"{result.optimizer}{map_style.schedule_title(result.schedule)}, "
                                f"{result.steps} steps<br>"
                                f"{get_function(result.function_key).name}",
                                color=style.FOREGROUND, size="10pt")
        share = float(np.mean(result.diverged))
        self.status_label.setText(
            f"{result.diverged.size:,} runs in {self.compute_seconds:.2f} s; {100 * share:.0f} % "
            f"diverged (pink). f* = {result.f_star:.4g}. Click a cell to use its values.")
        self._draw_overlays()

    def _draw_image(self, result: HyperparameterMap, gap, low, high) -> None:
        cmap = pg.colormap.get(map_style.VALUE_COLORMAP)
        scaled = np.clip((np.nan_to_num(gap, nan=low, neginf=low) - low) / (high - low), 0, 1)
        pixels = cmap.map(scaled.ravel(), mode="byte").reshape(*gap.shape, 4)
        pixels[result.diverged] = map_style.rgba(map_style.DIVERGED_COLOR)
        self.image.setImage(pixels, levels=None)
        x_low, x_high = _position(result.x, [result.x.low, result.x.high])
        y_low, y_high = _position(result.y, [result.y.low, result.y.high])
        self.image.setRect(float(x_low), float(y_low), float(x_high - x_low), float(y_high - y_low))
        self.image.setVisible(True)
        self.curve.setData([], [])
        self.diverged_points.setData([], [])
        self.colour_bar.setVisible(True)
        self.plot_item.setLabel("left", result.y.name + (" (log scale)" if result.y.log else ""))
        _set_axis(self.plot_item.getAxis("left"), result.y)
        self.plot_item.showGrid(x=False, y=False)  # no lines across the cells

    def _draw_curve(self, result: HyperparameterMap, gap, low, high) -> None:
        self.image.setVisible(False)
        self.colour_bar.setVisible(False)
        xs = _position(result.x, result.x.values)
        shown = np.where(np.isfinite(gap), gap, np.where(np.isneginf(gap), low, np.nan))
        self.curve.setData(xs, shown, connect="finite")
        top = high + 0.05 * (high - low)
        self.diverged_points.setData(xs[result.diverged], np.full(int(result.diverged.sum()), top))
        self.plot_item.setLabel("left", "log10(final f \u2212 f*)")
        self.plot_item.getAxis("left").setTicks(None)
        self.plot_item.showGrid(x=True, y=True, alpha=0.15)
        x_low, x_high = _position(result.x, [result.x.low, result.x.high])
        self.plot_item.setRange(xRange=(x_low, x_high), yRange=(low, top), padding=0.03)

    def _draw_overlays(self) -> None:
        """The current setting and, on quadratics, the theory's boundary and optimum."""
        result = self.result
        if result is None:
            return
        values = self.values_of(self.optimizer) if result.optimizer == self.optimizer else {}
        x, y = result.x, result.y
        for item in (self.boundary, self.optimum, self.current):
            item.setData([], [])
        for line in (*self.boundary_lines, self.current_line):
            line.setVisible(False)
        if x.name in values:
            if y is None:
                self.current_line.setValue(float(_position(x, values[x.name])))
                self.current_line.setVisible(True)
            elif y.name in values:
                self.current.setData([float(_position(x, values[x.name]))],
                                     [float(_position(y, values[y.name]))])
        self._theory_shown: set[str] = set()
        lambdas = curvatures(get_function(result.function_key))
        if lambdas is not None:
            self._draw_theory(result, lambdas, values)
        self._update_legend()

    def _draw_theory(self, result: HyperparameterMap, lambdas, values: dict[str, float]) -> None:
        x, y = result.x, result.y
        if result.optimizer == "SGD" and x.name == "lr" and y is None:
            for line, lr in zip(self.boundary_lines, (gd_lr_max(lambdas), gd_lr_opt(lambdas))):
                line.setValue(float(_position(x, lr)))
                line.setVisible(True)
            self._theory_shown |= {"boundary", "optimum line"}
        if result.optimizer != "Momentum":
            return
        if y is None and x.name == "lr" and "momentum" in values:
            self.boundary_lines[0].setValue(float(_position(x, heavy_ball_lr_max(values["momentum"], lambdas))))
            self.boundary_lines[0].setVisible(True)
            self._theory_shown.add("boundary")
        elif y is not None and {x.name, y.name} == {"lr", "momentum"}:
            betas = np.linspace(0.0, 1.0, 201)
            points = {"lr": heavy_ball_lr_max(betas, lambdas), "momentum": betas}
            self.boundary.setData(_position(x, points[x.name]), _position(y, points[y.name]))
            lr, beta = heavy_ball_optimum(lambdas)
            best = {"lr": lr, "momentum": beta}
            self.optimum.setData([float(_position(x, best[x.name]))], [float(_position(y, best[y.name]))])
            self._theory_shown |= {"boundary", "optimum"}

    def _update_legend(self) -> None:
        """Legend entries for what is drawn: current setting, theory, diverged cells."""
        curve = self.result.y is None
        entries = ["current line" if curve else "current"]
        entries += [name for name in ("boundary", "optimum line", "optimum") if name in self._theory_shown]
        if self.result.diverged.any():
            entries.append("diverged" if curve else "diverged cell")
        if tuple(entries) != self._legend_key:
            # Under a curve's diverged marks (large lr, lower right) nothing is drawn; a map's
            # upper right usually holds diverged cells.
            corner = (1, 1) if curve else (1, 0)
            self.legend.anchor(itemPos=corner, parentPos=corner,
                               offset=(-10, -10) if curve else (-10, 10))
            self.legend.clear()
            for entry in entries:
                self.legend.addItem(*self._legend_samples[entry])
            self._legend_key = tuple(entries)

    # -- clicks and export -----------------------------------------------------------------------
    def cell_values(self, x: float, y: float) -> dict[str, float] | None:
        """The hyperparameters of the cell at plot position (x, y), or None outside the map."""
        result = self.result
        if result is None:
            return None
        picked = {}
        for axis, position in ((result.x, x), (result.y, y)):
            if axis is None:
                continue
            low, high = _position(axis, [axis.low, axis.high])
            if not low <= position <= high:
                return None
            index = min(int((position - low) / (high - low) * len(axis.values)), len(axis.values) - 1)
            picked[axis.name] = float(axis.values[index])
        return picked

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.result is None:
            return
        view = self.plot_item.getViewBox()
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view.mapSceneToView(event.scenePos())
        picked = self.cell_values(point.x(), point.y())
        if picked:
            self.valuesPicked.emit(self.result.optimizer, picked)

    def _csv_text(self) -> str:
        return map_csv(self.result)
