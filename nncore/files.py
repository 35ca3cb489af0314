"""The result files' names and the safe way every file is written: atomically, failures raised
as :class:`ExportError` naming the file and the problem. Also the text of JSON records and of CSV
rows of numbers.

Light on purpose (no NumPy, no other project module): a headless run needs these before its
training starts, and :mod:`nncore.results`, which builds the records, only after.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path
from typing import Callable, Iterable

RUN_JSON = "run.json"
LOSSES_CSV = "losses.csv"
ACCURACY_CSV = "accuracy.csv"
PATHS_CSV = "paths.csv"
LOSSES_REPEATS_CSV = "losses_repeats.csv"
SUMMARY_CSV = "summary.csv"
LAYERS_CSV = "layers.csv"


class ExportError(Exception):
    """A file could not be written; the message names the path and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"cannot write {path}: {problem}")
        self.path = Path(path)
        self.problem = problem

    def __reduce__(self):
        """Pickled as its path and problem (e.g. raised in a forked process, raised again here)."""
        return type(self), (self.path, self.problem)


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
        candidate = path.with_name(f".{path.name}.{os.urandom(4).hex()}.part")
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


def json_text(value, levels: int) -> str:
    """``value`` as JSON text: the members of its objects one per line (indented by one space per
    level) down to ``levels`` levels deep, everything deeper, lists included, on the line of its
    member. For a record of a few sections holding long number lists (run.json): each list is
    one line, where ``json.dumps(indent=...)`` puts each number on a line of its own, with
    json's pure-Python encoder (32-52 ms for the book's run against 15 ms: compact text comes
    from its C encoder). NaN and infinity are refused, as JSON has none."""
    return _json_text(value, levels, 1)


def _json_text(value, levels: int, depth: int) -> str:
    """:func:`json_text` of ``value`` written at nesting ``depth`` (1 for the top level)."""
    if levels == 0 or not isinstance(value, dict) or not value \
            or not all(isinstance(key, str) for key in value):
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    pad = " " * depth
    members = ",\n".join(f"{pad}{json.dumps(key)}: {_json_text(item, levels - 1, depth + 1)}"
                         for key, item in value.items())
    return "{\n" + members + "\n" + " " * (depth - 1) + "}"


def csv_text(header: list[str], rows: Iterable[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def number_text(value: float) -> str:
    """Shortest text that reads back as the same float; empty for NaN (a missing value)."""
    return repr(float(value)) if math.isfinite(value) else ""
