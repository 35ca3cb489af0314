"""The views of runs as entries (issue 10), bound to the window's loss and accuracy panels:
the Summary table, the lr(t) plot under the loss plot, and the History of past runs (kept as
run.json files under the platform's application data folder, newest 50), whose pinned runs are
overlaid dashed on the curves.

The window calls :meth:`RunViews.show_settings` when the settings change,
:meth:`run_started` / :meth:`show_history` / :meth:`keep_run` as a run goes, and
:meth:`view_record` to show a run.json; the views report back with ``restoreRequested`` and
``failed``.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Signal

from nncore.experiment import MnistHistory
from nncore.results import history_groups
from nncore.files import ExportError
from nncore.run_history import RunHistory, mnist_history, path_results, read_run, run_settings
from nncore.settings import Settings
from nncore.summary import entry_rows, summarize

from .history_panel import HistoryPanel
from .lr_plot import LearningRatePlot, schedule_curves
from .style import run_colors
from .summary_panel import SummaryTable


def history_directory() -> Path:
    """Where the window keeps its past runs: ``runs`` in the application data folder."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)) / "runs"


class RunViews(QObject):
    """Summary, lr(t) plot and History, for the loss and accuracy ``panels`` of a window."""

    restoreRequested = Signal(object)
    """The Settings of a past run the user wants back in the controls."""
    failed = Signal(str, str)
    """(title, message) of a problem to show the user."""

    def __init__(self, panels, directory: Path | str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.panels = tuple(panels)
        self.summary_table = SummaryTable()
        self.lr_plot = LearningRatePlot()
        self.history_panel = HistoryPanel()
        self.run_history = RunHistory(directory)
        self._schedules_shown: tuple[dict, dict] | None = None
        """(label -> lr curve, label -> colour) last drawn on the lr plot."""
        self.history_panel.pinnedChanged.connect(self._pinned)
        self.history_panel.restoreRequested.connect(self._restore)
        self.refresh()

    def show_settings(self, settings: Settings) -> None:
        """The lr(t) plot follows the entries and schedules of ``settings`` (redrawn only when
        an entry's curve or colour changed: every edit of any setting, e.g. each step of a 2D
        learning rate's slider, passes the settings)."""
        curves, colors = schedule_curves(settings), run_colors(settings)
        shown = self._schedules_shown
        if (shown is not None and shown[1] == colors and shown[0].keys() == curves.keys()
                and all(shown[0][label] is rates for label, rates in curves.items())):
            return  # the same (cached, read-only) arrays: nothing to redraw
        self._schedules_shown = (curves, colors)
        self.lr_plot.set_schedules(curves, colors)

    def run_started(self, settings: Settings) -> None:
        """The panels draw the coming run as its entries (mean and band over repeats)."""
        colors = run_colors(settings)
        for panel in self.panels:
            panel.set_entries(entry_rows(settings), colors)
        self.show_settings(settings)
        self.summary_table.set_summaries([], colors)

    def show_history(self, settings: Settings | None, history: MnistHistory | None) -> None:
        """The summary of ``history`` (a run of ``settings``) and its iteration on the lr plot."""
        self.lr_plot.set_iteration(None if history is None else history.completed)
        if history is None or settings is None:
            self.summary_table.set_summaries([])
            return
        if history_groups(settings, history) == entry_rows(settings):
            self.summary_table.set_summaries(summarize(settings, history), run_colors(settings))

    def keep_run(self, record: dict) -> Path | None:
        """Add a finished or stopped run's record to the history; None (and ``failed``) if it
        cannot be written."""
        try:
            path = self.run_history.add(record)
        except (ExportError, OSError) as error:
            self.failed.emit("Run not kept in the history", str(error))
            return None
        self.refresh()
        return path

    def refresh(self) -> None:
        self.history_panel.set_runs(self.run_history.runs())

    def view_record(self, record: dict) -> tuple[Settings, MnistHistory | None, dict]:
        """Show a run.json record: its curves (one per entry) and summary. Returns its
        (settings, MNIST history, 2D paths)."""
        settings = run_settings(record)
        history = mnist_history(record)
        colors = run_colors(settings)
        for panel in self.panels:
            panel.set_entries(None if history is None else {label: [label] for label in history.names},
                              colors)
        self.show_settings(settings)
        self.lr_plot.set_iteration(None if history is None else history.completed)
        summary = (record.get("mnist") or {}).get("summary") or []
        from nncore.summary import EntrySummary
        self.summary_table.set_summaries([EntrySummary(**{key: item[key] for key in EntrySummary.__dataclass_fields__})
                                          for item in summary], colors)
        return settings, history, path_results(record)

    def _pinned(self, paths: list) -> None:
        overlays = []
        for path in paths:
            try:
                record = read_run(path)
            except ValueError as error:
                self.failed.emit("Cannot pin this run", str(error))
                continue
            history = mnist_history(record)
            if history is not None:
                overlays.append((record.get("saved_at", Path(path).stem), history,
                                 run_colors(run_settings(record))))
        for panel in self.panels:
            panel.set_overlays(overlays)

    def _restore(self, path) -> None:
        try:
            self.restoreRequested.emit(run_settings(read_run(path)))
        except ValueError as error:
            self.failed.emit("Cannot restore these settings", str(error))
