"""Per-entry figures of an MNIST run: curves over repeats (mean and band) and the summary table.

A run's :class:`~nncore.experiment.MnistHistory` holds one curve per network, keyed by
:func:`~nncore.experiment.row_names` ("Adam" without repeats, "Adam #1", "Adam #2", ... with
them). These functions group the networks by entry and reduce over the repeats.

The summary of an entry (over its K repeats; mean and standard deviation where it says so):

- ``loss_last100``: the mean training loss over the last 100 completed iterations (fewer if the
  run is shorter) of each repeat, then mean and std over the repeats;
- ``final_accuracy`` / ``best_accuracy``: each repeat's last and highest test accuracy, then mean
  and std;
- ``first_95``: the first evaluated iteration at which the mean test accuracy over the repeats
  reached ``TARGET_ACCURACY`` (95 %), None if it never did;
- ``diverged``: how many repeats diverged, and the first one's iteration and reason.

The standard deviation is the population one (numpy's default, ddof=0); 0 with one repeat.
A repeat that diverged has no loss after its divergence: its last-100 mean covers the
iterations it trained, its accuracies stop at its last evaluation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .experiment import MnistHistory, repeat_name
from .settings import Settings

TARGET_ACCURACY = 0.95
LAST_ITERATIONS = 100
BANDS = ("minmax", "std")
"""Kinds of band around a mean curve: the repeats' minimum to maximum, or mean +- 1 std."""


def entry_rows(settings: Settings) -> dict[str, list[str]]:
    """Entry label -> the history keys of its repeats, in repeat order."""
    repeats = settings.mnist.repeats
    return {label: [repeat_name(label, r, repeats) for r in range(repeats)]
            for label in settings.labels()}


def loss_band(history: MnistHistory, rows: list[str], band: str = "minmax"
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, low, high) of the loss curves of ``rows``, each of length ``history.total``.

    ``band`` 'minmax': low/high are the repeats' minimum and maximum; 'std': mean -+ one
    standard deviation. An iteration where any repeat has no loss (not reached, or diverged) is
    NaN in all three.
    """
    if band not in BANDS:
        raise ValueError(f"band must be one of {', '.join(BANDS)}, got {band!r}")
    stack = np.vstack([history.losses[row] for row in rows])
    mean = stack.mean(axis=0)
    if band == "minmax":
        return mean, stack.min(axis=0), stack.max(axis=0)
    spread = stack.std(axis=0)
    return mean, mean - spread, mean + spread


def mean_accuracy(history: MnistHistory, rows: list[str]) -> list[tuple[int, float]]:
    """(iteration, mean test accuracy over ``rows``) at the evaluations every repeat reached."""
    by_row = [dict(history.accuracies[row]) for row in rows]
    common = sorted(set.intersection(*(set(points) for points in by_row))) if by_row else []
    return [(iteration, float(np.mean([points[iteration] for points in by_row])))
            for iteration in common]


@dataclass(frozen=True)
class EntrySummary:
    """The summary line of one entry (see the module for each figure; None: not available)."""

    label: str
    repeats: int
    loss_last100: float | None
    loss_last100_std: float | None
    final_accuracy: float | None
    final_accuracy_std: float | None
    best_accuracy: float | None
    best_accuracy_std: float | None
    first_95: int | None
    diverged: int
    diverged_at: int | None
    reason: str | None

    def to_dict(self) -> dict:
        return {key: getattr(self, key) for key in self.__dataclass_fields__}


def _mean_std(values: list[float]) -> tuple[float | None, float | None]:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return None, None
    return float(np.mean(finite)), float(np.std(finite))


def summarize(settings: Settings, history: MnistHistory) -> list[EntrySummary]:
    """One :class:`EntrySummary` per entry of the run, in the entries' order."""
    summaries = []
    for label, rows in entry_rows(settings).items():
        last = []
        for row in rows:
            trained = history.losses[row][:history.completed]
            trained = trained[np.isfinite(trained)]
            if len(trained):
                last.append(float(trained[-LAST_ITERATIONS:].mean()))
        final = [history.accuracies[row][-1][1] for row in rows if history.accuracies[row]]
        best = [max(a for _, a in history.accuracies[row]) for row in rows if history.accuracies[row]]
        first = next((i for i, a in mean_accuracy(history, rows) if a >= TARGET_ACCURACY), None)
        divergences = [history.diverged[row] for row in rows if row in history.diverged]
        first_divergence = min(divergences, key=lambda d: d.iteration) if divergences else None
        summaries.append(EntrySummary(
            label, len(rows), *_mean_std(last), *_mean_std(final), *_mean_std(best), first,
            len(divergences), first_divergence.iteration if first_divergence else None,
            first_divergence.reason if first_divergence else None))
    return summaries


SUMMARY_COLUMNS = ("entry", "repeats", "loss_last100", "loss_last100_std", "final_accuracy",
                   "final_accuracy_std", "best_accuracy", "best_accuracy_std",
                   "first_iteration_95", "diverged_repeats", "diverged_at", "reason")
"""Header of summary.csv: accuracies as fractions, empty cells where a figure does not exist."""


def summary_rows(summaries: list[EntrySummary]) -> list[list]:
    """The rows of summary.csv (values as in :data:`SUMMARY_COLUMNS`; None becomes '')."""
    def cell(value):
        if value is None:
            return ""
        return repr(value) if isinstance(value, float) else value
    return [[cell(v) for v in (s.label, s.repeats, s.loss_last100, s.loss_last100_std,
                               s.final_accuracy, s.final_accuracy_std, s.best_accuracy,
                               s.best_accuracy_std, s.first_95, s.diverged, s.diverged_at, s.reason)]
            for s in summaries]


def _with_spread(value: float | None, spread: float | None, repeats: int, scale: float,
                 digits: int, unit: str = "") -> str:
    if value is None:
        return "\u2013"
    text = f"{scale * value:.{digits}f}"
    if repeats > 1:
        text += f" \u00b1 {scale * spread:.{digits}f}"
    return text + unit


def summary_cells(summary: EntrySummary) -> list[str]:
    """One entry's figures as the texts a table shows: loss, final and best accuracy (in %,
    "mean +- std" with repeats), first iteration at 95 % or an en dash, and divergence."""
    s = summary
    diverged = "no"
    if s.diverged:
        count = f"{s.diverged} of {s.repeats}: " if s.repeats > 1 else ""
        diverged = f"{count}at {s.diverged_at}: {s.reason}"
    return [s.label,
            _with_spread(s.loss_last100, s.loss_last100_std, s.repeats, 1, 4),
            _with_spread(s.final_accuracy, s.final_accuracy_std, s.repeats, 100, 2, " %"),
            _with_spread(s.best_accuracy, s.best_accuracy_std, s.repeats, 100, 2, " %"),
            "\u2013" if s.first_95 is None else str(s.first_95),
            diverged]


SUMMARY_HEADINGS = ("entry", f"loss (last {LAST_ITERATIONS})", "final test acc.",
                    "best test acc.", f"first at {TARGET_ACCURACY:.0%}", "diverged")
"""Column headings of the summary as a table (window and standard output)."""


def summary_table(summaries: list[EntrySummary]) -> str:
    """The summary as an aligned plain-text table (headings, then one line per entry)."""
    rows = [list(SUMMARY_HEADINGS)] + [summary_cells(s) for s in summaries]
    widths = [max(len(row[i]) for row in rows) for i in range(len(SUMMARY_HEADINGS) - 1)]
    return "\n".join("  ".join([cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]).rstrip()
                     for row in rows)
