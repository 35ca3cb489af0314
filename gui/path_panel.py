"""The 2D panel: contour lines of a test function, its minima, the start point and the paths.

Contour lines are computed once per function (marching squares on a grid, cached) and drawn as one
curve item per level; the path items (line + point markers, one per registered optimizer) are
created once and only ever updated with ``setData``, so revealing a path step by step is cheap.
Clicking on the plot (not on its legend) emits :attr:`PathPanel.startPicked` with the position in
data coordinates.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from nncore.functions import get_function
from nncore.optimizers import OPTIMIZERS
from nncore.paths import PathResult

from . import style

GRID_SIZE = 240
"""Grid points per axis on which the contour lines are computed."""
LEVELS = 14
"""Number of contour levels."""
LINEAR_QUANTILE = 0.55
LOG_QUANTILE = 0.95
"""Highest contour level as a quantile of f over the view: linear levels crowd the interesting
low region of bowl-shaped functions less when the steep corners are left out."""

CLIP_SPANS = 100.0
"""Path segments are clipped to the view widened by this many view widths (heights) on each side."""

Line = tuple[np.ndarray, np.ndarray]


def contour_levels(z: np.ndarray, scale: str, count: int = LEVELS) -> np.ndarray:
    """``count`` increasing contour levels for grid values ``z``.

    'linear': evenly spaced above min(z) up to the LINEAR_QUANTILE of z.
    'log': geometrically spaced above min(z) (from 1e-4 of the span or the 0.5 % quantile,
    whichever is larger) up to the LOG_QUANTILE of z, for functions spanning many decades.
    """
    low = float(np.min(z))
    if scale == "log":
        excess = z - low
        top = float(np.quantile(excess, LOG_QUANTILE))
        bottom = max(float(np.quantile(excess, 0.005)), top * 1e-4)
        return low + np.geomspace(bottom, top, count)
    top = float(np.quantile(z, LINEAR_QUANTILE))
    return np.linspace(low, top, count + 1)[1:]


@lru_cache(maxsize=None)
def contour_lines(key: str) -> tuple[tuple[float, tuple[Line, ...]], ...]:
    """Contour lines of function ``key`` over its view bounds, computed once and cached.

    Returns (level, lines) pairs; each line is (x, y) arrays in data coordinates.
    """
    fn = get_function(key)
    x0, x1, y0, y1 = fn.bounds
    xs = np.linspace(x0, x1, GRID_SIZE)
    ys = np.linspace(y0, y1, GRID_SIZE)
    z = fn.f(*np.meshgrid(xs, ys, indexing="ij"))
    dx = (x1 - x0) / (GRID_SIZE - 1)
    dy = (y1 - y0) / (GRID_SIZE - 1)
    result = []
    for level in contour_levels(z, fn.contour_scale):
        lines = []
        for line in pg.functions.isocurve(z, level, connected=True):
            points = np.asarray(line, dtype=float)
            # isocurve puts grid index i at coordinate i + 0.5.
            lines.append((x0 + (points[:, 0] - 0.5) * dx, y0 + (points[:, 1] - 0.5) * dy))
        result.append((float(level), tuple(lines)))
    return tuple(result)


def drawable_points(points: np.ndarray, bounds: tuple[float, float, float, float]) -> np.ndarray:
    """``points`` (n, 2) as they can be drawn: unchanged when all lie inside the clip box (the
    view ``bounds`` widened by CLIP_SPANS spans on every side); otherwise one segment per step,
    each followed by a NaN row (which breaks the line), where an end outside the box is moved
    along the segment onto the box's edge, and a step from outside to outside is left out.

    Qt rasterises coordinates like 1e150 (a diverging path) as garbage, e.g. a filled band.
    Clipping from the end inside the box keeps each drawn segment's direction exact; a step
    between two far-away points is not drawn, as it would only cross the view as a stray line.
    """
    x0, x1, y0, y1 = bounds
    low = np.array([x0 - CLIP_SPANS * (x1 - x0), y0 - CLIP_SPANS * (y1 - y0)])
    high = np.array([x1 + CLIP_SPANS * (x1 - x0), y1 + CLIP_SPANS * (y1 - y0)])
    inside = np.all((points >= low) & (points <= high), axis=1)
    if len(points) < 2 or inside.all():
        return points

    def onto_edge(near: np.ndarray, far: np.ndarray) -> np.ndarray:
        """Where the segment from ``near`` (inside) to ``far`` leaves the box (NaN for rows
        where ``far`` is inside too: the caller does not use those)."""
        delta = far - near
        with np.errstate(divide="ignore", invalid="ignore"):
            fraction = np.where(far > high, (high - near) / delta,
                                np.where(far < low, (low - near) / delta, np.inf))
            return near + fraction.min(axis=1, keepdims=True) * delta

    kept = inside[:-1] | inside[1:]
    a, b = points[:-1][kept], points[1:][kept]
    a_in, b_in = inside[:-1][kept, None], inside[1:][kept, None]
    segments = np.full((len(a), 3, 2), np.nan)
    segments[:, 0] = np.where(a_in, a, onto_edge(b, a))
    segments[:, 1] = np.where(b_in, b, onto_edge(a, b))
    return segments.reshape(-1, 2)


def _joined(lines: tuple[Line, ...]) -> Line:
    """All ``lines`` as one pair of arrays, separated by NaN (drawn with connect='finite')."""
    if not lines:
        return np.empty(0), np.empty(0)
    gap = np.array([np.nan])
    xs = np.concatenate([part for x, _ in lines for part in (x, gap)])
    ys = np.concatenate([part for _, y in lines for part in (y, gap)])
    return xs, ys


def _contour_color(fraction: float) -> QColor:
    """Contour colour for a level at ``fraction`` (0 = lowest, 1 = highest) of the levels."""
    low, high = (np.array(QColor(c).getRgb()[:3], dtype=float) for c in style.CONTOUR_COLORS)
    return QColor(*(int(round(v)) for v in low + (high - low) * fraction))


class PathPanel(QWidget):
    """Contour plot of a test function with each optimizer's trajectory.

    ``set_paths`` takes the trajectories; ``show_steps`` reveals the first n updates of each,
    which is how the window animates them.
    """

    startPicked = Signal(float, float)
    """Emitted with (x, y) in data coordinates when the user left-clicks inside the plot, except
    on the legend."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pathPlot")
        self.setToolTip("Optimizer paths over the contour lines; click to set the start point")
        self.plot_widget = style.make_plot_widget("", "x", "y")
        self.plot_widget.setObjectName("pathPlotView")
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)

        self.function_key: str | None = None
        self._contour_items: list[pg.PlotCurveItem] = []
        self.minima_item = pg.ScatterPlotItem(symbol="star", size=18, pen=pg.mkPen("#222222"),
                                              brush=pg.mkBrush("#ffd700"))
        self.minima_item.setZValue(30)  # above the paths, which often end on it
        self.start_item = pg.ScatterPlotItem(symbol="o", size=12, pen=pg.mkPen("#222222", width=2),
                                             brush=pg.mkBrush(255, 255, 255, 200))
        self.start_item.setZValue(20)
        self.plot_item.addItem(self.minima_item)
        self.plot_item.addItem(self.start_item)
        self.path_items: dict[str, pg.PlotDataItem] = {}
        self.colors: dict[str, str] = {}
        for name in OPTIMIZERS:
            self._add_path_item(name)
        self.legend = style.OptimizerLegend(self.plot_item)
        self.paths: dict[str, PathResult] = {}
        self.steps_shown = 0
        self.plot_widget.scene().sigMouseClicked.connect(self._clicked)

    def _add_path_item(self, label: str) -> None:
        """The (hidden) path item of the entry ``label``, in its colour."""
        color = self.colors.get(label) or style.name_color(label)
        item = pg.PlotDataItem(pen=style.hex_pen(color), symbol="o", symbolSize=6,
                               symbolPen=None, symbolBrush=style.hex_color(color))
        item.setZValue(10 + len(self.path_items))
        item.setVisible(False)
        self.plot_item.addItem(item)
        self.path_items[label] = item

    def set_colors(self, colors: dict[str, str]) -> None:
        """Draw the path of each label in ``colors[label]`` ('#rrggbb')."""
        self.colors = dict(colors)
        for label, item in self.path_items.items():
            color = self.colors.get(label) or style.name_color(label)
            item.setPen(style.hex_pen(color))
            item.setSymbolBrush(style.hex_color(color))

    # -- function and start ------------------------------------------------------------------
    def set_function(self, key: str) -> None:
        """Draw the contours and minima of function ``key`` and fit the view to its bounds."""
        if key == self.function_key:
            return
        fn = get_function(key)
        for item in self._contour_items:
            self.plot_item.removeItem(item)
        levels = contour_lines(key)
        self._contour_items = []
        for index, (_, lines) in enumerate(levels):
            xs, ys = _joined(lines)
            fraction = index / max(len(levels) - 1, 1)
            item = pg.PlotCurveItem(xs, ys, connect="finite",
                                    pen=pg.mkPen(_contour_color(fraction), width=1))
            item.setZValue(0)
            self.plot_item.addItem(item)
            self._contour_items.append(item)
        minima = np.array(fn.minima, dtype=float).reshape(-1, 2)
        self.minima_item.setData(minima[:, 0], minima[:, 1])
        self.plot_item.setTitle(fn.name, color=style.FOREGROUND, size="11pt")
        x0, x1, y0, y1 = fn.bounds
        self.plot_item.enableAutoRange(enable=False)
        self.plot_item.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)
        self.function_key = key

    def set_start(self, x: float, y: float) -> None:
        """Mark the start point (x, y)."""
        self.start_item.setData([x], [y])

    @property
    def start(self) -> tuple[float, float] | None:
        """The marked start point, or None before ``set_start``."""
        xs, ys = self.start_item.getData()
        return (float(xs[0]), float(ys[0])) if len(xs) else None

    # -- paths -------------------------------------------------------------------------------
    def set_paths(self, paths: dict[str, PathResult], steps_shown: int | None = None) -> None:
        """Show ``paths`` (optimizer name -> PathResult), revealing ``steps_shown`` updates of
        each (None = all of them, immediately). Optimizers not in ``paths`` are hidden."""
        self.paths = dict(paths)
        for name in self.paths:
            if name not in self.path_items:
                self._add_path_item(name)
        for name, item in self.path_items.items():
            item.setVisible(name in self.paths)
            if name not in self.paths:
                item.setData([], [])
        self.show_steps(self.total_steps if steps_shown is None else steps_shown)

    @property
    def total_steps(self) -> int:
        """The number of updates in the longest path shown (0 without paths)."""
        return max((len(p.points) - 1 for p in self.paths.values()), default=0)

    def show_steps(self, steps: int) -> None:
        """Reveal the start and the first ``steps`` updates of every path."""
        self.steps_shown = max(0, min(int(steps), self.total_steps))
        bounds = get_function(self.function_key).bounds if self.function_key else (-1, 1, -1, 1)
        for name, result in self.paths.items():
            shown = drawable_points(result.points[:self.steps_shown + 1], bounds)
            self.path_items[name].setData(shown[:, 0], shown[:, 1], connect="finite")
        self._update_legend()

    def clear_paths(self) -> None:
        """Remove every path (the contours and the start point stay)."""
        self.set_paths({})

    def _update_legend(self) -> None:
        entries = []
        for name, result in self.paths.items():
            diverged = result.diverged_at is not None and self.steps_shown >= len(result.points) - 1
            reason = f"step {result.diverged_at}, {result.reason}" if diverged else None
            entries.append((self.path_items[name], style.legend_label(name, reason)))
        self.legend.show(entries)

    # -- mouse -------------------------------------------------------------------------------
    def _on_legend(self, scene_position) -> bool:
        """True if ``scene_position`` lies on the legend, which floats over the contours."""
        legend = self.legend.item
        return legend.isVisible() and legend.sceneBoundingRect().contains(scene_position)

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        view = self.plot_item.getViewBox()
        position = event.scenePos()
        if not view.sceneBoundingRect().contains(position) or self._on_legend(position):
            return
        point = view.mapSceneToView(event.scenePos())
        self.startPicked.emit(float(point.x()), float(point.y()))

