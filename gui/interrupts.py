"""Ctrl+C (SIGINT) and SIGTERM for a headless run: noted, never raised.

While :class:`Interrupts` is active, either signal only sets a flag: no KeyboardInterrupt can
surface in the middle of an import, a NumPy call, a file write or Qt's rendering. The run polls
:meth:`Interrupts.is_set` (training checks it between iterations), stops what it is doing,
writes what was done so far, and exits with :attr:`Interrupts.status`: 128 + the signal number,
130 for SIGINT and 143 for SIGTERM, as a shell reports a process ended by that signal. A second
signal changes nothing: the results are still written.
"""
from __future__ import annotations

import signal
import threading

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Interrupts:
    """Context manager: installs the flag-setting handlers on entry, restores the previous ones
    on exit. The handler writes nothing (a write to a stream the interrupted code was writing to
    would be a reentrant call); the run reports the signal when it notices it."""

    def __init__(self) -> None:
        self.received: int | None = None
        self._previous: dict[int, object] = {}

    def _handle(self, number: int, _frame) -> None:
        if self.received is None:
            self.received = number

    def is_set(self) -> bool:
        """Whether a signal has arrived (cheap: the training loop calls it every iteration)."""
        return self.received is not None

    @property
    def name(self) -> str | None:
        """The received signal's name ('SIGINT'), None if none."""
        return None if self.received is None else signal.Signals(self.received).name

    @property
    def status(self) -> int:
        """The exit status for the signal received (128 + its number), 0 if none."""
        return 0 if self.received is None else 128 + self.received

    def install(self) -> "Interrupts":
        """Install the flag-setting handlers (only the main thread can; elsewhere a no-op)."""
        if threading.current_thread() is threading.main_thread():
            for number in HANDLED:
                self._previous[number] = signal.signal(number, self._handle)
        return self

    def restore(self) -> None:
        """Put back the handlers that were installed before :meth:`install`."""
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous.clear()

    def __enter__(self) -> "Interrupts":
        return self.install()

    def __exit__(self, *exc) -> None:
        self.restore()
