"""Work done in a forked child process, its results streamed back through a pipe.

:func:`nncore.experiment.run_mnist` trains one group of networks per core. As threads of one
process the groups shared a GIL: every NumPy call returns to Python and must take the GIL back,
and on a busy machine the thread that should take it is often not running, so two threads
trained barely faster than one (on a loaded 2-core machine, slower). A forked child has its
own interpreter: it starts in milliseconds, with the parent's memory (the dataset, the group's
networks) shared copy-on-write, so nothing is sent to it, and its results come back as small
pickled messages.

Fork is used only where it is the platform's usual way to start a process and the parent is
free of threads that could hold a lock at the fork: on Linux, from a Qt-free process (the
headless run before it draws its figures, the window's training process). Elsewhere callers
keep the work in their own process (:data:`FORK_AVAILABLE`).
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from typing import Callable, Iterable

FORK_AVAILABLE = sys.platform.startswith("linux")
"""Whether :class:`ForkedProducer` can be used here."""

EXIT_TIMEOUT = 2.0
"""Seconds :meth:`ForkedProducer.close` waits for the child to end before killing it."""
_REAP_INTERVAL = 0.002
"""Seconds between two looks at whether the child has ended, while waiting for it."""


class ForkedProducer:
    """Iterates ``produce()`` in a forked child process; :meth:`receive` returns its items in order.

    The child ignores SIGINT and SIGTERM (Ctrl+C reaches the whole process group; the parent
    decides when it ends), sends each item as soon as it is produced, and ends when the iterator ends, when ``produce`` raises (the exception is
    raised again by :meth:`receive`) or when the parent closes the pipe. A child that dies
    makes :meth:`receive` raise :class:`ChildProcessError` (an ``OSError``) with its exit code.
    """

    _END = "end"
    _ITEM = "item"
    _ERROR = "error"

    def __init__(self, produce: Callable[[], Iterable[object]]) -> None:
        self._conn, child_end = multiprocessing.Pipe(duplex=False)
        for stream in (sys.stdout, sys.stderr):  # or the child would write their buffers again
            if stream is not None:
                stream.flush()
        # os.fork rather than multiprocessing.Process: the caller may itself be a daemonic
        # multiprocessing child (the window's training process), which may not have children.
        self._pid: int | None = os.fork()
        if self._pid == 0:
            code = 1
            try:
                _serve(produce, child_end, self._conn)
                code = 0
            finally:
                os._exit(code)
        child_end.close()  # only the child writes: its death gives EOF here
        self._exit_code: int | None = None
        self.finished = False
        """True once the child's iterator has ended (every item received)."""

    @property
    def pid(self) -> int | None:
        """The child's process id; None once it has been reaped."""
        return self._pid

    def fileno(self) -> int:
        """The pipe's file descriptor: readable when :meth:`receive` would not wait (so
        ``multiprocessing.connection.wait`` can wait on several producers at once)."""
        return self._conn.fileno()

    def poll(self) -> bool:
        """True when :meth:`receive` would return (or raise) without waiting."""
        return not self.finished and self._conn.poll()

    def receive(self) -> object:
        """The child's next item (waiting for it); raises what ``produce`` raised, or
        ChildProcessError if the child died. Call only while :attr:`finished` is False."""
        try:
            kind, payload = self._conn.recv()
        except (EOFError, OSError):
            self._wait(EXIT_TIMEOUT)
            raise ChildProcessError(f"a training process ended unexpectedly (exit status "
                                    f"{self._exit_code})") from None
        if kind == self._ITEM:
            return payload
        self.finished = True
        if kind == self._ERROR:
            raise payload
        return None

    def _wait(self, timeout: float) -> bool:
        """Reap the child if it ends within ``timeout`` seconds; True if it has been reaped."""
        deadline = time.monotonic() + timeout
        while self._pid is not None:
            pid, status = os.waitpid(self._pid, os.WNOHANG)
            if pid:
                self._pid, self._exit_code = None, os.waitstatus_to_exitcode(status)
            elif time.monotonic() >= deadline:
                return False
            else:
                time.sleep(_REAP_INTERVAL)
        return True

    def close(self) -> None:
        """End the child: close the pipe (its next send fails and it exits), wait, then kill."""
        self._conn.close()
        if not self._wait(EXIT_TIMEOUT):
            os.kill(self._pid, signal.SIGKILL)
            self._wait(EXIT_TIMEOUT)


def _serve(produce: Callable[[], Iterable[object]], conn, parent_end) -> None:
    """The child: send every item of ``produce()``, then the end or the exception."""
    parent_end.close()  # the parent's copy of the reading end: without it, EOF tells of its death
    for number in (signal.SIGINT, signal.SIGTERM):  # sent to the whole process group: the
        signal.signal(number, signal.SIG_IGN)       # parent handles it and closes the pipe
    try:
        try:
            for item in produce():
                conn.send((ForkedProducer._ITEM, item))
        except (BrokenPipeError, ConnectionError):
            return  # the parent closed the pipe or died: nobody wants the rest
        except BaseException as error:  # noqa: BLE001 - handed to the parent, which raises it
            conn.send((ForkedProducer._ERROR, _picklable(error)))
            return
        conn.send((ForkedProducer._END, None))
    except (BrokenPipeError, ConnectionError):
        pass
    finally:
        conn.close()


def _picklable(error: BaseException) -> BaseException:
    """``error`` if it survives pickling, else a RuntimeError with its text."""
    import pickle  # noqa: PLC0415 - only on this rare path

    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any failure to pickle
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error
