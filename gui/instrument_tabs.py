"""The instruments beside the 2D plot: the Theory, Map and Basins tabs and the noisy-gradient
clouds drawn over the plot, fed from the controls' 2D settings.

The tabs follow every edit (the selected entry's optimizer with that entry's values and
schedule); a click on a map cell or Theory's "Snap to optimal" writes hyperparameters back into
the controls (not during a run). The theory tab measures the rates of a run's paths; the clouds
of a run arrive from the worker after its paths.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from nncore.optimizers import OPTIMIZERS
from nncore.paths import PathResult
from nncore.settings import Settings
from nncore.sweeps import Cloud
from nncore.theory import path_rules

from .basin_panel import BasinPanel
from .cloud_overlay import CloudOverlay
from .controls import ControlPanel
from .map_panel import MapPanel
from .path_panel import PathPanel
from .theory_panel import TheoryPanel


class InstrumentTabs(QObject):
    """The theory, map and basin panels and the cloud overlay, and how they follow the controls.
    ``failed`` carries (title, message) when picked values cannot go into the controls."""

    failed = Signal(str, str)

    def __init__(self, controls: ControlPanel, path_panel: PathPanel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controls = controls
        self.path_panel = path_panel
        self.theory_panel = TheoryPanel()
        self.map_panel = MapPanel()
        self.basin_panel = BasinPanel()
        self.cloud_overlay = CloudOverlay(path_panel.plot_item)
        self.clouds: dict[str, Cloud] = {}
        """The noisy clouds of the last run (kept in its record and exported with it)."""
        self.locked = False
        """True during a run: picked values do not change the controls."""
        self.map_panel.valuesPicked.connect(self._hyperparameters_picked)
        self.theory_panel.snapRequested.connect(self._hyperparameters_picked)
        controls.optimizerSelected.connect(self.select_optimizer)

    def select_optimizer(self, name: str) -> None:
        """Show the map and basins of ``name`` (the optimizer selected in the controls)."""
        self.map_panel.select_optimizer(name)
        self.basin_panel.select_optimizer(name)
        self.set_inputs(self.controls.settings(lenient=True))

    def set_inputs(self, settings: Settings) -> None:
        """Hand the 2D part of ``settings`` (the controls', a refused box at its last valid
        value) to the theory, map and basin tabs; the selected entry's optimizer runs with that
        entry's values and learning-rate schedule."""
        paths = settings.paths
        tables = {name: settings.hyperparameters("paths", name) for name in OPTIMIZERS}
        schedules = {}
        entry = self.controls.entry_list.selected_entry()
        if entry is not None:
            tables[entry.optimizer] = entry.hyperparameters("paths")
            schedules[entry.optimizer] = entry.schedule
        key = paths.function_key()
        self.theory_panel.set_inputs(key, self.controls.selected_optimizer())
        self.map_panel.set_inputs(key, paths.start, paths.steps, tables, schedules)
        self.basin_panel.set_inputs(key, paths.start, paths.steps, tables, schedules)

    def set_colors(self, colors: dict[str, str]) -> None:
        """Path label -> '#rrggbb' of the theory tab's rows and curves."""
        self.theory_panel.set_colors(colors)

    def paths_ready(self, settings: Settings, paths: dict[str, PathResult]) -> None:
        """A run's paths (of ``settings``): the last run's clouds go; the theory tab measures
        their rates in an event-loop turn of its own, as they arrive just after Start, whose
        repaint they would lengthen (the first run makes the theory plot's curves: ~20 ms)."""
        self.clear_clouds()
        QTimer.singleShot(1, self, lambda: self._measure_rates(settings, paths))

    def _measure_rates(self, settings: Settings, paths: dict[str, PathResult]) -> None:
        self.theory_panel.set_inputs(settings.paths.function_key(), self.controls.selected_optimizer())
        self.theory_panel.set_paths(paths, {name: settings.hyperparameters("paths", name)
                                            for name in paths}, path_rules(settings.run_entries()))

    def show_clouds(self, clouds: dict[str, Cloud]) -> None:
        """A run's noisy clouds, shown at the step the 2D plot shows."""
        self.clouds = clouds
        self.cloud_overlay.set_clouds(clouds)
        self.cloud_overlay.show_step(self.path_panel.steps_shown)

    def clear_clouds(self) -> None:
        self.clouds = {}
        self.cloud_overlay.clear()

    def write_csvs(self, directory: str | Path) -> list[Path]:
        """theory.csv, map.csv and basins.csv of the panels that have a result."""
        written = (panel.write_csv(directory)
                   for panel in (self.theory_panel, self.map_panel, self.basin_panel))
        return [path for path in written if path is not None]

    def _hyperparameters_picked(self, name: str, values: dict) -> None:
        """A map cell or Snap to optimal: set ``name``'s 2D hyperparameters in the controls."""
        if self.locked:
            return
        try:
            self.controls.set_path_hyperparameters(name, values)
        except ValueError as error:
            self.failed.emit("Cannot use these values", str(error))
