"""Is the window responsive while it trains? Runs the book's full comparison in the window.

Opens the main window (offscreen unless QT_QPA_PLATFORM says otherwise) at 1366 x 768 with the
book's settings (4 optimizers, 2D paths + 2000 MNIST iterations, or --iterations N), presses
Start, and meanwhile ticks a 10 ms QTimer on the GUI thread. Prints:

- the longest gap between two ticks (the event loop's worst stall; must stay under 100 ms),
  and the 99th percentile gap;
- the panel frame rate: how often the loss panel received new data (set_history calls per
  second) and how often its plot was actually repainted (paint events per second);
- the training time and iterations per second as the window saw them, and the same training
  without a window (run_mnist called directly, as the worker calls it): the window's cost.

Usage: python bench/gui_responsiveness.py [--iterations N]
Uses a temporary QSettings location, so it never touches the user's saved session.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.main_window import MainWindow  # noqa: E402
from nncore.settings import Settings  # noqa: E402

TICK_MS = 10
GAP_LIMIT_MS = 100.0


class PaintCounter(QObject):
    """Counts the paint events of the widget it filters."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000, help="MNIST iterations (2000)")
    args = parser.parse_args()

    app = QApplication(sys.argv[:1])
    folder = tempfile.mkdtemp(prefix="optimizer-lab-bench-")
    store = QSettings(os.path.join(folder, "session.ini"), QSettings.Format.IniFormat)
    book = Settings()
    settings = dataclasses.replace(book, mnist=dataclasses.replace(book.mnist, iterations=args.iterations))
    window = MainWindow(settings, store)
    window.show_dialogs = False
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
    window.runFinished.connect(lambda completed: app.quit())

    def start() -> None:
        ticks.append(time.perf_counter())
        ticker.start()
        if not window.start():
            app.quit()

    QTimer.singleShot(200, start)  # let the window lay itself out first
    app.exec()
    ticker.stop()
    window.close()
    if errors:
        print("run failed:", *errors, sep="\n  ")
        return 1

    duration = ticks[-1] - ticks[0]
    gaps_ms = [1000 * (b - a) for a, b in zip(ticks, ticks[1:])]
    gaps_ms.sort()
    history = window.history
    print(f"run: {history.completed} iterations x {len(history.names)} optimizers in "
          f"{history.elapsed:.2f} s of training ({history.completed / history.elapsed:.0f} it/s); "
          f"{duration:.2f} s from Start to finish")
    print(f"event loop: {len(gaps_ms)} ticks of a {TICK_MS} ms timer; longest gap "
          f"{gaps_ms[-1]:.1f} ms, 99th percentile {gaps_ms[int(0.99 * (len(gaps_ms) - 1))]:.1f} ms "
          f"({'OK' if gaps_ms[-1] < GAP_LIMIT_MS else 'TOO LONG'}: limit {GAP_LIMIT_MS:.0f} ms)")
    print(f"loss panel: new data {data_calls[0] / duration:.1f} times/s, "
          f"repainted {paints.count / duration:.1f} frames/s")
    baseline = training_without_window(settings)
    print(f"same training without a window: {baseline:.2f} s "
          f"(the window added {100 * (history.elapsed / baseline - 1):.0f} %)")
    return 0 if gaps_ms[-1] < GAP_LIMIT_MS else 1


def training_without_window(settings: Settings) -> float:
    """Seconds of training reported by run_mnist run directly, with the worker's arguments."""
    from gui.worker import FRAME_INTERVAL
    from nncore.data import load_mnist
    from nncore.experiment import run_mnist

    data = load_mnist(settings.mnist.data_dir)
    elapsed = 0.0
    for update in run_mnist(settings, data, stop=lambda: False, min_interval=FRAME_INTERVAL):
        elapsed = update.elapsed
    return elapsed


if __name__ == "__main__":
    sys.exit(main())
