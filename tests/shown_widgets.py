"""Widgets shown on screen for GUI tests (pytest-qt closes them at the end of each test)."""
from __future__ import annotations


def shown(qtbot, widget, size=(700, 450)):
    """``widget`` resized to ``size`` (width, height in pixels), shown and exposed."""
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def book_path_panel(qtbot, size=(700, 450)):
    """A shown 2D panel drawing the book's function x²/20 + y²."""
    from gui.path_panel import PathPanel

    panel = shown(qtbot, PathPanel(), size)
    panel.set_function("book")
    return panel
