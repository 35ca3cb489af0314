"""How every plot of Optimizer Lab looks: one colour per optimizer, pens, the plot widget and legend.

Every panel and legend takes its colours from :data:`OPTIMIZER_COLORS`, so an optimizer has the
same colour in the 2D paths, the loss curves, the accuracy curves and the optimizer picker.
Plots use a white background with dark axes, which reads best on lecture slides.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap

from nncore.optimizers import OPTIMIZERS

from .doc_text import plain_text

OPTIMIZER_COLORS: dict[str, str] = {
    "SGD": "#1f77b4",       # blue
    "Momentum": "#ff7f0e",  # orange
    "Nesterov": "#9467bd",  # purple
    "AdaGrad": "#2ca02c",   # green
    "RMSprop": "#8c564b",   # brown
    "Adam": "#d62728",      # red
    "AdamW": "#e377c2",     # pink
    "Nesterov2016": "#5e3c99",  # dark purple (beside Nesterov's)
    "NAdam": "#17becf",     # cyan
    "RAdam": "#bcbd22",     # olive
    "Adamax": "#7f7f7f",    # grey
    "Adadelta": "#393b79",  # indigo
    "AdaBelief": "#ad494a",  # maroon
    "Lion": "#e7ba52",      # gold
    "Muon": "#6b6ecf",      # periwinkle
    "ScheduleFreeAdamW": "#8c6d31",  # bronze
    "Prodigy": "#111111",   # black
}
"""Optimizer name -> hex colour (matplotlib's 'tab10' hues for the first seven, darker 'tab20b/c'
hues for the rest: distinct and readable on white)."""

assert set(OPTIMIZER_COLORS) == set(OPTIMIZERS), "every registered optimizer needs a colour"

BACKGROUND = "#ffffff"
FOREGROUND = "#222222"
CONTOUR_COLORS = ("#9fb4cc", "#c9d3df")
"""Contour lines fade from the first colour (lowest level) to the second (highest)."""
RAW_ALPHA = 45
"""Opacity (0-255) of the raw, unsmoothed loss curves drawn under the smoothed ones."""
LINE_WIDTH = 2.0
DENSE_POINTS = 201
"""A curve of more points than this is drawn 1 px wide (see :func:`line_width`)."""
HINT_COLOR = "#888888"
"""Text colour of the hints shown in empty plots."""


def configure_pyqtgraph() -> None:
    """Global pyqtgraph options for every plot: white background, dark axes, antialiasing.

    No OpenGL: the offscreen platform used for tests and headless export has none.
    """
    pg.setConfigOptions(background=BACKGROUND, foreground=FOREGROUND, antialias=True,
                        useOpenGL=False)


def color(name: str, alpha: int = 255) -> QColor:
    """The colour of optimizer ``name`` (or of a curve named otherwise, :func:`name_color`)
    with opacity ``alpha`` (0-255)."""
    result = QColor(name_color(name))
    result.setAlpha(alpha)
    return result


def pen(name: str, width: float = LINE_WIDTH, alpha: int = 255):
    """A solid pen of optimizer ``name``'s colour, ``width`` in device pixels."""
    return pg.mkPen(color(name, alpha), width=width)


def swatch_icon(name: str, size: int = 14) -> QIcon:
    """A square ``size`` x ``size`` px icon filled with optimizer ``name``'s colour."""
    pixmap = QPixmap(size, size)
    pixmap.fill(color(name))
    return QIcon(pixmap)


def make_plot_widget(title: str, x_label: str, y_label: str, axis_classes=None) -> pg.PlotWidget:
    """A PlotWidget with the project's look: white, grid, labelled axes, title. ``axis_classes``
    (side -> a pg.AxisItem subclass) replaces pyqtgraph's axes on those sides."""
    configure_pyqtgraph()  # before any axis is made: they take their pens from it
    axis_items = {side: cls(side) for side, cls in (axis_classes or {}).items()}
    widget = pg.PlotWidget(background=BACKGROUND, axisItems=axis_items)
    item = widget.getPlotItem()
    item.setTitle(title, color=FOREGROUND, size="11pt")
    item.setLabel("bottom", x_label)
    item.setLabel("left", y_label)
    item.showGrid(x=True, y=True, alpha=0.15)
    for side in ("bottom", "left"):
        # Major ticks only: the minor grid lines cost ~10 ms per repaint of a plot (measured
        # offscreen), time the GUI thread holds the GIL the training thread needs.
        item.getAxis(side).setStyle(maxTickLevel=0)
    return widget


def display_name(name: str) -> str:
    """The text a window shows for registered optimizer ``name`` (e.g. "Nesterov (book 2016)");
    any other name (a run entry's label) as it is."""
    return (OPTIMIZERS[name].display_name or name) if name in OPTIMIZERS else name


def optimizer_tooltip(name: str) -> str:
    """The optimizer's docstring as plain text, and its note (how it differs) when it has one."""
    cls = OPTIMIZERS[name]
    text = plain_text(cls.__doc__)
    return f"{text}\n\n{cls.note}" if cls.note else text


DIVERGED_MARK = "\u2715"
"""Shown after the name of a diverged optimizer in a legend (the reason is in its tooltip)."""
DIVERGED_SEPARATOR = " \u2014 diverged: "
NOT_LEARNING_MARK = "\u26a0"
"""Shown after the name of an optimizer found not learning (accuracy at chance; it trains on)."""
NOT_LEARNING_SEPARATOR = " \u2014 not learning: "
LEGEND_MARGIN = 10
"""Pixels between a legend and the corner of the plot's data area it sits in."""
HIDDEN_TEXT_COLOR = "#999999"
"""Legend text of an optimizer whose curves the user hid by clicking its entry."""


def legend_label(name: str, diverged_reason: str | None, not_learning_reason: str | None = None) -> str:
    """Full legend description of optimizer ``name``: a diverged one with the reason (else a
    "not learning" one with its reason).

    :class:`OptimizerLegend` shows it compact (``"SGD \u2715"``, ``"SGD \u26a0"``) with the
    reason in a tooltip.
    """
    if diverged_reason is not None:
        return f"{name}{DIVERGED_SEPARATOR}{diverged_reason}"
    if not_learning_reason is not None:
        return f"{name}{NOT_LEARNING_SEPARATOR}{not_learning_reason}"
    return name


def _split_label(label: str) -> tuple[str, str, str | None]:
    """(optimizer name, mark, tooltip text after the name) of a :func:`legend_label` text;
    the mark and the reason are empty / None for an optimizer that is fine."""
    for separator, mark, what in ((DIVERGED_SEPARATOR, DIVERGED_MARK, "diverged"),
                                  (NOT_LEARNING_SEPARATOR, NOT_LEARNING_MARK, "is not learning")):
        name, found, reason = label.partition(separator)
        if found:
            return name, mark, f"{what}: {reason}"
    return label, "", None


LINE_SAMPLES = 2000
"""A drawn line of fewer vertices is sampled at about this many points for the legend's placement."""


def _along_lines(points: np.ndarray) -> np.ndarray:
    """``points`` (n, 2) of a polyline plus points spaced along each segment, so a line of a few
    vertices is seen where it is drawn (NaN rows break the line: no points across a gap)."""
    if len(points) < 2 or len(points) >= LINE_SAMPLES:
        return points
    per_segment = min(32, LINE_SAMPLES // (len(points) - 1))
    fractions = np.linspace(0.0, 1.0, per_segment, endpoint=False)[:, None, None]
    start, end = points[:-1], points[1:]
    between = start + fractions * (end - start)  # (per_segment, n - 1, 2); NaN next to a gap
    return np.concatenate([between.reshape(-1, 2), points[-1:]])


class HiddenOptimizers(QObject):
    """The optimizers whose plot items the user hid by clicking a legend entry.

    Shared by the legends of plots that show the same optimizers (loss and accuracy), so a
    click hides an optimizer's raw, smoothed and accuracy curves until it is clicked again.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.names: set[str] = set()

    def toggle(self, name: str) -> None:
        """Hide ``name`` if shown, show it if hidden."""
        self.names.symmetric_difference_update({name})
        self.changed.emit()


class _Sample(pg.ItemSample):
    """A legend sample whose click is the legend's to handle (pyqtgraph's toggles one item)."""

    def mouseClickEvent(self, event) -> None:
        event.accept()
        self.sigClicked.emit(self.item)


class _LegendItem(pg.LegendItem):
    """pyqtgraph's legend, scaled with its plot in exports, clickable on the whole row, and
    remembering whether the user dragged it (then it stays where it was put)."""

    def __init__(self, **options) -> None:
        super().__init__(sampleType=_Sample, **options)
        # pyqtgraph keeps legends at screen size even in a scaled render, so a 1600 px export
        # got ~8 px text and a legend drifted from its corner; scale it with the plot instead.
        self.setFlag(self.GraphicsItemFlag.ItemIgnoresTransformations, False)
        self.moved_by_user = False
        self.row_clicked: Callable[[int], None] | None = None

    def mouseDragEvent(self, event) -> None:
        super().mouseDragEvent(event)
        if event.isAccepted():
            self.moved_by_user = True

    def mouseClickEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.row_clicked is None:
            return
        y = event.pos().y()
        for row, (sample, label) in enumerate(self.items):
            top = min(sample.mapRectToParent(sample.boundingRect()).top(), label.geometry().top())
            bottom = max(sample.mapRectToParent(sample.boundingRect()).bottom(), label.geometry().bottom())
            if top <= y <= bottom:
                event.accept()
                self.row_clicked(row)
                return


class OptimizerLegend:
    """The legend of a plot: one compact entry per shown optimizer, kept clear of the data.

    - Compact: a diverged optimizer is shown as ``"SGD \u2715"``; the reason is the entry's
      tooltip (and the window's status bar), so a legend never grows wider than its names.
    - Clear of the data: while the user has not dragged it, the legend sits in the corner of the
      data area (``LEGEND_MARGIN`` px in) that covers the fewest drawn points of the plot's
      curves and markers (contour lines, drawn as PlotCurveItems, do not count). It can be
      dragged anywhere and then stays there.
    - Clicking an entry hides every item of that optimizer registered with :meth:`set_items`
      (e.g. raw and smoothed loss) until it is clicked again; the hidden set survives redraws and
      can be shared between legends (:class:`HiddenOptimizers`).
    """

    def __init__(self, plot_item: pg.PlotItem, offset: tuple[float, float] = (-10, 10),
                 hidden: HiddenOptimizers | None = None) -> None:
        self.plot_item = plot_item
        self.item = _LegendItem(offset=offset, labelTextColor=FOREGROUND,
                                brush=pg.mkBrush(255, 255, 255, 220), pen=pg.mkPen("#bbbbbb"))
        self.item.setParentItem(plot_item.getViewBox())
        self.item.setVisible(False)
        self.item.row_clicked = self._row_clicked
        self.item.sigSampleClicked.connect(self._sample_clicked)
        self.hidden = hidden if hidden is not None else HiddenOptimizers()
        self.hidden.changed.connect(self.apply_hidden)
        self._groups: dict[str, tuple[pg.GraphicsObject, ...]] = {}
        self._entries: list[tuple[int, str]] = []
        self._names: list[str] = []
        self._corner: tuple[int, int] | None = None
        plot_item.getViewBox().sigResized.connect(self.place)

    # -- entries ---------------------------------------------------------------------------
    def set_items(self, name: str, items) -> None:
        """Every plot item of optimizer ``name`` that a click on its entry hides."""
        self._groups[name] = tuple(items)

    def show(self, entries: list[tuple[pg.GraphicsObject, str]]) -> None:
        """Show exactly ``entries`` (sample item, :func:`legend_label` text) in this order."""
        key = [(id(item), label) for item, label in entries]
        if key != self._entries:
            self.item.clear()
            self._names = []
            for item, label in entries:
                name, mark, reason = _split_label(label)
                shown = display_name(name) if name in OPTIMIZERS else name
                self.item.addItem(item, f"{shown} {mark}" if mark else shown)
                sample, text = self.item.items[-1]
                tip = f"{shown} {reason}" if reason else f"{shown}: click to hide or show"
                sample.setToolTip(tip)
                text.setToolTip(tip)
                self._names.append(name)
                self._groups.setdefault(name, (item,))
            self.item.setVisible(bool(entries))  # no empty frame before the first run
            self._entries = key
        self.apply_hidden()
        self.place()

    def labels(self) -> list[str]:
        """The full descriptions of the entries, in order (for tests and the status bar)."""
        return [label for _, label in self._entries]

    def texts(self) -> list[str]:
        """The texts the legend shows, in order."""
        return [label.text for _, label in self.item.items]

    def tooltips(self) -> list[str]:
        """The tooltip of each entry, in order."""
        return [label.toolTip() for _, label in self.item.items]

    # -- hiding ----------------------------------------------------------------------------
    def _row_clicked(self, row: int) -> None:
        if row < len(self._names):
            self.hidden.toggle(self._names[row])

    def _sample_clicked(self, item) -> None:
        for name, (sample, _) in zip(self._names, self.item.items):
            if sample.item is item:
                self.hidden.toggle(name)
                return

    def apply_hidden(self) -> None:
        """Hide the items of every hidden optimizer shown here; grey out their entries."""
        for name, (sample, label) in zip(self._names, self.item.items):
            hidden = name in self.hidden.names
            if hidden:
                for item in self._groups.get(name, ()):
                    item.setVisible(False)
            elif not sample.item.isVisible():
                for item in self._groups.get(name, ()):
                    item.setVisible(True)
            color = HIDDEN_TEXT_COLOR if hidden else FOREGROUND
            if label.opts.get("color") != color:  # re-laying the text out costs ~0.6 ms a label
                label.setAttr("color", color)
                label.setText(label.text)
                sample.update()

    def use_hidden(self, hidden: HiddenOptimizers) -> None:
        """Share ``hidden`` with another legend: a click in either hides in both."""
        self.hidden.changed.disconnect(self.apply_hidden)
        self.hidden = hidden
        hidden.changed.connect(self.apply_hidden)
        self.apply_hidden()

    def is_hidden(self, name: str) -> bool:
        """True while the user has hidden optimizer ``name``'s items."""
        return name in self.hidden.names

    # -- placement -------------------------------------------------------------------------
    def _points(self) -> np.ndarray:
        """The drawn points (n, 2) of the plot's visible curves and markers, in view coordinates."""
        chunks = []
        for item in self.plot_item.listDataItems():
            if isinstance(item, pg.PlotCurveItem) or not item.isVisible():
                continue
            x, y = item.getData()
            if x is None or y is None or len(x) == 0:
                continue
            points = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
            if isinstance(item, pg.PlotDataItem) and item.opts.get("pen") is not None:
                points = _along_lines(points)  # a line between far-apart points counts too
            chunks.append(points[np.all(np.isfinite(points), axis=1)])
        return np.concatenate(chunks) if chunks else np.empty((0, 2))

    def corner_counts(self) -> dict[tuple[int, int], int]:
        """Drawn points the legend would cover in each corner (x, y): 1 = right / bottom."""
        view = self.plot_item.getViewBox()
        width, height = self.item.width(), self.item.height()
        area = view.boundingRect()
        points = self._points()
        counts = {}
        for corner in CORNERS:
            left = area.right() - LEGEND_MARGIN - width if corner[0] else area.left() + LEGEND_MARGIN
            top = area.bottom() - LEGEND_MARGIN - height if corner[1] else area.top() + LEGEND_MARGIN
            a = view.mapToView(QPointF(left, top))
            b = view.mapToView(QPointF(left + width, top + height))
            x0, x1 = sorted((a.x(), b.x()))
            y0, y1 = sorted((a.y(), b.y()))
            inside = ((points[:, 0] >= x0) & (points[:, 0] <= x1)
                      & (points[:, 1] >= y0) & (points[:, 1] <= y1))
            counts[corner] = int(np.count_nonzero(inside))
        return counts

    def place(self) -> None:
        """Move the legend to the corner covering the fewest points (first of CORNERS on a tie),
        unless the user dragged it somewhere. In a plot too small for it (the legend would take
        more than MAX_LEGEND_AREA of the data area) it is left out until the plot grows: the
        other panels' legends name the same colours."""
        if self.item.moved_by_user or not self._names:
            return
        self._fit_columns()
        area = self.plot_item.getViewBox().boundingRect()
        room = area.width() * area.height() * MAX_LEGEND_AREA
        self.item.setVisible(self.item.width() * self.item.height() <= room)
        if not self.item.isVisible():
            return
        counts = self.corner_counts()
        current = self._corner if self._corner is not None else CORNERS[0]
        best = min(CORNERS, key=lambda corner: (counts[corner], CORNERS.index(corner)))
        if counts[best] >= counts[current]:
            best = current  # no jumping between corners that cover as much
        if best != self._corner:
            self._corner = best
            offset = (-LEGEND_MARGIN if best[0] else LEGEND_MARGIN,
                      -LEGEND_MARGIN if best[1] else LEGEND_MARGIN)
            self.item.anchor(itemPos=best, parentPos=best, offset=offset)

    def _fit_columns(self) -> None:
        """Spread the entries over more columns when one column would be taller than
        MAX_LEGEND_HEIGHT of the data area (and the columns still fit its width)."""
        entries = len(self.item.items)
        area = self.plot_item.getViewBox().boundingRect()
        if not entries or area.height() <= 0:
            return
        row_height = self.item.height() / max(self.item.rowCount, 1)
        columns = 1
        while (columns < entries and row_height * -(-entries // columns) > MAX_LEGEND_HEIGHT * area.height()
               and self.item.width() / self.item.columnCount * (columns + 1) < area.width()):
            columns += 1
        if columns != self.item.columnCount:
            self.item.setColumnCount(columns)
            self._corner = None  # its size changed: place it again

    @property
    def corner(self) -> tuple[int, int] | None:
        """The corner the legend was placed in ((1, 0) top right), None if the user moved it."""
        return None if self.item.moved_by_user else self._corner


MAX_LEGEND_AREA = 0.4
"""A legend that would cover more than this fraction of its plot's data area is not shown."""
MAX_LEGEND_HEIGHT = 0.5
"""A legend taller than this fraction of the data area is laid out in more columns."""
CORNERS = ((1, 0), (0, 0), (1, 1), (0, 1))
"""Legend corners in order of preference: top right, top left, bottom right, bottom left."""


# ---- run entries (issue 10): one colour per entry ------------------------------------------

ENTRY_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#843c39",
                 "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363")
"""Colours for entries without their own: tab10, then darker tab20b/tab20c hues."""


def entry_colors(entries) -> list[str]:
    """The colour of each of ``entries`` (RunEntry, ticked or not, in list order): its own
    ``color``; else, for the first entry of an optimizer, that optimizer's colour
    (OPTIMIZER_COLORS) unless taken; else the first palette colour that is neither taken nor
    the colour of an optimizer in the list (cycling when none is left)."""
    colors: list[str | None] = [entry.color for entry in entries]
    taken = {color for color in colors if color}
    seen = set()
    for index, entry in enumerate(entries):
        preferred = OPTIMIZER_COLORS.get(entry.optimizer)
        if colors[index] is None and entry.optimizer not in seen and preferred not in taken and preferred:
            colors[index] = preferred
            taken.add(preferred)
        seen.add(entry.optimizer)
    reserved = taken | {OPTIMIZER_COLORS.get(entry.optimizer) for entry in entries}
    for index, color in enumerate(colors):
        if color is None:
            free = [c for c in ENTRY_PALETTE + tuple(OPTIMIZER_COLORS.values()) if c not in reserved]
            colors[index] = free[0] if free else ENTRY_PALETTE[index % len(ENTRY_PALETTE)]
            reserved.add(colors[index])
    return colors


def run_colors(settings) -> dict[str, str]:
    """Label -> colour of the entries of ``settings``' next run (colours assigned over the whole
    list, so ticking an entry out does not recolour the others)."""
    from nncore.entries import entry_labels

    entries = settings.all_entries()
    enabled = [(entry, color) for entry, color in zip(entries, entry_colors(entries)) if entry.enabled]
    return dict(zip(entry_labels([entry for entry, _ in enabled]), [color for _, color in enabled]))


def hex_color(value: str, alpha: int = 255) -> QColor:
    """QColor of ``value`` ('#rrggbb') with opacity ``alpha`` (0-255)."""
    result = QColor(value)
    result.setAlpha(alpha)
    return result


def hex_pen(value: str, width: float = LINE_WIDTH, alpha: int = 255, dashed: bool = False):
    """A pen of colour ``value``, ``width`` device pixels, solid or dashed."""
    from PySide6.QtCore import Qt

    return pg.mkPen(hex_color(value, alpha), width=width,
                    style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)


def line_width(points: int) -> float:
    """The pen width (device pixels) of a curve of ``points`` points: LINE_WIDTH, or 1 for a
    dense curve (more than DENSE_POINTS points). Qt strokes antialiased lines wider than 1 px
    through a slow general path: Lion's zigzag of 1000 values of f took 276 ms to paint at
    2 px and 2.6 ms at 1 px."""
    return 1.0 if points > DENSE_POINTS else LINE_WIDTH


def name_color(name: str) -> str:
    """A fallback colour for a curve named ``name`` when no entry colour is known: its
    optimizer's colour, else a palette colour chosen by the name (stable across runs)."""
    if name in OPTIMIZER_COLORS:
        return OPTIMIZER_COLORS[name]
    return ENTRY_PALETTE[sum(name.encode()) % len(ENTRY_PALETTE)]
