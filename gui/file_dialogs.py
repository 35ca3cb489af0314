"""The window's file dialogs: which plot to export and how, and the File menu's save/open
dialogs, each handing the chosen path to the window's own export or load method."""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFileDialog,
                               QFormLayout, QWidget)

from nncore.ranges import Range

from .export import with_suffix
from .form_widgets import ok_cancel_buttons
from .number_box import NumberBox

PLOT_EXPORT_WIDTH = 1600
"""Default width of an exported plot, pixels."""
PLOT_EXPORT_WIDTHS = Range("plot width in pixels", 200, 10_000, integer=True)

IMAGE_FILTER = "PNG image (*.png);;JPEG image (*.jpg *.jpeg);;Other images (*.bmp *.tif *.tiff *.webp)"
"""File dialog filter of picture exports: the name's suffix picks the format (gui.export)."""


class ExportPlotDialog(QDialog):
    """Asks which plot to export, as PNG (at what width) or SVG."""

    def __init__(self, panels: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export plot")
        self.panel_combo = QComboBox()
        self.panel_combo.setObjectName("exportPanelCombo")
        self.panel_combo.setToolTip("The plot to export")
        for key, label in panels.items():
            self.panel_combo.addItem(label, key)
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("exportFormatCombo")
        self.format_combo.setToolTip("PNG (pixels) or SVG (vector, for editing and print)")
        self.format_combo.addItems(["PNG", "SVG"])
        self.width_spin = NumberBox(PLOT_EXPORT_WIDTHS, 100, "Width of the picture in pixels")
        self.width_spin.setObjectName("exportWidthSpin")
        self.width_spin.setValue(PLOT_EXPORT_WIDTH)
        self.format_combo.currentTextChanged.connect(
            lambda fmt: self.width_spin.setEnabled(fmt == "PNG"))
        self.caption_check = QCheckBox("Caption line")
        self.caption_check.setObjectName("exportCaptionCheck")
        self.caption_check.setToolTip("Write under the figure what it shows: the entries with their "
                                      "non-default values, iterations, batch, seed, repeats")
        buttons = ok_cancel_buttons(self)
        form = QFormLayout(self)
        form.addRow("Plot", self.panel_combo)
        form.addRow("Format", self.format_combo)
        form.addRow("Width (px)", self.width_spin)
        form.addRow(self.caption_check)
        form.addRow(buttons)

    def choice(self) -> tuple[str, str, int]:
        """(panel key, 'png' or 'svg', width in px); ValueError naming the range of a refused width."""
        fmt = self.format_combo.currentText().lower()
        width = self.width_spin.checked_value() if fmt == "png" else self.width_spin.value()
        return self.panel_combo.currentData(), fmt, width


def export_animation_dialog(window) -> None:
    from .animation import AnimationDialog
    if window.run_settings is None or not window.paths:
        window.export_animation("", 0, 0)  # says there is nothing to animate
        return
    dialog = AnimationDialog(window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    try:
        width, fps = dialog.choice()
    except ValueError as error:
        window.report_error("Cannot export animation", str(error))
        return
    path, _ = QFileDialog.getSaveFileName(window, "Export animation",
                                          default_name("paths", ".gif"),
                                          "Animated GIF (*.gif);;MP4 video (*.mp4)")
    if path:
        window.setCursor(Qt.CursorShape.WaitCursor)
        try:
            window.export_animation(with_suffix(path, ".gif"), width, fps)
        finally:
            window.unsetCursor()


def open_run_dialog(window) -> None:
    path, _ = QFileDialog.getOpenFileName(window, "Open run", "", "Run (run.json *.json)")
    if path:
        window.open_run_file(path)


def default_name(stem: str, suffix: str) -> str:
    """A file name for an export: 'optimizer-lab-<stem>-<date>-<time><suffix>'."""
    return f"optimizer-lab-{stem}-{datetime.now():%Y%m%d-%H%M%S}{suffix}"


def export_screenshot_dialog(window) -> None:
    path, _ = QFileDialog.getSaveFileName(window, "Export screenshot",
                                          default_name("window", ".png"), IMAGE_FILTER)
    if path:
        window.export_screenshot(with_suffix(path, ".png"))


def export_plot_dialog(window) -> None:
    dialog = ExportPlotDialog({key: label for key, (label, _) in window._panels().items()}, window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    try:
        panel, fmt, width = dialog.choice()
    except ValueError as error:
        window.report_error("Cannot export plot", str(error))
        return
    path, _ = QFileDialog.getSaveFileName(
        window, "Export plot", default_name(panel, f".{fmt}"),
        IMAGE_FILTER if fmt == "png" else "SVG image (*.svg)")
    if path:
        path = with_suffix(path, f".{fmt}")  # the name's own suffix decides the format
        window.export_plot(panel, path, "svg" if path.suffix.lower() == ".svg" else "png", width,
                           dialog.caption_check.isChecked())


def export_data_dialog(window) -> None:
    directory = QFileDialog.getExistingDirectory(window, "Export data into folder")
    if directory:
        window.export_data(directory)


def save_settings_dialog(window) -> None:
    path, _ = QFileDialog.getSaveFileName(window, "Save settings", "optimizer-lab-settings.json",
                                          "JSON (*.json)")
    if path:
        window.save_settings_file(with_suffix(path, ".json"))


def load_settings_dialog(window) -> None:
    path, _ = QFileDialog.getOpenFileName(window, "Load settings", "", "JSON (*.json)")
    if path:
        window.load_settings_file(path)
