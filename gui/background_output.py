"""The end of a headless run, done at once by all cores: run.json and the CSVs written by a
forked copy of the process, the PNGs encoded on a thread, while the main thread draws."""
from __future__ import annotations

import threading
from pathlib import Path

from nncore.files import ExportError
from nncore.forked import FORK_AVAILABLE, ForkedProducer
from nncore.results import write_run
from nncore.settings import Settings


class BackgroundSave:
    """Images being encoded and written as files on a thread of its own (Qt encodes without
    the GIL, so the calling thread can meanwhile write the other files)."""

    def __init__(self, images: list[tuple[object, Path]]) -> None:
        self._written: list[Path] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._save, args=(images,), name="save-figures")
        self._thread.start()

    def _save(self, images) -> None:
        from .export import save_image

        try:
            for image, path in images:
                self._written.append(save_image(image, path))
        except BaseException as error:  # noqa: BLE001 - raised again by result()
            self._error = error

    def wait(self) -> None:
        """Wait until the thread has ended (written every image or failed)."""
        self._thread.join()

    def result(self) -> list[Path]:
        """The files written, once all are; raises what saving raised (ExportError)."""
        self.wait()
        if self._error is not None:
            raise self._error
        return self._written


class BackgroundFiles:
    """run.json and the CSVs being written into ``staging`` by a forked copy of this process,
    while this one draws the figures (after training both cores are free). The copy shares the
    run's data copy-on-write: only the list of files written (or the error) comes back.

    Forked only where fork is the usual way to start a process and this process runs no other
    Python thread (which could hold a lock the copy needs); otherwise :meth:`result` writes the
    files itself. The copy never touches Qt, and ignores SIGINT and SIGTERM like the training
    processes (:class:`nncore.forked.ForkedProducer`)."""

    def __init__(self, staging: Path, settings: Settings, paths, history, clouds) -> None:
        self._job = (staging, settings, paths, history, clouds)
        self._producer = (ForkedProducer(lambda: iter([write_run(*self._job)]))
                          if FORK_AVAILABLE and threading.active_count() == 1 else None)

    def result(self) -> list[Path]:
        """The files written, once all are; raises ExportError if they could not be."""
        if self._producer is None:
            return write_run(*self._job)
        try:
            return self._producer.receive()  # the copy's ExportError is raised here
        except ChildProcessError:
            raise ExportError(self._job[0], "the process writing run.json and the CSVs ended "
                                            "unexpectedly") from None
        finally:
            self.wait()

    def wait(self) -> None:
        """Wait until the copy has ended (it ends once it has written the files or failed)."""
        if self._producer is not None:
            self._producer.close()
