"""gui.path_dots.PathDots stamps every group's dots in its colour, in one call from an atlas."""
import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from gui.path_dots import PathDots


def test_each_group_is_drawn_in_its_own_colour(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(300, 300)
    widget.setBackground("w")
    widget.show()
    qtbot.waitExposed(widget)
    dots = PathDots()
    widget.addItem(dots)
    widget.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    groups = {"a": ("#ff0000", np.array([[2.0, 2.0], [5.0, 5.0]])),
              "b": ("#0000ff", np.array([[8.0, 3.0]])),
              "c": ("#ff0000", np.array([[3.0, 8.0]]))}  # a colour used twice: one cell
    dots.set_dots(groups)
    assert len(dots.points()) == 4 and np.array_equal(dots.points("b"), [[8.0, 3.0]])
    view = widget.getPlotItem().getViewBox()

    def colour_at(x, y):
        image = widget.grab().toImage()
        position = widget.mapFromScene(view.mapViewToScene(pg.Point(x, y)))
        return QColor(image.pixel(position.x(), position.y())).name()

    qtbot.waitUntil(lambda: colour_at(8.0, 3.0) == "#0000ff")
    for colour, points in groups.values():
        for x, y in points:
            assert colour_at(x, y) == colour
    assert colour_at(6.5, 6.5) == "#ffffff"  # nothing between the dots
