"""The 2D panel: the landscape of a test function, the start point and each optimizer's path.

The landscape (bands, colour bar, contour lines, critical points) is drawn by
:class:`gui.landscape.Landscape`. The path items (a faint line of the whole path and the
revealed part) are created once and only updated with ``setData``, and only for the paths that
changed, clipped to the visible view (re-clipped when the view is panned, zoomed or resized; the
paths take no part in its auto range); the dots on their points and the current-step markers
are two :class:`gui.path_dots.PathDots` for all paths. The start marker can be dragged (the
paths follow it) and a click anywhere else on the plot (not on its legend) moves it there; both
emit :attr:`PathPanel.startPicked`. Hovering a path point shows its step, position, f, gradient
and update; Space, Left and Right drive the timeline when the plot has the keyboard focus.
"""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QCheckBox, QGraphicsItem, QGraphicsScene, QToolTip, QVBoxLayout, QWidget

from nncore.functions import get_function
from nncore.optimizers import OPTIMIZERS
from nncore.paths import PathResult

from . import style
from .legend import OptimizerLegend
from .landscape import Landscape
from .path_dots import PathDots

CLIP_MARGIN = 0.1
"""Paths are drawn clipped to the visible view range widened by this fraction of its width
(height) on each side: more than a dot's radius and a pen's width, so the cut ends stay out of
sight. Qt strokes an antialiased 2 px line through its whole length, inside the view or not: a
diverging Nesterov path's 11 points reaching 150 view heights out took 7 ms to draw, 0.2 ms
clipped (and it rasterises coordinates like 1e150 as garbage, e.g. a filled band)."""
HOVER_RADIUS_PX = 8.0
"""A path point within this many pixels of the cursor shows its tooltip."""
SYMBOL_LIMIT = style.DENSE_POINTS
"""Paths with more points than this are drawn without a marker on every point, 1 px wide."""
MARKER_SIZE = 13.0
"""Diameter in pixels of the current step's marker on each path (inside its white ring)."""
GHOST_ALPHA = 70
"""Opacity (0-255) of the whole path drawn under its revealed part."""
DIVERGED_MARK = "\u2715"


def path_pen(colour: str, width: float = style.LINE_WIDTH) -> QPen:
    """The pen of a path ``width`` px wide in ``colour``: flat-capped, as a path wider than
    1 px is drawn one segment at a time (:meth:`PathPanel._set_density`): no square ends stick
    out at the turns (where a polyline has its bevelled joins, the dot on the point sits)."""
    pen = style.hex_pen(colour, width=width)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


def clip_box(view: tuple[float, float, float, float],
             margin: float = CLIP_MARGIN) -> tuple[float, float, float, float]:
    """The view (x0, x1, y0, y1) widened by ``margin`` of its width and height on each side."""
    x0, x1, y0, y1 = view
    dx, dy = margin * (x1 - x0), margin * (y1 - y0)
    return (x0 - dx, x1 + dx, y0 - dy, y1 + dy)


def inside_box(points: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """Boolean (n,): which rows of ``points`` (n, 2) lie in ``box`` = (x0, x1, y0, y1), edges
    included (non-finite rows never do)."""
    x0, x1, y0, y1 = box
    with np.errstate(invalid="ignore"):
        return (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)


def drawable_points(points: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The polyline ``points`` (n, 2) as it is drawn inside ``box`` = (x0, x1, y0, y1): the
    same array when every point lies in the box; otherwise the parts of its segments inside the
    box, consecutive parts joined as in the path and separate parts split by a NaN row.

    Each segment a + t·(b − a), 0 ≤ t ≤ 1, is cut to the t where it enters and leaves the box
    (Liang–Barsky), so a visible part keeps the segment's exact direction, including a step
    from outside to outside that crosses the box; points inside are kept bit for bit. A cut
    point is computed from the segment's nearer end (a + t·(b − a) or b − (1 − t)·(b − a), with
    1 − t measured from b): a step from 1e150 back into the view loses no digits. A segment
    with a non-finite end is left out.
    """
    inside = inside_box(points, box)
    if len(points) < 2 or inside.all():
        return points
    x0, x1, y0, y1 = box
    low, high = np.array([x0, y0]), np.array([x1, y1])
    a, b = points[:-1], points[1:]
    with np.errstate(all="ignore"):
        delta = b - a
        rising = delta > 0
        near_edge, far_edge = np.where(rising, low, high), np.where(rising, high, low)
        # Per axis, t (from a) and 1 − t (from b) where the segment crosses the edge it enters
        # the box's slab through, and the edge it leaves it through.
        t_in, u_in = (near_edge - a) / delta, (b - near_edge) / delta
        t_out, u_out = (far_edge - a) / delta, (b - far_edge) / delta
        # Parallel to an axis (delta 0): inside that slab for every t, or for none.
        parallel, between = delta == 0, (a >= low) & (a <= high)
        t_in = np.where(parallel, np.where(between, -np.inf, np.inf), t_in)
        u_in = np.where(parallel, np.where(between, np.inf, -np.inf), u_in)
        t_out = np.where(parallel, np.where(between, np.inf, -np.inf), t_out)
        u_out = np.where(parallel, np.where(between, -np.inf, np.inf), u_out)
        enter, enter_u = np.maximum(t_in.max(axis=1), 0.0), np.minimum(u_in.min(axis=1), 1.0)
        leave, leave_u = np.minimum(t_out.min(axis=1), 1.0), np.maximum(u_out.max(axis=1), 0.0)
        first = np.where((enter == 0.0)[:, None], a,
                         np.where((enter < 0.5)[:, None], a + enter[:, None] * delta,
                                  b - enter_u[:, None] * delta))
        last = np.where((leave == 1.0)[:, None], b,
                        np.where((leave_u < 0.5)[:, None], b - leave_u[:, None] * delta,
                                 a + leave[:, None] * delta))
    kept = np.isfinite(delta).all(axis=1) & (enter <= leave)
    # Segment i continues segment i - 1 when both are kept and not cut at their shared point.
    joined = np.zeros(len(a), dtype=bool)
    joined[1:] = kept[:-1] & kept[1:] & (leave[:-1] == 1.0) & (enter[1:] == 0.0)
    index = np.flatnonzero(kept)
    rows = np.full((len(index), 3, 2), np.nan)
    rows[:, 0], rows[:, 1] = first[index], last[index]
    used = np.ones((len(index), 3), dtype=bool)
    used[:, 0] = ~joined[index]  # a joined segment starts where the previous one ended
    used[:, 2] = ~np.append(joined[1:], False)[index]  # a break unless the next one is joined
    drawn = rows[used]
    return drawn[:-1] if len(drawn) else drawn  # no break after the last part


def nearest_point(paths: Mapping[str, PathResult], steps_shown: int, x: float, y: float,
                  pixel: tuple[float, float], radius: float = HOVER_RADIUS_PX):
    """The (name, step) of the shown path point nearest to (x, y), measured in pixels of size
    ``pixel`` = (data units per pixel in x, in y), if within ``radius`` pixels; else None."""
    best, best_distance = None, radius
    for name, result in paths.items():
        points = result.points[:steps_shown + 1]
        with np.errstate(invalid="ignore", over="ignore"):
            distance = np.hypot((points[:, 0] - x) / pixel[0], (points[:, 1] - y) / pixel[1])
        if not len(distance):
            continue
        index = int(np.nanargmin(distance)) if np.isfinite(distance).any() else 0
        if distance[index] <= best_distance:
            best, best_distance = (name, index), float(distance[index])
    return best


def _pair(values) -> str:
    return f"({values[0]:.4g}, {values[1]:.4g})"


def point_text(name: str, result: PathResult, step: int) -> str:
    """The hover text of point ``step`` of ``name``'s path: position, f, gradient and update."""
    lines = [f"{name}, step {step}", f"(x, y) = {_pair(result.points[step])}"]
    if result.f is not None:
        lines.append(f"f = {result.f[step]:.6g}")
        if step < len(result.gradients):
            lines.append(f"gradient here {_pair(result.gradients[step])}")
            lines.append(f"next update {_pair(result.updates[step])}")
    return "\n".join(lines)


class _Arrow:
    """A line from a point with an arrow head at its end, in data coordinates.

    The head's shape is built once, pointing left, and turned with the item's rotation; pens
    and brushes are made once per colour: the inspector moves its arrows on every change of a
    live path, and pyqtgraph rebuilt the head's path and a pen and brush at every move."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self.line = pg.PlotCurveItem()
        self.head = pg.ArrowItem(headLen=11, tipAngle=32, pen=None, angle=0)
        for item in (self.line, self.head):
            item.setZValue(40)
            plot_item.addItem(item)
        self._colour: str | None = None
        self.set(None)

    def set(self, arrow) -> None:
        """Show ``arrow`` = (x, y, dx, dy, colour, angle in degrees) or hide (None)."""
        visible = arrow is not None
        self.line.setVisible(visible)
        self.head.setVisible(visible)
        if visible:
            x, y, dx, dy, colour, angle = arrow
            if colour != self._colour:
                self._colour = colour
                self.line.setPen(pg.mkPen(colour, width=2.5))
                self.head.setBrush(pg.mkBrush(colour))
            self.line.setData([x, x + dx], [y, y + dy])
            self.head.setRotation(angle)
            self.head.setPos(x + dx, y + dy)


class PathPanel(QWidget):
    """The landscape of a test function with each optimizer's trajectory.

    ``set_paths`` takes the trajectories; ``show_steps`` reveals the first n updates of each
    (the animation, and File ▸ Export animation); ``set_current_step`` marks step n on each.
    """

    startPicked = Signal(float, float)
    """(x, y) in data coordinates: the user clicked inside the plot (not on the legend) or
    dragged the start marker there."""
    keyPressed = Signal(int)
    """A key (Qt.Key) for the timeline pressed while the plot has the focus: Space, Left, Right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pathPlot")
        self.setToolTip("Optimizer paths over the landscape; click or drag the white marker to "
                        "set the start point")
        self.plot_widget = style.make_plot_widget("", "x", "y")
        self.plot_widget.setObjectName("pathPlotView")
        self.plot_widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        # No BSP index of the items: the live paths change items on every edit, and keeping the
        # index up to date cost more than finding the ~100 items of the plot linearly.
        self.plot_widget.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.equal_aspect_check = QCheckBox("Equal scale")
        self.equal_aspect_check.setObjectName("equalAspectCheck")
        self.equal_aspect_check.setToolTip("Same scale on both axes (x\u00b2/20 + y\u00b2 then "
                                           "looks 4.5 times wider than tall, as in the book)")
        self.equal_aspect_check.setChecked(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)

        self.function_key: str | None = None
        self.landscape = Landscape(self.plot_item)
        self.minima_item = self.landscape.minima_item
        self.start_item = pg.TargetItem(pos=(0, 0), size=14, symbol="o", movable=True,
                                        pen=pg.mkPen("#222222", width=2),
                                        brush=pg.mkBrush(255, 255, 255, 220),
                                        hoverPen=pg.mkPen("#000000", width=3),
                                        hoverBrush=pg.mkBrush(255, 255, 255, 255))
        self.start_item.setZValue(50)
        self.start_item.setVisible(False)
        self.start_item.sigPositionChanged.connect(self._start_dragged)
        self.plot_item.addItem(self.start_item)
        self._placing_start = False
        self.path_items: dict[str, pg.PlotDataItem] = {}
        self.ghost_items: dict[str, pg.PlotCurveItem] = {}
        self.current_item = PathDots(size=MARKER_SIZE, outline=("#ffffff", 2.0))
        """The markers of the current step, one per path in the path's colour, ringed in white
        (one item for all, stamped from an atlas: 17 items took ~14 ms of every repaint, a
        ScatterPlotItem ~1 ms with its spots rebuilt at every move)."""
        self.current_item.setZValue(35)
        self.plot_item.addItem(self.current_item, ignoreBounds=True)
        self.dots_item = PathDots()
        """A dot on every revealed point of the paths of at most SYMBOL_LIMIT points, in the
        path's colour; one item for all, as for the markers."""
        self.dots_item.setZValue(30)
        self.plot_item.addItem(self.dots_item, ignoreBounds=True)
        self._dots: dict[str, np.ndarray] = {}
        """Path name -> its dotted points (k, 2), finite rows of the revealed part."""
        self.colors: dict[str, str] = {}
        """Path label (run entry) -> '#rrggbb'; others take gui.style.name_color."""
        for name in OPTIMIZERS:
            self._add_path_item(name)
        for side in ("left", "bottom"):  # repainted only when their ticks change
            self.plot_item.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.arrows: list[_Arrow] = []
        self._arrow_specs: list[tuple] = []
        self.legend = OptimizerLegend(self.plot_item)
        self.legend.item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.legend.hidden.changed.connect(self._draw_dots)  # a path hidden by a click: its dots too
        self.paths: dict[str, PathResult] = {}
        self.explanations: dict[str, str] = {}
        self.steps_shown = 0
        self.current_step = 0
        self._drawn: dict[str, tuple[int, int]] = {}
        """Path name -> (id of its PathResult, steps shown) as drawn."""
        self._box = clip_box((-1.0, 1.0, -1.0, 1.0))
        """The clip box the paths are drawn in (clip_box of the view range)."""
        self._clipped: set[str] = set()
        """Paths with a point outside the clip box they were drawn in (drawn cut)."""
        self._marked: dict[str, tuple[float, float]] = {}
        """Path name -> the point its current-step marker is drawn at."""
        self._marked_colors: list[str] = []
        self.plot_widget.scene().sigMouseClicked.connect(self._clicked)
        self.plot_widget.scene().sigMouseMoved.connect(self._hovered)
        self.plot_widget.installEventFilter(self)
        self.plot_item.getViewBox().sigTransformChanged.connect(self._draw_arrows)
        self.plot_item.getViewBox().sigRangeChanged.connect(self._view_changed)
        self.equal_aspect_check.toggled.connect(self.set_equal_aspect)
        self.set_equal_aspect(True)

    def _add_path_item(self, label: str) -> None:
        """The (hidden) path, ghost and current-step marker items of the path ``label`` (an
        optimizer or a run entry), in its colour."""
        color = self.colors.get(label) or style.name_color(label)
        z = len(self.path_items)
        ghost = pg.PlotCurveItem(pen=style.hex_pen(color, width=1, alpha=GHOST_ALPHA))
        # No dynamic range limit: the data is clipped to the view already (drawable_points),
        # and the limit re-made every path's drawn data at every pan or zoom.
        item = pg.PlotDataItem(pen=path_pen(color), dynamicRangeLimit=None)
        for offset, graphic in ((0, ghost), (10, item)):
            graphic.setZValue(10 + offset + z / 100)
            graphic.setVisible(False)
            # Out of the view's auto range ("View all" shows the landscape): the drawn data
            # follows the view (clip_box), so it must not decide the view.
            self.plot_item.addItem(graphic, ignoreBounds=True)
        # Not cached as pixmaps: a diverging path's bounds reach far outside the view, and
        # Qt then kept showing the old path's pixmap (seen in a screenshot).
        self.path_items[label] = item
        self.ghost_items[label] = ghost

    def set_colors(self, colors: dict[str, str]) -> None:
        """Draw the path of each label in ``colors[label]`` ('#rrggbb'); the same colours again
        (every edit of a setting passes them) change nothing."""
        if dict(colors) == self.colors:
            return
        self.colors = dict(colors)
        for label, item in self.path_items.items():
            color = self.colors.get(label) or style.name_color(label)
            item.setPen(path_pen(color, width=item.opts["pen"].widthF()))
            self.ghost_items[label].setPen(style.hex_pen(color, width=1, alpha=GHOST_ALPHA))
        self._drawn.clear()
        self._draw_dots()

    # -- function and start ------------------------------------------------------------------
    def set_function(self, key: str) -> None:
        """Draw the landscape of function ``key`` and fit the view to its bounds."""
        if key == self.function_key:
            return
        self.landscape.set_function(key)
        self.function_key = key
        self._fit_view()
        self._drawn.clear()

    def _fit_view(self) -> None:
        if self.function_key is None:
            return
        x0, x1, y0, y1 = get_function(self.function_key).bounds
        self.plot_item.enableAutoRange(enable=False)
        self.plot_item.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)

    def set_equal_aspect(self, equal: bool) -> None:
        """Lock both axes to the same scale (True, the default) or let each fill the plot."""
        if self.equal_aspect_check.isChecked() != equal:
            self.equal_aspect_check.setChecked(equal)
            return
        self.plot_item.getViewBox().setAspectLocked(equal, ratio=1.0)
        self._fit_view()

    def set_start(self, x: float, y: float) -> None:
        """Mark the start point (x, y)."""
        if self.start == (x, y):
            return
        self._placing_start = True
        try:
            self.start_item.setPos(x, y)
        finally:
            self._placing_start = False
        self.start_item.setVisible(True)

    @property
    def start(self) -> tuple[float, float] | None:
        """The marked start point, or None before ``set_start``."""
        if not self.start_item.isVisible():
            return None
        position = self.start_item.pos()
        return (float(position.x()), float(position.y()))

    def _start_dragged(self) -> None:
        if not self._placing_start:
            self.startPicked.emit(*self.start)

    # -- paths -------------------------------------------------------------------------------
    def set_paths(self, paths: dict[str, PathResult], steps_shown: int | None = None,
                  explanations: Mapping[str, str] | None = None) -> None:
        """Show ``paths`` (optimizer name -> PathResult), revealing ``steps_shown`` updates of
        each (None = all of them, immediately). Optimizers not in ``paths`` are hidden.
        ``explanations`` (name -> why it diverged) go into the legend's tooltip."""
        self.paths = dict(paths)
        self.explanations = dict(explanations or {})
        for name in self.paths:
            if name not in self.path_items:
                self._add_path_item(name)
        for name, item in self.path_items.items():
            shown = name in self.paths
            item.setVisible(shown)
            if not shown:
                self._dots.pop(name, None)
                self.ghost_items[name].setVisible(False)
                item.setData([], [])
                self.ghost_items[name].setData([], [])
                self._drawn.pop(name, None)
                self._clipped.discard(name)
        self.show_steps(self.total_steps if steps_shown is None else steps_shown)

    @property
    def total_steps(self) -> int:
        """The number of updates in the longest path shown (0 without paths)."""
        return max((len(p.points) - 1 for p in self.paths.values()), default=0)

    def _clip_box(self) -> tuple[float, float, float, float]:
        """clip_box of the view range shown now."""
        (x0, x1), (y0, y1) = self.plot_item.getViewBox().viewRange()
        return clip_box((x0, x1, y0, y1))

    def show_steps(self, steps: int) -> None:
        """Reveal the start and the first ``steps`` updates of every path (the rest stays as a
        faint line, which is left out while the whole path is revealed: it would lie under it)
        and mark step ``steps`` on each. Only paths that are new or show a new number of steps
        are given data."""
        self.steps_shown = max(0, min(int(steps), self.total_steps))
        self._draw_paths()
        self.set_current_step(self.steps_shown)
        self._update_legend()

    def _draw_paths(self) -> None:
        """Give the path items of every path not drawn as it is now shown (a new record, a new
        number of steps) their data, clipped to the view (:func:`drawable_points`); then the
        dots of the redrawn paths."""
        self._box = box = self._clip_box()
        redrawn = set(self._dots) - set(self.paths)
        for name in redrawn:
            del self._dots[name]
        for name, result in self.paths.items():
            key = (id(result), self.steps_shown)
            if self._drawn.get(name) == key:
                continue
            redrawn.add(name)
            ghost, item = self.ghost_items[name], self.path_items[name]
            whole_shown = self.steps_shown >= len(result.points) - 1
            if self._drawn.get(name, (None,))[0] != id(result):
                whole = drawable_points(result.points, box)
                ghost.setData(whole[:, 0], whole[:, 1], connect="finite")
                self._set_density(name, len(result.points))
                if whole is result.points:
                    self._clipped.discard(name)
                else:
                    self._clipped.add(name)
            ghost.setVisible(not whole_shown)
            revealed = result.points[:self.steps_shown + 1]
            shown = drawable_points(revealed, box)
            item.setData(shown[:, 0], shown[:, 1], connect="finite")
            dotted = len(result.points) <= SYMBOL_LIMIT  # past it, dots only cost paint time
            # The path's own points in the box (not where a cut segment leaves it).
            self._dots[name] = revealed[inside_box(revealed, box)] if dotted else revealed[:0]
            self._drawn[name] = key
        if redrawn:
            self._draw_dots()

    def _view_changed(self, *_args) -> None:
        """The view was panned, zoomed or resized: redraw the paths cut by the old clip box or
        reaching outside the new one, and the current-step markers."""
        box = self._clip_box()
        if box == self._box:
            return
        for name, result in self.paths.items():
            if name in self._clipped or not inside_box(result.points, box).all():
                self._drawn.pop(name, None)
        self._draw_paths()
        self.set_current_step(self.current_step)

    def _set_density(self, name: str, points: int) -> None:
        """Draw ``name``'s path of ``points`` points LINE_WIDTH wide, one segment at a time,
        or, past SYMBOL_LIMIT points, 1 px wide as one polyline (:func:`gui.style.line_width`).

        Qt rasterises an antialiased polyline wider than 1 px as one outline, in a time growing
        with the square of its length on screen: a diverging Nesterov path of 29 steps zigzagging
        across the whole view took 50-90 ms a repaint as a polyline, 0.6 ms as segments
        (``drawLines``). Thin lines take Qt's fast cosmetic stroker either way."""
        item = self.path_items[name]
        width = style.line_width(points)
        if item.opts["pen"].widthF() != width:
            item.setPen(path_pen(self.colors.get(name) or style.name_color(name), width=width))
        item.curve.setSegmentedLineMode("on" if width > 1 else "auto")

    def _draw_dots(self) -> None:
        """Give :attr:`dots_item` the dots of every shown path not hidden from the legend."""
        self.dots_item.set_dots({name: (self.colors.get(name) or style.name_color(name), points)
                                 for name, points in self._dots.items()
                                 if self.path_items[name].isVisible()})

    def set_current_step(self, step: int) -> None:
        """Mark step ``step`` (or the last point, for a shorter path) on every path."""
        self.current_step = step
        x0, x1, y0, y1 = self._box
        marked = {}
        for name, result in self.paths.items():
            x, y = (float(v) for v in result.points[min(step, len(result.points) - 1)])
            # Inside the clip box only: Qt misdraws far-away points, and the box follows the view.
            if x0 <= x <= x1 and y0 <= y <= y1:
                marked[name] = (x, y)
        colors = [self.colors.get(name) or style.name_color(name) for name in marked]
        if marked != self._marked or colors != self._marked_colors:  # only for a move
            self.current_item.set_dots({name: (color, np.array([point]))
                                        for (name, point), color in zip(marked.items(), colors)})
            self._marked, self._marked_colors = marked, colors

    def marked_point(self, name: str) -> tuple[float, float] | None:
        """Where the current-step marker of ``name``'s path is drawn (None: no marker)."""
        return self._marked.get(name)

    def clear_paths(self) -> None:
        """Remove every path (the landscape and the start point stay)."""
        self.set_paths({})
        self.set_arrows([])

    def _update_legend(self) -> None:
        entries, tips = [], []
        for name, result in self.paths.items():
            diverged = result.diverged_at is not None and self.steps_shown >= len(result.points) - 1
            label = f"{style.display_name(name)} {DIVERGED_MARK}" if diverged else style.display_name(name)
            note = OPTIMIZERS[name].path_note if name in OPTIMIZERS else ""
            entries.append((self.path_items[name], f"{label} \u2014 {note}" if note else label))
            if diverged:
                why = self.explanations.get(name) or f"at step {result.diverged_at} {result.reason}"
                tips.append(f"{name} diverged at step {result.diverged_at}: {why}")
        self.legend.show(entries)
        self.legend.item.setToolTip("\n".join(tips))

    # -- inspector arrows --------------------------------------------------------------------
    def set_arrows(self, arrows: list[tuple[float, float, float, float, str]]) -> None:
        """Draw ``arrows`` = [(x, y, dx, dy, colour)] in data coordinates (the step inspector)."""
        if list(arrows) == self._arrow_specs:
            return  # another path changed: these arrows stay where they are
        while len(self.arrows) < len(arrows):
            self.arrows.append(_Arrow(self.plot_item))
        self._arrow_specs = list(arrows)
        self._draw_arrows()

    def _draw_arrows(self, *_args) -> None:
        view = self.plot_item.getViewBox()
        for index, arrow in enumerate(self.arrows):
            spec = self._arrow_specs[index] if index < len(self._arrow_specs) else None
            if spec is None or not (math.isfinite(spec[2]) and math.isfinite(spec[3])) \
                    or (spec[2], spec[3]) == (0.0, 0.0):
                arrow.set(None)
                continue
            x, y, dx, dy, colour = spec
            tail = view.mapViewToScene(pg.Point(x, y))
            tip = view.mapViewToScene(pg.Point(x + dx, y + dy))
            # ArrowItem's angle 0 points left (-x on screen); Qt rotates clockwise (y down).
            angle = math.degrees(math.atan2(-(tip.y() - tail.y()), -(tip.x() - tail.x())))
            arrow.set((x, y, dx, dy, colour, angle))

    # -- mouse and keys ----------------------------------------------------------------------
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

    def _hovered(self, scene_position) -> None:
        view = self.plot_item.getViewBox()
        if not self.paths or not view.sceneBoundingRect().contains(scene_position):
            return
        point = view.mapSceneToView(scene_position)
        pixel = view.viewPixelSize()
        found = nearest_point(self.paths, self.steps_shown, point.x(), point.y(), pixel)
        text = point_text(found[0], self.paths[found[0]], found[1]) if found else ""
        self.plot_widget.setToolTip(text)
        if text:
            global_position = self.plot_widget.mapToGlobal(
                self.plot_widget.mapFromScene(scene_position))
            QToolTip.showText(global_position, text, self.plot_widget)
        else:
            QToolTip.hideText()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.plot_widget and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Space, Qt.Key.Key_Left, Qt.Key.Key_Right):
                self.keyPressed.emit(int(key))
                return True
        return super().eventFilter(watched, event)
