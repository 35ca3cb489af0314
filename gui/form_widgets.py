"""Small constructors for form rows (the control panel's and the export dialogs'): a named number
box for a setting with its one range definition, a combo box whose entries carry keys, selecting
by key, and a dialog's OK / Cancel buttons."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox

from nncore.ranges import Range

from .number_box import NumberBox


def number_field(name: str, tooltip: str, valid: Range, step: float = 1) -> NumberBox:
    """A NumberBox named ``name`` for the setting whose one definition of its range is ``valid``."""
    box = NumberBox(valid, step, tooltip)
    box.setObjectName(name)
    return box


def keyed_combo(name: str, tooltip: str, items: dict[str, str]) -> QComboBox:
    """A combo box named ``name`` whose entries show ``items``' labels and carry their keys as data."""
    box = QComboBox()
    box.setObjectName(name)
    box.setToolTip(tooltip)
    for key, label in items.items():
        box.addItem(label, key)
    return box


def select_key(box: QComboBox, key: str) -> None:
    """Make the entry whose data is ``key`` current."""
    box.setCurrentIndex(box.findData(key))


def ok_cancel_buttons(dialog: QDialog) -> QDialogButtonBox:
    """OK and Cancel buttons that accept and reject ``dialog``."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
