"""The ``--headless`` run: the chosen experiments without a window, progress on stderr, and the
results as files in one folder.

Files written into the output folder:

- ``run.json``, ``losses.csv``, ``accuracy.csv``, ``paths.csv``: see :mod:`nncore.results`.
- ``paths.png`` (1600 x 1000 px): the 2D panel of the window (contours, minima, start, paths).
- ``losses.png`` (1600 x 800 px): the window's loss panel and accuracy panel side by side.

With ``--task paths`` the MNIST files (``losses.csv``, ``accuracy.csv``, ``losses.png``) are
not written, with ``--task mnist`` the 2D files (``paths.csv``, ``paths.png``); a copy left in
the folder by an earlier run is removed so the folder never mixes two runs, and a line on stderr
says so. The PNGs are drawn by the window's own panel classes on Qt's "offscreen" platform
(unless ``QT_QPA_PLATFORM`` names another platform), so no display is needed; their pixel size is the
figure size times the screen's device pixel ratio (1 offscreen).

Exit status: 0 done; 2 bad settings, missing or corrupt dataset, or an output folder that cannot
be written (checked before anything runs); 1 a result file could not be written after the run;
130 interrupted with Ctrl+C (the iterations finished so far are still written).
"""
from __future__ import annotations

import importlib
import math
import os
import sys
import threading
from pathlib import Path
from typing import TextIO

from nncore.cli import report_error
from nncore.data import load_mnist
from nncore.experiment import MnistHistory, run_mnist, run_paths
from nncore.functions import get_function
from nncore.paths import PathResult
from nncore.results import ExportError, prepare_directory, remove_files, write_run
from nncore.settings import Settings

PATHS_PNG = "paths.png"
LOSSES_PNG = "losses.png"
PATHS_FIGURE_SIZE = (1600, 1000)
LOSSES_FIGURE_SIZE = (1600, 800)
"""Figure sizes in logical pixels (width, height)."""

UPDATE_INTERVAL = 0.1
"""Seconds between progress updates from the MNIST run."""

FIGURE_MODULES = ("PySide6.QtWidgets", "pyqtgraph", "gui.export", "gui.loss_panel", "gui.path_panel")
"""What drawing the figures imports (about 0.4 s of CPU, most of it PySide6 and pyqtgraph)."""

WRITE_FAILED_STATUS = 1
INTERRUPTED_STATUS = 130


class Progress:
    """Progress of the MNIST run on a text stream.

    On a terminal one line is redrawn in place: a bar, iterations done / total, iterations per
    second and the time left. Otherwise (a pipe or a log file) a plain line is written at every
    ``line_fraction`` of the run and at least every ``line_seconds`` seconds.
    """

    BAR_WIDTH = 30

    def __init__(self, total: int, stream: TextIO, tty: bool | None = None,
                 line_fraction: float = 0.1, line_seconds: float = 10.0) -> None:
        self.total = total
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.line_step = max(1, math.ceil(total * line_fraction))
        self.line_seconds = line_seconds
        self._next_line = self.line_step
        self._last_line_time = 0.0
        self._last_line_done: int | None = None

    @staticmethod
    def _rate(done: int, elapsed: float) -> float:
        """Iterations per second (0 before any time has passed)."""
        return done / elapsed if elapsed > 0 else 0.0

    def _bar(self, done: int, elapsed: float) -> str:
        filled = self.BAR_WIDTH * done // max(self.total, 1)
        rate = self._rate(done, elapsed)
        left = f"{(self.total - done) / rate:5.1f} s left" if rate else "        "
        return (f"\rMNIST [{'#' * filled}{'-' * (self.BAR_WIDTH - filled)}] "
                f"{done:>{len(str(self.total))}}/{self.total}  {rate:6.0f} it/s  {left}")

    def _line(self, done: int, elapsed: float) -> str:
        return (f"MNIST: {done}/{self.total} iterations ({100 * done / max(self.total, 1):.0f} %), "
                f"{self._rate(done, elapsed):.0f} it/s, {elapsed:.1f} s\n")

    def update(self, done: int, elapsed: float) -> None:
        """Report ``done`` iterations after ``elapsed`` seconds of training."""
        if self.tty:
            self.stream.write(self._bar(done, elapsed))
        elif done >= self._next_line or elapsed - self._last_line_time >= self.line_seconds:
            self._write_line(done, elapsed)
        else:
            return
        self.stream.flush()

    def _write_line(self, done: int, elapsed: float) -> None:
        self.stream.write(self._line(done, elapsed))
        self._next_line = (done // self.line_step + 1) * self.line_step
        self._last_line_time = elapsed
        self._last_line_done = done

    def finish(self, done: int, elapsed: float, interrupted: bool = False) -> None:
        """End the progress display with a final line."""
        if self.tty:
            self.stream.write(self._bar(done, elapsed) + "\n")
        elif done != self._last_line_done:
            self._write_line(done, elapsed)
        if interrupted:
            self.stream.write(f"MNIST: interrupted after {done} of {self.total} iterations\n")
        self.stream.flush()


def train(settings: Settings, data, stream: TextIO) -> tuple[MnistHistory, bool]:
    """Run the MNIST comparison with progress on ``stream``.

    Returns the history and whether Ctrl+C interrupted it (the history then holds the iterations
    reported before the interruption).
    """
    history = MnistHistory(tuple(settings.optimizers), settings.mnist.iterations)
    progress = Progress(settings.mnist.iterations, stream)
    interrupted = False
    importing: threading.Thread | None = None
    try:
        for update in run_mnist(settings, data, stop=None, min_interval=UPDATE_INTERVAL,
                                compute_threads=min(2, os.cpu_count() or 1)):  # no GUI: all cores
            history.apply(update)
            progress.update(history.completed, history.elapsed)
            if importing is None:  # the training processes are forked now: threads are safe
                importing = import_in_background(FIGURE_MODULES)
    except KeyboardInterrupt:
        interrupted = True
    except ChildProcessError as error:  # a training process was killed (e.g. out of memory)
        stream.write(f"MNIST: {error}\n")
        interrupted = True
    progress.finish(history.completed, history.elapsed, interrupted)
    return history, interrupted


def import_in_background(modules: tuple[str, ...]) -> threading.Thread:
    """Import ``modules`` on a daemon thread (started here) and return it.

    Called while the MNIST groups train in their own processes: this process only waits for
    their results then, so the import shares the cores with them instead of taking its own
    time after the run. An import that fails here fails again, with its message, where the
    module is used.
    """
    def run() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - reported by the import where it is needed
                return

    thread = threading.Thread(target=run, name="import-figures", daemon=True)
    thread.start()
    return thread


def _name_width(names) -> int:
    return max((len(name) for name in names), default=0)


def describe_paths(settings: Settings, paths: dict[str, PathResult]) -> list[str]:
    """Summary lines: where each 2D path ended and its function value, or why it diverged."""
    function = get_function(settings.paths.function)
    x, y = settings.paths.start
    lines = [f"2D paths on {function.key} ({function.formula}) from ({x:g}, {y:g}), "
             f"{settings.paths.steps} steps:"]
    width = _name_width(paths)
    for name, result in paths.items():
        end_x, end_y = result.points[-1]
        if result.diverged_at is None:
            lines.append(f"  {name:<{width}}  ends at ({end_x:.4g}, {end_y:.4g}), "
                         f"f = {float(function.f(end_x, end_y)):.4g}")
        else:
            lines.append(f"  {name:<{width}}  diverged at step {result.diverged_at}: {result.reason}")
    return lines


def describe_mnist(history: MnistHistory) -> list[str]:
    """Summary lines: each optimizer's last loss and test accuracy, or why it diverged."""
    lines = [f"MNIST after {history.completed} of {history.total} iterations "
             f"({history.elapsed:.1f} s of training):"]
    width = _name_width(history.names)
    for name in history.names:
        divergence = history.diverged.get(name)
        if divergence is not None:
            lines.append(f"  {name:<{width}}  diverged at iteration {divergence.iteration}: "
                         f"{divergence.reason}")
            continue
        text = f"  {name:<{width}}"
        if history.completed:
            text += f"  loss {history.losses[name][history.completed - 1]:.4f}"
        if history.accuracies[name]:
            iteration, accuracy = history.accuracies[name][-1]
            text += f"  test accuracy {100 * accuracy:.2f} % (iteration {iteration})"
        lines.append(text)
    return lines


def render_figures(directory: Path, settings: Settings, paths: dict[str, PathResult] | None,
                   history: MnistHistory | None) -> list[Path]:
    """Draw ``paths.png`` / ``losses.png`` with the window's panels; return the files written.

    Creates an offscreen QApplication if none exists. Raises ExportError if a file cannot be written.
    """
    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "optimizer-lab"])
    written = []
    if paths is not None:
        written.append(_render(_paths_figure(settings, paths), directory / PATHS_PNG,
                               PATHS_FIGURE_SIZE, app))
    if history is not None:
        written.append(_render(_losses_figure(history), directory / LOSSES_PNG,
                               LOSSES_FIGURE_SIZE, app))
    return written


def _paths_figure(settings: Settings, paths: dict[str, PathResult]):
    from .path_panel import PathPanel

    panel = PathPanel()
    panel.set_function(settings.paths.function)
    panel.set_start(*settings.paths.start)
    panel.set_paths(paths)
    return panel


def _losses_figure(history: MnistHistory):
    """The loss panel (wider) and the accuracy panel side by side on a white background."""
    from PySide6.QtWidgets import QHBoxLayout, QWidget

    from . import style
    from .loss_panel import AccuracyPanel, LossPanel

    figure = QWidget()
    figure.setStyleSheet(f"background-color: {style.BACKGROUND}; color: {style.FOREGROUND};")
    layout = QHBoxLayout(figure)
    layout.setContentsMargins(8, 8, 8, 8)
    layout.setSpacing(12)
    losses = LossPanel()
    losses.set_options_visible(False)  # a figure for slides: no smoothing/log-y controls
    for panel, stretch in ((losses, 3), (AccuracyPanel(), 2)):
        panel.set_history(history)
        layout.addWidget(panel, stretch)
    return figure


def _render(widget, path: Path, size: tuple[int, int], app) -> Path:
    """Lay ``widget`` out at ``size`` and save it as PNG at ``path``.

    The widget is never shown: ``QWidget.grab`` polishes and lays out a hidden widget itself and
    gives the same pixels, without creating a platform window (which the offscreen platform
    answers with a warning on stderr).
    """
    from .export import save_widget_png

    widget.resize(*size)
    app.processEvents()
    return save_widget_png(widget, path)


def run_headless(settings: Settings, out_dir: Path | str, stream: TextIO | None = None) -> int:
    """Run the experiments of ``settings.task``, write every result file into ``out_dir`` and
    return the exit status (see the module docstring). Messages go to ``stream`` (stderr)."""
    stream = sys.stderr if stream is None else stream
    runs_paths = settings.task in ("both", "paths")
    runs_mnist = settings.task in ("both", "mnist")
    try:
        settings.validate()
        directory = prepare_directory(out_dir)
        data = load_mnist(settings.mnist.data_dir) if runs_mnist else None
    except (ValueError, ExportError) as error:  # DatasetError is a ValueError
        return report_error(error, stream)

    paths = run_paths(settings) if runs_paths else None
    if paths is not None:
        print("\n".join(describe_paths(settings, paths)), file=stream)
    history, interrupted = train(settings, data, stream) if runs_mnist else (None, False)
    if history is not None:
        print("\n".join(describe_mnist(history)), file=stream)

    try:
        written = write_run(directory, settings, paths, history)
        skipped = [PATHS_PNG] if paths is None else [LOSSES_PNG] if history is None else []
        remove_files(directory, skipped)
        written += render_figures(directory, settings, paths, history)
    except ExportError as error:
        report_error(error, stream)
        return WRITE_FAILED_STATUS
    if not runs_mnist:
        print("MNIST task not run (--task paths): no losses.csv, accuracy.csv or losses.png",
              file=stream)
    if not runs_paths:
        print("2D task not run (--task mnist): no paths.csv or paths.png", file=stream)
    print(f"Wrote {', '.join(path.name for path in written)} to {directory}", file=stream)
    return INTERRUPTED_STATUS if interrupted else 0
