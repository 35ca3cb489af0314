"""The dots on the points of the 2D paths, all paths in one graphics item.

A dot on every revealed point helps to count steps. pyqtgraph draws symbols with a
ScatterPlotItem, whose Python work per paint (~0.5 ms) and per spot (a brush each) made the dots
of 17 paths of 30 points the largest part of a live repaint. :class:`PathDots` keeps one
QPolygonF per path and draws each with one ``QPainter.drawPoints`` call and a round-capped
cosmetic pen: a circle of DOT_SIZE device pixels per point, whatever the zoom.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPen, QPolygonF

DOT_SIZE = 6.0
"""Diameter of a dot in device pixels."""


class PathDots(pg.GraphicsObject):
    """Dots in data coordinates, one colour per group (a path)."""

    def __init__(self) -> None:
        super().__init__()
        self._groups: dict[str, tuple[QPen, QPolygonF]] = {}
        self._points: dict[str, np.ndarray] = {}
        self._bounds = QRectF()

    def set_dots(self, groups: Mapping[str, tuple[str, np.ndarray]]) -> None:
        """Draw ``groups``: name -> (colour '#rrggbb', finite points (k, 2) in data coordinates),
        in this order (later groups on top)."""
        self.prepareGeometryChange()
        self._groups, self._points = {}, {}
        for name, (colour, points) in groups.items():
            points = np.asarray(points, dtype=float).reshape(-1, 2)
            if not len(points):
                continue
            pen = QPen(QColor(colour))
            pen.setWidthF(DOT_SIZE)
            pen.setCosmetic(True)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            self._groups[name] = (pen, pg.functions.arrayToQPolygonF(points[:, 0], points[:, 1]))
            self._points[name] = points
        every = self.points()
        if len(every):
            (x0, y0), (x1, y1) = every.min(axis=0), every.max(axis=0)
            self._bounds = QRectF(x0, y0, x1 - x0, y1 - y0)
        else:
            self._bounds = QRectF()
        self.update()

    def points(self, name: str | None = None) -> np.ndarray:
        """The dotted points (k, 2) of group ``name``, or of every group (None)."""
        if name is not None:
            return self._points.get(name, np.empty((0, 2)))
        return np.concatenate(list(self._points.values()) or [np.empty((0, 2))])

    def boundingRect(self) -> QRectF:
        if not self._groups:
            return QRectF()
        # The dots reach DOT_SIZE / 2 device pixels beyond the points.
        px, py = self.pixelVectors()
        pad_x = 0.0 if px is None else px.length() * DOT_SIZE
        pad_y = 0.0 if py is None else py.length() * DOT_SIZE
        return self._bounds.adjusted(-pad_x, -pad_y, pad_x, pad_y)

    def viewTransformChanged(self) -> None:
        self.prepareGeometryChange()  # the padding in data units follows the zoom
        super().viewTransformChanged()

    def paint(self, painter, *_args) -> None:
        painter.setRenderHint(painter.RenderHint.Antialiasing, True)
        for pen, polygon in self._groups.values():
            painter.setPen(pen)
            painter.drawPoints(polygon)
