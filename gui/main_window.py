"""The main window: controls on the left, the 2D paths, loss and accuracy panels on the right.

The window owns one :class:`gui.worker.RunThread`. Start validates the controls' Settings and
hands them to the worker; the worker's updates are applied to the window's MnistHistory as they
arrive, and a ~30 Hz timer redraws the panels (setData on existing items), advances the path
animation and the status bar. Updates from a run the window has left behind (after Reset) are
ignored by their run id. Errors (invalid settings, dataset problems, failed exports) are shown
in a message box and never lose the settings or the curves already computed.

The session (Settings as JSON, animation speed, loss-plot options, window geometry) is saved in
a QSettings store on Start and on close, and restored when the window opens (:mod:`gui.session`).
"""
from __future__ import annotations

import time
from dataclasses import replace

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QScrollArea, QSplitter, QTabWidget, QWidget

from nncore.experiment import MnistHistory, MnistUpdate
from nncore.paths import PathResult
from nncore.settings import PRESETS, Settings
from nncore.sweeps import Cloud

from . import style
from .controls import ControlPanel
from .diagnostics_panel import DiagnosticsPanel
from . import file_dialogs
from .doc_text import plain_text
from .loss_panel import AccuracyPanel, LossPanel
from .paths_model import PathsModel
from .run_views import RunViews, history_directory
from .session import load_session, restore_view_options, save_session, saved_geometry
from .status_bar import RunStatus
from .paths_tab import PathsTab
from .window_layout import EDGE_MARGIN, ColumnFitter, compact_inputs, size_to_current_tab
from .instrument_tabs import InstrumentTabs
from .window_files import WINDOW_TITLE, WindowFiles
from .worker import RunThread

"""Export-plot keys of the MNIST plots (their caption names the MNIST settings)."""
DEFAULT_SIZE = (1340, 720)
"""Fits a 1366 x 768 screen with room for the window frame and a task bar."""
MINIMUM_SIZE = (1000, 600)
FRAME_MS = 33
"""Period of the redraw timer: path animation and status bar (about 30 frames per second)."""
CURVE_FRAME_S = 0.09
"""Least time between two redraws of the loss and accuracy curves during training (every third
tick: about 11 per second). A redraw of the loss plot costs ~9 ms of CPU; training runs in a
niced child process (nncore.training_process), so every redraw takes CPU from it: the book's run
took ~13-28 % longer in the window than without one at this rate, more at 30 per second."""
CURVE_CPU_SHARE = 0.1
"""During training the curves are redrawn at most every CURVE_FRAME_S and so that their redraws use
at most this share of one core: the next waits the last one's CPU time (the GUI thread's from the
redraw to the next frame tick, its repaint included) divided by this share. A redraw
of the MNIST panels and its repaint cost 20-60 ms of CPU (loss, accuracy, lr and diagnostics
plots, legends), so ~11 a second took 15-25 % of a core from the niced training processes (the
window's run: 1.2-1.4x the headless training time; issue 13's target 4 is <= 1.1x). At 10 % the
window's process uses 10-15 % of a core: about 1.06x on two otherwise idle cores."""
STATUS_INTERVAL_S = 0.2
"""Least time between two status bar updates during a run: five a second are plenty to read, and
each repaint takes CPU from the training process."""
STOP_TIMEOUT_MS = 5000
"""How long Stop waits for the training process (a run stops within ten iterations or one
evaluation: milliseconds) before it kills the process and fails the run."""
class MainWindow(WindowFiles, QMainWindow):
    """Optimizer Lab's window. ``store`` is where the session is saved (QSettings())."""

    runFinished = Signal(bool)
    """Emitted when a run ends: True if it ran to the end, False if stopped or failed."""
    errorReported = Signal(str, str)
    """(title, message) of every error shown to the user."""

    def __init__(self, settings: Settings | None = None, store: QSettings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(WINDOW_TITLE)
        self.store = store if store is not None else QSettings()
        self.show_dialogs = True
        """False: errors are only emitted by errorReported (used by --autorun)."""
        self.remember_session = True
        """False: closing does not overwrite the saved session (scripted --autorun runs)."""
        self.controls = ControlPanel()
        self.paths_model = PathsModel(self)
        self.timeline = self.paths_model.timeline
        self.paths_tab = PathsTab(self.paths_model)
        self.path_panel = self.paths_tab.path_panel
        self.value_panel = self.paths_tab.value_panel
        self.inspector = self.paths_tab.inspector
        self.loss_panel = LossPanel()
        self.accuracy_panel = AccuracyPanel()
        self.instruments = InstrumentTabs(self.controls, self.path_panel, self)
        self.instruments.failed.connect(self.report_error)
        self.theory_panel = self.instruments.theory_panel
        self.map_panel = self.instruments.map_panel
        self.basin_panel = self.instruments.basin_panel
        self.cloud_overlay = self.instruments.cloud_overlay
        # A click on an optimizer in either legend hides its loss and accuracy curves alike.
        self.accuracy_panel.legend.use_hidden(self.loss_panel.legend.hidden)
        self.diagnostics_panel = DiagnosticsPanel()
        self.run_views = RunViews((self.loss_panel, self.accuracy_panel), history_directory(), self)
        self.summary_table = self.run_views.summary_table
        self.lr_plot = self.run_views.lr_plot
        self.history_panel = self.run_views.history_panel
        self.run_views.failed.connect(self.report_error)
        self.run_views.restoreRequested.connect(self._restore_settings)
        self._build_layout()
        self.run_status = RunStatus(self.statusBar())
        self._build_menus()

        self.runner = RunThread(self)
        self.runner.pathsReady.connect(self._paths_ready)
        self.runner.cloudsReady.connect(self._clouds_ready)
        self.runner.mnistUpdated.connect(self._mnist_updated)
        self.runner.failed.connect(self._run_failed)
        self.runner.finished.connect(self._run_finished)
        self.run_id: int | None = None
        self.running = False
        self.run_settings: Settings | None = None
        self.paths: dict[str, PathResult] | None = None
        self.history: MnistHistory | None = None
        self.failure: str | None = None
        """Why the last run failed (None if it did not)."""
        self._history_dirty = False
        self._curves_drawn = 0.0
        self._curves_cpu: float | None = None
        """The GUI thread's CPU time (time.thread_time) at the last redraw of the curves, until
        the next frame tick measures that redraw's cost."""
        self._curves_cost = 0.0
        """CPU seconds of the last redraw of the curves, its repaint included."""
        self._panels_due = False
        """The loss plot has been redrawn on this frame tick; the other MNIST panels wait for
        the next (see :meth:`_frame`)."""
        self._run_end: tuple | None = None
        """(run kept or None, completed) of a run that ended, until its last redraw is done."""
        self._status_drawn = 0.0

        self.stop_timer = QTimer(self)
        self.stop_timer.setObjectName("stopTimer")
        self.stop_timer.setSingleShot(True)
        self.stop_timer.setInterval(STOP_TIMEOUT_MS)
        self.stop_timer.timeout.connect(self._stop_timed_out)
        self._stopping_run: int | None = None

        self.frame_timer = QTimer(self)
        self.frame_timer.setObjectName("frameTimer")
        self.frame_timer.setInterval(FRAME_MS)
        self.frame_timer.timeout.connect(self._frame)
        self.frames_drawn = 0

        self.controls.settingsChanged.connect(self._settings_edited)
        self._bind_paths()
        self.controls.start_button.clicked.connect(self.start)
        self.controls.stop_button.clicked.connect(self.stop)
        self.controls.reset_button.clicked.connect(self.reset)
        self.path_panel.startPicked.connect(self._start_picked)
        self._follow_selection()
        self._set_running(False)
        try:
            restore_view_options(self.store, self.controls, self.loss_panel)
            initial = settings if settings is not None else load_session(self.store)
            self.controls.set_settings(initial)
        except BaseException:
            self.runner.shutdown()  # a QThread destroyed while running aborts the process
            raise
        if initial.task in ("both", "mnist"):
            # ~0.3 s of process start and MNIST loading, done while the user looks at the window.
            self.runner.prepare(initial.mnist.data_dir)
        self.resize(*DEFAULT_SIZE)
        self.setMinimumSize(*MINIMUM_SIZE)
        geometry = saved_geometry(self.store)
        # Only a restored session restores the window's place and size; explicit settings (command
        # line, --autorun) get the default size, so screenshots are reproducible.
        if settings is None and geometry is not None:
            self.restoreGeometry(geometry)

    # -- construction ------------------------------------------------------------------------
    def _build_layout(self) -> None:
        scroll = QScrollArea()
        scroll.setObjectName("controlScrollArea")
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        compact_inputs(self.controls)  # its minimum width is kept by the ColumnFitter below
        compact_inputs(self.loss_panel.options)
        curves = QSplitter(Qt.Orientation.Vertical)
        curves.setObjectName("curveSplitter")
        curves.addWidget(self.loss_panel)
        curves.addWidget(self.lr_plot)
        curves.addWidget(self.accuracy_panel)
        curves.setSizes([400, 110, 280])
        # Each side is a tab widget: the 2D instruments (paths, maps, ...) on the left, the
        # MNIST views (training curves, diagnostics, ...) on the right; panels add their tabs.
        self.path_tabs = QTabWidget()
        self.path_tabs.setObjectName("pathTabs")
        self.path_tabs.setDocumentMode(True)
        self.path_tabs.addTab(self.paths_tab, "Paths")
        self.path_tabs.addTab(self.theory_panel, "Theory")
        self.path_tabs.addTab(self.map_panel, "Map")
        self.path_tabs.addTab(self.basin_panel, "Basins")
        self.curve_tabs = QTabWidget()
        self.curve_tabs.setObjectName("curveTabs")
        self.curve_tabs.setDocumentMode(True)
        self.curve_tabs.addTab(curves, "Training")
        self.curve_tabs.addTab(self.diagnostics_panel, "Diagnostics")
        self.curve_tabs.addTab(self.summary_table, "Summary")
        self.curve_tabs.addTab(self.history_panel, "History")
        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.setObjectName("plotSplitter")
        plots.addWidget(self.path_tabs)
        plots.addWidget(self.curve_tabs)
        plots.setSizes([500, 500])
        main = QSplitter(Qt.Orientation.Horizontal)
        main.setObjectName("mainSplitter")
        main.addWidget(scroll)
        main.addWidget(plots)
        main.setStretchFactor(0, 0)
        main.setStretchFactor(1, 1)
        main.setCollapsible(1, False)
        main.setContentsMargins(0, 0, EDGE_MARGIN, 0)  # the last plot clear of the window's edge
        for tabs in (self.path_tabs, self.curve_tabs):
            size_to_current_tab(tabs)
        self.column_fitter = ColumnFitter(main, plots)
        self.setCentralWidget(main)

    def _action(self, menu, text: str, slot, shortcuts=(), tip: str = "", name: str = "") -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "Export &screenshot\u2026", lambda: file_dialogs.export_screenshot_dialog(self),
                     [QKeySequence.StandardKey.Save], "Save a PNG of the whole window",
                     "exportScreenshotAction")
        self._action(file_menu, "Export &plot\u2026", lambda: file_dialogs.export_plot_dialog(self), ["Ctrl+E"],
                     "Save one plot as PNG or SVG", "exportPlotAction")
        self._action(file_menu, "Export &animation\u2026", lambda: file_dialogs.export_animation_dialog(self), [],
                     "Save the 2D paths growing step by step as an animated GIF or an MP4 video",
                     "exportAnimationAction")
        self._action(file_menu, "Export &data\u2026", lambda: file_dialogs.export_data_dialog(self), ["Ctrl+Shift+E"],
                     "Save the run as run.json and CSV files in a folder", "exportDataAction")
        file_menu.addSeparator()
        self._action(file_menu, "Save settings\u2026", lambda: file_dialogs.save_settings_dialog(self),
                     [QKeySequence.StandardKey.SaveAs], "Save the settings to a JSON file",
                     "saveSettingsAction")
        self.load_settings_action = self._action(
            file_menu, "&Load settings\u2026", lambda: file_dialogs.load_settings_dialog(self),
            [QKeySequence.StandardKey.Open], "Load settings from a JSON file", "loadSettingsAction")
        self.open_run_action = self._action(
            file_menu, "Open &run…", lambda: file_dialogs.open_run_dialog(self), ["Ctrl+Shift+O"],
            "View a run.json: its settings, curves and summary", "openRunAction")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, [QKeySequence.StandardKey.Quit],
                     "Close Optimizer Lab", "quitAction")
        run_menu = bar.addMenu("&Run")
        self.start_action = self._action(run_menu, "&Start", self.start,
                                         ["Ctrl+Return", "Ctrl+Enter"], "Start the run",
                                         "startAction")
        self.stop_action = self._action(run_menu, "S&top", self.stop, ["Esc"],
                                        "Stop the run, keeping what was computed", "stopAction")
        self._action(run_menu, "&Reset", self.reset, ["Ctrl+R"],
                     "Stop any run and clear the plots", "resetAction")
        presets_menu = bar.addMenu("&Presets")
        self.preset_actions = []
        for label, preset in PRESETS.items():
            self.preset_actions.append(self._action(
                presets_menu, label, lambda _=False, p=preset: self.apply_preset(p),
                tip=plain_text(preset.__doc__) or label,
                name=f"preset:{label}"))
        presets_menu.addSeparator()
        self.preset_actions.append(self._action(
            presets_menu, "Reset to book defaults", self.controls.reset_to_defaults,
            tip="Set every control to the book's settings", name="bookDefaultsAction"))

    # -- session -----------------------------------------------------------------------------
    def session_settings(self) -> Settings | None:
        """The settings to keep for the next session: the controls' valid values, and for each
        refused one its last valid value; with no optimizer ticked, the last session's
        optimizers. None if even that is not valid."""
        settings = self.controls.settings(lenient=True)
        if not settings.optimizers:
            settings = replace(settings, optimizers=load_session(self.store).optimizers)
        try:
            return settings.validate()
        except ValueError:
            return None

    def save_session(self) -> None:
        """Write the controls' settings and the view options to the QSettings store."""
        save_session(self.store, self.session_settings(), self.controls, self.loss_panel,
                     self.saveGeometry())

    # -- errors ------------------------------------------------------------------------------
    def report_error(self, title: str, message: str) -> None:
        """Tell the user: a message box (unless show_dialogs is off) and errorReported."""
        self.errorReported.emit(title, message)
        if self.show_dialogs:
            QMessageBox.warning(self, title, message)

    # -- run control -------------------------------------------------------------------------
    def start(self) -> bool:
        """Start a run with the controls' settings; False (and a message) if they are invalid."""
        if self.running:
            return False
        try:
            settings = self.controls.settings().validate()
        except ValueError as error:
            self.report_error("Cannot start", f"Invalid settings: {error}")
            return False
        self._keep_ended_run()  # the last run, if Start came before its last redraw
        self.run_settings = settings
        self.run_views.run_started(settings)
        if settings.task == "mnist":
            self.paths = None
            self.path_panel.clear_paths()
            self.instruments.clear_clouds()
        if settings.task == "paths":
            self.history = None
            self._show_history()
        if settings.task in ("both", "paths"):
            self.paths_model.solve()  # any edit still waiting for its solve
            self.timeline.play_from_start()
        self.run_id = self.runner.start_run(settings)
        self.failure = None
        self.run_status.clear()
        start_had_focus = self.controls.start_button.hasFocus()
        self._set_running(True)
        self.run_status.show_state("Running\u2026")
        if start_had_focus:
            # Space on Start: the next Space must stop the run, not reach Reset (Qt's next
            # focus after the disabled Start).
            self.controls.stop_button.setFocus()
        self.frame_timer.start()
        if self.remember_session:
            self.save_session()
        return True

    def _set_running(self, running: bool) -> None:
        """Lock (or unlock) everything that would change the settings of the run under way."""
        self.running = running
        self.instruments.locked = running
        self.controls.set_running(running)
        for action in (*self.preset_actions, self.load_settings_action, self.start_action):
            action.setEnabled(not running)
        self._enable_stop()

    def _enable_stop(self, *_args) -> None:
        """Stop (and Esc) work during a run and while the 2D animation plays."""
        self.stop_action.setEnabled(self.running or self.timeline.playing)

    def stop(self) -> None:
        """Pause the 2D animation; ask a run to stop (it ends with what it computed so far). A
        training process that does not answer within STOP_TIMEOUT_MS is killed: the run fails,
        saying so."""
        self.timeline.pause()
        if self.running:
            self.runner.stop()
            self.run_status.show_state("Stopping\u2026")
            self._stopping_run = self.run_id
            self.stop_timer.start()

    def _stop_timed_out(self) -> None:
        run, self._stopping_run = self._stopping_run, None
        if run is None or not self.runner.unfinished(run):
            return
        if self.running and run == self.run_id:
            seconds = self.stop_timer.interval() / 1000
            self.failure = (f"the training process did not stop within {seconds:g} s (was it "
                            "suspended?), so it was ended; the next run starts a new one")
        self.runner.kill_training()

    def reset(self) -> None:
        """Stop any run and forget it: clear the curves and status; the live 2D paths stay (they
        follow the settings) and show every step."""
        self.runner.stop()
        self._keep_ended_run()
        if self.run_id is not None:  # a run that does not end (a suspended child) is ended
            self._stopping_run = self.run_id
            self.stop_timer.start()
        self.run_id = None
        self._set_running(False)
        self.paths = None
        self.history = None
        self.timeline.finish()
        self.instruments.clear_clouds()
        self._show_history()
        self.frame_timer.stop()
        self.run_status.clear()
        self.run_status.show_state("Ready")

    def apply_preset(self, preset) -> None:
        """Set the controls to ``preset(current settings)`` (a function of nncore.settings.PRESETS).

        Controls whose text is refused do not block a preset: the preset starts from the last
        valid value of each (and sets its own fields, so it may well repair them)."""
        try:
            self.controls.set_settings(preset(self.controls.settings(lenient=True)))
        except ValueError as error:
            self.report_error("Cannot apply preset", str(error))

    # -- worker signals ----------------------------------------------------------------------
    def _paths_ready(self, run_id: int, paths: dict[str, PathResult]) -> None:
        """The run's paths (kept for Export data); the live ones are already drawn and playing."""
        if run_id != self.run_id:
            return
        self.paths = paths
        self.instruments.paths_ready(self.run_settings, paths)

    def _mnist_updated(self, run_id: int, update: MnistUpdate) -> None:
        if run_id != self.run_id:
            return
        if update.start == 0:  # the first update of this run: its curves replace the last run's
            self.history = MnistHistory(tuple(update.losses), update.total)
        self.history.apply(update)
        self._history_dirty = True

    def _run_failed(self, run_id: int, message: str) -> None:
        if run_id != self.run_id:
            return
        if self.failure is None:  # else the window ended the run itself and says why
            self.failure = message
        self.report_error("Run failed", self.failure)

    def _run_finished(self, run_id: int, completed: bool) -> None:
        if run_id != self.run_id:
            return
        self.stop_timer.stop()
        stop_had_focus = self.controls.stop_button.hasFocus()
        self._set_running(False)
        if stop_had_focus:
            self.controls.start_button.setFocus()  # not Reset, which Qt would pick next
        # Keeping the run in the History waits until the final curves are drawn (by this frame
        # and the next, see _frame) and painted, and waiting input is handled: no one of
        # these tasks stalls the window for long.
        self._run_end = ((self.run_settings, self.paths, self.history, self.instruments.clouds)
                         if self.failure is None and (self.paths is not None or self.history is not None)
                         else None, completed)
        self.frame_timer.start()  # it stops after the last redraw
        self._frame()
        if self.failure is not None:
            self.run_status.show_failure(self.failure)
        else:
            self.run_status.show_state("Finished" if completed else "Stopped")

    def _keep_ended_run(self) -> None:
        """Add the run that ended (if any is waiting) to the History, then announce its end."""
        if self._run_end is None:
            return
        (kept, completed), self._run_end = self._run_end, None
        if kept is not None:
            from nncore.results import run_record
            self.run_views.keep_run(run_record(*kept))
        self.runFinished.emit(completed)

    # -- drawing -----------------------------------------------------------------------------
    def _show_history(self) -> None:
        """Every MNIST panel, now."""
        self._show_losses()
        self._show_panels()

    def _show_losses(self) -> None:
        self.loss_panel.set_history(self.history)
        self._history_dirty = False
        self._panels_due = True

    def _show_panels(self) -> None:
        """The MNIST panels other than the loss plot."""
        self.accuracy_panel.set_history(self.history)
        self.diagnostics_panel.set_history(self.history)
        self.run_views.show_history(self.run_settings, self.history)
        self._panels_due = False

    def _frame(self) -> None:
        """One tick of the redraw timer: the MNIST curves if new data arrived, the status bar.

        The curves are redrawn in two halves on consecutive ticks, each painted before the
        next: the loss plot, then the other panels. Together with their repaints they cost
        40-70 ms of CPU (book run, 1366 x 768), which at once would stall the window's event
        loop for that long.
        After the last redraw of a run, the run is kept in the History."""
        now = time.perf_counter()
        if self._panels_due:
            self._show_panels()
        elif self._curves_cpu is not None:  # the tick after both halves: they have been painted
            self._curves_cost, self._curves_cpu = time.thread_time() - self._curves_cpu, None
        if self._history_dirty and not self._panels_due and (not self.running or self._curves_due(now)):
            self._curves_drawn, self._curves_cpu = now, time.thread_time()
            self._show_losses()
        if not self.running or now - self._status_drawn >= STATUS_INTERVAL_S:
            self._status_drawn = now
            self._update_status()
        self.frames_drawn += 1
        if not self.running and not self._panels_due:
            self.frame_timer.stop()
            if self._run_end is not None:
                # A timer, not 0 ms: Qt posts that as an event, handled before the repaint.
                QTimer.singleShot(1, self, self._keep_ended_run)

    def _curves_due(self, now: float) -> bool:
        """Whether a redraw of the curves during training keeps within CURVE_CPU_SHARE."""
        return (self._curves_cpu is None
                and now - self._curves_drawn >= max(CURVE_FRAME_S, self._curves_cost / CURVE_CPU_SHARE))

    def finish_animation(self) -> None:
        """Show every path step now."""
        self.timeline.finish()

    def _update_status(self) -> None:
        if self.history is not None:
            self.run_status.show_progress(self.history, self.running)
        self.run_status.show_diverged(*self._diverged_text())

    def _diverged_text(self) -> tuple[str, str]:
        """(status text naming the diverged optimizers and those not learning, their reasons one
        per line)."""
        parts, reasons, stalled = [], [], []
        if self.history is not None:
            for name, d in self.history.diverged.items():
                parts.append(f"{name} (iteration {d.iteration})")
                reasons.append(f"{name}, MNIST iteration {d.iteration}: {d.reason}")
            for name, stall in self.history.not_learning.items():
                if name not in self.history.diverged:
                    stalled.append(f"{name} (iteration {stall.iteration})")
                    reasons.append(f"{name} is not learning, MNIST iteration {stall.iteration}: "
                                   f"{stall.reason}")
        for name, record in self.paths_model.records.items():
            if record.diverged_at is not None:
                why = self.paths_model.explanation(name)
                parts.append(f"{name} (2D step {record.diverged_at}: {why})")
                reasons.append(f"{name}, 2D step {record.diverged_at}: {why}")
        texts = ([f"Diverged: {', '.join(parts)}"] if parts else []) + \
                ([f"Not learning: {', '.join(stalled)}"] if stalled else [])
        return "; ".join(texts), "\n".join(reasons)

    # -- controls <-> 2D panel ---------------------------------------------------------------
    def _settings_edited(self) -> None:
        """Any edit: the 2D settings go to the paths model (which re-solves what changed)."""
        paths = self.controls.path_settings()
        self.path_panel.set_function(paths.function_key())
        settings = self.controls.settings(lenient=True)  # every box at its last valid value
        self.instruments.set_inputs(settings)
        self.path_panel.set_start(*paths.start)
        entries = self.controls.path_entries()
        self.paths_model.update(function=paths.function_key(), start=paths.start, steps=paths.steps,
                                entries=entries, noise=(paths.noise, paths.noise_seed))
        colors = dict(zip(entries, self._entry_colors()))
        self.path_panel.set_colors(colors)
        self.value_panel.set_colors(colors)
        self.instruments.set_colors(colors)
        if not self.running:
            try:
                self.run_views.show_settings(settings)
            except ValueError:
                pass  # two entries with one label: Start says so; the lr plot keeps its curves
        task = self.controls.task_combo.currentData()
        self.curve_tabs.setVisible(task != "paths")  # "2D paths only": the 2D side gets the room

    def _bind_paths(self) -> None:
        """The controls drive the paths model; its changes reach the status bar."""
        timeline = self.timeline
        self.paths_model.recordsChanged.connect(self._records_changed)
        timeline.stepChanged.connect(self._step_changed)
        timeline.stepChanged.connect(self.cloud_overlay.show_step)
        timeline.playingChanged.connect(self._enable_stop)
        self.controls.animation_spin.valueChanged.connect(timeline.set_speed)
        timeline.set_speed(self.controls.animation_speed)

    def _records_changed(self, _names: list) -> None:
        self._update_status()
        diverged, _reasons = self._diverged_text()
        if diverged:
            self.statusBar().showMessage(diverged, 8000)

    def _step_changed(self, step: int) -> None:
        if self.history is None:
            self.run_status.show_step(step, self.timeline.total)

    def _start_picked(self, x: float, y: float) -> None:
        if not self.running:
            self.controls.set_start(x, y)

    # -- the entry selected; the instruments' clouds ------------------------------------------
    def _follow_selection(self) -> None:
        """The entry selected in the controls is the one the inspector and the tabs show."""
        self.controls.entrySelected.connect(self.paths_model.select)
        self.instruments.select_optimizer(self.controls.selected_optimizer())
        self.paths_model.select(self.controls.selected_label())

    def _entry_colors(self) -> list[str]:
        """The colour of each ticked entry of the list, in order."""
        entries = self.controls.entry_list.entries()
        return [color for entry, color in zip(entries, style.entry_colors(entries)) if entry.enabled]

    def _clouds_ready(self, run_id: int, clouds: dict[str, Cloud]) -> None:
        """The noisy clouds of this run (computed on the worker thread after its paths)."""
        if run_id == self.run_id:
            self.instruments.show_clouds(clouds)

    def _restore_settings(self, settings: Settings) -> None:
        """A past run's settings back in the controls (History ▸ Restore settings)."""
        if not self.running:
            self.controls.set_settings(settings)

    # -- closing -----------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop the run and the worker thread, waiting for it to end (never terminate())."""
        self.frame_timer.stop()
        self.runner.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.remember_session:
            self.save_session()
        self._keep_ended_run()  # a run that ended just before, not yet in the History
        self.shutdown()
        super().closeEvent(event)
