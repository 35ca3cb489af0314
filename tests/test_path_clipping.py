"""The 2D paths are drawn clipped to the visible view (gui.path_panel.drawable_points): the
visible part looks as before, far-off segments cost nothing, and the clipping follows the view."""
import numpy as np
from PySide6.QtWidgets import QApplication

from gui.path_panel import CLIP_MARGIN, PathPanel, drawable_points
from nncore.functions import get_function
from nncore.paths import PathResult
from shown_widgets import book_path_panel

BOX = (-1.0, 1.0, -1.0, 1.0)


def _parts(drawn: np.ndarray) -> list[np.ndarray]:
    """The polylines of ``drawn`` between its NaN rows."""
    breaks = np.flatnonzero(np.isnan(drawn).any(axis=1))
    parts = (part[np.isfinite(part).all(axis=1)] for part in np.split(drawn, breaks))
    return [part for part in parts if len(part)]


def test_a_path_inside_the_box_is_drawn_as_it_is():
    near = np.array([[0.0, 0.0], [0.5, 0.5], [-0.5, 0.2], [1.0, -1.0]])  # edges count as inside
    assert drawable_points(near, BOX) is near


def test_far_away_points_are_cut_at_the_box_without_bending_the_path():
    far = np.array([[0.0, 0.0], [1e150, 1e148], [-1e150, 1e148], [0.5, 0.0]])
    out, back = _parts(drawable_points(far, BOX))
    assert np.array_equal(out[0], [0.0, 0.0]) and np.isclose(out[1, 0], 1.0)  # leaves at x = 1
    assert np.allclose(out[1] / np.linalg.norm(out[1]), far[1] / np.linalg.norm(far[1]))
    # The step between the two far points does not cross the box: left out. The way back in
    # is computed from its end inside (from 1e150, a + t·delta would have lost every digit).
    assert np.array_equal(back[-1], [0.5, 0.0]) and np.isclose(back[0, 0], -1.0)
    direction = (back[1] - back[0]) / np.linalg.norm(back[1] - back[0])
    assert np.allclose(direction, (far[3] - far[2]) / np.linalg.norm(far[3] - far[2]))


def test_a_step_from_outside_to_outside_across_the_box_shows_its_middle():
    zigzag = np.array([[0.0, 0.0], [-5.0, -0.2], [5.0, 0.2], [0.0, 0.0]])
    parts = _parts(drawable_points(zigzag, BOX))
    assert len(parts) == 3
    assert np.allclose(parts[1], [[-1.0, -0.04], [1.0, 0.04]])


def test_points_inside_stay_joined_bit_for_bit_and_nothing_is_drawn_outside():
    rng = np.random.default_rng(3)
    walk = np.cumsum(rng.normal(scale=0.6, size=(300, 2)), axis=0)
    walk[150] = (np.inf, 0.0)  # a non-finite point: its two segments are left out
    drawn = drawable_points(walk, BOX)
    finite = drawn[np.isfinite(drawn).all(axis=1)]
    assert np.all(np.abs(finite) <= 1.0 + 1e-12)
    inside = walk[(np.abs(walk) <= 1.0).all(axis=1)]
    assert len(inside) > 10
    assert {tuple(p) for p in inside} <= {tuple(p) for p in finite}  # exact, not recomputed
    # Two consecutive points inside are one line, not two segments with a break between them.
    for i in range(len(walk) - 1):
        if (np.abs(walk[i:i + 2]) <= 1.0).all():
            rows = np.flatnonzero((drawn == walk[i]).all(axis=1))
            assert any(r + 1 < len(drawn) and np.array_equal(drawn[r + 1], walk[i + 1]) for r in rows)


def _zigzag() -> PathResult:
    """A path leaving the book function's view far to the right and coming back."""
    points = np.array([[-7.0, 2.0], [-3.0, 1.0], [400.0, 0.5], [500.0, 0.0], [-2.0, 0.2], [0.0, 0.0]])
    return PathResult(points)


def test_clipping_follows_the_view_when_it_is_panned_and_zoomed(qtbot):
    panel = book_path_panel(qtbot, (700, 450))
    path = _zigzag()
    panel.set_paths({"SGD": path})
    item, view = panel.path_items["SGD"], panel.plot_item.getViewBox()
    (x0, x1), _ = view.viewRange()
    assert x1 < 400

    def drawn_x():
        return item.getData()[0]

    assert np.nanmax(drawn_x()) <= x1 + CLIP_MARGIN * (x1 - x0) + 1e-9
    assert [tuple(p) for p in panel.dots_item.points("SGD")] == \
        [tuple(p) for p in path.points if p[0] < 100]  # the dots of the points in view only

    view.setXRange(350, 550, padding=0)  # pan to where the path turned back
    qtbot.waitUntil(lambda: np.nanmax(drawn_x()) == 500.0)
    assert {(400.0, 0.5), (500.0, 0.0)} <= {tuple(p) for p in panel.dots_item.points("SGD")}
    assert panel.marked_point("SGD") is None  # the current step (the end, (0, 0)) is far left

    view.setXRange(-1000, 1000, padding=0)  # zoomed out: the whole path, unclipped
    qtbot.waitUntil(lambda: len(drawn_x()) == len(path.points))
    assert np.array_equal(drawn_x(), path.points[:, 0])
    assert panel.marked_point("SGD") == (0.0, 0.0)


def test_paths_do_not_decide_the_auto_range(qtbot):
    panel = PathPanel()
    qtbot.addWidget(panel)
    panel.set_function("book")
    far = PathResult(np.array([[-7.0, 2.0], [-7.0, -398.0], [-7.0, 8e4]]), 2, "left the box")
    panel.set_paths({"SGD": far})
    view = panel.plot_item.getViewBox()
    view.enableAutoRange()  # the plot's "A" button: the landscape's extent, and it stays there
    for _ in range(5):  # each auto range re-clips the paths to the new view
        view.updateAutoRange()
        QApplication.processEvents()
    _, (y0, y1) = view.viewRange()
    _, _, b0, b1 = get_function("book").bounds
    assert y1 - y0 < 1.2 * (b1 - b0)  # the landscape and its padding, not stretched towards 8e4


def test_wide_paths_are_stroked_one_segment_at_a_time_and_still_drawn(qtbot):
    """Qt strokes a 2 px antialiased polyline in a time growing with the square of its length;
    the paths of at most SYMBOL_LIMIT points are drawn as segments (flat caps, so no square ends
    stick out at the turns), the dense ones as one 1 px polyline."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor
    import pyqtgraph as pg

    from gui import style
    from gui.path_panel import SYMBOL_LIMIT

    panel = book_path_panel(qtbot, (700, 450))
    zigzag = np.column_stack([np.linspace(-8.0, 8.0, 30), np.where(np.arange(30) % 2, -9.0, 9.0)])
    dense = np.column_stack([np.linspace(-8, 8, SYMBOL_LIMIT + 1), np.zeros(SYMBOL_LIMIT + 1)])
    panel.set_paths({"SGD": PathResult(zigzag), "Adam": PathResult(dense)})
    sgd, adam = panel.path_items["SGD"], panel.path_items["Adam"]
    assert sgd.curve._shouldUseDrawLineSegments(sgd.opts["pen"])
    assert sgd.opts["pen"].widthF() == style.LINE_WIDTH
    assert sgd.opts["pen"].capStyle() == Qt.PenCapStyle.FlatCap
    assert not adam.curve._shouldUseDrawLineSegments(adam.opts["pen"])
    assert np.array_equal(sgd.getData()[0], zigzag[:, 0])  # the data is the path's points
    view = panel.plot_item.getViewBox()
    colour = np.array(QColor(style.name_color("SGD")).getRgb()[:3])

    def drawn_at(image, x, y) -> bool:
        """The path's colour (give or take antialiasing) within a pixel of (x, y)."""
        position = panel.plot_widget.mapFromScene(view.mapViewToScene(pg.Point(x, y)))
        return any(np.abs(np.array(QColor(image.pixel(position.x() + dx, position.y() + dy)).getRgb()[:3])
                          - colour).max() < 40 for dx in (-1, 0, 1) for dy in (-1, 0, 1))

    middles = (zigzag[1:] + zigzag[:-1]) / 2  # between the dots: the line itself
    qtbot.waitUntil(lambda: drawn_at(panel.plot_widget.grab().toImage(), *middles[0]))
    image = panel.plot_widget.grab().toImage()
    assert all(drawn_at(image, x, y) for x, y in middles[::3])
