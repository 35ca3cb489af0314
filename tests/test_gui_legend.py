"""Legends (issue 12, items 12, 13, 19, 20): compact, clear of the data, movable, scaled in
exports, and a click hides all of an optimizer's curves until clicked again; empty plots."""
import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication

from gui import style
from gui.export import save_plot_png
from gui.loss_panel import EMPTY_HINT, AccuracyPanel, LossPanel
from gui.path_panel import PathPanel
from nncore.experiment import Divergence, MnistHistory
from nncore.paths import PathResult
from shown_widgets import shown

NAMES = ("SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam", "AdamW")


def history_of(names, total=200, diverged=()):
    history = MnistHistory(tuple(names), total)
    for k, name in enumerate(names):
        history.losses[name][:] = np.linspace(2.3, 0.2 + 0.05 * k, total)
        history.accuracies[name].extend([(0, 0.1), (total, 0.9)])
    for name in diverged:
        history.diverged[name] = Divergence(20, "the loss exploded: above 4x its initial 2.36 for 20 iterations")
    history.completed = total
    return history


def view_pos(panel, point):
    """Widget pixel position of data point ``point`` in ``panel``'s plot."""
    view = panel.plot_item.getViewBox()
    scene = view.mapViewToScene(QPointF(*point))
    return panel.plot_widget.mapFromScene(scene)


def legend_rect_in_widget(panel):
    return panel.plot_widget.mapFromScene(panel.legend.item.sceneBoundingRect()).boundingRect()


def send_mouse(widget, kind, pos, buttons):
    button = Qt.MouseButton.LeftButton
    event = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def test_a_diverged_entry_is_a_mark_with_the_reason_in_its_tooltip(qtbot):
    panel = shown(qtbot, LossPanel(), (420, 300))
    panel.set_history(history_of(NAMES, diverged=("Momentum",)))
    legend = panel.legend
    assert legend.texts()[1] == "Momentum \u2715"
    assert "Momentum diverged: iteration 20, the loss exploded" in legend.tooltips()[1]
    view_width = panel.plot_item.getViewBox().sceneBoundingRect().width()
    assert legend.item.sceneBoundingRect().width() < view_width


def test_the_legend_moves_to_the_corner_the_data_leaves_free(qtbot):
    panel = shown(qtbot, PathPanel())
    panel.set_function("rosenbrock")  # view x in [-2, 2], y in [-1, 3]
    start = (-1.5, 2.5)
    panel.set_start(*start)
    # Paths that fill the top right of the view (equal axis scales widen it beyond the
    # function's box): the legend must go elsewhere and leave the start visible.
    (x0, x1), (y0, y1) = panel.plot_item.getViewBox().viewRange()
    right = np.column_stack([np.linspace(x0 + 0.55 * (x1 - x0), x1 - 0.02 * (x1 - x0), 40),
                             np.linspace(y0 + 0.6 * (y1 - y0), y1 - 0.02 * (y1 - y0), 40)])
    panel.set_paths({"SGD": PathResult(right), "Adam": PathResult(right[::-1] - [0, 0.1])})
    legend = panel.legend
    counts = legend.corner_counts()
    assert counts[(1, 0)] > 0 and legend.corner != (1, 0)
    assert counts[legend.corner] == min(counts.values())
    rect = legend.item.sceneBoundingRect()
    for point in [start, *right]:
        scene = panel.plot_item.getViewBox().mapViewToScene(QPointF(*point))
        assert not rect.contains(scene), point


def test_a_legend_dragged_by_the_user_stays_where_it_was_put(qtbot):
    panel = shown(qtbot, LossPanel())
    panel.set_history(history_of(("SGD", "Adam")))
    viewport = panel.plot_widget.viewport()
    start = legend_rect_in_widget(panel).center()
    send_mouse(viewport, QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton)
    for step in range(1, 11):
        send_mouse(viewport, QEvent.Type.MouseMove, start + QPoint(-20 * step, 15 * step),
                   Qt.MouseButton.LeftButton)
    send_mouse(viewport, QEvent.Type.MouseButtonRelease, start + QPoint(-200, 150), Qt.MouseButton.NoButton)
    moved = legend_rect_in_widget(panel).center()
    assert abs((moved - start).x() + 200) < 30 and abs((moved - start).y() - 150) < 30
    panel.set_history(history_of(("SGD", "Adam", "AdaGrad")))  # a redraw does not move it back
    after = legend_rect_in_widget(panel).center()  # (one more entry: a little taller)
    assert (after - moved).manhattanLength() < 30 < (after - start).manhattanLength()


def test_clicking_an_entry_hides_raw_smoothed_and_accuracy_curves_until_clicked_again(qtbot):
    loss = shown(qtbot, LossPanel())
    accuracy = shown(qtbot, AccuracyPanel())
    accuracy.legend.use_hidden(loss.legend.hidden)
    history = history_of(("SGD", "Adam"))
    loss.set_history(history)
    accuracy.set_history(history)
    _, label = loss.legend.item.items[0]  # "SGD": click its text, not only its sample
    target = loss.plot_widget.mapFromScene(label.sceneBoundingRect().center())
    qtbot.mouseClick(loss.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=target)
    items = (loss.raw_items["SGD"], loss.smooth_items["SGD"], accuracy.items["SGD"])
    assert not any(item.isVisible() for item in items)
    assert loss.smooth_items["Adam"].isVisible() and accuracy.items["Adam"].isVisible()
    for _ in range(2):  # redraws, new data: still hidden
        history.completed -= 10
        loss.set_history(history)
        accuracy.set_history(history_of(("SGD", "Adam"), 150))
        assert not any(item.isVisible() for item in items)
    qtbot.mouseClick(loss.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=target)
    assert all(item.isVisible() for item in items)


def _frame_box(image: QImage):
    """Bounding box (left, top, right, bottom) of the magenta pixels of ``image``."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    rgb = pixels[:, :image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)
    mask = (rgb[..., 0] > 200) & (rgb[..., 1] < 90) & (rgb[..., 2] > 200)
    rows, cols = np.nonzero(mask)
    return cols.min(), rows.min(), cols.max(), rows.max()


def test_an_exported_png_scales_the_legend_and_keeps_it_in_its_corner(qtbot, tmp_path):
    panel = shown(qtbot, LossPanel(), (600, 400))
    panel.set_history(history_of(("SGD", "Adam")))
    panel.legend.item.setPen(style.pg.mkPen("#ff00ff", width=1))  # a frame the test can find
    on_screen = int(panel.plot_item.sceneBoundingRect().width())
    boxes = {}
    for width in (on_screen, 1600):
        save_plot_png(panel.plot_item, tmp_path / f"{width}.png", width)
        image = QImage(str(tmp_path / f"{width}.png"))
        boxes[width] = (image.width(), _frame_box(image))
    (small_w, (l1, t1, r1, b1)), (large_w, (l2, t2, r2, b2)) = boxes[on_screen], boxes[1600]
    scale = large_w / small_w
    assert (r2 - l2) == pytest.approx((r1 - l1) * scale, rel=0.1)  # legend scaled like the plot
    assert (b2 - t2) == pytest.approx((b1 - t1) * scale, rel=0.1)
    assert (large_w - r2) == pytest.approx((small_w - r1) * scale, rel=0.25, abs=4)  # same corner
    assert t2 == pytest.approx(t1 * scale, rel=0.25, abs=4)


def test_empty_plots_ask_for_start_and_a_one_iteration_loss_is_drawn(qtbot):
    loss = shown(qtbot, LossPanel())
    accuracy = shown(qtbot, AccuracyPanel())
    for panel in (loss, accuracy):
        assert panel.hint.isVisible() and panel.hint.toPlainText() == EMPTY_HINT
        assert panel.plot_item.getAxis("left").textPen().color().alpha() == 0  # no values drawn
    history = MnistHistory(("SGD",), 1)
    history.losses["SGD"][0] = 2.3
    history.completed = 1
    loss.set_history(history)
    assert not loss.hint.isVisible() and loss.plot_item.getAxis("left").textPen().color().alpha() == 255
    bold = loss.smooth_items["SGD"]
    assert bold.opts["symbol"] == "o" and len(bold.scatter.data) == 1  # a dot, not an empty line
    loss.set_history(history_of(("SGD",)))
    assert loss.smooth_items["SGD"].opts["symbol"] is None
    loss.set_history(None)
    assert loss.hint.isVisible()


def test_an_optimizer_not_learning_is_marked_with_the_reason_in_its_tooltip(qtbot):
    from nncore.training_rules import NotLearning
    panel = shown(qtbot, LossPanel(), (420, 300))
    history = history_of(("SGD", "Adam"))
    history.not_learning["SGD"] = NotLearning(400, "test accuracy at chance (10 %) twice in a row")
    panel.set_history(history)
    assert panel.legend.texts()[0] == "SGD \u26a0" and panel.legend.texts()[1] == "Adam"
    assert "SGD is not learning: iteration 400, test accuracy at chance" in panel.legend.tooltips()[0]


def test_a_legend_too_big_for_its_plot_is_left_out_until_the_plot_grows(qtbot):
    panel = shown(qtbot, LossPanel(), (220, 200))
    panel.set_history(history_of(NAMES))
    assert not panel.legend.item.isVisible()  # it would cover most of the curves
    panel.resize(800, 500)
    qtbot.waitUntil(panel.legend.item.isVisible)
    view = panel.plot_item.getViewBox().sceneBoundingRect()
    legend = panel.legend.item.sceneBoundingRect()
    assert legend.width() * legend.height() <= 0.4 * view.width() * view.height()
