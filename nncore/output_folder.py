"""A run's result files appear in their folder together or not at all.

The files are written into a hidden staging folder inside the output folder (same file system,
so moving them in is a rename), and :func:`commit` moves them in at the end, after removing the
previous run's files that this run does not replace. A write that fails, or a process that is
killed, leaves the folder's previous results untouched; the staging folder it leaves behind, and
``.NAME.xxxx.part`` files of killed atomic writes (:func:`nncore.results.atomic_write`), are
removed by the next run into the folder (:func:`clean_stale`).
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Iterable

from .files import ExportError, describe_os_error

STAGING_PATTERN = re.compile(r"^\.optimizer-lab-run\.(\d+)\.[0-9a-f]+\.part$")
"""Name of a staging folder: ``.optimizer-lab-run.<pid>.<random hex>.part``."""


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def clean_stale(directory: Path, names: Iterable[str]) -> list[Path]:
    """Remove from ``directory`` the leftovers of killed runs: staging folders whose process is
    gone, and ``.NAME.<hex>.part`` files of the result ``names``. Returns what was removed."""
    part = re.compile(r"^\.(%s)\.[0-9a-f]+\.part$" % "|".join(re.escape(name) for name in names))
    removed = []
    for entry in Path(directory).iterdir():
        staging = STAGING_PATTERN.match(entry.name)
        try:
            if staging and entry.is_dir() and not entry.is_symlink():
                if not _process_alive(int(staging.group(1))):
                    shutil.rmtree(entry)
                    removed.append(entry)
            elif part.match(entry.name) and entry.is_file():
                entry.unlink()
                removed.append(entry)
        except OSError as error:
            raise ExportError(entry, f"cannot remove this leftover of an earlier run: "
                                     f"{describe_os_error(error)}") from None
    return removed


def make_staging(directory: Path) -> Path:
    """A new, empty hidden staging folder inside ``directory``; ExportError if impossible."""
    staging = Path(directory) / f".optimizer-lab-run.{os.getpid()}.{os.urandom(4).hex()}.part"
    try:
        staging.mkdir()
    except OSError as error:
        raise ExportError(staging, describe_os_error(error)) from None
    return staging


def commit(staging: Path, directory: Path, replaced: Iterable[str]) -> list[Path]:
    """Move every file of ``staging`` into ``directory`` and remove ``staging``; first delete
    the files named in ``replaced`` that the staging folder does not hold (results of an earlier
    run of another task). Returns the paths of the moved files, in name order."""
    staging, directory = Path(staging), Path(directory)
    try:
        new = sorted(path.name for path in staging.iterdir())
        for name in replaced:
            if name not in new:
                (directory / name).unlink(missing_ok=True)
        moved = []
        for name in new:
            os.replace(staging / name, directory / name)
            moved.append(directory / name)
        staging.rmdir()
    except OSError as error:
        raise ExportError(directory, f"cannot move the results in: {describe_os_error(error)}") from None
    return moved


def discard(staging: Path) -> None:
    """Remove a staging folder and whatever it holds (after a failed write)."""
    shutil.rmtree(staging, ignore_errors=True)
