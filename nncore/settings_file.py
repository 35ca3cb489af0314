"""Reading settings files (``--config``, the window's "Load settings...", a ``run.json``).

Only regular files are read (a FIFO would block forever, ``/dev/zero`` never ends), at most
:data:`MAX_BYTES` of them; the JSON must be an object with no repeated key, and its values pass
:meth:`nncore.settings.Settings.from_dict`'s strict checks. Every problem raises
:class:`SettingsFileError`, a ValueError whose message is one line naming the file.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from .settings import Settings

MAX_BYTES = 256 * 1024 * 1024
"""Largest settings file read. A run.json holds about 26 B per recorded loss (measured: 1.03 MB
for 2 x 20,000), so this covers every run of up to 10 million losses, e.g. 1,000,000
iterations of 10 optimizers; the run.json of a larger run is refused with this figure."""


class SettingsFileError(ValueError):
    """A settings file cannot be used; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


def read_settings_file(path: Path | str) -> Settings:
    """The settings in the JSON file at ``path``: a settings object or a run.json (its
    ``"settings"``). Raises SettingsFileError naming the file and the problem."""
    path = Path(path)
    try:
        return settings_from_json(_read_regular_file(path))
    except SettingsFileError:
        raise
    except ValueError as error:
        raise SettingsFileError(path, str(error)) from None


def settings_from_json(text: str) -> Settings:
    """The settings in the JSON ``text`` (a settings object or a run.json); ValueError otherwise."""
    data = parse_json(text)
    if isinstance(data, dict) and isinstance(data.get("settings"), dict):
        data = data["settings"]
    try:
        return Settings.from_dict(data)
    except TypeError as error:  # a value of a kind no check expected: still one line
        raise ValueError(str(error)) from None


def parse_json(text: str) -> Any:
    """``json.loads(text)`` with one-line ValueErrors for every way it can fail: bad syntax, a
    repeated key in an object, or nesting too deep for the parser (RecursionError)."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg} at line {error.lineno}, "
                         f"column {error.colno})") from None
    except RecursionError:
        raise ValueError("not a settings file: JSON nested too deeply") from None
    except ValueError as error:  # an integer of more than sys.get_int_max_str_digits() digits
        raise ValueError(f"not a settings file: {str(error).split(':')[0]}") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        repeated = next(key for key in keys if keys.count(key) > 1)
        raise ValueError(f"the key {repeated!r} appears twice in one object")
    return dict(pairs)


def _read_regular_file(path: Path) -> str:
    """The UTF-8 text of ``path`` if it is a regular file of at most MAX_BYTES."""
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once instead of blocking; the
        # fstat below then refuses it.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise SettingsFileError(path, error.strerror or str(error)) from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise SettingsFileError(path, f"{kind}: a settings file must be a regular file")
        if info.st_size > MAX_BYTES:
            raise SettingsFileError(path, f"{info.st_size} bytes, more than a settings file "
                                          f"can be ({MAX_BYTES} bytes)")
        with os.fdopen(os.dup(descriptor), "rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError as error:
        raise SettingsFileError(path, error.strerror or str(error)) from None
    finally:
        os.close(descriptor)
    if len(raw) > MAX_BYTES:
        raise SettingsFileError(path, f"more than a settings file can be ({MAX_BYTES} bytes)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SettingsFileError(path, "not a text file (not UTF-8)") from None
