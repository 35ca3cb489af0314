"""Shared by the window benchmarks: counting a widget's paint events (bench scripts run as
``python bench/NAME.py``, so this folder is on sys.path)."""
from PySide6.QtCore import QEvent, QObject


class PaintCounter(QObject):
    """Counts the paint events of the widgets it is installed on as an event filter."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False
