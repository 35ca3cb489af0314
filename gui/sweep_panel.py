"""What the map and basin tabs share: one optimizer's grid over the 2D settings (the function,
the start, the steps, every optimizer's 2D hyperparameters and schedule), an optimizer combo and
a grid-size spin box in a row of controls with Compute, a status line, a plot, and recomputing
the whole grid by itself when its inputs change.

A subclass says what its grid depends on (``_key``), how much work it is (``_work``: runs x
steps), how to run it (``compute``) and what its CSV is. When the inputs change, the grid is
recomputed after a short pause (a burst of edits gives one run) if the tab is visible and the
work is at most ``AUTO_BUDGET``; otherwise the status line asks for Compute.
"""
from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QLabel, QLayout, QPushButton, QSpinBox, QVBoxLayout, QWidget

from nncore import ranges
from nncore.optimizers import OPTIMIZERS, path_defaults
from nncore.files import write_text
from nncore.schedules import ScheduleSpec

from . import style

AUTO_BUDGET = 4_000_000
"""Runs x steps up to which a change of the inputs recomputes the grid by itself (well under a
second on this machine: bench/maps_speed.py)."""
AUTO_DELAY_MS = 150
"""Pause after the last change before an automatic recomputation."""


class SweepPanel(QWidget):
    """Base class of the grid tabs; ``result`` is the last grid computed (None before)."""

    CSV_NAME = ""
    WORK_UNIT = "run-steps"

    def __init__(self, prefix: str, x_label: str, y_label: str, optimizer_tip: str,
                 size_tip: str, size: int, parent: QWidget | None = None) -> None:
        """``prefix`` names the widgets (``<prefix>OptimizerCombo``, ``<prefix>SizeSpin``, ...);
        ``size_tip`` says what the size counts per side, ``size`` its first value."""
        super().__init__(parent)
        self.result = None
        self.compute_seconds = 0.0
        self._computed_key = None
        self._function_key = "book"
        self._start = (-7.0, 2.0)
        self._steps = 29
        self._hyperparameters: dict[str, dict[str, float]] = {}
        self._schedules: dict[str, ScheduleSpec | None] = {}
        self.optimizer_combo = QComboBox()
        self.optimizer_combo.setObjectName(f"{prefix}OptimizerCombo")
        self.optimizer_combo.setToolTip(optimizer_tip)
        self.optimizer_combo.addItems(list(OPTIMIZERS))
        self.optimizer_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.optimizer_combo.setMinimumContentsLength(6)
        self.size_spin = QSpinBox()
        self.size_spin.setObjectName(f"{prefix}SizeSpin")
        self.size_spin.setToolTip(f"{size_tip} per side, {ranges.MAP_SIZE.text()}")
        self.size_spin.setRange(int(ranges.MAP_SIZE.minimum), int(ranges.MAP_SIZE.maximum))
        self.size_spin.setValue(size)
        self.size_spin.setKeyboardTracking(False)
        self.compute_button = QPushButton("Compute")
        self.compute_button.setObjectName(f"{prefix}ComputeButton")
        self.compute_button.setToolTip("Run the whole grid now (small grids update by themselves)")
        self.compute_button.clicked.connect(self.compute)
        self.status_label = QLabel()
        self.status_label.setObjectName(f"{prefix}StatusLabel")
        self.status_label.setWordWrap(True)
        self.plot_widget = style.make_plot_widget("", x_label, y_label)
        self.plot_widget.setObjectName(f"{prefix}PlotView")
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.legend = self.plot_item.addLegend(offset=(-10, 10), labelTextColor=style.FOREGROUND,
                                               labelTextSize="8pt",
                                               brush=pg.mkBrush(255, 255, 255, 170),
                                               pen=pg.mkPen("#bbbbbb"))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTO_DELAY_MS)
        self._timer.timeout.connect(self._auto_compute)

    def _assemble(self, controls: QLayout) -> None:
        """Lay out ``controls`` (holding the Compute button), the status line and the plot."""
        self.controls_row = QWidget()
        controls.setContentsMargins(0, 0, 0, 0)
        self.controls_row.setLayout(controls)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.controls_row)
        layout.addWidget(self.status_label)
        layout.addWidget(self.plot_widget, 1)

    # -- inputs ----------------------------------------------------------------------------------
    @property
    def optimizer(self) -> str:
        """The optimizer whose grid the tab shows."""
        return self.optimizer_combo.currentText()

    def set_inputs(self, function_key: str, start, steps: int,
                   hyperparameters: dict[str, dict[str, float]],
                   schedules: dict[str, ScheduleSpec | None] | None = None) -> None:
        """The 2D settings the grid runs on: function, start (x, y), steps, every optimizer's 2D
        hyperparameters and learning-rate schedule (by name; an optimizer missing from
        ``schedules`` has none). Recomputes if the grid's inputs changed."""
        self._function_key, self._start, self._steps = function_key, tuple(start), int(steps)
        self._hyperparameters = {name: dict(values) for name, values in hyperparameters.items()}
        self._schedules = dict(schedules or {})
        self._inputs_changed()

    @property
    def schedule(self) -> ScheduleSpec | None:
        """The learning-rate schedule of the tab's optimizer (None: constant lr)."""
        return self._schedules.get(self.optimizer)

    def select_optimizer(self, name: str) -> None:
        """Show the grid of optimizer ``name`` (the one selected in the control panel)."""
        if name in OPTIMIZERS and name != self.optimizer:
            self.optimizer_combo.setCurrentText(name)

    def values_of(self, name: str) -> dict[str, float]:
        """Optimizer ``name``'s 2D hyperparameters: its path defaults, overridden by the inputs."""
        values = path_defaults(name)
        values.update(self._hyperparameters.get(name, {}))
        return values

    # -- what a subclass provides ----------------------------------------------------------------
    def _key(self) -> tuple:  # pragma: no cover - abstract
        """Everything the grid's cells depend on."""
        raise NotImplementedError

    def _work(self) -> int:  # pragma: no cover - abstract
        """Runs x steps of the grid the inputs describe."""
        raise NotImplementedError

    def compute(self):  # pragma: no cover - abstract
        """Run the grid now, show it and return it."""
        raise NotImplementedError

    def _csv_text(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _same_inputs(self) -> None:
        """Called when an edit left the grid's inputs as they were (e.g. to move a marker)."""

    # -- recomputing -----------------------------------------------------------------------------
    def _computed(self, key: tuple, seconds: float) -> None:
        """Record that the grid of ``key`` was computed in ``seconds``."""
        self._computed_key, self.compute_seconds = key, seconds

    def _inputs_changed(self) -> None:
        if self._computed_key == self._key():
            self._same_inputs()
            return
        work = self._work()
        if work <= AUTO_BUDGET:
            self.status_label.setText("Updating\u2026")
            if self.isVisible():
                self._timer.start()
        else:
            self.status_label.setText(f"Press Compute: {work:,} {self.WORK_UNIT} take a while.")

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self._inputs_changed()

    def _auto_compute(self) -> None:
        if self._computed_key != self._key():
            self.compute()

    # -- output ----------------------------------------------------------------------------------
    def set_controls_visible(self, visible: bool) -> None:
        """Show or hide the controls and the status line (hidden: a figure for slides)."""
        self.controls_row.setVisible(visible)
        self.status_label.setVisible(visible)

    def write_csv(self, directory: str | Path) -> Path | None:
        """Write the grid's CSV (``CSV_NAME``) into ``directory``; None before any grid."""
        if self.result is None:
            return None
        return write_text(Path(directory) / self.CSV_NAME, self._csv_text())
