"""The history of past runs: run.json records kept in one folder, newest first, at most
:data:`KEEP` of them, and the pieces of a record a window draws again (curves, settings).

Qt-free: the window chooses the folder (the platform's application data folder) and calls
:meth:`RunHistory.add` with each finished or stopped run's record (:func:`nncore.results.run_record`).
Files are named ``run-YYYYmmdd-HHMMSS-ffffff.json`` (UTC), so their names sort by age.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .experiment import MnistHistory
from .paths import PathResult
from .files import write_text
from .settings import Settings
from .settings_file import _read_regular_file, parse_json

KEEP = 50
"""Runs kept; adding one more removes the oldest."""


@dataclass(frozen=True)
class RunInfo:
    """One kept run, as a History panel lists it."""

    path: Path
    time: str
    """When it was saved, 'YYYY-mm-dd HH:MM:SS' UTC."""
    task: str
    labels: tuple[str, ...]
    headline: str
    """Its numbers in a few words: each entry's final test accuracy, or the 2D paths' count."""


def read_run(path: Path | str) -> dict[str, Any]:
    """The record in the run.json at ``path``, its settings checked (``Settings.from_dict``);
    ValueError with a one-line message naming the file otherwise."""
    path = Path(path)
    try:
        record = parse_json(_read_regular_file(path))
        if not isinstance(record, dict) or not isinstance(record.get("settings"), dict):
            raise ValueError("not a run.json: it has no \"settings\" object")
        Settings.from_dict(record["settings"])
        for task in ("paths", "mnist"):
            if record.get(task) is not None and not isinstance(record[task].get("optimizers"), dict):
                raise ValueError(f"not a run.json: \"{task}\" has no \"optimizers\" object")
    except ValueError as error:
        message = str(error)
        raise ValueError(message if message.startswith(str(path)) else f"{path}: {message}") from None
    return record


def run_settings(record: dict[str, Any]) -> Settings:
    """The settings a run record was made with."""
    return Settings.from_dict(record["settings"])


def mnist_history(record: dict[str, Any]) -> MnistHistory | None:
    """The MNIST curves of a run record, one per entry (the mean over repeats), keyed by label;
    None when the run had no MNIST task."""
    mnist = record.get("mnist")
    if not mnist:
        return None
    labels = tuple(mnist["optimizers"])
    history = MnistHistory(labels, int(mnist["iterations"]))
    for label, entry in mnist["optimizers"].items():
        losses = np.array([np.nan if v is None else v for v in entry["loss"]], dtype=float)
        history.losses[label][:len(losses)] = losses
        history.accuracies[label].extend((int(i), float(a)) for i, a in entry["test_accuracy"])
    history.completed = int(mnist["completed"])
    history.finished = bool(mnist["finished"])
    return history


def path_results(record: dict[str, Any]) -> dict[str, PathResult]:
    """The 2D paths of a run record by label (empty without the 2D task)."""
    paths = record.get("paths")
    if not paths:
        return {}
    return {label: PathResult(np.array([[np.nan if v is None else v for v in point]
                                        for point in entry["points"]], dtype=float).reshape(-1, 2),
                              entry.get("diverged_at"), entry.get("reason"))
            for label, entry in paths["optimizers"].items()}


def headline(record: dict[str, Any]) -> str:
    """Each entry's final test accuracy ("Adam 96.9 %"), or the 2D paths' count."""
    mnist = record.get("mnist")
    if mnist and mnist.get("summary"):
        parts = []
        for summary in mnist["summary"]:
            accuracy = summary.get("final_accuracy")
            value = "\u2013" if accuracy is None else f"{100 * accuracy:.1f} %"
            parts.append(f"{summary['label']} {value}")
        return ", ".join(parts)
    paths = record.get("paths")
    if paths:
        return f"{len(paths['optimizers'])} 2D paths of {paths['steps']} steps on {paths['function']}"
    return "nothing run"


class RunHistory:
    """The runs kept in ``directory`` (created when the first run is added).

    What :meth:`runs` lists of each file is remembered with the file's size and modification
    time, so a file is parsed again only when it changed: a kept run.json is ~0.6 MB (a 2000
    iteration run), and parsing all 50 at each run's end stalled the window for ~0.5 s."""

    def __init__(self, directory: Path | str, keep: int = KEEP) -> None:
        self.directory = Path(directory)
        self.keep = keep
        self._infos: dict[Path, tuple[tuple[int, int], RunInfo | None]] = {}
        """File -> ((st_mtime_ns, st_size) when read, what runs() lists of it; None: unreadable)."""

    def add(self, record: dict[str, Any], now: datetime | None = None) -> Path:
        """Keep ``record`` (a run.json dict; ``"saved_at"`` is added) and remove the oldest runs
        beyond :attr:`keep`. Returns the new file. Raises ExportError if it cannot be written."""
        now = now or datetime.now(timezone.utc)
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"run-{now:%Y%m%d-%H%M%S-%f}.json"
        record = {**record, "saved_at": now.strftime("%Y-%m-%d %H:%M:%S")}
        write_text(path, json.dumps(record, allow_nan=False) + "\n")
        self._infos[path] = (_stamp(path), _run_info(path, record))  # no need to read it back
        for old in self.files()[self.keep:]:
            old.unlink(missing_ok=True)
        return path

    def files(self) -> list[Path]:
        """The kept run files, newest first."""
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("run-*.json"), reverse=True)

    def runs(self) -> list[RunInfo]:
        """The kept runs, newest first; files that cannot be read are left out."""
        known = {}
        for path in self.files():
            try:
                stamp = _stamp(path)
            except OSError:
                continue
            entry = self._infos.get(path)
            if entry is None or entry[0] != stamp:
                try:
                    entry = (stamp, _run_info(path, read_run(path)))
                except ValueError:
                    entry = (stamp, None)
            known[path] = entry
        self._infos = known
        return [info for _, info in known.values() if info is not None]


def _stamp(path: Path) -> tuple[int, int]:
    """(modification time in ns, size) of ``path``: changes when the file is rewritten."""
    status = path.stat()
    return status.st_mtime_ns, status.st_size


def _run_info(path: Path, record: dict[str, Any]) -> RunInfo:
    """What the History panel lists of the run ``record`` kept at ``path``."""
    settings = record["settings"]
    labels = tuple((record.get("mnist") or record.get("paths") or {}).get("optimizers", {}))
    return RunInfo(path, record.get("saved_at", path.stem[4:]), settings.get("task", "?"),
                   labels, headline(record))
