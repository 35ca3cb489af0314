"""How every plot of Optimizer Lab looks: one colour per optimizer and per run entry, pens, the
plot widget (the legend is in :mod:`gui.legend`).

Every panel and legend takes its colours from :data:`OPTIMIZER_COLORS`, so an optimizer has the
same colour in the 2D paths, the loss curves, the accuracy curves and the optimizer picker.
Plots use a white background with dark axes, which reads best on lecture slides.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
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
