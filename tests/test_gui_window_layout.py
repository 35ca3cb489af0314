"""The window's columns at the sizes the README names (1024 x 640 to full HD): nothing clipped."""
import dataclasses

import pytest
from PySide6.QtWidgets import QSplitter, QWidget

from gui.window_layout import EDGE_MARGIN, column_widths


def sticking_out(container: QWidget) -> list[str]:
    """Visible widgets directly inside ``container`` whose left or right edge lies outside it."""
    return [f"{child.objectName() or type(child).__name__}: x {child.x()}..{child.geometry().right()}"
            f" in 0..{container.width() - 1}"
            for child in container.children()
            if isinstance(child, QWidget) and child.isVisible() and not child.isWindow()
            and (child.x() < 0 or child.geometry().right() > container.width() - 1)]


def shown(qtbot, open_window, small_settings, task, size):
    window = open_window(dataclasses.replace(small_settings, task=task))
    window.resize(*size)
    qtbot.waitUntil(lambda: window.centralWidget().width() == size[0])
    qtbot.waitUntil(lambda: not window.paths_model.pending)
    return window


@pytest.mark.parametrize("size", [(1024, 640), (1920, 1080)])
def test_no_column_is_squeezed_below_its_minimum_and_nothing_is_clipped(qtbot, open_window,
                                                                        small_settings, size):
    window = shown(qtbot, open_window, small_settings, "both", size)
    main = window.findChild(QSplitter, "mainSplitter")
    plots = window.findChild(QSplitter, "plotSplitter")
    columns = [main.widget(0), plots.widget(0), plots.widget(1)]
    for column in columns:
        assert column.width() >= max(column.minimumWidth(), column.minimumSizeHint().width()), \
            column.objectName()
    # The controls are never narrower than they need: only scrolled up and down.
    assert window.controls.width() >= window.controls.minimumSizeHint().width()
    for container in (window.loss_panel.options, window.paths_tab.timeline_bar,
                      window.paths_tab.timeline_bar.parentWidget(), window.controls):
        assert sticking_out(container) == [], container.objectName()
    # The colour bar with its labels lies inside the 2D plot.
    view = window.path_panel.plot_widget
    bar = view.mapFromScene(window.path_panel.landscape.colorbar.sceneBoundingRect()).boundingRect()
    assert view.viewport().rect().contains(bar)
    # The last column keeps clear of the window's right edge.
    right = plots.widget(1).mapTo(window, plots.widget(1).rect().topRight()).x()
    assert window.width() - 1 - right >= EDGE_MARGIN
    window.close()


def test_paths_only_gives_the_mnist_column_no_room(qtbot, open_window, small_settings):
    window = shown(qtbot, open_window, small_settings, "paths", (1024, 640))
    plots = window.findChild(QSplitter, "plotSplitter")
    assert not window.curve_tabs.isVisible()
    assert window.path_tabs.width() == plots.width()
    window.close()


def test_columns_until_the_user_drags_a_handle(qtbot, open_window, small_settings):
    window = shown(qtbot, open_window, small_settings, "both", (1600, 900))
    main = window.findChild(QSplitter, "mainSplitter")
    controls = main.widget(0)
    assert controls.width() <= 0.34 * main.width() + 1  # at most a third of a wide window
    main.moveSplitter(controls.width() + 120, 1)  # what dragging the handle does
    dragged = controls.width()
    window.resize(1400, 800)
    qtbot.waitUntil(lambda: window.centralWidget().width() == 1400)
    assert controls.width() == dragged  # the user's width stays
    window.close()


def test_column_widths_share_the_rest_by_minimum_widths():
    # Controls: preferred 480 but at most 34 % of 1000; the rest split 300 : 300.
    assert column_widths(1000, (300, 480), [300, 300]) == [340, 330, 330]
    # Never below the controls' minimum, whatever the share.
    assert column_widths(800, (350, 480), [100, 300])[0] == 350
    assert sum(column_widths(1001, (300, 480), [200, 300, 301])) == 1001
