"""The run worker: solves the 2D paths and trains on MNIST off the GUI thread.

:class:`RunWorker` is a QObject without parent that :class:`RunThread` moves to its own QThread.
The window asks for a run with :meth:`RunThread.start_run`; the worker runs
``nncore.experiment.run_paths`` and then ``run_mnist`` and reports through signals that carry
immutable results (PathResult) or the per-update copies run_mnist yields (MnistUpdate), each
tagged with the run's id so the window can ignore a run it has already left behind (after Reset).

Stopping uses a ``threading.Event`` per run, checked by run_mnist before every iteration; a
queued signal could not work because the worker's event loop is busy inside the training loop.
The MNIST arrays are loaded in the worker and cached across runs (per dataset directory).
"""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThread, Signal, Slot

from nncore.data import DatasetError, load_mnist
from nncore.experiment import run_mnist, run_paths
from nncore.settings import Settings

FRAME_INTERVAL = 1.0 / 30.0
"""Seconds between MNIST updates: the panels redraw at most about 30 times a second."""


class RunWorker(QObject):
    """Runs one experiment at a time in the thread it lives in."""

    pathsReady = Signal(int, object)
    """(run id, dict[str, PathResult]) once the 2D paths are solved."""
    mnistUpdated = Signal(int, object)
    """(run id, MnistUpdate) at most every FRAME_INTERVAL seconds during training."""
    failed = Signal(int, str)
    """(run id, message) when the dataset cannot be loaded or the settings are rejected."""
    finished = Signal(int, bool)
    """(run id, completed): the run is over; completed is False when it was stopped or failed."""

    def __init__(self) -> None:
        super().__init__()
        self._mnist_cache: dict[str | None, tuple] = {}

    @Slot(int, object, object)
    def run(self, run_id: int, settings: Settings, stop: threading.Event) -> None:
        """Run the tasks of ``settings`` until done or ``stop`` is set, emitting as it goes."""
        completed = False
        try:
            if settings.task in ("both", "paths") and not stop.is_set():
                self.pathsReady.emit(run_id, run_paths(settings))
            if settings.task in ("both", "mnist") and not stop.is_set():
                completed = self._train(run_id, settings, stop)
            else:
                completed = not stop.is_set()
        except (DatasetError, ValueError, OSError) as error:
            self.failed.emit(run_id, str(error))
        except MemoryError:
            self.failed.emit(run_id, "not enough memory for this network and batch size")
        finally:
            self.finished.emit(run_id, completed)

    def _train(self, run_id: int, settings: Settings, stop: threading.Event) -> bool:
        """Train on MNIST, emitting each update; True when every iteration ran."""
        data = self._mnist(settings.mnist.data_dir)
        finished = False
        for update in run_mnist(settings, data, stop=stop.is_set, min_interval=FRAME_INTERVAL):
            self.mnistUpdated.emit(run_id, update)
            finished = update.finished
        return finished

    def _mnist(self, directory: str | None) -> tuple:
        """load_mnist(directory), read from disk only the first time."""
        if directory not in self._mnist_cache:
            self._mnist_cache[directory] = load_mnist(directory)
        return self._mnist_cache[directory]


class RunThread(QObject):
    """Owns the worker thread: start a run, stop it, shut down cleanly.

    The worker's signals are re-exported here, so the window connects to one object.
    """

    _runRequested = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = RunWorker()
        self.thread = QThread()
        self.thread.setObjectName("optimizerLabWorker")
        self.worker.moveToThread(self.thread)
        self._runRequested.connect(self.worker.run)
        self.thread.start()
        self._stop: threading.Event | None = None
        self._next_id = 0

    @property
    def pathsReady(self):
        return self.worker.pathsReady

    @property
    def mnistUpdated(self):
        return self.worker.mnistUpdated

    @property
    def failed(self):
        return self.worker.failed

    @property
    def finished(self):
        return self.worker.finished

    def start_run(self, settings: Settings) -> int:
        """Queue a run of ``settings`` on the worker thread; return its id.

        A run still going is asked to stop first, so runs never overlap.
        """
        self.stop()
        self._next_id += 1
        self._stop = threading.Event()
        self._runRequested.emit(self._next_id, settings, self._stop)
        return self._next_id

    def stop(self) -> None:
        """Ask the current run (if any) to end before its next iteration. Returns at once."""
        if self._stop is not None:
            self._stop.set()

    def shutdown(self) -> None:
        """Stop the run, end the thread's event loop and wait for it (never terminate())."""
        self.stop()
        if self.thread.isRunning():
            self.thread.quit()
            self.thread.wait()

    def is_alive(self) -> bool:
        """True while the worker thread is running."""
        return self.thread.isRunning()
