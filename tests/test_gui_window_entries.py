"""Entries, repeats, summary, history, open run and captions in the window."""
import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from nncore.cli import parse_command_line
from nncore.results import run_record

RUN_TIMEOUT = 120_000
SMALL = ["--iterations", "30", "--hidden", "16,16", "--batch-size", "32", "--eval-interval", "10",
         "--task", "mnist"]


def _settings(*flags):
    return parse_command_line([*SMALL, *flags]).settings


def _run(qtbot, window):
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT) as finished:
        qtbot.mouseClick(window.controls.start_button, Qt.MouseButton.LeftButton)
    return finished.args[0]


def test_two_adam_entries_train_side_by_side_and_the_run_is_kept(qtbot, open_window):
    window = open_window(_settings("--run", "Adam lr=0.001", "--run", "Adam lr=0.01"))
    labels = ["Adam lr=0.001", "Adam lr=0.01"]
    assert [window.controls.optimizer_list.item(i).text() for i in range(2)] == labels
    assert _run(qtbot, window)
    assert window.history.names == tuple(labels)
    slow, fast = (window.loss_panel.raw_items[label].getData()[1] for label in labels)
    assert len(slow) == 30 and np.abs(slow[1:] - fast[1:]).min() > 0
    assert window.loss_panel.legend.labels() == labels
    assert window.summary_table.column_texts(0) == labels
    assert window.curve_tabs.indexOf(window.summary_table) >= 0
    colors = [window.loss_panel.smooth_items[label].opts["pen"].color().name() for label in labels]
    assert colors[0] != colors[1]
    runs = window.run_views.run_history.runs()
    assert len(runs) == 1 and runs[0].labels == tuple(labels)
    assert window.history_panel.tree.topLevelItemCount() == 1


def test_four_entries_by_three_repeats_show_bands_and_the_summary(qtbot, open_window):
    window = open_window(_settings("--repeats", "3", "--run", "SGD lr=0.1", "--run", "Momentum",
                                   "--run", "AdaGrad", "--run", "Adam"))
    assert _run(qtbot, window)
    assert len(window.history.names) == 12
    for label in ("SGD", "Momentum", "AdaGrad", "Adam"):
        assert window.loss_panel.band_items[label][2].isVisible()
        assert not window.loss_panel.raw_items[label].isVisible()
    assert window.summary_table.rowCount() == 4
    assert all("\u00b1" in text for text in window.summary_table.column_texts(2))
    window.loss_panel.band_combo.setCurrentIndex(1)
    assert window.loss_panel.band == "std"


def test_editing_the_selected_entry_in_its_boxes_and_schedule(qtbot, open_window):
    window = open_window(_settings("--run", "Adam", "--run", "SGD"))
    controls = window.controls
    controls.entry_list.select(0)
    with qtbot.waitSignal(controls.settingsChanged):
        controls.entry_list.duplicate_selected()
    assert controls.entry_list.selected() == 2
    spin = window.findChild(type(controls.hp_spins[("mnist", "Adam", "lr")]), "hp_mnist_Adam_lr")
    spin.setValue(0.01)
    settings = controls.settings().validate()
    assert settings.labels() == ("Adam lr=0.001", "SGD", "Adam lr=0.01")
    controls.entry_list.select(0)
    assert spin.value() == pytest.approx(0.001)  # the page shows the selected entry
    controls.schedule_editor.combo.setCurrentIndex(controls.schedule_editor.combo.findData("cosine"))
    controls.schedule_editor.combo.activated.emit(controls.schedule_editor.combo.currentIndex())
    label = "Adam lr=0.001 schedule=cosine"  # what differs now includes the schedule
    assert controls.settings().run_entries()[label].schedule.name == "cosine"
    assert controls.optimizer_list.item(0).text() == label
    qtbot.waitUntil(lambda: label in window.lr_plot.curves)
    rates = window.lr_plot.curves[label].yData
    assert rates[0] == pytest.approx(0.001) and rates[-1] < 1e-5


def test_history_pins_overlay_and_restores_settings(qtbot, open_window):
    window = open_window(_settings("--run", "SGD lr=0.1"))
    assert _run(qtbot, window)
    window.controls.entry_list.add_entry("Adam")
    path = window.run_views.run_history.files()[0]
    with qtbot.waitSignal(window.history_panel.pinnedChanged):
        window.history_panel.set_pinned(path, True)
    assert any(label == "SGD" for _, label in window.loss_panel.overlay_items)
    assert window.loss_panel.overlay_items[next(iter(window.loss_panel.overlay_items))].opts["pen"].style() \
        == Qt.PenStyle.DashLine
    window.history_panel.tree.setCurrentItem(window.history_panel.tree.topLevelItem(0))
    qtbot.mouseClick(window.history_panel.restore_button, Qt.MouseButton.LeftButton)
    assert window.controls.settings().labels() == ("SGD",)


def test_open_run_views_a_run_json_and_load_settings_accepts_one(qtbot, open_window, tmp_path, dialogs):
    source = open_window(_settings("--run", "Adam lr=0.001", "--run", "Adam lr=0.01"))
    assert _run(qtbot, source)
    path = tmp_path / "run.json"
    path.write_text(json.dumps(run_record(source.run_settings, None, source.history)))
    window = open_window(_settings())
    assert window.open_run_file(path)
    assert window.windowTitle().startswith("run.json")
    assert window.loss_panel.legend.labels() == ["Adam lr=0.001", "Adam lr=0.01"]
    assert window.summary_table.rowCount() == 2
    assert window.controls.settings().labels() == ("Adam lr=0.001", "Adam lr=0.01")
    other = open_window(_settings())
    assert other.load_settings_file(path)
    assert other.controls.settings().labels() == ("Adam lr=0.001", "Adam lr=0.01")
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert not window.open_run_file(bad)
    assert "has no \"settings\" object" in dialogs[-1][1]


def test_exported_plots_can_carry_a_caption(qtbot, open_window, tmp_path):
    window = open_window(_settings("--run", "Adam lr=0.01 schedule=cosine", "--repeats", "2"))
    assert _run(qtbot, window)
    assert window.figure_caption("loss") == ("Adam lr=0.01 schedule=cosine \u00b7 MNIST: 30 iterations, "
                                             "batch 32, seed 0, 2 repeats")
    plain = QImage(str(window.export_plot("loss", tmp_path / "plain.png", width=800)))
    captioned = QImage(str(window.export_plot("loss", tmp_path / "caption.png", width=800, caption=True)))
    assert captioned.height() > plain.height()
