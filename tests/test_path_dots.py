"""gui.path_dots.PathDots stamps every group's dots in its colour, in one call from an atlas."""
import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from gui.path_dots import PathDots
from shown_widgets import shown


def test_each_group_is_drawn_in_its_own_colour(qtbot):
    widget = shown(qtbot, pg.PlotWidget(), (300, 300))
    widget.setBackground("w")
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


def test_markers_are_ringed_with_their_outline(qtbot):
    widget = shown(qtbot, pg.PlotWidget(), (300, 300))
    widget.setBackground("#000000")
    markers = PathDots(size=13.0, outline=("#ffffff", 2.0))
    widget.addItem(markers)
    widget.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    markers.set_dots({"a": ("#ff0000", np.array([[5.0, 5.0]]))})
    view = widget.getPlotItem().getViewBox()
    centre = widget.mapFromScene(view.mapViewToScene(pg.Point(5.0, 5.0)))

    def colour_at(dx):
        image = widget.grab().toImage()
        return QColor(image.pixel(centre.x() + dx, centre.y())).name()

    qtbot.waitUntil(lambda: colour_at(0) == "#ff0000")
    assert colour_at(3) == "#ff0000"  # inside the 13 px disc
    assert {colour_at(6), colour_at(7)} & {"#ffffff", "#fafafa", "#f9f9f9"}  # the 2 px ring on
    assert {colour_at(-6), colour_at(-7)} & {"#ffffff", "#fafafa", "#f9f9f9"}  # the edge, 6.5 px
    assert colour_at(10) == "#000000"  # outside
