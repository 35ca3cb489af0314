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
                   "repeats": 1,
                   "optimizers": {"SGD": {"optimizer": "SGD", "schedule": null,
                                          "hyperparameters": {"lr": 0.01},
                                          "loss": [2.30, ...],            # iterations 1..completed
                                          "test_accuracy": [[0, 0.1], [100, 0.83], ...],
                                          "diverged_at": null, "reason": null,
                                          "not_learning_at": null,        # see training_rules
                                          "not_learning_reason": null,
                                          "repeats": [...]}, ...},       # with repeats only
                   "summary": [{"label": "SGD", "loss_last100": 0.21, ...}, ...]},
         "timing": {"mnist_training_seconds": 4.2},
         "versions": {"python": "3.11.9", "numpy": "2.1.0"},
         "theory": {"kappa": 20.0, "gd": {"lr_max", "lr_opt", "rho_opt"},    # with the 2D task;
                    "heavy_ball": {"lr_opt", "beta_opt", "rho_opt"},         # null unless its
                    "optimizers": {"SGD": {"rho_predicted", "rho_measured"}}, ...},  # f is a quadratic
         "cloud": {"sigma": 0.5, "seeds": [0, 49], "count": 50,            # with --noise only
                   "optimizers": {"SGD": {"mean": [[x, y], ...],
                                          "covariance": [[[xx, xy], [xy, yy]], ...],
                                          "diverged": 0}}}}

    ``"optimizers"`` is keyed by the entries' labels (:mod:`nncore.entries`; the optimizer's
    name when it has one entry). With repeats (``"repeats"`` K > 1) an entry's ``"loss"`` and
    ``"test_accuracy"`` are the means over its repeats, its ``"diverged_at"``/``"reason"`` the
    first repeat's to diverge, and ``"repeats"`` lists each repeat's record (with its
    ``"seed"`` and its ``"layers"``/``"confusion"``). ``"summary"`` is
    :func:`nncore.summary.summarize`'s table.
    ``"paths"`` / ``"mnist"`` are ``null`` when that task was not run. Every number outside
    ``"timing"`` depends only on the settings (seed included), so two runs with the same settings
    on the same machine give identical ``settings``, ``paths`` and ``mnist`` sections; the wall
    time lives in ``"timing"`` alone for that reason.
``losses.csv``
    Header ``iteration,<entry>,...``; one row per completed iteration (1-based), the
    training loss of each entry (the mean over its repeats); an empty cell after it diverged.
``losses_repeats.csv`` (with repeats only)
    Header ``iteration,<entry> #1,<entry> #2,...``: every repeat's loss.
``accuracy.csv``
    Header ``optimizer,iteration,accuracy``; one row per test-accuracy evaluation (iteration 0 is
    before training) of each entry (of each repeat, ``<entry> #i``), accuracy as a fraction.
``summary.csv``
    Header :data:`nncore.summary.SUMMARY_COLUMNS`; one row per entry.
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
(``os.replace``, see :mod:`nncore.files`), so a failure never leaves a partial file; failures raise
:class:`nncore.files.ExportError`.
"""
from __future__ import annotations

import itertools
import math
import platform
from pathlib import Path
from typing import Mapping

import numpy as np

from .diagnostics import STATISTICS
from .files import (ACCURACY_CSV, LAYERS_CSV, LOSSES_CSV, LOSSES_REPEATS_CSV, PATHS_CSV, RUN_JSON,
                    SUMMARY_CSV, csv_text, json_text, number_text, prepare_directory, remove_files,
                    write_text)
from .experiment import MnistHistory
from .functions import get_function
from .path_analysis import explain_divergence
from .path_analysis import summarize as summarize_path
from .paths import PathResult
from .settings import Settings
from .summary import SUMMARY_COLUMNS, entry_rows, loss_band, mean_accuracy, summary_rows
from .summary import summarize as summarize_entries
from .sweeps import Cloud
from .theory import path_rules, theory_record

RUN_JSON_LEVELS = 4
"""run.json's objects are written one member per line down to the entries' records (record,
task, its "optimizers", one entry: each curve or table one line; see nncore.files.json_text)."""


def _finite_or_none(values: np.ndarray) -> list:
    """Floats as a JSON-ready list (nested for 2-D and more: ``tolist``), NaN and infinities
    as None. One call for a whole table: a call costs a few microseconds beyond its values."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    if finite.all():
        return values.tolist()
    return np.where(finite, values, None).tolist()


def _path_entry(settings: Settings, function, name: str, result: PathResult) -> dict:
    """One entry's path: points and the per-step records (lists end where ``points`` does)."""
    hyperparameters = settings.hyperparameters("paths", name)
    fields = _entry_fields(settings, name)
    entry = {**fields, "hyperparameters": hyperparameters,
             "points": _finite_or_none(result.points)}
    if result.f is not None:
        entry["f"] = _finite_or_none(result.f)
        entry["gradient"] = _finite_or_none(result.gradients)
        entry["update"] = _finite_or_none(result.updates)
        entry["state"] = {state: _finite_or_none(values) for state, values in result.state.items()}
        entry["summary"] = summarize_path(function, result).to_dict()
        entry["explanation"] = explain_divergence(function, fields["optimizer"], hyperparameters,
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


def _entry_fields(settings: Settings, label: str) -> dict:
    """The optimizer and schedule of the entry ``label`` (the optimizer ``label`` if none)."""
    entry = settings.run_entries().get(label)
    return {"optimizer": entry.optimizer if entry else label,
            "schedule": entry.schedule.to_dict() if entry and entry.schedule else None}


def history_groups(settings: Settings, history: MnistHistory) -> dict[str, list[str]]:
    """Entry label -> the history's keys of its repeats; every key alone when the history was
    not made from these settings' entries."""
    groups = entry_rows(settings)
    if sorted(key for rows in groups.values() for key in rows) == sorted(history.names):
        return groups
    return {name: [name] for name in history.names}


def _row_record(history: MnistHistory, row: str) -> dict:
    divergence = history.diverged.get(row)
    stall = history.not_learning.get(row)
    return {
        "loss": _finite_or_none(history.losses[row][:history.completed]),
        "test_accuracy": [[int(iteration), float(accuracy)]
                          for iteration, accuracy in history.accuracies[row]],
        "diverged_at": divergence.iteration if divergence else None,
        "reason": divergence.reason if divergence else None,
        "not_learning_at": stall.iteration if stall else None,
        "not_learning_reason": stall.reason if stall else None,
    }


def _mnist_record(settings: Settings, history: MnistHistory) -> dict:
    optimizers = {}
    for label, rows in history_groups(settings, history).items():
        record = {**_entry_fields(settings, label),
                  "hyperparameters": settings.hyperparameters("mnist", label)}
        if len(rows) == 1:
            record.update(_row_record(history, rows[0]))
            record.update(_diagnostics_record(history, rows[0]))
        else:
            repeats = [_row_record(history, row) for row in rows]
            first = min((r for r in repeats if r["diverged_at"]), key=lambda r: r["diverged_at"], default=None)
            stall = min((r for r in repeats if r["not_learning_at"]), key=lambda r: r["not_learning_at"],
                        default=None)
            record.update({
                "loss": _finite_or_none(loss_band(history, rows)[0][:history.completed]),
                "test_accuracy": [[i, a] for i, a in mean_accuracy(history, rows)],
                "diverged_at": first["diverged_at"] if first else None,
                "reason": first["reason"] if first else None,
                "not_learning_at": stall["not_learning_at"] if stall else None,
                "not_learning_reason": stall["not_learning_reason"] if stall else None,
                "repeats": [{"seed": settings.mnist.seed + index, **repeat,
                             **_diagnostics_record(history, row)}
                            for index, (repeat, row) in enumerate(zip(repeats, rows))],
            })
        optimizers[label] = record
    summary = summarize_entries(settings, history) if history_groups(settings, history) == entry_rows(settings) else []
    return {"iterations": history.total, "completed": history.completed,
            "finished": history.finished, "batch_size": settings.mnist.batch_size,
            "repeats": settings.mnist.repeats, "optimizers": optimizers,
            "summary": [s.to_dict() for s in summary]}


def _diagnostics_record(history: MnistHistory, name: str) -> dict:
    """``"layers"`` (the per-layer statistics) and the last evaluation's ``"confusion"``."""
    rows = history.layers[name].rows() if name in history.layers else None
    layers = None if rows is None else {
        "iterations": rows.iterations.tolist(),
        **{statistic: _finite_or_none(getattr(rows, statistic)) for statistic in STATISTICS}}
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
            {name: result.points for name, result in paths.items()},
            path_rules(settings.run_entries()))
    if clouds:
        record["cloud"] = _cloud_record(settings, clouds)
    return record


def _cloud_record(settings: Settings, clouds: Mapping[str, Cloud]) -> dict:
    """Per optimizer: the noisy cloud's mean path and per-step covariance [[xx, xy], [xy, yy]]."""
    p = settings.paths
    return {
        "sigma": p.noise, "seeds": [p.noise_seed, p.noise_seed + p.cloud - 1], "count": p.cloud,
        "optimizers": {
            name: {"mean": _finite_or_none(cloud.mean),
                   "covariance": _finite_or_none(cloud.covariance),
                   "diverged": int(np.count_nonzero(cloud.diverged_at))}
            for name, cloud in clouds.items()
        },
    }


def _numbers(values: np.ndarray) -> list[str]:
    """:func:`nncore.files.number_text` of each value of ``values`` (any shape, in C order), in one pass."""
    values = np.asarray(values, dtype=float).ravel()
    texts = list(map(float.__repr__, values.tolist()))
    if not np.isfinite(values).all():
        texts = [text if math.isfinite(value) else "" for text, value in zip(texts, values.tolist())]
    return texts


def losses_csv(history: MnistHistory, groups: Mapping[str, list[str]] | None = None) -> str:
    """``iteration,<column>,...`` with one row per completed iteration: one column per group of
    history keys (the mean of their losses; ``groups`` maps the column's name to them), or one
    per key when ``groups`` is None."""
    groups = groups or {name: [name] for name in history.names}
    columns = [_numbers(loss_band(history, rows)[0][:history.completed]) for rows in groups.values()]
    return csv_text(["iteration", *groups], zip(range(1, history.completed + 1), *columns))


def summary_csv(settings: Settings, history: MnistHistory) -> str:
    """summary.csv: one row per entry (:func:`nncore.summary.summarize`)."""
    return csv_text(list(SUMMARY_COLUMNS), summary_rows(summarize_entries(settings, history)))


def accuracy_csv(history: MnistHistory) -> str:
    """``optimizer,iteration,accuracy`` with one row per evaluation."""
    rows = ([name, int(iteration), number_text(accuracy)]
            for name in history.names for iteration, accuracy in history.accuracies[name])
    return csv_text(["optimizer", "iteration", "accuracy"], rows)


def layers_csv(history: MnistHistory) -> str:
    """``optimizer,iteration,layer,update_ratio,gradient_norm,weight_norm``, one row per layer
    and recorded iteration."""
    def rows():
        for name in history.names:
            recorded = history.layers[name].rows() if name in history.layers else None
            if recorded is None or not len(recorded):
                continue
            count, layers = len(recorded), recorded.update_ratio.shape[1]
            # Row (index, layer) in C order: the iteration repeated per layer, layers 1..L.
            yield from zip(itertools.repeat(name),
                           np.repeat(recorded.iterations[:count].astype(np.int64), layers).tolist(),
                           np.tile(np.arange(1, layers + 1), count).tolist(),
                           *(_numbers(getattr(recorded, statistic)[:count]) for statistic in STATISTICS))
    return csv_text(["optimizer", "iteration", "layer", *STATISTICS], rows())


def paths_csv(paths: Mapping[str, PathResult]) -> str:
    """``optimizer,step,x,y`` with one row per point, step 0 the start."""
    rows = ([name, step, number_text(x), number_text(y)]
            for name, result in paths.items() for step, (x, y) in enumerate(result.points))
    return csv_text(["optimizer", "step", "x", "y"], rows)


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
        remove_files(directory, [LOSSES_CSV, ACCURACY_CSV, LAYERS_CSV, LOSSES_REPEATS_CSV, SUMMARY_CSV])
    else:
        groups = history_groups(settings, history)
        written.append(write_text(directory / LOSSES_CSV, losses_csv(history, groups)))
        if any(len(rows) > 1 for rows in groups.values()):
            written.append(write_text(directory / LOSSES_REPEATS_CSV, losses_csv(history)))
        else:
            remove_files(directory, [LOSSES_REPEATS_CSV])
        written.append(write_text(directory / ACCURACY_CSV, accuracy_csv(history)))
        if groups == entry_rows(settings):
            written.append(write_text(directory / SUMMARY_CSV, summary_csv(settings, history)))
        else:
            remove_files(directory, [SUMMARY_CSV])
        written.append(write_text(directory / LAYERS_CSV, layers_csv(history)))
    record = json_text(run_record(settings, paths, history, clouds), RUN_JSON_LEVELS)
    written.append(write_text(directory / RUN_JSON, record + "\n"))
    return written
