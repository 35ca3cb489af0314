"""The controls hold every valid value exactly, refuse the others with the range, never crash.

Issue 12, items 1 and 2: each control's limits come from the one definition of its range
(nncore.ranges or the optimizer's Hyperparameter); values from flags, settings files and run.json
are shown and read back unchanged; typed text (scientific notation too) is taken as typed; a
value outside the range is refused with a message naming the range, never clamped or rounded.
"""
import dataclasses
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from gui import crash_guard
from gui.number_box import NumberBox, number_text, parse_number
from nncore import ranges
from nncore.settings import Settings

BOXES = {
    "startXSpin": ranges.START_COORDINATE, "startYSpin": ranges.START_COORDINATE,
    "stepsSpin": ranges.STEPS, "iterationsSpin": ranges.ITERATIONS,
    "batchSizeSpin": ranges.BATCH_SIZE, "evalIntervalSpin": ranges.EVAL_INTERVAL,
    "seedSpin": ranges.SEED, "weightDecaySpin": ranges.WEIGHT_DECAY,
}


def extreme_settings():
    """Valid values the old spin boxes changed: each at or near its range's edge. One optimizer
    is ticked: the 2D panel solves every ticked path live, and 100000 steps take ~1 s each."""
    settings = Settings(optimizers=("SGD",))
    settings.path_hyperparameters["SGD"]["lr"] = 1e-9
    settings.mnist_hyperparameters["Momentum"]["lr"] = 0.12345
    settings.mnist_hyperparameters["Adam"]["beta2"] = 0.99999
    settings.path_hyperparameters["Adam"]["lr"] = 100.0
    return dataclasses.replace(
        settings, paths=dataclasses.replace(settings.paths, start=(5000.0, -1e6), steps=100_000),
        mnist=dataclasses.replace(settings.mnist, weight_decay=50.0, seed=2 ** 32 - 1,
                                  iterations=1_000_000, batch_size=60_000, eval_interval=0,
                                  hidden_sizes=(4096,) * 16))


def type_into(qtbot, box, text):
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), text)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)


def test_numbers_are_shown_in_the_shortest_text_that_reads_back_exactly():
    for value in (1e-9, 0.12345, 0.99999, 5000.0, 12.345678, 0.0, 1e-300, 2.0 ** 0.5):
        assert float(number_text(value)) == value
    assert number_text(5000.0) == "5000" and number_text(1e-9) == "1e-09"
    assert number_text(2 ** 32 - 1, integer=True) == "4294967295"
    assert parse_number("1e-3") == 0.001 and parse_number(" 1E3 ", integer=True) == 1000
    assert parse_number("2.5", integer=True) == 2.5  # not whole: the range refuses it
    assert parse_number("1_000") is None and parse_number("abc") is None and parse_number("") is None


def test_values_from_flags_files_and_run_json_reach_the_controls_unchanged(open_window):
    settings = extreme_settings().validate()
    window = open_window(settings)
    assert window.controls.settings() == settings
    assert window.controls.mnist.seed_spin.text() == "4294967295"
    assert window.controls.hp_spins[("paths", "SGD", "lr")].text() == "1e-09"
    assert window.controls.mnist.weight_decay_spin.text() == "50"
    window.close()


@pytest.mark.parametrize("name", sorted(BOXES))
def test_every_box_takes_its_limits_from_the_one_range(window, name):
    window.controls.set_checked_optimizers(("SGD",))  # one live path to solve at 100000 steps
    box = window.findChild(NumberBox, name)
    valid = BOXES[name]
    assert box.valid is valid
    for bound in (valid.minimum, valid.maximum):
        box.setValue(bound)
        assert box.is_valid() and box.checked_value() == bound and box.text() == number_text(bound, valid.integer)
    span = valid.maximum - valid.minimum
    for outside in (valid.minimum - max(1, span * 1e-9), valid.maximum + max(1, span * 1e-9)):
        box.setValue(outside)
        assert not box.is_valid() and box.value() in (valid.minimum, valid.maximum)  # last valid
        assert valid.text() in box.toolTip() and box.styleSheet()
        with pytest.raises(ValueError, match=valid.text().replace("[", r"\[").replace("]", r"\]")):
            window.controls.settings()


def test_typed_text_is_taken_as_typed(qtbot, window):
    controls = window.controls
    lr = controls.hp_spins[("mnist", "SGD", "lr")]
    type_into(qtbot, lr, "1e-3")
    assert lr.value() == 0.001 and lr.text() == "1e-3"
    type_into(qtbot, controls.start_x_spin, "5000")
    assert controls.start_x_spin.value() == 5000.0
    type_into(qtbot, controls.mnist.seed_spin, "4294967295")
    assert controls.settings().mnist.seed == 2 ** 32 - 1
    controls.mnist.hidden_edit.clear()
    qtbot.keyClicks(controls.mnist.hidden_edit, "100000")
    assert controls.mnist.hidden_edit.text() == "100000"  # not cut to 1000
    with pytest.raises(ValueError, match=r"hidden layer size must be a whole number in \[1, 4096\], got 100000"):
        controls.settings()
    assert "Refused" in controls.mnist.hidden_edit.toolTip() and controls.mnist.hidden_edit.styleSheet()
    controls.mnist.hidden_edit.setText(",".join(["8"] * 17))
    with pytest.raises(ValueError, match=r"number of hidden layers .* \[1, 16\]"):
        controls.settings()


def test_a_refused_value_stays_shown_and_start_names_the_range(qtbot, window, dialogs):
    lr = window.controls.hp_spins[("mnist", "SGD", "lr")]
    type_into(qtbot, lr, "0")
    assert lr.text() == "0" and not lr.is_valid()  # not reverted
    assert "Refused: lr must be a number in (0, 100]" in lr.toolTip()
    assert window.start() is False and not window.running
    assert dialogs == [("Cannot start", "Invalid settings: SGD (MNIST): lr must be a number in "
                        "(0, 100], got '0'")]


def test_an_unticked_optimizers_refused_value_does_not_block_a_run(window):
    box = window.controls.hp_spins[("mnist", "AdamW", "lr")]
    box.setValue(0)
    assert "AdamW" not in window.controls.checked_optimizers()
    assert window.controls.settings().validate().mnist_hyperparameters["AdamW"]["lr"] == 0.001


def test_arrows_step_inside_the_range_and_stop_at_a_valid_bound(window):
    seed = window.controls.mnist.seed_spin
    seed.setValue(2 ** 32 - 2)
    seed.stepBy(5)
    assert seed.value() == 2 ** 32 - 1
    lr = window.controls.hp_spins[("paths", "SGD", "lr")]
    lr.setValue(50)
    lr.stepBy(3)  # 100 is the largest valid learning rate
    assert lr.value() == 100
    beta = window.controls.hp_spins[("paths", "Adam", "beta1")]
    beta.setValue(0.995)
    beta.stepBy(1)  # 1 is excluded: no step
    assert beta.value() == 0.995


def test_loading_a_large_seed_applies_every_field(window, tmp_path, dialogs):
    path = tmp_path / "settings.json"
    settings = extreme_settings()
    path.write_text(json.dumps(settings.to_dict()))
    assert window.load_settings_file(path)
    assert window.controls.settings() == settings and dialogs == []


def test_out_of_range_settings_are_shown_as_given_and_refused(window, small_settings, dialogs):
    bad = dataclasses.replace(small_settings, mnist=dataclasses.replace(small_settings.mnist,
                                                                       seed=2 ** 32, iterations=5))
    window.controls.set_settings(bad)
    assert window.controls.mnist.seed_spin.text() == "4294967296" and not window.controls.mnist.seed_spin.is_valid()
    assert window.controls.mnist.iterations_spin.value() == 5
    assert window.start() is False
    assert "seed must be a whole number in [0, 4294967295], got '4294967296'" in dialogs[0][1]


def test_a_failure_while_showing_settings_changes_no_control(window, small_settings, monkeypatch):
    controls = window.controls
    before = controls.settings()
    other = dataclasses.replace(small_settings, task="paths", optimizers=("Adam",),
                                mnist=dataclasses.replace(small_settings.mnist, iterations=5, seed=7))
    original = controls.mnist.same_init_check.setChecked
    calls = []

    def fail_once(value):  # the last field written: everything before it has changed
        calls.append(value)
        if len(calls) == 1:
            raise RuntimeError("a control failed")
        original(value)

    monkeypatch.setattr(controls.mnist.same_init_check, "setChecked", fail_once)
    with pytest.raises(RuntimeError, match="a control failed"):
        controls.set_settings(other)
    assert controls.settings() == before


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_shows_a_dialog_and_the_window_lives_on(qtbot, window, monkeypatch,
                                                                      capsys):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: shown.append((title, text)))
    monkeypatch.setattr("sys.excepthook", crash_guard.show_error)
    crash_guard.install()
    button = QPushButton("boom", window)

    def faulty_slot():
        raise RuntimeError("a fault inside a slot")

    button.clicked.connect(faulty_slot)
    button.show()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert shown and shown[0][0] == "Unexpected error"
    assert "RuntimeError: a fault inside a slot" in shown[0][1]
    assert "a fault inside a slot" in capsys.readouterr().err
    assert window.isVisible() and window.start()  # the window still works
    with qtbot.waitSignal(window.runFinished, timeout=60_000):
        pass


def test_load_settings_refuses_a_fifo_at_once_and_reads_a_run_json(window, tmp_path, dialogs):
    """The window uses the command line's reader: a FIFO (which json.loads would wait on for
    ever) is refused naming the file, and a run.json gives its settings."""
    import os
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    assert window.load_settings_file(fifo) is False
    assert dialogs and str(fifo) in dialogs[-1][1] and "regular file" in dialogs[-1][1]
    run = tmp_path / "run.json"
    settings = extreme_settings()
    run.write_text(json.dumps({"settings": settings.to_dict(), "paths": None}))
    assert window.load_settings_file(run)
    assert window.controls.settings() == settings
