"""Ctrl+C and SIGTERM close the window as its close button would.

While Qt's event loop runs, Python's own SIGINT handling fires only when some Python code happens
to run: a Ctrl+C was ignored while the window sat idle, and during a run it raised
KeyboardInterrupt inside whatever slot was painting (tracebacks, half-drawn frames). SIGTERM's
default action killed the process at once, without ending the training process or releasing its
semaphores ("leaked semaphore objects").

:func:`close_on_signals` routes both through a socket pair: the C-level signal handler writes the
signal's number into it (``signal.set_wakeup_fd``), a QSocketNotifier wakes the event loop, and
the window is closed in the GUI thread like any close: the session is saved, the run stopped,
the worker thread and the training process ended. The application then exits with 128 + the
signal's number (130 for Ctrl+C, 143 for SIGTERM), as the headless run does.

The routing is installed before the window is built (building it starts the training process
and takes a second): a signal that arrives meanwhile waits in the socket and closes the window
as soon as the event loop runs, instead of raising KeyboardInterrupt in the constructor or
killing the process outright.
"""
from __future__ import annotations

import signal
import socket

from PySide6.QtCore import QObject, QSocketNotifier
from PySide6.QtWidgets import QWidget

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class SignalCloser(QObject):
    """Closes the window given to :meth:`attach` when the process receives SIGINT or SIGTERM,
    also for a signal received before it was attached (see the module)."""

    def __init__(self) -> None:
        super().__init__()
        self.window: QWidget | None = None
        self.received: list[int] = []
        """The numbers of the signals received, in order."""
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._previous = {sig: signal.signal(sig, _noted) for sig in SIGNALS}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._woken)

    def attach(self, window: QWidget) -> None:
        """The window to close on a signal (once the event loop runs)."""
        self.window = window

    def _woken(self) -> None:
        try:
            data = self._reader.recv(64)
        except BlockingIOError:
            return
        self.received.extend(data)
        if self.window is not None and self.window.isVisible():
            self.window.close()

    def exit_code(self) -> int | None:
        """128 + the first signal's number, or None if no signal arrived."""
        return 128 + self.received[0] if self.received else None

    def restore(self) -> None:
        """Give the signals back their previous handlers and close the socket pair."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._reader.close()
        self._writer.close()


def _noted(signum, frame) -> None:
    """The Python-level handler: nothing to do, the wakeup byte already carries the signal."""


def close_on_signals() -> SignalCloser:
    """Route SIGINT / SIGTERM into the event loop from now on (call from the main thread, with a
    QApplication); :meth:`SignalCloser.attach` names the window they close."""
    return SignalCloser()
