"""The dots on the points of the 2D paths, all paths in one graphics item (and, with a white
outline, the current-step markers, one per path).

A dot on every revealed point helps to count steps. pyqtgraph draws symbols with a
ScatterPlotItem, whose Python work per paint (~0.5 ms) and per spot (a brush each) made the dots
of 17 paths of 30 points the largest part of a live repaint. :class:`PathDots` keeps the points
of each path and stamps one pre-rendered dot per colour with ``QPainter.drawPixmapFragments``
in one call for all paths, from an atlas of one dot per colour side by side: 17 x 30 dots took
0.55 ms, against 6 ms as antialiased ``drawPoints`` with a round 6 px pen (and a call per path
cost ~0.15 ms of Python each, 2.7 ms of a live repaint). Exports (scaled renders) draw the dots
as points with that pen instead.
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


Outline = tuple[str, float]
"""(colour '#rrggbb', width in device pixels) of the ring drawn around each dot."""


def cell_side(ratio: float, size: float = DOT_SIZE, outline: Outline | None = None) -> int:
    """The side in pixels of one dot's square cell in the atlas (``ratio``: the screen's device
    pixel ratio): a dot of diameter ``size`` px, its outline and a pixel of antialiasing around."""
    return math.ceil((size + 2 + (outline[1] if outline else 0)) * ratio)


def dot_atlas(colours: tuple[str, ...], ratio: float, size: float = DOT_SIZE,
              outline: Outline | None = None) -> QPixmap:
    """A transparent pixmap of len(``colours``) square cells side by side, cell i holding an
    antialiased disc of ``size`` * ``ratio`` pixels of ``colours[i]`` in its centre, ringed with
    ``outline`` (drawn on the disc's edge, as pyqtgraph draws a symbol's pen)."""
    side = cell_side(ratio, size, outline)
    pixmap = QPixmap(side * max(len(colours), 1), side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(_outline_pen(outline, ratio))
    margin = (side - size * ratio) / 2
    for index, colour in enumerate(colours):
        painter.setBrush(QColor(colour))
        painter.drawEllipse(QRectF(index * side + margin, margin, size * ratio, size * ratio))
    painter.end()
    return pixmap


def _outline_pen(outline: Outline | None, scale: float):
    """The pen of ``outline`` at ``scale`` device pixels per pixel (no pen without one)."""
    if outline is None:
        return QPen(Qt.PenStyle.NoPen)
    pen = QPen(QColor(outline[0]))
    pen.setWidthF(outline[1] * scale)
    return pen


class PathDots(pg.GraphicsObject):
    """Dots in data coordinates, ``size`` px wide, one colour per group (a path), each ringed
    with ``outline`` if given."""

    def __init__(self, size: float = DOT_SIZE, outline: Outline | None = None) -> None:
        super().__init__()
        self.size = size
        self.outline = outline
        self._groups: dict[str, tuple[str, np.ndarray]] = {}
        self._colours: tuple[str, ...] = ()
        """The colours of the groups, each once: the atlas's cells."""
        self._cells = np.empty(0)
        """The atlas cell of each point of :meth:`points`, in that order."""
        self._atlas: tuple[tuple[tuple[str, ...], float], QPixmap] | None = None
        """((colours, device pixel ratio), the atlas drawn for them)."""
        self._fragments = PrimitiveArray(QPainter.PixmapFragment, 10)
        self._bounds = QRectF()

    def set_dots(self, groups: Mapping[str, tuple[str, np.ndarray]]) -> None:
        """Draw ``groups``: name -> (colour '#rrggbb', finite points (k, 2) in data coordinates),
        in this order (later groups on top)."""
        self.prepareGeometryChange()
        self._groups = {name: (colour, np.asarray(points, dtype=float).reshape(-1, 2))
                        for name, (colour, points) in groups.items() if len(points)}
        self._colours = tuple(dict.fromkeys(colour for colour, _ in self._groups.values()))
        self._cells = np.concatenate(
            [np.full(len(points), self._colours.index(colour), dtype=float)
             for colour, points in self._groups.values()] or [np.empty(0)])
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
        # The dots reach (size + outline) / 2 device pixels beyond the points.
        reach = self.size + (self.outline[1] if self.outline else 0)
        px, py = self.pixelVectors()
        pad_x = 0.0 if px is None else px.length() * reach
        pad_y = 0.0 if py is None else py.length() * reach
        return self._bounds.adjusted(-pad_x, -pad_y, pad_x, pad_y)

    def viewTransformChanged(self) -> None:
        self.prepareGeometryChange()  # the padding in data units follows the zoom
        super().viewTransformChanged()

    def paint(self, painter, _option, widget=None) -> None:
        if self._exportOpts is not False:
            self._paint_points(painter, self._exportOpts.get("resolutionScale", 1.0))
            return
        if not self._groups:
            return
        ratio = widget.devicePixelRatioF() if widget is not None else 1.0
        if self._atlas is None or self._atlas[0] != (self._colours, ratio):
            self._atlas = ((self._colours, ratio),
                           dot_atlas(self._colours, ratio, self.size, self.outline))
        atlas, side = self._atlas[1], cell_side(ratio, self.size, self.outline)
        transform = painter.transform()
        painter.resetTransform()
        # Device coordinates (clipped: Qt misdraws coordinates beyond 2^30).
        xy = np.clip(pg.functions.transformCoordinates(transform, self.points().T).T, -2 ** 30, 2 ** 30)
        self._fragments.resize(len(xy))
        fragments = self._fragments.ndarray()
        fragments[:, 0:2] = xy  # the centre of each stamped dot
        fragments[:, 2] = self._cells * side  # its colour's cell in the atlas
        fragments[:, 3:6] = (0, side, side)
        fragments[:, 6:10] = (1 / ratio, 1 / ratio, 0.0, 1.0)  # scale x, y, rotation, opacity
        painter.drawPixmapFragments(*self._fragments.drawargs(), atlas)
        painter.setTransform(transform)

    def _paint_points(self, painter, scale: float) -> None:
        """The dots as points of a round pen (exports), ``scale`` device pixels per pixel: with
        an outline, a point of its colour (size + width) wide under one of the dot's colour
        (size − width) wide; without, one size wide."""
        painter.setRenderHint(painter.RenderHint.Antialiasing, True)
        width = self.outline[1] if self.outline else 0.0
        for colour, points in self._groups.values():
            polygon = pg.functions.arrayToQPolygonF(points[:, 0], points[:, 1])
            if self.outline:
                painter.setPen(_round_pen(self.outline[0], (self.size + width) * scale))
                painter.drawPoints(polygon)
            painter.setPen(_round_pen(colour, (self.size - width) * scale))
            painter.drawPoints(polygon)


def _round_pen(colour: str, width: float) -> QPen:
    """A cosmetic pen of ``colour``, ``width`` device pixels wide, with round caps (a point
    drawn with it is a disc)."""
    pen = QPen(QColor(colour))
    pen.setWidthF(width)
    pen.setCosmetic(True)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen
