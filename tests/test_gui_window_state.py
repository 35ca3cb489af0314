"""The window as a user meets it (issue 12, items 11 and 14-18, 22, 25): presets, the dataset
row, the session kept on close, focus after Start, the status bar across runs, tooltips."""
import dataclasses
import json
import os
import signal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

from gui.doc_text import plain_text
from gui.session import SESSION_SETTINGS, load_session
from nncore.optimizers import OPTIMIZERS
from nncore.settings import PRESETS

RUN_TIMEOUT = 60_000


def long_settings(settings):
    return dataclasses.replace(settings, task="mnist", mnist=dataclasses.replace(
        settings.mnist, iterations=1_000_000, hidden_sizes=(8,), batch_size=8, eval_interval=0))


def run_to_end(qtbot, window):
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT) as finished:
        assert window.start()
    return finished.args[0]


@pytest.mark.parametrize("label, task", [("Book figure 6-8 (2D paths)", "paths"),
                                         ("Book figure 6-9 (MNIST)", "mnist")])
def test_a_figure_preset_selects_the_task_it_reproduces(window, label, task):
    window.controls.task_combo.setCurrentIndex(
        window.controls.task_combo.findData("mnist" if task == "paths" else "paths"))
    window.findChild(object, f"preset:{label}").trigger()
    assert window.controls.settings().task == task


def test_a_preset_applies_even_when_a_box_holds_refused_text(window, dialogs):
    window.controls.steps_spin.setValue(0)  # refused: steps are in [1, 100000]
    window.findChild(object, "preset:Book figure 6-8 (2D paths)").trigger()
    assert dialogs == [] and window.controls.settings().paths.steps == 29


def test_the_dataset_row_shows_a_missing_folder_and_resets_to_the_bundled_mnist(
        open_window, small_settings, tmp_path):
    gone = tmp_path / "gone"
    window = open_window(dataclasses.replace(small_settings, mnist=dataclasses.replace(
        small_settings.mnist, data_dir=str(gone))))
    controls = window.controls
    assert controls.mnist.dataset_label.text() == "gone (missing)" and str(gone) in controls.mnist.dataset_label.toolTip()
    assert controls.mnist.bundled_button.isEnabled()
    controls.mnist.bundled_button.click()
    assert controls.settings().mnist.data_dir is None and controls.mnist.dataset_label.text() == "Bundled MNIST"
    assert not controls.mnist.bundled_button.isEnabled()
    here = tmp_path / "mine"
    here.mkdir()
    controls.mnist.set_data_dir(str(here))
    assert controls.mnist.dataset_label.text() == "mine" and controls.settings().mnist.data_dir == str(here)
    window.close()


def test_closing_with_invalid_settings_keeps_the_last_valid_session_and_the_valid_fields(
        open_window, small_settings, session_store):
    first = open_window(small_settings)
    first.controls.set_checked_optimizers(())  # no optimizer ticked: not a runnable setting
    first.controls.mnist.hidden_edit.setText("0")  # refused
    first.controls.mnist.iterations_spin.setValue(77)  # valid: kept
    first.close()
    saved = load_session(session_store)
    assert saved.optimizers == small_settings.optimizers
    assert saved.mnist.hidden_sizes == small_settings.mnist.hidden_sizes
    assert saved.mnist.iterations == 77
    assert json.loads(session_store.value(SESSION_SETTINGS))["mnist"]["iterations"] == 77


def test_space_on_start_moves_the_focus_to_stop_and_back(qtbot, window, small_settings):
    window.controls.set_settings(long_settings(small_settings))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    start, stop = window.controls.start_button, window.controls.stop_button
    start.setFocus()
    qtbot.waitUntil(start.hasFocus)
    qtbot.keyClick(start, Qt.Key.Key_Space)
    assert window.running and stop.hasFocus()
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT):
        qtbot.keyClick(stop, Qt.Key.Key_Space)  # the second Space stops, it does not reset
    assert window.run_status.state_label.text() == "Stopped"  # Reset would say "Ready"
    assert start.hasFocus() and not window.controls.reset_button.hasFocus()


def test_a_2d_run_after_an_mnist_run_clears_its_progress_and_names_diverged_paths(qtbot, window,
                                                                                 small_settings):
    assert run_to_end(qtbot, window) is True
    assert window.run_status.speed_label.text() and window.run_status.progress_bar.value() == 30
    paths_only = dataclasses.replace(small_settings, task="paths", optimizers=("SGD", "Adam"),
                                     paths=dataclasses.replace(small_settings.paths, steps=200))
    paths_only.path_hyperparameters["SGD"]["lr"] = 100.0
    window.controls.set_settings(paths_only)
    assert run_to_end(qtbot, window) is True
    window.finish_animation()
    assert window.run_status.speed_label.text() == "" and window.run_status.time_label.text() == ""
    assert window.run_status.progress_bar.value() == -1  # reset: no progress of the last MNIST run
    assert not window.run_status.progress_bar.isVisible()  # and no empty bar either
    assert window.run_status.iteration_label.text() == f"Step {window.path_panel.total_steps} / {window.path_panel.total_steps}"
    assert window.run_status.iteration_label.width() >= window.run_status.iteration_label.sizeHint().width()  # not clipped
    assert window.run_status.diverged_label.text().startswith("Diverged: SGD (2D step")
    assert "SGD, 2D step" in window.run_status.diverged_label.toolTip()


def test_a_stopped_run_shows_no_remaining_time(qtbot, window, small_settings):
    window.controls.set_settings(long_settings(small_settings))
    window.start()
    qtbot.waitUntil(lambda: window.history is not None and window.history.completed > 50,
                    timeout=RUN_TIMEOUT)
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT):
        window.stop()
    assert window.run_status.state_label.text() == "Stopped"
    assert window.run_status.time_label.text().startswith("Elapsed") and "remaining" not in window.run_status.time_label.text()


def test_a_failed_run_says_failed_with_the_reason(qtbot, window, small_settings, dialogs):
    window.controls.set_settings(long_settings(small_settings))
    window.start()
    qtbot.waitUntil(lambda: window.history is not None and window.history.completed > 0,
                    timeout=RUN_TIMEOUT)
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT):
        os.kill(window.runner.trainer.pid, signal.SIGKILL)
    assert window.run_status.state_label.text().startswith("Failed: ")
    assert "killed by signal SIGKILL" in window.run_status.state_label.toolTip()
    window.controls.set_settings(small_settings)
    assert run_to_end(qtbot, window) is True and window.run_status.state_label.text() == "Finished"


def test_tooltips_are_whole_and_plain(window):
    docs = {}
    window.controls.set_checked_optimizers(tuple(OPTIMIZERS))  # one entry of each, in order
    for row, key in enumerate(OPTIMIZERS):
        docs[key] = (window.controls.optimizer_list.item(row).toolTip(), OPTIMIZERS[key].__doc__)
    for action in window.preset_actions:
        label = action.text()
        if label in PRESETS:
            docs[label] = (action.toolTip(), PRESETS[label].__doc__)
    assert len(docs) == len(OPTIMIZERS) + len(PRESETS)
    for name, (tip, doc) in docs.items():
        assert "``" not in tip and ":class:" not in tip and ":func:" not in tip, name
        for line in plain_text(doc).splitlines():  # every line of the docstring: nothing cut off
            assert line.strip() in tip, (name, line)
    assert "W <- W + momentum^2 * v" in docs["Nesterov"][0]
    assert "preceded by a weight decay" in docs["AdamW"][0]
    assert "start + 29 updates, the 2D task only" in docs["Book figure 6-8 (2D paths)"][0]


def test_long_values_fit_their_boxes_and_small_ones_are_not_zeros(window):
    controls = window.controls
    controls.start_x_spin.setValue(12.345678)
    controls.mnist.weight_decay_spin.setValue(1e-7)
    assert controls.mnist.weight_decay_spin.text() == "1e-07"
    edit = controls.start_x_spin.lineEdit()
    assert QFontMetrics(edit.font()).horizontalAdvance("12.345678") <= edit.contentsRect().width()


def test_view_options_come_back_from_a_session_file_exactly(qtbot, small_settings, tmp_path):
    from PySide6.QtCore import QSettings

    from gui.main_window import MainWindow
    stored = tmp_path / "stored.ini"  # as an earlier session left it (not through this
    stored.write_text("[session]\nemaStrength=0.9\nlossSmoothing=ema\n")  # process's cache)
    window = MainWindow(small_settings, QSettings(str(stored), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    assert window.loss_panel.ema_strength == 0.9 and window.loss_panel.strength_spin.text() == "0.9"
    window.close()
    outside = tmp_path / "outside.ini"
    outside.write_text("[session]\nemaStrength=1.5\n")  # outside [0, 1): ignored, not clamped
    again = MainWindow(small_settings, QSettings(str(outside), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    assert again.loss_panel.ema_strength == 0.9
    again.close()


def test_the_status_bar_names_optimizers_that_are_not_learning(window):
    from nncore.experiment import MnistHistory
    from nncore.training_rules import NotLearning
    history = MnistHistory(("SGD", "Adam"), 500)
    history.completed = 500
    history.not_learning["Adam"] = NotLearning(300, "test accuracy at chance twice in a row")
    window.history = history
    window._update_status()
    assert window.run_status.diverged_label.text() == "Not learning: Adam (iteration 300)"
    assert "Adam is not learning, MNIST iteration 300: test accuracy at chance" in window.run_status.diverged_label.toolTip()
