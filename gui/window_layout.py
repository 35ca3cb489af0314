"""How the window shares its width between its columns, from 1024 x 640 to full HD.

The window has three columns: the controls (in a scroll area), the 2D instruments and the MNIST
views. Two rules keep every column readable in a narrow window:

- :func:`compact_inputs`: no spin box or combo box asks for more than INPUT_WIDTH pixels (a
  seed box sized for 2³¹ asked for 136 px, the function combo for 242 px); a long value then
  scrolls inside its box and a long choice is elided, instead of pushing its column wider than
  the window has room for.
- :class:`ColumnFitter`: until the user drags a splitter handle, each resize gives the controls
  their preferred width but at most CONTROLS_SHARE of the window (never less than their
  minimum), and splits the rest between the plot columns in proportion to their minimum widths.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import (QAbstractSpinBox, QComboBox, QScrollArea, QSizePolicy, QSplitter,
                               QTabWidget, QWidget)

INPUT_WIDTH = 80
"""The most minimum width (px) a combo box may ask for."""
SPIN_WIDTH = 56
"""The width (px) a spin box may shrink to (Qt's default lets none shrink below its preferred
width, which is sized for the longest value of its range)."""
CONTROLS_SHARE = 0.34
"""The largest share of the window's width the controls column takes while the user has not
dragged a splitter."""
EDGE_MARGIN = 6
"""Pixels between the last column and the window's right edge."""


def compact_inputs(widget: QWidget) -> None:
    """Let every combo box under ``widget`` shrink to INPUT_WIDTH px and every spin box to
    SPIN_WIDTH px (none below what it already allows); both still grow when there is room."""
    for box in widget.findChildren(QComboBox):
        if box.minimumSizeHint().width() > INPUT_WIDTH:
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(6)
            box.setMinimumWidth(INPUT_WIDTH)
    for box in widget.findChildren(QAbstractSpinBox):
        policy = box.sizePolicy()
        policy.setHorizontalPolicy(QSizePolicy.Policy.Preferred)
        box.setSizePolicy(policy)
        box.setMinimumWidth(min(SPIN_WIDTH, box.sizeHint().width()))


def size_to_current_tab(tabs: QTabWidget) -> None:
    """Make ``tabs`` as small as its current page allows (Qt's default: as its widest page), so
    a wide page the user has not opened does not squeeze the other columns."""
    def follow(current: int) -> None:
        for index in range(tabs.count()):
            policy = QSizePolicy.Policy.Preferred if index == current else QSizePolicy.Policy.Ignored
            tabs.widget(index).setSizePolicy(policy, policy)
        tabs.updateGeometry()

    tabs.currentChanged.connect(follow)
    follow(tabs.currentIndex())


def column_widths(total: int, controls: tuple[int, int], others: list[int]) -> list[int]:
    """Widths of the columns for a splitter ``total`` px wide: the controls get their preferred
    width ``controls[1]``, at most CONTROLS_SHARE of ``total`` but at least their minimum
    ``controls[0]``; the rest is split between the other columns in proportion to their minimum
    widths ``others``."""
    minimum, preferred = controls
    first = max(minimum, min(preferred, int(total * CONTROLS_SHARE)))
    rest = max(total - first, 0)
    weights = [max(width, 1) for width in others]
    widths = [rest * weight // sum(weights) for weight in weights]
    widths[-1] += rest - sum(widths)
    return [first, *widths]


class ColumnFitter(QObject):
    """Re-fits ``main`` (controls | plots) and ``plots`` (2D | MNIST) whenever ``main`` is
    resized or shown, until the user moves one of their handles."""

    def __init__(self, main: QSplitter, plots: QSplitter) -> None:
        super().__init__(main)
        self.main, self.plots = main, plots
        self.active = True
        """False once the user has dragged a handle: the window then keeps their widths."""
        for splitter in (main, plots):
            splitter.splitterMoved.connect(self._moved_by_user)
        main.installEventFilter(self)
        controls = main.widget(0)
        self.content = controls.widget() if isinstance(controls, QScrollArea) else controls
        self.content.installEventFilter(self)  # its minimum changes with the optimizer shown

    def _moved_by_user(self, *_args) -> None:
        self.active = False

    def keep_minimum(self) -> int:
        """Keep the controls' column at least as wide as the controls' minimum (which changes
        with the optimizer shown), so they are scrolled up and down, never clipped; return the
        controls' preferred width."""
        controls, content = self.main.widget(0), self.content
        extra = controls.verticalScrollBar().sizeHint().width() + 2 * controls.frameWidth() \
            if isinstance(controls, QScrollArea) else 0
        controls.setMinimumWidth(content.minimumSizeHint().width() + extra)
        return content.sizeHint().width() + extra

    def fit(self) -> None:
        """Give the columns their widths for the splitters' current size (see column_widths)."""
        controls = self.main.widget(0)
        preferred = self.keep_minimum()
        shown = [self.plots.widget(i) for i in range(self.plots.count())
                 if not self.plots.widget(i).isHidden()]
        handle = self.main.handleWidth()
        widths = column_widths(self.main.width() - handle * len(shown),
                               (controls.minimumWidth(), preferred),
                               [w.minimumSizeHint().width() for w in shown])
        self.main.setSizes([widths[0], sum(widths[1:]) + handle * (len(shown) - 1)])
        sizes = iter(widths[1:])
        self.plots.setSizes([next(sizes) if not self.plots.widget(i).isHidden() else 0
                             for i in range(self.plots.count())])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.content:
            if event.type() == QEvent.Type.LayoutRequest:
                self.fit() if self.active else self.keep_minimum()
        elif self.active and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.fit()
        return False
