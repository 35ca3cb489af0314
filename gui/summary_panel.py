"""The Summary tab: one row per run entry (nncore.summary), sortable by any column.

Cells show the texts of :func:`nncore.summary.summary_cells` (mean +- std with repeats) and sort
by the numbers behind them (missing values last); the entry column carries the entry's colour.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from nncore.summary import SUMMARY_HEADINGS, EntrySummary, summary_cells

SORT_ROLE = Qt.ItemDataRole.UserRole + 1


class _SortedItem(QTableWidgetItem):
    """A cell that sorts by the number stored under SORT_ROLE (texts sort as text)."""

    def __lt__(self, other: QTableWidgetItem) -> bool:  # noqa: D105
        mine, theirs = self.data(SORT_ROLE), other.data(SORT_ROLE)
        if isinstance(mine, (int, float)) and isinstance(theirs, (int, float)):
            return mine < theirs
        if mine is None or theirs is None:  # missing values after every number
            return mine is not None and theirs is None
        return str(mine) < str(theirs)


def _sort_keys(summary: EntrySummary) -> list:
    """The numbers each column sorts by (None: no value)."""
    diverged = summary.diverged_at if summary.diverged else None
    return [summary.label.lower(), summary.loss_last100, summary.final_accuracy,
            summary.best_accuracy, summary.first_95, diverged]


class SummaryTable(QTableWidget):
    """One row per entry: last-100 loss, final and best test accuracy, first iteration at 95 %,
    divergence. Click a heading to sort."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(SUMMARY_HEADINGS), parent)
        self.setObjectName("summaryTable")
        self.setToolTip("Per entry: mean training loss of the last 100 iterations, final and best "
                        "test accuracy (mean \u00b1 std over repeats), first iteration at which "
                        "the mean test accuracy reached 95 %, divergence. Click a heading to sort.")
        self.setHorizontalHeaderLabels(list(SUMMARY_HEADINGS))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the run's order until a click
        self.setSortingEnabled(True)
        self.summaries: list[EntrySummary] = []

    def set_summaries(self, summaries: list[EntrySummary], colors: dict[str, str] | None = None) -> None:
        """Show ``summaries`` (one row each, in the current sort order), entry cells in
        ``colors[label]``."""
        self.summaries = list(summaries)
        colors = colors or {}
        self.setSortingEnabled(False)  # rows are filled in place; sorting while filling mixes them
        self.setRowCount(len(summaries))
        for row, summary in enumerate(summaries):
            for column, (text, key) in enumerate(zip(summary_cells(summary), _sort_keys(summary))):
                item = _SortedItem(text)
                item.setData(SORT_ROLE, key)
                if column == 0 and summary.label in colors:
                    pixmap = QPixmap(12, 12)
                    pixmap.fill(QColor(colors[summary.label]))
                    item.setIcon(QIcon(pixmap))
                if column == len(SUMMARY_HEADINGS) - 1 and summary.reason:
                    item.setToolTip(summary.reason)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                                          if column < len(SUMMARY_HEADINGS) - 1 else
                                          Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, column, item)
        self.setSortingEnabled(True)

    def column_texts(self, column: int) -> list[str]:
        """The texts of ``column`` from top to bottom (as sorted)."""
        return [self.item(row, column).text() for row in range(self.rowCount())]
