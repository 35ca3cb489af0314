"""The "Paths" tab: the 2D plot with its timeline, the value plot and the step inspector, bound
to one :class:`gui.paths_model.PathsModel`.

The tab composes the views and connects them to the model and its timeline: new records redraw
the paths, the value curves and the inspector; the timeline's step moves the revealed part of
the paths, the markers, the value plot's cursor and the inspector; the user's actions on the
views (scrubbing, the value plot's cursor, Space/Left/Right on the plot) go to the timeline.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QVBoxLayout, QWidget

from .inspector import StepInspector, explain_step
from .path_panel import PathPanel
from .paths_model import PathsModel
from .timeline import TimelineBar
from .value_panel import ValuePanel


class PathsTab(QSplitter):
    """Top: the path plot and the timeline bar; bottom: the value plot beside the inspector."""

    def __init__(self, model: PathsModel, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.setObjectName("pathsTabSplitter")
        self.model = model
        self.timeline = model.timeline
        self.path_panel = PathPanel()
        self.timeline_bar = TimelineBar()
        self.value_panel = ValuePanel()
        self.inspector = StepInspector()
        top = QWidget()
        column = QVBoxLayout(top)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.path_panel, 1)
        row = QHBoxLayout()
        row.addWidget(self.timeline_bar, 1)
        row.addWidget(self.path_panel.equal_aspect_check)
        column.addLayout(row)
        details = QSplitter(Qt.Orientation.Horizontal)
        details.setObjectName("pathDetailsSplitter")
        details.addWidget(self.value_panel)
        details.addWidget(self.inspector)
        details.setSizes([300, 300])
        self.addWidget(top)
        self.addWidget(details)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 1)
        self.setSizes([450, 170])
        self._bind()

    def _bind(self) -> None:
        model, timeline = self.model, self.timeline
        self.timeline_bar.bind(timeline)
        model.recordsChanged.connect(self._records_changed)
        model.selectedChanged.connect(self.show_step_details)
        timeline.stepChanged.connect(self._step_changed)
        self.value_panel.stepPicked.connect(lambda step: (timeline.pause(), timeline.set_step(step)))
        self.path_panel.keyPressed.connect(self._key_pressed)

    def _key_pressed(self, key: int) -> None:
        """Space plays/pauses, Left/Right step (keys pressed on the focused plot)."""
        if key == Qt.Key.Key_Space:
            self.timeline.toggle()
        else:
            self.timeline.step_by(-1 if key == Qt.Key.Key_Left else 1)

    def _records_changed(self, names: list) -> None:
        model = self.model
        explanations = {name: model.explanation(name) for name, record in model.records.items()
                        if record.diverged_at is not None}
        self.path_panel.set_paths(model.records, steps_shown=self.timeline.step,
                                  explanations=explanations)
        self.value_panel.set_records(model.function, model.records, names)
        self.value_panel.set_cursor(self.timeline.step)
        self.show_step_details()

    def _step_changed(self, step: int) -> None:
        self.path_panel.show_steps(step)
        self.value_panel.set_cursor(step)
        self.show_step_details()

    def show_step_details(self, *_args) -> None:
        """The selected optimizer's current step in the inspector and as arrows on the plot."""
        model = self.model
        record = model.records.get(model.selected or "")
        if record is None:
            self.inspector.show_explanation(None)
            self.path_panel.set_arrows([])
            return
        optimizer, schedule = model.kinds.get(model.selected, (model.selected, None))
        explanation = explain_step(model.selected, model.hyperparameters.get(model.selected, {}),
                                   record, min(self.timeline.step, record.steps), optimizer,
                                   schedule, model.steps)
        self.inspector.show_explanation(explanation)
        self.path_panel.set_arrows([(x, y, dx, dy, colour)
                                    for _label, dx, dy, colour, x, y in explanation.arrows])
