"""The window's files: the screenshot, plot, animation and data exports, and the settings and
run files it saves and opens (:class:`WindowFiles`, a base class of the main window). A file that
cannot be written or read is reported in a message (the window's ``report_error``): the
methods then return None or False, and the window keeps its settings and results."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from nncore.files import ExportError, write_text

from . import file_dialogs

WINDOW_TITLE = "Optimizer Lab"
MNIST_PANELS = ("loss", "accuracy", "lr")
"""The plots whose caption describes the MNIST run (the others describe the 2D paths)."""


class WindowFiles:
    """What :class:`gui.main_window.MainWindow` saves and opens. Uses the window's panels,
    controls, run state (``run_settings``, ``paths``, ``history``, ``running``, ``run_id``),
    ``run_views``, ``instruments`` and ``report_error``."""

    def _panels(self) -> dict[str, tuple[str, object]]:
        return {"paths": ("2D paths", self.path_panel), "loss": ("Training loss", self.loss_panel),
                "accuracy": ("Test accuracy", self.accuracy_panel),
                "lr": ("Learning rate per iteration", self.lr_plot),
                "values": ("f per step", self.value_panel),
                "theory": ("Theory: distance to the minimum", self.theory_panel),
                "map": ("Hyperparameter map", self.map_panel),
                "basins": ("Basin map", self.basin_panel),
                "confusion": ("Confusion matrix (MNIST test set)",
                              SimpleNamespace(plot_item=self.diagnostics_panel.confusion_plot))}

    def _export(self, title: str, write) -> object | None:
        """Run ``write()``; an ExportError (or OSError) becomes a message box. Returns its result."""
        try:
            return write()
        except (ExportError, OSError) as error:
            self.report_error(title, str(error))
            return None

    def export_screenshot(self, path: str | Path) -> Path | None:
        """Save a PNG of the whole window at ``path``; None (and a message) on failure."""
        from .export import save_widget_png
        return self._export("Export screenshot failed", lambda: save_widget_png(self, path))

    def export_plot(self, panel: str, path: str | Path, fmt: str = "png",
                    width: int = file_dialogs.PLOT_EXPORT_WIDTH, caption: bool = False) -> Path | None:
        """Save plot ``panel`` ('paths', 'loss', 'accuracy') as 'svg' or as a picture ``width`` px
        wide ('png': in the format of ``path``'s suffix, e.g. JPEG for .jpg); ``caption`` adds a
        line saying what it shows (:func:`figure_caption`)."""
        from .export import save_plot_png, save_plot_svg
        item = self._panels()[panel][1].plot_item
        text = self.figure_caption(panel) if caption else None
        if fmt == "svg":
            return self._export("Export plot failed", lambda: save_plot_svg(item, path, text))
        return self._export("Export plot failed", lambda: save_plot_png(item, path, width, text))

    def figure_caption(self, panel: str) -> str | None:
        """The caption of plot ``panel``: the shown run's settings (the controls' before a run)."""
        from nncore.caption import caption
        try:
            settings = self.run_settings or self.controls.settings().validate()
        except ValueError:
            return None
        return caption(settings, "mnist" if panel in MNIST_PANELS else "paths")

    def export_animation(self, path: str | Path, width: int, fps: int) -> Path | None:
        """Save the last run's 2D paths growing step by step at ``path`` (.gif or .mp4)."""
        from .animation import write_animation
        if self.run_settings is None or not self.paths:
            self.report_error("Nothing to animate", "There are no 2D paths yet: run the 2D task first.")
            return None
        return self._export("Export animation failed",
                            lambda: write_animation(path, self.run_settings, self.paths, width, fps))

    def export_data(self, directory: str | Path) -> list[Path] | None:
        """Write the last run's run.json and CSV files into ``directory``."""
        from nncore.results import write_run
        if self.run_settings is None or (self.paths is None and self.history is None):
            self.report_error("Nothing to export", "There is no run to export yet: press Start first.")
            return None
        return self._export("Export data failed", lambda: write_run(
            directory, self.run_settings, self.paths, self.history, self.instruments.clouds)
            + self.instruments.write_csvs(directory))

    def save_settings_file(self, path: str | Path) -> Path | None:
        """Save the controls' settings as JSON at ``path``."""
        try:
            text = json.dumps(self.controls.settings().validate().to_dict(), indent=2)
        except ValueError as error:
            self.report_error("Cannot save settings", f"Invalid settings: {error}")
            return None
        return self._export("Save settings failed", lambda: write_text(path, text + "\n"))

    def load_settings_file(self, path: str | Path) -> bool:
        """Load settings from the JSON file at ``path`` (a settings file or a run.json) into the
        controls; False, with a message, on a bad file."""
        from nncore.settings_file import read_settings_file
        try:  # the command line's reader: regular files only, size cap, strict JSON and types
            settings = read_settings_file(path)
        except OSError as error:
            self.report_error("Cannot load settings", f"{path}: {error.strerror or error}")
            return False
        except ValueError as error:  # SettingsFileError names the file
            self.report_error("Cannot load settings", str(error))
            return False
        self.controls.set_settings(settings)
        self._name_file(path)
        return True

    def _name_file(self, path: str | Path | None) -> None:
        """The window title names the settings or run file loaded (None: none)."""
        self.setWindowTitle(WINDOW_TITLE if path is None else f"{Path(path).name} — {WINDOW_TITLE}")

    def open_run_file(self, path: str | Path) -> bool:
        """View the run.json at ``path``: its settings in the controls, its curves, summary and
        2D paths (for export); False (and a message) for a file that is not a run."""
        from nncore.run_history import read_run
        if self.running:
            return False
        try:
            record = read_run(path)
        except ValueError as error:
            self.report_error("Cannot open run", str(error))
            return False
        self.run_id = None
        settings, history, paths = self.run_views.view_record(record)
        self.controls.set_settings(settings)
        self.run_settings, self.history, self.paths = settings, history, paths or None
        self.loss_panel.set_history(history)
        self.accuracy_panel.set_history(history)
        self._name_file(path)
        return True
