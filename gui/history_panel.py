"""The History panel: the window's past runs (nncore.run_history), newest first.

Each row shows when the run was made, its task, its entries and its headline numbers. Ticking
a row's box pins the run (its curves are overlaid, dashed and fainter, beside the current
run's); "Restore settings" asks the window to load the selected run's settings.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QPushButton,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from nncore.run_history import RunInfo

PATH_ROLE = Qt.ItemDataRole.UserRole


class HistoryPanel(QWidget):
    """A list of past runs with pin boxes and a restore button."""

    pinnedChanged = Signal(list)
    """The paths of the pinned runs (list of Path), newest first."""
    restoreRequested = Signal(object)
    """The path of the run whose settings the user wants back."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyPanel")
        self.tree = QTreeWidget()
        self.tree.setObjectName("historyList")
        self.tree.setToolTip("Past runs of this window, newest first (the last 50 are kept). Tick "
                             "a run to overlay its curves, dashed, beside the current run.")
        self.tree.setHeaderLabels(["pin / time (UTC)", "task", "entries", "result"])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.restore_button = QPushButton("Restore settings")
        self.restore_button.setObjectName("historyRestore")
        self.restore_button.setToolTip("Load the selected run's settings into the controls")
        self.restore_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.tree.itemChanged.connect(self._item_changed)
        self.tree.itemSelectionChanged.connect(
            lambda: self.restore_button.setEnabled(self.selected_path() is not None))
        self.restore_button.clicked.connect(self._restore)
        self._filling = False

    def set_runs(self, runs: list[RunInfo]) -> None:
        """Show ``runs``; runs pinned before stay pinned (a pinned run that is gone is dropped)."""
        pinned = set(self.pinned())
        self._filling = True
        self.tree.clear()
        for run in runs:
            item = QTreeWidgetItem([run.time, run.task, ", ".join(run.labels), run.headline])
            item.setData(0, PATH_ROLE, str(run.path))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked if run.path in pinned else Qt.CheckState.Unchecked)
            item.setToolTip(3, run.headline)
            self.tree.addTopLevelItem(item)
        self._filling = False
        if set(self.pinned()) != pinned:
            self.pinnedChanged.emit(self.pinned())

    def pinned(self) -> list[Path]:
        """The pinned runs' paths, newest first."""
        return [Path(self.tree.topLevelItem(i).data(0, PATH_ROLE)) for i in range(self.tree.topLevelItemCount())
                if self.tree.topLevelItem(i).checkState(0) == Qt.CheckState.Checked]

    def set_pinned(self, path: Path, pinned: bool) -> None:
        """Pin or unpin the run at ``path`` (as ticking its box does)."""
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if Path(item.data(0, PATH_ROLE)) == Path(path):
                item.setCheckState(0, Qt.CheckState.Checked if pinned else Qt.CheckState.Unchecked)

    def selected_path(self) -> Path | None:
        items = self.tree.selectedItems()
        return Path(items[0].data(0, PATH_ROLE)) if items else None

    def _item_changed(self, _item, column: int) -> None:
        if column == 0 and not self._filling:
            self.pinnedChanged.emit(self.pinned())

    def _restore(self) -> None:
        path = self.selected_path()
        if path is not None:
            self.restoreRequested.emit(path)
