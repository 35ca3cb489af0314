"""Python's cyclic garbage collection, run only from the event loop of the GUI thread.

The collector normally starts inside whatever allocation crosses its threshold: in any thread,
at any point of a call into Qt. With PySide6 6.11 that point can be inside
``QObject::disconnect``: Qt holds a signal-slot mutex while it asks the Python object whether
it overrides ``disconnectNotify``; that attribute lookup allocates, the collector frees a dead
receiver, and PySide's clean-up of the dead receiver's connection waits for the same mutex. The
process hangs for good (seen in the test suite: a window's construction stuck in
``QBasicMutex::lockInternal`` under ``gc_collect_main -> handle_weakrefs``, called from
pyqtgraph's ``GraphicsItem._updateView``). A collection started by a timer runs between two
events of the GUI thread, where no Qt lock is held. pyqtgraph's ``GarbageCollector`` does that:
it disables the automatic collector and collects, generation by generation, on a timer.
"""
from __future__ import annotations

from pyqtgraph.util.garbage_collector import GarbageCollector

INTERVAL = 1.0
"""Seconds between two checks of the collector's counts (a check collects only the generations
whose allocation counts passed Python's thresholds, as the automatic collector would)."""

_collector: GarbageCollector | None = None


def collect_in_event_loop(interval: float = INTERVAL) -> GarbageCollector:
    """Disable automatic garbage collection and collect from a timer of the event loop instead,
    for the rest of the process (needs a QApplication; calling it again returns the same
    collector). The collector is kept here so its timer lives as long as the process."""
    global _collector
    if _collector is None:
        _collector = GarbageCollector(interval=interval)
    return _collector
