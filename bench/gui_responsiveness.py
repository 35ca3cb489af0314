"""Is the window responsive while it trains? Runs the book's full comparison in the window.

Opens the main window (offscreen unless QT_QPA_PLATFORM says otherwise) at 1366 x 768 with the
book's settings (4 optimizers, 2D paths + 2000 MNIST iterations, or --iterations N), presses
Start, and meanwhile ticks a 10 ms QTimer on the GUI thread. Prints:

- the longest gap between two ticks (the event loop's worst stall; must stay under 100 ms),
  and the 99th percentile gap;
- the panel frame rate: how often the loss panel received new data (set_history calls per
  second) and how often its plot was actually repainted (paint events per second);
- the training time and iterations per second as the window saw them (training runs in the
  window's child process), and the training time of the same run headless (``main.py
  --headless`` in a new process): the window's run from Start to its end should take at most
  1.1x that;
- how long closing the window takes in the middle of a second run (the worker thread and the
  child process must be gone within a second), and the child's peak resident memory.

With ``--trace-stalls MS`` a thread samples the GUI thread's Python stack every 2 ms, and each
gap longer than MS is printed with what the GUI thread was doing then (the event loop's
callback, the innermost project and pyqtgraph functions; "Qt" when no Python ran).

Usage: python bench/gui_responsiveness.py [--iterations N] [--compute-threads N] [--trace-stalls MS]
Uses a temporary QSettings location, so it never touches the user's saved session.
Qt is imported inside main(): the training process is started with "spawn", which re-imports
this script in the child, and the child must stay free of Qt.
"""
from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections import Counter

TICK_MS = 10
GAP_LIMIT_MS = 100.0
CLOSE_LIMIT_S = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000, help="MNIST iterations (2000)")
    parser.add_argument("--compute-threads", type=int, default=None,
                        help="threads the training process uses (default: the app's)")
    parser.add_argument("--trace-stalls", type=float, default=None, metavar="MS",
                        help="show what the GUI thread did in each gap longer than MS")
    args = parser.parse_args()

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication
    from paint_counter import PaintCounter

    from gui.garbage_collection import collect_in_event_loop
    from gui.main_window import MainWindow
    from gui.worker import FRAME_INTERVAL
    from nncore.settings import Settings
    from nncore.training_process import COMPUTE_THREADS, NICENESS, TrainingProcess

    threads = args.compute_threads or COMPUTE_THREADS
    app = QApplication(sys.argv[:1])
    collect_in_event_loop()  # garbage collected as in the application (gui.app.run_app)
    folder = tempfile.mkdtemp(prefix="optimizer-lab-bench-")
    store = QSettings(os.path.join(folder, "session.ini"), QSettings.Format.IniFormat)
    book = Settings()
    settings = dataclasses.replace(book, mnist=dataclasses.replace(book.mnist, iterations=args.iterations))
    window = MainWindow(settings, store)
    window.show_dialogs = False
    if args.compute_threads:  # before the first run, so no child exists yet
        window.runner.trainer = window.runner.worker.trainer = TrainingProcess(
            FRAME_INTERVAL, compute_threads=threads)
    window.resize(1366, 768)
    window.show()

    ticks: list[float] = []
    ticker = QTimer()
    ticker.setInterval(TICK_MS)
    ticker.timeout.connect(lambda: ticks.append(time.perf_counter()))

    data_calls = [0]
    set_history = window.loss_panel.set_history

    def counted_set_history(history) -> None:
        data_calls[0] += 1
        set_history(history)

    window.loss_panel.set_history = counted_set_history
    paints = PaintCounter()
    window.loss_panel.plot_widget.viewport().installEventFilter(paints)
    errors: list[str] = []
    window.errorReported.connect(lambda title, message: errors.append(f"{title}: {message}"))
    loop = QEventLoop()  # not app.exec(): app.quit() would close the window
    window.runFinished.connect(loop.quit)

    sampler = StackSampler(threading.get_ident()) if args.trace_stalls else None

    def start() -> None:
        ticks.append(time.perf_counter())
        if sampler is not None:
            sampler.start()
        ticker.start()
        if not window.start():
            loop.quit()

    QTimer.singleShot(200, start)  # let the window lay itself out first
    loop.exec()
    ticks.append(time.perf_counter())  # the run's end handler is done: the last gap counts too
    ticker.stop()
    if sampler is not None:
        sampler.stop()
    window.runFinished.disconnect(loop.quit)
    if errors:
        window.close()
        print("run failed:", *errors, sep="\n  ")
        return 1
    history = window.history
    close_seconds = close_mid_run(window)

    duration = ticks[-1] - ticks[0]
    gaps_ms = [1000 * (b - a) for a, b in zip(ticks, ticks[1:])]
    gaps_ms.sort()
    print(f"training process: {threads} compute thread(s), niceness +{NICENESS}")
    print(f"run: {history.completed} iterations x {len(history.names)} optimizers in "
          f"{history.elapsed:.2f} s of training ({history.completed / history.elapsed:.0f} it/s); "
          f"{duration:.2f} s from Start to finish")
    print(f"event loop: {len(gaps_ms)} ticks of a {TICK_MS} ms timer; longest gap "
          f"{gaps_ms[-1]:.1f} ms, 99th percentile {gaps_ms[int(0.99 * (len(gaps_ms) - 1))]:.1f} ms "
          f"({'OK' if gaps_ms[-1] < GAP_LIMIT_MS else 'TOO LONG'}: limit {GAP_LIMIT_MS:.0f} ms)")
    print(f"loss panel: new data {data_calls[0] / duration:.1f} times/s, "
          f"repainted {paints.count / duration:.1f} frames/s")
    print(f"closing the window mid-run: {1000 * close_seconds:.0f} ms until the worker thread "
          f"and the training process were gone "
          f"({'OK' if close_seconds < CLOSE_LIMIT_S else 'TOO SLOW'}: limit {CLOSE_LIMIT_S:.0f} s); "
          f"children left: {len(multiprocessing.active_children())}")
    print(f"training process peak RSS: {peak_rss_of_children_mb():.0f} MB")
    if sampler is not None:
        sampler.report(ticks, args.trace_stalls)
    baseline = training_without_window(settings)
    print(f"same training headless (main.py --headless in a new process): {baseline:.2f} s; the "
          f"window's run from Start to its end took {duration / baseline:.2f}x that (target <= 1.1)")
    return 0 if gaps_ms[-1] < GAP_LIMIT_MS and close_seconds < CLOSE_LIMIT_S else 1


class StackSampler:
    """Samples one thread's Python stack every INTERVAL seconds from a daemon thread of its own."""

    INTERVAL = 0.002
    MARKERS = ("/gui/", "/nncore/", "/pyqtgraph/")
    """Where the reported innermost frames come from (the project's code and pyqtgraph's)."""

    def __init__(self, thread_id: int) -> None:
        self.thread_id = thread_id
        self.samples: list[tuple[float, list[str]]] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="stack-sampler")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stopped.wait(self.INTERVAL):
            frame = sys._current_frames().get(self.thread_id)
            stack = []
            while frame is not None:
                code = frame.f_code
                stack.append(f"{os.path.relpath(code.co_filename)}:{code.co_name}")
                frame = frame.f_back
            self.samples.append((time.perf_counter(), stack[::-1]))  # outermost first

    def _describe(self, stack: list[str]) -> str:
        """The event loop's callback (the frame after ``exec``) and the innermost frames of the
        project and of pyqtgraph; "Qt" when no Python ran."""
        outer = [i for i, name in enumerate(stack) if name.endswith(":main")]
        called = stack[outer[-1] + 1:] if outer else stack
        called = [name for name in called if not name.endswith(":_run")]
        if not called:
            return "Qt (no Python)"
        inner = [name for name in called if any(marker in name for marker in self.MARKERS)]
        return " > ".join(dict.fromkeys([called[0], *inner[-2:]]))

    def report(self, ticks: list[float], limit_ms: float) -> None:
        """Print each gap between ``ticks`` longer than ``limit_ms`` with its samples."""
        print(f"stalls over {limit_ms:g} ms (samples every {1000 * self.INTERVAL:g} ms):")
        for start, end in zip(ticks, ticks[1:]):
            if 1000 * (end - start) <= limit_ms:
                continue
            inside = Counter(self._describe(stack) for at, stack in self.samples if start <= at <= end)
            print(f"  {1000 * (end - start):6.1f} ms at {start - ticks[0]:6.2f} s:")
            for what, count in inside.most_common(4):
                print(f"      {count * 1000 * self.INTERVAL:5.0f} ms  {what}")


def close_mid_run(window) -> float:
    """Start a second run, close the window once it has trained a little; seconds close() took."""
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()
    window.runner.mnistUpdated.connect(loop.quit)
    window.start()
    loop.exec()
    started = time.perf_counter()
    window.close()
    seconds = time.perf_counter() - started
    assert not window.runner.is_alive()
    return seconds


def peak_rss_of_children_mb() -> float:
    """Largest peak resident memory of the ended child processes, in MB (Linux: ru_maxrss in KiB)."""
    import resource
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def training_without_window(settings) -> float:
    """Seconds of training of the same run headless (``main.py --headless --task mnist`` in a
    new process, as a user runs it; its run.json's training time)."""
    import json
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, "main.py", "--headless", "--task", "mnist", "--iterations",
                        str(settings.mnist.iterations), "--out", out], cwd=root, check=True,
                       stderr=subprocess.DEVNULL)
        with open(os.path.join(out, "run.json")) as run:
            return json.load(run)["timing"]["mnist_training_seconds"]


if __name__ == "__main__":
    sys.exit(main())
