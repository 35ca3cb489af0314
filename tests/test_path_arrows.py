"""The inspector's arrows on the path plot: each head sits on the arrow's end and points along it."""
import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QColor

from gui.path_panel import PathPanel
from shown_widgets import book_path_panel


@pytest.mark.parametrize("dx, dy", [(5.0, 0.0), (0.0, 5.0), (-3.0, -4.0), (4.0, -2.0)])
def test_arrow_heads_point_along_their_arrows(qtbot, dx, dy):
    panel = book_path_panel(qtbot, (600, 400))
    panel.set_arrows([(-2.0, 1.0, dx, dy, "#1565c0"), (1.0, 1.0, 2.0, 0.0, "#ef6c00")])
    arrow = panel.arrows[0]
    view = panel.plot_item.getViewBox()
    widget = panel.plot_widget
    tail = widget.mapFromScene(view.mapViewToScene(pg.Point(-2.0, 1.0))).toPointF()
    tip = widget.mapFromScene(view.mapViewToScene(pg.Point(-2.0 + dx, 1.0 + dy))).toPointF()
    # On screen (the head ignores the view's scale and flip): its body lies behind its tip, on
    # the line back to the tail.
    on_screen = arrow.head.deviceTransform(widget.viewportTransform())
    assert (on_screen.map(pg.Point(0, 0)) - tip).manhattanLength() < 1.5  # the tip
    centre = on_screen.mapRect(arrow.head.boundingRect()).center()
    direction = np.array([tip.x() - tail.x(), tip.y() - tail.y()])
    back = np.array([centre.x() - tip.x(), centre.y() - tip.y()])
    cosine = back @ direction / (np.linalg.norm(back) * np.linalg.norm(direction))
    assert cosine < -0.99
    assert QColor(arrow.head.brush().color()).name() == "#1565c0"
    assert QColor(arrow.line.opts["pen"].color()).name() == "#1565c0"
    assert QColor(panel.arrows[1].head.brush().color()).name() == "#ef6c00"

    panel.set_arrows([(-2.0, 1.0, dx, dy, "#2e7d32")])  # a new colour for the same arrow
    assert QColor(arrow.head.brush().color()).name() == "#2e7d32"
    assert not panel.arrows[1].head.isVisible()


def test_the_same_arrows_again_leave_the_items_alone(qtbot):
    panel = PathPanel()
    qtbot.addWidget(panel)
    panel.set_function("book")
    arrows = [(-2.0, 1.0, 0.5, -0.5, "#1565c0")]
    panel.set_arrows(arrows)
    line = panel.arrows[0].line
    drawn = line.xData
    panel.set_arrows(list(arrows))  # another path changed; the selected one did not
    assert line.xData is drawn
    panel.set_arrows([(-2.0, 1.0, 0.25, -0.5, "#1565c0")])
    assert line.xData is not drawn and line.xData[1] == -1.75
