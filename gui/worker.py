"""The run worker: solves the 2D paths and has MNIST trained in a child process, off the GUI thread.

:class:`RunWorker` is a QObject without parent that :class:`RunThread` moves to its own QThread.
The window asks for a run with :meth:`RunThread.start_run`; the worker runs
``nncore.experiment.run_paths`` itself (milliseconds) and hands the MNIST training to a
:class:`nncore.training_process.TrainingProcess`: a persistent child process, started on the first
MNIST run and reused, that keeps the loaded dataset. The worker thread waits in a blocking receive
(which releases the GIL) and re-emits every update. The GUI's repaints hold the GIL for
milliseconds at a time; with training in the same process they slowed it by a third, in a child
process they cannot. The child runs at a lower priority on both cores, so the GUI thread still
gets a core whenever it needs one.

Signals carry immutable results (PathResult) or the per-update copies run_mnist yields
(MnistUpdate), each tagged with the run's id so the window can ignore a run it has already left
behind (after Reset).

Stopping sets the run's ``threading.Event`` and the child's stop event, both thread-safe: a queued
signal could not work because the worker thread is busy inside the run. :meth:`RunThread.shutdown`
ends the run, the thread and the child process.
"""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QSocketNotifier, QThread, Signal, Slot

from nncore.experiment import run_clouds, run_paths
from nncore.settings import Settings
from nncore.training_process import TrainingFailed, TrainingProcess

FRAME_INTERVAL = 1.0 / 30.0
"""Seconds between MNIST updates: the panels redraw at most about 30 times a second."""
RUN_END_TIMEOUT_MS = 3000
"""How long :meth:`RunThread.shutdown` lets a stopped run take to end before killing the child
(a run stops within ten iterations or one evaluation: milliseconds)."""


class RunWorker(QObject):
    """Runs one experiment at a time in the thread it lives in."""

    pathsReady = Signal(int, object)
    """(run id, dict[str, PathResult]) once the 2D paths are solved."""
    cloudsReady = Signal(int, object)
    """(run id, dict[str, Cloud]) after pathsReady, when the 2D paths have gradient noise."""
    mnistUpdated = Signal(int, object)
    """(run id, MnistUpdate) at most every FRAME_INTERVAL seconds during training."""
    failed = Signal(int, str)
    """(run id, message) when the dataset cannot be loaded, the settings are rejected or the
    training process died."""
    finished = Signal(int, bool)
    """(run id, completed): the run is over; completed is False when it was stopped or failed."""

    def __init__(self, trainer: TrainingProcess) -> None:
        super().__init__()
        self.trainer = trainer

    @Slot(int, object, object)
    def run(self, run_id: int, settings: Settings, stop: threading.Event) -> None:
        """Run the tasks of ``settings`` until done or ``stop`` is set, emitting as it goes."""
        completed = False
        try:
            if settings.task in ("both", "paths") and not stop.is_set():
                self.pathsReady.emit(run_id, run_paths(settings))
                clouds = run_clouds(settings)  # empty without gradient noise
                if clouds and not stop.is_set():
                    self.cloudsReady.emit(run_id, clouds)
            if settings.task in ("both", "mnist") and not stop.is_set():
                completed = self._train(run_id, settings, stop)
            else:
                completed = not stop.is_set()
        except (TrainingFailed, ValueError) as error:
            self.failed.emit(run_id, str(error))
        finally:
            self.finished.emit(run_id, completed)

    def _train(self, run_id: int, settings: Settings, stop: threading.Event) -> bool:
        """Have the child train on MNIST, emitting each update; True when every iteration ran."""
        finished = False
        for update in self.trainer.train(settings, cancelled=stop):
            self.mnistUpdated.emit(run_id, update)
            finished = update.finished
        return finished


class RunThread(QObject):
    """Owns the worker thread and the training process: start a run, stop it, shut down cleanly.

    The worker's signals are re-exported here, so the window connects to one object.
    """

    _runRequested = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.trainer = TrainingProcess(min_interval=FRAME_INTERVAL)
        self.worker = RunWorker(self.trainer)
        self.thread = QThread()
        self.thread.setObjectName("optimizerLabWorker")
        self.worker.moveToThread(self.thread)
        self._runRequested.connect(self.worker.run)
        self.worker.finished.connect(self._run_ended)  # queued: runs in this (the GUI) thread
        self.thread.start()
        self._stop: threading.Event | None = None
        self._next_id = 0
        self._unfinished: set[int] = set()
        """Ids of the runs queued or under way (a run left behind by Reset may still be)."""
        self._child_watch: QSocketNotifier | None = None

    @property
    def pathsReady(self):
        return self.worker.pathsReady

    @property
    def cloudsReady(self):
        return self.worker.cloudsReady

    @property
    def mnistUpdated(self):
        return self.worker.mnistUpdated

    @property
    def failed(self):
        return self.worker.failed

    @property
    def finished(self):
        return self.worker.finished

    def prepare(self, data_dir: str | None) -> None:
        """Start the training process and load the dataset in the background (call before the
        first run, from the GUI thread), so the first Start does not wait for either."""
        self.trainer.prepare(data_dir)
        self._watch_child()

    def _run_ended(self, run_id: int, completed: bool) -> None:
        self._unfinished.discard(run_id)
        self._watch_child()

    def _watch_child(self) -> None:
        """Reap the training process as soon as it ends between runs (e.g. killed from outside),
        instead of leaving a zombie until the next Start. Re-armed after every run, since a
        run may have started a new child."""
        if self._child_watch is not None:
            self._child_watch.setEnabled(False)
            self._child_watch.deleteLater()
            self._child_watch = None
        sentinel = self.trainer.sentinel
        if sentinel is None:
            return
        self._child_watch = QSocketNotifier(sentinel, QSocketNotifier.Type.Read, self)
        self._child_watch.activated.connect(self._child_ended)

    def _child_ended(self) -> None:
        if self._child_watch is not None:
            self._child_watch.setEnabled(False)  # the sentinel stays readable: fire once
        if not self._unfinished:
            self.trainer.reap()

    def start_run(self, settings: Settings) -> int:
        """Queue a run of ``settings`` on the worker thread; return its id.

        A run still going is asked to stop first, so runs never overlap.
        """
        self.stop()
        self._next_id += 1
        self._unfinished.add(self._next_id)
        self._stop = threading.Event()
        self._runRequested.emit(self._next_id, settings, self._stop)
        return self._next_id

    def stop(self) -> None:
        """Ask the current run (if any) to end at its next stop check. Returns at once."""
        if self._stop is not None:
            self._stop.set()  # first: a run not yet handed to the child will not start
            self.trainer.request_stop()

    def unfinished(self, run_id: int) -> bool:
        """True while run ``run_id`` is queued or under way."""
        return run_id in self._unfinished

    def kill_training(self) -> None:
        """Kill the training process at once: the run under way fails (for a child that does not
        answer Stop, e.g. one suspended with SIGSTOP); the next run starts a new child."""
        self.trainer.kill()

    def shutdown(self) -> None:
        """Stop the run and let it end, end the thread's event loop and wait for it (never
        terminate()), then end the child process (killed only if it does not exit)."""
        if self._child_watch is not None:
            self._child_watch.setEnabled(False)
        self.stop()
        if self.thread.isRunning():
            self.thread.quit()
            if not self.thread.wait(RUN_END_TIMEOUT_MS):  # the child hangs: its run fails
                self.trainer.kill()
                self.thread.wait()
        self.trainer.close()

    def is_alive(self) -> bool:
        """True while the worker thread or the training process is running."""
        return self.thread.isRunning() or self.trainer.is_alive()
