"""The entry list, schedule editor, summary table, learning-rate plot and history panel as
widgets (the window's wiring is tested in test_gui_window_entries.py)."""

import numpy as np
from PySide6.QtCore import Qt

from gui.entry_list import EntryList
from gui.history_panel import HistoryPanel
from gui.lr_plot import LearningRatePlot, schedule_curves
from gui.schedule_editor import ScheduleEditor
from gui.summary_panel import SummaryTable
from nncore.entries import make_entry
from nncore.run_history import RunInfo
from nncore.schedules import ScheduleSpec
from nncore.settings import MnistSettings, Settings
from nncore.summary import EntrySummary


def _shown(widget, qtbot):
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_entries_are_added_duplicated_renamed_moved_ticked_and_removed(qtbot, dialogs):
    entries = _shown(EntryList(), qtbot)
    entries.set_entries([make_entry("Adam")])
    texts = lambda: [entries.list.item(i).text() for i in range(entries.list.count())]  # noqa: E731
    assert texts() == ["Adam"]
    with qtbot.waitSignal(entries.entriesChanged):
        entries.duplicate_selected()
    assert texts() == ["Adam", "Adam (copy)"]  # identical: refused at Start
    entries.replace_entry(1, make_entry("Adam", mnist={"lr": 0.01}, color=entries.entries()[1].color))
    assert texts() == ["Adam lr=0.001", "Adam lr=0.01"]
    assert entries.colors()[0] != entries.colors()[1]
    entries.add_entry("SGD")
    assert texts()[2] == "SGD" and entries.selected() == 2
    entries.list.item(2).setText("plain")  # as a double-click edit does
    assert entries.entries()[2].label == "plain" and texts()[2] == "plain"
    entries.list.item(0).setText("plain")  # already in use: refused with a message
    assert dialogs and "labelled 'plain'" in dialogs[-1][1]
    assert entries.entries()[0].label == ""
    entries.select(2)
    entries.move_selected(-1)
    assert texts() == ["Adam lr=0.001", "plain", "Adam lr=0.01"] and entries.selected() == 1
    entries.list.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert not entries.entries()[0].enabled
    assert texts()[2] == "Adam"  # the only ticked Adam is labelled by its name
    entries.select(1)
    entries.remove_selected()
    assert [e.label or e.optimizer for e in entries.entries()] == ["Adam", "Adam"]


def test_a_locked_list_is_readable_but_not_editable(qtbot):
    entries = _shown(EntryList(), qtbot)
    entries.set_entries([make_entry("Adam"), make_entry("SGD")])
    entries.set_locked(True)
    assert not entries.duplicate_button.isEnabled() and not entries.add_button.isEnabled()
    with qtbot.waitSignal(entries.entrySelected):
        entries.select(1)
    assert entries.selected() == 1
    assert not entries.list.item(1).flags() & Qt.ItemFlag.ItemIsUserCheckable
    entries.remove_selected()
    entries.add_entry("Lion")
    assert len(entries.entries()) == 2


def test_schedule_editor_emits_valid_schedules_and_refuses_bad_text(qtbot, dialogs):
    editor = _shown(ScheduleEditor(), qtbot)
    editor.set_schedule(None)
    with qtbot.waitSignal(editor.scheduleEdited) as signal:
        editor.combo.setCurrentIndex(editor.combo.findData("cosine"))
        editor.combo.activated.emit(editor.combo.currentIndex())
    assert signal.args == [ScheduleSpec("cosine")]
    editor.parameters.setText("min=1e-4")
    with qtbot.waitSignal(editor.scheduleEdited) as signal:
        editor.parameters.editingFinished.emit()
    assert signal.args == [ScheduleSpec("cosine", {"min": 1e-4})]
    editor.parameters.setText("min=-1")
    editor.parameters.editingFinished.emit()
    assert "min (learning rate) must be a number in [0, 100], got -1.0" in dialogs[-1][1]
    assert editor.parameters.text() == "min=0.0001" and editor.spec == ScheduleSpec("cosine", {"min": 1e-4})
    with qtbot.waitSignal(editor.scheduleEdited) as signal:
        editor.warmup.setValue(50)
    assert signal.args[0].warmup == 50


def test_summary_table_sorts_by_the_numbers(qtbot):
    table = _shown(SummaryTable(), qtbot)
    rows = [EntrySummary("A", 1, 0.3, 0.0, 0.90, 0.0, 0.91, 0.0, None, 0, None, None),
            EntrySummary("B", 1, 0.1, 0.0, 0.97, 0.0, 0.97, 0.0, 400, 0, None, None),
            EntrySummary("C", 1, 2.0, 0.0, 0.10, 0.0, 0.10, 0.0, None, 1, 120, "the loss became NaN")]
    table.set_summaries(rows, {"A": "#ff0000"})
    assert table.objectName() == "summaryTable"
    table.sortItems(2, Qt.SortOrder.DescendingOrder)  # final accuracy
    assert table.column_texts(0) == ["B", "A", "C"]
    assert table.column_texts(2)[0] == "97.00 %"
    table.sortItems(4, Qt.SortOrder.AscendingOrder)  # first at 95 %: "–" after the numbers
    assert table.column_texts(0)[0] == "B" and table.column_texts(4)[1:] == ["\u2013", "\u2013"]
    table.sortItems(1, Qt.SortOrder.AscendingOrder)
    assert table.column_texts(0) == ["B", "A", "C"]
    assert table.column_texts(5)[2] == "at 120: the loss became NaN"


def test_lr_plot_draws_each_schedule_and_marks_the_iteration(qtbot):
    plot = _shown(LearningRatePlot(), qtbot)
    settings = Settings(entries=(make_entry("SGD", mnist={"lr": 0.1}, schedule=ScheduleSpec("cosine")),
                                 make_entry("Adam")), mnist=MnistSettings(iterations=100))
    curves = schedule_curves(settings)
    plot.set_schedules(curves, {"SGD": "#1f77b4"})
    x, y = plot.curves["SGD"].xData, plot.curves["SGD"].yData  # the data, not its log10
    assert len(x) == 100 and y[0] == 0.1 and np.isclose(y[50], 0.05)
    assert np.all(plot.curves["Adam"].yData == 0.001)
    plot.set_iteration(40)
    assert plot.marker.isVisible() and plot.marker.value() == 40
    plot.set_schedules({"Adam": curves["Adam"]}, {})
    assert list(plot.curves) == ["Adam"]


def test_history_panel_pins_and_restores(qtbot, tmp_path):
    panel = _shown(HistoryPanel(), qtbot)
    runs = [RunInfo(tmp_path / f"run-{i}.json", f"2026-01-01 00:0{i}:00", "both", ("SGD", "Adam"),
                    "SGD 90.0 %, Adam 95.0 %") for i in (2, 1)]
    panel.set_runs(runs)
    assert panel.tree.topLevelItemCount() == 2
    with qtbot.waitSignal(panel.pinnedChanged) as signal:
        panel.tree.topLevelItem(1).setCheckState(0, Qt.CheckState.Checked)
    assert signal.args == [[tmp_path / "run-1.json"]]
    panel.set_runs(runs[1:])  # the pin survives a refresh
    assert panel.pinned() == [tmp_path / "run-1.json"]
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    with qtbot.waitSignal(panel.restoreRequested) as signal:
        qtbot.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    assert signal.args == [tmp_path / "run-1.json"]
