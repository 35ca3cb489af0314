"""The schedule row of the selected entry: a schedule (or none), its parameters as
``key=value,...`` and a warmup in updates (see nncore.schedules). A bad parameter text is
refused with a message that names the problem, and the last valid schedule stays."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QSpinBox,
                               QWidget)

from nncore.schedules import SCHEDULES, WARMUP, ScheduleSpec, parse_schedule

NONE = "none"


class ScheduleEditor(QWidget):
    """Edits one entry's :class:`ScheduleSpec` (None: a constant rate without warmup)."""

    scheduleEdited = Signal(object)
    """The new ScheduleSpec or None, after a valid edit by the user."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setObjectName("scheduleCombo")
        self.combo.setToolTip("How the selected entry's learning rate changes over the run "
                              "(per step in 2D, per iteration on MNIST)")
        self.combo.addItem("none", NONE)
        for name, schedule in SCHEDULES.items():
            self.combo.addItem(name, name)
            self.combo.setItemData(self.combo.count() - 1, schedule.description,
                                   role=3)  # Qt.ToolTipRole
        self.parameters = QLineEdit()
        self.parameters.setObjectName("scheduleParams")
        self.warmup = QSpinBox()
        self.warmup.setObjectName("scheduleWarmup")
        self.warmup.setRange(int(WARMUP.minimum), int(WARMUP.maximum))
        self.warmup.setToolTip("Linear warmup: updates over which the rate rises to its value first")
        self.warmup.setKeyboardTracking(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Schedule:"))
        layout.addWidget(self.combo)
        layout.addWidget(self.parameters, 1)
        layout.addWidget(QLabel("warmup:"))
        layout.addWidget(self.warmup)
        self.spec: ScheduleSpec | None = None
        self.combo.activated.connect(self._edited)
        self.parameters.editingFinished.connect(self._edited)
        self.warmup.valueChanged.connect(self._edited)
        self._showing = False
        self._show_hint()

    def set_schedule(self, spec: ScheduleSpec | None) -> None:
        """Show ``spec`` (no signal)."""
        self._showing = True
        self.spec = spec
        name = NONE if spec is None else spec.name
        self.combo.setCurrentIndex(self.combo.findData(name))
        self.parameters.setText("" if spec is None or not spec.parameters else spec.text().partition(":")[2])
        self.warmup.setValue(0 if spec is None else spec.warmup)
        self._showing = False
        self._show_hint()

    def _show_hint(self) -> None:
        name = self.combo.currentData()
        declared = SCHEDULES[name].parameters if name in SCHEDULES else ()
        self.parameters.setEnabled(bool(declared))
        self.parameters.setPlaceholderText(", ".join(f"{p.name}={p.default:g}" for p in declared))
        self.parameters.setToolTip("\n".join(f"{p.name} in {p.range.text()}: {p.description}"
                                             for p in declared) or "this schedule has no parameters")

    def _edited(self, *_args) -> None:
        if self._showing:
            return
        self._show_hint()
        name, warmup = self.combo.currentData(), self.warmup.value()
        if name == NONE:
            spec = None if warmup == 0 else ScheduleSpec("constant", {}, warmup)
        else:
            text = self.parameters.text().strip() if self.parameters.isEnabled() else ""
            try:
                spec = parse_schedule(f"{name}:{text}" if text else name)
            except ValueError as error:
                QMessageBox.warning(self, "Schedule", str(error))
                self.set_schedule(self.spec)
                return
            spec = ScheduleSpec(spec.name, spec.parameters, warmup)
        if spec != self.spec:
            self.spec = spec
            self.scheduleEdited.emit(spec)

    def set_locked(self, locked: bool) -> None:
        for widget in (self.combo, self.parameters, self.warmup):
            widget.setEnabled(not locked)
        if not locked:
            self._show_hint()
