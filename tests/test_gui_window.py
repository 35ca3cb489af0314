"""The main window: building, runs on the worker thread, Stop/Reset/close, start point, session."""
import dataclasses
import json
import multiprocessing
import os
import signal
import time

import numpy as np
import pytest
from PySide6.QtCore import QObject, QPointF, Qt, Slot
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit,
                               QListWidget, QTabBar)

from gui.session import SESSION_SETTINGS, load_session
from nncore.experiment import run_paths
from nncore.optimizers import BOOK_OPTIMIZERS, OPTIMIZERS
from nncore.settings import PRESETS, Settings

RUN_TIMEOUT = 60_000  # ms; a small run takes well under a second


def long_settings(settings):
    """A run that cannot finish during a test: 10**6 iterations of a tiny network."""
    return dataclasses.replace(settings, task="mnist", mnist=dataclasses.replace(
        settings.mnist, iterations=1_000_000, hidden_sizes=(8,), batch_size=8, eval_interval=0))


def curve(item):
    """The full data of a curve item (getData() would give the downsampled, clipped view)."""
    return item.xData if item.xData is not None else np.empty(0), \
        item.yData if item.yData is not None else np.empty(0)


def run_to_end(qtbot, window):
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT) as finished:
        assert window.start()
    window.finish_animation()
    return finished.args[0]


def test_window_builds_with_named_and_explained_controls(window):
    assert window.windowTitle() == "Optimizer Lab"
    assert window.width() <= 1366 and window.height() <= 768
    assert window.minimumWidth() <= 1100 and window.minimumHeight() <= 650
    for name in ("startButton", "stopButton", "resetButton", "optimizerList", "pathPlot",
                 "lossPlot", "accuracyPlot"):
        assert window.findChild(object, name) is not None, name
    kinds = (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QListWidget)
    controls = [w for kind in kinds for w in window.findChildren(kind)
                if not isinstance(w.parent(), (QAbstractSpinBox, QComboBox, QTabBar))
                and w.window() is window and not w.objectName().startswith("qt_")]
    assert len(controls) > 30
    for widget in controls:
        assert widget.objectName(), f"{type(widget).__name__} without objectName"
        assert widget.toolTip(), f"{widget.objectName()} without tooltip"


def test_defaults_are_the_books(open_window):
    window = open_window(Settings())
    controls = window.controls
    assert controls.checked_optimizers() == BOOK_OPTIMIZERS
    assert controls.hp_spins[("paths", "SGD", "lr")].value() == pytest.approx(0.95)
    assert controls.hp_spins[("paths", "AdaGrad", "lr")].value() == pytest.approx(1.5)
    assert controls.hp_spins[("mnist", "SGD", "lr")].value() == pytest.approx(0.01)
    assert controls.hp_spins[("mnist", "Adam", "lr")].value() == pytest.approx(0.001)
    assert controls.settings() == Settings()
    window.close()


def test_controls_round_trip_every_setting(window, small_settings):
    changed = dataclasses.replace(
        small_settings, task="paths", optimizers=("Nesterov", "AdamW"),
        paths=dataclasses.replace(small_settings.paths, function="himmelblau", start=(1.5, -2.25), steps=77),
        mnist=dataclasses.replace(small_settings.mnist, activation="sigmoid", weight_init="0.05",
                                  weight_decay=0.001, seed=42, same_initial_weights=False,
                                  data_dir="/somewhere"))
    changed.mnist_hyperparameters["AdamW"]["beta2"] = 0.95
    changed.path_hyperparameters["Nesterov"]["lr"] = 0.05
    window.controls.set_settings(changed)
    assert window.controls.settings() == changed
    assert window.path_panel.function_key == "himmelblau"
    assert window.path_panel.start == (1.5, -2.25)


def test_short_run_streams_into_curves_and_paths_and_finishes(qtbot, window):
    updates = []
    window.runner.mnistUpdated.connect(lambda run_id, update: updates.append(update))
    window.controls.reset_button.click()
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT) as finished:
        qtbot.mouseClick(window.controls.start_button, Qt.MouseButton.LeftButton)
        assert not window.controls.start_button.isEnabled()
        assert window.controls.stop_button.isEnabled()
        # the entry list stays readable (an entry can be selected), only editing is locked
        assert window.controls.optimizer_list.isEnabled()
        assert not window.controls.entry_list.add_button.isEnabled()
        assert not window.controls.hyperparameter_pages.isEnabled()
    assert finished.args == [True]
    assert window.controls.entry_list.add_button.isEnabled()
    assert len(updates) >= 3  # evaluations at 10 and 20 and the end each send an update
    assert window.controls.start_button.isEnabled() and not window.controls.stop_button.isEnabled()
    assert window.controls.optimizer_list.isEnabled()
    qtbot.waitUntil(lambda: window.path_panel.steps_shown == 29, timeout=RUN_TIMEOUT)
    for name in BOOK_OPTIMIZERS:
        x, loss = curve(window.loss_panel.raw_items[name])
        assert len(x) == 30 and np.all(np.isfinite(loss))
        assert np.allclose(loss, window.history.losses[name])
        iterations, _ = curve(window.accuracy_panel.items[name])
        assert list(iterations) == [0, 10, 20, 30]
        px, py = curve(window.path_panel.path_items[name])
        assert len(px) == 30 and (px[0], py[0]) == (-7.0, 2.0)
    assert window.run_status.iteration_label.text() == "Iteration 30 / 30"
    assert window.run_status.progress_bar.value() == 30 and window.run_status.progress_bar.isVisible()
    assert window.run_status.state_label.text() == "Finished"


def test_checked_optimizers_decide_what_runs(qtbot, window):
    window.controls.set_checked_optimizers(("RMSprop", "Adam"))
    run_to_end(qtbot, window)
    assert window.history.names == ("RMSprop", "Adam")
    assert set(window.path_panel.paths) == {"RMSprop", "Adam"}
    drawn = [label for label, item in window.loss_panel.raw_items.items() if item.isVisible()]
    assert drawn == ["RMSprop", "Adam"]
    assert not window.path_panel.path_items["SGD"].isVisible()
    assert window.loss_panel.legend.labels() == ["RMSprop", "Adam"]


def test_no_optimizer_checked_gives_a_message(window, dialogs):
    window.controls.set_checked_optimizers(())
    assert not window.start()
    assert not window.running
    assert len(dialogs) == 1 and "no optimizer" in dialogs[0][1]


def test_unparsable_hidden_sizes_give_a_message(qtbot, window, dialogs):
    window.controls.mnist.hidden_edit.setText("100,,x")
    assert not window.start()
    assert "hidden sizes" in dialogs[0][1]


def test_missing_dataset_gives_a_message_and_keeps_settings_and_curves(qtbot, window, dialogs, tmp_path):
    run_to_end(qtbot, window)
    before = window.history
    settings = window.controls.settings()
    broken = dataclasses.replace(settings, mnist=dataclasses.replace(settings.mnist, data_dir=str(tmp_path)))
    window.controls.set_settings(broken)
    assert run_to_end(qtbot, window) is False
    assert len(dialogs) == 1 and "file not found" in dialogs[0][1]
    assert window.controls.settings() == broken
    assert window.history is before
    assert len(curve(window.loss_panel.raw_items["SGD"])[0]) == 30
    assert window.controls.start_button.isEnabled()


def test_stop_mid_run_keeps_what_was_computed(qtbot, window, small_settings):
    window.controls.set_settings(long_settings(small_settings))
    window.start()
    qtbot.waitUntil(lambda: window.history is not None and window.history.completed > 0,
                    timeout=RUN_TIMEOUT)
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT) as finished:
        qtbot.mouseClick(window.controls.stop_button, Qt.MouseButton.LeftButton)
    assert finished.args == [False]
    done = window.history.completed
    assert 0 < done < 1_000_000
    x, loss = curve(window.loss_panel.raw_items["SGD"])
    assert len(x) == done and np.all(np.isfinite(loss))
    assert window.run_status.state_label.text() == "Stopped"
    assert window.controls.start_button.isEnabled() and window.controls.optimizer_list.isEnabled()


def test_closing_mid_run_stops_the_thread_and_the_training_process(qtbot, open_window, small_settings,
                                                                    qtlog):
    window = open_window(long_settings(small_settings))
    window.start()
    qtbot.waitUntil(lambda: window.history is not None and window.history.completed > 0,
                    timeout=RUN_TIMEOUT)
    child = window.runner.trainer.pid
    assert window.runner.thread.isRunning()
    assert [p.pid for p in multiprocessing.active_children()] == [child]
    window.close()
    assert not window.runner.thread.isRunning() and not window.runner.trainer.is_alive()
    assert multiprocessing.active_children() == []
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)  # reaped, not a zombie
    assert not [r for r in qtlog.records if "Destroyed while thread" in r.message]


def test_a_killed_training_process_fails_the_run_clearly_and_the_next_run_works(
        qtbot, window, small_settings, dialogs):
    window.controls.set_settings(long_settings(small_settings))
    window.start()
    qtbot.waitUntil(lambda: window.history is not None and window.history.completed > 0,
                    timeout=RUN_TIMEOUT)
    dead = window.runner.trainer.pid
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT) as finished:
        os.kill(dead, signal.SIGKILL)
    assert finished.args == [False]
    assert len(dialogs) == 1 and dialogs[0][0] == "Run failed"
    assert "training process ended unexpectedly (killed by signal SIGKILL)" in dialogs[0][1]
    done = window.history.completed
    assert done > 0 and len(curve(window.loss_panel.raw_items["SGD"])[0]) == done  # curves kept
    assert window.controls.start_button.isEnabled()
    window.controls.set_settings(small_settings)
    assert run_to_end(qtbot, window) is True
    assert window.history.completed == 30 and window.runner.trainer.pid != dead


def test_reset_during_a_run_clears_and_ignores_its_late_updates(qtbot, window, small_settings):
    ended, emitted, received = [], [], []
    # Counted in the worker thread as they are emitted, and in the GUI thread as they arrive.
    window.runner.mnistUpdated.connect(lambda run_id, update: emitted.append(run_id),
                                       Qt.ConnectionType.DirectConnection)

    class Receiver(QObject):  # lives in the GUI thread: its slots get the signals queued, in order
        @Slot(int, object)
        def count(self, run_id, update):
            received.append(run_id)

        @Slot(int, bool)
        def end(self, run_id, completed):
            ended.append(run_id)

    receiver = Receiver()
    window.runner.mnistUpdated.connect(receiver.count)
    window.runner.finished.connect(receiver.end)
    window.controls.set_settings(long_settings(small_settings))
    window.start()
    qtbot.waitUntil(lambda: window.history is not None and window.history.completed > 0,
                    timeout=RUN_TIMEOUT)
    assert window.running and ended == []
    # Without processing events, wait until updates of this run are queued but not delivered:
    # they arrive after Reset, and must be ignored.
    deadline = time.monotonic() + RUN_TIMEOUT / 1000
    while len(emitted) < len(received) + 2 and time.monotonic() < deadline:
        time.sleep(0.002)
    delivered_before_reset = len(received)
    window.reset()
    qtbot.waitUntil(lambda: bool(ended), timeout=RUN_TIMEOUT)  # queued after every update
    assert len(received) >= delivered_before_reset + 2  # late updates did arrive after Reset
    assert window.history is None and not window.running
    # Nothing of the reset run is drawn (its curves may not even have been created yet).
    assert not [label for label, item in window.loss_panel.raw_items.items()
                if item.isVisible() or len(curve(item)[0])]


def test_start_stop_reset_in_any_order(qtbot, window, small_settings):
    buttons = window.controls
    for press in ("start", "start", "stop", "reset", "start", "reset", "reset", "stop", "start"):
        getattr(window, press)()
    assert window.running
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT) as finished:
        pass
    assert finished.args == [True]
    assert window.history.completed == 30
    assert len(curve(window.loss_panel.raw_items["Adam"])[0]) == 30
    assert buttons.start_button.isEnabled()
    assert window.runner.thread.isRunning()  # one worker thread, reused by every run
    assert [p.pid for p in multiprocessing.active_children()] == [window.runner.trainer.pid]  # one child
    assert run_to_end(qtbot, window) is True


def test_keyboard_starts_and_stops(qtbot, window, small_settings):
    window.controls.set_settings(long_settings(small_settings))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.running
    qtbot.waitUntil(lambda: window.history is not None and window.history.completed > 0,
                    timeout=RUN_TIMEOUT)
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT):
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.running


def test_clicking_the_contour_sets_the_start_point(qtbot, window):
    plot = window.path_panel.plot_widget
    view = window.path_panel.plot_item.getViewBox()
    target = QPointF(3.0, -4.0)
    pixel = plot.mapFromScene(view.mapViewToScene(target))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=pixel)
    x, y = window.controls.start_x_spin.value(), window.controls.start_y_spin.value()
    per_pixel = 20.0 / min(view.width(), view.height())  # the book's view is 20 units wide
    assert abs(x - 3.0) <= 2 * per_pixel and abs(y + 4.0) <= 2 * per_pixel
    assert window.path_panel.start == pytest.approx((x, y))
    assert window.controls.settings().paths.start == (x, y)


def test_clicking_the_path_legend_does_not_move_the_start_point(qtbot, window):
    window.path_panel.set_paths(run_paths(window.controls.settings()))
    legend = window.path_panel.legend.item
    assert legend.isVisible()
    before = window.controls.settings().paths.start
    plot = window.path_panel.plot_widget
    view = window.path_panel.plot_item.getViewBox()
    centre = legend.sceneBoundingRect().center()
    assert view.sceneBoundingRect().contains(centre)  # the legend floats over the contours
    with qtbot.assertNotEmitted(window.path_panel.startPicked):
        qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=plot.mapFromScene(centre))
    assert window.controls.settings().paths.start == before
    beside = legend.sceneBoundingRect().bottomLeft() + QPointF(-5, 5)  # just off it: a start point
    with qtbot.waitSignal(window.path_panel.startPicked):
        qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=plot.mapFromScene(beside))
    assert window.controls.settings().paths.start != before


def test_choosing_a_function_moves_the_start_to_its_recommended_point(window):
    combo = window.controls.function_combo
    combo.setCurrentIndex(combo.findData("rosenbrock"))
    assert window.controls.settings().paths.start == (-1.5, 2.5)
    assert window.path_panel.function_key == "rosenbrock"


def test_session_round_trips_through_qsettings(open_window, small_settings, session_store):
    changed = dataclasses.replace(small_settings, optimizers=("SGD", "RMSprop"), task="mnist")
    changed.path_hyperparameters["RMSprop"]["decay_rate"] = 0.9
    first = open_window(changed)
    first.controls.animation_spin.setValue(42)
    first.loss_panel.set_log_y(True)
    first.loss_panel.set_smoothing("ema", 0.75)
    first.close()
    assert json.loads(session_store.value(SESSION_SETTINGS))["optimizers"] == ["SGD", "RMSprop"]

    second = open_window(None)
    assert second.controls.settings() == changed
    assert second.controls.animation_speed == 42
    assert second.loss_panel.log_y and second.loss_panel.smoothing == "ema"
    assert second.loss_panel.ema_strength == pytest.approx(0.75)
    second.close()


def test_unreadable_session_falls_back_to_defaults(session_store):
    session_store.setValue(SESSION_SETTINGS, "{not json")
    assert load_session(session_store) == Settings()
    session_store.setValue(SESSION_SETTINGS, json.dumps({"optimizers": ["Nope"]}))
    assert load_session(session_store) == Settings()


@pytest.mark.parametrize("label", list(PRESETS))
def test_presets_set_the_controls(window, label):
    controls = window.controls
    controls.set_checked_optimizers(("AdamW",))
    controls.hp_spins[("paths", "SGD", "lr")].setValue(0.5)
    controls.hp_spins[("mnist", "SGD", "lr")].setValue(0.5)
    controls.steps_spin.setValue(99)
    controls.mnist.same_init_check.setChecked(False)
    before = controls.settings()
    action = window.findChild(object, f"preset:{label}")
    action.trigger()
    assert controls.settings() == PRESETS[label](before)


def test_book_defaults_button_resets_only_the_shown_optimizers_hyperparameters(window):
    controls = window.controls
    controls.set_checked_optimizers(tuple(OPTIMIZERS))
    controls.mnist.iterations_spin.setValue(7)
    controls.task_combo.setCurrentIndex(controls.task_combo.findData("mnist"))
    controls.function_combo.setCurrentIndex(controls.function_combo.findData("rosenbrock"))
    for task in ("paths", "mnist"):
        for name in ("SGD", "Adam"):
            controls.hp_spins[(task, name, "lr")].setValue(0.0123)
    controls.optimizer_list.setCurrentRow(list(OPTIMIZERS).index("Adam"))
    before = controls.settings()
    controls.book_defaults_button.click()
    after = controls.settings()
    book = Settings()
    assert after.path_hyperparameters["Adam"] == book.path_hyperparameters["Adam"]
    assert after.mnist_hyperparameters["Adam"] == book.mnist_hyperparameters["Adam"]
    assert dataclasses.replace(after, path_hyperparameters=before.path_hyperparameters,
                               mnist_hyperparameters=before.mnist_hyperparameters) == before
    assert after.path_hyperparameters["SGD"]["lr"] == after.mnist_hyperparameters["SGD"]["lr"] == 0.0123


def test_full_reset_lives_in_the_presets_menu(window, tmp_path):
    controls = window.controls
    controls.set_checked_optimizers(tuple(OPTIMIZERS))
    controls.mnist.iterations_spin.setValue(7)
    controls.mnist.set_data_dir(str(tmp_path / "gone"))
    window.findChild(object, "bookDefaultsAction").trigger()
    assert controls.settings() == Settings() and controls.mnist.data_dir is None


def test_layout_survives_resizing(qtbot, window):
    for size in ((window.minimumWidth(), window.minimumHeight()), (1366, 768), (1900, 1100)):
        window.resize(*size)
        qtbot.waitUntil(lambda: window.width() == size[0])
        for panel in (window.path_panel, window.loss_panel, window.accuracy_panel, window.controls):
            assert panel.isVisible() and panel.width() > 150 and panel.height() > 150, (size, panel)
        path_right = window.path_panel.mapTo(window, window.path_panel.rect().topRight()).x()
        loss_left = window.loss_panel.mapTo(window, window.loss_panel.rect().topLeft()).x()
        assert path_right < loss_left <= size[0] - 150  # side by side, nothing pushed out


def test_diverged_optimizers_are_named_in_legends_and_status(qtbot, window, small_settings):
    settings = dataclasses.replace(small_settings, optimizers=("SGD", "Adam"),
                                   paths=dataclasses.replace(small_settings.paths, steps=200),
                                   mnist=dataclasses.replace(small_settings.mnist, iterations=150))
    settings.mnist_hyperparameters["SGD"]["lr"] = 100.0
    settings.path_hyperparameters["SGD"]["lr"] = 100.0
    window.controls.set_settings(settings)
    run_to_end(qtbot, window)
    window.finish_animation()
    assert "SGD" in window.history.diverged and "Adam" not in window.history.diverged
    loss_labels = window.loss_panel.legend.labels()
    assert loss_labels[0].startswith("SGD \u2014 diverged: iteration") and loss_labels[1] == "Adam"
    assert window.accuracy_panel.legend.labels()[0].startswith("SGD \u2014 diverged")
    assert window.path_panel.legend.labels()[0] == "SGD \u2715"
    why = "each step multiplies y by 1 \u2212 lr\u00b72 = \u2212199: lr \u00d7 curvature (200) is above 2"
    assert why in window.path_panel.legend.item.toolTip()
    window._frame()
    status = window.run_status.diverged_label.text()
    assert status.startswith("Diverged: SGD (iteration") and f"SGD (2D step 2: {why})" in status


def test_presets_and_loading_settings_are_locked_during_a_run(qtbot, window, small_settings):
    window.controls.set_settings(long_settings(small_settings))
    window.start()
    locked = [*window.preset_actions, window.load_settings_action, window.start_action]
    assert not any(action.isEnabled() for action in locked) and window.stop_action.isEnabled()
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT):
        window.stop()
    assert all(action.isEnabled() for action in locked) and not window.stop_action.isEnabled()
