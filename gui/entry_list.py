"""The entry list: the run entries of the next comparison (nncore.entries), edited in place.

The list (objectName ``optimizerList``, as the optimizer list it replaces) shows each entry's
colour and label with a tick box (in or out of the next run). Buttons add an entry of any
optimizer, duplicate the selected one, remove it, or move it up and down; double-click a label
to rename it (an empty name returns to the automatic label; a label in use is refused). While a
run trains the list stays readable and selectable, only editing is locked (:meth:`set_locked`).

The widget owns the list of :class:`~nncore.entries.RunEntry`; :meth:`replace_entry` writes an
edited entry back (the hyperparameter and schedule editors call it), ``entriesChanged`` says the
list changed and ``entrySelected`` which entry is selected (-1: none).
"""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QHBoxLayout, QListWidget, QListWidgetItem, QMenu, QMessageBox,
                               QToolButton, QVBoxLayout, QWidget)

from nncore.entries import RunEntry, automatic_labels, make_entry
from nncore.optimizers import OPTIMIZERS

from . import style


def display_labels(entries: list[RunEntry]) -> list[str]:
    """The label each entry shows: its run label when ticked (among the ticked entries), else
    the label it would have among all entries; a label shown by an earlier entry gets
    `` (copy)`` (such a list is refused at Start until a value or the name changes)."""
    labels = [""] * len(entries)
    ticked = [i for i, entry in enumerate(entries) if entry.enabled]
    for group in (ticked, range(len(entries))):
        for i, name in zip(group, automatic_labels([entries[i] for i in group])):
            labels[i] = labels[i] or name
    seen = set()
    for i, label in enumerate(labels):
        if label in seen:
            labels[i] = f"{label} (copy)"
        seen.add(labels[i])
    return labels


def _swatch(color: str) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class EntryList(QWidget):
    """The editable list of run entries with add / duplicate / remove / up / down buttons."""

    entriesChanged = Signal()
    entrySelected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: list[RunEntry] = []
        self._locked = False
        self._filling = False
        self.list = QListWidget()
        self.list.setObjectName("optimizerList")
        self.list.setToolTip("The entries of the comparison: tick the ones to run; double-click "
                             "a label to rename it")
        self.add_button = self._button("entryAdd", "Add", "Add an entry of any optimizer")
        menu = QMenu(self.add_button)
        for name, cls in OPTIMIZERS.items():
            action = menu.addAction(_swatch(style.OPTIMIZER_COLORS.get(name, "#777777")),
                                    cls.display_name or name)
            action.setData(name)
            action.triggered.connect(lambda _=False, n=name: self.add_entry(n))
        self.add_button.setMenu(menu)
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.duplicate_button = self._button("entryDuplicate", "Duplicate", "Add a copy of the selected entry")
        self.remove_button = self._button("entryRemove", "Remove", "Remove the selected entry")
        self.up_button = self._button("entryUp", "\u2191", "Move the selected entry up")
        self.down_button = self._button("entryDown", "\u2193", "Move the selected entry down")
        self.duplicate_button.clicked.connect(self.duplicate_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        for button in (self.add_button, self.duplicate_button, self.remove_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.up_button)
        row.addWidget(self.down_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        self.list.itemChanged.connect(self._item_changed)
        self.list.currentRowChanged.connect(self._row_changed)

    def _button(self, name: str, text: str, tooltip: str) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setText(text)
        button.setToolTip(tooltip)
        return button

    # -- the model ---------------------------------------------------------------------------
    def entries(self) -> tuple[RunEntry, ...]:
        return tuple(self._entries)

    def set_entries(self, entries, selected: int = 0) -> None:
        """Show ``entries`` (RunEntry, ticked or not) and select row ``selected``."""
        self._entries = list(entries)
        self._refill(selected)

    def selected(self) -> int:
        """The selected row, -1 when none."""
        return self.list.currentRow()

    def selected_entry(self) -> RunEntry | None:
        row = self.selected()
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def select(self, row: int) -> None:
        self.list.setCurrentRow(row)

    def replace_entry(self, row: int, entry: RunEntry) -> None:
        """Put ``entry`` at ``row`` (an edit of its values or schedule) and refresh the labels
        in place (the selection stays)."""
        self._entries[row] = entry
        self._filling = True
        for index, label in enumerate(display_labels(self._entries)):
            self.list.item(index).setText(label)
        self._filling = False
        self.entriesChanged.emit()

    def colors(self) -> list[str]:
        """Each entry's colour (see :func:`gui.style.entry_colors`)."""
        return style.entry_colors(self._entries)

    # -- edits ---------------------------------------------------------------------------------
    def add_entry(self, optimizer: str, template: RunEntry | None = None) -> None:
        """Append an entry of ``optimizer`` (its values from ``template``, else the defaults),
        with a colour of its own, and select it."""
        if self._locked:
            return
        entry = template if template is not None else make_entry(optimizer)
        entry = replace(entry, label="", enabled=True, color=None)
        color = style.entry_colors(self._entries + [entry])[-1]
        self._entries.append(replace(entry, color=color))
        self._refill(len(self._entries) - 1)
        self.entriesChanged.emit()

    def duplicate_selected(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.add_entry(entry.optimizer, entry)

    def remove_selected(self) -> None:
        row = self.selected()
        if self._locked or not 0 <= row < len(self._entries):
            return
        del self._entries[row]
        self._refill(min(row, len(self._entries) - 1))
        self.entriesChanged.emit()

    def move_selected(self, offset: int) -> None:
        row = self.selected()
        target = row + offset
        if self._locked or not (0 <= row < len(self._entries) and 0 <= target < len(self._entries)):
            return
        self._entries[row], self._entries[target] = self._entries[target], self._entries[row]
        self._refill(target)
        self.entriesChanged.emit()

    def rename(self, row: int, text: str) -> bool:
        """Give entry ``row`` the label ``text`` ('' = automatic). A label another entry shows is
        refused with a message; returns whether the name was taken."""
        text = text.strip()
        entry = self._entries[row]
        automatic = display_labels([replace(entry, label="") if i == row else e
                                    for i, e in enumerate(self._entries)])[row]
        label = "" if text == automatic else text
        others = [name for i, name in enumerate(display_labels(self._entries)) if i != row]
        if label and label in others:
            QMessageBox.warning(self, "Label in use",
                                f"Another entry is labelled '{label}': labels must be unique.")
            self._refill(row)
            return False
        self._entries[row] = replace(entry, label=label)
        self._refill(row)
        self.entriesChanged.emit()
        return True

    def set_locked(self, locked: bool) -> None:
        """Lock every edit (during a run) while the list stays readable and selectable."""
        self._locked = locked
        for button in (self.add_button, self.duplicate_button, self.remove_button,
                       self.up_button, self.down_button):
            button.setEnabled(not locked)
        self._refill(self.selected())

    # -- view ------------------------------------------------------------------------------------
    def _refill(self, selected: int) -> None:
        self._filling = True
        labels, colors = display_labels(self._entries), self.colors()
        self.list.clear()
        for entry, label, color in zip(self._entries, labels, colors):
            item = QListWidgetItem(_swatch(color), label)
            flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
            if not self._locked:
                flags |= Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable
            item.setFlags(flags)
            item.setCheckState(Qt.CheckState.Checked if entry.enabled else Qt.CheckState.Unchecked)
            item.setToolTip(style.optimizer_tooltip(entry.optimizer))
            self.list.addItem(item)
        self._filling = False
        if self._entries:
            self.list.setCurrentRow(max(0, min(selected, len(self._entries) - 1)))
        self.entrySelected.emit(self.selected())

    def _item_changed(self, item: QListWidgetItem) -> None:
        if self._filling:
            return
        row = self.list.row(item)
        entry = self._entries[row]
        enabled = item.checkState() == Qt.CheckState.Checked
        if enabled != entry.enabled:
            self._entries[row] = replace(entry, enabled=enabled)
            self._refill(row)
            self.entriesChanged.emit()
        elif item.text() != display_labels(self._entries)[row]:
            self.rename(row, item.text())

    def _row_changed(self, row: int) -> None:
        if not self._filling:
            self.entrySelected.emit(row)
