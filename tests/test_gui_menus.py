"""The window's File menu: screenshot, plot and data export, settings files, and their errors."""
import csv
import json
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog, QFileDialog

from gui.file_dialogs import ExportPlotDialog
from nncore.settings import Settings

RUN_TIMEOUT = 60_000


def choose_file(monkeypatch, path):
    """Make the save/open file dialogs answer ``path`` at once."""
    answer = lambda *args, **kwargs: (str(path), "")  # noqa: E731
    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", answer)


def action(window, name):
    return window.findChild(object, name)


def finished_run(qtbot, window):
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT):
        window.start()
    window.finish_animation()


def test_screenshot_action_writes_a_png_of_the_window(qtbot, window, monkeypatch, tmp_path, dialogs):
    target = tmp_path / "shot.png"
    choose_file(monkeypatch, target)
    assert action(window, "exportScreenshotAction").shortcut().toString() == "Ctrl+S"
    action(window, "exportScreenshotAction").trigger()
    image = QImage(str(target))
    ratio = window.devicePixelRatioF()
    assert (image.width(), image.height()) == (round(window.width() * ratio), round(window.height() * ratio))
    assert dialogs == []


def test_screenshot_default_name_has_a_timestamp(window, monkeypatch):
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda parent, caption, name, *a: offered.append(name) or ("", ""))
    action(window, "exportScreenshotAction").trigger()
    assert offered and offered[0].startswith("optimizer-lab-window-") and offered[0].endswith(".png")
    assert any(ch.isdigit() for ch in offered[0])


def test_unwritable_screenshot_path_shows_an_error_and_writes_nothing(window, monkeypatch, tmp_path, dialogs):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    choose_file(monkeypatch, blocker / "shot.png")
    action(window, "exportScreenshotAction").trigger()
    assert len(dialogs) == 1 and "not-a-folder" in dialogs[0][1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]


def test_export_plot_dialog_writes_png_of_the_chosen_width_and_svg(qtbot, window, monkeypatch, tmp_path):
    finished_run(qtbot, window)
    choices = iter([("loss", "png", 1200), ("accuracy", "svg", 0)])
    monkeypatch.setattr(ExportPlotDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(ExportPlotDialog, "choice", lambda self: next(choices))
    choose_file(monkeypatch, tmp_path / "loss.png")
    action(window, "exportPlotAction").trigger()
    assert QImage(str(tmp_path / "loss.png")).width() == 1200
    choose_file(monkeypatch, tmp_path / "accuracy.svg")
    action(window, "exportPlotAction").trigger()
    root = ET.parse(tmp_path / "accuracy.svg").getroot()
    assert root.tag.endswith("svg")
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) >= 4


def test_export_plot_dialog_offers_every_panel(qtbot, window, monkeypatch, tmp_path):
    """The dialog the window opens offers every plot the window shows, and each one exports."""
    import pyqtgraph as pg
    finished_run(qtbot, window)
    opened = []
    monkeypatch.setattr(ExportPlotDialog, "exec",
                        lambda self: opened.append(self) or QDialog.DialogCode.Rejected)
    action(window, "exportPlotAction").trigger()
    combo = opened[0].panel_combo
    offered = [combo.itemData(i) for i in range(combo.count())]
    plots = window.findChildren(pg.PlotWidget)  # visible ones and those on other tabs
    assert len(offered) == len(plots) >= 6
    exported_items = set()
    for index, key in enumerate(offered):
        target = tmp_path / f"{key}.png"
        assert window.export_plot(key, target, "png", 400) == target
        assert QImage(str(target)).width() == 400
        exported_items.add(id(window._panels()[key][1].plot_item))
    assert exported_items == {id(p.getPlotItem()) for p in plots}  # each shown plot, once
    opened[0].format_combo.setCurrentText("SVG")
    assert not opened[0].width_spin.isEnabled()


@pytest.mark.parametrize("typed, written, magic", [
    ("shot", "shot.png", b"\x89PNG"), ("shot.png", "shot.png", b"\x89PNG"),
    ("shot.jpg", "shot.jpg", b"\xff\xd8\xff"), ("SHOT.JPEG", "SHOT.JPEG", b"\xff\xd8\xff"),
    ("shot.bmp", "shot.bmp", b"BM"),
])
def test_a_screenshot_gets_the_format_its_name_asks_for(window, monkeypatch, tmp_path, dialogs,
                                                        typed, written, magic):
    choose_file(monkeypatch, tmp_path / typed)
    action(window, "exportScreenshotAction").trigger()
    assert dialogs == [] and [p.name for p in tmp_path.iterdir()] == [written]
    assert (tmp_path / written).read_bytes().startswith(magic)


def test_an_image_suffix_qt_cannot_write_is_refused_by_name(window, monkeypatch, tmp_path, dialogs):
    choose_file(monkeypatch, tmp_path / "shot.gif")
    action(window, "exportScreenshotAction").trigger()
    assert len(dialogs) == 1 and "cannot write .gif images" in dialogs[0][1] and ".png" in dialogs[0][1]
    assert list(tmp_path.iterdir()) == []


def test_plot_and_settings_exports_add_their_suffix(qtbot, window, monkeypatch, tmp_path):
    finished_run(qtbot, window)
    monkeypatch.setattr(ExportPlotDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    choices = iter([("loss", "png", 500), ("loss", "svg", 0), ("loss", "png", 500)])
    monkeypatch.setattr(ExportPlotDialog, "choice", lambda self: next(choices))
    for typed in ("loss", "vector", "named.svg"):  # PNG chosen, but the name says SVG: SVG
        choose_file(monkeypatch, tmp_path / typed)
        action(window, "exportPlotAction").trigger()
    assert QImage(str(tmp_path / "loss.png")).width() == 500
    for svg in ("vector.svg", "named.svg"):
        assert ET.parse(tmp_path / svg).getroot().tag.endswith("svg")
    choose_file(monkeypatch, tmp_path / "mine")
    action(window, "saveSettingsAction").trigger()
    assert Settings.from_dict(json.loads((tmp_path / "mine.json").read_text())) == window.controls.settings()


@pytest.mark.parametrize("export", ["screenshot", "plot"])
def test_a_qt_writer_that_fails_is_reported_and_leaves_no_file(window, monkeypatch, tmp_path, dialogs,
                                                               export):
    from PySide6.QtGui import QPixmap
    monkeypatch.setattr(QPixmap, "save", lambda self, *args: False)
    monkeypatch.setattr(QImage, "save", lambda self, *args: False)
    target = tmp_path / "picture.png"
    if export == "screenshot":
        assert window.export_screenshot(target) is None
    else:
        assert window.export_plot("loss", target) is None
    assert len(dialogs) == 1 and "Qt could not encode or write the PNG image" in dialogs[0][1]
    assert "picture.png" in dialogs[0][1] and list(tmp_path.iterdir()) == []


def test_export_data_writes_the_run_files(qtbot, window, monkeypatch, tmp_path):
    finished_run(qtbot, window)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    action(window, "exportDataAction").trigger()
    record = json.loads((tmp_path / "run.json").read_text())
    assert set(record["mnist"]["optimizers"]) == set(window.history.names)
    assert len(record["mnist"]["optimizers"]["Adam"]["loss"]) == 30
    assert record["paths"]["function"] == "book"
    with open(tmp_path / "losses.csv", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["iteration", *window.history.names] and len(rows) == 31
    assert (tmp_path / "paths.csv").exists() and (tmp_path / "accuracy.csv").exists()


def test_export_data_before_any_run_says_so(window, monkeypatch, tmp_path, dialogs):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    action(window, "exportDataAction").trigger()
    assert "press Start" in dialogs[0][1]
    assert list(tmp_path.iterdir()) == []


def test_export_data_to_an_unwritable_folder_shows_an_error(qtbot, window, monkeypatch, tmp_path, dialogs):
    finished_run(qtbot, window)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(blocker))
    action(window, "exportDataAction").trigger()
    assert len(dialogs) == 1 and "file" in dialogs[0][1]
    assert blocker.read_text() == "x"


def test_settings_file_round_trip(window, monkeypatch, tmp_path, small_settings):
    target = tmp_path / "settings.json"
    choose_file(monkeypatch, target)
    action(window, "saveSettingsAction").trigger()
    assert Settings.from_dict(json.loads(target.read_text())) == small_settings
    window.controls.set_settings(Settings())
    action(window, "loadSettingsAction").trigger()
    assert window.controls.settings() == small_settings


@pytest.mark.parametrize("content, problem", [
    ("{broken", "Expecting property name"),
    ('{"mnist": {"iterations": -5}}', "iterations"),
    ('{"colour": "red"}', "unknown setting 'colour'"),
])
def test_bad_settings_file_names_the_problem_and_keeps_the_controls(window, monkeypatch, tmp_path,
                                                                    dialogs, content, problem):
    target = tmp_path / "bad.json"
    target.write_text(content)
    choose_file(monkeypatch, target)
    before = window.controls.settings()
    action(window, "loadSettingsAction").trigger()
    assert len(dialogs) == 1 and problem in dialogs[0][1] and "bad.json" in dialogs[0][1]
    assert window.controls.settings() == before


def test_missing_settings_file_names_the_file(window, monkeypatch, tmp_path, dialogs):
    choose_file(monkeypatch, tmp_path / "nowhere.json")
    action(window, "loadSettingsAction").trigger()
    assert "nowhere.json" in dialogs[0][1]


def test_quit_closes_the_window_and_its_thread(open_window, small_settings):
    window = open_window(small_settings)
    action(window, "quitAction").trigger()
    assert not window.isVisible() and not window.runner.is_alive()


def test_the_plot_width_is_refused_outside_its_range_not_cut(qtbot, window, monkeypatch, dialogs):
    finished_run(qtbot, window)
    seen = []

    def accept(dialog):
        dialog.width_spin.lineEdit().setText("20000")  # once cut to 2000 while typing
        dialog.width_spin.lineEdit().editingFinished.emit()
        seen.append(dialog.width_spin.text())
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportPlotDialog, "exec", accept)
    action(window, "exportPlotAction").trigger()
    assert seen == ["20000"]
    assert dialogs == [("Cannot export plot",
                        "plot width in pixels must be a whole number in [200, 10000], got '20000'")]


def test_an_ema_strength_keeps_every_digit(qtbot, window):
    panel = window.loss_panel
    panel.set_smoothing("ema", 0.9999)
    assert panel.strength_spin.text() == "0.9999" and panel.ema_strength == 0.9999
    panel.strength_spin.setValue(1.0)  # refused: the EMA needs a weight below 1
    assert not panel.strength_spin.is_valid() and panel.ema_strength == 0.9999
