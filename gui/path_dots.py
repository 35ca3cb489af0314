"""The dots on the points of the 2D paths, all paths in one graphics item.

A dot on every revealed point helps to count steps. pyqtgraph draws symbols with a
ScatterPlotItem, whose Python work per paint (~0.5 ms) and per spot (a brush each) made the dots
of 17 paths of 30 points the largest part of a live repaint. :class:`PathDots` keeps the points
of each path and stamps one pre-rendered dot per colour with ``QPainter.drawPixmapFragments``
(one call per path): 17 x 30 dots took 0.55 ms, against 6 ms as antialiased ``drawPoints`` with
a round 6 px pen. Exports (scaled renders) draw the dots as points with that pen instead.
"""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt.internals import PrimitiveArray
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap

DOT_SIZE = 6.0
"""Diameter of a dot in device pixels."""


def dot_pixmap(colour: str, ratio: float) -> QPixmap:
    """A transparent square pixmap with an antialiased disc of DOT_SIZE * ``ratio`` pixels of
    ``colour`` in its centre (``ratio``: the screen's device pixel ratio)."""
    side = math.ceil((DOT_SIZE + 2) * ratio)
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    margin = (side - DOT_SIZE * ratio) / 2
    painter.drawEllipse(QRectF(margin, margin, DOT_SIZE * ratio, DOT_SIZE * ratio))
    painter.end()
    return pixmap


class PathDots(pg.GraphicsObject):
    """Dots in data coordinates, one colour per group (a path)."""

    def __init__(self) -> None:
        super().__init__()
        self._groups: dict[str, tuple[str, np.ndarray]] = {}
        self._pixmaps: dict[tuple[str, float], QPixmap] = {}
        self._fragments = PrimitiveArray(QPainter.PixmapFragment, 10)
        self._bounds = QRectF()

    def set_dots(self, groups: Mapping[str, tuple[str, np.ndarray]]) -> None:
        """Draw ``groups``: name -> (colour '#rrggbb', finite points (k, 2) in data coordinates),
        in this order (later groups on top)."""
        self.prepareGeometryChange()
        self._groups = {name: (colour, np.asarray(points, dtype=float).reshape(-1, 2))
                        for name, (colour, points) in groups.items() if len(points)}
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
            return self._groups[name][1] if name in self._groups else np.empty((0, 2))
        return np.concatenate([points for _, points in self._groups.values()] or [np.empty((0, 2))])

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

    def paint(self, painter, _option, widget=None) -> None:
        if self._exportOpts is not False:
            self._paint_points(painter, self._exportOpts.get("resolutionScale", 1.0))
            return
        ratio = widget.devicePixelRatioF() if widget is not None else 1.0
        transform = painter.transform()
        painter.resetTransform()
        for colour, points in self._groups.values():
            pixmap = self._pixmaps.get((colour, ratio))
            if pixmap is None:
                pixmap = self._pixmaps[(colour, ratio)] = dot_pixmap(colour, ratio)
            # Device coordinates (clipped: Qt misdraws coordinates beyond 2^30).
            xy = np.clip(pg.functions.transformCoordinates(transform, points.T).T, -2 ** 30, 2 ** 30)
            self._fragments.resize(len(xy))
            fragments = self._fragments.ndarray()
            fragments[:, 0:2] = xy  # the centre of each stamped dot
            fragments[:, 2:6] = (0, 0, pixmap.width(), pixmap.height())
            fragments[:, 6:10] = (1 / ratio, 1 / ratio, 0.0, 1.0)  # scale x, y, rotation, opacity
            painter.drawPixmapFragments(*self._fragments.drawargs(), pixmap)
        painter.setTransform(transform)

    def _paint_points(self, painter, scale: float) -> None:
        """The dots as points of a round pen DOT_SIZE * ``scale`` wide (exports)."""
        painter.setRenderHint(painter.RenderHint.Antialiasing, True)
        for colour, points in self._groups.values():
            pen = QPen(QColor(colour))
            pen.setWidthF(DOT_SIZE * scale)
            pen.setCosmetic(True)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawPoints(pg.functions.arrayToQPolygonF(points[:, 0], points[:, 1]))
