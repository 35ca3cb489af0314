"""The ``--headless`` run: the chosen experiments without a window, progress on stderr, and the
results as files in one folder.

Files written into the output folder:

- ``run.json``, ``losses.csv``, ``accuracy.csv``, ``summary.csv``, ``paths.csv`` (and
  ``losses_repeats.csv`` with repeats): see :mod:`nncore.results`. The summary table (one line
  per entry, :mod:`nncore.summary`) is also printed on standard output at the end.
- ``paths.png`` (1600 x 1000 px): the 2D panel of the window (contours, minima, start, paths).
- ``losses.png`` (1600 x 800 px): the window's loss panel and accuracy panel side by side.

``--task map`` writes only ``map.csv`` and ``map.png`` (1400 x 1000 px), ``--task basins`` only
``basins.csv`` and ``basins.png`` (see :mod:`nncore.maps` and :func:`run_instrument`).

With ``--task paths`` the MNIST files (``losses.csv``, ``accuracy.csv``, ``losses.png``) are
not written, with ``--task mnist`` the 2D files (``paths.csv``, ``paths.png``); a copy left in
the folder by an earlier run is removed so the folder never mixes two runs, and a line on stderr
says so. The files are written into a hidden staging folder inside the output folder and moved
in together at the end (:mod:`nncore.output_folder`): a failed write leaves the previous run's
files as they were, and leftovers of a killed run are removed by the next one.

Before anything runs, the run is checked against the machine: the batch against the training
set, the estimated memory against what is available, the expected size of the files against
the free disk space (:mod:`nncore.run_requirements`).

Ctrl+C (SIGINT) and SIGTERM only set a flag (:mod:`gui.interrupts`): training stops after the
current iteration, the work done so far is written as usual, and the exit status is 130
(SIGINT) or 143 (SIGTERM); a second signal changes nothing.

The PNGs are drawn by the window's own panel classes on Qt's "offscreen" platform
(unless ``QT_QPA_PLATFORM`` names another platform), so no display is needed; their pixel size is the
figure size times the screen's device pixel ratio (1 offscreen).

Exit status: 0 done; 2 bad settings, missing or corrupt dataset, an output folder that cannot
be written, not enough memory or disk space (checked before anything runs); 1 a result file
could not be written after the run, or a training process was killed (the iterations done
are written); 130 / 143 interrupted by SIGINT / SIGTERM (the iterations
finished so far are still written).
"""
from __future__ import annotations

import importlib
import math
import os
import sys
import threading
from pathlib import Path
from typing import Callable, TextIO

from nncore.cli import InstrumentRequest, report_error
from nncore.data import load_mnist
from nncore.experiment import MnistHistory, row_names, run_clouds, run_mnist, run_paths
from nncore.files import (ACCURACY_CSV, LAYERS_CSV, LOSSES_CSV, LOSSES_REPEATS_CSV, PATHS_CSV, RUN_JSON,
                          SUMMARY_CSV, ExportError, prepare_directory)
from nncore.functions import get_function
from nncore.paths import PathResult
from nncore.output_folder import clean_stale, commit, discard, make_staging
from nncore.run_requirements import check_batch_fits, check_disk_space, check_memory
from nncore.settings import Settings

from .interrupts import Interrupts

PATHS_PNG = "paths.png"
LOSSES_PNG = "losses.png"
PATHS_FIGURE_SIZE = (1600, 1000)
LOSSES_FIGURE_SIZE = (1600, 800)
"""Figure sizes in logical pixels (width, height)."""

RESULT_FILES = (RUN_JSON, LOSSES_CSV, ACCURACY_CSV, LAYERS_CSV, PATHS_CSV, LOSSES_PNG, PATHS_PNG,
                LOSSES_REPEATS_CSV, SUMMARY_CSV)
"""Every file a run writes; a run removes those of them it does not write."""

UPDATE_INTERVAL = 0.1
"""Seconds between progress updates from the MNIST run."""

AFTER_TRAINING_MODULES = ("gui.background_output", "nncore.summary", "PySide6.QtWidgets", "pyqtgraph",
                          "gui.export", "gui.loss_panel", "gui.path_panel")
"""What writing the files and drawing the figures import (about 0.45 s of CPU, most of it PySide6
and pyqtgraph): imported while the groups train, not before (this module imports the rest)."""

WRITE_FAILED_STATUS = 1
TRAINING_FAILED_STATUS = 1
"""A training process was killed (e.g. out of memory): the iterations done are written."""


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


def train(settings: Settings, data, stream: TextIO,
          stop: Callable[[], bool] | None = None,
          while_training: Callable[[], None] | None = None) -> tuple[MnistHistory, bool]:
    """Run the MNIST comparison with progress on ``stream``.

    Returns the history and whether it ended early: ``stop()`` said so (checked between
    iterations) or a training process was killed (a line on ``stream`` says how); the history
    then holds the iterations done before that. ``while_training()`` is called once on this
    thread while the groups train, once the figure modules are imported (not at all if the
    run ends first).
    """
    history = MnistHistory(row_names(settings), settings.mnist.iterations)
    progress = Progress(settings.mnist.iterations, stream)
    importing: threading.Thread | None = None
    try:
        for update in run_mnist(settings, data, stop=stop, min_interval=UPDATE_INTERVAL,
                                compute_threads=min(2, os.cpu_count() or 1)):  # no GUI: all cores
            history.apply(update)
            progress.update(history.completed, history.elapsed)
            if importing is None:  # the training processes are forked now: threads are safe
                importing = import_in_background(AFTER_TRAINING_MODULES)
            elif while_training is not None and not importing.is_alive():
                while_training()
                while_training = None
    except ChildProcessError as error:  # a training process was killed (e.g. out of memory)
        stream.write(f"MNIST: {error}\n")
    if importing is not None:  # drawing needs them anyway; and BackgroundFiles forks only
        importing.join()       # a process without other Python threads
    interrupted = not history.finished
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
    function = get_function(settings.paths.function_key())
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
    """Summary lines: each optimizer's last loss and test accuracy (and whether it was found
    not learning), or why it diverged."""
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
        stall = history.not_learning.get(name)
        if stall is not None:
            text += f"  {stall.reason} (iteration {stall.iteration})"
        lines.append(text)
    return lines


def draw_figures(directory: Path, settings: Settings, paths: dict[str, PathResult] | None,
                 history: MnistHistory | None, prepared=None) -> list[tuple[object, Path]]:
    """The pictures of ``paths.png`` / ``losses.png`` (QImages, drawn with the window's panels on
    this thread, the QApplication's, which is created offscreen if there is none) with the paths
    in ``directory`` they are to be saved at. ``prepared``: what :func:`prepare_losses_figure` made
    beforehand for ``losses.png``, if it did."""
    app = offscreen_application()
    images = []
    if paths is not None:
        images.append((_drawn_once(_paths_figure(settings, paths), PATHS_FIGURE_SIZE, app),
                       directory / PATHS_PNG))
    if history is not None:
        images.append((_drawn_once(_losses_figure(history, settings, prepared), LOSSES_FIGURE_SIZE,
                                   app), directory / LOSSES_PNG))
    return images


def _drawn_once(figure, size: tuple[int, int], app):
    """:func:`_render`'s picture of ``figure``, whose Qt objects are then deleted at once.

    Left to the garbage collector, the figure's Python wrappers could be cleared while their Qt
    objects still exist: a later layout of those objects (in the caller's next event loop, e.g.
    another run in the same process) then calls pyqtgraph's Python methods on cleared objects."""
    import shiboken6

    try:
        return _render(figure, size, app)
    finally:
        shiboken6.delete(figure)


def offscreen_application():
    """The QApplication, created on the offscreen platform (no display needed) if there is none."""
    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "optimizer-lab"])


def _paths_figure(settings: Settings, paths: dict[str, PathResult]):
    from .path_panel import PathPanel

    from .style import run_colors

    panel = PathPanel()
    panel.set_colors(run_colors(settings))
    panel.set_function(settings.paths.function)
    panel.set_start(*settings.paths.start)
    panel.set_paths(paths)
    return panel


def losses_panels():
    """The empty figure of ``losses.png``: (figure widget, (loss panel, accuracy panel)), the
    loss panel (wider) and the accuracy panel side by side on a white background. Made in the
    thread of the QApplication (:func:`offscreen_application`), e.g. while the groups train
    (then :func:`show_history` gives it the run's curve items and legends early)."""
    from PySide6.QtWidgets import QHBoxLayout, QWidget

    from . import style
    from .loss_panel import AccuracyPanel, LossPanel

    figure = QWidget()
    figure.setStyleSheet(f"background-color: {style.BACKGROUND}; color: {style.FOREGROUND};")
    layout = QHBoxLayout(figure)
    layout.setContentsMargins(8, 8, 8, 8)
    layout.setSpacing(12)
    losses = LossPanel()  # curve items only for the run's entries, made when drawn
    losses.set_options_visible(False)  # a figure for slides: no smoothing/log-y controls
    accuracy = AccuracyPanel()
    layout.addWidget(losses, 3)
    layout.addWidget(accuracy, 2)
    return figure, (losses, accuracy)


def prepare_losses_figure(settings: Settings):
    """The figure of :func:`losses_panels` for a run of ``settings``, made before its data:
    its curve items and legends, laid out at LOSSES_FIGURE_SIZE (e.g. while the groups train).
    It shows an empty history, so the picture drawn later does not depend on how far training
    had come: the same pixels as a figure made from the final history."""
    app = offscreen_application()
    panels = losses_panels()
    show_history(panels, MnistHistory(row_names(settings), settings.mnist.iterations), settings)
    panels[0].resize(*LOSSES_FIGURE_SIZE)
    app.processEvents()
    # Drawn once now: Qt's caches (rasterised glyphs, the axes' pictures) are filled while the
    # groups train, and drawing the final figure takes 35-40 ms instead of 60-75.
    panels[0].grab()
    return panels


def show_history(panels, history: MnistHistory, settings: Settings) -> None:
    """Draw ``history`` in the figure of :func:`losses_panels` (``panels``): one curve per
    entry in its colour (the mean and a band with repeats)."""
    from nncore.results import history_groups

    from . import style

    groups, colors = history_groups(settings, history), style.run_colors(settings)
    for panel in panels[1]:
        if panel.groups != groups or panel.colors != colors:
            panel.set_entries(groups, colors)
        panel.set_history(history)  # after the entries: the curves are drawn once


def _losses_figure(history: MnistHistory, settings: Settings, panels=None):
    """The figure of :func:`losses_panels` showing ``history``: ``panels`` made beforehand by
    :func:`prepare_losses_figure`, or made by it now (the same way: the same pixels)."""
    panels = panels or prepare_losses_figure(settings)
    show_history(panels, history, settings)
    return panels[0]


def _render(widget, size: tuple[int, int], app):
    """Lay ``widget`` out at ``size`` and draw it into a QImage (size times the device pixel ratio).

    The widget is never shown: ``QWidget.grab`` polishes and lays out a hidden widget itself and
    gives the same pixels, without creating a platform window (which the offscreen platform
    answers with a warning on stderr).
    """
    widget.resize(*size)
    app.processEvents()
    return widget.grab().toImage()


def run_headless(settings: Settings, out_dir: Path | str, stream: TextIO | None = None,
                 interrupts: Interrupts | None = None,
                 instrument: InstrumentRequest | None = None, out: TextIO | None = None) -> int:
    """Run the experiments of ``settings.task`` (or the map ``instrument`` asks for), write every
    result file into ``out_dir`` and return the exit status (see the module docstring).
    Messages go to ``stream`` (stderr), the MNIST summary table to ``out`` (stdout).

    ``interrupts`` (active) notes SIGINT and SIGTERM; without one, run_headless installs its
    own for the duration of the run.
    """
    if interrupts is None:
        with Interrupts() as own:
            return run_headless(settings, out_dir, stream, own, instrument, out)
    stream = sys.stderr if stream is None else stream
    if instrument is not None:
        return run_instrument(settings, instrument, out_dir, stream)
    runs_paths = settings.task in ("both", "paths")
    runs_mnist = settings.task in ("both", "mnist")
    try:
        settings.validate()
        directory = prepare_directory(out_dir)
        clean_stale(directory, RESULT_FILES)
        check_disk_space(settings, directory)
        data = load_mnist(settings.mnist.data_dir) if runs_mnist else None
        if data is not None:
            (x_train, _), (x_test, _) = data
            check_batch_fits(settings.mnist.batch_size, len(x_train), settings.mnist.data_dir)
            check_memory(settings, x_train.shape[1], len(x_test))
    except (ValueError, ExportError) as error:  # DatasetError is a ValueError
        return report_error(error, stream)
    if interrupts.is_set():
        print(f"{interrupts.name} received before the run started: nothing written", file=stream)
        return interrupts.status

    paths = run_paths(settings) if runs_paths else None
    clouds = run_clouds(settings) if runs_paths else {}
    if paths is not None:
        print("\n".join(describe_paths(settings, paths)), file=stream)
    prepared = []

    def prepare_figure() -> None:  # the Qt part of drawing losses.png, while the groups train
        prepared.append(prepare_losses_figure(settings))

    history, ended_early = (train(settings, data, stream, stop=interrupts.is_set,
                                  while_training=prepare_figure) if runs_mnist else (None, False))
    if history is not None:
        print("\n".join(describe_mnist(history)), file=stream)
    if interrupts.is_set():
        print(f"{interrupts.name} received: writing the work done so far (further signals are "
              f"ignored until the files are written)", file=stream)

    try:
        written = write_results(directory, settings, paths, history, stream, clouds,
                                *prepared)
    except ExportError as error:
        report_error(error, stream)
        return WRITE_FAILED_STATUS
    if not runs_mnist:
        print("MNIST task not run (--task paths): no losses.csv, accuracy.csv, layers.csv, summary.csv "
              "or losses.png",
              file=stream)
    if not runs_paths:
        print("2D task not run (--task mnist): no paths.csv or paths.png", file=stream)
    print(f"Wrote {', '.join(path.name for path in written)} to {directory}", file=stream)
    if history is not None:
        from nncore.summary import summarize, summary_table
        print(summary_table(summarize(settings, history)), file=sys.stdout if out is None else out,
              flush=True)
    if ended_early and not interrupts.is_set():
        return TRAINING_FAILED_STATUS
    return interrupts.status


def write_results(directory: Path, settings: Settings, paths: dict[str, PathResult] | None,
                  history: MnistHistory | None, stream: TextIO,
                  clouds=None, prepared=None) -> list[Path]:
    """Write the run's files into a staging folder inside ``directory``, then move them in
    together, replacing the previous run's (see :mod:`nncore.output_folder`); the files of a
    task not run are removed. Returns the files written; ExportError leaves ``directory`` as it
    was. ``prepared``: see :func:`draw_figures`."""
    from .background_output import BackgroundFiles, BackgroundSave

    staging = make_staging(directory)
    files = saving = None
    try:
        # run.json and the CSVs are written by a forked copy of this process (see
        # BackgroundFiles) while this one draws the figures; a thread encodes the PNGs.
        files = BackgroundFiles(staging, settings, paths, history, clouds)
        print("Drawing the figures", file=stream, flush=True)
        saving = BackgroundSave(draw_figures(staging, settings, paths, history, prepared))
        written = files.result()
        written += saving.result()
        commit(staging, directory, RESULT_FILES)
    except BaseException:
        for job in (files, saving):
            if job is not None:
                job.wait()  # before removing the folder it writes in
        discard(staging)
        raise
    return [directory / path.name for path in written]


# ---- --task map and --task basins (issue 9) --------------------------------------------------

MAP_PNG = "map.png"
BASINS_PNG = "basins.png"
MAP_FIGURE_SIZE = (1400, 1000)


def run_instrument(settings: Settings, request: InstrumentRequest, out_dir: Path | str,
                   stream: TextIO) -> int:
    """``--task map``: map.csv and map.png; ``--task basins``: basins.csv and basins.png, for
    ``request.optimizer`` on the 2D settings. Returns the exit status (0, 1 or 2 as above)."""
    from nncore.maps import (basin_map, basins_csv, declared, default_axis, entry_values,
                             hyperparameter_map, map_csv, outcome_text)
    from nncore.files import write_text

    try:
        settings.validate()
        directory = prepare_directory(out_dir)
    except (ValueError, ExportError) as error:
        return report_error(error, stream)
    p = settings.paths
    function = get_function(p.function_key())
    values, schedule = entry_values(settings, request.optimizer)
    if request.task == "map":
        x = default_axis(declared(request.optimizer, request.x), values[request.x], request.size)
        y = None if request.y is None else default_axis(declared(request.optimizer, request.y),
                                                        values[request.y], request.size)
        result = hyperparameter_map(function, request.optimizer, values, p.start, p.steps, x, y,
                                    schedule)
        names, text = ("map.csv", MAP_PNG), map_csv(result)
        print(f"Map of {request.optimizer} on {function.key}: {result.diverged.size} runs of "
              f"{p.steps} steps, {100 * result.diverged.mean():.1f} % diverged", file=stream)
    else:
        result = basin_map(function, request.optimizer, values, p.steps, request.size, schedule)
        names, text = ("basins.csv", BASINS_PNG), basins_csv(result)
        shares = ", ".join(f"{outcome_text(kind)} {100 * share:.1f} %"
                           for kind, share in result.shares().items())
        print(f"Basins of {request.optimizer} on {function.key}: {shares}", file=stream)
    try:
        written = [write_text(directory / names[0], text)]
        written.append(_render_instrument(settings, request, result, directory / names[1]))
    except ExportError as error:
        report_error(error, stream)
        return WRITE_FAILED_STATUS
    print(f"Wrote {', '.join(path.name for path in written)} to {directory}", file=stream)
    return 0


def _render_instrument(settings: Settings, request: InstrumentRequest, result, path: Path) -> Path:
    """Draw a map or basin result with the window's panel (controls hidden) as a PNG."""
    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from nncore.maps import entry_values

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "optimizer-lab"])
    hyperparameters = {name: settings.hyperparameters("paths", name) for name in settings.optimizers}
    hyperparameters[request.optimizer], schedule = entry_values(settings, request.optimizer)
    schedules = {request.optimizer: schedule}
    if request.task == "map":
        from .map_panel import MapPanel
        panel = MapPanel()
        panel.set_choice(request.optimizer, request.x, request.y, request.size)
        panel.set_inputs(settings.paths.function_key(), settings.paths.start, settings.paths.steps,
                         hyperparameters, schedules)
        panel.show_map(result)
    else:
        from .basin_panel import BasinPanel
        panel = BasinPanel()
        panel.select_optimizer(request.optimizer)
        panel.set_inputs(settings.paths.function_key(), settings.paths.start, settings.paths.steps,
                         hyperparameters, schedules)
        panel.show_basins(result)
    panel.set_controls_visible(False)
    from .export import save_image

    return save_image(_render(panel, MAP_FIGURE_SIZE, app), path)
