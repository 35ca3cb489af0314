"""No exception inside a slot may end the process: it becomes an error dialog instead.

PySide6 hands an exception raised in a slot (a button's click, a timer, a menu action) to
``sys.excepthook`` and carries on with the event loop. Python's default hook only prints the
traceback, which a user started from a desktop icon never sees, and an exception that escapes
while Qt unwinds can end in an abort. :func:`install` replaces the hook for the life of the
application: the traceback still goes to stderr (for a bug report), and the user gets a dialog
that names the error and says the window keeps running.
"""
from __future__ import annotations

import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

TITLE = "Unexpected error"


def message(error: BaseException) -> str:
    """The dialog's text for ``error``: what it was, and that nothing was lost."""
    return (f"Optimizer Lab hit an unexpected error and carries on:\n\n"
            f"{type(error).__name__}: {error}\n\n"
            "Your settings and results are kept. The details were printed to the terminal.")


def show_error(kind: type[BaseException], error: BaseException,
               tb: TracebackType | None) -> None:
    """``sys.excepthook`` of the window: print the traceback, then show it as a dialog.

    KeyboardInterrupt and SystemExit keep Python's default behaviour (they are not errors).
    """
    if issubclass(kind, (KeyboardInterrupt, SystemExit)):
        sys.__excepthook__(kind, error, tb)
        return
    traceback.print_exception(kind, error, tb, file=sys.stderr)
    try:
        QMessageBox.critical(QApplication.activeWindow(), TITLE, message(error))
    except Exception:  # the dialog itself failed: the traceback above is all we can give
        traceback.print_exc(file=sys.stderr)


def install() -> None:
    """Route every uncaught exception of the GUI thread (slots included) to :func:`show_error`."""
    sys.excepthook = show_error
