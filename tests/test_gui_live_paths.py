"""The live 2D instrument in a shown window: paths follow every 2D setting without Start, the
start marker drags, the timeline plays and steps, the inspector, value plot and landscape."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QSlider

from gui.hyperparameter_editor import position_of, value_at
from gui.timeline import Timeline
from nncore.functions import FUNCTIONS


def drawn(window, name):
    item = window.path_panel.path_items[name]
    return np.column_stack([item.xData, item.yData])


def settle(qtbot, window):
    """Wait until no edit is waiting for its solve."""
    qtbot.waitUntil(lambda: not window.paths_model.pending)


def test_paths_are_drawn_without_start(qtbot, window):
    settle(qtbot, window)
    assert set(window.path_panel.paths) == set(window.controls.checked_optimizers())
    assert len(drawn(window, "SGD")) == 30


def test_changing_the_sgd_learning_rate_redraws_only_that_path(qtbot, window):
    settle(qtbot, window)
    before = drawn(window, "SGD")
    adam = window.path_panel.paths["Adam"]
    solves = window.paths_model.solves
    window.findChild(object, "hp_paths_SGD_lr").setValue(0.5)
    qtbot.waitUntil(lambda: not np.array_equal(drawn(window, "SGD"), before))
    assert drawn(window, "SGD")[1] == pytest.approx((-7 + 0.5 * 0.7, 2 - 0.5 * 4))
    assert window.paths_model.solves == solves + 1  # only SGD was solved again
    assert window.path_panel.paths["Adam"] is adam


def test_spin_box_reacts_while_typing_before_enter(qtbot, window):
    settle(qtbot, window)
    spin = window.findChild(object, "hp_paths_SGD_lr")
    before = drawn(window, "SGD")
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "0.3")  # no Enter
    qtbot.waitUntil(lambda: not np.array_equal(drawn(window, "SGD"), before))
    assert window.paths_model.hyperparameters["SGD"]["lr"] == 0.3


def test_learning_rate_slider_is_logarithmic_and_re_solves_while_dragged(qtbot, window):
    settle(qtbot, window)
    slider = window.findChild(QSlider, "hpSlider_paths_SGD_lr")
    spin = window.findChild(object, "hp_paths_SGD_lr")
    hp = spin.hp
    assert value_at(hp, 0) == pytest.approx(1e-4) and value_at(hp, 1000) == pytest.approx(100)
    assert value_at(hp, 500) == pytest.approx(0.1)  # the middle of 1e-4 .. 100 on a log scale
    assert slider.value() == position_of(hp, 0.95)
    values = []
    for position in (600, 620, 640):
        slider.setValue(position)
        qtbot.waitUntil(lambda: not window.paths_model.pending)
        values.append(window.path_panel.paths["SGD"].points[1, 0])
        assert spin.value() == pytest.approx(value_at(hp, position), rel=1e-4)
    assert len(set(values)) == 3
    spin.setValue(0.01)
    assert slider.value() == position_of(hp, 0.01)


def test_every_2d_setting_redraws(qtbot, window):
    controls = window.controls
    settle(qtbot, window)
    controls.steps_spin.setValue(50)
    qtbot.waitUntil(lambda: len(drawn(window, "Adam")) == 51)
    controls.optimizer_list.findItems("SGD", Qt.MatchFlag.MatchExactly)[0].setCheckState(Qt.CheckState.Unchecked)
    qtbot.waitUntil(lambda: "SGD" not in window.path_panel.paths)
    assert not window.path_panel.path_items["SGD"].isVisible()
    controls.function_combo.setCurrentIndex(controls.function_combo.findData("himmelblau"))
    qtbot.waitUntil(lambda: window.paths_model.function_key == "himmelblau" and not window.paths_model.pending)
    assert tuple(window.path_panel.paths["Adam"].points[0]) == FUNCTIONS["himmelblau"].start


def test_dragging_the_start_marker_moves_every_path_with_the_cursor(qtbot, window):
    settle(qtbot, window)
    panel = window.path_panel
    plot = panel.plot_widget
    view = panel.plot_item.getViewBox()

    def pixel(x, y):
        return plot.mapFromScene(view.mapViewToScene(QPointF(x, y)))

    QTest.mousePress(plot.viewport(), Qt.MouseButton.LeftButton, pos=pixel(-7, 2))
    for x, y in ((-6.5, 1.5), (-5.5, 1.0), (-4.0, 0.5)):
        QTest.mouseMove(plot.viewport(), pixel(x, y))
        qtbot.waitUntil(lambda: not window.paths_model.pending)
        for name in window.path_panel.paths:
            first = window.path_panel.paths[name].points[0]
            assert first == pytest.approx((x, y), abs=0.15), name
    QTest.mouseRelease(plot.viewport(), Qt.MouseButton.LeftButton, pos=pixel(-4.0, 0.5))
    assert window.controls.path_settings().start == pytest.approx((-4.0, 0.5), abs=0.15)


def test_start_plays_the_animation_from_step_zero(qtbot, window):
    settle(qtbot, window)
    window.controls.animation_spin.setValue(200)
    steps, finished = [], []
    window.timeline.stepChanged.connect(steps.append)
    window.runFinished.connect(finished.append)  # the run may end before the animation does
    assert window.start()
    assert steps[0] == 0 and window.timeline.playing
    qtbot.waitUntil(lambda: window.timeline.step == 29 and not window.timeline.playing, timeout=20_000)
    assert window.path_panel.steps_shown == 29
    qtbot.waitUntil(lambda: bool(finished), timeout=60_000)


def test_timeline_bar_keys_and_stop(qtbot, window):
    settle(qtbot, window)
    timeline = window.timeline
    slider = window.findChild(QSlider, "timelineSlider")
    assert (slider.maximum(), slider.value()) == (29, 29)
    window.findChild(object, "timelineBackButton").click()
    assert timeline.step == slider.value() == 28
    slider.setValue(10)
    assert timeline.step == 10 and window.path_panel.steps_shown == 10
    assert window.path_panel.marked_point("SGD") == tuple(window.path_panel.paths["SGD"].points[10])
    assert window.path_panel.marked_point("Nesterov") is None  # not ticked
    drawn = window.path_panel.current_item.points()  # one marker per path
    assert any((row == window.path_panel.paths["SGD"].points[10]).all() for row in drawn)
    window.path_panel.plot_widget.setFocus()
    qtbot.keyClick(window.path_panel.plot_widget, Qt.Key.Key_Right)
    assert timeline.step == 11
    qtbot.keyClick(window.path_panel.plot_widget, Qt.Key.Key_Left)
    qtbot.keyClick(window.path_panel.plot_widget, Qt.Key.Key_Left)
    assert timeline.step == 9 and slider.value() == 9
    window.controls.animation_spin.setValue(2)
    qtbot.keyClick(window.path_panel.plot_widget, Qt.Key.Key_Space)
    assert timeline.playing and window.stop_action.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not timeline.playing
    window.findChild(object, "timelinePlayButton").click()
    assert timeline.playing
    window.stop()
    assert not timeline.playing


def test_changing_the_speed_while_playing_keeps_the_step(qtbot):
    timeline = Timeline(speed=50)
    timeline.set_total(10_000)
    timeline.set_step(0)
    timeline.play()
    qtbot.waitUntil(lambda: timeline.step >= 5)
    reached = timeline.step
    timeline.set_speed(5000)
    assert timeline.step == reached and timeline.playing
    qtbot.waitUntil(lambda: timeline.step > reached + 100)
    timeline.pause()


def test_inspector_follows_the_selected_optimizer_and_step(qtbot, window):
    settle(qtbot, window)
    controls = window.controls
    controls.optimizer_list.setCurrentItem(controls.optimizer_list.findItems("Momentum", Qt.MatchFlag.MatchExactly)[0])
    window.findChild(object, "hp_paths_Momentum_lr").setValue(0.1)
    settle(qtbot, window)
    window.timeline.set_step(2)
    inspector = window.findChild(object, "stepInspector")
    assert ("v = 0.9\u00b7(0.07, \u22120.40) \u2212 0.1\u00b7(\u22120.69, 3.20) = (0.13, \u22120.68)"
            in inspector.text())
    arrows = [a for a in window.path_panel.arrows if a.line.isVisible()]
    assert len(arrows) == 3
    x, y = arrows[-1].line.getData()
    record = window.path_panel.paths["Momentum"]
    assert (x[0], y[0]) == tuple(record.points[1]) and (x[1], y[1]) == pytest.approx(tuple(record.points[2]))


def test_hovering_a_path_point_shows_its_numbers(qtbot, window):
    settle(qtbot, window)
    panel = window.path_panel
    view = panel.plot_item.getViewBox()
    point = panel.paths["SGD"].points[3]
    scene = view.mapViewToScene(QPointF(*point))
    panel._hovered(scene)
    tip = panel.plot_widget.toolTip()
    assert tip.startswith("SGD, step 3") and "gradient here" in tip and "next update" in tip


def test_value_plot_is_log_of_f_minus_f_star_with_the_timeline_cursor(qtbot, window):
    settle(qtbot, window)
    values = window.findChild(object, "valuePlot")
    assert values is not None
    panel = window.value_panel
    assert panel.plot_item.ctrl.logYCheck.isChecked()
    x, y = panel.items["SGD"].xData, panel.items["SGD"].yData
    np.testing.assert_array_equal(x, np.arange(len(y)))  # one value per step, from step 0
    np.testing.assert_allclose(y, window.path_panel.paths["SGD"].f)  # f* = 0 on the book function
    window.timeline.set_step(7)
    assert panel.cursor.value() == 7
    panel.cursor.setValue(12)
    assert window.timeline.step == 12
    assert "SGD: final f" in panel.legend.item.toolTip()
    assert "from the nearest minimum" in panel.hover_text(3)
    controls = window.controls
    controls.function_combo.setCurrentIndex(controls.function_combo.findData("saddle"))
    settle(qtbot, window)
    assert not panel.plot_item.ctrl.logYCheck.isChecked()


def test_landscape_marks_himmelblaus_points_and_keeps_equal_scale(qtbot, window):
    controls = window.controls
    controls.function_combo.setCurrentIndex(controls.function_combo.findData("himmelblau"))
    settle(qtbot, window)
    landscape = window.path_panel.landscape
    assert len(landscape.minima_item.data) == 4
    assert len(landscape.saddle_item.data) == 4 and len(landscape.maxima_item.data) == 1
    assert "(x\u00b2 + y \u2212 11)\u00b2" in window.path_panel.plot_item.titleLabel.text
    assert landscape.image.image is not None and landscape.colorbar.isVisible()
    controls.function_combo.setCurrentIndex(controls.function_combo.findData("book"))
    settle(qtbot, window)
    view = window.path_panel.plot_item.getViewBox()
    qtbot.waitUntil(lambda: view.width() > 0)
    width_px, height_px = view.viewPixelSize()
    assert width_px == pytest.approx(height_px, rel=1e-3)  # equal scale: an ellipse 4.5 x 1
    window.path_panel.equal_aspect_check.setChecked(False)
    assert not view.state["aspectLocked"]


def test_paths_only_gives_the_mnist_panels_no_room(qtbot, window):
    controls = window.controls
    controls.task_combo.setCurrentIndex(controls.task_combo.findData("paths"))
    assert not window.curve_tabs.isVisible()
    controls.task_combo.setCurrentIndex(controls.task_combo.findData("both"))
    assert window.curve_tabs.isVisible()


def test_choosing_a_function_loads_its_defaults_and_keeps_the_users_edits(qtbot, window):
    from nncore.path_defaults import FUNCTION_PATH_HYPERPARAMETERS, function_path_defaults

    controls = window.controls
    combo = controls.function_combo
    sgd_lr = window.findChild(object, "hp_paths_SGD_lr")
    assert sgd_lr.value() == 0.95  # the book's value on the book's function
    sgd_lr.setValue(0.5)  # the user's edit on the book's function
    combo.setCurrentIndex(combo.findData("rosenbrock"))
    rosenbrock = FUNCTIONS["rosenbrock"]
    assert controls.steps_spin.value() == rosenbrock.steps
    assert controls.path_settings().start == rosenbrock.start
    assert sgd_lr.value() == FUNCTION_PATH_HYPERPARAMETERS["rosenbrock"]["SGD"]["lr"]
    assert window.findChild(object, "hp_paths_Adam_beta1").value() == function_path_defaults("rosenbrock", "Adam")["beta1"]
    controls.steps_spin.setValue(123)  # an edit on Rosenbrock
    combo.setCurrentIndex(combo.findData("book"))
    assert sgd_lr.value() == 0.5 and controls.steps_spin.value() == 29
    combo.setCurrentIndex(combo.findData("rosenbrock"))
    assert controls.steps_spin.value() == 123
    settle(qtbot, window)
    assert window.paths_model.steps == 123


def test_per_function_defaults_fall_back_to_the_optimizers_own(monkeypatch):
    from nncore import optimizers as O
    from nncore.path_defaults import FUNCTION_PATH_HYPERPARAMETERS, function_path_defaults

    assert function_path_defaults("book", "SGD") == O.path_defaults("SGD")
    monkeypatch.delitem(FUNCTION_PATH_HYPERPARAMETERS["beale"], "Adam")
    assert function_path_defaults("beale", "Adam") == O.path_defaults("Adam")


@pytest.mark.parametrize("key", [k for k, fn in FUNCTIONS.items() if fn.f_star is not None and k != "book"])
def test_swept_defaults_get_closer_to_the_minimum_than_the_start(key):
    """What the sweep promises: each listed rate ends its path lower than it started."""
    from nncore.optimizers import create
    from nncore.path_defaults import FUNCTION_PATH_HYPERPARAMETERS, function_path_defaults
    from nncore.paths import trace_path

    fn = FUNCTIONS[key]
    for name in FUNCTION_PATH_HYPERPARAMETERS[key]:
        result = trace_path(fn, create(name, **function_path_defaults(key, name)), fn.start, fn.steps)
        assert result.diverged_at is None and result.f[-1] < result.f[0], name


def test_the_repainted_plot_shows_the_new_path_not_a_stale_picture(qtbot, window):
    """A changed path is really repainted (a pixmap cache once kept showing the old one)."""
    from PySide6.QtGui import QColor

    from gui import style

    settle(qtbot, window)
    for name in ("Momentum", "AdaGrad", "Adam"):
        window.controls.optimizer_list.findItems(name, Qt.MatchFlag.MatchExactly)[0].setCheckState(Qt.CheckState.Unchecked)
    settle(qtbot, window)
    panel = window.path_panel
    view = panel.plot_item.getViewBox()
    point = panel.paths["SGD"].points[2]  # (-5.74, 1.62): a marker of the book's SGD zigzag
    pixel = panel.plot_widget.mapFromScene(view.mapViewToScene(QPointF(*point)))
    blue = style.color("SGD")

    def is_blue():
        colour = QColor(panel.plot_widget.grab().toImage().pixel(pixel))
        return abs(colour.red() - blue.red()) + abs(colour.green() - blue.green()) \
            + abs(colour.blue() - blue.blue()) < 60

    qtbot.waitUntil(is_blue)
    window.findChild(object, "hp_paths_SGD_lr").setValue(100)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: not is_blue())


def test_a_long_solve_waits_for_the_next_edit_so_typing_many_steps_solves_once(qtbot):
    """Typing 30000 into Steps passes through 3000 (a quick solve, at once) and 30000 (seconds
    of solving: it waits for the next keystroke), so no intermediate long solve blocks typing."""
    from PySide6.QtWidgets import QApplication

    from gui.paths_model import LARGE_SOLVE_STEPS, PathsModel

    model = PathsModel()
    model.update(optimizers=("SGD",), hyperparameters={"SGD": {"lr": 0.95}}, steps=3000)
    QApplication.processEvents()  # a short solve runs on the next pass of the event loop
    assert not model.pending and model.records["SGD"].steps == 3000 and model.solves == 1
    assert 25_000 > LARGE_SOLVE_STEPS
    model.update(steps=25_000)
    QApplication.processEvents()
    assert model.pending and model.solves == 1  # still waiting: the user may type on
    model.update(steps=30_000)
    qtbot.waitUntil(lambda: not model.pending, timeout=30_000)
    assert model.records["SGD"].steps == 30_000 and model.solves == 2  # 25000 was never solved
