"""The readable landscape under the 2D paths: filled contour bands with a colour bar, contour
lines on top, every minimum, saddle point and maximum marked, and the formula as the title.

Everything here depends on the function only, so it is computed once per function (cached) and
drawn with items created once; the paths are drawn over it by :mod:`gui.path_panel`.
"""
from __future__ import annotations

from functools import lru_cache

import contourpy
import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem

from nncore.functions import get_function

from . import style

GRID_SIZE = 240
"""Grid points per axis on which the bands and contour lines are computed."""
LEVELS = 14
"""Number of contour levels."""
LINEAR_QUANTILE = 0.55
LOG_QUANTILE = 0.95
"""Highest contour level as a quantile of f over the view: linear levels crowd the interesting
low region of bowl-shaped functions less when the steep corners are left out."""
BAND_COLORS = ("#7fadd6", "#c4dbef", "#ffffff")
"""Colour map of the filled bands, lowest to highest (above the top level: white, the plot's
background): blue shades light enough for the paths to stay clear."""
MINIMUM_BRUSH, SADDLE_COLOR, MAXIMUM_BRUSH = "#ffd700", "#222222", "#e0e0e0"

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
def grid_values(key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, z): the GRID_SIZE x GRID_SIZE grid over function ``key``'s view, z[i, j] = f(xs[i], ys[j])."""
    fn = get_function(key)
    x0, x1, y0, y1 = fn.bounds
    xs = np.linspace(x0, x1, GRID_SIZE)
    ys = np.linspace(y0, y1, GRID_SIZE)
    return xs, ys, fn.f(*np.meshgrid(xs, ys, indexing="ij"))


@lru_cache(maxsize=None)
def contour_lines(key: str) -> tuple[tuple[float, tuple[Line, ...]], ...]:
    """Contour lines of function ``key`` over its view bounds, computed once and cached.

    Returns (level, lines) pairs; each line is (x, y) arrays in data coordinates, found by
    contourpy's marching squares on the GRID_SIZE grid (linear interpolation along the cells'
    edges; tens of milliseconds for all levels, where pyqtgraph's pure-Python isocurve took
    most of a second).
    """
    fn = get_function(key)
    xs, ys, z = grid_values(key)
    generator = contourpy.contour_generator(xs, ys, z.T, line_type=contourpy.LineType.Separate)
    return tuple((float(level), tuple((line[:, 0], line[:, 1]) for line in generator.lines(level)))
                 for level in contour_levels(z, fn.contour_scale))


def band_scale(key: str) -> tuple[str, np.ndarray]:
    """How the bands' colour is measured for function ``key``: (colour bar label, the levels on
    that scale). Log-spaced functions use log10(f − min f), the others f itself."""
    fn = get_function(key)
    levels = np.array([level for level, _ in contour_lines(key)])
    low = float(np.min(grid_values(key)[2]))
    if fn.contour_scale == "log":
        return "log\u2081\u2080(f \u2212 min f)", np.log10(levels - low)
    return "f", levels


@lru_cache(maxsize=None)
def band_image(key: str) -> np.ndarray:
    """The filled contour bands of ``key``: each grid value replaced by the colour-scale value of
    the highest level below it (the lowest band by the lowest level), shape (GRID_SIZE, GRID_SIZE)."""
    _, scaled_levels = band_scale(key)
    levels = np.array([level for level, _ in contour_lines(key)])
    z = grid_values(key)[2]
    band = np.clip(np.searchsorted(levels, z) - 1, 0, len(levels) - 1)
    bands = scaled_levels[band]
    bands[z < levels[0]] = scaled_levels[0] - (scaled_levels[1] - scaled_levels[0])
    return bands


def pretty_formula(formula: str) -> str:
    """A formula as a title: powers as superscripts, pi as π, minus signs as −."""
    for plain, pretty in (("^2", "\u00b2"), ("^3", "\u00b3"), (" pi", " \u03c0"),
                          (" - ", " \u2212 "), ("(1 -", "(1 \u2212")):
        formula = formula.replace(plain, pretty)
    return formula


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


class Landscape:
    """The function's bands, colour bar, contour lines and critical points in ``plot_item``."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self.plot_item = plot_item
        self.image = pg.ImageItem()
        self.image.setZValue(-10)
        self.image.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot_item.addItem(self.image)
        colormap = pg.ColorMap(np.linspace(0, 1, len(BAND_COLORS)), list(BAND_COLORS))
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=colormap, interactive=False,
                                        width=12, colorMapMenu=False)
        self.colorbar.setImageItem(self.image, insert_in=plot_item)
        # Repainted only when its ticks change (a new function), as the plot's own axes: it
        # took ~4 ms of every repaint of the live paths.
        self.colorbar.axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.contour_items: list[pg.PlotCurveItem] = []
        self.minima_item = pg.ScatterPlotItem(symbol="star", size=18, pen=pg.mkPen("#222222"),
                                              brush=pg.mkBrush(MINIMUM_BRUSH))
        self.saddle_item = pg.ScatterPlotItem(symbol="x", size=13, pen=pg.mkPen(SADDLE_COLOR),
                                              brush=pg.mkBrush(SADDLE_COLOR))
        self.maxima_item = pg.ScatterPlotItem(symbol="t1", size=13, pen=pg.mkPen("#222222"),
                                              brush=pg.mkBrush(MAXIMUM_BRUSH))
        for item in (self.minima_item, self.saddle_item, self.maxima_item):
            item.setZValue(30)  # above the paths, which often end on them
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            plot_item.addItem(item)
        self.key: str | None = None

    def set_function(self, key: str) -> None:
        """Draw function ``key``'s landscape (bands, colour bar, lines, points) and title it
        with the function's short name and formula, e.g. 'Book: f(x, y) = x²/20 + y²'."""
        fn = get_function(key)
        x0, x1, y0, y1 = fn.bounds
        label, levels = band_scale(key)
        bands = band_image(key)
        self.image.setImage(bands, autoLevels=False)
        self.image.setRect(x0, y0, x1 - x0, y1 - y0)
        self.colorbar.setLevels((float(bands.min()), float(levels[-1])))
        self.colorbar.axis.setLabel(label)
        for item in self.contour_items:
            self.plot_item.removeItem(item)
        lines = contour_lines(key)
        self.contour_items = []
        # Two items (lower and upper half of the levels, darker and lighter) instead of one per
        # level: each item costs a paint call, and they are cached as pixmaps between repaints.
        half = (len(lines) + 1) // 2
        for index, part in enumerate((lines[:half], lines[half:])):
            xs, ys = _joined(tuple(line for _, level_lines in part for line in level_lines))
            item = pg.PlotCurveItem(xs, ys, connect="finite",
                                    pen=pg.mkPen(_contour_color(index), width=1))
            item.setZValue(0)
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.plot_item.addItem(item)
            self.contour_items.append(item)
        for item, points in ((self.minima_item, fn.minima), (self.saddle_item, fn.saddles),
                             (self.maxima_item, fn.maxima)):
            array = np.array(points, dtype=float).reshape(-1, 2)
            item.setData(array[:, 0], array[:, 1])
        self.plot_item.setTitle(f"{fn.name.split(':')[0]}: {pretty_formula(fn.formula)}",
                                color=style.FOREGROUND, size="11pt")
        self.key = key

    def critical_points(self) -> list[tuple[str, float, float]]:
        """(kind, x, y) of every marked point: 'minimum', 'saddle point', 'maximum'."""
        fn = get_function(self.key) if self.key else None
        if fn is None:
            return []
        return ([("minimum", *p) for p in fn.minima] + [("saddle point", *p) for p in fn.saddles]
                + [("maximum", *p) for p in fn.maxima])
