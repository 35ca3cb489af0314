"""A finished (or stopped) run as files: ``run.json`` and CSV tables, each written atomically.

Files written by :func:`write_run` into one directory:

``run.json``
    Strict JSON (NaN is written as ``null``)::

        {"settings": {...Settings.to_dict(): every setting, per-optimizer hyperparameters...},
         "paths": {"function": "book", "start": [-7.0, 2.0], "steps": 29,
                   "optimizers": {"SGD": {"hyperparameters": {"lr": 0.95},
                                          "points": [[x, y], ...],      # start, then each update
                                          "f": [f0, f1, ...],           # f at each point
                                          "gradient": [[gx, gy], ...],  # per update, at its start
                                          "update": [[dx, dy], ...],    # per update: the step taken
                                          "state": {"v": [[vx, vy], ...], "iter": [1, 2, ...]},
                                          "summary": {"final_f": 1e-3, "first_within_1e-6": null,
                                                      "steps": 29, "diverged_at": null,
                                                      "reason": null},
                                          "explanation": null,          # why it diverged, in words
                                          "diverged_at": null, "reason": null}, ...}},
         "mnist": {"iterations": 2000, "completed": 2000, "finished": true, "batch_size": 128,
                   "optimizers": {"SGD": {"hyperparameters": {"lr": 0.01},
                                          "loss": [2.30, ...],            # iterations 1..completed
                                          "test_accuracy": [[0, 0.1], [100, 0.83], ...],
                                          "diverged_at": null, "reason": null,
                                          "not_learning_at": null,        # see training_rules
                                          "not_learning_reason": null}, ...}},
         "timing": {"mnist_training_seconds": 4.2},
         "versions": {"python": "3.11.9", "numpy": "2.1.0"},
         "theory": {"kappa": 20.0, "gd": {"lr_max", "lr_opt", "rho_opt"},    # with the 2D task;
                    "heavy_ball": {"lr_opt", "beta_opt", "rho_opt"},         # null unless its
                    "optimizers": {"SGD": {"rho_predicted", "rho_measured"}}, ...},  # f is a quadratic
         "cloud": {"sigma": 0.5, "seeds": [0, 49], "count": 50,            # with --noise only
                   "optimizers": {"SGD": {"mean": [[x, y], ...],
                                          "covariance": [[[xx, xy], [xy, yy]], ...],
                                          "diverged": 0}}}}

    ``"paths"`` / ``"mnist"`` are ``null`` when that task was not run. Every number outside
    ``"timing"`` depends only on the settings (seed included), so two runs with the same settings
    on the same machine give identical ``settings``, ``paths`` and ``mnist`` sections; the wall
    time lives in ``"timing"`` alone for that reason.
``losses.csv``
    Header ``iteration,<optimizer>,...``; one row per completed iteration (1-based), the
    training loss of each optimizer; an empty cell after an optimizer diverged.
``accuracy.csv``
    Header ``optimizer,iteration,accuracy``; one row per test-accuracy evaluation (iteration 0 is
    before training), accuracy as a fraction in [0, 1].
``paths.csv``
    Header ``optimizer,step,x,y``; one row per point of each path, step 0 being the start.
``layers.csv``
    Header ``optimizer,iteration,layer,update_ratio,gradient_norm,weight_norm``; one row per
    weight matrix (layer 1 = W1) at every iteration the statistics were recorded
    (:mod:`nncore.diagnostics`); the same numbers are in run.json under each optimizer's
    ``"layers"``: ``{"iterations": [...], "update_ratio": [[per layer], ...], "gradient_norm":
    ..., "weight_norm": ...}``, with ``"confusion"`` the last evaluation's confusion matrix
    (rows true class, columns predicted) and ``"confusion_iteration"`` its iteration.

A task that was not run writes no CSV; a CSV of that task left in the directory by an earlier
export is removed, so the directory never mixes the files of two runs.

Every file is written to a temporary file in the same directory and renamed over the target
(``os.replace``), so a failure never leaves a partial file; failures raise :class:`ExportError`.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import platform
import secrets
from pathlib import Path
from typing import Callable, Iterable, Mapping

import numpy as np

from .diagnostics import STATISTICS
from .experiment import MnistHistory
from .functions import get_function
from .path_analysis import explain_divergence, summarize
from .paths import PathResult
from .settings import Settings
from .sweeps import Cloud
from .theory import theory_record

RUN_JSON = "run.json"
LOSSES_CSV = "losses.csv"
ACCURACY_CSV = "accuracy.csv"
PATHS_CSV = "paths.csv"
LAYERS_CSV = "layers.csv"


class ExportError(Exception):
    """A file could not be written; the message names the path and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"cannot write {path}: {problem}")
        self.path = Path(path)
        self.problem = problem


def describe_os_error(error: OSError) -> str:
    """The human part of an OSError ('Permission denied'), without errno or file name."""
    return error.strerror or str(error)


def atomic_write(path: Path | str, write: Callable[[Path], None]) -> Path:
    """Create ``path`` by calling ``write(temporary_path)`` and renaming the result over ``path``.

    The temporary file lives in the same directory (so the rename is atomic), is created with the
    usual permissions (0666 minus the umask) and is flushed to disk before the rename. If
    ``write`` or the rename fails, the temporary file is removed and ``path`` is left as it was;
    OSErrors become :class:`ExportError`, other exceptions (ExportError from ``write``
    included) propagate unchanged. Returns ``path``.
    """
    path = Path(path)
    temporary = _create_temporary(path)
    try:
        write(temporary)
        descriptor = os.open(temporary, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ExportError(path, describe_os_error(error)) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def _create_temporary(path: Path) -> Path:
    """A new empty hidden file next to ``path`` (``.name.<random>.part``); ExportError if impossible."""
    if not path.parent.is_dir():
        raise ExportError(path, f"the folder {path.parent} does not exist")
    while True:
        candidate = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return candidate
        except FileExistsError:
            continue
        except OSError as error:
            raise ExportError(path, describe_os_error(error)) from None


def write_text(path: Path | str, text: str) -> Path:
    """Atomically write ``text`` as UTF-8 to ``path`` (see :func:`atomic_write`)."""
    return atomic_write(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def prepare_directory(directory: Path | str) -> Path:
    """Create ``directory`` (and its parents) if needed and check that files can be written in it.

    Raises ExportError naming the directory when it cannot be created or written to.
    """
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(directory, describe_os_error(error)) from None
    probe = _create_temporary(directory / ".write-test")
    probe.unlink()
    return directory


def remove_files(directory: Path | str, names: Iterable[str]) -> None:
    """Delete ``directory/name`` for each name if it exists (stale output of an earlier run)."""
    for name in names:
        path = Path(directory) / name
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            raise ExportError(path, f"cannot remove the stale file: {describe_os_error(error)}") from None


def _finite_or_none(values: np.ndarray) -> list[float | None]:
    """Floats as a JSON-ready list, NaN and infinities as None."""
    return [value if math.isfinite(value) else None for value in np.asarray(values, dtype=float).tolist()]


def _path_entry(settings: Settings, function, name: str, result: PathResult) -> dict:
    """One optimizer's path: points and the per-step records (lists end where ``points`` does)."""
    hyperparameters = settings.hyperparameters("paths", name)
    entry = {"hyperparameters": hyperparameters,
             "points": [_finite_or_none(row) for row in result.points]}
    if result.f is not None:
        entry["f"] = _finite_or_none(result.f)
        entry["gradient"] = [_finite_or_none(row) for row in result.gradients]
        entry["update"] = [_finite_or_none(row) for row in result.updates]
        entry["state"] = {state: (_finite_or_none(values) if values.ndim == 1
                                  else [_finite_or_none(row) for row in values])
                          for state, values in result.state.items()}
        entry["summary"] = summarize(function, result).to_dict()
        entry["explanation"] = explain_divergence(function, name, hyperparameters,
                                                  settings.paths.start, result)
    entry["diverged_at"] = result.diverged_at
    entry["reason"] = result.reason
    return entry


def _paths_record(settings: Settings, paths: Mapping[str, PathResult]) -> dict:
    function = get_function(settings.paths.function_key())
    return {
        "function": settings.paths.function,
        "start": [float(v) for v in settings.paths.start],
        "steps": settings.paths.steps,
        "optimizers": {
            name: _path_entry(settings, function, name, result) for name, result in paths.items()
        },
    }


def _mnist_record(settings: Settings, history: MnistHistory) -> dict:
    optimizers = {}
    for name in history.names:
        divergence = history.diverged.get(name)
        stall = history.not_learning.get(name)
        optimizers[name] = {
            "hyperparameters": settings.hyperparameters("mnist", name),
            "loss": _finite_or_none(history.losses[name][:history.completed]),
            "test_accuracy": [[int(iteration), float(accuracy)]
                              for iteration, accuracy in history.accuracies[name]],
            "diverged_at": divergence.iteration if divergence else None,
            "reason": divergence.reason if divergence else None,
            "not_learning_at": stall.iteration if stall else None,
            "not_learning_reason": stall.reason if stall else None,
            **_diagnostics_record(history, name),
        }
    return {"iterations": history.total, "completed": history.completed,
            "finished": history.finished, "batch_size": settings.mnist.batch_size,
            "optimizers": optimizers}


def _diagnostics_record(history: MnistHistory, name: str) -> dict:
    """``"layers"`` (the per-layer statistics) and the last evaluation's ``"confusion"``."""
    rows = history.layers[name].rows() if name in history.layers else None
    layers = None if rows is None else {
        "iterations": rows.iterations.tolist(),
        **{statistic: [_finite_or_none(row) for row in getattr(rows, statistic)]
           for statistic in STATISTICS}}
    evaluation = history.evaluations.get(name)
    return {"layers": layers,
            "confusion": None if evaluation is None else evaluation.confusion.tolist(),
            "confusion_iteration": None if evaluation is None else evaluation.iteration}


def run_record(settings: Settings, paths: Mapping[str, PathResult] | None,
               history: MnistHistory | None, clouds: Mapping[str, Cloud] | None = None) -> dict:
    """The JSON-ready ``run.json`` content (schema in this module's docstring).

    ``paths`` is ``run_paths``' result, ``history`` the MNIST run's history (possibly stopped
    early: ``completed`` < ``iterations``); either may be None when that task was not run.
    ``clouds`` (``run_clouds``' result) adds ``"cloud"``; on a quadratic, ``"theory"`` holds
    the closed-form and measured rates of the paths.
    """
    record = {
        "settings": settings.to_dict(),
        "paths": None if paths is None else _paths_record(settings, paths),
        "mnist": None if history is None else _mnist_record(settings, history),
        "timing": {"mnist_training_seconds": None if history is None else history.elapsed},
        "versions": {"python": platform.python_version(), "numpy": np.__version__},
    }
    if paths is not None:
        record["theory"] = theory_record(
            get_function(settings.paths.function_key()),
            {name: settings.hyperparameters("paths", name) for name in paths},
            {name: result.points for name, result in paths.items()})
    if clouds:
        record["cloud"] = _cloud_record(settings, clouds)
    return record


def _cloud_record(settings: Settings, clouds: Mapping[str, Cloud]) -> dict:
    """Per optimizer: the noisy cloud's mean path and per-step covariance [[xx, xy], [xy, yy]]."""
    p = settings.paths
    return {
        "sigma": p.noise, "seeds": [p.noise_seed, p.noise_seed + p.cloud - 1], "count": p.cloud,
        "optimizers": {
            name: {"mean": [_finite_or_none(row) for row in cloud.mean],
                   "covariance": [[_finite_or_none(row) for row in matrix] for matrix in cloud.covariance],
                   "diverged": int(np.count_nonzero(cloud.diverged_at))}
            for name, cloud in clouds.items()
        },
    }


def _csv_text(header: list[str], rows: Iterable[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _number(value: float) -> str:
    """Shortest text that reads back as the same float; empty for NaN (a missing value)."""
    return repr(float(value)) if math.isfinite(value) else ""


def losses_csv(history: MnistHistory) -> str:
    """``iteration,<optimizer>,...`` with one row per completed iteration."""
    columns = [history.losses[name][:history.completed] for name in history.names]
    rows = ([iteration + 1, *(_number(column[iteration]) for column in columns)]
            for iteration in range(history.completed))
    return _csv_text(["iteration", *history.names], rows)


def accuracy_csv(history: MnistHistory) -> str:
    """``optimizer,iteration,accuracy`` with one row per evaluation."""
    rows = ([name, int(iteration), _number(accuracy)]
            for name in history.names for iteration, accuracy in history.accuracies[name])
    return _csv_text(["optimizer", "iteration", "accuracy"], rows)


def layers_csv(history: MnistHistory) -> str:
    """``optimizer,iteration,layer,update_ratio,gradient_norm,weight_norm``, one row per layer
    and recorded iteration."""
    def rows():
        for name in history.names:
            recorded = history.layers[name].rows() if name in history.layers else None
            for index in range(0 if recorded is None else len(recorded)):
                for layer in range(recorded.update_ratio.shape[1]):
                    yield [name, int(recorded.iterations[index]), layer + 1,
                           *(_number(getattr(recorded, statistic)[index, layer]) for statistic in STATISTICS)]
    return _csv_text(["optimizer", "iteration", "layer", *STATISTICS], rows())


def paths_csv(paths: Mapping[str, PathResult]) -> str:
    """``optimizer,step,x,y`` with one row per point, step 0 the start."""
    rows = ([name, step, _number(x), _number(y)]
            for name, result in paths.items() for step, (x, y) in enumerate(result.points))
    return _csv_text(["optimizer", "step", "x", "y"], rows)


def write_run(directory: Path | str, settings: Settings, paths: Mapping[str, PathResult] | None,
              history: MnistHistory | None, clouds: Mapping[str, Cloud] | None = None) -> list[Path]:
    """Write the run's files into ``directory`` (created if needed); return their paths.

    Writes the CSVs of the tasks that were run (``paths`` / ``history`` not None), removes the
    CSVs of the others, then ``run.json`` last. Raises ExportError naming the file and problem.
    """
    directory = prepare_directory(directory)
    written = []
    if paths is None:
        remove_files(directory, [PATHS_CSV])
    else:
        written.append(write_text(directory / PATHS_CSV, paths_csv(paths)))
    if history is None:
        remove_files(directory, [LOSSES_CSV, ACCURACY_CSV, LAYERS_CSV])
    else:
        written.append(write_text(directory / LOSSES_CSV, losses_csv(history)))
        written.append(write_text(directory / ACCURACY_CSV, accuracy_csv(history)))
        written.append(write_text(directory / LAYERS_CSV, layers_csv(history)))
    record = json.dumps(run_record(settings, paths, history, clouds), indent=1, allow_nan=False)
    written.append(write_text(directory / RUN_JSON, record + "\n"))
    return written
