"""The value plot's log axis subdivides its decades only where they are long enough to show it."""
import numpy as np

from gui.value_panel import MIN_DECADE_PX, ValuePanel
from nncore.functions import get_function
from nncore.paths import PathResult
from shown_widgets import shown


def _ticks(qtbot, low: float, high: float) -> tuple[list, float]:
    """The tick levels of the value plot's y axis for f − f* from ``low`` to ``high``, and the
    axis length in pixels per decade."""
    panel = shown(qtbot, ValuePanel(), (430, 180))
    points = np.zeros((30, 2))
    points[:, 0] = np.geomspace(low, high, 30)  # the book function: f = x²/20, f* = 0
    panel.set_records(get_function("book"), {"SGD": PathResult(points)})
    axis = panel.plot_item.getAxis("left")
    qtbot.waitUntil(lambda: axis.range[1] - axis.range[0] > 1)
    length = axis.geometry().height()
    return axis.tickValues(*axis.range, length), length / (axis.range[1] - axis.range[0])


def test_a_few_decades_keep_their_ticks_between_powers_of_ten(qtbot):
    levels, per_decade = _ticks(qtbot, 1e-3, 1e-1)
    assert per_decade >= MIN_DECADE_PX
    values = [value for _, level in levels for value in level]
    assert any(not np.isclose(value, round(value)) for value in values)  # e.g. log10(2e-5)


def test_thirty_decades_are_ticked_at_powers_of_ten_only(qtbot):
    levels, per_decade = _ticks(qtbot, 1e-11, 1e4)  # f − f* from 5e-24 to 5e6
    assert per_decade < MIN_DECADE_PX
    values = [value for _, level in levels for value in level]
    assert 3 <= len(values) <= 40  # pyqtgraph's own log axis gave ~290 here
    assert all(np.isclose(value, round(value)) for value in values)


def test_a_new_y_range_leaves_the_other_curves_drawn_data_alone(qtbot):
    panel = shown(qtbot, ValuePanel(), (430, 180))
    book = get_function("book")
    calm = np.zeros((30, 2))
    calm[:, 0] = np.geomspace(1.0, 1e-3, 30)
    panel.set_records(book, {"SGD": PathResult(calm), "Adam": PathResult(calm.copy())})
    view = panel.plot_item.getViewBox()
    qtbot.waitUntil(lambda: view.viewRange()[1][1] < 0)  # log10 of f − f* ≤ 0.05
    drawn = panel.items["SGD"].curve.getPath()
    wild = calm.copy()
    wild[:, 0] = np.geomspace(1.0, 1e6, 30)  # Adam's f reaches 5e10: the y range grows
    panel.set_records(book, {"SGD": PathResult(calm), "Adam": PathResult(wild)}, ["Adam"])
    qtbot.waitUntil(lambda: view.viewRange()[1][1] > 10)
    assert panel.items["SGD"].curve.getPath() is drawn  # not re-made for the new range
