"""MNIST training in a child process, so a GUI's repaints and the trainer never share a GIL.

:class:`TrainingProcess` owns one persistent child process, started ("spawn", never "fork": the
parent may be a Qt process) on the first :meth:`TrainingProcess.train` and reused by later runs;
the child keeps the MNIST arrays it loaded, per ``data_dir``, so later runs skip the load.

Protocol over a ``multiprocessing`` Pipe, one run at a time:

- parent -> child: a :class:`nncore.settings.Settings` (train it), a :class:`Preload` (load that
  dataset now, reply nothing), or None (exit);
- child -> parent: ``("update", MnistUpdate)`` for every update of ``run_mnist``, then either
  ``("done", None)`` or ``("failed", message)`` when the dataset cannot be loaded, the settings
  are rejected or memory runs out.

Stopping goes through a ``multiprocessing.Event`` the child's ``run_mnist`` checks between
iterations (every ``PARALLEL_CHUNK`` iterations with several compute threads, whose groups
train in processes the child forks); setting it is thread-safe and needs no pipe, so a GUI
thread can stop a run another thread is receiving.

The child lowers its own priority (``os.nice``) before it imports NumPy, i.e. before any of its
threads exist (on Linux niceness is per thread and new threads and forked processes inherit
it): a GUI at normal priority then gets a core whenever it needs one, and the trainer has the
rest. The child ignores
Ctrl+C (the parent decides when it ends) and imports only NumPy and nncore, never Qt.

This module imports nothing but the standard library at the top, so that the child's niceness is
set before NumPy starts its BLAS threads.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from typing import TYPE_CHECKING, Iterator, NamedTuple

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from .experiment import MnistUpdate
    from .settings import Settings

COMPUTE_THREADS = 2
"""run_mnist's compute_threads in the child: two groups, each in a process the child forks, on
both cores; the GUI is protected by priority, not by an idle core."""
NICENESS = 10
"""How much the child lowers its priority (added to the parent's niceness; POSIX only)."""
EXIT_TIMEOUT = 3.0
"""Seconds :meth:`TrainingProcess.close` waits for the child to exit before killing it."""
NOT_ENOUGH_MEMORY = "not enough memory for this network and batch size"


class Preload(NamedTuple):
    """Request: load the dataset in ``data_dir`` (None: the bundled MNIST) into the child's cache."""

    data_dir: str | None


class TrainingFailed(Exception):
    """A run could not be trained; the message says why in words for the user."""


class TrainingProcess:
    """A child process that trains MNIST runs for this process, one at a time.

    ``train`` is meant to be called from one thread (e.g. a worker thread); ``request_stop`` and
    ``kill`` may be called from any thread. ``close`` ends the child; the next ``train`` would
    start a new one.
    """

    def __init__(self, min_interval: float = 1.0 / 30.0, compute_threads: int = COMPUTE_THREADS,
                 niceness: int = NICENESS) -> None:
        """``min_interval``: least seconds between two updates of a run (run_mnist's);
        ``compute_threads``: run_mnist's threads in the child; ``niceness``: os.nice increment."""
        self._context = multiprocessing.get_context("spawn")
        self._stop = self._context.Event()
        self._options = (min_interval, compute_threads, niceness)
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()  # guards _process between train/close and kill

    @property
    def pid(self) -> int | None:
        """The child's process id, or None while there is no child."""
        process = self._process
        return None if process is None else process.pid

    def is_alive(self) -> bool:
        """True while a child process is running."""
        process = self._process
        return process is not None and process.is_alive()

    @property
    def sentinel(self) -> int | None:
        """A file descriptor that becomes readable when the child ends (None: no child)."""
        process = self._process
        return None if process is None else process.sentinel

    def reap(self) -> bool:
        """Collect a child that ended between runs (no zombie left); True if there was one.

        Call it only while no run is under way: a run whose child dies reports that itself.
        """
        with self._lock:
            return self._forget_dead_child()

    def _forget_dead_child(self) -> bool:
        """With the lock held: if the child has ended, reap it and forget it (True)."""
        if self._process is None or self._process.is_alive():
            return False
        self._process.join()
        self._process.close()
        self._conn.close()
        self._process = self._conn = None
        return True

    def request_stop(self) -> None:
        """Ask the run under way (if any) to end at its next stop check. Returns at once."""
        self._stop.set()

    def prepare(self, data_dir: str | None = None) -> None:
        """Start the child now and have it load the dataset, so that the first run starts at once.

        Returns immediately (the child works at its lower priority). Call it from the thread
        that calls :meth:`train`, or before any run; a dataset that cannot be loaded is reported
        by the run that needs it.
        """
        conn = self._ensure_started()
        try:
            conn.send(Preload(data_dir))
        except (BrokenPipeError, ConnectionError, EOFError):
            pass  # the child is gone; the next run starts a new one and says so if it fails

    def train(self, settings: Settings, cancelled: threading.Event | None = None) -> Iterator[MnistUpdate]:
        """Train ``settings`` in the child; yield each MnistUpdate as it arrives.

        ``cancelled`` is the caller's own stop flag for this run: set it before calling
        :meth:`request_stop`, and a stop requested before the run reached the child is not
        lost (the shared stop event is cleared when a run starts). Raises
        :class:`TrainingFailed` with a message when the run fails or the child dies (the next
        call then starts a new child). Abandoning the iterator early stops the run and
        waits for the child to finish it, so the pipe is ready for the next run.
        """
        self._stop.clear()
        if cancelled is not None and cancelled.is_set():
            return
        conn = self._ensure_started()
        ended = False
        try:
            self._send(conn, settings)
            while True:
                kind, payload = self._receive(conn)
                if kind == "update":
                    yield payload
                elif kind == "failed":
                    ended = True
                    raise TrainingFailed(payload)
                else:
                    ended = True
                    return
        finally:
            if not ended and self.is_alive():
                self._drain(conn)

    def _drain(self, conn: Connection) -> None:
        """Stop the run in the child and read its messages up to the end of the run."""
        self._stop.set()
        try:
            while self._receive(conn)[0] == "update":
                pass
        except TrainingFailed:
            pass

    def _send(self, conn: Connection, message) -> None:
        try:
            conn.send(message)
        except (BrokenPipeError, ConnectionError, EOFError):
            raise TrainingFailed(self._died()) from None

    def _receive(self, conn: Connection) -> tuple[str, object]:
        """The child's next message; TrainingFailed if the child died (blocking recv releases
        the GIL)."""
        try:
            return conn.recv()
        except (EOFError, ConnectionError, OSError):
            raise TrainingFailed(self._died()) from None

    def _died(self) -> str:
        """Reap the dead child and describe how it ended."""
        with self._lock:
            process, self._process = self._process, None
            conn, self._conn = self._conn, None
        code = None
        if process is not None:
            process.join(EXIT_TIMEOUT)
            code = process.exitcode
            if code is None:  # the pipe broke but the process lives on: end it
                process.kill()
                process.join()
            process.close()
        if conn is not None:
            conn.close()
        if code is not None and code < 0:
            how = f"killed by signal {signal.Signals(-code).name}"
        elif code is not None:
            how = f"exit code {code}"
        else:
            how = "its connection broke"
        return (f"the training process ended unexpectedly ({how}); "
                "the run stopped here, and the next run starts a new training process")

    def _ensure_started(self) -> Connection:
        """The pipe to a running child, starting the child if there is none (or it died)."""
        with self._lock:
            self._forget_dead_child()
            if self._process is None:
                parent_end, child_end = self._context.Pipe()
                process = self._context.Process(
                    target=_serve, args=(child_end, self._stop, *self._options),
                    name="optimizer-lab-trainer", daemon=True)
                process.start()
                child_end.close()  # only the child holds it now: its death gives EOF on recv
                self._process, self._conn = process, parent_end
            return self._conn

    def kill(self) -> None:
        """Kill the child at once (last resort: the run under way fails with a message)."""
        with self._lock:
            if self._process is not None and self._process.is_alive():
                self._process.kill()

    def close(self, timeout: float = EXIT_TIMEOUT) -> None:
        """Stop any run, tell the child to exit and wait up to ``timeout`` s, then kill it.

        Call it when no thread is inside :meth:`train` (e.g. after the worker thread ended).
        """
        self._stop.set()
        with self._lock:
            process, self._process = self._process, None
            conn, self._conn = self._conn, None
        if process is None:
            return
        try:
            conn.send(None)
        except (BrokenPipeError, ConnectionError, EOFError):
            pass  # already gone
        process.join(timeout)
        if process.exitcode is None:
            process.kill()
            process.join()
        process.close()
        conn.close()


def _lower_priority(niceness: int) -> None:
    """Add ``niceness`` to this process's niceness, for every thread it has and will have.

    On Linux niceness belongs to each thread and new threads inherit the creator's, so calling
    this before NumPy is imported covers its BLAS threads and run_mnist's compute threads. Threads
    that already exist (e.g. a ``__main__`` module re-imported by "spawn" that imports NumPy)
    are lowered too, through /proc/self/task.
    """
    if not niceness or not hasattr(os, "nice"):
        return
    target = os.nice(niceness)
    tasks = "/proc/self/task"
    for tid in (os.listdir(tasks) if os.path.isdir(tasks) else ()):
        try:
            os.setpriority(os.PRIO_PROCESS, int(tid), target)
        except OSError:
            pass  # the thread has ended meanwhile


def _serve(conn: Connection, stop, min_interval: float, compute_threads: int, niceness: int) -> None:
    """The child's main function: train the runs the parent sends until it sends None or goes."""
    _lower_priority(niceness)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .data import load_mnist  # noqa: PLC0415 - deliberately after os.nice
    from .experiment import run_mnist  # noqa: PLC0415

    datasets: dict[str | None, tuple] = {}

    def dataset(directory: str | None) -> tuple:
        if directory not in datasets:
            datasets[directory] = load_mnist(directory)
        return datasets[directory]

    try:
        while (settings := conn.recv()) is not None:
            if isinstance(settings, Preload):
                try:
                    dataset(settings.data_dir)
                except (ValueError, OSError, MemoryError):
                    pass  # the run that needs this dataset reports the problem
                continue
            outcome = ("done", None)
            try:
                if not stop.is_set():
                    for update in run_mnist(settings, dataset(settings.mnist.data_dir), stop=stop.is_set,
                                            min_interval=min_interval,
                                            compute_threads=compute_threads):
                        conn.send(("update", update))
            except ConnectionError:
                raise
            except (ValueError, OSError) as error:  # DatasetError is a ValueError
                outcome = ("failed", str(error))
            except MemoryError:
                outcome = ("failed", NOT_ENOUGH_MEMORY)
            conn.send(outcome)
    except (EOFError, ConnectionError):
        pass  # the parent is gone: nothing left to do
    finally:
        conn.close()
